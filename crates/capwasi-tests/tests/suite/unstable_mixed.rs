//! The two snapshots side by side: one context behind both import sets (a descriptor opened
//! through one is used through the other), snapshot 0's missing `sock_accept` right and
//! import, and the Wasmtime glue linking either snapshot or both.

use crate::unstable_util::*;
use capwasi::pipe::WritePipe;
use capwasi::types::{FdRights, Rights};
use capwasi::WasiCtx;
use capwasi_os::OsTcpListener;
use capwasi_tests::{engine, Guest};
use capwasi_wasmtime::{
    add_snapshot_to_linker_async, add_snapshot_to_linker_sync, add_to_linker_async, add_to_linker_sync, add_to_linker_sync_for,
    exit_code, Snapshot, WasiState,
};
use std::fs;
use wasmtime::{Linker, Module, Store};

const OTHER: &[u8] = b"hello from other\n";

/// A tempdir with `data.bin` ([`data_bin`]) and `other.txt` ([`OTHER`]).
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("data.bin"), data_bin()).unwrap();
    fs::write(dir.path().join("other.txt"), OTHER).unwrap();
    dir
}

fn paths() -> String {
    [data(0x200, b"data.bin"), data(0x220, b"other.txt")].concat()
}

/// Per snapshot `S` (`u` or `p`): `$S_read(fd, n)` prints the errno, the count and the `n`
/// bytes read (all pre-filled with 0xAA); `$S_seek(fd, offset, whence)` and `$S_tell(fd)`
/// print the errno and the 8-byte result; `$S_close(fd)` prints the errno.
fn fd_funcs() -> String {
    let mut out = String::new();
    for s in ["u", "p"] {
        out += &format!(
            r#"
  (func ${s}_read (param $fd i32) (param $n i32)
    (call $fill (i32.const 0x400) (i32.const 64))
    (call $fill (i32.const 0x48) (i32.const 4))
    (i32.store (i32.const 0x40) (i32.const 0x400))
    (i32.store (i32.const 0x44) (local.get $n))
    (call $p32 (call ${s}_fd_read (local.get $fd) (i32.const 0x40) (i32.const 1) (i32.const 0x48)))
    (call $hex (i32.const 0x48) (i32.const 4))
    (call $hex (i32.const 0x400) (local.get $n)))
  (func ${s}_seek (param $fd i32) (param $off i64) (param $whence i32)
    (call $fill (i32.const 0x30) (i32.const 8))
    (call $p32 (call ${s}_fd_seek (local.get $fd) (local.get $off) (local.get $whence) (i32.const 0x30)))
    (call $hex (i32.const 0x30) (i32.const 8)))
  (func ${s}_tell (param $fd i32)
    (call $fill (i32.const 0x30) (i32.const 8))
    (call $p32 (call ${s}_fd_tell (local.get $fd) (i32.const 0x30)))
    (call $hex (i32.const 0x30) (i32.const 8)))
  (func ${s}_close (param $fd i32)
    (call $p32 (call ${s}_fd_close (local.get $fd))))
"#
        );
    }
    out
}

