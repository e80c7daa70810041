//! Shared by the `fs_*` test modules: scratch preopens next to an "outside" tree the guest
//! must never reach, host-side checks of both, and readers for guest output.
//!
//! Every sandbox lives in a parent temporary directory that also holds `outside.txt` and
//! `outside/secret.txt`. Their access times are set far in the past at setup, so that under
//! `relatime` (or `strictatime`) any read of them, or any listing of the parent or of
//! `outside/`, moves an access time; any write, create, rename, link or set-times moves a
//! change time. [`Sandbox::assert_outside_untouched`] compares every one of those stamps and
//! the exact listings, so "nothing outside was read, written or created" is checked from the
//! host, not taken on the guest's word.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, FileTimes};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Bytes that only exist outside every sandbox; a guest must never print them.
pub const SECRET: &str = "SECRET-OUTSIDE";

/// The metadata that any access, change or creation would move.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    ino: u64,
    mode: u32,
    nlink: u64,
    size: u64,
    atime: (i64, i64),
    mtime: (i64, i64),
    ctime: (i64, i64),
}

fn stamp(path: &Path) -> Stamp {
    let meta = fs::symlink_metadata(path).unwrap_or_else(|e| panic!("lstat {}: {e}", path.display()));
    Stamp {
        ino: meta.ino(),
        mode: meta.mode(),
        nlink: meta.nlink(),
        size: meta.size(),
        atime: (meta.atime(), meta.atime_nsec()),
        mtime: (meta.mtime(), meta.mtime_nsec()),
        ctime: (meta.ctime(), meta.ctime_nsec()),
    }
}

/// Names in `dir`, sorted.
pub fn listing(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect()
}

/// One or more scratch preopens inside a parent directory that also holds an outside tree.
pub struct Sandbox {
    root: tempfile::TempDir,
    dirs: Vec<PathBuf>,
    watched: Vec<(PathBuf, Stamp)>,
}

impl Sandbox {
    /// A parent directory with `outside.txt`, `outside/secret.txt` and one empty `sandbox/`.
    pub fn new() -> Sandbox {
        Sandbox::with_dirs(&["sandbox"])
    }

    /// Like [`Sandbox::new`] with one empty directory per name (each to be preopened).
    pub fn with_dirs(names: &[&str]) -> Sandbox {
        let root = tempfile::tempdir().unwrap();
        let outside_file = root.path().join("outside.txt");
        let outside_dir = root.path().join("outside");
        let secret = outside_dir.join("secret.txt");
        fs::write(&outside_file, format!("{SECRET} file\n")).unwrap();
        fs::create_dir(&outside_dir).unwrap();
        fs::write(&secret, format!("{SECRET} nested\n")).unwrap();
        let dirs: Vec<PathBuf> = names.iter().map(|name| root.path().join(name)).collect();
        for dir in &dirs {
            fs::create_dir(dir).unwrap();
        }
        // Access times in 2001, before every modification time: the next read of any of these
        // moves its access time under relatime.
        let old = UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        for path in [&secret, &outside_file, &outside_dir, &root.path().to_path_buf()] {
            File::open(path).unwrap().set_times(FileTimes::new().set_accessed(old)).unwrap();
        }
        let watched = [root.path().to_path_buf(), outside_file, outside_dir, secret]
            .into_iter()
            .map(|path| {
                let stamp = stamp(&path);
                (path, stamp)
            })
            .collect();
        Sandbox { root, dirs, watched }
    }

    /// The (first) sandbox directory, to preopen.
    pub fn path(&self) -> &Path {
        &self.dirs[0]
    }

    /// The `i`th sandbox directory.
    pub fn dir(&self, i: usize) -> &Path {
        &self.dirs[i]
    }

    /// The parent of every sandbox.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// The absolute host path of the outside file.
    pub fn outside_file(&self) -> PathBuf {
        self.root.path().join("outside.txt")
    }

    /// Writes `contents` at `rel` inside the first sandbox (making parent directories).
    pub fn file(&self, rel: &str, contents: &str) -> &Sandbox {
        let path = self.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
        self
    }

    /// Creates directory `rel` inside the first sandbox.
    pub fn mkdir(&self, rel: &str) -> &Sandbox {
        fs::create_dir_all(self.path().join(rel)).unwrap();
        self
    }

