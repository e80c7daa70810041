//! [`OsDir`]: a host directory granted to the guest, resolved only through cap-std.

use crate::file::{fd_filestat, fd_set_times, from_rustix, from_io, OsFile};
use crate::stat;
use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt, OpenOptionsSyncExt, SystemTimeSpec};
use capwasi::dir::{OpenOptions, Opened, ReaddirEntry, ReaddirFlow, WasiDir};
use capwasi::file::SetTime;
use capwasi::types::{FdFlags, FileType, Filestat, OFlags};
use capwasi::{path_shape, Errno, Error, Result};
use cap_std::fs::MetadataExt;
use std::any::Any;
use std::ffi::OsStr;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::fd::AsFd;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

/// A host directory, opened through cap-std: every path below it is resolved by cap-std,
/// which refuses to leave it (`..`, absolute paths and symlinks included).
pub struct OsDir {
    /// Shared by the handles [`OsDir::share`] makes: paths are resolved relative to the
    /// descriptor, which holds no per-guest state (a listing reopens `.`).
    dir: Arc<cap_std::fs::Dir>,
    /// The open listing of this descriptor, kept between `fd_readdir` calls so a guest that
    /// reads a large directory in small buffers costs one pass, not one pass per buffer.
    listing: Mutex<Option<Listing>>,
}

/// A directory stream positioned after the entries already handed to the guest.
struct Listing {
    stream: rustix::fs::Dir,
    /// The cookie the guest will pass to continue where the last call stopped.
    resume_cookie: u64,
    /// An entry read from the stream that did not fit in the guest's last buffer.
    held: Option<OwnedEntry>,
}

struct OwnedEntry {
    next: u64,
    ino: u64,
    filetype: FileType,
    name: Vec<u8>,
}

impl OsDir {
    /// Wraps an open cap-std directory.
    pub fn new(dir: cap_std::fs::Dir) -> OsDir {
        OsDir { dir: Arc::new(dir), listing: Mutex::new(None) }
    }

    /// Another handle to the same host directory, for another guest: no syscall, no path
    /// lookup. A server that grants one directory to every request opens it once
    /// ([`OsDir::open_ambient`]) and hands each context a share, instead of opening the path
    /// again per request (an open can wait on a slow or remote filesystem).
    ///
    /// The share behaves as a separate open of the directory: it has its own `fd_readdir`
    /// position, and closing it leaves the others open. The host descriptor closes when the
    /// last handle is dropped.
    pub fn share(&self) -> OsDir {
        OsDir { dir: Arc::clone(&self.dir), listing: Mutex::new(None) }
    }

    /// Opens the host directory at `path` with the process's ambient authority: this is
    /// the point where the embedder decides what to grant.
    ///
    /// The directory is opened for reading, not as an `O_PATH` handle (cap-std's
    /// `open_ambient_dir` on Linux), so the guest can list it, sync it and set its times.
    pub fn open_ambient(path: impl AsRef<Path>) -> std::io::Result<OsDir> {
        use std::os::unix::fs::OpenOptionsExt;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(rustix::fs::OFlags::DIRECTORY.bits() as i32)
            .open(path)?;
        Ok(OsDir::new(cap_std::fs::Dir::from_std_file(file)))
    }

    /// Creates (`exclusive`: must not exist) or truncates `path` for an open that does not
    /// write, leaving the open itself to the caller.
    fn create_or_truncate(&self, path: &str, options: &OpenOptions, exclusive: bool, truncate: bool) -> Result<()> {
        let follow = if options.follow { FollowSymlinks::Yes } else { FollowSymlinks::No };
        let mut writer = cap_std::fs::OpenOptions::new();
        writer.write(true).follow(follow);
        if exclusive {
            writer.create_new(true);
        } else if options.oflags.contains(OFlags::CREAT) {
            // Only create what is missing: an existing file the guest may read but not
            // write (mode 0444) must still open.
            let existing = if options.follow { self.dir.metadata(path) } else { self.dir.symlink_metadata(path) };
            match existing {
                Ok(meta) if meta.is_dir() => {
                    return Err(Error::new(Errno::Isdir).context(format_args!("{path:?} is a directory")));
                }
                Ok(_) if !truncate => return Ok(()),
                Ok(_) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                    writer.create(true);
                }
                Err(err) => return Err(from_io(err)),
            }
        }
        writer.truncate(truncate);
        drop(self.dir.open_with(path, &writer).map_err(from_io)?);
        Ok(())
    }

    /// The underlying cap-std directory.
    pub fn as_cap_std(&self) -> &cap_std::fs::Dir {
        &self.dir
    }

    fn same_backend<'a>(&self, other: &'a dyn WasiDir) -> Result<&'a OsDir> {
        other
            .as_any()
            .downcast_ref::<OsDir>()
            .ok_or_else(|| Error::new(Errno::Xdev).context("directories of different backends"))
    }

    /// Type of an entry whose type the kernel's listing did not say (some filesystems).
    fn lookup_type(&self, name: &[u8]) -> FileType {
        self.dir
            .symlink_metadata(OsStr::from_bytes(name))
            .map(|meta| stat::filetype(meta.mode()))
            .unwrap_or(FileType::Unknown)
    }
}

