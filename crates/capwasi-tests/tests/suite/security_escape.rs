//! Escape suite, beyond `fs_sandbox`: hard links to files outside, renames and links between a
//! writable and a read-only preopen, `fd_renumber` onto a preopen, `/proc/self/...` names.
//! Every test checks from the host that nothing outside the grants was read, written, created
//! or re-timed ([`Arena::assert_outside_untouched`]) and that no outside byte reached the guest.
//! (Writes through a read-only preopen by every mutating call are `fs_readonly`'s.)

use crate::fs_util::tree;
use crate::security_util::{basic_layout, symlink, Arena, SECRET};
use capwasi_tests::{Guest, Outcome};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Runs `security_escape MODE`, checks it exited 0 with exactly `expected` on stdout and
/// never printed an outside byte, and that nothing outside changed.
#[track_caller]
fn check(arena: &Arena, guest: Guest, expected: &str) -> Outcome {
    let outcome = guest.run();
    outcome.assert_exit(0);
    assert_eq!(outcome.stdout_text(), expected);
    assert!(!outcome.stdout_text().contains(SECRET) && !outcome.stderr_text().contains(SECRET));
    arena.assert_outside_untouched();
    outcome
}

#[test]
fn security_hard_links_to_files_outside_are_perm_and_create_nothing() {
    let arena = Arena::new(&["sandbox"], |dirs| {
        let sb = &dirs[0];
        basic_layout(sb);
        let root = sb.parent().unwrap();
        symlink(sb, "..", "up");
        symlink(sb, root.join("outside"), "upabs");
        symlink(sb, "../outside.txt", "outlink");
        symlink(sb, root.join("outside.txt"), "outabs");
    });
    let sb = arena.dir(0);
    let guest = Guest::c("security_escape").args(["hardlink_out"]).dir(sb, "/sandbox");
    check(
        &arena,
        guest,
        "link ../outside.txt -> stolen1=63\n\
         link dir/../../outside.txt -> stolen2=63\n\
         link up/outside.txt -> stolen3=63\n\
         link up/outside/secret.txt -> stolen4=63\n\
         link upabs/secret.txt -> stolen5=63\n\
         link outlink follow -> stolen6=28\n\
         link outabs follow -> stolen7=28\n\
         link outlink/ -> stolen8=63\n\
         link up/outside -> stolen9=63\n\
         link outlink -> samelink=0\n\
         lstat samelink=0 type=7\n\
         open samelink=63\n\
         stat samelink=63\n\
         link file.txt -> ../linked=63\n\
         link file.txt -> up/linked=63\n\
         link file.txt -> up/outside/linked=63\n\
         link file.txt -> upabs/linked=63\n\
         link file.txt -> dir/../../linked=63\n\
         link file.txt -> up/outside.txt=63\n\
         link file.txt -> outlink=20\n\
         link dir -> dirlink=63\n\
         link file.txt -> dir/hard=0\n\
         open dir/hard=0 read \"inside\"\n",
    );
    for i in 1..=9 {
        assert!(fs::symlink_metadata(sb.join(format!("stolen{i}"))).is_err(), "stolen{i} was created");
    }
    assert!(!sb.join("dirlink").exists());
    // The one link made names the symlink itself, which still points where it did.
    let same = fs::symlink_metadata(sb.join("samelink")).unwrap();
    assert!(same.file_type().is_symlink());
    assert_eq!(fs::read_link(sb.join("samelink")).unwrap(), Path::new("../outside.txt"));
    assert_eq!(same.ino(), fs::symlink_metadata(sb.join("outlink")).unwrap().ino());
    assert_eq!(fs::read_to_string(sb.join("dir/hard")).unwrap(), "inside\n");
    assert_eq!(fs::metadata(sb.join("file.txt")).unwrap().nlink(), 2);
}

