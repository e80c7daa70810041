//! wasi-threads: 8 threads append to one shared O_APPEND fd and print to stdout at once
//! (`guests/wat/threads_append.wat`). Every record and line arrives whole, none is lost,
//! and each thread's output keeps its own order.

use crate::threads_util::ThreadedGuest;

const THREADS: usize = 8;
const RECORDS: usize = 50;
const RECORD: usize = 64;
const LINE: usize = 24;

/// Checks the log written by `threads_append.wat`: THREADS * RECORDS records of 64 bytes,
/// each intact ('A'+k, two digits, 60 x 'a'+k, '\n'), and every thread's records 00..49 in
/// order.
pub fn check_log(log: &[u8]) {
    assert_eq!(log.len(), THREADS * RECORDS * RECORD, "log length");
    let mut next = [0usize; THREADS];
    for (i, record) in log.chunks(RECORD).enumerate() {
        let k = record[0].wrapping_sub(b'A') as usize;
        assert!(k < THREADS, "record {i} starts with {:?}: {:?}", record[0] as char, String::from_utf8_lossy(record));
        let mut expected = vec![b'a' + k as u8; RECORD];
        expected[0] = b'A' + k as u8;
        expected[1] = b'0' + (next[k] / 10) as u8;
        expected[2] = b'0' + (next[k] % 10) as u8;
        expected[RECORD - 1] = b'\n';
        assert!(
            record == expected.as_slice(),
            "record {i} (thread {k}, number {}) is torn or out of order: {:?}",
            next[k],
            String::from_utf8_lossy(record)
        );
        next[k] += 1;
    }
    assert_eq!(next, [RECORDS; THREADS], "records per thread");
}

/// Checks the stdout of `threads_append.wat`: THREADS * RECORDS lines
/// "thread K record NN done", each thread's in order.
pub fn check_stdout(stdout: &[u8]) {
    assert_eq!(stdout.len(), THREADS * RECORDS * LINE, "stdout length");
    let text = std::str::from_utf8(stdout).expect("stdout is UTF-8");
    let mut next = [0usize; THREADS];
    for (i, line) in text.split_terminator('\n').enumerate() {
        let k = line.as_bytes().get(7).map_or(usize::MAX, |b| b.wrapping_sub(b'0') as usize);
        assert!(k < THREADS, "line {i} is torn: {line:?}");
        assert_eq!(line, format!("thread {k} record {:02} done", next[k]), "line {i}");
        next[k] += 1;
    }
    assert_eq!(next, [RECORDS; THREADS], "lines per thread");
}

#[test]
fn eight_threads_append_whole_records_to_one_fd_and_whole_lines_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = ThreadedGuest::new("threads_append").dir(dir.path(), "/sandbox").run();
    outcome.assert_clean();
    check_stdout(&outcome.stdout);
    check_log(&std::fs::read(dir.path().join("log.txt")).unwrap());
    assert_eq!(outcome.stderr, b"");
}

#[test]
fn appending_threads_repeat_cleanly() {
    // The same program five times over: a torn write or a lost wakeup shows up sooner.
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let outcome = ThreadedGuest::new("threads_append").dir(dir.path(), "/sandbox").run();
        outcome.assert_clean();
        check_stdout(&outcome.stdout);
        check_log(&std::fs::read(dir.path().join("log.txt")).unwrap());
    }
}

/// POSIX allows O_APPEND with O_TRUNC; cap-std (like Rust's std) refuses the pair with
/// EINVAL, and the host passes that on.
#[test]
fn path_open_with_trunc_and_append_opens_for_appending() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f.txt"), "old contents").unwrap();
    let outcome = capwasi_tests::Guest::wat(
        r#"(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 256) "f.txt")
  (data (i32.const 272) "new\n")
  (func (export "_start")
    (local $errno i32)
    ;; creat|trunc, read|seek|set_flags|tell|write|filestat_get, fdflags append
    (local.set $errno (call $path_open (i32.const 3) (i32.const 0) (i32.const 256) (i32.const 5) (i32.const 9)
      (i64.const 2097262) (i64.const 0) (i32.const 1) (i32.const 8)))
    (if (local.get $errno) (then (call $proc_exit (local.get $errno))))
    (i32.store (i32.const 16) (i32.const 272))
    (i32.store (i32.const 20) (i32.const 4))
    (call $proc_exit (call $fd_write (i32.load (i32.const 8)) (i32.const 16) (i32.const 1) (i32.const 24)))))"#,
    )
    .dir(dir.path(), "/sandbox")
    .run();
    outcome.assert_exit(0);
    assert_eq!(std::fs::read_to_string(dir.path().join("f.txt")).unwrap(), "new\n");
}
