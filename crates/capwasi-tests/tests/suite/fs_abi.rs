//! Raw ABI edge cases of the filesystem calls, as WAT guests: unknown flag bits, out-of-range
//! enums, wild pointers, paths that are not UTF-8, and bad descriptors. Each case makes one
//! call against a sandbox holding only `file.txt` and exits with the errno it got; the host
//! then checks that the failed call changed nothing in the sandbox (or outside it).

use crate::fs_util::{listing, tree, Sandbox, Scenario};
use capwasi::types::Rights;
use capwasi_tests::Guest;

const BADF: i32 = 8;
const FAULT: i32 = 21;
const ILSEQ: i32 = 25;
const INVAL: i32 = 28;
const NOTDIR: i32 = 54;

/// Memory layout the case bodies refer to.
///
/// | offset | bytes |
/// |---|---|
/// | 0 | `file.txt` (8) |
/// | 16 | `\xff\xfe` (2): not UTF-8 |
/// | 32 | `a\0b` (3): an embedded NUL |
/// | 48 | `\xed\xa0\x80` (3): an encoded surrogate, not UTF-8 |
/// | 64 | `newdir` (6) |
/// | 80 | `f\xc3` (2): UTF-8 cut in the middle of a character |
/// | 96 | `.` (1) |
/// | 1024 | result slot |
/// | 2048.. | scratch buffers |
const LAYOUT: &str = r#"
  (data (i32.const 0) "file.txt")
  (data (i32.const 16) "\ff\fe")
  (data (i32.const 32) "a\00b")
  (data (i32.const 48) "\ed\a0\80")
  (data (i32.const 64) "newdir")
  (data (i32.const 80) "f\c3")
  (data (i32.const 96) ".")
"#;

const IMPORTS: &[(&str, &str)] = &[
    ("path_open", "i32 i32 i32 i32 i32 i64 i64 i32 i32"),
    ("path_filestat_get", "i32 i32 i32 i32 i32"),
    ("path_filestat_set_times", "i32 i32 i32 i32 i64 i64 i32"),
    ("path_link", "i32 i32 i32 i32 i32 i32 i32"),
    ("path_create_directory", "i32 i32 i32"),
    ("path_remove_directory", "i32 i32 i32"),
    ("path_unlink_file", "i32 i32 i32"),
    ("path_rename", "i32 i32 i32 i32 i32 i32"),
    ("path_symlink", "i32 i32 i32 i32 i32"),
    ("path_readlink", "i32 i32 i32 i32 i32 i32"),
    ("fd_readdir", "i32 i32 i32 i64 i32"),
    ("fd_seek", "i32 i64 i32 i32"),
    ("fd_advise", "i32 i64 i64 i32"),
    ("fd_allocate", "i32 i64 i64"),
    ("fd_filestat_get", "i32 i32"),
    ("fd_filestat_set_times", "i32 i64 i64 i32"),
    ("fd_filestat_set_size", "i32 i64"),
    ("fd_fdstat_set_flags", "i32 i32"),
    ("fd_fdstat_set_rights", "i32 i64 i64"),
    ("fd_close", "i32"),
    ("fd_renumber", "i32 i32"),
];

/// A module whose `_start` exits with the value of `body` (an i32 expression). `$file`
/// opens `file.txt` read-write and returns its fd.
fn module(body: &str) -> String {
    let imports: String = IMPORTS
        .iter()
        .map(|(name, params)| {
            format!("  (import \"wasi_snapshot_preview1\" \"{name}\" (func ${name} (param {params}) (result i32)))\n")
        })
        .collect();
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
{imports}  (memory (export "memory") 1)
{LAYOUT}
  (func $file (result i32)
    (if (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 8) (i32.const 0)
          (i64.const {file_rights}) (i64.const 0) (i32.const 0) (i32.const 1024))
      (then unreachable))
    (i32.load (i32.const 1024)))
  (func (export "_start") (call $proc_exit {body})))"#,
        file_rights = Rights::FILE.bits(),
    )
}