#[test]
fn unstable_and_preview1_share_descriptors_in_one_module() {
    let content = data_bin();
    let body = format!(
        r#"
    ;; data.bin through preview1, read and seeked through both.
    (call $p32 {open_p})
    (call $p32 (i32.load (i32.const 0x20)))
    (call $u_read (i32.const 4) (i32.const 10))
    (call $u_seek (i32.const 4) (i64.const 5) (i32.const 0))   ;; unstable cur
    (call $p_seek (i32.const 4) (i64.const 5) (i32.const 1))   ;; preview1 cur
    (call $u_seek (i32.const 4) (i64.const -1) (i32.const 1))  ;; unstable end
    (call $p_seek (i32.const 4) (i64.const 3) (i32.const 0))   ;; preview1 set
    (call $p_read (i32.const 4) (i32.const 4))
    (call $u_tell (i32.const 4))
    (call $p_tell (i32.const 4))
    (call $p_seek (i32.const 4) (i64.const -2) (i32.const 2))  ;; preview1 end
    (call $u_seek (i32.const 4) (i64.const 90) (i32.const 2))  ;; unstable set
    (call $u_read (i32.const 4) (i32.const 3))
    ;; other.txt through unstable, read through preview1.
    (call $p32 {open_u})
    (call $p32 (i32.load (i32.const 0x24)))
    (call $p_read (i32.const 5) (i32.const 32))
    (call $u_read (i32.const 5) (i32.const 4))
    ;; The same file's stat through both: 64 and 56 bytes.
    (call $fill (i32.const 0x1000) (i32.const 72))
    (call $p32 (call $p_fd_filestat_get (i32.const 5) (i32.const 0x1000)))
    (call $hex (i32.const 0x1000) (i32.const 72))
    (call $fill (i32.const 0x1100) (i32.const 72))
    (call $p32 (call $u_fd_filestat_get (i32.const 5) (i32.const 0x1100)))
    (call $hex (i32.const 0x1100) (i32.const 72))
    ;; Closed through one, gone for the other.
    (call $u_close (i32.const 4))
    (call $p_read (i32.const 4) (i32.const 1))
    (call $p_close (i32.const 4))
    (call $p_close (i32.const 5))
    (call $u_read (i32.const 5) (i32.const 1))
    (call $u_close (i32.const 5))
"#,
        open_p = open_expr("$p_path_open", 0x200, 8, READ_RIGHTS, 0x20),
        open_u = open_expr("$u_path_open", 0x220, 9, READ_RIGHTS, 0x24),
    );
    let dir = scratch();
    let wat = module(Imports::Both, &format!("{}{}", paths(), fd_funcs()), &body);
    let out = Guest::wat(wat).host_dir(dir.path(), "/sandbox").run();
    let got = lines(&out);

    let meta = fs::metadata(dir.path().join("other.txt")).unwrap();
    let mut e = Expect::default();
    let read = |e: &mut Expect, label: &str, bytes: &[u8], n: usize| {
        e.u32(format!("{label} errno"), 0)
            .u32(format!("{label} count"), bytes.len() as u32)
            .bytes(format!("{label} bytes"), &then_untouched(bytes, n - bytes.len()));
    };
    let at = |e: &mut Expect, label: &str, offset: u64| {
        e.u32(format!("{label} errno"), 0).u64(format!("{label} offset"), offset);
    };
    e.u32("preview1 path_open", 0).u32("fd", 4);
    read(&mut e, "unstable read 10", &content[0..10], 10);
    at(&mut e, "unstable seek cur +5", 15);
    at(&mut e, "preview1 seek cur +5", 20);
    at(&mut e, "unstable seek end -1", 99);
    at(&mut e, "preview1 seek set 3", 3);
    read(&mut e, "preview1 read 4", &content[3..7], 4);
    at(&mut e, "unstable tell", 7);
    at(&mut e, "preview1 tell", 7);
    at(&mut e, "preview1 seek end -2", 98);
    at(&mut e, "unstable seek set 90", 90);
    read(&mut e, "unstable read 3", &content[90..93], 3);
    e.u32("unstable path_open", 0).u32("fd", 5);
    read(&mut e, "preview1 read 32", OTHER, 32);
    read(&mut e, "unstable read at end of file", &[], 4);
    e.u32("preview1 fd_filestat_get", 0)
        .bytes("64 bytes then 8 untouched", &then_untouched(&preview1_filestat(&meta, 4), 8))
        .u32("unstable fd_filestat_get", 0)
        .bytes("56 bytes then 16 untouched", &then_untouched(&unstable_filestat(&meta, 4), 16))
        .u32("unstable close 4", 0)
        .u32("preview1 read of 4: badf", BADF)
        .bytes("count untouched", &[0xAA; 4])
        .bytes("buffer untouched", &[0xAA])
        .u32("preview1 close 4 again: badf", BADF)
        .u32("preview1 close 5", 0)
        .u32("unstable read of 5: badf", BADF)
        .bytes("count untouched", &[0xAA; 4])
        .bytes("buffer untouched", &[0xAA])
        .u32("unstable close 5 again: badf", BADF);
    assert_lines(&got, &e.0);
}

