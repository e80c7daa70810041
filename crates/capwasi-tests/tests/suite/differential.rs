//! Differential tests: the same guest, with the same inputs, under capwasi and under the
//! reference host (wasmtime-wasi 48's preview1), on the same engine. Where the two must
//! agree, they are compared whole; where capwasi differs on purpose (docs/decisions.md), the
//! test pins both answers so a change on either side is noticed.

use capwasi_tests::{Guest, Outcome};

/// Runs the guest `make` builds under both hosts and returns (capwasi, reference).
fn both(make: impl Fn() -> Guest) -> (Outcome, Outcome) {
    (make().run(), make().run_reference())
}

#[track_caller]
fn assert_agree(make: impl Fn() -> Guest) {
    let (ours, reference) = both(make);
    assert_eq!(ours.exit, reference.exit, "exit status differs\nours: {ours:?}\nreference: {reference:?}");
    assert_eq!(ours.stdout_text(), reference.stdout_text(), "stdout differs");
    assert_eq!(ours.stderr_text(), reference.stderr_text(), "stderr differs");
}

#[test]
fn hello_agrees_with_reference() {
    assert_agree(|| Guest::c("hello"));
}

#[test]
fn args_and_env_agree_with_reference() {
    assert_agree(|| {
        Guest::c("args_env")
            .args(["plain", "", "héllo", "日本", "with space", "-x", "--"])
            .env("A", "1")
            .env("EMPTY", "")
            .env("UNICODE", "ünïcødé")
    });
}

#[test]
fn stdin_copy_agrees_with_reference() {
    let input: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    assert_agree(|| Guest::c("stdin_echo").stdin(input.clone()));
}

#[test]
fn exit_statuses_below_126_agree_with_reference() {
    for mode in ["exit", "raw", "return"] {
        for code in ["0", "3", "125"] {
            assert_agree(|| Guest::c("exit_code").args([mode, code]));
        }
    }
}

/// Deliberate difference: capwasi passes every exit status through (solvers exit 10 and 20,
/// shells use 126..=255); wasmtime-wasi traps on statuses of 126 and above.
#[test]
fn exit_status_255_passes_through_where_reference_traps() {
    let (ours, reference) = both(|| Guest::c("exit_code").args(["exit", "255"]));
    ours.assert_exit(255);
    assert_eq!(reference.exit, None);
    assert!(reference.trap.as_deref().unwrap_or_default().contains("invalid exit status"), "{reference:?}");
}

#[test]
fn preopen_listing_agrees_with_reference() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    assert_agree(|| Guest::c("preopens").dir(a.path(), "/a").dir(b.path(), "/b/c"));
}

#[test]
fn preopen_errors_agree_with_reference() {
    let dir = tempfile::tempdir().unwrap();
    assert_agree(|| Guest::c("preopen_errors").dir(dir.path(), "/sandbox"));
}
