//! Differential test for `wasi_unstable`: the same snapshot-0-only guest under capwasi and
//! under wasmtime-wasi 48, whose `p0` module serves `wasi_unstable` by translating to its
//! preview1 implementation. The harness's `run_reference` links only preview1, so the
//! reference run here links `p0` (and `p1`) itself, on the same engine.
//!
//! Every printed line is compared. Where the reference answers differently on purpose or by
//! design (its device and inode numbers, its `nbytes` for a regular file in `poll_oneoff`),
//! both answers are pinned, so a change on either side is noticed.

use crate::unstable_util::*;
use capwasi_tests::{engine, Guest, Outcome};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use wasmtime::{Linker, Module, Store};
use wasmtime_wasi::p1::WasiP1Ctx;

/// Runs `wat` under wasmtime-wasi 48 with both `wasi_unstable` and `wasi_snapshot_preview1`
/// linked, `dir` preopened read-write as `/sandbox` (fd 3), no args but argv[0].
fn run_reference_unstable(wat: &str, dir: &Path) -> Outcome {
    use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
    let stdout = MemoryOutputPipe::new(usize::MAX);
    let stderr = MemoryOutputPipe::new(usize::MAX);
    let mut builder = wasmtime_wasi::WasiCtxBuilder::new();
    builder.args(&["wat"]).stdin(MemoryInputPipe::new(Vec::new())).stdout(stdout.clone()).stderr(stderr.clone());
    builder.preopened_dir(dir, "/sandbox", wasmtime_wasi::FsPerms::ReadWrite).expect("reference preopen");
    let module = Module::new(engine(), wat::parse_str(wat).expect("assembling WAT")).expect("compiling WAT");
    let mut linker: Linker<WasiP1Ctx> = Linker::new(engine());
    wasmtime_wasi::p0::add_to_linker_sync(&mut linker, |ctx| ctx).expect("linking wasi_unstable");
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |ctx| ctx).expect("linking preview1");
    let mut store = Store::new(engine(), builder.build_p1());
    let result = linker
        .instantiate(&mut store, &module)
        .and_then(|instance| instance.get_typed_func::<(), ()>(&mut store, "_start"))
        .and_then(|start| start.call(&mut store, ()));
    let (exit, trap) = match result {
        Ok(()) => (Some(0), None),
        Err(err) => match err.downcast_ref::<wasmtime_wasi::I32Exit>() {
            Some(exit) => (Some(exit.0), None),
            None => (None, Some(format!("{err:?}"))),
        },
    };
    Outcome { exit, trap, stdout: stdout.contents().to_vec(), stderr: stderr.contents().to_vec() }
}

const SEEK: &str = r#"
  (func $seek (param $off i64) (param $whence i32)
    (call $fill (i32.const 0x30) (i32.const 8))
    (call $p32 (call $u_fd_seek (i32.load (i32.const 0x20)) (local.get $off) (local.get $whence) (i32.const 0x30)))
    (call $hex (i32.const 0x30) (i32.const 8)))
"#;

const UD_A: u64 = 0x0a0a_0a0a_0000_0001;
const UD_B: u64 = 0x0b0b_0b0b_0000_0002;
const UD_C: u64 = 0x0c0c_0c0c_0000_0003;
const ID_A: u64 = 0x1d1d_1d1d_ffff_ff01;
const ID_B: u64 = 0x2d2d_2d2d_ffff_ff02;

