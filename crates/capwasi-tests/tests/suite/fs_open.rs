//! path_open's flag matrix (creat, excl, trunc, directory, follow), opening directories for
//! writing, and thousands of descriptors with lowest-number reuse.

use crate::fs_util::{Sandbox, Scenario};
use capwasi_tests::Guest;

pub(crate) fn scenarios() -> Vec<(&'static str, Scenario)> {
    vec![
        ("open/creat", || layout("creat")),
        ("open/trunc", || layout("trunc")),
        ("open/creat_read_only_rights", || layout("creat_read_only_rights")),
        ("open/append_read_only_rights", || layout("append_read_only_rights")),
        ("open/directories", || layout("directories")),
        ("open/symlinks", || layout("symlinks")),
        ("open/many", || layout("many")),
    ]
}

fn layout(mode: &str) -> (Sandbox, Guest) {
    let sb = Sandbox::new();
    sb.file("file.txt", "file contents\n")
        .file("keep.txt", "keep\n")
        .file("sub/inner.txt", "inner\n")
        .symlink("file.txt", "link")
        .symlink("sub", "dirlink");
    let guest = Guest::c("fs_open").args([mode]).dir(sb.path(), "/sandbox");
    (sb, guest)
}

use crate::fs_util::listing;
use std::fs;

#[track_caller]
fn run_expect(mode: &str, expected: &str) -> Sandbox {
    let (sb, guest) = layout(mode);
    let outcome = guest.run();
    outcome.assert_exit(0);
    assert_eq!(outcome.stdout_text(), expected);
    sb.assert_outside_untouched();
    sb
}

#[test]
fn fs_open_creat_and_excl() {
    let sb = run_expect(
        "creat",
        "creat new.txt=0 type=4\n\
         creat existing keep.txt=0 type=4\n\
         creat|excl keep.txt=20\n\
         creat|excl excl.txt=0 type=4\n\
         creat|excl excl.txt again=20\n\
         creat|excl link=20\n\
         creat|excl sub=20\n\
         excl without creat on keep.txt=0 type=4\n\
         creat in missing dir=44\n\
         missing without creat=44\n\
         empty path=44\n\
         creat sub (a directory)=31\n\
         creat|directory=28\n",
    );
    let p = sb.path();
    assert_eq!(fs::read(p.join("new.txt")).unwrap(), b"");
    assert_eq!(fs::read(p.join("excl.txt")).unwrap(), b"");
    assert_eq!(fs::read_to_string(p.join("keep.txt")).unwrap(), "keep\n", "creat without trunc keeps the contents");
    assert_eq!(fs::read_to_string(p.join("file.txt")).unwrap(), "file contents\n");
    assert_eq!(
        listing(p),
        ["dirlink", "excl.txt", "file.txt", "keep.txt", "link", "new.txt", "sub"].map(String::from).into()
    );
}

#[test]
fn fs_open_trunc_empties_the_file() {
    let sb = run_expect(
        "trunc",
        "trunc file.txt=0 type=4\n\
         creat|trunc keep.txt=0 type=4\n\
         trunc sub=31\n",
    );
    assert_eq!(fs::read(sb.path().join("file.txt")).unwrap(), b"");
    assert_eq!(fs::read(sb.path().join("keep.txt")).unwrap(), b"");
    assert_eq!(fs::read_to_string(sb.path().join("sub/inner.txt")).unwrap(), "inner\n");
}

/// POSIX `open(path, O_CREAT | O_RDONLY)` creates the file; wasi-libc maps it to path_open
/// with `creat` and rights without `fd_write`. capwasi hands `create(true)` without
/// `write(true)` to cap-std's `OpenOptions`, which (like std's) rejects that combination
/// with `InvalidInput`, so the guest sees `inval`. Likewise for `trunc` without `fd_write`.
/// wasmtime-wasi gives the answers below.
#[test]
fn fs_open_creat_with_read_only_rights_creates_the_file() {
    let sb = run_expect(
        "creat_read_only_rights",
        "creat with read rights only=0 type=4\n\
         creat|excl sub with read rights only=20\n\
         creat sub with read rights only=31\n\
         trunc sub with read rights only=31\n",
    );
    assert!(sb.path().join("ro-created.txt").is_file());
}

/// `append` is a status flag, not an access mode: with read rights only a directory still
/// opens for reading (Linux `open(dir, O_RDONLY | O_APPEND)` succeeds). capwasi passes
/// `append(true)` to cap-std's `OpenOptions`, which implies write access and opens the
/// host file `O_RDWR` (`isdir` for a directory; for a file, a writable host descriptor the
/// rights never asked for).
#[test]
fn fs_open_append_flag_with_read_rights_does_not_ask_for_write_access() {
    run_expect("append_read_only_rights", "sub with append and read rights=0 type=3\n");
}

#[test]
fn fs_open_directory_flag_and_opening_directories_for_writing() {
    run_expect(
        "directories",
        "directory on file.txt=54\n\
         directory on sub=0 type=3\n\
         sub without directory flag=0 type=3\n\
         sub for write=31\n\
         sub write only=31\n\
         . for write=31\n\
         directory|write on sub=31\n\
         .=0 type=3\n\
         sub/.=0 type=3\n\
         sub/..=0 type=3\n",
    );
}

#[test]
fn fs_open_follow_nofollow_and_directory_symlinks() {
    let sb = run_expect(
        "symlinks",
        "link follow=0 type=4\n\
         link nofollow=32\n\
         dirlink directory follow=0 type=3\n\
         dirlink follow=0 type=3\n\
         dirlink directory nofollow=32\n\
         dirlink nofollow=32\n\
         dirlink/inner.txt nofollow=0 type=4\n\
         link creat nofollow=32\n\
         link creat follow=0 type=4\n\
         dirlink/inner.txt via the dir fd: inner\n",
    );
    assert_eq!(fs::read_to_string(sb.path().join("file.txt")).unwrap(), "file contents\n");
    assert!(fs::symlink_metadata(sb.path().join("link")).unwrap().file_type().is_symlink());
}

#[test]
fn fs_open_thousands_of_fds_and_reuse_of_the_lowest_free_number() {
    run_expect(
        "many",
        "opened 2000: first=4 last=2003\n\
         closed 1500 10 1999 500; reopened: 10 500 1500 1999 2004\n\
         all read=1\n\
         after closing all, next=4\n",
    );
}
