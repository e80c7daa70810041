//! wasi-threads: all threads share one fd table (`guests/wat/threads_fds.wat`): an fd
//! opened by a thread is used and closed by main, and fd_fdstat_set_flags from a thread
//! (append) takes effect for main.

use crate::threads_util::ThreadedGuest;

#[test]
fn an_fd_opened_in_a_thread_works_in_main_and_set_flags_works_from_a_thread() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = ThreadedGuest::new("threads_fds").dir(dir.path(), "/sandbox").run();
    outcome.assert_clean();
    assert_eq!(outcome.stdout_text(), "written by thread\nwritten by main\nappend set\n");
    assert_eq!(std::fs::read_to_string(dir.path().join("shared.txt")).unwrap(), "written by thread\nwritten by main\n");
    // main sought to 0 before writing "second\n": only the append flag set by the thread
    // keeps "first\n".
    assert_eq!(std::fs::read_to_string(dir.path().join("flags.txt")).unwrap(), "first\nsecond\n");
}
