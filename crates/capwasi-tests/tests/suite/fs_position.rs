//! Positions and status flags: independent positions, vectored I/O that fills and drains
//! every buffer, pread/pwrite that leave the position alone, append, set_flags, seeking;
//! fd_allocate and fd_advise.

use crate::fs_util::{Sandbox, Scenario};
use capwasi_tests::Guest;

pub(crate) fn scenarios() -> Vec<(&'static str, Scenario)> {
    vec![
        ("position/independent", || layout("independent")),
        ("position/iovecs", || layout("iovecs")),
        ("position/pread_pwrite", || layout("pread_pwrite")),
        ("position/append", || layout("append")),
        ("position/pwrite_append", || layout("pwrite_append")),
        ("position/set_flags", || layout("set_flags")),
        ("position/sync_flags", || layout("sync_flags")),
        ("position/seeking", || layout("seeking")),
        ("position/allocate", || layout("allocate")),
        ("position/allocate_zero", || layout("allocate_zero")),
        ("position/advise", || layout("advise")),
        ("position/sync", || layout("sync")),
    ]
}

const DATA: &str = "0123456789abcdef";

fn layout(mode: &str) -> (Sandbox, Guest) {
    let sb = Sandbox::new();
    sb.file("data.txt", DATA);
    let guest = Guest::c("fs_position").args([mode]).dir(sb.path(), "/sandbox");
    (sb, guest)
}

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

fn data(sb: &Sandbox) -> Vec<u8> {
    fs::read(sb.path().join("data.txt")).unwrap()
}

#[test]
fn fs_position_two_fds_on_one_file_keep_independent_positions() {
    let sb = run_expect(
        "independent",
        "a read 3: 012\n\
         b read 5: 01234\n\
         a tell=3 b tell=5\n\
         a read 2: 34\n\
         b seek end-2=14 read: ef\n\
         a tell=7 b tell=16\n\
         b reads a's write: 01234AB789abcdef\n",
    );
    assert_eq!(data(&sb), b"01234AB789abcdef");
}

/// wasmtime-wasi writes only the first non-empty buffer of an fd_write and fills only the
/// first of an fd_read (a short count the guest must loop on); capwasi drains and fills all.
#[test]
fn fs_position_fd_write_drains_and_fd_read_fills_all_three_iovecs() {
    let sb = run_expect(
        "iovecs",
        "fd_write 3 iovecs=0\n\
         nwritten=8000\n\
         fd_write abc,,defgh=0\n\
         nwritten=8 tell=8008\n\
         fd_read 2,3,15 at 7998=0\n\
         nread=10 x=cc y=abc z=defgh\n\
         fd_pread 5000,1,3007 at 0=0\n\
         npread=8008 contents_ok=1\n",
    );
    let mut expected = vec![b'a'; 5000];
    expected.extend(vec![b'c'; 3000]);
    expected.extend(b"abcdefgh");
    assert_eq!(fs::read(sb.path().join("out.txt")).unwrap(), expected);
}

#[test]
fn fs_position_pread_and_pwrite_do_not_move_the_position() {
    let sb = run_expect(
        "pread_pwrite",
        "pread 3 at 10=0\n\
         got abc tell=4\n\
         pwrite XY at 0=0\n\
         tell=4\n\
         pwrite Z at 20=0\n\
         tell=4 read 2: 45\n\
         pread at 100=0\n\
         nread=0\n",
    );
    let mut expected = b"XY23456789abcdef".to_vec();
    expected.extend([0; 4]);
    expected.push(b'Z');
    assert_eq!(data(&sb), expected);
}

#[test]
fn fs_position_append_fd_writes_at_the_end_wherever_the_position_is() {
    let sb = run_expect(
        "append",
        "flags=1\n\
         tell after write=18\n\
         read at 3: 34\n\
         tell after second write=20\n",
    );
    assert_eq!(data(&sb), b"0123456789abcdef++--");
}

/// Linux `pwrite` on an `O_APPEND` descriptor ignores the offset and appends; capwasi passes
/// that through (so does wasmtime-wasi). POSIX and the BSDs write at the offset, so this is
/// the Linux answer, not a portable one.
#[test]
fn fs_position_pwrite_on_an_append_fd_appends_on_linux() {
    let sb = run_expect("pwrite_append", "pwrite P at 0 on append fd=0\ntell=0\n");
    if cfg!(target_os = "linux") {
        assert_eq!(data(&sb), b"0123456789abcdefP");
    }
}