    /// Creates symlink `rel` -> `target` inside the first sandbox.
    pub fn symlink(&self, target: &str, rel: &str) -> &Sandbox {
        std::os::unix::fs::symlink(target, self.path().join(rel)).unwrap();
        self
    }

    /// Fails unless every outside entry has the stamps it had at setup: nothing read or
    /// listed (access times), written, renamed, linked or re-timed (change times), and no
    /// entry created or removed beside the sandboxes or in `outside/` (a directory's
    /// modification time moves with its entries). Only `lstat` is used, so the check itself
    /// moves nothing and may run any number of times.
    #[track_caller]
    pub fn assert_outside_untouched(&self) {
        for (path, before) in &self.watched {
            assert_eq!(&stamp(path), before, "{} was accessed or changed", path.display());
        }
    }
}

/// A description of everything under `dir` (names, kinds, contents, link targets, sizes,
/// modification and change times), to show a guest changed nothing there.
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        let meta = fs::symlink_metadata(dir).unwrap();
        let times = |m: &fs::Metadata| format!("m={}.{} c={}.{} ino={} nlink={}", m.mtime(), m.mtime_nsec(), m.ctime(), m.ctime_nsec(), m.ino(), m.nlink());
        out.insert(dir.strip_prefix(base).unwrap().to_path_buf(), format!("dir {}", times(&meta)));
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let rel = path.strip_prefix(base).unwrap().to_path_buf();
            if meta.file_type().is_symlink() {
                out.insert(rel, format!("link -> {} {}", fs::read_link(&path).unwrap().display(), times(&meta)));
            } else if meta.is_dir() {
                walk(base, &path, out);
            } else {
                out.insert(rel, format!("file {:?} {}", fs::read(&path).unwrap(), times(&meta)));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// `key=value` pairs of one line of guest output (space separated).
pub fn fields(line: &str) -> BTreeMap<&str, &str> {
    line.split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .collect()
}

/// The line of `text` that starts with `prefix` (exactly one must).
#[track_caller]
pub fn line<'t>(text: &'t str, prefix: &str) -> &'t str {
    let found: Vec<&str> = text.lines().filter(|l| l.starts_with(prefix)).collect();
    assert_eq!(found.len(), 1, "expected one line starting with {prefix:?} in:\n{text}");
    found[0]
}

/// Nanoseconds since the epoch of a host time.
pub fn nanos(time: SystemTime) -> u128 {
    time.duration_since(UNIX_EPOCH).unwrap().as_nanos()
}

/// Nanoseconds since the epoch from `stat` seconds and nanoseconds.
pub fn stat_nanos(secs: i64, nsecs: i64) -> u64 {
    (secs as i128 * 1_000_000_000 + nsecs as i128) as u64
}

/// A guest ready to run in a freshly laid-out sandbox (kept alive beside it).
pub type Scenario = fn() -> (Sandbox, capwasi_tests::Guest);

/// Every scenario of the `fs_*` modules, by name, for the differential runs.
pub fn all_scenarios() -> Vec<(&'static str, Scenario)> {
    let mut all = Vec::new();
    all.extend(crate::fs_sandbox::scenarios());
    all.extend(crate::fs_rights::scenarios());
    all.extend(crate::fs_position::scenarios());
    all.extend(crate::fs_meta::scenarios());
    all.extend(crate::fs_readdir::scenarios());
    all.extend(crate::fs_renumber::scenarios());
    all.extend(crate::fs_open::scenarios());
    all.extend(crate::fs_links::scenarios());
    all.extend(crate::fs_abi::scenarios());
    all
}

/// What is under `dir` by name, kind and content (file bytes, link targets), without
/// timestamps or inode numbers: the state two hosts running the same guest must agree on.
pub fn contents(dir: &Path) -> BTreeMap<PathBuf, String> {
    tree(dir)
        .into_iter()
        .map(|(path, desc)| {
            let kept = match desc.find(" m=") {
                Some(at) => desc[..at].to_string(),
                None => desc,
            };
            (path, kept)
        })
        .collect()
}

/// Whether guests see the host's own device and inode numbers: true on the OS backend; the
/// in-memory backend (`CAPWASI_FS=mem`) numbers its inodes itself, a documented difference,
/// so tests check those numbers for consistency instead.
pub fn host_inodes() -> bool {
    capwasi_tests::fs_backend() == capwasi_tests::FsBackend::Os
}
