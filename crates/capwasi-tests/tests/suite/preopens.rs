//! Preopened directories as the guest discovers them: `fd_prestat_get`,
//! `fd_prestat_dir_name`, and the file calls a directory descriptor refuses.

use capwasi_tests::Guest;

#[test]
fn preopens_are_listed_in_order_from_fd_3_with_their_guest_names() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let outcome = Guest::c("preopens").dir(a.path(), "/a").dir(b.path(), "/b/c").run();
    outcome.assert_exit(0);
    assert_eq!(outcome.stdout_text(), "3 /a\n4 /b/c\n2 preopens\n");
}

#[test]
fn preopen_names_may_be_relative_or_non_ascii() {
    let a = tempfile::tempdir().unwrap();
    let outcome = Guest::c("preopens").dir(a.path(), ".").dir(a.path(), "/données/日本").run();
    outcome.assert_exit(0);
    assert_eq!(outcome.stdout_text(), "3 .\n4 /données/日本\n2 preopens\n");
}

#[test]
fn no_preopens_means_fd_3_is_badf() {
    let outcome = Guest::c("preopens").run();
    outcome.assert_exit(0);
    assert_eq!(outcome.stdout_text(), "0 preopens\n");
}

#[test]
fn preopen_refuses_file_io_reports_directory_and_is_gone_after_close() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = Guest::c("preopen_errors").dir(dir.path(), "/sandbox").run();
    outcome.assert_exit(0);
    assert_eq!(
        outcome.stdout_text(),
        "fd_read(3): errno 8\n\
         fd_write(3): errno 8\n\
         fd_prestat_get(0): errno 8\n\
         fd_prestat_get(1): errno 8\n\
         fd_prestat_get(2): errno 8\n\
         fd_prestat_get(3): errno 0\n\
         prestat tag 0 name length 8\n\
         fd_prestat_dir_name(3, len - 1): errno 37\n\
         fd_prestat_dir_name(3, 0): errno 37\n\
         fd_prestat_dir_name(3, 64): errno 0\n\
         name /sandbox\n\
         fd_fdstat_get(3): errno 0\n\
         filetype 3 flags 0\n\
         fd_close(3): errno 0\n\
         fd_prestat_get(3) after close: errno 8\n\
         fd_prestat_dir_name(3) after close: errno 8\n\
         fd_fdstat_get(3) after close: errno 8\n\
         fd_close(3) again: errno 8\n"
    );
    assert_eq!(outcome.stderr_text(), "");
}
