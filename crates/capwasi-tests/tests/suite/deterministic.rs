//! `deterministic(seed)`: same inputs and seed, same bytes out; a new seed changes only the
//! random bytes; sleeps take no real time.

use capwasi_tests::{Guest, Outcome};
use std::path::Path;
use std::time::{Duration, Instant};

fn run(data: &Path, seed: u64) -> (Outcome, Duration) {
    let mut guest = Guest::c("deterministic").dir(data, "/data");
    guest.builder.deterministic(seed);
    let started = Instant::now();
    let outcome = guest.run();
    let elapsed = started.elapsed();
    outcome.assert_exit(0);
    (outcome, elapsed)
}

fn data_dir() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    for name in ["zebra", "apple", "mango"] {
        std::fs::write(data.path().join(name), name).unwrap();
    }
    std::fs::create_dir(data.path().join("sub")).unwrap();
    data
}

#[test]
fn two_runs_with_one_seed_print_the_same_bytes_without_sleeping() {
    let (first, elapsed) = run(data_dir().path(), 42);
    // A different directory on the host, with other inode numbers, lists the same way.
    let (second, _) = run(data_dir().path(), 42);
    assert_eq!(first.stdout_text(), second.stdout_text());
    assert!(elapsed < Duration::from_millis(900), "the 1 s sleep took real time: {elapsed:?}");
    let text = first.stdout_text();
    assert!(text.starts_with("realtime 946684800."), "{text}");
    let entries: Vec<&str> = text.lines().filter(|line| line.starts_with("entry ")).collect();
    assert_eq!(
        entries,
        ["entry . ino 1", "entry .. ino 2", "entry apple ino 3", "entry mango ino 4", "entry sub ino 5", "entry zebra ino 6"],
        "listing in name order with virtual inode numbers"
    );
    let slept = text.lines().find(|line| line.starts_with("slept ")).unwrap();
    assert_eq!(slept, "slept 1000 ms", "virtual time moved by the sleep (plus tiny read steps)");
}

#[test]
fn another_seed_changes_only_the_random_bytes() {
    let data = data_dir();
    let (one, _) = run(data.path(), 1);
    let (two, _) = run(data.path(), 2);
    let (one, two) = (one.stdout_text(), two.stdout_text());
    let differing: Vec<(&str, &str)> = one.lines().zip(two.lines()).filter(|(a, b)| a != b).collect();
    assert_eq!(differing.len(), 1, "{differing:?}");
    assert!(differing[0].0.starts_with("random "));
}

/// Opens directory `a`, lists it, closes it, opens `b` (which gets the same number) and
/// resumes a listing at cookie 1: the raw dirent bytes go to stdout.
const RELISTER: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "a")
  (data (i32.const 8) "b")
  (func $open_dir (param $name i32) (result i32)
    (if (call $open (i32.const 3) (i32.const 0) (local.get $name) (i32.const 1) (i32.const 2)
                    (i64.const 0x4000) (i64.const 0) (i32.const 0) (i32.const 16))
      (then (call $exit (i32.const 10))))
    (i32.load (i32.const 16)))
  (func (export "_start")
    (local $a i32) (local $b i32)
    (local.set $a (call $open_dir (i32.const 0)))
    (if (call $readdir (local.get $a) (i32.const 1024) (i32.const 4096) (i64.const 0) (i32.const 20))
      (then (call $exit (i32.const 11))))
    (if (call $close (local.get $a)) (then (call $exit (i32.const 12))))
    (local.set $b (call $open_dir (i32.const 8)))
    (if (i32.ne (local.get $a) (local.get $b)) (then (call $exit (i32.const 13))))
    (if (call $readdir (local.get $b) (i32.const 1024) (i32.const 4096) (i64.const 1) (i32.const 20))
      (then (call $exit (i32.const 14))))
    (i32.store (i32.const 32) (i32.const 1024))
    (i32.store (i32.const 36) (i32.load (i32.const 20)))
    (drop (call $write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 40)))
    (call $exit (i32.const 0))))"#;

/// A listing resumed on a descriptor number belongs to the directory open there now, not to
/// one closed before under the same number (deterministic listings were once kept by number).
#[test]
fn a_resumed_listing_belongs_to_the_directory_open_under_that_number_now() {
    let data = tempfile::tempdir().unwrap();
    for (dir, names) in [("a", ["a1", "a2"]), ("b", ["b1", "b2"])] {
        std::fs::create_dir(data.path().join(dir)).unwrap();
        for name in names {
            std::fs::write(data.path().join(dir).join(name), name).unwrap();
        }
    }
    let mut guest = Guest::wat(RELISTER).dir(data.path(), "/data");
    guest.builder.deterministic(7);
    let outcome = guest.run();
    outcome.assert_exit(0);
    let listed = outcome.stdout_text();
    // From cookie 1 of `b` in name order: `..`, b1, b2 (dirent headers between the names).
    assert!(listed.contains("..") && listed.contains("b1") && listed.contains("b2"), "{listed:?}");
    assert!(!listed.contains("a1") && !listed.contains("a2"), "a closed directory's listing was served: {listed:?}");
}
