//! A descriptor opened without saying whether it should be a directory (`path_open` with no
//! `directory` oflag) answers its first call, whatever that call is, as if its kind had been
//! known from the open: the OS backend learns the kind only when a call needs it.

use crate::fs_util::Sandbox;
use capwasi_tests::Guest;

#[test]
fn first_call_on_a_descriptor_of_unasked_kind_answers_for_its_real_kind() {
    let sb = Sandbox::new();
    sb.file("file.txt", "file contents\n").file("sub/inner.txt", "inner\n");
    let outcome = Guest::c("fs_kind").dir(sb.path(), "/sandbox").run();
    outcome.assert_exit(0);
    // 3 = directory, 4 = regular file; errnos: 8 badf, 54 notdir, 76 notcapable.
    let dir_then = "then type=3 readdir=1 read=0 path_open=1 size=0";
    let file_then = "then type=4 readdir=0 read=1 path_open=0 size=14";
    let expected = [
        format!("sub fd_read=8 n=-1\nsub fd_read {dir_then}"),
        format!("sub fd_readdir=0 used=1\nsub fd_readdir {dir_then}"),
        format!("sub fd_filestat_get=0 type=3\nsub fd_filestat_get {dir_then}"),
        format!("sub fd_fdstat_get=0 type=3\nsub fd_fdstat_get {dir_then}"),
        format!("sub path_open=0\nsub path_open {dir_then}"),
        format!("sub fd_seek=8\nsub fd_seek {dir_then}"),
        format!("sub fd_renumber=0\nsub fd_renumber {dir_then}"),
        "sub fd_close=0".to_string(),
        format!("file.txt fd_read=0 n=14\nfile.txt fd_read {file_then}"),
        format!("file.txt fd_readdir=54 used=-1\nfile.txt fd_readdir {file_then}"),
        format!("file.txt fd_filestat_get=0 type=4\nfile.txt fd_filestat_get {file_then}"),
        format!("file.txt fd_fdstat_get=0 type=4\nfile.txt fd_fdstat_get {file_then}"),
        format!("file.txt path_open=54\nfile.txt path_open {file_then}"),
        format!("file.txt fd_seek=0\nfile.txt fd_seek {file_then}"),
        format!("file.txt fd_renumber=0\nfile.txt fd_renumber {file_then}"),
        "file.txt fd_close=0".to_string(),
    ]
    .join("\n")
        + "\n";
    assert_eq!(outcome.stdout_text(), expected);
    sb.assert_outside_untouched();
}