fn guest_for(body: &str) -> (Sandbox, Guest) {
    let sb = Sandbox::new();
    sb.file("file.txt", "contents");
    let guest = Guest::wat(module(body)).dir(sb.path(), "/sandbox");
    (sb, guest)
}

/// Open `path` (ptr, len) under fd 3 with `oflags`, `fdflags`, `lookupflags`.
fn open(lookup: &str, ptr: &str, len: u32, oflags: &str, rights: &str, fdflags: &str, result: &str) -> String {
    format!(
        "(call $path_open (i32.const 3) (i32.const {lookup}) (i32.const {ptr}) (i32.const {len}) (i32.const {oflags}) \
         (i64.const {rights}) (i64.const 0) (i32.const {fdflags}) (i32.const {result}))"
    )
}

/// Every case: name, body, expected errno.
fn cases() -> Vec<(&'static str, String, i32)> {
    let read = Rights::FD_READ.bits().to_string();
    let read = read.as_str();
    vec![
        // Unknown bits in flag arguments.
        ("path_open oflags bit 4", open("0", "64", 6, "16", read, "0", "1024"), INVAL),
        ("path_open creat|oflags bit 15", open("0", "64", 6, "0x8001", read, "0", "1024"), INVAL),
        ("path_open fdflags bit 5", open("0", "64", 6, "1", read, "32", "1024"), INVAL),
        ("path_open lookupflags bit 1", open("2", "0", 8, "0", read, "0", "1024"), INVAL),
        ("path_open lookupflags bit 31", open("0x80000000", "0", 8, "0", read, "0", "1024"), INVAL),
        ("path_open rights bit 40", open("0", "0", 8, "0", "0x10000000000", "0", "1024"), INVAL),
        ("path_filestat_get lookupflags bit 1", "(call $path_filestat_get (i32.const 3) (i32.const 2) (i32.const 0) (i32.const 8) (i32.const 2048))".into(), INVAL),
        (
            "path_filestat_set_times lookupflags bit 1",
            "(call $path_filestat_set_times (i32.const 3) (i32.const 2) (i32.const 0) (i32.const 8) (i64.const 0) (i64.const 0) (i32.const 10))".into(),
            INVAL,
        ),
        (
            "path_filestat_set_times fstflags bit 4",
            "(call $path_filestat_set_times (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 8) (i64.const 0) (i64.const 0) (i32.const 16))".into(),
            INVAL,
        ),
        ("path_link old_flags bit 1", "(call $path_link (i32.const 3) (i32.const 2) (i32.const 0) (i32.const 8) (i32.const 3) (i32.const 64) (i32.const 6))".into(), INVAL),
        ("fd_fdstat_set_flags bit 5", "(call $fd_fdstat_set_flags (call $file) (i32.const 32))".into(), INVAL),
        ("fd_filestat_set_times fstflags bit 4", "(call $fd_filestat_set_times (call $file) (i64.const 0) (i64.const 0) (i32.const 16))".into(), INVAL),
        ("fd_fdstat_set_rights bit 30", "(call $fd_fdstat_set_rights (call $file) (i64.const 0x40000000) (i64.const 0))".into(), INVAL),
        // Out-of-range enums.
        ("fd_seek whence 3", "(call $fd_seek (call $file) (i64.const 0) (i32.const 3) (i32.const 1024))".into(), INVAL),
        ("fd_seek whence 256", "(call $fd_seek (call $file) (i64.const 0) (i32.const 256) (i32.const 1024))".into(), INVAL),
        ("fd_advise advice 6", "(call $fd_advise (call $file) (i64.const 0) (i64.const 0) (i32.const 6))".into(), INVAL),
        ("fd_advise advice 0x100", "(call $fd_advise (call $file) (i64.const 0) (i64.const 0) (i32.const 0x100))".into(), INVAL),
        // Wild pointers.
        ("path_open path at 0xfffffff0", open("0", "-16", 8, "0", read, "0", "1024"), FAULT),
        ("path_open path straddling the end", open("0", "65530", 10, "0", read, "0", "1024"), FAULT),
        ("path_open creat with the result outside memory", open("0", "64", 6, "1", read, "0", "65534"), FAULT),
        ("path_create_directory path outside memory", "(call $path_create_directory (i32.const 3) (i32.const 70000) (i32.const 6))".into(), FAULT),
        ("path_unlink_file path outside memory", "(call $path_unlink_file (i32.const 3) (i32.const -1) (i32.const 2))".into(), FAULT),
        ("path_rename new path outside memory", "(call $path_rename (i32.const 3) (i32.const 0) (i32.const 8) (i32.const 3) (i32.const 65535) (i32.const 4))".into(), FAULT),
        ("path_symlink target outside memory", "(call $path_symlink (i32.const 65535) (i32.const 2) (i32.const 3) (i32.const 64) (i32.const 6))".into(), FAULT),
        ("path_filestat_get result outside memory", "(call $path_filestat_get (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 8) (i32.const 65500))".into(), FAULT),
        ("fd_filestat_get result outside memory", "(call $fd_filestat_get (call $file) (i32.const -8))".into(), FAULT),
        ("fd_readdir buffer outside memory", "(block (result i32) (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 96) (i32.const 1) (i32.const 2) (i64.const 0x4000) (i64.const 0) (i32.const 0) (i32.const 1024))) (call $fd_readdir (i32.load (i32.const 1024)) (i32.const 65000) (i32.const 1000) (i64.const 0) (i32.const 2048)))".into(), FAULT),
        ("path_readlink buffer outside memory", "(call $path_readlink (i32.const 3) (i32.const 0) (i32.const 8) (i32.const 65530) (i32.const 100) (i32.const 2048))".into(), FAULT),
        // Paths that are not UTF-8.
        ("path_open invalid UTF-8", open("0", "16", 2, "0", read, "0", "1024"), ILSEQ),
        ("path_open creat invalid UTF-8", open("0", "16", 2, "1", read, "0", "1024"), ILSEQ),
        ("path_open encoded surrogate", open("0", "48", 3, "1", read, "0", "1024"), ILSEQ),
        ("path_open truncated UTF-8", open("0", "80", 2, "1", read, "0", "1024"), ILSEQ),
        ("path_create_directory invalid UTF-8", "(call $path_create_directory (i32.const 3) (i32.const 16) (i32.const 2))".into(), ILSEQ),
        ("path_filestat_get invalid UTF-8", "(call $path_filestat_get (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 2) (i32.const 2048))".into(), ILSEQ),
        ("path_rename to invalid UTF-8", "(call $path_rename (i32.const 3) (i32.const 0) (i32.const 8) (i32.const 3) (i32.const 16) (i32.const 2))".into(), ILSEQ),
        ("path_link to invalid UTF-8", "(call $path_link (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 8) (i32.const 3) (i32.const 48) (i32.const 3))".into(), ILSEQ),
        ("path_symlink invalid UTF-8 target", "(call $path_symlink (i32.const 16) (i32.const 2) (i32.const 3) (i32.const 64) (i32.const 6))".into(), ILSEQ),
        ("path_unlink_file invalid UTF-8", "(call $path_unlink_file (i32.const 3) (i32.const 16) (i32.const 2))".into(), ILSEQ),
        // An embedded NUL cannot name a host file.
        ("path_open with a NUL byte", open("0", "32", 3, "1", read, "0", "1024"), INVAL),
        ("path_create_directory with a NUL byte", "(call $path_create_directory (i32.const 3) (i32.const 32) (i32.const 3))".into(), INVAL),
        // Bad descriptors.
        ("path_open under fd 99", "(call $path_open (i32.const 99) (i32.const 0) (i32.const 0) (i32.const 8) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 1024))".into(), BADF),
        ("path_open under stdout", "(call $path_open (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 8) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 1024))".into(), NOTDIR),
        ("path_open under a file", "(call $path_open (call $file) (i32.const 0) (i32.const 0) (i32.const 8) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 1024))".into(), NOTDIR),
        ("path_create_directory under fd 99", "(call $path_create_directory (i32.const 99) (i32.const 64) (i32.const 6))".into(), BADF),
        ("path_rename to fd 99", "(call $path_rename (i32.const 3) (i32.const 0) (i32.const 8) (i32.const 99) (i32.const 64) (i32.const 6))".into(), BADF),
        ("path_link from fd 0x7fffffff", "(call $path_link (i32.const 0x7fffffff) (i32.const 0) (i32.const 0) (i32.const 8) (i32.const 3) (i32.const 64) (i32.const 6))".into(), BADF),
        ("fd_readdir on fd 99", "(call $fd_readdir (i32.const 99) (i32.const 2048) (i32.const 100) (i64.const 0) (i32.const 1024))".into(), BADF),
        ("fd_filestat_get on fd -1", "(call $fd_filestat_get (i32.const -1) (i32.const 2048))".into(), BADF),
        ("fd_filestat_set_size on fd 99", "(call $fd_filestat_set_size (i32.const 99) (i64.const 0))".into(), BADF),
        ("fd_allocate on fd 99", "(call $fd_allocate (i32.const 99) (i64.const 0) (i64.const 1))".into(), BADF),
        ("fd_close on fd 99", "(call $fd_close (i32.const 99))".into(), BADF),
        ("fd_close twice", "(block (result i32) (drop (call $fd_close (call $file))) (call $fd_close (i32.const 4)))".into(), BADF),
    ]
}

