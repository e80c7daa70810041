//! `wasi_unstable` (snapshot 0) where its ABI differs from preview1: `fd_seek`'s whence
//! numbering (cur 0, end 1, set 2), the 56-byte filestat with a 32-bit nlink
//! (`fd_filestat_get`, `path_filestat_get`), and `poll_oneoff` over 56-byte subscriptions.
//! Every guest imports only `wasi_unstable` and prints every byte the host wrote (and the
//! bytes around it, pre-filled with 0xAA) as hex; the tests compare every byte.

use crate::unstable_util::*;
use capwasi_tests::Guest;
use std::fs::{self, File, FileTimes};
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, UNIX_EPOCH};

/// A tempdir holding `data.bin` ([`data_bin`]), `link.bin` (a hard link to it, so nlink is
/// 2) and `sym.bin` (a symlink to `data.bin`). `data.bin` gets fixed access and modification
/// times with nanoseconds.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.bin");
    fs::write(&data, data_bin()).unwrap();
    fs::hard_link(&data, dir.path().join("link.bin")).unwrap();
    std::os::unix::fs::symlink("data.bin", dir.path().join("sym.bin")).unwrap();
    let times = FileTimes::new()
        .set_accessed(UNIX_EPOCH + Duration::new(1_600_000_000, 123_456_789))
        .set_modified(UNIX_EPOCH + Duration::new(1_500_000_000, 987_654_321));
    File::options().write(true).open(&data).unwrap().set_times(times).unwrap();
    dir
}

/// Path strings every guest has.
fn paths() -> String {
    [data(0x200, b"data.bin"), data(0x220, b"link.bin"), data(0x240, b"."), data(0x260, b"sym.bin")].concat()
}

/// Opens `data.bin` with `rights` into slot 0x20 and prints the errno and the fd.
fn open_data(rights: u64) -> String {
    format!("(call $p32 {})\n(call $p32 (i32.load (i32.const 0x20)))\n", open_expr("$u_path_open", 0x200, 8, rights, 0x20))
}

/// `open_data`'s expected lines: success, fd 4 (after stdio and the one preopen).
fn expect_open(expect: &mut Expect) {
    expect.u32("path_open errno", 0).u32("opened fd", 4);
}

/// Guest functions over the fd in slot 0x20: `$seek(offset, whence)` and `$tell` print the
/// errno and the 8-byte result slot (pre-filled with 0xAA); `$read(n)` reads `n` bytes and
/// prints the errno, the count and the bytes.
const FD_FUNCS: &str = r#"
  (func $seek (param $off i64) (param $whence i32)
    (call $fill (i32.const 0x30) (i32.const 8))
    (call $p32 (call $u_fd_seek (i32.load (i32.const 0x20)) (local.get $off) (local.get $whence) (i32.const 0x30)))
    (call $hex (i32.const 0x30) (i32.const 8)))
  (func $tell
    (call $fill (i32.const 0x30) (i32.const 8))
    (call $p32 (call $u_fd_tell (i32.load (i32.const 0x20)) (i32.const 0x30)))
    (call $hex (i32.const 0x30) (i32.const 8)))
  (func $read (param $n i32)
    (call $fill (i32.const 0x400) (i32.const 64))
    (i32.store (i32.const 0x40) (i32.const 0x400))
    (i32.store (i32.const 0x44) (local.get $n))
    (call $p32 (call $u_fd_read (i32.load (i32.const 0x20)) (i32.const 0x40) (i32.const 1) (i32.const 0x48)))
    (call $p32 (i32.load (i32.const 0x48)))
    (call $hex (i32.const 0x400) (local.get $n)))
"#;

enum Step {
    /// `fd_seek(offset, whence)` and its result: the new offset, or an errno with the result
    /// slot left alone.
    Seek(i64, u32, Result<u64, u32>),
    /// `fd_tell` must report this.
    Tell(u64),
    /// `fd_read` of this many bytes must get `data.bin[from..from + n]`.
    Read(u32, usize),
}

