//! fd_readdir: `.` and `..` with real inode numbers, d_type per kind, cookies that resume
//! through a tiny buffer over hundreds of entries, nothing written past `bufused`, and
//! directories only.

use crate::fs_util::{Sandbox, Scenario};
use capwasi_tests::Guest;

pub(crate) fn scenarios() -> Vec<(&'static str, Scenario)> {
    vec![
        ("readdir/types", || layout("types")),
        ("readdir/small_buffer", || layout("small_buffer")),
        ("readdir/types_preopen", || layout("types preopen")),
        ("readdir/small_buffer_preopen", || layout("small_buffer preopen")),
        ("readdir/not_dirs", || layout("not_dirs")),
        ("readdir/subdir_and_libc", || layout("subdir_and_libc")),
    ]
}

/// Names of the 300 files the resumable listing walks through.
fn many_names() -> Vec<String> {
    (0..300).map(|i| format!("entry-{i:03}")).collect()
}

/// `mode` is a scenario name, optionally followed by " preopen" to list fd 3 itself rather
/// than the same directory opened with path_open.
fn layout(mode: &str) -> (Sandbox, Guest) {
    let sb = Sandbox::new();
    let (mode, preopen) = match mode.strip_suffix(" preopen") {
        Some(mode) => (mode, true),
        None => (mode, false),
    };
    let mut args = vec![mode.to_string()];
    match mode {
        "types" => {
            sb.file("file.txt", "f").mkdir("sub").symlink("file.txt", "link").symlink("nowhere", "dangling");
        }
        "small_buffer" => {
            for name in many_names() {
                sb.file(&name, "");
            }
            args.push("40".into());
        }
        "not_dirs" => {
            sb.file("file.txt", "f").mkdir("sub");
        }
        _ => {
            sb.file("sub/x.txt", "x").mkdir("sub/y").symlink("x.txt", "sub/z");
        }
    }
    if preopen {
        args.push("preopen".into());
    }
    let guest = Guest::c("fs_readdir").args(args).dir(sb.path(), "/sandbox");
    (sb, guest)
}

use crate::fs_util::{fields, host_inodes, listing};
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::MetadataExt;

/// Checks the `name=.. type=.. ino=..` lines of the "types" scenario against the host.
#[track_caller]
fn check_types(sb: &Sandbox, text: &str) {
    let mut seen = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("name=")) {
        let f = fields(line);
        assert!(seen.insert(f["name"].to_string(), (f["type"].parse::<u8>().unwrap(), f["ino"].parse::<u64>().unwrap())).is_none(), "{line} twice");
    }
    let p = sb.path();
    let ino = |path: &std::path::Path| std::fs::symlink_metadata(path).unwrap().ino();
    let expected: BTreeMap<String, (u8, u64)> = [
        (".", (3, ino(p))),
        ("..", (3, ino(sb.root()))),
        ("file.txt", (4, ino(&p.join("file.txt")))),
        ("sub", (3, ino(&p.join("sub")))),
        ("link", (7, ino(&p.join("link")))),
        ("dangling", (7, ino(&p.join("dangling")))),
    ]
    .into_iter()
    .map(|(name, v)| (name.to_string(), v))
    .collect();
    if host_inodes() {
        assert_eq!(seen, expected, "entries, types and inode numbers");
    } else {
        let types = |map: &BTreeMap<String, (u8, u64)>| map.iter().map(|(k, v)| (k.clone(), v.0)).collect::<Vec<_>>();
        assert_eq!(types(&seen), types(&expected), "entries and types");
        let mut inos: Vec<u64> = seen.iter().filter(|(name, _)| *name != "..").map(|(_, v)| v.1).collect();
        inos.sort();
        inos.dedup();
        assert_eq!(inos.len(), seen.len() - 1, "one inode number per entry: {seen:?}");
        assert!(!inos.contains(&0), "{seen:?}");
    }
    assert!(text.ends_with("after the last cookie bufused=0\n"), "{text}");
}

#[test]
fn fs_readdir_lists_dot_dotdot_and_each_kind_with_host_inode_numbers() {
    let (sb, guest) = layout("types");
    let outcome = guest.run();
    outcome.assert_exit(0);
    check_types(&sb, &outcome.stdout_text());
    assert_eq!(outcome.stdout_text().lines().count(), 7);
    sb.assert_outside_untouched();
}

/// Checks a small-buffer listing: every name once, exactly the host's entries plus `.` and
/// `..`; one call per entry, each but the last filling the buffer with a cut-off entry.
#[track_caller]
fn check_small_buffer(sb: &Sandbox, text: &str) {
    let lines: Vec<&str> = text.lines().collect();
    let (names, summary) = lines.split_at(lines.len() - 2);
    let unique: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "a name was listed twice");
    let mut expected: BTreeSet<String> = listing(sb.path());
    assert_eq!(expected.len(), 300);
    expected.extend([".".to_string(), "..".to_string()]);
    assert_eq!(unique.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>(), expected);
    assert_eq!(summary, ["calls=302 full_calls=301 names=302", "resumed at 151: entries=151 same_cookies=1"]);
}

#[test]
fn fs_readdir_resumes_with_cookies_through_a_40_byte_buffer_over_300_entries() {
    let (sb, guest) = layout("small_buffer");
    let outcome = guest.run();
    // The guest exits 1 if any byte past bufused changed in its 96-byte sentinel area.
    outcome.assert_exit(0);
    check_small_buffer(&sb, &outcome.stdout_text());
    assert_eq!(outcome.stderr_text(), "");
    sb.assert_outside_untouched();
}

#[test]
fn fs_readdir_on_a_file_is_notdir() {
    let (sb, guest) = layout("not_dirs");
    let outcome = guest.run();
    outcome.assert_exit(0);
    assert_eq!(
        outcome.stdout_text(),
        "readdir on a file=54\n\
         readdir on stdout=54\n\
         readdir on a closed fd=8\n\
         readdir without fd_readdir=76\n\
         readdir with a zero-length buffer=0\n\
         bufused=0\n"
    );
    sb.assert_outside_untouched();
}

#[test]
fn fs_readdir_of_an_opened_subdir_agrees_with_libc_readdir() {
    let (sb, guest) = layout("subdir_and_libc");
    let outcome = guest.run();
    outcome.assert_exit(0);
    assert_eq!(outcome.stdout_text(), "sub entries=5\nlibc: ..:3 .:3 x.txt:4 y:3 z:7\n");
    sb.assert_outside_untouched();
}

/// `rustix::fs::Dir::read_from` reopens "." with the descriptor's own flags; the preopen's
/// descriptor comes from cap-std's `open_ambient_dir`, which uses `O_PATH`, so the copy is
/// `O_PATH` too and `getdents64` fails with EBADF. Listing the same directory through a
/// path_open'ed descriptor works (the tests above). wasmtime-wasi lists preopens fine.
#[test]
fn fs_readdir_on_the_preopen_itself_lists_it() {
    let (sb, guest) = layout("types preopen");
    let outcome = guest.run();
    outcome.assert_exit(0);
    check_types(&sb, &outcome.stdout_text());
}

#[test]
fn fs_readdir_on_the_preopen_itself_resumes_through_a_small_buffer() {
    let (sb, guest) = layout("small_buffer preopen");
    let outcome = guest.run();
    outcome.assert_exit(0);
    check_small_buffer(&sb, &outcome.stdout_text());
}