/// For the differential runs: one scenario per case would need a fn pointer per case, so
/// the probe gets a few representative ones.
pub(crate) fn scenarios() -> Vec<(&'static str, Scenario)> {
    vec![
        ("abi/path_open oflags bit 4", || guest_for(&cases()[0].1)),
        ("abi/path_open lookupflags bit 1", || guest_for(&cases()[3].1)),
        ("abi/path_open invalid UTF-8", || guest_for(&cases().iter().find(|c| c.0 == "path_open invalid UTF-8").unwrap().1)),
        ("abi/path_open with a NUL byte", || guest_for(&cases().iter().find(|c| c.0 == "path_open with a NUL byte").unwrap().1)),
        ("abi/path_open creat result outside", || {
            guest_for(&cases().iter().find(|c| c.0 == "path_open creat with the result outside memory").unwrap().1)
        }),
        ("abi/path_open under stdout", || guest_for(&cases().iter().find(|c| c.0 == "path_open under stdout").unwrap().1)),
    ]
}

/// Runs every case whose expected errno passes `filter`; checks each exit code and that the
/// sandbox is unchanged. Reports every mismatch at once.
#[track_caller]
fn run_cases(filter: impl Fn(i32) -> bool) {
    let mut failures = Vec::new();
    let mut ran = 0;
    for (name, body, expected) in cases().into_iter().filter(|c| filter(c.2)) {
        let (sb, guest) = guest_for(&body);
        let before = tree(sb.path());
        let outcome = guest.run();
        ran += 1;
        if outcome.exit != Some(expected) {
            failures.push(format!("{name}: exit {:?} trap {:?}, expected errno {expected}", outcome.exit, outcome.trap));
        }
        if tree(sb.path()) != before {
            failures.push(format!("{name}: the sandbox changed: {:?}", listing(sb.path())));
        }
        sb.assert_outside_untouched();
    }
    assert!(ran > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fs_abi_unknown_flag_bits_and_out_of_range_enums_are_inval() {
    run_cases(|errno| errno == INVAL);
}

#[test]
fn fs_abi_bad_pointers_are_fault_and_nothing_is_created() {
    run_cases(|errno| errno == FAULT);
}

#[test]
fn fs_abi_paths_that_are_not_utf8_are_ilseq() {
    run_cases(|errno| errno == ILSEQ);
}

#[test]
fn fs_abi_bad_descriptors_are_badf_and_files_are_not_directories() {
    run_cases(|errno| errno == BADF || errno == NOTDIR);
}