#[test]
fn unstable_fd_seek_numbers_whence_cur_0_end_1_set_2() {
    use Step::*;
    const CUR: u32 = 0;
    const END: u32 = 1;
    const SET: u32 = 2;
    let steps = [
        Seek(10, SET, Ok(10)),
        Seek(5, CUR, Ok(15)),
        Seek(-3, CUR, Ok(12)),
        // Under preview1's numbering whence 1 is cur and this would be 8.
        Seek(-4, END, Ok(96)),
        Seek(0, END, Ok(100)),
        Seek(10, END, Ok(110)),
        Tell(110),
        Seek(7, SET, Ok(7)),
        Read(3, 7),
        Tell(10),
        Seek(0, CUR, Ok(10)),
        // Failures leave the result slot and the position alone.
        Seek(0, 3, Err(INVAL)),
        Seek(1, 3, Err(INVAL)),
        // 0x102 truncated to a byte would be 2 (set): the whole value must be checked.
        Seek(0, 0x102, Err(INVAL)),
        Seek(0, u32::MAX, Err(INVAL)),
        Seek(-1, SET, Err(INVAL)),
        Seek(i64::MIN, SET, Err(INVAL)),
        Tell(10),
        // Before the start of the file, from cur and from end.
        Seek(-11, CUR, Err(INVAL)),
        Seek(-101, END, Err(INVAL)),
        Tell(10),
        Read(4, 10),
        Seek(-100, END, Ok(0)),
        Read(2, 0),
    ];
    let content = data_bin();
    let mut body = open_data(READ_RIGHTS);
    let mut expect = Expect::default();
    expect_open(&mut expect);
    for (i, step) in steps.iter().enumerate() {
        match *step {
            Seek(offset, whence, result) => {
                body += &format!("(call $seek (i64.const {offset}) (i32.const {whence}))\n");
                let label = format!("step {i}: seek {offset} whence {whence}");
                match result {
                    Ok(at) => expect.u32(format!("{label} errno"), 0).u64(format!("{label} offset"), at),
                    Err(errno) => expect.u32(format!("{label} errno"), errno).bytes(format!("{label} slot untouched"), &[0xAA; 8]),
                };
            }
            Tell(at) => {
                body += "(call $tell)\n";
                expect.u32(format!("step {i}: tell errno"), 0).u64(format!("step {i}: tell"), at);
            }
            Read(n, from) => {
                body += &format!("(call $read (i32.const {n}))\n");
                expect
                    .u32(format!("step {i}: read errno"), 0)
                    .u32(format!("step {i}: nread"), n)
                    .bytes(format!("step {i}: bytes"), &content[from..from + n as usize]);
            }
        }
    }
    let dir = scratch();
    let wat = module(Imports::Unstable, &format!("{}{FD_FUNCS}", paths()), &body);
    let out = Guest::wat(wat).host_dir(dir.path(), "/sandbox").run();
    assert_lines(&lines(&out), &expect.0);
}

/// Calls `$call` (an expression leaving the errno, writing a filestat at `at`) after filling
/// 64 bytes at `at` with 0xAA, and prints the errno and those 64 bytes.
fn stat_into(at: u32, call: &str) -> String {
    format!("(call $fill (i32.const {at:#x}) (i32.const 64))\n(call $p32 {call})\n(call $hex (i32.const {at:#x}) (i32.const 64))\n")
}

fn fd_stat(fd: &str, at: u32) -> String {
    format!("(call $u_fd_filestat_get {fd} (i32.const {at:#x}))")
}

fn path_stat(follow: u32, path_at: u32, path_len: usize, at: u32) -> String {
    format!("(call $u_path_filestat_get (i32.const 3) (i32.const {follow}) (i32.const {path_at:#x}) (i32.const {path_len}) (i32.const {at:#x}))")
}

