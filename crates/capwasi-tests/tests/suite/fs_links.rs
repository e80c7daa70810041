//! Symlinks (readlink into small buffers, dangling links, loops) and the calls that move or
//! remove names: rename, link, unlink, rmdir.

use crate::fs_util::{Sandbox, Scenario};
use capwasi_tests::Guest;

pub(crate) fn scenarios() -> Vec<(&'static str, Scenario)> {
    vec![
        ("links/readlink_sizes", || layout("readlink_sizes")),
        ("links/dangling", || layout("dangling")),
        ("links/loops", || layout("loops")),
        ("links/renames", || layout("renames")),
        ("links/trailing_slashes", || layout("trailing_slashes")),
        ("links/trailing_slash_destination", || layout("trailing_slash_destination")),
        ("links/rmdir_trailing_slash", || layout("rmdir_trailing_slash")),
        ("links/removals", || layout("removals")),
        ("links/hard_links", || layout("hard_links")),
    ]
}

fn layout(mode: &str) -> (Sandbox, Guest) {
    let sb = Sandbox::new();
    sb.file("a.txt", "A").file("b.txt", "B").file("d1/f", "f").file("d2/g", "g").mkdir("d3").mkdir("sub");
    sb.symlink("sub", "sublink");
    let guest = Guest::c("fs_links").args([mode]).dir(sb.path(), "/sandbox");
    (sb, guest)
}

use crate::fs_util::listing;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

#[track_caller]
fn run_expect(mode: &str, expected: &str) -> Sandbox {
    let (sb, guest) = layout(mode);
    let outcome = guest.run();
    outcome.assert_exit(0);
    assert_eq!(outcome.stdout_text(), expected);
    sb.assert_outside_untouched();
    sb
}

fn names(list: &[&str]) -> std::collections::BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn fs_links_readlink_into_a_small_buffer_truncates_and_reports_the_bytes_written() {
    run_expect(
        "readlink_sizes",
        "readlink buf_len=0: errno=0 bufused=0 bytes=\"\" rest_untouched=1\n\
         readlink buf_len=1: errno=0 bufused=1 bytes=\"s\" rest_untouched=1\n\
         readlink buf_len=5: errno=0 bufused=5 bytes=\"some/\" rest_untouched=1\n\
         readlink buf_len=23: errno=0 bufused=23 bytes=\"some/target/of-24-bytes\" rest_untouched=1\n\
         readlink buf_len=24: errno=0 bufused=24 bytes=\"some/target/of-24-bytes!\" rest_untouched=1\n\
         readlink buf_len=25: errno=0 bufused=24 bytes=\"some/target/of-24-bytes!\" rest_untouched=1\n\
         readlink buf_len=100: errno=0 bufused=24 bytes=\"some/target/of-24-bytes!\" rest_untouched=1\n\
         readlink a regular file=28\n\
         readlink a directory=28\n\
         readlink missing=44\n\
         readlink sublink/ (through the link)=28\n",
    );
}

#[test]
fn fs_links_dangling_symlink_stats_without_follow_and_is_noent_with_it() {
    let sb = run_expect(
        "dangling",
        "symlink nowhere -> dangle=0\n\
         lstat dangle=0 type=7 size=7 nlink=1\n\
         stat dangle=44\n\
         open dangle follow=44\n\
         open dangle nofollow=32\n\
         creat|excl dangle follow=20\n\
         readlink dangle=0\n\
         target=nowhere\n\
         symlink onto existing a.txt=20\n\
         symlink onto existing dangle=20\n\
         symlink with empty target=44\n\
         unlink dangle=0\n\
         lstat dangle after unlink=44\n",
    );
    assert!(!sb.path().join("nowhere").exists(), "creat|excl through the dangling link created its target");
    assert_eq!(fs::read_to_string(sb.path().join("a.txt")).unwrap(), "A");
    assert_eq!(listing(sb.path()), names(&["a.txt", "b.txt", "d1", "d2", "d3", "sub", "sublink"]));
}

#[test]
fn fs_links_symlink_loops_are_loop() {
    let sb = run_expect(
        "loops",
        "symlink loop2 -> loop1=0\n\
         symlink loop1 -> loop2=0\n\
         stat loop1=32\n\
         lstat loop1=0 type=7 size=5 nlink=1\n\
         open loop1 follow=32\n\
         open loop1 nofollow=32\n\
         open loop1/x=32\n\
         mkdir loop1/d=32\n\
         set_times loop1 follow=32\n\
         unlink loop1=0\n",
    );
    assert_eq!(fs::read_link(sb.path().join("loop2")).unwrap(), PathBuf::from("loop1"));
    assert!(fs::symlink_metadata(sb.path().join("loop1")).is_err());
}

#[test]
fn fs_links_rename_replaces_files_and_refuses_non_empty_directories() {
    let sb = run_expect(
        "renames",
        "rename a.txt -> b.txt (replaces)=0\n\
         rename d1 -> d2 (not empty)=55\n\
         rename d1 -> d3 (empty)=0\n\
         rename b.txt -> d2 (a directory)=31\n\
         rename d2 -> b.txt (a file)=54\n\
         rename d2 -> d2/inside=28\n\
         rename missing -> x=44\n\
         rename b.txt -> b.txt=0\n\
         rename sublink -> sublink2 (moves the link)=0\n",
    );
    let p = sb.path();
    assert_eq!(listing(p), names(&["b.txt", "d2", "d3", "sub", "sublink2"]));
    assert_eq!(fs::read_to_string(p.join("b.txt")).unwrap(), "A");
    assert_eq!(fs::read_to_string(p.join("d3/f")).unwrap(), "f");
    assert_eq!(fs::read_to_string(p.join("d2/g")).unwrap(), "g");
    assert_eq!(fs::read_link(p.join("sublink2")).unwrap(), PathBuf::from("sub"));
}

