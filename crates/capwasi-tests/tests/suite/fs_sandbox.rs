//! The sandbox: no path, `..`, absolute path, symlink (relative or absolute target) or
//! trailing slash reaches outside the preopen it was resolved from. Each test checks from the
//! host that nothing beside the sandbox was read, written or created (see
//! [`Sandbox::assert_outside_untouched`]) and that the guest never printed the outside bytes.

use crate::fs_util::{Sandbox, Scenario, SECRET};
use capwasi_tests::{Guest, Outcome};
use std::path::PathBuf;

pub(crate) fn scenarios() -> Vec<(&'static str, Scenario)> {
    vec![
        ("sandbox/dotdot", || layout("dotdot")),
        ("sandbox/absolute", || layout("absolute")),
        ("sandbox/symlink_root", || layout("symlink_root")),
        ("sandbox/symlink_up", || layout("symlink_up")),
        ("sandbox/symlink_absolute", || layout("symlink_absolute")),
        ("sandbox/chains", || layout("chains")),
        ("sandbox/dotdot_symlinked_dir", || layout("dotdot_symlinked_dir")),
        ("sandbox/trailing_slash", || layout("trailing_slash")),
        ("sandbox/lstat_trailing_slash", || layout("lstat_trailing_slash")),
        ("sandbox/two_preopens", two_preopens_layout),
    ]
}

/// A name the guest tries to create two levels above the sandbox, beside the parent
/// temporary directory (so it is unique to this run).
fn escape_name(sb: &Sandbox) -> String {
    format!("{}-escaped", sb.root().file_name().unwrap().to_str().unwrap())
}

fn escape_path(sb: &Sandbox) -> PathBuf {
    sb.root().parent().unwrap().join(escape_name(sb))
}

/// `sandbox/{file.txt, sub/f.txt, sub/deep/}` preopened as `/sandbox`, running `mode`.
fn layout(mode: &str) -> (Sandbox, Guest) {
    let sb = Sandbox::new();
    sb.file("file.txt", "inside\n").file("sub/f.txt", "sub f\n").mkdir("sub/deep");
    let mut args = vec![mode.to_string()];
    match mode {
        "dotdot" | "symlink_up" => args.push(escape_name(&sb)),
        "absolute" => args.push(sb.outside_file().to_str().unwrap().to_string()),
        // The guest may not make links with absolute targets; the host may, and the guest
        // must never be led out by them.
        "symlink_root" => {
            sb.symlink("/", "root");
        }
        "symlink_absolute" => {
            let outside = sb.outside_file().to_str().unwrap().to_string();
            let new = sb.root().join("outside/new.txt").to_str().unwrap().to_string();
            sb.symlink("/etc/passwd", "passwd").symlink(&outside, "hostlink").symlink(&new, "newlink");
            sb.symlink("/file.txt", "selfabs");
            args.extend([outside, new]);
        }
        _ => {}
    }
    let guest = Guest::c("fs_sandbox").args(args).dir(sb.path(), "/sandbox");
    (sb, guest)
}

fn two_preopens_layout() -> (Sandbox, Guest) {
    let sb = Sandbox::with_dirs(&["a", "b"]);
    std::fs::write(sb.dir(0).join("x.txt"), "moved across\n").unwrap();
    std::fs::create_dir(sb.dir(0).join("d")).unwrap();
    std::fs::write(sb.dir(0).join("d/inner.txt"), "inner\n").unwrap();
    let guest = Guest::c("fs_sandbox").args(["two_preopens"]).dir(sb.dir(0), "/a").dir(sb.dir(1), "/b");
    (sb, guest)
}

/// Runs `mode`, checks the exit, the exact output and that nothing outside changed.
#[track_caller]
fn run_expect(mode: &str, expected: &str) -> (Sandbox, Outcome) {
    let (sb, guest) = layout(mode);
    let outcome = guest.run();
    outcome.assert_exit(0);
    assert_eq!(outcome.stdout_text(), expected);
    assert!(!outcome.stdout_text().contains(SECRET));
    sb.assert_outside_untouched();
    assert!(!escape_path(&sb).exists(), "created {}", escape_path(&sb).display());
    (sb, outcome)
}

