//! Backend conformance: one random sequence of `WasiDir` / `WasiFile` calls, run against the
//! OS backend (`capwasi_os::OsDir` over a fresh temporary directory) and the in-memory backend
//! (`capwasi_memfs::MemFs`), must get the same answers from both. (The path-spelling rules
//! both follow are `capwasi::path_shape`; this suite checks that they apply them alike.)
//!
//! Compared after every call: success or the errno, bytes read, byte counts, positions, file
//! types, sizes and link counts of regular files, sizes of symlinks, symlink targets, status
//! flags and directory listings (as sorted `(name, type)` sets). After every sequence the
//! whole tree is compared (recursively, without following symlinks).
//!
//! Not compared, because they differ by design (docs/decisions.md, the rows starting
//! "in-memory filesystem"): inode and device numbers, timestamps (and so access-time
//! behaviour), directory sizes and link counts, `fd_readdir` order and cookies, and Linux's
//! `O_RSYNC == O_SYNC` aliasing in reported status flags.
//!
//! Seeds `0..N` run, N = [`DEFAULT_SEEDS`] or `MEMFS_DIFF_SEEDS`, each [`STEPS`] operations long. A mismatch is shrunk to the
//! shortest sequence that still shows it, and printed as a list of operations.
//!
//! The first run found 55 differences. 23 were fixed (in both backends: where the OS backend's
//! emulation strayed from Linux, it was fixed too) and are now agreement tests, listed in
//! [`RESOLVED`]. The other 32 are errno precedence among several errors in one invalid call
//! (mostly trailing slashes on links and symlinks, and cap-std resolving both parents of a
//! link before looking at either name), plus Linux's `O_DSYNC` reporting: each is a
//! "documented difference" test at the end of this file that checks both backends still
//! answer as recorded (both refusing), and [`known_difference`] keeps the random test clear
//! of exactly those shapes.

use capwasi::Errno;
use capwasi::dir::{OpenOptions, Opened, ReaddirFlow, WasiDir};
use capwasi::file::WasiFile;
use capwasi::types::{FdFlags, FileType, Filestat, OFlags};
use capwasi_memfs::MemFs;
use capwasi_os::OsDir;
use std::collections::BTreeMap;
use std::io::{IoSlice, IoSliceMut, SeekFrom};
use std::sync::Arc;

const STEPS: usize = 300;
const DEFAULT_SEEDS: u64 = 256;
/// Open files and open directories are kept in this many slots each.
const SLOTS: usize = 6;

// ---------------------------------------------------------------------------------------------
// Random numbers
// ---------------------------------------------------------------------------------------------

/// splitmix64: small, deterministic, good enough to pick operations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/// Where a path operation starts: the root, or an open directory slot.
type At = Option<usize>;

#[derive(Clone, Debug)]
enum Op {
    /// `open_at`; a file goes to file slot `slot`, a directory to directory slot `slot`.
    Open {
        at: At,
        path: String,
        opts: OpenOptions,
        slot: usize,
    },
    Close {
        slot: usize,
    },
    CloseDir {
        slot: usize,
    },
    Write {
        slot: usize,
        data: Vec<u8>,
    },
    Pwrite {
        slot: usize,
        data: Vec<u8>,
        offset: u64,
    },
    Read {
        slot: usize,
        len: usize,
    },
    Pread {
        slot: usize,
        len: usize,
        offset: u64,
    },
    Seek {
        slot: usize,
        pos: SeekFrom,
    },
    SetSize {
        slot: usize,
        size: u64,
    },
    FileStat {
        slot: usize,
    },
    FdFlags {
        slot: usize,
    },
    /// Reads the flags, toggles `append` and `nonblock` as given, writes them back (what a
    /// guest's `fcntl(F_SETFL)` does).
    SetFdFlags {
        slot: usize,
        append: bool,
        nonblock: bool,
    },
    CreateDir {
        at: At,
        path: String,
    },
    RemoveDir {
        at: At,
        path: String,
    },
    Unlink {
        at: At,
        path: String,
    },
    Symlink {
        at: At,
        target: String,
        path: String,
    },
    ReadLink {
        at: At,
        path: String,
    },
    Rename {
        at: At,
        from: String,
        to: String,
    },
    HardLink {
        at: At,
        from: String,
        to: String,
    },
    StatAt {
        at: At,
        path: String,
        follow: bool,
    },
    /// Lists the root (`None`) or an open directory slot.
    Readdir {
        at: At,
    },
    DirStat {
        slot: usize,
    },
}

impl Op {
    fn kind(&self) -> &'static str {
        match self {
            Op::Open { .. } => "open_at",
            Op::Close { .. } => "close",
            Op::CloseDir { .. } => "close_dir",
            Op::Write { .. } => "write",
            Op::Pwrite { .. } => "pwrite",
            Op::Read { .. } => "read",
            Op::Pread { .. } => "pread",
            Op::Seek { .. } => "seek",
            Op::SetSize { .. } => "set_size",
            Op::FileStat { .. } => "filestat",
            Op::FdFlags { .. } => "fdflags",
            Op::SetFdFlags { .. } => "set_fdflags",
            Op::CreateDir { .. } => "create_dir_at",
            Op::RemoveDir { .. } => "remove_dir_at",
            Op::Unlink { .. } => "unlink_file_at",
            Op::Symlink { .. } => "symlink_at",
            Op::ReadLink { .. } => "read_link_at",
            Op::Rename { .. } => "rename_at",
            Op::HardLink { .. } => "hard_link_at",
            Op::StatAt { .. } => "stat_at",
            Op::Readdir { .. } => "readdir",
            Op::DirStat { .. } => "dir filestat",
        }
    }
}

/// A short, readable form of an operation for reports.
fn show(op: &Op) -> String {
    fn at(at: &At) -> String {
        at.map_or_else(|| "root".to_string(), |slot| format!("dir#{slot}"))
    }
    fn opts(o: &OpenOptions) -> String {
        let mut parts = Vec::new();
        if !o.follow {
            parts.push("nofollow".to_string());
        }
        for (flag, name) in [
            (OFlags::CREAT, "creat"),
            (OFlags::EXCL, "excl"),
            (OFlags::TRUNC, "trunc"),
            (OFlags::DIRECTORY, "directory"),
        ] {
            if o.oflags.contains(flag) {
                parts.push(name.to_string());
            }
        }
        if o.read {
            parts.push("read".to_string());
        }
        if o.write {
            parts.push("write".to_string());
        }
        if !o.fdflags.is_empty() {
            parts.push(format!("{:?}", o.fdflags));
        }
        parts.join("|")
    }
    match op {
        Op::Open {
            at: a,
            path,
            opts: o,
            slot,
        } => format!("{}.open_at({path:?}, {}) -> slot {slot}", at(a), opts(o)),
        Op::Close { slot } => format!("close file#{slot}"),
        Op::CloseDir { slot } => format!("close dir#{slot}"),
        Op::Write { slot, data } => {
            format!("file#{slot}.write({:?})", String::from_utf8_lossy(data))
        }
        Op::Pwrite { slot, data, offset } => format!(
            "file#{slot}.pwrite({:?}, {offset})",
            String::from_utf8_lossy(data)
        ),
        Op::Read { slot, len } => format!("file#{slot}.read({len})"),
        Op::Pread { slot, len, offset } => format!("file#{slot}.pread({len}, {offset})"),
        Op::Seek { slot, pos } => format!("file#{slot}.seek({pos:?})"),
        Op::SetSize { slot, size } => format!("file#{slot}.set_size({size})"),
        Op::FileStat { slot } => format!("file#{slot}.filestat()"),
        Op::FdFlags { slot } => format!("file#{slot}.fdflags()"),
        Op::SetFdFlags {
            slot,
            append,
            nonblock,
        } => format!("file#{slot}.set_fdflags(append={append}, nonblock={nonblock})"),
        Op::CreateDir { at: a, path } => format!("{}.create_dir_at({path:?})", at(a)),
        Op::RemoveDir { at: a, path } => format!("{}.remove_dir_at({path:?})", at(a)),
        Op::Unlink { at: a, path } => format!("{}.unlink_file_at({path:?})", at(a)),
        Op::Symlink {
            at: a,
            target,
            path,
        } => format!("{}.symlink_at({target:?}, {path:?})", at(a)),
        Op::ReadLink { at: a, path } => format!("{}.read_link_at({path:?})", at(a)),
        Op::Rename { at: a, from, to } => format!("{}.rename_at({from:?}, same, {to:?})", at(a)),
        Op::HardLink { at: a, from, to } => {
            format!("{}.hard_link_at({from:?}, same, {to:?})", at(a))
        }
        Op::StatAt {
            at: a,
            path,
            follow,
        } => format!("{}.stat_at({path:?}, follow={follow})", at(a)),
        Op::Readdir { at: a } => format!("{}.readdir()", at(a)),
        Op::DirStat { slot } => format!("dir#{slot}.filestat()"),
    }
}

// ---------------------------------------------------------------------------------------------
// Outcomes, normalised to what both backends must agree on
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
struct Stat {
    filetype: FileType,
    /// Regular files and symlinks only (directory sizes differ by design).
    size: Option<u64>,
    /// Regular files only.
    nlink: Option<u64>,
}

fn norm_stat(st: &Filestat) -> Stat {
    let sized = matches!(st.filetype, FileType::RegularFile | FileType::SymbolicLink);
    Stat {
        filetype: st.filetype,
        size: sized.then_some(st.size),
        nlink: (st.filetype == FileType::RegularFile).then_some(st.nlink),
    }
}