#[test]
fn fs_links_trailing_slash_on_a_file_is_notdir_for_rename_unlink_link_and_rmdir() {
    let sb = run_expect(
        "trailing_slashes",
        "rename a.txt/ -> c.txt=54\n\
         unlink a.txt/=54\n\
         link a.txt/ -> c.txt=54\n\
         rmdir a.txt/=54\n\
         link b.txt -> e.txt/=44\n\
         rename d3/ -> d4/=0\n\
         rename d4 -> d5/=0\n\
         mkdir d6/=0\n",
    );
    assert_eq!(listing(sb.path()), names(&["a.txt", "b.txt", "d1", "d2", "d5", "d6", "sub", "sublink"]));
    assert_eq!(fs::read_to_string(sb.path().join("a.txt")).unwrap(), "A");
}

/// cap-std's `rename` strips trailing slashes from the destination and puts one back only on
/// the source, so a file is renamed to `c.txt` when the guest asked for `c.txt/`.
#[test]
fn fs_links_rename_of_a_file_onto_a_name_with_a_trailing_slash_is_notdir() {
    let sb = run_expect(
        "trailing_slash_destination",
        "rename a.txt -> c.txt/=54\n\
         rename b.txt -> a.txt/ (exists)=54\n",
    );
    assert_eq!(fs::read_to_string(sb.path().join("a.txt")).unwrap(), "A");
    assert_eq!(fs::read_to_string(sb.path().join("b.txt")).unwrap(), "B");
    assert!(!sb.path().join("c.txt").exists());
}

/// cap-std resolves `d3/` as `d3/.` for `remove_dir`, and `rmdir(".")` is EINVAL.
#[test]
fn fs_links_rmdir_with_a_trailing_slash_removes_the_directory() {
    let sb = run_expect("rmdir_trailing_slash", "rmdir d3/=0\n");
    assert!(!sb.path().join("d3").exists());
}

#[test]
fn fs_links_rmdir_and_unlink_refuse_the_wrong_kind_and_non_empty_directories() {
    let sb = run_expect(
        "removals",
        "rmdir d1 (not empty)=55\n\
         rmdir a.txt (a file)=54\n\
         rmdir missing=44\n\
         rmdir .=28\n\
         rmdir sublink (link to a dir)=54\n\
         unlink sub (a directory)=31\n\
         unlink missing=44\n\
         unlink sublink (removes the link only)=0\n\
         rmdir d3 (empty)=0\n\
         unlink a.txt=0\n",
    );
    assert_eq!(listing(sb.path()), names(&["b.txt", "d1", "d2", "sub"]));
    assert!(sb.path().join("sub").is_dir());
    assert_eq!(fs::read_to_string(sb.path().join("d1/f")).unwrap(), "f");
}

#[test]
fn fs_links_hard_link_shares_the_inode_and_nlink_becomes_2() {
    let (sb, guest) = layout("hard_links");
    let outcome = guest.run();
    outcome.assert_exit(0);
    assert_eq!(
        outcome.stdout_text(),
        "link a.txt -> a2.txt=0\n\
         stat a.txt=0 type=4 size=1 nlink=2\n\
         stat a2.txt=0 type=4 size=1 nlink=2\n\
         same inode=1\n\
         link a.txt -> b.txt (exists)=20\n\
         link sub -> sub2 (a directory)=63\n\
         link missing -> x=44\n\
         link sublink -> sublink2 (links the link)=0\n\
         lstat sublink2=0 type=7 size=3 nlink=2\n\
         link with symlink_follow=28\n\
         unlink a.txt=0\n\
         stat a2.txt after unlink=0 type=4 size=1 nlink=1\n"
    );
    let p = sb.path();
    let a2 = fs::metadata(p.join("a2.txt")).unwrap();
    assert_eq!((a2.nlink(), fs::read_to_string(p.join("a2.txt")).unwrap().as_str()), (1, "A"));
    let (link, link2) = (fs::symlink_metadata(p.join("sublink")).unwrap(), fs::symlink_metadata(p.join("sublink2")).unwrap());
    assert_eq!((link.ino(), link.nlink()), (link2.ino(), 2), "sublink2 is a hard link to the symlink itself");
    assert!(!p.join("a3.txt").exists() && !p.join("sub2").exists() && !p.join("x").exists());
    assert_eq!(fs::read_to_string(p.join("b.txt")).unwrap(), "B");
    sb.assert_outside_untouched();
}

/// The host sees nlink 2 while both names exist.
#[test]
fn fs_links_host_sees_nlink_2_after_path_link() {
    let sb = Sandbox::new();
    sb.file("a.txt", "A");
    let guest = Guest::wat(
        r#"(module
            (import "wasi_snapshot_preview1" "path_link" (func $link (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
            (memory (export "memory") 1)
            (data (i32.const 0) "a.txtb.txt")
            (func (export "_start") (call $exit (call $link (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 5) (i32.const 3) (i32.const 5) (i32.const 5)))))"#
    )
    .dir(sb.path(), "/sandbox");
    guest.run().assert_exit(0);
    let (a, b) = (fs::metadata(sb.path().join("a.txt")).unwrap(), fs::metadata(sb.path().join("b.txt")).unwrap());
    assert_eq!((a.ino(), a.nlink(), b.nlink()), (b.ino(), 2, 2));
    sb.assert_outside_untouched();
}