/// 24-byte fdstat: filetype u8 @0, flags u16 @2, base @8, inheriting @16.
fn fdstat(filetype: u8, flags: u16, rights: FdRights) -> Vec<u8> {
    let mut out = vec![0u8; 24];
    out[0] = filetype;
    out[2..4].copy_from_slice(&flags.to_le_bytes());
    out[8..16].copy_from_slice(&rights.base.bits().to_le_bytes());
    out[16..24].copy_from_slice(&rights.inheriting.bits().to_le_bytes());
    out
}

/// Prints `$S_fd_fdstat_get(fd)`'s errno and 32 bytes (24 written, 8 untouched).
fn fdstat_of(s: &str, fd: u32) -> String {
    format!(
        "(call $fill (i32.const 0x500) (i32.const 32))\n\
         (call $p32 (call ${s}_fd_fdstat_get (i32.const {fd}) (i32.const 0x500)))\n\
         (call $hex (i32.const 0x500) (i32.const 32))\n"
    )
}

/// A guest with stdio, the scratch dir (fd 3), a TCP listener (fd 4, the one descriptor whose
/// preview1 rights hold `sock_accept`).
fn with_listener(wat: String, dir: &tempfile::TempDir) -> Guest {
    let mut guest = Guest::wat(wat).host_dir(dir.path(), "/sandbox");
    let listener = OsTcpListener::bind("127.0.0.1:0".parse().unwrap()).expect("binding a loopback listener");
    guest.builder.preopened_listener(listener);
    guest
}

#[test]
fn unstable_fd_fdstat_get_never_reports_sock_accept_and_path_open_rejects_it() {
    const SOCKET_STREAM: u8 = 6;
    let without = |rights: Rights| rights.difference(Rights::SOCK_ACCEPT);
    let mut body = String::new();
    for fd in 0..=4 {
        body += &fdstat_of("u", fd);
    }
    // Opening with every snapshot-0 right works (fd 5); with bit 29 in either set it is
    // `inval` and no descriptor is made (the slot keeps its 0xAA).
    let open = |rights: u64, inheriting: u64| {
        format!(
            "(call $fill (i32.const 0x20) (i32.const 4))\n\
             (call $p32 (call $u_path_open (i32.const 3) (i32.const 0) (i32.const 0x200) (i32.const 8) (i32.const 0) \
             (i64.const {rights:#x}) (i64.const {inheriting:#x}) (i32.const 0) (i32.const 0x20)))\n\
             (call $hex (i32.const 0x20) (i32.const 4))\n"
        )
    };
    body += &open(ALL_UNSTABLE_RIGHTS | SOCK_ACCEPT, 0);
    body += &open(READ_RIGHTS, SOCK_ACCEPT);
    body += &open(SOCK_ACCEPT, 0);
    body += &open(ALL_UNSTABLE_RIGHTS, ALL_UNSTABLE_RIGHTS);
    body += &fdstat_of("u", 5);
    // fd_fdstat_set_rights with bit 29 is `inval` too, and changes nothing.
    for (base, inheriting) in [(ALL_UNSTABLE_RIGHTS | SOCK_ACCEPT, 0), (Rights::FILE.bits(), SOCK_ACCEPT)] {
        body += &format!("(call $p32 (call $u_fd_fdstat_set_rights (i32.const 5) (i64.const {base:#x}) (i64.const {inheriting:#x})))\n");
    }
    body += &fdstat_of("u", 5);
    // Dropping the listener's rights to the snapshot-0 ones it reports works.
    let listener_shown = without(Rights::LISTENER).bits();
    body += &format!(
        "(call $p32 (call $u_fd_fdstat_set_rights (i32.const 4) (i64.const {listener_shown:#x}) (i64.const {:#x})))\n",
        Rights::SOCKET.bits()
    );
    body += &fdstat_of("u", 4);

    let dir = scratch();
    let wat = module(Imports::Unstable, &paths(), &body);
    let out = with_listener(wat, &dir).run();

    let stdio = FdRights::new(Rights::FILE, Rights::empty());
    let mut e = Expect::default();
    let stat = |e: &mut Expect, label: &str, bytes: Vec<u8>| {
        e.u32(format!("{label} errno"), 0).bytes(format!("{label} fdstat"), &then_untouched(&bytes, 8));
    };
    stat(&mut e, "stdin", fdstat(0, 0, stdio));
    stat(&mut e, "stdout", fdstat(0, 1, stdio));
    stat(&mut e, "stderr", fdstat(0, 1, stdio));
    let dir_rights = FdRights::full_dir();
    stat(&mut e, "preopen", fdstat(3, 0, FdRights::new(without(dir_rights.base), without(dir_rights.inheriting))));
    stat(&mut e, "listener", fdstat(SOCKET_STREAM, 0, FdRights::new(without(Rights::LISTENER), without(Rights::SOCKET))));
    e.u32("open with sock_accept in base", INVAL)
        .bytes("no fd", &[0xAA; 4])
        .u32("open with sock_accept in inheriting", INVAL)
        .bytes("no fd", &[0xAA; 4])
        .u32("open with only sock_accept", INVAL)
        .bytes("no fd", &[0xAA; 4])
        .u32("open with every snapshot-0 right", 0)
        .u32("fd", 5);
    let file = fdstat(4, 0, FdRights::new(Rights::FILE, Rights::empty()));
    stat(&mut e, "opened file", file.clone());
    e.u32("set_rights with sock_accept in base", INVAL).u32("set_rights with sock_accept in inheriting", INVAL);
    stat(&mut e, "opened file unchanged", file);
    e.u32("listener set_rights to what it shows", 0);
    stat(&mut e, "listener after", fdstat(SOCKET_STREAM, 0, FdRights::new(without(Rights::LISTENER), without(Rights::SOCKET))));
    let got = lines(&out);
    assert_lines(&got, &e.0);
    // Belt and braces: no fdstat line has bit 29 in either rights word.
    for line in got.iter().filter(|line| line.len() == 64) {
        let bytes: Vec<u8> = (0..32).map(|i| u8::from_str_radix(&line[2 * i..2 * i + 2], 16).unwrap()).collect();
        for at in [8, 16] {
            let rights = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
            assert_eq!(rights & SOCK_ACCEPT, 0, "bit 29 in {line}");
        }
    }
}