impl WasiDir for OsDir {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn filestat(&self) -> Result<Filestat> {
        fd_filestat(self.dir.as_fd())
    }

    fn readdir(&self, cookie: u64, sink: &mut dyn FnMut(&ReaddirEntry<'_>) -> ReaddirFlow) -> Result<()> {
        let mut guard = self.listing.lock().unwrap_or_else(PoisonError::into_inner);
        let listing = match guard.as_mut() {
            Some(listing) if listing.resume_cookie == cookie => listing,
            _ => {
                // A fresh descriptor of the same directory: its position is independent of
                // the guest's fd and of any other listing.
                let mut stream = rustix::fs::Dir::read_from(&self.dir).map_err(from_rustix)?;
                if cookie != 0 {
                    let offset = i64::try_from(cookie).map_err(|_| Error::new(Errno::Inval))?;
                    stream.seek(offset).map_err(from_rustix)?;
                }
                guard.insert(Listing { stream, resume_cookie: cookie, held: None })
            }
        };
        if let Some(entry) = listing.held.take() {
            let view = ReaddirEntry { next: entry.next, ino: entry.ino, filetype: entry.filetype, name: &entry.name };
            if sink(&view) == ReaddirFlow::Full {
                listing.held = Some(entry);
                return Ok(());
            }
            listing.resume_cookie = entry.next;
        }
        while let Some(next) = listing.stream.read() {
            let entry = next.map_err(from_rustix)?;
            let name = entry.file_name().to_bytes();
            let filetype = match stat::filetype_of_dirent(entry.file_type()) {
                FileType::Unknown => self.lookup_type(name),
                known => known,
            };
            let view = ReaddirEntry { next: entry.offset() as u64, ino: entry.ino(), filetype, name };
            if sink(&view) == ReaddirFlow::Full {
                listing.held = Some(OwnedEntry { next: view.next, ino: view.ino, filetype, name: name.to_vec() });
                return Ok(());
            }
            listing.resume_cookie = view.next;
        }
        Ok(())
    }

    fn open_at(&self, path: &str, options: &OpenOptions) -> Result<Opened> {
        // Linux answers `isdir` for O_CREAT on a name with a trailing slash, or ending in `.`
        // or `..`, without looking the name itself up (the read-only create emulation below
        // would otherwise answer something else) ...
        if options.oflags.contains(OFlags::CREAT) && path_shape::names_a_directory(path) {
            // ... once the directory holding the last name has been found.
            let parent = path_shape::holding_directory(path);
            let parent_meta = self.dir.metadata(parent).map_err(from_io)?;
            if !parent_meta.is_dir() {
                return Err(Error::new(Errno::Notdir).context(format_args!("{parent:?} is not a directory")));
            }
            return Err(Error::new(Errno::Isdir).context("cannot create a file named like a directory"));
        }
        // `directory` is decided at lookup, before anything is created or truncated: a file
        // named with it must come back `notdir` untouched.
        if options.oflags.contains(OFlags::DIRECTORY) {
            // A trailing slash resolves the last component like a directory (POSIX).
            let follow = options.follow || path_shape::ends_in_slash(path);
            let meta = if follow { self.dir.metadata(path) } else { self.dir.symlink_metadata(path) };
            // A symlink not followed is left to the kernel, which answers `loop`.
            if let Ok(meta) = meta
                && !meta.is_dir()
                && !meta.file_type().is_symlink()
            {
                return Err(Error::new(Errno::Notdir).context(format_args!("{path:?} is not a directory")));
            }
        }
        let create = options.oflags.contains(OFlags::CREAT);
        let exclusive = create && options.oflags.contains(OFlags::EXCL);
        let truncate = options.oflags.contains(OFlags::TRUNC);
        let mut open = cap_std::fs::OpenOptions::new();
        open.read(options.read || !options.write)
            .write(options.write)
            // Append only means something for writing; on a read-only open it would make
            // cap-std ask the host for write access the guest never requested.
            .append(options.write && options.fdflags.contains(FdFlags::APPEND))
            .follow(if options.follow { FollowSymlinks::Yes } else { FollowSymlinks::No })
            .maybe_dir(!create && !options.write)
            .dsync(options.fdflags.contains(FdFlags::DSYNC))
            .sync(options.fdflags.contains(FdFlags::SYNC))
            .rsync(options.fdflags.contains(FdFlags::RSYNC))
            .nonblock(options.fdflags.contains(FdFlags::NONBLOCK));
        // std and cap-std refuse `append` with `truncate`, which POSIX allows: truncate
        // after opening instead (the open itself is then not atomic with the truncation).
        let truncate_after = options.write && truncate && options.fdflags.contains(FdFlags::APPEND);
        if options.write {
            open.create(create && !exclusive).create_new(exclusive).truncate(truncate && !truncate_after);
        } else if create || truncate {
            // POSIX allows O_CREAT and O_TRUNC on a read-only open (wasi-libc's
            // `open(p, O_CREAT | O_RDONLY)`); cap-std, like std, refuses them without write
            // access. Create or truncate through a short-lived handle, then open as asked.
            self.create_or_truncate(path, options, exclusive, truncate)?;
        }
        let file = self.dir.open_with(path, &open).map_err(from_io)?;
        // Which kind was opened is asked only when needed (see `OsUnknownKind`). An open for
        // writing needs no answer: the kernel never opens a directory for writing (`isdir`).
        // One that must be a directory asks now, to refuse a file at once.
        let must_be_dir = options.oflags.contains(OFlags::DIRECTORY) || path_shape::ends_in_slash(path);
        if !options.write && !must_be_dir {
            return Ok(Opened::KindUnknown(Arc::new(OsFile::opened_by_guest(file, None))));
        }
        let filetype = if options.write {
            None
        } else {
            Some(stat::filetype(rustix::fs::fstat(&file).map_err(from_rustix)?.st_mode as u32))
        };
        if filetype == Some(FileType::Directory) {
            return Ok(Opened::Dir(Arc::new(OsDir::new(cap_std::fs::Dir::from_std_file(file.into_std())))));
        }
        if must_be_dir {
            return Err(Error::new(Errno::Notdir).context(format_args!("{path:?} is not a directory")));
        }
        if truncate_after {
            file.set_len(0).map_err(from_io)?;
        }
        Ok(Opened::File(Arc::new(OsFile::opened_by_guest(file, filetype))))
    }

    fn stat_at(&self, path: &str, follow: bool) -> Result<Filestat> {
        // One plain name (no slash, not `.` or `..`) cannot lead out of this directory unless
        // it is a symlink: one `fstatat` without following answers, instead of cap-std's
        // open-beneath, stat, close. A symlink to follow takes cap-std's path.
        if !path.is_empty() && !path.contains('/') && path != "." && path != ".." {
            match rustix::fs::statat(&self.dir, path, rustix::fs::AtFlags::SYMLINK_NOFOLLOW) {
                Ok(host) => {
                    let stat = stat::filestat(&host);
                    if !(follow && stat.filetype == FileType::SymbolicLink) {
                        return Ok(stat);
                    }
                }
                Err(err) => return Err(from_rustix(err)),
            }
        }
        // A trailing slash makes the last component resolve like a directory, following a
        // symlink there (POSIX); cap-std's no-follow stat would drop it.
        // `name/.` names the same thing as `name/` (cap-std would stat `name` itself).
        let trailing_slash = path_shape::ends_in_slash(path) || path.ends_with("/.");
        let follow = follow || trailing_slash;
        let stat = match stat_beneath(&self.dir, path, follow) {
            Some(stat) => stat?,
            None => {
                let meta = if follow { self.dir.metadata(path) } else { self.dir.symlink_metadata(path) };
                stat::filestat_of(&meta.map_err(from_io)?)
            }
        };
        if trailing_slash && stat.filetype != FileType::Directory {
            return Err(Error::new(Errno::Notdir).context(format_args!("{path:?} is not a directory")));
        }
        Ok(stat)
    }

    fn create_dir_at(&self, path: &str) -> Result<()> {
        self.dir.create_dir(path).map_err(from_io)
    }

    fn remove_dir_at(&self, path: &str) -> Result<()> {
        // cap-std reads `dir/` as `dir/.`, which rmdir refuses; POSIX removes `dir`.
        let trimmed = path.trim_end_matches('/');
        self.dir.remove_dir(if trimmed.is_empty() { path } else { trimmed }).map_err(from_io)
    }

    fn unlink_file_at(&self, path: &str) -> Result<()> {
        self.dir.remove_file_or_symlink(path).map_err(from_io)
    }

    fn read_link_at(&self, path: &str) -> Result<Vec<u8>> {
        let target = self.dir.read_link_contents(path).map_err(from_io)?;
        Ok(target.into_os_string().into_vec())
    }

    fn symlink_at(&self, target: &str, path: &str) -> Result<()> {
        self.dir.symlink_contents(target, path).map_err(from_io)
    }

    fn rename_at(&self, path: &str, new_dir: &dyn WasiDir, new_path: &str) -> Result<()> {
        let new_dir = self.same_backend(new_dir)?;
        // A trailing slash on either name says "directory"; cap-std drops it on the
        // destination, which would let `rename("file", "name/")` succeed.
        if path_shape::ends_in_slash(path) || path_shape::ends_in_slash(new_path) {
            let source = self.dir.symlink_metadata(path.trim_end_matches('/')).map_err(from_io)?;
            if !source.is_dir() {
                return Err(Error::new(Errno::Notdir).context("trailing slash on a non-directory"));
            }
        }
        self.dir.rename(path, &new_dir.dir, new_path).map_err(from_io)
    }

    fn hard_link_at(&self, path: &str, new_dir: &dyn WasiDir, new_path: &str) -> Result<()> {
        let new_dir = self.same_backend(new_dir)?;
        self.dir.hard_link(path, &new_dir.dir, new_path).map_err(from_io)
    }

    fn set_times_at(&self, path: &str, atime: SetTime, mtime: SetTime, follow: bool) -> Result<()> {
        let (atime, mtime) = (time_spec(atime), time_spec(mtime));
        if follow {
            self.dir.set_times(path, atime, mtime).map_err(from_io)
        } else {
            self.dir.set_symlink_times(path, atime, mtime).map_err(from_io)
        }
    }

    fn set_times(&self, atime: SetTime, mtime: SetTime) -> Result<()> {
        fd_set_times(self.dir.as_fd(), atime, mtime)
    }

    fn sync(&self) -> Result<()> {
        rustix::fs::fsync(&self.dir).map_err(from_rustix)
    }
}

/// The stat of `path` beneath `dir`, resolved by the kernel as cap-std resolves it (an
/// `O_PATH` open with `RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS`), then `fstat` and close:
/// cap-std's `metadata` makes the same open but asks `statx` through std and converts two
/// metadata types on the way, a fifth of the user-space time of a `path_filestat_get`.
/// `None` when `openat2` cannot answer (kernels before 5.6, seccomp sandboxes that refuse
/// it, renames racing every try): cap-std then decides, with its manual resolution.
#[cfg(target_os = "linux")]
fn stat_beneath(dir: &cap_std::fs::Dir, path: &str, follow: bool) -> Option<Result<Filestat>> {
    use rustix::fs::{openat2, Mode, OFlags as HostFlags, ResolveFlags};
    use rustix::io::Errno as HostErrno;
    use std::sync::atomic::{AtomicBool, Ordering};
    static UNAVAILABLE: AtomicBool = AtomicBool::new(false);
    if UNAVAILABLE.load(Ordering::Relaxed) {
        return None;
    }
    let flags = if follow { HostFlags::PATH | HostFlags::CLOEXEC } else { HostFlags::PATH | HostFlags::CLOEXEC | HostFlags::NOFOLLOW };
    let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS;
    for _ in 0..4 {
        match openat2(dir, path, flags, Mode::empty(), resolve) {
            Ok(fd) => return Some(fd_filestat(fd.as_fd())),
            // A rename somewhere on the host raced the lookup: try again.
            Err(HostErrno::AGAIN) => {}
            Err(HostErrno::NOSYS) => {
                UNAVAILABLE.store(true, Ordering::Relaxed);
                return None;
            }
            // What some seccomp policies answer for a syscall they do not allow.
            Err(HostErrno::PERM) => return None,
            // The path leads out of the directory (`..`, an absolute symlink).
            Err(HostErrno::XDEV) => return Some(Err(Error::escape(format_args!("{path:?} leaves the directory")))),
            Err(err) => return Some(Err(from_rustix(err))),
        }
    }
    None
}

#[cfg(not(target_os = "linux"))]
fn stat_beneath(_dir: &cap_std::fs::Dir, _path: &str, _follow: bool) -> Option<Result<Filestat>> {
    None
}

fn time_spec(time: SetTime) -> Option<SystemTimeSpec> {
    match time {
        SetTime::Keep => None,
        SetTime::Now => Some(SystemTimeSpec::SymbolicNow),
        SetTime::At(at) => Some(SystemTimeSpec::Absolute(cap_std::time::SystemTime::from_std(at))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names a listing from `cookie` offers, taking at most `take` (then answering `Full`),
    /// and the cookie after the last one taken.
    fn list(dir: &OsDir, cookie: u64, take: usize) -> (Vec<String>, u64) {
        let (mut names, mut next) = (Vec::new(), cookie);
        dir.readdir(cookie, &mut |entry| {
            if names.len() == take {
                return ReaddirFlow::Full;
            }
            names.push(String::from_utf8_lossy(entry.name).into_owned());
            next = entry.next;
            ReaddirFlow::Continue
        })
        .unwrap();
        (names, next)
    }

    #[test]
    fn stat_at_paths_out_of_the_directory_are_perm_and_links_unfollowed_are_the_links() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("inner")).unwrap();
        std::fs::write(tmp.path().join("secret"), "12345").unwrap();
        let dir = OsDir::open_ambient(tmp.path().join("inner")).unwrap();
        std::fs::create_dir(tmp.path().join("inner/d")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", tmp.path().join("inner/d/abs")).unwrap();
        std::os::unix::fs::symlink("../../secret", tmp.path().join("inner/d/up")).unwrap();
        std::os::unix::fs::symlink("../d", tmp.path().join("inner/d/self")).unwrap();
        for path in ["..", "d/../..", "d/../../secret", "d/abs", "d/up", "d/abs/", "d/self/up"] {
            assert_eq!(dir.stat_at(path, true).unwrap_err().errno(), Errno::Perm, "{path}");
        }
        for path in ["d/abs", "d/up"] {
            assert_eq!(dir.stat_at(path, false).unwrap().filetype, FileType::SymbolicLink, "{path}");
        }
        assert_eq!(dir.stat_at("d/self/..", true).unwrap().filetype, FileType::Directory);
        assert_eq!(dir.stat_at("d/self/", false).unwrap().filetype, FileType::Directory);
        assert_eq!(dir.stat_at("d/nothing", true).unwrap_err().errno(), Errno::Noent);
    }

    #[test]
    fn shares_list_independently_and_outlive_the_original() {
        let tmp = tempfile::tempdir().unwrap();
        for name in ["a", "b", "c"] {
            std::fs::write(tmp.path().join(name), name).unwrap();
        }
        let original = OsDir::open_ambient(tmp.path()).unwrap();
        let (first, second) = (original.share(), original.share());
        // `first` stops after two entries; `second` lists everything in between.
        let (head, cookie) = list(&first, 0, 2);
        assert_eq!(head.len(), 2);
        let (all, _) = list(&second, 0, usize::MAX);
        let mut sorted = all.clone();
        sorted.sort();
        assert_eq!(sorted, [".", "..", "a", "b", "c"]);
        // `first` resumes where it stopped, undisturbed by `second`'s listing.
        let (tail, _) = list(&first, cookie, usize::MAX);
        assert_eq!([head, tail].concat(), all);
        // Dropping the original and the other share leaves the descriptor open for `first`.
        drop(original);
        drop(second);
        assert_eq!(first.stat_at("b", false).unwrap().size, 1);
    }
}