#[test]
fn fs_position_set_flags_append_and_nonblock_round_trip_through_fdstat() {
    let sb = run_expect(
        "set_flags",
        "opened flags=0\n\
         set append=0\n\
         after append flags=1\n\
         set append|nonblock=0\n\
         after append|nonblock flags=5\n\
         set nonblock=0\n\
         after nonblock flags=4\n\
         clear=0\n\
         cleared flags=0\n\
         set unknown bit 32=28\n\
         after unknown flags=0\n\
         opened nonblock flags=4\n",
    );
    // "!" went to the end under append; "<" to the position (0) once append was cleared.
    assert_eq!(data(&sb), b"<123456789abcdef!");
}

/// Sync flags are honoured at open and cannot change later (`notsup`; wasmtime-wasi says
/// `inval` and refuses them at open with `notsup`). Linux defines `O_RSYNC` as `O_SYNC`,
/// so `sync` reads back as `rsync|sync` there; the in-memory backend reports the flags as
/// given.
#[test]
fn fs_position_sync_flags_are_honoured_at_open_and_fixed_after() {
    let flags = if crate::fs_util::host_inodes() { 26 } else { 18 };
    run_expect(
        "sync_flags",
        &format!("opened dsync|sync flags={flags}\n\
         set dsync later=58\n\
         flags=0\n"),
    );
}

#[test]
fn fs_position_negative_seek_is_inval_and_directories_cannot_seek() {
    run_expect(
        "seeking",
        "seek set -1=28\n\
         seek cur -4 from 3=28\n\
         tell=3\n\
         seek end -17=28\n\
         seek end -1=0\n\
         pos=15 read: f\n\
         seek cur -2=0\n\
         pos=14\n\
         seek set 100 past the end=0\n\
         pos=100 tell=100\n\
         seek whence 3=28\n\
         seek on the preopen=8\n\
         seek cur 0 on the preopen=8\n\
         tell on the preopen=8\n\
         seek on an opened dir=8\n\
         seek on a closed fd=8\n",
    );
}

#[test]
fn fs_position_allocate_grows_the_file_and_never_shrinks_it() {
    let sb = run_expect(
        "allocate",
        "allocate 0+4096=0\n\
         size=4096\n\
         allocate 8000+100=0\n\
         size=8100\n\
         allocate 10+10 inside=0\n\
         size=8100 tell=0\n\
         allocate on the preopen=8\n",
    );
    let bytes = fs::read(sb.path().join("alloc.bin")).unwrap();
    assert_eq!(bytes.len(), 8100);
    assert!(bytes.iter().all(|&b| b == 0));
}

/// `posix_fallocate` with a zero length is EINVAL; wasmtime-wasi answers `notsup` to every
/// fd_allocate.
#[test]
fn fs_position_allocate_of_zero_bytes_is_inval() {
    let sb = run_expect("allocate_zero", "allocate 0+0=28\n");
    assert_eq!(fs::metadata(sb.path().join("alloc.bin")).unwrap().len(), 0);
}

#[test]
fn fs_position_advise_accepts_every_advice_and_rejects_unknown_ones() {
    let sb = run_expect(
        "advise",
        "advice 0=0\n\
         advice 1=0\n\
         advice 2=0\n\
         advice 3=0\n\
         advice 4=0\n\
         advice 5=0\n\
         advice 0 whole file=0\n\
         advice 6=28\n\
         advice 255=28\n\
         advice on the preopen=8\n",
    );
    assert_eq!(data(&sb), DATA.as_bytes());
}

/// fsync on a directory makes its entries durable (capwasi); wasmtime-wasi answers badf.
#[test]
fn fs_position_sync_and_datasync_files_and_sync_directories() {
    let sb = run_expect(
        "sync",
        "fd_sync file=0\n\
         fd_datasync file=0\n\
         fd_sync opened dir=0\n\
         fd_datasync opened dir=8\n\
         fd_close file=0\n\
         fd_close dir=0\n\
         fd_sync closed=8\n",
    );
    assert_eq!(data(&sb), b"synced6789abcdef");
}
