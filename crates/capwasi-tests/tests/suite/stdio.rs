//! Standard streams: what a guest writes to fd 1 and 2 and reads from fd 0.

use capwasi_tests::Guest;

#[test]
fn hello_world_reaches_stdout() {
    let outcome = Guest::c("hello").run();
    outcome.assert_exit(0);
    assert_eq!(outcome.stdout_text(), "Hello, world!\n");
    assert_eq!(outcome.stderr_text(), "");
}
