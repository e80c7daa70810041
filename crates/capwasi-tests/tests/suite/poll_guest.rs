//! `poll_oneoff` from C guests (`guests/c/poll_guest.c`): clocks relative and absolute, every
//! expired clock reported, zero timeouts, regular files, per-event errors (closed fds,
//! directories, missing rights, CPU-time clocks), whole-call errors, in-memory stdin.
//!
//! Each scenario prints its events as `event USERDATA error ERRNO type TYPE nbytes N flags F`
//! and its timings as ranges, so the expected output is exact.

use capwasi_tests::{Guest, Outcome};
use std::time::{Duration, Instant};

fn run(mode: &str) -> Outcome {
    let outcome = Guest::c("poll_guest").args([mode]).run();
    outcome.assert_exit(0);
    outcome
}

/// A tempdir holding `data`: 100 bytes.
fn data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data"), (0..100u8).collect::<Vec<u8>>()).unwrap();
    dir
}

fn run_in(mode: &str, dir: &std::path::Path) -> Outcome {
    let outcome = Guest::c("poll_guest").args([mode]).dir(dir, "/sandbox").run();
    outcome.assert_exit(0);
    outcome
}

#[track_caller]
fn assert_lines(outcome: &Outcome, expected: &[&str]) {
    let text = outcome.stdout_text();
    assert_eq!(text.lines().collect::<Vec<_>>(), expected, "stderr: {}", outcome.stderr_text());
}

#[test]
fn poll_relative_clock_sleeps_accurately() {
    let outcome = run("sleep");
    assert_lines(
        &outcome,
        &[
            "event 7 error 0 type 0 nbytes 0 flags 0",
            "monotonic 50 ms sleep in [50, 250) ms",
            "event 8 error 0 type 0 nbytes 0 flags 0",
            "realtime 30 ms sleep in [29, 230) ms",
        ],
    );
}

#[test]
fn poll_two_zero_timeout_clocks_are_both_reported_in_one_call() {
    let outcome = run("two_zero");
    assert_lines(
        &outcome,
        &["nevents 2", "event 11 error 0 type 0 nbytes 0 flags 0", "event 22 error 0 type 0 nbytes 0 flags 0"],
    );
}

#[test]
fn poll_two_expired_clocks_are_both_reported_with_their_userdata() {
    let outcome = run("both_expired");
    assert_lines(
        &outcome,
        &["nevents 2", "event 1 error 0 type 0 nbytes 0 flags 0", "event 2 error 0 type 0 nbytes 0 flags 0"],
    );
}

#[test]
fn poll_reports_the_earlier_clock_when_it_expires_first() {
    let outcome = run("earliest_first");
    assert_lines(&outcome, &["10 ms reported after in [10, 210) ms"]);
}

#[test]
fn poll_absolute_realtime_and_monotonic_deadlines_sleep_until_then() {
    let outcome = run("abs_realtime");
    assert_lines(
        &outcome,
        &[
            "event 5 error 0 type 0 nbytes 0 flags 0",
            "realtime reached the deadline: yes",
            "absolute realtime +30 ms in [29, 230) ms",
            "event 6 error 0 type 0 nbytes 0 flags 0",
            "monotonic reached the deadline: yes",
            "absolute monotonic +30 ms in [30, 230) ms",
        ],
    );
}

#[test]
fn poll_absolute_deadline_in_the_past_returns_immediately() {
    let started = Instant::now();
    let outcome = run("abs_past");
    assert_lines(
        &outcome,
        &[
            "nevents 1",
            "event 1 error 0 type 0 nbytes 0 flags 0",
            "nevents 1",
            "event 3 error 0 type 0 nbytes 0 flags 0",
            "nevents 1",
            "event 4 error 0 type 0 nbytes 0 flags 0",
            "three polls took in [0, 100) ms",
        ],
    );
    assert!(started.elapsed() < Duration::from_secs(9), "the 10 s clock was waited for");
}

#[test]
fn poll_timeout_zero_polls_without_sleeping() {
    let outcome = run("zero");
    assert_lines(&outcome, &["1000 zero-timeout polls took in [0, 1000) ms", "event 31 error 0 type 0 nbytes 0 flags 0"]);
}

#[test]
fn poll_with_no_subscriptions_is_inval() {
    let outcome = run("nsubs_zero");
    assert_lines(&outcome, &["nsubscriptions 0: errno 28, nevents untouched"]);
}