#[test]
fn unstable_filestat_is_56_bytes_with_u32_nlink_and_writes_nothing_past_them() {
    const FD: &str = "(i32.load (i32.const 0x20))";
    let mut body = open_data(READ_RIGHTS);
    body += &stat_into(0x1000, &fd_stat(FD, 0x1000));
    body += &stat_into(0x1100, &path_stat(1, 0x220, 8, 0x1100));
    body += &stat_into(0x1200, &path_stat(1, 0x260, 7, 0x1200));
    body += &stat_into(0x1300, &path_stat(0, 0x260, 7, 0x1300));
    body += &stat_into(0x1400, &path_stat(0, 0x240, 1, 0x1400));
    body += &stat_into(0x1500, &fd_stat("(i32.const 3)", 0x1500));
    // The last 56 bytes of memory hold a snapshot-0 filestat (a preview1 one would not fit);
    // one byte further is `fault`, and the failed calls leave those bytes as they were.
    const LAST: u32 = 0x10000 - 56;
    body += &format!(
        "(call $fill (i32.const {LAST:#x}) (i32.const 56))\n\
         (call $p32 {})\n(call $hex (i32.const {LAST:#x}) (i32.const 56))\n\
         (call $p32 {})\n(call $p32 {})\n(call $hex (i32.const {LAST:#x}) (i32.const 56))\n\
         (call $fill (i32.const {LAST:#x}) (i32.const 56))\n\
         (call $p32 {})\n(call $hex (i32.const {LAST:#x}) (i32.const 56))\n",
        fd_stat(FD, LAST),
        fd_stat(FD, LAST + 1),
        path_stat(1, 0x200, 8, LAST + 1),
        path_stat(1, 0x200, 8, LAST),
    );

    let dir = scratch();
    let wat = module(Imports::Unstable, &paths(), &body);
    let out = Guest::wat(wat).host_dir(dir.path(), "/sandbox").run();
    let got = lines(&out);

    // Metadata after the run: the guest only opened and stat'ed, so nothing moved.
    let data_meta = fs::metadata(dir.path().join("data.bin")).unwrap();
    let sym_meta = fs::symlink_metadata(dir.path().join("sym.bin")).unwrap();
    let dir_meta = fs::metadata(dir.path()).unwrap();
    assert_eq!(data_meta.nlink(), 2, "data.bin and link.bin");
    assert_eq!(nanos_of(&data_meta).0, 1_600_000_000_123_456_789, "atime as set");
    assert_eq!(nanos_of(&data_meta).1, 1_500_000_000_987_654_321, "mtime as set");
    let data_stat = unstable_filestat(&data_meta, 4);
    let sym_stat = unstable_filestat(&sym_meta, 7);
    let dir_stat = unstable_filestat(&dir_meta, 3);
    // Field by field, to be explicit about the layout the helper encodes.
    assert_eq!(&data_stat[16..24], &[4, 0, 0, 0, 2, 0, 0, 0], "filetype @16, zero padding @17..20, nlink u32 @20");
    assert_eq!(&data_stat[24..32], &100u64.to_le_bytes(), "size @24");
    assert_eq!(&data_stat[32..40], &1_600_000_000_123_456_789u64.to_le_bytes(), "atim @32");
    assert_eq!(&data_stat[40..48], &1_500_000_000_987_654_321u64.to_le_bytes(), "mtim @40");
    assert_eq!(&sym_stat[24..32], &8u64.to_le_bytes(), "a symlink's size is its target's length");

    let mut expect = Expect::default();
    expect_open(&mut expect);
    for (label, stat) in [
        ("fd_filestat_get(data.bin)", &data_stat),
        ("path_filestat_get(follow, link.bin)", &data_stat),
        ("path_filestat_get(follow, sym.bin)", &data_stat),
        ("path_filestat_get(nofollow, sym.bin)", &sym_stat),
        ("path_filestat_get(nofollow, .)", &dir_stat),
        ("fd_filestat_get(preopen)", &dir_stat),
    ] {
        expect.u32(format!("{label} errno"), 0).bytes(format!("{label}: 56 bytes then 8 untouched"), &then_untouched(stat, 8));
    }
    expect
        .u32("fd_filestat_get at the end of memory", 0)
        .bytes("the last 56 bytes", &data_stat)
        .u32("fd_filestat_get one byte further", FAULT)
        .u32("path_filestat_get one byte further", FAULT)
        .bytes("the last 56 bytes unchanged", &data_stat)
        .u32("path_filestat_get at the end of memory", 0)
        .bytes("the last 56 bytes", &data_stat);
    assert_lines(&got, &expect.0);
}

/// (atime, mtime) in nanoseconds.
fn nanos_of(meta: &fs::Metadata) -> (u64, u64) {
    (nanos(meta.atime(), meta.atime_nsec()), nanos(meta.mtime(), meta.mtime_nsec()))
}

/// Runs `poll_oneoff(subs, 0x3000, n, 0x2F00)` after filling the 128-byte event area and the
/// count with 0xAA, and prints the errno, the count word and the event area.
fn poll(subs: u32, n: u32) -> String {
    format!(
        "(call $fill (i32.const 0x3000) (i32.const 128))\n(call $fill (i32.const 0x2F00) (i32.const 4))\n\
         (call $p32 (call $u_poll_oneoff (i32.const {subs:#x}) (i32.const 0x3000) (i32.const {n}) (i32.const 0x2F00)))\n\
         (call $hex (i32.const 0x2F00) (i32.const 4))\n(call $hex (i32.const 0x3000) (i32.const 128))\n"
    )
}

