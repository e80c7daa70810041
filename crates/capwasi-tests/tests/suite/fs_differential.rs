//! The `fs_*` scenarios under capwasi and under the reference host, wasmtime-wasi 48's
//! preview1 implementation: where the spec leaves a choice, capwasi answers as wasmtime-wasi
//! does, or the difference is listed in [`DIFFER`] with its reason. Every scenario is in
//! exactly one of the two lists, so a new scenario has to be classified.

use crate::fs_util::{all_scenarios, contents, Sandbox};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Same exit status, same stdout, same files left in the sandbox (names, kinds, bytes).
const AGREE: &[&str] = &[
    "readdir/small_buffer_preopen",
    "open/creat_read_only_rights",
    "open/append_read_only_rights",
    "links/trailing_slash_destination",
    "position/independent",
    "position/pread_pwrite",
    "position/append",
    "position/pwrite_append",
    "meta/explicit_times",
    "meta/now_times",
    "meta/set_size",
    "readdir/small_buffer",
    "readdir/subdir_and_libc",
    "renumber/onto_open",
    "renumber/two_preopens",
    "renumber/bad",
    "open/creat",
    "open/trunc",
    "open/directories",
    "open/symlinks",
    "links/readlink_sizes",
    "links/dangling",
    "links/loops",
    "links/renames",
    "links/trailing_slashes",
    "links/removals",
    "links/hard_links",
    "abi/path_open invalid UTF-8",
    "abi/path_open with a NUL byte",
    "sandbox/dotdot",
    "sandbox/absolute",
    "sandbox/symlink_up",
    "sandbox/chains",
    "sandbox/dotdot_symlinked_dir",
    "sandbox/trailing_slash",
    "sandbox/two_preopens",
    "sandbox/symlink_root",
    "sandbox/symlink_absolute",
    "renumber/park_stdout",
    "renumber/preopens",
];

const NO_RIGHTS: &str = "wasmtime-wasi p1 does not keep rights: fdstat shows every right, fd_fdstat_set_rights is \
                         notsup, and calls are not checked against rights (only against the open mode, badf)";
const TRAPS: &str = "wasmtime-wasi traps on unknown flag bits and out-of-range enum values; capwasi returns \
                     inval as the ABI says";
const TRAILING_SLASH: &str = "a trailing slash makes the last component a directory (POSIX): capwasi's lstat of \
                              `file/` is notdir and rmdir of `dir/` removes it; wasmtime-wasi ignores the slash \
                              without symlink_follow and refuses `dir/` with inval";

/// Scenarios whose outcome differs, and why.
const DIFFER: &[(&str, &str)] = &[
    ("rights/initial", NO_RIGHTS),
    ("rights/intersection", NO_RIGHTS),
    ("rights/set_rights", NO_RIGHTS),
    ("rights/missing", NO_RIGHTS),
    ("position/iovecs", "wasmtime-wasi writes only the first non-empty ciovec and fills only the first iovec; \
                         capwasi drains and fills them all"),
    ("position/set_flags", TRAPS),
    ("position/sync_flags", "wasmtime-wasi refuses dsync/sync at open (notsup) and says inval when asked later; \
                             capwasi honours them at open and says notsup when asked to change them later"),
    ("position/seeking", TRAPS),
    ("position/advise", TRAPS),
    ("position/allocate", "wasmtime-wasi answers notsup to every fd_allocate; capwasi allocates (posix_fallocate)"),
    ("position/allocate_zero", "a zero length is inval (posix_fallocate); wasmtime-wasi answers notsup to every fd_allocate"),
    ("position/sync", "fd_sync on a directory is fsync (0) in capwasi, badf (8) in wasmtime-wasi"),
    ("meta/stats", "capwasi reports the host's dev and inode numbers; wasmtime-wasi reports dev 1 and a hash"),
    ("meta/invalid_times", TRAPS),
    ("meta/preopen_times", "capwasi sets the times of the preopen itself and syncs it (0); wasmtime-wasi answers badf"),
    ("readdir/types", "capwasi reports the host's inode numbers, `..` included; wasmtime-wasi reports hashes and \
                       gives `..` the inode of `.`"),
    ("readdir/types_preopen", "capwasi reports the host's inode numbers in the kernel's order; wasmtime-wasi \
                               reports hashes, gives `..` the inode of `.`, and lists `.` and `..` first"),
    ("sandbox/lstat_trailing_slash", TRAILING_SLASH),
    ("links/rmdir_trailing_slash", TRAILING_SLASH),
    ("readdir/not_dirs", "fd_readdir on a file is notdir (54) in capwasi, badf (8) in wasmtime-wasi; wasmtime-wasi \
                          does not check fd_readdir's right"),
    ("open/many", "capwasi hands out the lowest free number (POSIX); wasmtime-wasi the most recently freed one"),
    ("abi/path_open oflags bit 4", TRAPS),
    ("abi/path_open lookupflags bit 1", TRAPS),
    ("abi/path_open creat result outside", "capwasi checks the result pointer before opening (fault, nothing \
                                            created); wasmtime-wasi creates the file, then traps"),
    ("abi/path_open under stdout", "path_open under a file descriptor is notdir (54) in capwasi, badf (8) in \
                                    wasmtime-wasi"),
];