/// Linux reports `O_RSYNC` as `O_SYNC` (and `O_SYNC` includes `O_DSYNC`); the in-memory
/// backend reports the flags as given. Both are read as "synchronous" here.
fn norm_flags(flags: FdFlags) -> FdFlags {
    if flags.intersects(FdFlags::SYNC | FdFlags::RSYNC) {
        flags | FdFlags::SYNC | FdFlags::RSYNC | FdFlags::DSYNC
    } else {
        flags
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Val {
    Unit,
    /// The slot the operation names is empty (the same on both sides).
    NoHandle,
    /// Skipped: a shape of a known difference (see [`known_difference`]).
    Skipped(&'static str),
    OpenedFile(FileType),
    OpenedDir,
    N(u64),
    Bytes(Vec<u8>),
    Stat(Stat),
    Flags(FdFlags),
    Listing(Vec<(String, FileType)>),
}

type Out = Result<Val, Errno>;

fn errno<T>(result: capwasi::Result<T>) -> Result<T, Errno> {
    result.map_err(|err| err.errno())
}

// ---------------------------------------------------------------------------------------------
// One backend and its open handles
// ---------------------------------------------------------------------------------------------

struct Side {
    root: Arc<dyn WasiDir>,
    files: Vec<Option<Arc<dyn WasiFile>>>,
    dirs: Vec<Option<Arc<dyn WasiDir>>>,
    /// Keeps the OS side's directory alive; removed when the side is dropped.
    _tmp: Option<tempfile::TempDir>,
}

impl Side {
    fn os() -> Side {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = OsDir::open_ambient(tmp.path()).expect("open tempdir");
        Side {
            root: Arc::new(root),
            files: vec![None; SLOTS],
            dirs: vec![None; SLOTS],
            _tmp: Some(tmp),
        }
    }

    fn mem() -> Side {
        Side {
            root: Arc::new(MemFs::new().root()),
            files: vec![None; SLOTS],
            dirs: vec![None; SLOTS],
            _tmp: None,
        }
    }

    fn dir(&self, at: At) -> Option<Arc<dyn WasiDir>> {
        match at {
            None => Some(Arc::clone(&self.root)),
            Some(slot) => self.dirs[slot].clone(),
        }
    }

    fn apply(&mut self, op: &Op) -> Out {
        macro_rules! file {
            ($slot:expr) => {
                match &self.files[*$slot] {
                    Some(file) => Arc::clone(file),
                    None => return Ok(Val::NoHandle),
                }
            };
        }
        macro_rules! dir {
            ($at:expr) => {
                match self.dir(*$at) {
                    Some(dir) => dir,
                    None => return Ok(Val::NoHandle),
                }
            };
        }
        match op {
            Op::Open {
                at,
                path,
                opts,
                slot,
            } => {
                let dir = dir!(at);
                match errno(dir.open_at(path, opts).and_then(Opened::resolved))? {
                    Opened::File(file) => {
                        let filetype = errno(file.filetype())?;
                        self.files[*slot] = Some(file);
                        Ok(Val::OpenedFile(filetype))
                    }
                    Opened::Dir(dir) => {
                        self.dirs[*slot] = Some(dir);
                        Ok(Val::OpenedDir)
                    }
                    Opened::KindUnknown(_) => unreachable!("resolved above"),
                }
            }
            Op::Close { slot } => {
                self.files[*slot] = None;
                Ok(Val::Unit)
            }
            Op::CloseDir { slot } => {
                self.dirs[*slot] = None;
                Ok(Val::Unit)
            }
            Op::Write { slot, data } => {
                let file = file!(slot);
                errno(file.write_vectored(&[IoSlice::new(data)])).map(|n| Val::N(n as u64))
            }
            Op::Pwrite { slot, data, offset } => {
                let file = file!(slot);
                errno(file.write_vectored_at(&[IoSlice::new(data)], *offset))
                    .map(|n| Val::N(n as u64))
            }
            Op::Read { slot, len } => {
                let file = file!(slot);
                let mut buf = vec![0xEE; *len];
                let n = errno(file.read_vectored(&mut [IoSliceMut::new(&mut buf)]))?;
                buf.truncate(n);
                Ok(Val::Bytes(buf))
            }
            Op::Pread { slot, len, offset } => {
                let file = file!(slot);
                let mut buf = vec![0xEE; *len];
                let n = errno(file.read_vectored_at(&mut [IoSliceMut::new(&mut buf)], *offset))?;
                buf.truncate(n);
                Ok(Val::Bytes(buf))
            }
            Op::Seek { slot, pos } => {
                let file = file!(slot);
                errno(file.seek(*pos)).map(Val::N)
            }
            Op::SetSize { slot, size } => {
                let file = file!(slot);
                errno(file.set_size(*size)).map(|()| Val::Unit)
            }
            Op::FileStat { slot } => {
                let file = file!(slot);
                errno(file.filestat()).map(|st| Val::Stat(norm_stat(&st)))
            }
            Op::FdFlags { slot } => {
                let file = file!(slot);
                errno(file.fdflags()).map(|flags| Val::Flags(norm_flags(flags)))
            }
            Op::SetFdFlags {
                slot,
                append,
                nonblock,
            } => {
                let file = file!(slot);
                let mut flags = errno(file.fdflags())?;
                flags.set(FdFlags::APPEND, *append);
                flags.set(FdFlags::NONBLOCK, *nonblock);
                errno(file.set_fdflags(flags)).map(|()| Val::Unit)
            }
            Op::CreateDir { at, path } => errno(dir!(at).create_dir_at(path)).map(|()| Val::Unit),
            Op::RemoveDir { at, path } => errno(dir!(at).remove_dir_at(path)).map(|()| Val::Unit),
            Op::Unlink { at, path } => errno(dir!(at).unlink_file_at(path)).map(|()| Val::Unit),
            Op::Symlink { at, target, path } => {
                errno(dir!(at).symlink_at(target, path)).map(|()| Val::Unit)
            }
            Op::ReadLink { at, path } => errno(dir!(at).read_link_at(path)).map(Val::Bytes),
            Op::Rename { at, from, to } => {
                let dir = dir!(at);
                errno(dir.rename_at(from, &*dir, to)).map(|()| Val::Unit)
            }
            Op::HardLink { at, from, to } => {
                let dir = dir!(at);
                errno(dir.hard_link_at(from, &*dir, to)).map(|()| Val::Unit)
            }
            Op::StatAt { at, path, follow } => {
                errno(dir!(at).stat_at(path, *follow)).map(|st| Val::Stat(norm_stat(&st)))
            }
            Op::Readdir { at } => listing(&*dir!(at)).map(Val::Listing),
            Op::DirStat { slot } => {
                let dir = dir!(&Some(*slot));
                errno(dir.filestat()).map(|st| Val::Stat(norm_stat(&st)))
            }
        }
    }
}

/// All entries of `dir` (with `.` and `..`), as a sorted set of (name, type).
fn listing(dir: &dyn WasiDir) -> Result<Vec<(String, FileType)>, Errno> {
    let mut out = Vec::new();
    errno(dir.readdir(0, &mut |entry| {
        out.push((
            String::from_utf8_lossy(entry.name).into_owned(),
            entry.filetype,
        ));
        ReaddirFlow::Continue
    }))?;
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Whole-tree comparison
// ---------------------------------------------------------------------------------------------

#[derive(Debug, PartialEq, Eq)]
enum Desc {
    Dir,
    File { bytes: Vec<u8>, nlink: u64 },
    Link(Vec<u8>),
    Other(FileType),
    Error(&'static str, Errno),
}

/// Every path beneath `dir`, never following symlinks.
fn tree(dir: &dyn WasiDir) -> BTreeMap<String, Desc> {
    fn walk(dir: &dyn WasiDir, prefix: &str, out: &mut BTreeMap<String, Desc>) {
        let names = match listing(dir) {
            Ok(names) => names,
            Err(e) => {
                out.insert(prefix.to_string(), Desc::Error("readdir", e));
                return;
            }
        };
        for (name, _) in names.into_iter().filter(|(n, _)| n != "." && n != "..") {
            let path = format!("{prefix}{name}");
            let st = match dir.stat_at(&name, false) {
                Ok(st) => st,
                Err(e) => {
                    out.insert(path, Desc::Error("stat", e.errno()));
                    continue;
                }
            };
            let desc = match st.filetype {
                FileType::Directory => match dir.open_at(
                    &name,
                    &OpenOptions {
                        read: true,
                        ..OpenOptions::default()
                    },
                ).and_then(Opened::resolved) {
                    Ok(Opened::Dir(sub)) => {
                        walk(&*sub, &format!("{path}/"), out);
                        Desc::Dir
                    }
                    Ok(_) => Desc::Error("opened a directory as a file", Errno::Notdir),
                    Err(e) => Desc::Error("open dir", e.errno()),
                },
                FileType::RegularFile => match dir.open_at(
                    &name,
                    &OpenOptions {
                        read: true,
                        ..OpenOptions::default()
                    },
                ).and_then(Opened::resolved) {
                    Ok(Opened::File(file)) => {
                        let mut bytes = vec![0u8; st.size as usize];
                        let mut at = 0;
                        while at < bytes.len() {
                            match file.read_vectored_at(
                                &mut [IoSliceMut::new(&mut bytes[at..])],
                                at as u64,
                            ) {
                                Ok(0) => break,
                                Ok(n) => at += n,
                                Err(_) => break,
                            }
                        }
                        bytes.truncate(at);
                        Desc::File {
                            bytes,
                            nlink: st.nlink,
                        }
                    }
                    Ok(_) => Desc::Error("opened a file as a directory", Errno::Isdir),
                    Err(e) => Desc::Error("open file", e.errno()),
                },
                FileType::SymbolicLink => match dir.read_link_at(&name) {
                    Ok(target) => Desc::Link(target),
                    Err(e) => Desc::Error("readlink", e.errno()),
                },
                other => Desc::Other(other),
            };
            out.insert(path, desc);
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// Known differences (each captured by a documented-difference test below)
// ---------------------------------------------------------------------------------------------

/// What [`known_difference`] may look at: the in-memory side (queried, never changed) and
/// the options each file slot was opened with (the same on both sides).
struct Ctx<'a> {
    mem: &'a Side,
    file_opts: &'a [Option<OpenOptions>; SLOTS],
}

impl Ctx<'_> {
    /// The file type at `path` on the in-memory side, or its errno.
    fn mem_type(&self, at: &At, path: &str, follow: bool) -> Result<FileType, Errno> {
        let dir = self.mem.dir(*at).ok_or(Errno::Badf)?;
        errno(dir.stat_at(path, follow)).map(|st| st.filetype)
    }

    /// Follows the symlink chain `path` starts (at most 8 links) without resolving anything
    /// else: whether a link was followed, whether a trailing slash (on `path` or a target)
    /// requires a directory, whether such a slash was on a name that is itself a symlink, and
    /// the path the chain ends at.
    fn symlink_chain(&self, at: &At, path: &str) -> (bool, bool, bool, String) {
        let mut slash = path.ends_with('/');
        let mut slash_on_link = false;
        let mut current = path.trim_end_matches('/').to_string();
        let mut followed = false;
        for _ in 0..8 {
            if self.mem_type(at, &current, false) != Ok(FileType::SymbolicLink) {
                break;
            }
            slash_on_link |= slash;
            let Some(target) = self.mem_readlink(at, &current) else {
                break;
            };
            let target = String::from_utf8_lossy(&target).into_owned();
            slash |= target.ends_with('/');
            let (parent, _) = split_last(&current);
            current = format!("{parent}/{}", target.trim_end_matches('/'));
            followed = true;
        }
        (followed, slash, slash_on_link, current)
    }

    /// Whether `path` names a symlink (chain) that must resolve to a directory (a trailing
    /// slash on `path` or on a target) and ends at a name whose parent does not exist.
    fn creates_through_symlink_into_missing_dir(&self, at: &At, path: &str) -> bool {
        let (followed, slash, _, end) = self.symlink_chain(at, path);
        followed && slash && self.mem_type(at, &split_last(&end).0, true) == Err(Errno::Noent)
    }

    /// Inode number of `path` on the in-memory side (its own numbering, consistent within it).
    fn mem_ino(&self, at: &At, path: &str, follow: bool) -> Option<u64> {
        self.mem
            .dir(*at)?
            .stat_at(path, follow)
            .ok()
            .map(|st| st.ino)
    }

    /// Whether directory `dir` is a proper ancestor of what `path` names (not following it).
    fn is_ancestor(&self, at: &At, dir: &str, path: &str) -> bool {
        let Some(ino) = self.mem_ino(at, dir, false) else {
            return false;
        };
        let mut up = split_last(path).0;
        for _ in 0..8 {
            match self.mem_ino(at, &up, true) {
                Some(i) if i == ino => return true,
                Some(_) => up.push_str("/.."),
                None => return false,
            }
        }
        false
    }

    /// Whether the directory that would hold `path` cannot be resolved (missing, not a
    /// directory, a loop, or outside the base).
    fn dest_unresolvable(&self, at: &At, path: &str) -> bool {
        let (parent, last) = split_last(path);
        last.is_empty()
            || last == "."
            || last == ".."
            || self.mem_type(at, &parent, true) != Ok(FileType::Directory)
    }

    /// Whether the in-memory directory `at` has been removed (its link count is 0).
    fn mem_dir_removed(&self, at: &At) -> bool {
        self.mem
            .dir(*at)
            .and_then(|d| d.filestat().ok())
            .is_some_and(|st| st.nlink == 0)
    }

    /// Whether the in-memory file in `slot` has `append` set now.
    fn mem_append(&self, slot: usize) -> bool {
        self.mem.files[slot]
            .as_ref()
            .and_then(|f| f.fdflags().ok())
            .is_some_and(|f| f.contains(FdFlags::APPEND))
    }

    /// The target of symlink `path` on the in-memory side.
    fn mem_readlink(&self, at: &At, path: &str) -> Option<Vec<u8>> {
        self.mem.dir(*at)?.read_link_at(path).ok()
    }
}

/// `path` without trailing slashes, split into the path of its parent (`.` if none) and its
/// last component.
fn split_last(path: &str) -> (String, String) {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rsplit_once('/') {
        Some((parent, last)) => (
            if parent.is_empty() {
                ".".into()
            } else {
                parent.to_string()
            },
            last.to_string(),
        ),
        None => (".".into(), trimmed.to_string()),
    }
}

/// Differences the first run of this test found and the backends have since been fixed for:
/// their tests now assert agreement, and the random test runs their shapes again.
///
/// (`open_creat_with_trailing_slash_through_symlink_into_missing_dir` is not listed: its own
/// case agrees now, but the shape it names also covers a symlink whose target ends in a slash,
/// where the OS backend still answers `isdir` and memfs the error of the walk.)
const RESOLVED: &[&str] = &[
    "open_creat_nofollow_read_only_of_symlink_to_directory_slash_dot",
    "empty_write_on_append_descriptor_moves_position",
    "fdflags_of_read_only_open_with_append",
    "open_creat_excl_directory_of_an_existing_file",
    "open_creat_excl_with_trailing_slash_of_an_existing_directory",
    "open_creat_nofollow_read_only_with_trailing_slash_of_a_dangling_symlink",
    "open_creat_nofollow_read_only_with_trailing_slash_of_a_symlink_to_a_directory",
    "open_creat_with_trailing_slash_of_a_symlink_loop",
    "open_creat_with_trailing_slash_of_a_symlink_through_a_file",
    "open_creat_with_trailing_slash_of_a_symlink_to_an_absolute_path",
    "open_creat_with_trailing_slash_of_an_existing_file",
    "read_link_with_trailing_slash_of_a_file",
    "rename_of_a_directory_onto_a_file_inside_it",
    "rename_of_a_directory_onto_a_non_empty_directory_inside_it",
    "rename_of_a_file_onto_the_directory_holding_it",
    "rename_of_missing_source_beneath_a_file",
    "rename_of_missing_source_to_dot",
    "rename_of_missing_source_beneath_a_symlink_loop",
    "rename_of_missing_source_to_dotdot",
    "stat_nofollow_of_a_dangling_symlink_followed_by_slash_dot",
    "stat_nofollow_of_a_file_followed_by_slash_dot",
    "stat_nofollow_of_a_symlink_to_a_directory_followed_by_slash_dot",
];

/// Whether `op` has the exact shape of a difference already captured by a documented-difference
/// test (named in the answer); the random test then runs it on neither side.
fn known_difference(op: &Op, ctx: &Ctx<'_>) -> Option<&'static str> {
    use Errno::*;
    use FileType::*;
    let is_dir = |r: Result<FileType, Errno>| r == Ok(Directory);
    // Every shape `op` has; the first one still unresolved is the answer.
    let mut hits: Vec<&'static str> = Vec::new();
    match op {
        Op::FdFlags { slot } => {
            let opts = ctx.file_opts[*slot]?;
            // rustix (linux_raw) opens `dsync` as O_SYNC.
            if opts.fdflags.contains(FdFlags::DSYNC)
                && !opts.fdflags.intersects(FdFlags::SYNC | FdFlags::RSYNC)
            {
                hits.push("fdflags_of_dsync_open");
            }
            // The OS backend drops `append` from an open that does not write.
            if opts.fdflags.contains(FdFlags::APPEND) && !opts.write {
                hits.push("fdflags_of_read_only_open_with_append");
            }
        }
        // memfs moves the position to the end on an empty append write.
        Op::Write { slot, data } if data.is_empty() && ctx.mem_append(*slot) => {
            hits.push("empty_write_on_append_descriptor_moves_position");
        }
        Op::Rename { at, from, to } => {
            // Linux refuses a move into the source's own subtree (`inval`) or onto an
            // ancestor (`notempty`) before it compares the two file types.
            let to_trimmed = to.trim_end_matches('/');
            if is_dir(ctx.mem_type(at, from, false))
                && ctx.mem_type(at, to_trimmed, false).is_ok()
                && ctx.is_ancestor(at, from, to)
            {
                hits.push(if is_dir(ctx.mem_type(at, to_trimmed, false)) {
                    "rename_of_a_directory_onto_a_non_empty_directory_inside_it"
                } else {
                    "rename_of_a_directory_onto_a_file_inside_it"
                });
            }
            if matches!(ctx.mem_type(at, from, false), Ok(t) if t != Directory)
                && is_dir(ctx.mem_type(at, to, false))
                && ctx.is_ancestor(at, to, from)
            {
                hits.push("rename_of_a_file_onto_the_directory_holding_it");
            }
            // The OS checks a trailing slash by `x/.` without following, which answers for the
            // symlink `x` itself (see stat_nofollow_*_followed_by_slash_dot).
            if (to.ends_with('/') || from.ends_with('/'))
                && let Some(prefix) = from.strip_suffix("/.")
                && ctx.mem_type(at, prefix, false) == Ok(SymbolicLink)
            {
                hits.push(if ctx.mem_type(at, prefix, true).is_err() {
                    "rename_of_a_broken_symlink_slash_dot_to_a_name_with_trailing_slash"
                } else {
                    "rename_of_a_symlink_to_a_directory_slash_dot_to_a_name_with_trailing_slash"
                });
            }
            // Missing source, destination that cannot be resolved: the OS reports the
            // destination's error first.
            let (from_parent, _) = split_last(from);
            let (to_parent, to_last) = split_last(to);
            if is_dir(ctx.mem_type(at, &from_parent, true))
                && ctx.mem_type(at, from, false) == Err(Noent)
            {
                if to_last == "." || to_last == ".." {
                    hits.push(if ctx.mem_type(at, to, false) == Err(Perm) {
                        "rename_of_missing_source_to_dotdot"
                    } else {
                        "rename_of_missing_source_to_dot"
                    });
                }
                match ctx.mem_type(at, &to_parent, true) {
                    Ok(Directory) | Err(Noent) => {}
                    Err(Perm) => {
                        hits.push("rename_of_missing_source_to_dotdot");
                    }
                    Err(Loop) => {
                        hits.push("rename_of_missing_source_beneath_a_symlink_loop");
                    }
                    _ => {
                        hits.push("rename_of_missing_source_beneath_a_file");
                    }
                }
            }
        }
        Op::HardLink { at, from, to } => {
            // The OS answers for the destination before refusing a directory source.
            if is_dir(ctx.mem_type(at, from, false)) {
                if ctx.mem_dir_removed(at) && ctx.mem_type(at, to, false) == Err(Noent) {
                    hits.push("hard_link_of_dot_into_a_removed_directory");
                }
                match ctx.mem_type(at, to, false) {
                    Ok(_) => {
                        hits.push("hard_link_of_a_directory_onto_an_existing_name");
                    }
                    Err(Noent) if to.ends_with('/') => {
                        hits.push("hard_link_of_a_directory_to_a_new_name_with_trailing_slash");
                    }
                    Err(Notdir) if to.ends_with('/') => {
                        hits.push("hard_link_of_a_directory_onto_a_file_with_trailing_slash");
                    }
                    Err(Loop) if to.ends_with('/') => {
                        hits.push(
                            "hard_link_of_a_directory_onto_a_symlink_loop_with_trailing_slash",
                        );
                    }
                    _ => {}
                }
            }
            // A source named with a trailing slash: the OS resolves it (following a
            // symlink) and answers its error first.
            if from.ends_with('/') {
                let source = ctx.mem_type(at, from, true);
                if ctx.mem_type(at, from.trim_end_matches('/'), false) == Ok(SymbolicLink) {
                    match source {
                        Err(Noent) => {
                            hits.push("hard_link_of_a_dangling_symlink_named_with_trailing_slash");
                        }
                        Err(Loop) => {
                            hits.push("hard_link_of_a_symlink_loop_named_with_trailing_slash");
                        }
                        Ok(Directory) => {
                            hits.push(
                                "hard_link_of_a_symlink_to_a_directory_named_with_trailing_slash",
                            );
                        }
                        _ => {}
                    }
                }
                if ctx.dest_unresolvable(at, to) || ctx.mem_type(at, to, false) == Err(Perm) {
                    match source {
                        Err(Noent) if ctx.mem_type(at, to, false) == Err(Perm) => {
                            hits.push("hard_link_of_missing_source_with_trailing_slash_to_an_escaping_name");
                        }
                        Err(Noent) => {
                            hits.push(
                                "hard_link_of_missing_source_with_trailing_slash_beneath_a_file",
                            );
                        }
                        Err(Notdir) if split_last(to).1.is_empty() => {
                            hits.push("hard_link_of_a_file_with_trailing_slash_to_an_empty_name");
                        }
                        Err(Notdir) => {
                            hits.push(
                                "hard_link_of_a_file_with_trailing_slash_into_a_missing_directory",
                            );
                        }
                        Err(Loop) => {
                            hits.push("hard_link_of_a_symlink_loop_with_trailing_slash_into_a_missing_directory");
                        }
                        _ => {}
                    }
                }
            }
            // A destination named with a trailing slash: the OS resolves it (following a
            // symlink) and answers its error; memfs answers `exist` or the source's error.
            if to.ends_with('/') && ctx.mem_type(at, to.trim_end_matches('/'), false).is_ok() {
                let source = ctx.mem_type(at, from.trim_end_matches('/'), false);
                match (source, ctx.mem_type(at, to, true)) {
                    (Ok(_), Err(Notdir)) => {
                        hits.push("hard_link_onto_an_existing_file_with_trailing_slash");
                    }
                    (Ok(_), Err(Noent)) => {
                        hits.push("hard_link_onto_a_dangling_symlink_with_trailing_slash");
                    }
                    (Ok(_), Err(Loop)) => {
                        hits.push("hard_link_onto_a_symlink_loop_with_trailing_slash");
                    }
                    (Err(Noent), Err(Notdir)) => {
                        hits.push("hard_link_of_missing_source_onto_a_file_with_trailing_slash");
                    }
                    (Err(Noent), Err(Loop)) => {
                        hits.push(
                            "hard_link_of_missing_source_onto_a_symlink_loop_with_trailing_slash",
                        );
                    }
                    _ => {}
                }
            }
        }
        // A new name with a trailing slash where something exists: the OS answers the error
        // of resolving it as a directory, memfs `exist`.
        Op::Symlink { at, path, .. }
            if path.ends_with('/')
                && ctx.mem_type(at, path.trim_end_matches('/'), false).is_ok() =>
        {
            match ctx.mem_type(at, path, true) {
                Err(Notdir) => {
                    hits.push("symlink_with_trailing_slash_onto_an_existing_file");
                }
                Err(Noent) => {
                    hits.push("symlink_with_trailing_slash_onto_a_dangling_symlink");
                }
                Err(Loop) => {
                    hits.push("symlink_with_trailing_slash_onto_a_symlink_loop");
                }
                _ => {}
            }
        }
        // A symlink named with a trailing slash: the OS follows it and answers for what it
        // finds, memfs answers `notdir`.
        Op::Unlink { at, path }
            if path.ends_with('/')
                && ctx.mem_type(at, path.trim_end_matches('/'), false) == Ok(SymbolicLink) =>
        {
            match ctx.mem_type(at, path, true) {
                Err(Noent) => {
                    hits.push("unlink_with_trailing_slash_of_a_dangling_symlink");
                }
                Err(Loop) => {
                    hits.push("unlink_with_trailing_slash_of_a_symlink_loop");
                }
                Ok(Directory) => {
                    hits.push("unlink_with_trailing_slash_of_a_symlink_to_a_directory");
                }
                _ => {}
            }
        }
        Op::StatAt {
            at,
            path,
            follow: false,
        } => {
            // The OS backend answers `x/.` without following with the stat of `x` itself.
            if let Some(prefix) = path.strip_suffix("/.") {
                match (
                    ctx.mem_type(at, prefix, false),
                    ctx.mem_type(at, prefix, true),
                ) {
                    (Ok(_), Ok(t)) if t != Directory => {
                        hits.push("stat_nofollow_of_a_file_followed_by_slash_dot");
                    }
                    (Ok(SymbolicLink), Err(_)) => {
                        hits.push("stat_nofollow_of_a_dangling_symlink_followed_by_slash_dot");
                    }
                    (Ok(SymbolicLink), Ok(Directory)) => {
                        hits.push(
                            "stat_nofollow_of_a_symlink_to_a_directory_followed_by_slash_dot",
                        );
                    }
                    _ => {}
                }
            }
        }
        Op::ReadLink { at, path }
            if path.ends_with('/') && ctx.mem_type(at, path, true) == Err(Notdir) =>
        {
            hits.push("read_link_with_trailing_slash_of_a_file");
        }
        Op::RemoveDir { at, path }
            if split_last(path).1 == ".." && ctx.mem_type(at, path, false).is_ok() =>
        {
            hits.push("remove_dir_of_a_path_ending_in_dotdot");
        }
        Op::Open { at, path, opts, .. } => {
            let o = opts.oflags;
            if o.contains(OFlags::CREAT | OFlags::EXCL | OFlags::DIRECTORY)
                && matches!(ctx.mem_type(at, path, opts.follow || path.ends_with('/')), Ok(t) if t != Directory && t != SymbolicLink)
            {
                hits.push("open_creat_excl_directory_of_an_existing_file");
            }
            // The OS (like Linux) answers `isdir` for any creating open whose last component
            // has a trailing slash, also one reached through a final symlink.
            if o.contains(OFlags::CREAT) {
                if path.ends_with('/')
                    && ctx.mem_type(at, path.trim_end_matches('/'), false).is_ok()
                {
                    match ctx.mem_type(at, path.trim_end_matches('/'), true) {
                        Ok(RegularFile) => {
                            hits.push("open_creat_with_trailing_slash_of_an_existing_file");
                        }
                        Ok(Directory) if o.contains(OFlags::EXCL) => {
                            hits.push(
                                "open_creat_excl_with_trailing_slash_of_an_existing_directory",
                            );
                        }
                        Err(Perm) => {
                            hits.push(
                                "open_creat_with_trailing_slash_of_a_symlink_to_an_absolute_path",
                            );
                        }
                        Err(Notdir) => {
                            hits.push("open_creat_with_trailing_slash_of_a_symlink_through_a_file");
                        }
                        Err(Loop) => {
                            hits.push("open_creat_with_trailing_slash_of_a_symlink_loop");
                        }
                        Err(Noent) if !opts.write && !opts.follow => {
                            hits.push("open_creat_nofollow_read_only_with_trailing_slash_of_a_dangling_symlink");
                        }
                        _ => {}
                    }
                }
                let (followed, slash, slash_on_link, end) = ctx.symlink_chain(at, path);
                if (opts.follow || path.ends_with('/'))
                    && followed
                    && slash
                    && ctx.mem_type(at, &end, false) == Ok(RegularFile)
                {
                    hits.push("open_creat_through_symlink_with_trailing_slash_to_an_existing_file");
                }
                if !opts.write
                    && !opts.follow
                    && let Some(prefix) = path.strip_suffix("/.")
                    && ctx.mem_type(at, prefix, false) == Ok(SymbolicLink)
                    && is_dir(ctx.mem_type(at, prefix, true))
                {
                    hits.push("open_creat_nofollow_read_only_of_symlink_to_directory_slash_dot");
                }
                if (opts.follow || path.ends_with('/'))
                    && ctx.creates_through_symlink_into_missing_dir(at, path)
                {
                    hits.push("open_creat_with_trailing_slash_through_symlink_into_missing_dir");
                }
                if opts.follow && slash && ctx.mem_type(at, path, true) == Err(Loop) {
                    hits.push("open_creat_of_a_symlink_loop_with_trailing_slash");
                }
                if (opts.follow || path.ends_with('/'))
                    && followed
                    && slash
                    && ctx.mem_type(at, path, true) == Err(Perm)
                {
                    hits.push(
                        "open_creat_through_symlink_with_trailing_slash_to_a_symlink_outside",
                    );
                }
                if (opts.follow || path.ends_with('/'))
                    && followed
                    && slash_on_link
                    && ctx.mem_type(at, &end, false) == Err(Notdir)
                {
                    hits.push("open_creat_through_symlink_with_trailing_slash_beneath_a_file");
                }
                if !opts.write
                    && !opts.follow
                    && path.ends_with('/')
                    && ctx.mem_type(at, path.trim_end_matches('/'), false) == Ok(SymbolicLink)
                    && is_dir(ctx.mem_type(at, path, true))
                {
                    hits.push("open_creat_nofollow_read_only_with_trailing_slash_of_a_symlink_to_a_directory");
                }
            }
        }
        _ => {}
    }
    hits.into_iter().find(|name| !RESOLVED.contains(name))
}

// ---------------------------------------------------------------------------------------------
// Running sequences
// ---------------------------------------------------------------------------------------------

/// Where and how the two backends disagreed.
#[derive(Debug)]
struct Mismatch {
    /// Index of the operation, or `None` for the final tree comparison.
    step: Option<usize>,
    what: String,
    os: String,
    mem: String,
}

impl Mismatch {
    /// What identifies "the same difference" while shrinking.
    fn key(&self) -> String {
        self.what
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_string()
    }
}

struct Pair {
    os: Side,
    mem: Side,
    /// The options each file slot was last filled with.
    file_opts: [Option<OpenOptions>; SLOTS],
    skip_known: bool,
}

impl Pair {
    fn new(skip_known: bool) -> Pair {
        Pair {
            os: Side::os(),
            mem: Side::mem(),
            file_opts: [None; SLOTS],
            skip_known,
        }
    }

    fn step(&mut self, index: usize, op: &Op) -> Result<Out, Mismatch> {
        if self.skip_known
            && let Some(why) = known_difference(
                op,
                &Ctx {
                    mem: &self.mem,
                    file_opts: &self.file_opts,
                },
            )
        {
            return Ok(Ok(Val::Skipped(why)));
        }
        let os = self.os.apply(op);
        let mem = self.mem.apply(op);
        if os == mem {
            match (op, &os) {
                (Op::Open { slot, opts, .. }, Ok(Val::OpenedFile(_))) => {
                    self.file_opts[*slot] = Some(*opts)
                }
                (Op::Close { slot }, _) => self.file_opts[*slot] = None,
                _ => {}
            }
            Ok(os)
        } else {
            Err(Mismatch {
                step: Some(index),
                what: op.kind().to_string(),
                os: format!("{os:?}"),
                mem: format!("{mem:?}"),
            })
        }
    }

    fn compare_trees(&self) -> Result<(), Mismatch> {
        let (os, mem) = (tree(&*self.os.root), tree(&*self.mem.root));
        if os == mem {
            return Ok(());
        }
        let mut paths: Vec<&String> = os.keys().chain(mem.keys()).collect();
        paths.sort();
        paths.dedup();
        let differing: Vec<&String> = paths
            .into_iter()
            .filter(|p| os.get(*p) != mem.get(*p))
            .collect();
        let first = differing[0];
        Err(Mismatch {
            step: None,
            what: format!("tree at {first:?}"),
            os: format!("{:?}", os.get(first)),
            mem: format!("{:?}", mem.get(first)),
        })
    }
}

/// Runs `ops` on fresh backends; the first disagreement, if any (the tree is compared last).
fn replay(ops: &[Op], skip_known: bool) -> Option<Mismatch> {
    let mut pair = Pair::new(skip_known);
    for (i, op) in ops.iter().enumerate() {
        if let Err(mismatch) = pair.step(i, op) {
            return Some(mismatch);
        }
    }
    pair.compare_trees().err()
}

/// The shortest subsequence of `ops` found that still shows a mismatch of the same kind.
fn shrink(ops: &[Op], key: &str) -> (Vec<Op>, Mismatch) {
    let fails = |candidate: &[Op]| replay(candidate, true).filter(|m| m.key() == key);
    let mut best = ops.to_vec();
    let mut found = fails(&best).expect("the sequence to shrink fails");
    // Cut everything after the failing operation.
    if let Some(step) = found.step {
        best.truncate(step + 1);
    }
    let mut chunk = best.len().div_ceil(2).max(1);
    loop {
        let mut changed = false;
        let mut start = 0;
        while start < best.len() {
            let end = (start + chunk).min(best.len());
            let mut candidate = best[..start].to_vec();
            candidate.extend_from_slice(&best[end..]);
            if let Some(m) = fails(&candidate) {
                best = candidate;
                if let Some(step) = m.step {
                    best.truncate(step + 1);
                }
                found = m;
                changed = true;
            } else {
                start = end;
            }
        }
        if chunk == 1 && !changed {
            break;
        }
        if !changed {
            chunk = (chunk / 2).max(1);
        }
    }
    (best, found)
}

fn report(seed: u64, ops: &[Op], mismatch: &Mismatch) -> String {
    let mut text = format!("seed {seed}: backends disagree on {}\n", mismatch.what);
    for (i, op) in ops.iter().enumerate() {
        text += &format!("  {i:3}: {}\n", show(op));
    }
    text += &format!("  OS:    {}\n  memfs: {}\n", mismatch.os, mismatch.mem);
    text
}

// ---------------------------------------------------------------------------------------------
// Generating sequences
// ---------------------------------------------------------------------------------------------

const NAMES: &[&str] = &[
    "a", "b", "d", "d/x", "d/e", "d/e/y", "l", "d/l", "x", "d/e/l",
];

fn path(rng: &mut Rng) -> String {
    match rng.below(100) {
        0 => return String::new(),
        1..=2 => return ".".into(),
        3..=4 => return "..".into(),
        5..=6 => return rng.pick(&["d/..", "d/e/..", "./", "d/./e"]).to_string(),
        _ => {}
    }
    let mut p = rng.pick(NAMES).to_string();
    if rng.chance(5) {
        p = format!("d/../{p}");
    }
    if rng.chance(3) {
        p = format!("../{p}");
    }
    if rng.chance(6) {
        p = format!("./{p}");
    }
    if p.contains('/') && rng.chance(5) {
        p = p.replacen('/', "//", 1);
    }
    match rng.below(100) {
        0..=5 => p.push('/'),
        6..=7 => p.push_str("/."),
        8 => p.push_str("//"),
        _ => {}
    }
    p
}

fn target(rng: &mut Rng, link_path: &str) -> String {
    if rng.chance(8) {
        // A self-loop: the link's own last component.
        return link_path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("l")
            .to_string();
    }
    rng.pick(&[
        "a",
        "b",
        "d",
        "../x",
        "/abs",
        "d/..",
        "nonexistent",
        "d/x",
        "x",
        "..",
        ".",
        "e/y",
        "a/",
        "d/e",
        "l",
        "../a",
    ])
    .to_string()
}

fn data(rng: &mut Rng, step: usize) -> Vec<u8> {
    let len = rng.below(12) as usize;
    let base = b'A' + (step % 26) as u8;
    (0..len)
        .map(|i| {
            if i == 0 {
                base
            } else {
                b'a' + rng.below(26) as u8
            }
        })
        .collect()
}

fn open_options(rng: &mut Rng) -> OpenOptions {
    let mut oflags = OFlags::empty();
    oflags.set(OFlags::CREAT, rng.chance(40));
    oflags.set(OFlags::EXCL, rng.chance(15));
    oflags.set(OFlags::TRUNC, rng.chance(15));
    oflags.set(OFlags::DIRECTORY, rng.chance(15));
    let mut fdflags = FdFlags::empty();
    fdflags.set(FdFlags::APPEND, rng.chance(20));
    fdflags.set(FdFlags::NONBLOCK, rng.chance(5));
    if rng.chance(3) {
        fdflags |= *rng.pick(&[FdFlags::DSYNC, FdFlags::SYNC, FdFlags::RSYNC]);
    }
    OpenOptions {
        follow: rng.chance(80),
        oflags,
        read: rng.chance(70),
        write: rng.chance(50),
        fdflags,
    }
}

/// A slot, preferring filled ones.
fn slot(rng: &mut Rng, filled: &[bool]) -> usize {
    let full: Vec<usize> = (0..SLOTS).filter(|&i| filled[i]).collect();
    if !full.is_empty() && rng.chance(90) {
        *rng.pick(&full)
    } else {
        rng.below(SLOTS as u64) as usize
    }
}

fn at(rng: &mut Rng, dirs: &[bool]) -> At {
    if rng.chance(15) {
        Some(slot(rng, dirs))
    } else {
        None
    }
}

fn gen_op(rng: &mut Rng, step: usize, files: &[bool], dirs: &[bool]) -> Op {
    let f = |rng: &mut Rng| slot(rng, files);
    match rng.below(124) {
        0..=17 => Op::Open {
            at: at(rng, dirs),
            path: path(rng),
            opts: open_options(rng),
            slot: rng.below(SLOTS as u64) as usize,
        },
        18..=19 => Op::Close { slot: f(rng) },
        20 => Op::CloseDir {
            slot: slot(rng, dirs),
        },
        21..=28 => Op::Write {
            slot: f(rng),
            data: data(rng, step),
        },
        29..=33 => Op::Pwrite {
            slot: f(rng),
            data: data(rng, step),
            offset: rng.below(40),
        },
        34..=40 => Op::Read {
            slot: f(rng),
            len: rng.below(24) as usize,
        },
        41..=45 => Op::Pread {
            slot: f(rng),
            len: rng.below(24) as usize,
            offset: rng.below(48),
        },
        46..=49 => {
            let pos = match rng.below(3) {
                0 => SeekFrom::Start(rng.below(40)),
                1 => SeekFrom::Current(rng.range(-20, 20)),
                _ => SeekFrom::End(rng.range(-10, 10)),
            };
            Op::Seek { slot: f(rng), pos }
        }
        50..=53 => Op::SetSize {
            slot: f(rng),
            size: rng.below(40),
        },
        54..=57 => Op::FileStat { slot: f(rng) },
        58..=59 => Op::FdFlags { slot: f(rng) },
        60..=61 => Op::SetFdFlags {
            slot: f(rng),
            append: rng.chance(50),
            nonblock: rng.chance(20),
        },
        62..=68 => Op::CreateDir {
            at: at(rng, dirs),
            path: path(rng),
        },
        69..=73 => Op::RemoveDir {
            at: at(rng, dirs),
            path: path(rng),
        },
        74..=79 => Op::Unlink {
            at: at(rng, dirs),
            path: path(rng),
        },
        80..=85 => {
            let p = path(rng);
            Op::Symlink {
                at: at(rng, dirs),
                target: target(rng, &p),
                path: p,
            }
        }
        86..=88 => Op::ReadLink {
            at: at(rng, dirs),
            path: path(rng),
        },
        89..=95 => Op::Rename {
            at: at(rng, dirs),
            from: path(rng),
            to: path(rng),
        },
        96..=99 => Op::HardLink {
            at: at(rng, dirs),
            from: path(rng),
            to: path(rng),
        },
        100..=111 => Op::StatAt {
            at: at(rng, dirs),
            path: path(rng),
            follow: rng.chance(50),
        },
        112..=119 => Op::Readdir {
            at: if rng.chance(50) {
                None
            } else {
                Some(slot(rng, dirs))
            },
        },
        _ => Op::DirStat {
            slot: slot(rng, dirs),
        },
    }
}

/// Runs one random sequence; on a disagreement, the ops run so far and the mismatch.
fn run_seed(seed: u64) -> Result<(), (Vec<Op>, Mismatch)> {
    let mut rng = Rng::new(seed);
    let mut pair = Pair::new(true);
    let mut ops = Vec::with_capacity(STEPS);
    let (mut files, mut dirs) = ([false; SLOTS], [false; SLOTS]);
    for step in 0..STEPS {
        let op = gen_op(&mut rng, step, &files, &dirs);
        ops.push(op.clone());
        let out = pair.step(step, &op).map_err(|m| (ops.clone(), m))?;
        match (&op, &out) {
            (Op::Open { slot, .. }, Ok(Val::OpenedFile(_))) => files[*slot] = true,
            (Op::Open { slot, .. }, Ok(Val::OpenedDir)) => dirs[*slot] = true,
            (Op::Close { slot }, _) => files[*slot] = false,
            (Op::CloseDir { slot }, _) => dirs[*slot] = false,
            _ => {}
        }
    }
    pair.compare_trees().map_err(|m| (ops, m))
}

fn seed_count() -> u64 {
    std::env::var("MEMFS_DIFF_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_SEEDS)
}

#[test]
fn random_sequences_agree_on_both_backends() {
    // MEMFS_DIFF_ALL=1 goes on after a mismatch and reports every failing seed (for finding
    // several differences in one run); by default the first one fails the test.
    let keep_going = std::env::var_os("MEMFS_DIFF_ALL").is_some();
    let mut failures = Vec::new();
    for seed in 0..seed_count() {
        if let Err((ops, mismatch)) = run_seed(seed) {
            let (small, small_mismatch) = shrink(&ops, &mismatch.key());
            let text = format!(
                "{}(first seen at step {:?} of the full sequence: OS {} / memfs {})\n",
                report(seed, &small, &small_mismatch),
                mismatch.step,
                mismatch.os,
                mismatch.mem
            );
            if !keep_going {
                panic!("{text}");
            }
            eprintln!("{text}");
            failures.push(seed);
        }
    }
    assert!(failures.is_empty(), "seeds with differences: {failures:?}");
}

// ---------------------------------------------------------------------------------------------
// Helpers for the deterministic tests below
// ---------------------------------------------------------------------------------------------

/// Runs `ops` on both backends (no known difference skipped) and fails on a disagreement.
fn assert_agree(ops: &[Op]) {
    if let Some(mismatch) = replay(ops, false) {
        panic!("{}", report(0, ops, &mismatch));
    }
}

/// Runs `ops` on both backends and checks that they still differ exactly at the last one,
/// both refusing (or both succeeding) there, so the list of documented differences stays
/// true: when a backend changes to agree, this fails and the case moves to `RESOLVED`.
fn assert_documented_difference(ops: &[Op]) {
    match replay(ops, false) {
        Some(mismatch) => {
            assert_eq!(
                mismatch.step,
                Some(ops.len() - 1),
                "{}",
                report(0, ops, &mismatch)
            );
            assert_eq!(
                mismatch.os.starts_with("Err("),
                mismatch.mem.starts_with("Err("),
                "{}",
                report(0, ops, &mismatch)
            );
        }
        None => panic!("the backends now agree: move this case to RESOLVED"),
    }
}

fn open(path: &str, opts: OpenOptions, slot: usize) -> Op {
    Op::Open {
        at: None,
        path: path.into(),
        opts,
        slot,
    }
}

fn rw_create() -> OpenOptions {
    OpenOptions {
        follow: true,
        oflags: OFlags::CREAT,
        read: true,
        write: true,
        fdflags: FdFlags::empty(),
    }
}

fn mkdir(path: &str) -> Op {
    Op::CreateDir {
        at: None,
        path: path.into(),
    }
}

fn symlink(target: &str, path: &str) -> Op {
    Op::Symlink {
        at: None,
        target: target.into(),
        path: path.into(),
    }
}

/// Creates `path` as an empty regular file (through the last file slot, closed again).
fn create(path: &str) -> [Op; 2] {
    [
        open(path, rw_create(), SLOTS - 1),
        Op::Close { slot: SLOTS - 1 },
    ]
}

#[test]
fn the_harness_sees_a_simple_sequence_agree() {
    assert_agree(&[
        open("a", rw_create(), 0),
        Op::Write {
            slot: 0,
            data: b"hello".to_vec(),
        },
        Op::CreateDir {
            at: None,
            path: "d".into(),
        },
        Op::HardLink {
            at: None,
            from: "a".into(),
            to: "d/x".into(),
        },
        Op::Symlink {
            at: None,
            target: "d/x".into(),
            path: "l".into(),
        },
        Op::StatAt {
            at: None,
            path: "l".into(),
            follow: true,
        },
        Op::Readdir { at: None },
    ]);
}

// ---------------------------------------------------------------------------------------------
// Differences found (each one minimal; the random test skips exactly these shapes)
// ---------------------------------------------------------------------------------------------

#[test]
fn empty_write_on_append_descriptor_moves_position() {
    let append = OpenOptions {
        fdflags: FdFlags::APPEND,
        ..rw_create()
    };
    assert_agree(&[
        open("f", append, 0),
        Op::Write {
            slot: 0,
            data: b"abc".to_vec(),
        },
        Op::Seek {
            slot: 0,
            pos: SeekFrom::Start(0),
        },
        Op::Write {
            slot: 0,
            data: Vec::new(),
        },
        Op::Seek {
            slot: 0,
            pos: SeekFrom::Current(0),
        },
    ]);
}

#[test]
/// Documented difference: open with fdflags dsync, then fdflags: OS dsync|rsync|sync (opened O_SYNC), memfs dsync
fn fdflags_of_dsync_open() {
    assert_documented_difference(&[
        open(
            "a",
            OpenOptions {
                fdflags: FdFlags::DSYNC,
                ..rw_create()
            },
            0,
        ),
        Op::FdFlags { slot: 0 },
    ]);
}

#[test]
fn fdflags_of_read_only_open_with_append() {
    let read_append = OpenOptions {
        follow: true,
        oflags: OFlags::CREAT,
        read: true,
        write: false,
        fdflags: FdFlags::APPEND,
    };
    assert_agree(&[open("a", read_append, 0), Op::FdFlags { slot: 0 }]);
}

#[test]
/// Documented difference: symlink l -> nonexistent; hard_link_at("l/", "y"): OS noent, memfs notdir
fn hard_link_of_a_dangling_symlink_named_with_trailing_slash() {
    assert_documented_difference(&[
        symlink("nonexistent", "l"),
        Op::HardLink {
            at: None,
            from: "l/".into(),
            to: "y".into(),
        },
    ]);
}

#[test]
/// Documented difference: mkdir d; create f; hard_link_at("d", "f/"): OS notdir, memfs perm
fn hard_link_of_a_directory_onto_a_file_with_trailing_slash() {
    let [c, close] = create("f");
    assert_documented_difference(&[
        mkdir("d"),
        c,
        close,
        Op::HardLink {
            at: None,
            from: "d".into(),
            to: "f/".into(),
        },
    ]);
}

#[test]
/// Documented difference: mkdir d; symlink a -> "a/"; hard_link_at("d", "a/"): OS loop, memfs perm
fn hard_link_of_a_directory_onto_a_symlink_loop_with_trailing_slash() {
    assert_documented_difference(&[
        mkdir("d"),
        symlink("a/", "a"),
        Op::HardLink {
            at: None,
            from: "d".into(),
            to: "a/".into(),
        },
    ]);
}

#[test]
/// Documented difference: mkdir d; create f; hard_link_at("d", "f"): OS exist, memfs perm
fn hard_link_of_a_directory_onto_an_existing_name() {
    let [c, close] = create("f");
    assert_documented_difference(&[
        mkdir("d"),
        c,
        close,
        Op::HardLink {
            at: None,
            from: "d".into(),
            to: "f".into(),
        },
    ]);
}

#[test]
/// Documented difference: mkdir d; hard_link_at("d", "x/"): OS noent, memfs perm
fn hard_link_of_a_directory_to_a_new_name_with_trailing_slash() {
    assert_documented_difference(&[
        mkdir("d"),
        Op::HardLink {
            at: None,
            from: "d".into(),
            to: "x/".into(),
        },
    ]);
}

#[test]
/// Documented difference: create f; hard_link_at("f/", "missing/x"): OS notdir, memfs noent
fn hard_link_of_a_file_with_trailing_slash_into_a_missing_directory() {
    let [c, close] = create("f");
    assert_documented_difference(&[
        c,
        close,
        Op::HardLink {
            at: None,
            from: "f/".into(),
            to: "missing/x".into(),
        },
    ]);
}

#[test]
/// Documented difference: mkdir d; create d/f; hard_link_at("d/f/", ""): OS notdir, memfs noent
fn hard_link_of_a_file_with_trailing_slash_to_an_empty_name() {
    let [c, close] = create("d/f");
    assert_documented_difference(&[
        mkdir("d"),
        c,
        close,
        Op::HardLink {
            at: None,
            from: "d/f/".into(),
            to: "".into(),
        },
    ]);
}

#[test]
/// Documented difference: symlink l -> l; hard_link_at("l/", "y"): OS loop, memfs notdir
fn hard_link_of_a_symlink_loop_named_with_trailing_slash() {
    assert_documented_difference(&[
        symlink("l", "l"),
        Op::HardLink {
            at: None,
            from: "l/".into(),
            to: "y".into(),
        },
    ]);
}

#[test]
/// Documented difference: symlink l -> l; hard_link_at("l/", "missing/x"): OS loop, memfs noent
fn hard_link_of_a_symlink_loop_with_trailing_slash_into_a_missing_directory() {
    assert_documented_difference(&[
        symlink("l", "l"),
        Op::HardLink {
            at: None,
            from: "l/".into(),
            to: "missing/x".into(),
        },
    ]);
}

#[test]
/// Documented difference: mkdir d; symlink l -> d; hard_link_at("l/", "x"): OS perm, memfs notdir
fn hard_link_of_a_symlink_to_a_directory_named_with_trailing_slash() {
    assert_documented_difference(&[
        mkdir("d"),
        symlink("d", "l"),
        Op::HardLink {
            at: None,
            from: "l/".into(),
            to: "x".into(),
        },
    ]);
}

#[test]
/// Documented difference: mkdir d; open d as dir#0; remove_dir_at("d"); dir#0.hard_link_at(".", "x"): OS noent, memfs perm
fn hard_link_of_dot_into_a_removed_directory() {
    let dir = OpenOptions {
        follow: true,
        read: true,
        ..OpenOptions::default()
    };
    assert_documented_difference(&[
        mkdir("d"),
        open("d", dir, 0),
        Op::RemoveDir {
            at: None,
            path: "d".into(),
        },
        Op::HardLink {
            at: Some(0),
            from: ".".into(),
            to: "x".into(),
        },
    ]);
}

#[test]
/// Documented difference: create f; hard_link_at("missing", "f/"): OS notdir, memfs noent
fn hard_link_of_missing_source_onto_a_file_with_trailing_slash() {
    let [c, close] = create("f");
    assert_documented_difference(&[
        c,
        close,
        Op::HardLink {
            at: None,
            from: "missing".into(),
            to: "f/".into(),
        },
    ]);
}

#[test]
/// Documented difference: symlink l -> l; hard_link_at("missing", "l/"): OS loop, memfs noent
fn hard_link_of_missing_source_onto_a_symlink_loop_with_trailing_slash() {
    assert_documented_difference(&[
        symlink("l", "l"),
        Op::HardLink {
            at: None,
            from: "missing".into(),
            to: "l/".into(),
        },
    ]);
}

#[test]
/// Documented difference: create f; hard_link_at("missing/", "f/x"): OS noent, memfs notdir
fn hard_link_of_missing_source_with_trailing_slash_beneath_a_file() {
    let [c, close] = create("f");
    assert_documented_difference(&[
        c,
        close,
        Op::HardLink {
            at: None,
            from: "missing/".into(),
            to: "f/x".into(),
        },
    ]);
}

#[test]
/// Documented difference: hard_link_at("missing/", ".."): OS noent, memfs perm
fn hard_link_of_missing_source_with_trailing_slash_to_an_escaping_name() {
    assert_documented_difference(&[Op::HardLink {
        at: None,
        from: "missing/".into(),
        to: "..".into(),
    }]);
}

#[test]
/// Documented difference: create f; symlink l -> nonexistent; hard_link_at("f", "l/"): OS noent, memfs exist
fn hard_link_onto_a_dangling_symlink_with_trailing_slash() {
    let [c, close] = create("f");
    assert_documented_difference(&[
        c,
        close,
        symlink("nonexistent", "l"),
        Op::HardLink {
            at: None,
            from: "f".into(),
            to: "l/".into(),
        },
    ]);
}

#[test]
/// Documented difference: create f; symlink l -> l; hard_link_at("f", "l/"): OS loop, memfs exist
fn hard_link_onto_a_symlink_loop_with_trailing_slash() {
    let [c, close] = create("f");
    assert_documented_difference(&[
        c,
        close,
        symlink("l", "l"),
        Op::HardLink {
            at: None,
            from: "f".into(),
            to: "l/".into(),
        },
    ]);
}

#[test]
/// Documented difference: create f; hard_link_at("f", "f/"): OS notdir, memfs exist
fn hard_link_onto_an_existing_file_with_trailing_slash() {
    let [c, close] = create("f");
    assert_documented_difference(&[
        c,
        close,
        Op::HardLink {
            at: None,
            from: "f".into(),
            to: "f/".into(),
        },
    ]);
}

#[test]
fn open_creat_excl_directory_of_an_existing_file() {
    let [c, close] = create("f");
    let opts = OpenOptions {
        follow: true,
        oflags: OFlags::CREAT | OFlags::EXCL | OFlags::DIRECTORY,
        read: true,
        ..OpenOptions::default()
    };
    assert_agree(&[c, close, open("f", opts, 0)]);
}

#[test]
fn open_creat_excl_with_trailing_slash_of_an_existing_directory() {
    let opts = OpenOptions {
        follow: true,
        oflags: OFlags::CREAT | OFlags::EXCL,
        read: true,
        ..OpenOptions::default()
    };
    assert_agree(&[mkdir("d"), open("d/", opts, 0)]);
}

#[test]
fn open_creat_nofollow_read_only_of_symlink_to_directory_slash_dot() {
    let opts = OpenOptions {
        follow: false,
        oflags: OFlags::CREAT,
        read: true,
        ..OpenOptions::default()
    };
    assert_agree(&[mkdir("d"), symlink("d", "l"), open("l/.", opts, 0)]);
}

#[test]
fn open_creat_nofollow_read_only_with_trailing_slash_of_a_dangling_symlink() {
    let opts = OpenOptions {
        follow: false,
        oflags: OFlags::CREAT,
        read: true,
        ..OpenOptions::default()
    };
    assert_agree(&[symlink("nonexistent", "l"), open("l/", opts, 0)]);
}

#[test]
fn open_creat_nofollow_read_only_with_trailing_slash_of_a_symlink_to_a_directory() {
    let opts = OpenOptions {
        follow: false,
        oflags: OFlags::CREAT,
        read: true,
        ..OpenOptions::default()
    };
    assert_agree(&[mkdir("d"), symlink("d", "l"), open("l/", opts, 0)]);
}

#[test]
/// Documented difference: symlink a -> "a/"; open_at("a", creat|write): OS isdir, memfs loop
fn open_creat_of_a_symlink_loop_with_trailing_slash() {
    assert_documented_difference(&[symlink("a/", "a"), open("a", rw_create(), 0)]);
}

#[test]
/// Documented difference: create f; symlink a -> f/x; symlink l -> "a/"; open_at("l", creat|write): OS isdir, memfs notdir
fn open_creat_through_symlink_with_trailing_slash_beneath_a_file() {
    let [c, close] = create("f");
    assert_documented_difference(&[
        c,
        close,
        symlink("f/x", "a"),
        symlink("a/", "l"),
        open("l", rw_create(), 0),
    ]);
}

#[test]
/// Documented difference: symlink a -> ../x; symlink l -> "a/"; open_at("l", creat|write): OS isdir, memfs perm
fn open_creat_through_symlink_with_trailing_slash_to_a_symlink_outside() {
    assert_documented_difference(&[
        symlink("../x", "a"),
        symlink("a/", "l"),
        open("l", rw_create(), 0),
    ]);
}

#[test]
/// Documented difference: create f; symlink l -> "f/"; open_at("l", creat|write): OS isdir, memfs notdir
fn open_creat_through_symlink_with_trailing_slash_to_an_existing_file() {
    let [c, close] = create("f");
    assert_documented_difference(&[c, close, symlink("f/", "l"), open("l", rw_create(), 0)]);
}

#[test]
fn open_creat_with_trailing_slash_of_a_symlink_loop() {
    assert_agree(&[symlink("l", "l"), open("l/", rw_create(), 0)]);
}

#[test]
fn open_creat_with_trailing_slash_of_a_symlink_through_a_file() {
    let [c, close] = create("f");
    assert_agree(&[c, close, symlink("f/..", "l"), open("l/", rw_create(), 0)]);
}

#[test]
fn open_creat_with_trailing_slash_of_a_symlink_to_an_absolute_path() {
    assert_agree(&[symlink("/abs", "l"), open("l/", rw_create(), 0)]);
}

#[test]
fn open_creat_with_trailing_slash_of_an_existing_file() {
    let [c, close] = create("f");
    assert_agree(&[c, close, open("f/", rw_create(), 0)]);
}

#[test]
fn open_creat_with_trailing_slash_through_symlink_into_missing_dir() {
    assert_agree(&[symlink("e/y", "a"), open("a/", rw_create(), 0)]);
}

#[test]
fn read_link_with_trailing_slash_of_a_file() {
    let [c, close] = create("f");
    assert_agree(&[
        c,
        close,
        Op::ReadLink {
            at: None,
            path: "f/".into(),
        },
    ]);
}

#[test]
/// Documented difference: mkdir d; remove_dir_at("d/.."): OS inval, memfs notempty
fn remove_dir_of_a_path_ending_in_dotdot() {
    assert_documented_difference(&[
        mkdir("d"),
        Op::RemoveDir {
            at: None,
            path: "d/..".into(),
        },
    ]);
}

#[test]
/// Documented difference: symlink l -> l; rename_at("l/.", "x/"): OS notdir, memfs loop (perm for l -> /abs)
fn rename_of_a_broken_symlink_slash_dot_to_a_name_with_trailing_slash() {
    assert_documented_difference(&[
        symlink("l", "l"),
        Op::Rename {
            at: None,
            from: "l/.".into(),
            to: "x/".into(),
        },
    ]);
}

#[test]
fn rename_of_a_directory_onto_a_file_inside_it() {
    let [c, close] = create("d/f");
    assert_agree(&[
        mkdir("d"),
        c,
        close,
        Op::Rename {
            at: None,
            from: "d".into(),
            to: "d/f".into(),
        },
    ]);
}

#[test]
fn rename_of_a_directory_onto_a_non_empty_directory_inside_it() {
    assert_agree(&[
        mkdir("d"),
        mkdir("d/e"),
        mkdir("d/e/y"),
        Op::Rename {
            at: None,
            from: "d".into(),
            to: "d/e".into(),
        },
    ]);
}

#[test]
fn rename_of_a_file_onto_the_directory_holding_it() {
    let [c, close] = create("d/f");
    assert_agree(&[
        mkdir("d"),
        c,
        close,
        Op::Rename {
            at: None,
            from: "d/f".into(),
            to: "d".into(),
        },
    ]);
}

#[test]
/// Documented difference: mkdir d; symlink l -> d; rename_at("l/.", "x/"): OS notdir, memfs busy
fn rename_of_a_symlink_to_a_directory_slash_dot_to_a_name_with_trailing_slash() {
    assert_documented_difference(&[
        mkdir("d"),
        symlink("d", "l"),
        Op::Rename {
            at: None,
            from: "l/.".into(),
            to: "x/".into(),
        },
    ]);
}

#[test]
fn rename_of_missing_source_beneath_a_file() {
    let [c, close] = create("f");
    assert_agree(&[
        c,
        close,
        Op::Rename {
            at: None,
            from: "a".into(),
            to: "f/x".into(),
        },
    ]);
}

#[test]
fn rename_of_missing_source_beneath_a_symlink_loop() {
    assert_agree(&[
        symlink("l", "l"),
        Op::Rename {
            at: None,
            from: "a".into(),
            to: "l/x".into(),
        },
    ]);
}

#[test]
fn rename_of_missing_source_to_dot() {
    assert_agree(&[Op::Rename {
        at: None,
        from: "a".into(),
        to: ".".into(),
    }]);
}

#[test]
fn rename_of_missing_source_to_dotdot() {
    assert_agree(&[Op::Rename {
        at: None,
        from: "a".into(),
        to: "..".into(),
    }]);
}

#[test]
fn stat_nofollow_of_a_dangling_symlink_followed_by_slash_dot() {
    assert_agree(&[
        symlink("nonexistent", "l"),
        Op::StatAt {
            at: None,
            path: "l/.".into(),
            follow: false,
        },
    ]);
}

#[test]
fn stat_nofollow_of_a_file_followed_by_slash_dot() {
    let [c, close] = create("f");
    assert_agree(&[
        c,
        close,
        Op::StatAt {
            at: None,
            path: "f/.".into(),
            follow: false,
        },
    ]);
}

#[test]
fn stat_nofollow_of_a_symlink_to_a_directory_followed_by_slash_dot() {
    assert_agree(&[
        mkdir("d"),
        symlink("d", "l"),
        Op::StatAt {
            at: None,
            path: "l/.".into(),
            follow: false,
        },
    ]);
}

#[test]
/// Documented difference: symlink l -> nonexistent; symlink_at("a", "l/"): OS noent, memfs exist
fn symlink_with_trailing_slash_onto_a_dangling_symlink() {
    assert_documented_difference(&[symlink("nonexistent", "l"), symlink("a", "l/")]);
}

#[test]
/// Documented difference: symlink l -> l; symlink_at("a", "l/"): OS loop, memfs exist
fn symlink_with_trailing_slash_onto_a_symlink_loop() {
    assert_documented_difference(&[symlink("l", "l"), symlink("a", "l/")]);
}

#[test]
/// Documented difference: create f; symlink_at("a", "f/"): OS notdir, memfs exist
fn symlink_with_trailing_slash_onto_an_existing_file() {
    let [c, close] = create("f");
    assert_documented_difference(&[c, close, symlink("a", "f/")]);
}

#[test]
/// Documented difference: symlink l -> nonexistent; unlink_file_at("l/"): OS noent, memfs notdir
fn unlink_with_trailing_slash_of_a_dangling_symlink() {
    assert_documented_difference(&[
        symlink("nonexistent", "l"),
        Op::Unlink {
            at: None,
            path: "l/".into(),
        },
    ]);
}

#[test]
/// Documented difference: symlink l -> l; unlink_file_at("l/"): OS loop, memfs notdir
fn unlink_with_trailing_slash_of_a_symlink_loop() {
    assert_documented_difference(&[
        symlink("l", "l"),
        Op::Unlink {
            at: None,
            path: "l/".into(),
        },
    ]);
}

#[test]
/// Documented difference: mkdir d; symlink l -> d; unlink_file_at("l/"): OS isdir, memfs notdir
fn unlink_with_trailing_slash_of_a_symlink_to_a_directory() {
    assert_documented_difference(&[
        mkdir("d"),
        symlink("d", "l"),
        Op::Unlink {
            at: None,
            path: "l/".into(),
        },
    ]);
}