/// The guest: open `data.bin`, seek with every whence (and some failures), stat the file by
/// fd and by path (via its hard link) and the directory, poll two expired clocks and a read.
fn guest_wat() -> String {
    let mut body = format!(
        "(call $p32 {})\n(call $p32 (i32.load (i32.const 0x20)))\n",
        open_expr("$u_path_open", 0x200, 8, READ_RIGHTS, 0x20)
    );
    for (offset, whence) in [(10, 2), (5, 0), (-3, 0), (-4, 1), (0, 1), (10, 1), (7, 2), (0, 0), (-1, 2), (-11, 0), (-101, 1), (0, 2)] {
        body += &format!("(call $seek (i64.const {offset}) (i32.const {whence}))\n");
    }
    for (at, call) in [
        (0x1000, "(call $u_fd_filestat_get (i32.load (i32.const 0x20)) (i32.const 0x1000))"),
        (0x1100, "(call $u_path_filestat_get (i32.const 3) (i32.const 1) (i32.const 0x220) (i32.const 8) (i32.const 0x1100))"),
        (0x1200, "(call $u_fd_filestat_get (i32.const 3) (i32.const 0x1200))"),
    ] {
        body += &format!("(call $fill (i32.const {at:#x}) (i32.const 64))\n(call $p32 {call})\n(call $hex (i32.const {at:#x}) (i32.const 64))\n");
    }
    // One absolute clock, one read, then both clocks and the read together.
    for (at, n) in [(0x2000, 1), (0x2038, 1), (0x2100, 3)] {
        body += &format!(
            "(call $fill (i32.const 0x3000) (i32.const 128))\n(call $fill (i32.const 0x2f00) (i32.const 4))\n\
             (call $p32 (call $u_poll_oneoff (i32.const {at:#x}) (i32.const 0x3000) (i32.const {n}) (i32.const 0x2f00)))\n\
             (call $hex (i32.const 0x2f00) (i32.const 4))\n(call $hex (i32.const 0x3000) (i32.const 128))\n"
        );
    }
    let (clock, read) = (clock_sub(UD_A, ID_A, 0, 0, 6, 1), fd_sub(UD_C, 1, 4));
    let three = [clock_sub(UD_A, ID_A, 1, 0, 6, 0), clock_sub(UD_B, ID_B, 0, 0, 6, 0), fd_sub(UD_C, 1, 4)].concat();
    let extra = [data(0x200, b"data.bin"), data(0x220, b"link.bin"), data(0x2000, &clock), data(0x2038, &read), data(0x2100, &three), SEEK.to_string()].concat();
    module(Imports::Unstable, &extra, &body)
}

fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("data.bin"), data_bin()).unwrap();
    fs::hard_link(dir.path().join("data.bin"), dir.path().join("link.bin")).unwrap();
    dir
}

fn unhex(line: &str) -> Vec<u8> {
    (0..line.len() / 2).map(|i| u8::from_str_radix(&line[2 * i..2 * i + 2], 16).unwrap()).collect()
}

/// Nanoseconds since the epoch of the file's birth time, 0 when the host has none.
fn birth_nanos(meta: &fs::Metadata) -> u64 {
    meta.created().map_or(0, |t| t.duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64)
}

/// An event as the reference writes it: the fields only, its padding (@11..16, @26..32)
/// left as the guest had it (0xAA here).
fn reference_event(userdata: u64, kind: u8, nbytes: u64) -> Vec<u8> {
    let mut ev = event(userdata, 0, kind, nbytes, 0);
    ev[11..16].fill(0xAA);
    ev[26..32].fill(0xAA);
    ev
}

