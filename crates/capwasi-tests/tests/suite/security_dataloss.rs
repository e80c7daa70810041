//! No data lost: a guest that traps or exits in the middle of its output leaves every byte it
//! wrote before on disk and on stdout (guests/c/security_dataloss.c). capwasi buffers nothing
//! of its own: each `fd_write` is one host write, so only libc's own buffers could hold bytes
//! back, and `exit` flushes those.

use capwasi_tests::{Guest, Outcome};
use std::fs;

fn run(mode: &str) -> (tempfile::TempDir, Outcome) {
    let out = tempfile::tempdir().unwrap();
    let outcome = Guest::c("security_dataloss").args([mode]).dir(out.path(), "/out").run();
    (out, outcome)
}

fn lines(what: &str) -> String {
    (0..100).map(|i| format!("line {i:03} of {what}\n")).collect()
}

#[track_caller]
fn assert_everything_kept(out: &tempfile::TempDir, outcome: &Outcome) {
    assert_eq!(outcome.stdout_text(), lines("stdout"), "stdout lost bytes or gained some after the end");
    assert_eq!(fs::read_to_string(out.path().join("log.txt")).unwrap(), lines("the log"));
    let big = fs::read(out.path().join("big.bin")).unwrap();
    assert_eq!(big.len(), 1 << 20);
    assert!(big.iter().enumerate().all(|(i, &b)| b == (i as u32).wrapping_mul(7).wrapping_add(3) as u8));
}

#[test]
fn security_a_guest_that_traps_mid_stream_loses_no_byte_it_wrote() {
    let (out, outcome) = run("trap");
    assert_eq!(outcome.exit, None, "{outcome:?}");
    // Wasmtime says "unreachable", wasmi "UnreachableCodeReached".
    assert!(outcome.trap.as_deref().unwrap_or("").to_lowercase().contains("unreachable"), "{:?}", outcome.trap);
    assert_everything_kept(&out, &outcome);
}

#[test]
fn security_a_guest_that_calls_proc_exit_mid_stream_loses_no_byte_it_wrote() {
    let (out, outcome) = run("exit");
    outcome.assert_exit(3);
    assert_everything_kept(&out, &outcome);
}

#[test]
fn security_libc_exit_flushes_buffered_stdio_through_the_host() {
    let (out, outcome) = run("stdio_exit");
    outcome.assert_exit(3);
    assert_eq!(outcome.stdout_text(), lines("stdout"));
    assert_eq!(fs::read_to_string(out.path().join("log.txt")).unwrap(), lines("the log"));
}

/// A `path_open` that fails must not have destroyed data first: `directory|trunc` on a
/// regular file is `notdir` (Linux checks `O_DIRECTORY` at lookup, before `O_TRUNC` acts),
/// and the file keeps its bytes, whether or not `fd_write` was asked for.
#[test]
fn security_path_open_directory_trunc_on_a_file_is_notdir_and_truncates_nothing() {
    use crate::security_util::{i, l, Driver, ENOTDIR};
    use capwasi_os::WasiCtxBuilderExt;
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("file.txt"), "0123456789").unwrap();
    let mut builder = Driver::builder();
    builder.preopened_host_dir(dir.path(), "/d").unwrap();
    let mut d = Driver::new(&mut builder, 1);
    d.write(100, b"file.txt");
    const DIRECTORY_TRUNC: u32 = 2 | 8;
    for rights in [1u64 << 1, (1 << 1) | (1 << 6)] {
        let errno = d.call("path_open", &[i(3), i(0), i(100), i(8), i(DIRECTORY_TRUNC), l(rights), l(0), i(0), i(200)]);
        assert_eq!(errno, ENOTDIR, "rights {rights:#x}");
        assert_eq!(fs::read_to_string(dir.path().join("file.txt")).unwrap(), "0123456789", "rights {rights:#x}: the failed open truncated the file");
    }
}