#[test]
fn unstable_fdstat_is_preview1_fdstat_without_bit_29_for_every_descriptor() {
    let mut body = String::new();
    body += &format!("(call $p32 {})\n", open_expr("$p_path_open", 0x200, 8, ALL_UNSTABLE_RIGHTS | SOCK_ACCEPT, 0x20));
    for fd in 0..=5 {
        body += &fdstat_of("p", fd);
        body += &fdstat_of("u", fd);
    }
    let dir = scratch();
    let wat = module(Imports::Both, &paths(), &body);
    let out = with_listener(wat, &dir).run();
    let got = lines(&out);
    assert_eq!(got.len(), 1 + 6 * 4, "{got:#?}");
    assert_eq!(got[0], h32(0), "preview1 path_open accepts sock_accept in the request");
    let listener_p1 = &got[1 + 4 * 4 + 1];
    let want = then_untouched(&fdstat(6, 0, FdRights::new(Rights::LISTENER, Rights::SOCKET)), 8);
    assert_eq!(*listener_p1, hex(&want), "preview1 shows the listener's sock_accept right");
    for fd in 0..=5usize {
        let (p_errno, p_stat, u_errno, u_stat) = (&got[1 + 4 * fd], &got[2 + 4 * fd], &got[3 + 4 * fd], &got[4 + 4 * fd]);
        assert_eq!((p_errno.as_str(), u_errno.as_str()), (h32(0).as_str(), h32(0).as_str()), "fd {fd}");
        let mut expected: Vec<u8> = (0..32).map(|i| u8::from_str_radix(&p_stat[2 * i..2 * i + 2], 16).unwrap()).collect();
        for at in [8, 16] {
            let rights = u64::from_le_bytes(expected[at..at + 8].try_into().unwrap()) & !SOCK_ACCEPT;
            expected[at..at + 8].copy_from_slice(&rights.to_le_bytes());
        }
        assert_eq!(*u_stat, hex(&expected), "fd {fd}: unstable = preview1 without bit 29");
    }
}