#[test]
fn fs_sandbox_dotdot_never_climbs_above_the_preopen() {
    let (sb, _) = run_expect(
        "dotdot",
        "open ../outside.txt=63\n\
         open ..=63\n\
         open sub/../../outside.txt=63\n\
         open ../sandbox/file.txt=63\n\
         open ../outside/secret.txt=63\n\
         open sub/../file.txt=0 read \"inside\"\n\
         open ./sub/./../file.txt=0 read \"inside\"\n\
         create ../../NAME=63\n\
         create ../created.txt=63\n\
         stat ../outside.txt=63\n\
         mkdir ../newdir=63\n\
         rmdir ../outside=63\n\
         unlink ../outside.txt=63\n\
         rename file.txt -> ../moved.txt=63\n\
         rename ../outside.txt -> stolen.txt=63\n\
         link ../outside.txt -> stolen.txt=63\n\
         link file.txt -> ../linked.txt=63\n\
         symlink x -> ../link=63\n\
         set_times ../outside.txt=63\n\
         readlink ../outside.txt=63\n",
    );
    assert_eq!(std::fs::read_to_string(sb.path().join("file.txt")).unwrap(), "inside\n");
    assert!(!sb.path().join("stolen.txt").exists());
}

#[test]
fn fs_sandbox_absolute_paths_are_perm_for_every_call() {
    let (sb, _) = run_expect(
        "absolute",
        "open /=63\n\
         open /etc/passwd=63\n\
         open HOST_OUTSIDE=63\n\
         open /file.txt=63\n\
         create /abs.txt=63\n\
         stat /=63\n\
         stat HOST_OUTSIDE=63\n\
         mkdir /tmp/capwasi-abs=63\n\
         unlink HOST_OUTSIDE=63\n\
         rename file.txt -> /moved.txt=63\n\
         link file.txt -> /linked.txt=63\n\
         symlink x -> /link=63\n",
    );
    // Not even resolved against the sandbox itself.
    assert!(!sb.path().join("abs.txt").exists());
    assert!(sb.path().join("file.txt").exists());
}

#[test]
fn fs_sandbox_symlink_to_root_cannot_be_made_and_one_placed_by_the_host_is_never_followed() {
    let (sb, _) = run_expect(
        "symlink_root",
        "symlink / -> made=63\n\
         lstat made=44\n\
         readlink root=63 \"\"\n\
         lstat root=0 type=7\n\
         stat root=63\n\
         open root=63\n\
         open root nofollow=32\n\
         open root/etc/passwd=63\n\
         open root/etc/passwd nofollow=63\n\
         create root/x=63\n\
         mkdir root/tmp/capwasi-evil=63\n\
         unlink root=0\n",
    );
    assert!(std::fs::symlink_metadata(sb.path().join("made")).is_err());
    assert!(!sb.path().join("root").exists() && std::fs::symlink_metadata(sb.path().join("root")).is_err());
    assert!(!std::path::Path::new("/tmp/capwasi-evil").exists());
    assert!(!std::path::Path::new("/x").exists());
}

#[test]
fn fs_sandbox_symlinks_climbing_with_dotdot_are_perm_when_followed() {
    let (sb, _) = run_expect(
        "symlink_up",
        "symlink ../.. -> up2=0\n\
         symlink .. -> up1=0\n\
         symlink ../outside.txt -> out=0\n\
         symlink ../../outside.txt -> sub/out=0\n\
         symlink sub/../.. -> up1b=0\n\
         readlink up2=0 \"../..\"\n\
         open up2=63\n\
         open up1=63\n\
         open up1/outside.txt=63\n\
         open up1/outside.txt nofollow=63\n\
         open up1b/outside.txt=63\n\
         open out=63\n\
         open sub/out=63\n\
         stat out=63\n\
         lstat out=0 type=7\n\
         create up1/created.txt=63\n\
         create up2/NAME=63\n\
         mkdir up1/newdir=63\n\
         unlink up1/outside.txt=63\n\
         rename up1/outside.txt -> stolen=63\n\
         set_times out follow=63\n\
         unlink out=0\n",
    );
    // The links are stored exactly as given.
    assert_eq!(std::fs::read_link(sb.path().join("up2")).unwrap(), PathBuf::from("../.."));
    assert_eq!(std::fs::read_link(sb.path().join("sub/out")).unwrap(), PathBuf::from("../../outside.txt"));
    assert!(std::fs::symlink_metadata(sb.path().join("out")).is_err());
}