#[test]
fn security_rename_and_link_between_a_writable_and_a_read_only_preopen_are_notcapable() {
    let arena = Arena::new(&["rw", "ro"], |dirs| {
        fs::write(dirs[0].join("a.txt"), "rw a\n").unwrap();
        fs::create_dir(dirs[0].join("sub")).unwrap();
        fs::write(dirs[1].join("b.txt"), "ro b\n").unwrap();
        fs::create_dir(dirs[1].join("d")).unwrap();
        fs::write(dirs[1].join("d/inner.txt"), "ro inner\n").unwrap();
        fs::create_dir(dirs[1].join("emptyd")).unwrap();
    });
    let (rw, ro) = (arena.dir(0), arena.dir(1));
    let (rw_before, ro_before) = (tree(rw), tree(ro));
    let guest = Guest::c("security_escape").args(["ro_pair"]).dir(rw, "/rw").dir_read_only(ro, "/ro");
    check(
        &arena,
        guest,
        "rename rw:a.txt -> ro:a.txt=76\n\
         rename rw:a.txt -> ro:b.txt=76\n\
         rename rw:sub -> ro:newsub=76\n\
         rename rw:sub -> ro:emptyd=76\n\
         rename ro:b.txt -> rw:b.txt=76\n\
         rename ro:b.txt -> rw:a.txt=76\n\
         rename ro:d -> rw:d=76\n\
         rename ro:emptyd -> rw:sub=76\n\
         rename ro:d/inner.txt -> rw:inner.txt=76\n\
         link rw:a.txt -> ro:a.txt=76\n\
         link ro:b.txt -> rw:b.txt=76\n\
         link ro:d/inner.txt -> rw:inner.txt=76\n\
         rename rw:a.txt -> ro:../rw/x.txt=76\n\
         rename rw:a.txt -> rw:../ro/a.txt=63\n\
         link rw:../ro/b.txt -> rw:b.txt=63\n\
         symlink ../ro/b.txt -> rw:tob=0\n\
         open rw:tob for write=63\n\
         open rw:tob=63\n\
         open rw:../ro/b.txt for write=63\n\
         rename rw:a.txt -> ro/d:a.txt=76\n\
         link rw:a.txt -> ro/d:a.txt=76\n\
         rename ro/d:inner.txt -> rw:inner.txt=76\n\
         link ro/d:inner.txt -> rw:inner.txt=76\n\
         rename ro:b.txt -> rw/sub:b.txt=76\n\
         link ro:b.txt -> rw/sub:b.txt=76\n\
         rename rw/sub:../a.txt -> ro:a.txt=76\n\
         open ro:b.txt=0 read \"ro b\"\n\
         open rw:a.txt=0 read \"rw a\"\n",
    );
    assert_eq!(tree(ro), ro_before, "the read-only preopen changed");
    // The writable one gained only the symlink; everything else is as it was.
    let mut rw_after = tree(rw);
    assert!(rw_after.remove(Path::new("tob")).unwrap().starts_with("link -> ../ro/b.txt"));
    rw_after.remove(Path::new(""));
    let mut rw_before = rw_before;
    rw_before.remove(Path::new(""));
    assert_eq!(rw_after, rw_before);
    assert_eq!(fs::metadata(ro.join("b.txt")).unwrap().nlink(), 1);
}

#[test]
fn security_renumber_onto_a_preopen_number_carries_only_the_moved_descriptors_reach() {
    let arena = Arena::new(&["sandbox", "ro"], |dirs| {
        basic_layout(&dirs[0]);
        fs::write(dirs[1].join("b.txt"), "ro b\n").unwrap();
    });
    let (sb, ro) = (arena.dir(0), arena.dir(1));
    let ro_before = tree(ro);
    // Under the dup2 opt-in, so the descriptor can also be moved to the highest numbers.
    let guest = Guest::c("security_escape").args(["renumber"]).dir(sb, "/sandbox").dir_read_only(ro, "/ro").renumber_like_dup2();
    check(
        &arena,
        guest,
        "opened dir as 5\n\
         renumber dir -> 3=0\n\
         prestat 3=8\n\
         fdstat old number=8\n\
         open 3:inner.txt=0 read \"inner\"\n\
         open 3:../file.txt=63\n\
         open 3:..=63\n\
         open 3:../../outside.txt=63\n\
         create 3:../created.txt=63\n\
         mkdir 3:../newdir=63\n\
         symlink ../file.txt -> 3:up=0\n\
         open 3:up=63\n\
         rename 3:inner.txt -> 3:../moved.txt=63\n\
         renumber 4 -> 3=0\n\
         prestat 3=0 /ro\n\
         prestat 4=8\n\
         open 3:b.txt=0 read \"ro b\"\n\
         create 3:new.txt=76\n\
         open 3:b.txt for write=76\n\
         unlink 3:b.txt=76\n\
         mkdir 3:newdir=76\n\
         open 3:../sandbox/file.txt=63\n\
         widen 3=76\n\
         renumber 3 -> 0=0\n\
         prestat 0=0 /ro\n\
         fd_read 0=8\n\
         open 0:b.txt=0 read \"ro b\"\n\
         open 0:../outside.txt=63\n\
         create 0:x=76\n\
         renumber 0 -> 65535=0\n\
         open 65535:b.txt=0 read \"ro b\"\n\
         open 65535:../outside/secret.txt=63\n\
         renumber 65535 -> 65536=8\n\
         fdstat 65535=0\n",
    );
    assert_eq!(tree(ro), ro_before, "the read-only preopen changed");
    assert!(!sb.join("created.txt").exists() && !sb.join("newdir").exists() && !sb.join("moved.txt").exists());
    assert_eq!(fs::read_to_string(sb.join("dir/inner.txt")).unwrap(), "inner\n");
    assert_eq!(fs::read_link(sb.join("dir/up")).unwrap(), Path::new("../file.txt"));
}