/// Expected lines of [`poll`]: the errno, the count, and the events followed by 0xAA.
fn expect_poll(expect: &mut Expect, label: &str, errno: u32, events: &[Vec<u8>]) {
    let count = if errno == 0 { h32(events.len() as u32) } else { "aa".repeat(4) };
    expect.u32(format!("{label}: errno"), errno);
    expect.0.push((format!("{label}: nevents"), count));
    let area: Vec<u8> = events.concat();
    expect.bytes(format!("{label}: events"), &then_untouched(&area, 128 - area.len()));
}

#[test]
fn unstable_poll_oneoff_strides_56_byte_subscriptions_and_reads_the_identifier_layout() {
    const FD: u32 = 4;
    const MONOTONIC: u32 = 1;
    const REALTIME: u32 = 0;
    const ABSTIME: u16 = 1;
    const HOUR: u64 = 3_600_000_000_000;
    // Identifiers whose low words are not clock ids, and a precision whose low half-word has
    // unknown flag bits: a host reading the preview1 clock layout would answer `inval`.
    let (id_a, id_b) = (0x1d1d_1d1d_ffff_ff01u64, 0x2d2d_2d2d_ffff_ff02u64);
    let (ud_a, ud_b, ud_c) = (0x0a0a_0a0a_0000_0001u64, 0x0b0b_0b0b_0000_0002u64, 0x0c0c_0c0c_0000_0003u64);
    // Two clocks with timeout 0 (both expired) and a read on data.bin (100 bytes left).
    let first = [clock_sub(ud_a, id_a, MONOTONIC, 0, 6, 0), clock_sub(ud_b, id_b, REALTIME, 0, 6, 0), fd_sub(ud_c, 1, FD)].concat();
    // A relative hour (not expired), an absolute hour after the epoch (long expired), and the
    // read, after seeking to 30 (70 bytes left).
    let second = [
        clock_sub(ud_a, id_a, MONOTONIC, HOUR, 6, 0),
        clock_sub(ud_b, id_b, REALTIME, HOUR, 6, ABSTIME),
        fd_sub(ud_c, 1, FD),
    ]
    .concat();
    // A write subscription on a closed fd first (its error is an event, reported before the
    // clocks, which are only checked once every subscription is read), then an expired clock.
    let bad_fd = [fd_sub(ud_c, 2, 99), clock_sub(ud_a, id_a, MONOTONIC, 0, 6, 0)].concat();
    let mut unknown_tag = fd_sub(ud_a, 1, FD);
    unknown_tag[8] = 3;
    let extra = [paths(), data(0x2000, &first), data(0x2200, &second), data(0x2400, &unknown_tag), data(0x2600, &bad_fd), FD_FUNCS.to_string()].concat();

    let mut body = open_data(READ_RIGHTS);
    body += &poll(0x2000, 3);
    body += "(call $seek (i64.const 30) (i32.const 2))\n";
    body += &poll(0x2200, 3);
    body += &poll(0x2400, 1);
    body += &poll(0x2600, 2);
    // Two 56-byte subscriptions at 0xff98 run 8 bytes past the end of memory (two 48-byte
    // ones would fit, and the zeros there read as expired realtime clocks); so does one at
    // 0xffd0.
    body += &poll(0x10000 - 104, 2);
    body += &poll(0x10000 - 48, 1);
    // Still usable after the failures.
    body += &poll(0x2000, 3);

    let mut expect = Expect::default();
    expect_open(&mut expect);
    let first_events = [event(ud_a, 0, 0, 0, 0), event(ud_b, 0, 0, 0, 0), event(ud_c, 0, 1, 100, 0)];
    expect_poll(&mut expect, "two expired clocks and a read", 0, &first_events);
    expect.u32("seek errno", 0).u64("seek offset", 30);
    expect_poll(&mut expect, "absolute clock and read", 0, &[event(ud_b, 0, 0, 0, 0), event(ud_c, 0, 1, 70, 0)]);
    expect_poll(&mut expect, "unknown tag", INVAL, &[]);
    expect_poll(&mut expect, "write on a bad fd and a clock", 0, &[event(ud_c, BADF as u16, 2, 0, 0), event(ud_a, 0, 0, 0, 0)]);
    expect_poll(&mut expect, "two subscriptions past the end", FAULT, &[]);
    expect_poll(&mut expect, "one subscription past the end", FAULT, &[]);
    let again = [event(ud_a, 0, 0, 0, 0), event(ud_b, 0, 0, 0, 0), event(ud_c, 0, 1, 70, 0)];
    expect_poll(&mut expect, "again", 0, &again);

    let dir = scratch();
    let out = Guest::wat(module(Imports::Unstable, &extra, &body)).host_dir(dir.path(), "/sandbox").run();
    assert_lines(&lines(&out), &expect.0);
}
