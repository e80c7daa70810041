//! Read-only preopens (`WasiCtxBuilder::preopened_dir_read_only`): every mutating call is
//! `notcapable`, opening with write rights is `notcapable`, reading works, and the host
//! directory is byte-for-byte and timestamp-for-timestamp unchanged.

use crate::fs_util::{tree, Sandbox};
use capwasi::types::Rights;
use capwasi_tests::{Guest, Outcome};

fn run_read_only(mode: &str) -> (Sandbox, Outcome) {
    let sb = Sandbox::new();
    sb.file("file.txt", "read only data\n").file("sub/inner.txt", "inner\n").mkdir("emptydir");
    sb.symlink("file.txt", "link");
    let before = tree(sb.path());
    let guest = Guest::c("fs_readonly").args([mode]).dir_read_only(sb.path(), "/ro");
    let outcome = guest.run();
    assert_eq!(tree(sb.path()), before, "the read-only directory changed");
    sb.assert_outside_untouched();
    (sb, outcome)
}

#[test]
fn fs_readonly_every_mutating_call_is_notcapable_and_nothing_changes() {
    let (_sb, outcome) = run_read_only("mutate");
    outcome.assert_exit(0);
    let read_only_file = Rights::FILE - Rights::FILE_MUTATING;
    assert_eq!(
        outcome.stdout_text(),
        format!(
            "create new.txt=76\n\
             create existing file.txt=76\n\
             create excl new.txt=76\n\
             open file.txt for write=76\n\
             open file.txt read|write=76\n\
             open file.txt append=76\n\
             open file.txt trunc=76\n\
             open link for write=76\n\
             open file.txt with all rights=76\n\
             file opened with all rights but fd_write: base=0x{:x} inheriting=0x0\n\
             fd_write=76\n\
             fd_pwrite=76\n\
             fd_filestat_set_size=76\n\
             fd_filestat_set_times=76\n\
             fd_filestat_set_times explicit=76\n\
             fd_allocate=76\n\
             fd_fdstat_set_rights widen=76\n\
             path_rename=76\n\
             path_rename onto existing=76\n\
             path_unlink_file=76\n\
             path_unlink_file link=76\n\
             path_filestat_set_times now=76\n\
             path_filestat_set_times explicit=76\n\
             path_link=76\n\
             path_symlink=76\n\
             path_create_directory=76\n\
             path_remove_directory=76\n\
             fd_filestat_set_times on the preopen=76\n\
             widen the preopen=76\n\
             sub: path_create_directory=76\n\
             sub: create=76\n\
             sub: open for write=76\n\
             sub: unlink=76\n\
             sub: rename into the preopen=76\n\
             sub: widen=76\n\
             fopen w: failed errno=76\n\
             fopen a: failed errno=76\n\
             fopen w new: failed errno=76\n\
             mkdir: -1 errno=76\n\
             rename: -1 errno=76\n\
             unlink: -1 errno=76\n",
            read_only_file.bits()
        )
    );
    assert_eq!(outcome.stderr_text(), "");
}

#[test]
fn fs_readonly_reading_works() {
    let (_sb, outcome) = run_read_only("read");
    outcome.assert_exit(0);
    assert_eq!(
        outcome.stdout_text(),
        "read 15: read only data\n\
         seek=0\n\
         read at 5: only\n\
         pread at 0: read\n\
         size=15\n\
         lstat link type=7\n\
         stat link type=4\n\
         readlink link: file.txt\n\
         fopen r sub/inner.txt: inner\n\
         readdir: . .. emptydir file.txt link sub\n"
    );
}