#[test]
fn security_proc_self_names_are_refused_absolute_as_link_targets_or_through_symlinks() {
    let arena = Arena::new(&["sandbox"], |dirs| {
        let sb = &dirs[0];
        basic_layout(sb);
        let root = sb.parent().unwrap();
        symlink(sb, Path::new("/proc/self/root").join(root.strip_prefix("/").unwrap()).join("outside.txt"), "hostproc");
        symlink(sb, Path::new("/proc/self/root").join(root.strip_prefix("/").unwrap()).join("outside"), "hostprocdir");
        for (target, name) in [
            ("/proc/self/root", "pr"),
            ("/proc/self/cwd", "pc"),
            ("/proc/self/fd/3", "pf"),
            ("/proc/self/fd", "pfd"),
            ("/proc/thread-self/root", "pt"),
            ("/dev/fd/3", "df"),
        ] {
            symlink(sb, target, name);
        }
    });
    let sb = arena.dir(0);
    // The host path really does reach the outside file (so the refusals below mean something);
    // checked before the arena's stamps would notice, through lstat only.
    assert!(fs::symlink_metadata(fs::read_link(sb.join("hostproc")).unwrap()).is_ok());
    let guest = Guest::c("security_escape").args(["proc_self"]).dir(sb, "/sandbox");
    check(
        &arena,
        guest,
        "open /proc/self/root=63\n\
         open /proc/self/root/etc/passwd=63\n\
         open /proc/self/cwd=63\n\
         open /proc/self/fd/3=63\n\
         open /dev/fd/3=63\n\
         stat /proc/self/root=63\n\
         mkdir /proc/self/cwd/evil=63\n\
         symlink /proc/self/root -> made_pr=63\n\
         symlink /proc/self/cwd -> made_pc=63\n\
         symlink /proc/self/fd/3 -> made_pf=63\n\
         symlink /proc/self/fd -> made_pfd=63\n\
         symlink /proc/thread-self/root -> made_pt=63\n\
         symlink /dev/fd/3 -> made_df=63\n\
         symlink ../../../../../../../../../../proc/self/root -> rel=0\n\
         open pr=63\n\
         open pr nofollow=32\n\
         open pr/etc/passwd=63\n\
         open pr/etc/passwd nofollow=63\n\
         open pc=63\n\
         open pf=63\n\
         open pfd/3=63\n\
         open pt=63\n\
         open df=63\n\
         open rel=63\n\
         open rel/etc/passwd=63\n\
         stat pr=63\n\
         stat pf=63\n\
         lstat pr=0 type=7\n\
         create pr/tmp/capwasi-evil=63\n\
         create pc/capwasi-evil=63\n\
         mkdir pc/capwasi-evil-dir=63\n\
         set_times pf follow=63\n\
         open hostproc=63\n\
         open hostprocdir/secret.txt=63\n\
         stat hostproc=63\n\
         create hostprocdir/new.txt=63\n\
         link hostproc -> hp=0\n\
         open hp=63\n",
    );
    assert!(!Path::new("/tmp/capwasi-evil").exists());
    let cwd = std::env::current_dir().unwrap();
    assert!(!cwd.join("capwasi-evil").exists() && !cwd.join("capwasi-evil-dir").exists() && !cwd.join("evil").exists());
    assert!(fs::symlink_metadata(sb.join("hp")).unwrap().file_type().is_symlink());
}
