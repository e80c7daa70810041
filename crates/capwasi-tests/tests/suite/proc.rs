//! The process: exit statuses, `proc_raise`, `sched_yield`.

use capwasi_tests::Guest;

fn exit_with(mode: &str, code: i32) {
    let outcome = Guest::c("exit_code").args([mode.to_string(), code.to_string()]).run();
    outcome.assert_exit(code);
    assert_eq!(outcome.trap, None);
    // Output written before the exit is kept (libc flushes it, or the guest did).
    assert_eq!(outcome.stdout_text(), format!("{mode} {code}\n"), "mode {mode}");
}

#[test]
fn exit_status_from_libc_exit_is_0_3_255() {
    for code in [0, 3, 255] {
        exit_with("exit", code);
    }
}

#[test]
fn exit_status_from_raw_proc_exit_is_0_3_255() {
    for code in [0, 3, 255] {
        exit_with("raw", code);
    }
}

#[test]
fn exit_status_from_returning_from_main_is_0_3_255() {
    for code in [0, 3, 255] {
        exit_with("return", code);
    }
}

#[test]
fn sched_yield_succeeds_and_harmless_or_unknown_signals_return_errnos() {
    let outcome = Guest::c("sched_proc").run();
    outcome.assert_exit(0);
    assert_eq!(
        outcome.stdout_text(),
        "sched_yield: errno 0\n\
         proc_raise(0): errno 0\n\
         proc_raise(31): errno 28\n\
         proc_raise(99): errno 28\n"
    );
}

#[test]
fn proc_raise_term_ends_the_program_with_status_128_plus_15() {
    let outcome = Guest::c("sched_proc").args(["raise", "15"]).run();
    outcome.assert_exit(128 + 15);
    assert_eq!(outcome.stdout_text(), "raising 15\n");
}
