//! wasi-threads: a spawned thread ends the whole program, by `proc_exit` or by a trap, while
//! main sleeps in a 10 s `poll_oneoff` (`guests/wat/threads_{exit,trap}_in_poll.wat`). The
//! embedder learns of it at once through `on_exit`.

use crate::threads_util::{MainEnd, ThreadedGuest};
use capwasi_wasmtime::threads::ThreadExit;
use std::time::Duration;

#[test]
fn proc_exit_7_in_a_thread_ends_the_program_with_7_while_main_polls() {
    let outcome = ThreadedGuest::new("threads_exit_in_poll").deadline(Duration::from_secs(30)).run();
    assert_eq!(outcome.thread_exit, Some(ThreadExit::Exit(7)), "{outcome:?}");
    assert!(!outcome.timed_out);
    // Reported at once, not when main's 10 s sleep ends.
    assert!(outcome.elapsed < Duration::from_secs(5), "took {:?}", outcome.elapsed);
    assert_eq!(outcome.main, MainEnd::StillRunning, "main should still be asleep in poll_oneoff");
    assert_eq!(outcome.stdout_text(), "main polling\nthread exiting\n");
}

#[test]
fn a_trap_in_a_thread_ends_the_program_while_main_polls() {
    let outcome = ThreadedGuest::new("threads_trap_in_poll").deadline(Duration::from_secs(30)).run();
    match &outcome.thread_exit {
        Some(ThreadExit::Trap(message)) => {
            assert!(message.contains("unreachable"), "trap message: {message}")
        }
        other => panic!("expected a trap, got {other:?}: {outcome:?}"),
    }
    assert!(!outcome.timed_out);
    assert!(outcome.elapsed < Duration::from_secs(5), "took {:?}", outcome.elapsed);
    assert_eq!(outcome.main, MainEnd::StillRunning, "main should still be asleep in poll_oneoff");
    assert_eq!(outcome.stdout_text(), "main polling\nthread trapping\n");
}
