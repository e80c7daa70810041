//! Rights: path_open grants the intersection of what was asked, what the directory passes
//! down and what the kind of object can use; fd_fdstat_get shows them; fd_fdstat_set_rights
//! only narrows; every call checks its own right.

use crate::fs_util::{Sandbox, Scenario};
use capwasi_tests::Guest;

pub(crate) fn scenarios() -> Vec<(&'static str, Scenario)> {
    vec![
        ("rights/initial", || layout("initial")),
        ("rights/intersection", || layout("intersection")),
        ("rights/set_rights", || layout("set_rights")),
        ("rights/missing", || layout("missing")),
    ]
}

fn layout(mode: &str) -> (Sandbox, Guest) {
    let sb = Sandbox::new();
    sb.file("file.txt", "0123456789").file("sub/f.txt", "sub f\n");
    let guest = Guest::c("fs_rights").args([mode]).dir(sb.path(), "/sandbox");
    (sb, guest)
}

use capwasi::types::Rights;

#[track_caller]
fn run_expect(mode: &str, expected: &str) -> Sandbox {
    let (sb, guest) = layout(mode);
    let outcome = guest.run();
    outcome.assert_exit(0);
    assert_eq!(outcome.stdout_text(), expected);
    sb.assert_outside_untouched();
    sb
}

fn hex(rights: Rights) -> String {
    format!("0x{:x}", rights.bits())
}

#[test]
fn fs_rights_fdstat_shows_the_rights_of_preopens_and_stdio() {
    let dir = Rights::DIRECTORY;
    run_expect(
        "initial",
        &format!(
            "preopen type=3 base={} inheriting={}\n\
             stdin type=0 base={} inheriting=0x0\n\
             stdout type=0 base={} inheriting=0x0\n",
            hex(dir),
            hex(dir | Rights::FILE),
            hex(Rights::FILE),
            hex(Rights::FILE),
        ),
    );
}

#[test]
fn fs_rights_path_open_grants_the_intersection_and_descendants_inherit_the_cut() {
    let read_seek = Rights::FD_READ | Rights::FD_SEEK;
    run_expect(
        "intersection",
        &format!(
            "file asked read|seek|tell|mkdir|readdir type=4 base={} inheriting=0x0\n\
             sub asked open|readdir|read inheriting read|seek type=3 base={} inheriting={}\n\
             sub/f.txt asked read|seek|tell type=4 base={} inheriting=0x0\n\
             tell sub/f.txt=76\n\
             seek sub/f.txt=0\n\
             open sub/f.txt for write=76\n\
             create sub/new.txt=76\n\
             stat sub/f.txt=76\n\
             mkdir sub/d=76\n\
             file asked nothing type=4 base=0x0 inheriting=0x0\n",
            hex(read_seek | Rights::FD_TELL),
            hex(Rights::PATH_OPEN | Rights::FD_READDIR),
            hex(read_seek),
            hex(read_seek),
        ),
    );
}

#[test]
fn fs_rights_set_rights_narrows_and_widening_is_notcapable() {
    let sb = run_expect(
        "set_rights",
        &format!(
            "opened type=4 base={rw} inheriting=0x0\n\
             narrow to read|tell=0\n\
             narrowed type=4 base={rt} inheriting=0x0\n\
             write after narrowing=76\n\
             seek after narrowing=76\n\
             tell after narrowing=0\n\
             widen to read|write=76\n\
             widen inheriting=76\n\
             same again=0\n\
             after refusals type=4 base={rt} inheriting=0x0\n\
             narrow to nothing=0\n\
             empty type=4 base=0x0 inheriting=0x0\n\
             preopen drop mkdir=0\n\
             mkdir d=76\n\
             preopen widen back=76\n\
             preopen drop inherited write=0\n\
             open for write=76\n\
             open for read=0\n",
            rw = hex(Rights::FD_READ | Rights::FD_WRITE | Rights::FD_SEEK | Rights::FD_TELL),
            rt = hex(Rights::FD_READ | Rights::FD_TELL),
        ),
    );
    assert_eq!(std::fs::read_to_string(sb.path().join("file.txt")).unwrap(), "0123456789");
    assert!(!sb.path().join("d").exists());
}

#[test]
fn fs_rights_every_call_lacking_its_right_is_notcapable() {
    let sb = run_expect(
        "missing",
        "fd_read without fd_read=76\n\
         fd_pread without fd_read=76\n\
         fd_write without fd_write=76\n\
         fd_pwrite without fd_write=76\n\
         fd_seek without fd_seek=76\n\
         fd_seek cur 0 without fd_seek=0\n\
         fd_pread without fd_seek=76\n\
         fd_tell without fd_tell=76\n\
         fd_filestat_get without its right=76\n\
         fd_filestat_set_size without its right=76\n\
         fd_filestat_set_times without its right=76\n\
         fd_advise without its right=76\n\
         fd_allocate without its right=76\n\
         fd_sync without its right=76\n\
         fd_datasync without its right=76\n\
         fd_fdstat_set_flags without its right=76\n\
         content=0123456789\n",
    );
    assert_eq!(std::fs::read_to_string(sb.path().join("file.txt")).unwrap(), "0123456789");
}