/// Instantiates `wat` with a linker holding `snapshots` and runs `_start`: the guest's
/// stdout, or the error (its whole chain).
fn run_with(snapshots: &[Snapshot], wat: &str) -> Result<String, String> {
    let module = Module::new(engine(), wat::parse_str(wat).unwrap()).unwrap();
    let mut linker: Linker<WasiState> = Linker::new(engine());
    for snapshot in snapshots {
        add_snapshot_to_linker_sync(&mut linker, *snapshot, |state| state).unwrap();
    }
    let stdout = WritePipe::new_in_memory();
    let ctx = WasiCtx::builder().stdout(stdout.clone()).build().unwrap();
    let mut store = Store::new(engine(), WasiState::new(ctx));
    let result = linker
        .instantiate(&mut store, &module)
        .and_then(|instance| instance.get_typed_func::<(), ()>(&mut store, "_start"))
        .and_then(|start| start.call(&mut store, ()));
    match result {
        Ok(()) => Ok(stdout.contents_lossy()),
        Err(err) if exit_code(&err) == Some(0) => Ok(stdout.contents_lossy()),
        Err(err) => Err(format!("{err:?}")),
    }
}

/// A module writing `text` to stdout through `module`'s `fd_write`, also importing
/// `module.extra` when given.
fn hello(module: &str, text: &str, extra: Option<&str>) -> String {
    let extra = extra.map_or(String::new(), |name| format!("(import \"{module}\" \"{name}\" (func ${name} (param i32 i32 i32) (result i32)))"));
    format!(
        r#"(module
  (import "{module}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  {extra}
  (memory (export "memory") 1)
  (data (i32.const 16) "{text}")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const {len}))
    (if (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)) (then (unreachable)))))"#,
        len = text.len()
    )
}

#[test]
fn unstable_module_importing_sock_accept_fails_to_link_naming_the_import() {
    let wat = hello("wasi_unstable", "never", Some("sock_accept"));
    // Through the harness (both snapshots linked).
    let out = Guest::wat(wat.clone()).run();
    assert_eq!(out.exit, None, "{out:?}");
    let trap = out.trap.clone().unwrap_or_default();
    // Wasmtime says "unknown import: `wasi_unstable::sock_accept`", wasmi "MissingDefinition
    // { name: (wasi_unstable,sock_accept) ..."; both name the import.
    let names_it = trap.contains("wasi_unstable::sock_accept") || trap.contains("(wasi_unstable,sock_accept)");
    assert!(names_it && (trap.contains("unknown import") || trap.contains("MissingDefinition")), "{trap}");
    assert_eq!(out.stdout_text(), "");
    // And with every linker configuration.
    for snapshots in [&[Snapshot::Unstable][..], &[Snapshot::Preview1, Snapshot::Unstable], &[Snapshot::Preview1]] {
        let err = run_with(snapshots, &wat).expect_err("must not link");
        assert!(err.contains("unknown import") && err.contains("wasi_unstable::"), "{snapshots:?}: {err}");
    }
    // The preview1 import of the same name links and runs.
    assert_eq!(run_with(&[Snapshot::Preview1], &hello("wasi_snapshot_preview1", "p1", Some("sock_accept"))).unwrap(), "p1");
}