#[test]
fn poll_regular_file_is_ready_at_once_with_bytes_left_to_read() {
    let dir = data_dir();
    let outcome = run_in("file", dir.path());
    assert_lines(
        &outcome,
        &[
            // Only the file: the 10 s clock (userdata 2) has not expired.
            "read at 10: nevents 1",
            "event 1 error 0 type 1 nbytes 90 flags 0",
            "write: nevents 1",
            "event 3 error 0 type 2 nbytes 0 flags 0",
            "read and write: nevents 2",
            "event 4 error 0 type 1 nbytes 90 flags 0",
            "event 5 error 0 type 2 nbytes 0 flags 0",
            "read at end: nevents 1",
            "event 6 error 0 type 1 nbytes 0 flags 0",
            "read past end: nevents 1",
            "event 7 error 0 type 1 nbytes 0 flags 0",
            "position 250",
            "file polls took in [0, 1000) ms",
        ],
    );
}

#[test]
fn poll_fd_without_poll_right_is_notcapable_in_the_event() {
    let dir = data_dir();
    let outcome = run_in("no_poll_right", dir.path());
    assert_lines(
        &outcome,
        &["nevents 2", "event 1 error 76 type 1 nbytes 0 flags 0", "event 2 error 76 type 2 nbytes 0 flags 0"],
    );
}

#[test]
fn poll_closed_fd_is_badf_in_the_event_not_the_call() {
    let dir = data_dir();
    let outcome = run_in("closed", dir.path());
    assert_lines(
        &outcome,
        &[
            "nevents 2",
            "event 1 error 8 type 1 nbytes 0 flags 0",
            "event 2 error 8 type 2 nbytes 0 flags 0",
            "poll took in [0, 1000) ms",
        ],
    );
}

#[test]
fn poll_preopen_directory_is_badf_in_the_event_not_the_call() {
    let dir = data_dir();
    let outcome = run_in("dir", dir.path());
    assert_lines(
        &outcome,
        &[
            "nevents 2",
            "event 1 error 8 type 1 nbytes 0 flags 0",
            "event 2 error 8 type 2 nbytes 0 flags 0",
            "poll took in [0, 1000) ms",
        ],
    );
}

#[test]
fn poll_cputime_clock_is_notsup_in_the_event() {
    let outcome = run("cputime");
    assert_lines(
        &outcome,
        &[
            "nevents 3",
            "event 1 error 58 type 0 nbytes 0 flags 0",
            "event 2 error 58 type 0 nbytes 0 flags 0",
            "event 3 error 58 type 0 nbytes 0 flags 0",
            "poll took in [0, 1000) ms",
        ],
    );
}

#[test]
fn poll_unknown_clock_id_is_inval_for_the_whole_call() {
    let outcome = run("bad_clock");
    assert_lines(&outcome, &["clock ids 99 and 4: errno 28 for the whole call, nothing written"]);
}

#[test]
fn poll_in_memory_stdin_is_readable_at_once() {
    let outcome = Guest::c("poll_guest").args(["stdin"]).stdin("hello").run();
    outcome.assert_exit(0);
    let text = outcome.stdout_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert_eq!(lines[..2], ["nevents 1", "event 3 error 0 type 1 flags 0"], "{text}");
    // An in-memory pipe may report 0 ("not known") or the real count.
    assert!(lines[2] == "nbytes 0" || lines[2] == "nbytes 5", "{text}");
    assert_eq!(lines[3..], ["poll took in [0, 1000) ms", "read 5: hello"], "{text}");
}

/// `nonblock` on in-memory stdin and stdout (the harness's ReadPipe and WritePipe): an
/// in-memory pipe never has to wait, so setting the flag should succeed and be reported back
/// by fd_fdstat_get, with reads going on as before (data, then end of file rather than
/// `again`). capwasi answers notsup (58) and leaves the flag clear: ReadPipe and WritePipe
/// keep WasiFile::set_fdflags's default. (wasmtime-wasi answers badf, 8.)
#[test]
fn poll_nonblock_on_in_memory_stdio_is_accepted() {
    let outcome = Guest::c("poll_guest").args(["pipe_nonblock"]).stdin("hello").run();
    outcome.assert_exit(0);
    assert_lines(
        &outcome,
        &[
            "fd 0: set nonblock errno 0, nonblock now set",
            "fd 1: set nonblock errno 0, nonblock now set",
            "read 5: hello",
            "then read 0 (end of file, not again)",
        ],
    );
}
