//! Standard streams: what a guest writes to fd 1 and 2 and reads from fd 0.

use capwasi_tests::Guest;

#[test]
fn hello_world_reaches_stdout() {
    let outcome = Guest::c("hello").run();
    outcome.assert_exit(0);
    assert_eq!(outcome.stdout_text(), "Hello, world!\n");
    assert_eq!(outcome.stderr_text(), "");
}

/// Bytes 0..=255 in a pattern that never lines up with the guest's 16 KiB buffer.
fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

#[test]
fn stdin_is_copied_to_stdout_byte_for_byte_across_many_reads() {
    let input = payload(200_000);
    let outcome = Guest::c("stdin_echo").stdin(input.clone()).run();
    outcome.assert_exit(0);
    assert!(outcome.stdout == input, "stdout differs from stdin ({} bytes vs {})", outcome.stdout.len(), input.len());
    let report = outcome.stderr_text();
    let reads: usize = report
        .strip_prefix("copied 200000 bytes in ")
        .and_then(|rest| rest.strip_suffix(" reads\n"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected report {report:?}"));
    // Each read fills at most the guest's 16 KiB buffer.
    assert!(reads >= 200_000usize.div_ceil(16384), "{reads} reads");
}

#[test]
fn empty_stdin_reads_end_of_file_at_once() {
    let outcome = Guest::c("stdin_echo").stdin(Vec::new()).run();
    outcome.assert_exit(0);
    assert_eq!(outcome.stdout, b"");
    assert_eq!(outcome.stderr_text(), "copied 0 bytes in 0 reads\n");
}

#[test]
fn stdin_defaults_to_empty_when_not_configured() {
    let outcome = Guest::c("stdin_echo").run();
    outcome.assert_exit(0);
    assert_eq!(outcome.stderr_text(), "copied 0 bytes in 0 reads\n");
}