#[test]
fn unstable_glue_links_either_snapshot_or_both() {
    let unstable = hello("wasi_unstable", "unstable", None);
    let preview1 = hello("wasi_snapshot_preview1", "preview1", None);
    assert_eq!(run_with(&[Snapshot::Unstable], &unstable).unwrap(), "unstable");
    assert_eq!(run_with(&[Snapshot::Preview1], &preview1).unwrap(), "preview1");
    let err = run_with(&[Snapshot::Unstable], &preview1).unwrap_err();
    assert!(err.contains("unknown import") && err.contains("wasi_snapshot_preview1::fd_write"), "{err}");
    let err = run_with(&[Snapshot::Preview1], &unstable).unwrap_err();
    assert!(err.contains("unknown import") && err.contains("wasi_unstable::fd_write"), "{err}");
    for both in [[Snapshot::Preview1, Snapshot::Unstable], [Snapshot::Unstable, Snapshot::Preview1]] {
        assert_eq!(run_with(&both, &unstable).unwrap(), "unstable");
        assert_eq!(run_with(&both, &preview1).unwrap(), "preview1");
    }

    // What each configuration defines: 45 snapshot-0 functions (no sock_accept), 46 preview1.
    let defined = |add: &dyn Fn(&mut Linker<WasiState>)| {
        let mut linker: Linker<WasiState> = Linker::new(engine());
        add(&mut linker);
        let mut store = Store::new(engine(), WasiState::new(WasiCtx::builder().build().unwrap()));
        let mut names: Vec<(String, String)> = linker.iter(&mut store).map(|(m, n, _)| (m.to_string(), n.to_string())).collect();
        names.sort();
        names
    };
    let names = |module: &str| -> Vec<(String, String)> {
        IMPORTS
            .iter()
            .filter(|(name, _, _)| module != "wasi_unstable" || *name != "sock_accept")
            .map(|(name, _, _)| (module.to_string(), name.to_string()))
            .collect()
    };
    let mut unstable_only = names("wasi_unstable");
    unstable_only.sort();
    assert_eq!(unstable_only.len(), 45);
    let mut preview1_only = names("wasi_snapshot_preview1");
    preview1_only.sort();
    assert_eq!(preview1_only.len(), 46);
    let mut both = [preview1_only.clone(), unstable_only.clone()].concat();
    both.sort();
    assert_eq!(defined(&|l| add_snapshot_to_linker_sync(l, Snapshot::Unstable, |s| s).unwrap()), unstable_only);
    assert_eq!(defined(&|l| add_snapshot_to_linker_sync(l, Snapshot::Preview1, |s| s).unwrap()), preview1_only);
    assert_eq!(defined(&|l| add_to_linker_sync(l, |s| s).unwrap()), both);
    // The async glue defines the same sets.
    assert_eq!(defined(&|l| add_snapshot_to_linker_async(l, Snapshot::Unstable, |s| s).unwrap()), unstable_only);
    assert_eq!(defined(&|l| add_snapshot_to_linker_async(l, Snapshot::Preview1, |s| s).unwrap()), preview1_only);
    assert_eq!(defined(&|l| add_to_linker_async(l, |s| s).unwrap()), both);
}


#[test]
fn a_linker_for_one_module_defines_exactly_its_wasi_imports_of_both_snapshots() {
    // fd_write from each snapshot, plus preview1's clock_time_get; an unrelated import too.
    let wat = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func (param i32 i64 i32) (result i32)))
  (import "wasi_unstable" "fd_write" (func $old_write (param i32 i32 i32 i32) (result i32)))
  (import "env" "tick" (func))
  (memory (export "memory") 1)
  (data (i32.const 16) "ab")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 1))
    (if (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)) (then (unreachable)))
    (i32.store (i32.const 0) (i32.const 17))
    (if (call $old_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)) (then (unreachable)))))"#;
    let module = Module::new(engine(), wat::parse_str(wat).unwrap()).unwrap();
    let mut linker: Linker<WasiState> = Linker::new(engine());
    add_to_linker_sync_for(&mut linker, &module, |state| state).unwrap();
    let stdout = WritePipe::new_in_memory();
    let mut store = Store::new(engine(), WasiState::new(WasiCtx::builder().stdout(stdout.clone()).build().unwrap()));
    let mut defined: Vec<String> = linker.iter(&mut store).map(|(m, n, _)| format!("{m}::{n}")).collect();
    defined.sort();
    assert_eq!(
        defined,
        ["wasi_snapshot_preview1::clock_time_get", "wasi_snapshot_preview1::fd_write", "wasi_unstable::fd_write"]
    );
    linker.func_wrap("env", "tick", || {}).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap().call(&mut store, ()).unwrap();
    assert_eq!(stdout.contents_lossy(), "ab", "both snapshots' fd_write ran on the one context");

    // A module with no WASI imports gets nothing defined.
    let mut empty: Linker<WasiState> = Linker::new(engine());
    add_to_linker_sync_for(&mut empty, &Module::new(engine(), "(module)").unwrap(), |state| state).unwrap();
    assert_eq!(empty.iter(&mut store).count(), 0);
}