#[test]
fn fs_sandbox_absolute_symlink_targets_are_refused_and_host_made_ones_never_followed() {
    let (sb, _) = run_expect(
        "symlink_absolute",
        "symlink /etc/passwd -> made1=63\n\
         symlink HOST_OUTSIDE -> made2=63\n\
         symlink HOST_NEW -> made3=63\n\
         symlink /file.txt -> made4=63\n\
         lstat made1=44\n\
         readlink hostlink=63 \"\"\n\
         open passwd=63\n\
         open hostlink=63\n\
         open selfabs=63\n\
         stat hostlink=63\n\
         lstat hostlink=0 type=7\n\
         create newlink=63\n\
         set_times hostlink follow=63\n",
    );
    for made in ["made1", "made2", "made3", "made4"] {
        assert!(std::fs::symlink_metadata(sb.path().join(made)).is_err(), "{made} was created");
    }
    assert_eq!(std::fs::read_link(sb.path().join("hostlink")).unwrap(), sb.outside_file());
    assert_eq!(std::fs::read_link(sb.path().join("passwd")).unwrap(), PathBuf::from("/etc/passwd"));
    // Creating through a dangling absolute link made nothing at its target.
    assert!(!sb.root().join("outside/new.txt").exists());
}

#[test]
fn fs_sandbox_symlink_chains_resolve_inside_and_loops_are_loop() {
    run_expect(
        "chains",
        "symlink file.txt -> c=0\n\
         symlink c -> b=0\n\
         symlink b -> a=0\n\
         open a=0 read \"inside\"\n\
         stat a=0 type=4\n\
         symlink sub -> dsub=0\n\
         symlink ../dsub -> sub/back=0\n\
         open sub/back/back/back/f.txt=0 read \"sub f\"\n\
         symlink ../outside.txt -> z=0\n\
         symlink z -> y=0\n\
         symlink y -> x=0\n\
         open x=63\n\
         stat x=63\n\
         symlink loop2 -> loop1=0\n\
         symlink loop1 -> loop2=0\n\
         symlink self -> self=0\n\
         open loop1=32\n\
         open self=32\n\
         open loop1/x=32\n\
         stat loop1=32\n\
         lstat loop1=0 type=7\n\
         create self=32\n",
    );
}

#[test]
fn fs_sandbox_dotdot_after_a_symlinked_dir_climbs_from_its_target_and_stops_at_the_root() {
    run_expect(
        "dotdot_symlinked_dir",
        "symlink sub/deep -> l=0\n\
         open l/../f.txt=0 read \"sub f\"\n\
         open l/../../file.txt=0 read \"inside\"\n\
         open l/../../../outside.txt=63\n\
         open l/../../..=63\n\
         stat l/../../../outside.txt=63\n\
         create l/../../../created.txt=63\n\
         mkdir l/../../../newdir=63\n",
    );
}