#[test]
fn unstable_seek_filestat_and_poll_agree_with_reference() {
    let dir = scratch();
    let wat = guest_wat();
    let stat_both = || (fs::metadata(dir.path().join("data.bin")).unwrap(), fs::metadata(dir.path()).unwrap());
    let ours = Guest::wat(wat.clone()).host_dir(dir.path(), "/sandbox").run();
    let after_ours = stat_both();
    let reference = run_reference_unstable(&wat, dir.path());
    let after_reference = stat_both();
    let (o, r) = (lines(&ours), lines(&reference));
    assert_eq!(o.len(), 41, "{o:#?}");
    assert_eq!(r.len(), 41, "{r:#?}");

    // Lines 0..27: the open (errno, fd 4) and twelve seeks with every whence, including the
    // failing ones (negative set, before the start from cur and from end): identical, as are
    // the errnos of the three stats and of the two single-subscription polls and their counts.
    const STATS: [usize; 3] = [27, 29, 31];
    const PINNED: [usize; 8] = [27, 29, 31, 34, 37, 38, 39, 40];
    for i in (0..o.len()).filter(|i| !PINNED.contains(i)) {
        assert_eq!(o[i], r[i], "line {i}\nours: {o:#?}\nreference: {r:#?}");
    }
    assert_eq!(&o[2..4], &[h32(0), h64(10)], "sanity: the first seek (set 10)");
    assert_eq!(&o[8..10], &[h32(0), h64(96)], "sanity: end -4");

    // Filestats: ours is the host's stat, padding zeroed. The reference writes dev 1, a
    // hash for ino, leaves the padding @17..20 as it was, and reports the birth time as ctim;
    // nlink, size, atim and mtim agree.
    // Each side is compared with the host's metadata right after its own run.
    let cases = [(STATS[0], 0, 4), (STATS[1], 0, 4), (STATS[2], 1, 3)];
    for (line, which, filetype) in cases {
        let pick = |both: &(fs::Metadata, fs::Metadata)| if which == 0 { both.0.clone() } else { both.1.clone() };
        let (meta, meta_r) = (pick(&after_ours), pick(&after_reference));
        assert_eq!(o[line], hex(&then_untouched(&unstable_filestat(&meta, filetype), 8)), "ours, line {line}");
        // Both sides stat before they poll, and the reference's poll on data.bin reads it
        // (a read-via-stream behind its readiness), which may move the access time after
        // its stats: so its nlink, size, atim and mtim are those the host had after our run.
        let want = unstable_filestat(&meta, filetype);
        let theirs = unhex(&r[line]);
        assert_eq!(&theirs[0..8], &1u64.to_le_bytes(), "reference dev, line {line}");
        assert_eq!(theirs[16], filetype, "reference filetype, line {line}");
        assert_eq!(&theirs[17..20], &[0xAA; 3], "reference leaves the padding, line {line}");
        assert_eq!(&theirs[20..48], &want[20..48], "nlink, size, atim, mtim agree, line {line}");
        assert_eq!(&theirs[48..56], &birth_nanos(&meta_r).to_le_bytes(), "reference ctim is the birth time, line {line}");
        assert_eq!(&theirs[56..64], &[0xAA; 8], "reference writes 56 bytes, line {line}");
        assert_ne!(meta.dev(), 1, "the host device is not 1, so the pin above means something");
    }

    // A single absolute clock: same event, but the reference leaves the padding.
    assert_eq!(o[34], hex(&then_untouched(&event(UD_A, 0, 0, 0, 0), 96)));
    assert_eq!(r[34], hex(&then_untouched(&reference_event(UD_A, 0, 0), 96)));
    // A single read on a regular file: capwasi reports the 100 bytes left, the reference 1.
    assert_eq!(o[37], hex(&then_untouched(&event(UD_C, 0, 1, 100, 0), 96)));
    assert_eq!(r[37], hex(&then_untouched(&reference_event(UD_C, 1, 1), 96)));
    // Two clocks and a read: capwasi reports all three. The reference fails the call with
    // `badf`: its p0 poll_oneoff rewrites each 56-byte slot in place as a 48-byte preview1
    // subscription and then reads the array with preview1's 48-byte stride, so every
    // subscription after the first is misread (a reference bug, pinned here).
    let three = [event(UD_A, 0, 0, 0, 0), event(UD_B, 0, 0, 0, 0), event(UD_C, 0, 1, 100, 0)].concat();
    assert_eq!(&o[38..41], &[h32(0), h32(3), hex(&then_untouched(&three, 32))]);
    assert_eq!(&r[38..41], &[h32(BADF), "aa".repeat(4), "aa".repeat(128)]);
}

/// An out-of-range whence: capwasi answers `inval`, as the fact sheet asks of every
/// out-of-range enum; the reference traps ("convert Whence: Invalid enum value" for 3, an
/// integer conversion error for 0x102), ending the guest.
#[test]
fn unstable_unknown_whence_is_inval_where_reference_traps() {
    for whence in [3u32, 0x102] {
        let body = format!(
            "(call $p32 {})\n(call $seek (i64.const 0) (i32.const {whence}))\n",
            open_expr("$u_path_open", 0x200, 8, READ_RIGHTS, 0x20)
        );
        let wat = module(Imports::Unstable, &[data(0x200, b"data.bin"), SEEK.to_string()].concat(), &body);
        let dir = scratch();
        let ours = Guest::wat(wat.clone()).host_dir(dir.path(), "/sandbox").run();
        assert_eq!(lines(&ours), [h32(0), h32(INVAL), "aa".repeat(8)], "whence {whence}");
        let reference = run_reference_unstable(&wat, dir.path());
        assert_eq!(reference.exit, None, "{reference:?}");
        let trap = reference.trap.unwrap_or_default();
        assert!(trap.contains("wasi_unstable::fd_seek at convert Whence"), "{trap}");
        assert_eq!(String::from_utf8_lossy(&reference.stdout), format!("{}\n", h32(0)));
    }
}
