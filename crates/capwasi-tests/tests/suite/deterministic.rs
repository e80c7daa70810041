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