#[test]
fn fs_sandbox_trailing_slash_on_a_file_is_notdir_and_never_escapes() {
    let (sb, _) = run_expect(
        "trailing_slash",
        "open file.txt/=54\n\
         open file.txt/.=54\n\
         open file.txt/..=54\n\
         open sub/=0 dir\n\
         open sub//f.txt=0 read \"sub f\"\n\
         stat file.txt/=54\n\
         stat sub/=0 type=3\n\
         create new.txt/=31\n\
         mkdir newdir/=0\n\
         symlink file.txt -> flink=0\n\
         open flink/=54\n\
         symlink ../outside.txt -> olink=0\n\
         open olink/=63\n\
         open ../=63\n",
    );
    assert!(sb.path().join("newdir").is_dir());
    assert!(!sb.path().join("new.txt").exists());
}

/// `path_filestat_get` without `symlink_follow` drops a trailing slash: cap-std's `stat`
/// takes a one-component path straight to `fstatat` after `Path::components()` has
/// discarded the slash. The answer stays inside the sandbox, but `lstat("file/")` must be
/// `notdir` (POSIX; Linux does so), and `lstat("link-to-file/")` too.
#[test]
fn fs_sandbox_lstat_with_trailing_slash_on_a_file_is_notdir() {
    run_expect(
        "lstat_trailing_slash",
        "symlink file.txt -> flink=0\n\
         lstat file.txt/=54\n\
         lstat flink/=54\n\
         lstat sub/=0 type=3\n",
    );
}

#[test]
fn fs_sandbox_rename_and_link_between_two_preopens_are_allowed() {
    let (sb, guest) = two_preopens_layout();
    let outcome = guest.run();
    outcome.assert_exit(0);
    assert_eq!(
        outcome.stdout_text(),
        "rename a:x.txt -> b:x.txt=0\n\
         link b:x.txt -> a:hard.txt=0\n\
         rename a:d -> b:d=0\n\
         symlink ../a/hard.txt -> b:link=0\n\
         open b:link=63\n\
         open b:../a/hard.txt=63\n\
         rename b:x.txt -> a:../outside.txt=63\n\
         rename b:../outside.txt -> a:y.txt=63\n\
         open b:d/inner.txt=0 read \"inner\"\n"
    );
    use std::os::unix::fs::MetadataExt;
    let (a, b) = (sb.dir(0), sb.dir(1));
    assert_eq!(std::fs::read_to_string(b.join("x.txt")).unwrap(), "moved across\n");
    assert_eq!(std::fs::read_to_string(a.join("hard.txt")).unwrap(), "moved across\n");
    let (moved, hard) = (std::fs::metadata(b.join("x.txt")).unwrap(), std::fs::metadata(a.join("hard.txt")).unwrap());
    assert_eq!((moved.ino(), moved.nlink()), (hard.ino(), 2));
    assert_eq!(std::fs::read_to_string(b.join("d/inner.txt")).unwrap(), "inner\n");
    assert_eq!(crate::fs_util::listing(a), ["hard.txt".to_string()].into());
    assert_eq!(crate::fs_util::listing(b), ["d", "link", "x.txt"].map(String::from).into());
    sb.assert_outside_untouched();
}

/// The outside check itself: a host-side read of an outside file, a listing of `outside/`,
/// or a new entry beside the sandbox must each make it fail, or the tests above prove nothing.
#[test]
fn fs_sandbox_outside_check_detects_reads_listings_and_creations() {
    let fails = |act: &dyn Fn(&Sandbox)| {
        let sb = Sandbox::new();
        sb.assert_outside_untouched();
        act(&sb);
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sb.assert_outside_untouched())).is_err()
    };
    assert!(fails(&|sb| drop(std::fs::read(sb.outside_file()).unwrap())), "a read went unnoticed");
    assert!(fails(&|sb| drop(std::fs::read(sb.root().join("outside/secret.txt")).unwrap())));
    assert!(fails(&|sb| { std::fs::read_dir(sb.root().join("outside")).unwrap().count(); }));
    assert!(fails(&|sb| std::fs::write(sb.root().join("new.txt"), "").unwrap()));
    assert!(fails(&|sb| std::fs::create_dir(sb.root().join("outside/d")).unwrap()));
    assert!(!fails(&|sb| { std::fs::read_dir(sb.path()).unwrap().count(); }), "the sandbox itself is not watched");
}