/// The sandbox's entries, with the run's temporary root written as `ROOT` in symlink targets
/// (links the host placed name the outside by absolute path, which differs per run).
fn rooted_contents(sb: &Sandbox) -> BTreeMap<PathBuf, String> {
    let root = sb.root().to_str().expect("UTF-8 temporary path").to_string();
    contents(sb.path()).into_iter().map(|(path, desc)| (path, desc.replace(&root, "ROOT"))).collect()
}

#[test]
fn fs_differential_every_scenario_is_classified_once() {
    let agree: BTreeSet<&str> = AGREE.iter().copied().collect();
    let differ: BTreeSet<&str> = DIFFER.iter().map(|(name, _)| *name).collect();
    assert_eq!(agree.len(), AGREE.len(), "AGREE lists a scenario twice");
    assert_eq!(differ.len(), DIFFER.len(), "DIFFER lists a scenario twice");
    assert!(agree.is_disjoint(&differ), "both lists: {:?}", agree.intersection(&differ).collect::<Vec<_>>());
    let all: BTreeSet<&str> = all_scenarios().iter().map(|(name, _)| *name).collect();
    let listed: BTreeSet<&str> = agree.union(&differ).copied().collect();
    assert_eq!(all, listed, "scenarios and lists disagree");
}

#[test]
fn fs_differential_agrees_with_wasmtime_wasi_p1() {
    let mut failures = Vec::new();
    for (name, scenario) in all_scenarios().into_iter().filter(|(name, _)| AGREE.contains(name)) {
        let (mine_sb, guest) = scenario();
        let mine = guest.run();
        let (theirs_sb, guest) = scenario();
        let theirs = guest.run_reference();
        // The in-memory backend lists in creation order, the kernel in its hash order: the
        // same entries, in another order, which POSIX leaves open.
        let in_order = |out: &[u8]| {
            let mut lines: Vec<&[u8]> = out.split(|&b| b == b'\n').collect();
            if !crate::fs_util::host_inodes() && name.starts_with("readdir/") {
                lines.sort();
            }
            lines.join(&b'\n')
        };
        if (mine.exit, in_order(&mine.stdout)) != (theirs.exit, in_order(&theirs.stdout)) {
            failures.push(format!(
                "{name}:\n--- capwasi exit {:?}\n{}--- wasmtime-wasi exit {:?} trap {:?}\n{}",
                mine.exit,
                mine.stdout_text(),
                theirs.exit,
                theirs.trap,
                theirs.stdout_text()
            ));
        } else if rooted_contents(&mine_sb) != rooted_contents(&theirs_sb) {
            failures.push(format!(
                "{name}: the sandboxes differ:\n{:#?}\n{:#?}",
                rooted_contents(&mine_sb),
                rooted_contents(&theirs_sb)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
