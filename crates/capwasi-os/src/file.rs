//! [`OsFile`]: a host file as a WASI file, plus the descriptor-level helpers stdio shares.

use crate::dir::OsDir;
use crate::stat;
use capwasi::file::{Interest, Readiness, SetTime, WasiFile};
use capwasi::types::{Advice, FdFlags, FileType, Filestat};
use capwasi::{Errno, Error, Result};
use rustix::fs::{OFlags, Timespec, Timestamps, UTIME_NOW, UTIME_OMIT};
use std::any::Any;
use std::io::{IoSlice, IoSliceMut, Seek, SeekFrom};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// A host file opened through cap-std.
///
/// Each call is one host syscall on the file's own descriptor; the position is the kernel's,
/// except that a file the guest opened itself (with `path_open`) answers a seek without a
/// syscall and makes the next read a `pread` at the sought position (see [`Cursor`]).
pub struct OsFile {
    file: cap_std::fs::File,
    /// Known at open when the open had to `fstat` anyway; otherwise asked on first use.
    /// A `FileType` as its `u8`, or [`TYPE_NOT_ASKED`]: a plain atomic, because setting a
    /// `OnceLock` takes `Once`'s slow path, a measurable share of an `open` + `fstat` +
    /// `close` (the type never changes, so two threads that both ask store the same value).
    filetype: AtomicU8,
    /// Only for a handle opened before its kind was known that turned out a directory: the
    /// directory made of it (see `unknown_kind.rs`), so that every caller gets the same one.
    pub(crate) as_dir: OnceLock<Arc<OsDir>>,
    /// `None` for a file the host handed in (stdio, an embedder's file), whose open file
    /// description others may share and expect to see moved.
    cursor: Option<Cursor>,
}

/// A seek the kernel has not been told of yet.
///
/// Programs that read at an offset through `lseek` + `read` (SQLite's default VFS, many
/// file formats' readers) would cost two syscalls a read; wasmtime-wasi keeps every file's
/// position in user space and makes each read one `pread`. Here the position stays the
/// kernel's until a guest seeks a regular file it opened: the seek is remembered, reads
/// become `pread` at that position and move it, and the first call that needs the kernel's
/// position (a write, a seek from the end) tells the kernel first. Only a descriptor the
/// guest opened does this: no one else holds its open file description, so no one can see
/// the kernel's position lag behind.
struct Cursor {
    /// Set once a seek was deferred: until then reads take no lock.
    used: AtomicBool,
    /// The position the kernel has not been told of, if any.
    at: Mutex<Option<u64>>,
}

impl Cursor {
    fn new() -> Cursor {
        Cursor { used: AtomicBool::new(false), at: Mutex::new(None) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<u64>> {
        self.at.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// [`OsFile::filetype`] before anyone asked.
const TYPE_NOT_ASKED: u8 = u8::MAX;

impl OsFile {
    /// Wraps an open file.
    pub fn new(file: cap_std::fs::File) -> Result<OsFile> {
        let filetype = stat::filetype(rustix::fs::fstat(&file).map_err(from_rustix)?.st_mode as u32);
        Ok(OsFile { file, filetype: AtomicU8::new(filetype as u8), as_dir: OnceLock::new(), cursor: None })
    }

    /// Wraps a handle the guest opened (`path_open`), of type `filetype` if the open already
    /// learned it (else asked on first use; possibly a directory, if it goes into the table
    /// as an object of unknown kind).
    pub(crate) fn opened_by_guest(file: cap_std::fs::File, filetype: Option<FileType>) -> OsFile {
        let filetype = AtomicU8::new(filetype.map_or(TYPE_NOT_ASKED, |known| known as u8));
        OsFile { file, filetype, as_dir: OnceLock::new(), cursor: Some(Cursor::new()) }
    }

    /// Wraps a file opened by std (for host-chosen stdin files and the like).
    pub fn from_std(file: std::fs::File) -> Result<OsFile> {
        OsFile::new(cap_std::fs::File::from_std(file))
    }

    /// Remembers the type an `fstat` of this handle found.
    pub(crate) fn learned_filetype(&self, filetype: FileType) {
        self.filetype.store(filetype as u8, Ordering::Relaxed);
    }

    /// Tells the kernel a deferred seek, so the descriptor's own position is right again.
    fn settle_cursor(&self) -> Result<()> {
        if let Some(cursor) = self.cursor.as_ref().filter(|cursor| cursor.used.load(Ordering::Relaxed)) {
            let mut at = cursor.lock();
            if let Some(offset) = *at {
                rustix::fs::seek(&self.file, rustix::fs::SeekFrom::Start(offset)).map_err(from_rustix)?;
                *at = None;
            }
        }
        Ok(())
    }

    /// The underlying cap-std file.
    pub fn as_cap_std(&self) -> &cap_std::fs::File {
        &self.file
    }
}

impl WasiFile for OsFile {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn filetype(&self) -> Result<FileType> {
        if let Some(known) = stat::filetype_of_u8(self.filetype.load(Ordering::Relaxed)) {
            return Ok(known);
        }
        let found = stat::filetype(rustix::fs::fstat(&self.file).map_err(from_rustix)?.st_mode as u32);
        self.learned_filetype(found);
        Ok(found)
    }
    fn filestat(&self) -> Result<Filestat> {
        fd_filestat(self.file.as_fd())
    }
    fn fdflags(&self) -> Result<FdFlags> {
        fd_fdflags(self.file.as_fd())
    }
    fn set_fdflags(&self, flags: FdFlags) -> Result<()> {
        fd_set_fdflags(self.file.as_fd(), flags)
    }
    fn is_tty(&self) -> bool {
        rustix::termios::isatty(&self.file)
    }
    // The first call may `fstat`; the type is kept after that.
    fn io_never_waits(&self) -> bool {
        self.filetype().is_ok_and(|filetype| filetype == FileType::RegularFile)
    }
    // One buffer (the common case) takes the plain syscall: on Linux `readv`/`writev` of a
    // single iovec costs ~100 ns more than `read`/`write`.
    fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> Result<usize> {
        if let Some(cursor) = self.cursor.as_ref().filter(|cursor| cursor.used.load(Ordering::Relaxed)) {
            let mut at = cursor.lock();
            if let Some(offset) = *at {
                let read = self.read_vectored_at(bufs, offset)?;
                *at = Some(offset + read as u64);
                return Ok(read);
            }
        }
        match bufs {
            [one] => rustix::io::read(&self.file, &mut one[..]).map_err(from_rustix),
            _ => rustix::io::readv(&self.file, bufs).map_err(from_rustix),
        }
    }
    fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> Result<usize> {
        // A write keeps the kernel's position (and its `append` rule): tell it the seek first.
        self.settle_cursor()?;
        match bufs {
            [one] => rustix::io::write(&self.file, one).map_err(from_rustix),
            _ => rustix::io::writev(&self.file, bufs).map_err(from_rustix),
        }
    }
    fn read_vectored_at(&self, bufs: &mut [IoSliceMut<'_>], offset: u64) -> Result<usize> {
        match bufs {
            [one] => rustix::io::pread(&self.file, &mut one[..], offset).map_err(from_rustix),
            _ => rustix::io::preadv(&self.file, bufs, offset).map_err(from_rustix),
        }
    }
    fn write_vectored_at(&self, bufs: &[IoSlice<'_>], offset: u64) -> Result<usize> {
        match bufs {
            [one] => rustix::io::pwrite(&self.file, one, offset).map_err(from_rustix),
            _ => rustix::io::pwritev(&self.file, bufs, offset).map_err(from_rustix),
        }
    }
    fn seek(&self, pos: SeekFrom) -> Result<u64> {
        let Some(cursor) = &self.cursor else {
            return (&self.file).seek(pos).map_err(from_io);
        };
        // Only a regular file: a pipe must answer `spipe`, a device may ignore positions.
        if self.filetype()? != FileType::RegularFile {
            return (&self.file).seek(pos).map_err(from_io);
        }
        let mut at = cursor.lock();
        let target = match (pos, *at) {
            (SeekFrom::Start(offset), _) => offset,
            (SeekFrom::Current(delta), Some(offset)) => offset.checked_add_signed(delta).ok_or_else(|| {
                Error::new(Errno::Inval).context(format_args!("seek by {delta} from {offset}"))
            })?,
            // From the kernel's own position, or from the end: the kernel answers, and its
            // position is the file's again.
            // A refused seek (before the start) moves nothing, a deferred position included.
            (pos, _) => {
                let moved = (&self.file).seek(pos).map_err(from_io)?;
                *at = None;
                return Ok(moved);
            }
        };
        // Beyond what `lseek` accepts (`off_t` is signed): the same answer it would give.
        if target > i64::MAX as u64 {
            return Err(Error::new(Errno::Inval).context(format_args!("seek to {target}")));
        }
        *at = Some(target);
        cursor.used.store(true, Ordering::Relaxed);
        Ok(target)
    }
    fn advise(&self, offset: u64, len: u64, advice: Advice) -> Result<()> {
        fd_advise(self.file.as_fd(), offset, len, advice)
    }
    fn allocate(&self, offset: u64, len: u64) -> Result<()> {
        fd_allocate(self.file.as_fd(), offset, len)
    }
    fn set_size(&self, size: u64) -> Result<()> {
        self.file.set_len(size).map_err(from_io)
    }
    fn set_times(&self, atime: SetTime, mtime: SetTime) -> Result<()> {
        fd_set_times(self.file.as_fd(), atime, mtime)
    }
    fn datasync(&self) -> Result<()> {
        rustix::fs::fdatasync(&self.file).map_err(from_rustix)
    }
    fn sync(&self) -> Result<()> {
        rustix::fs::fsync(&self.file).map_err(from_rustix)
    }
    fn readiness(&self, interest: Interest) -> Result<Readiness> {
        if self.filetype()? != FileType::RegularFile {
            return host_readiness(self.file.as_fd(), interest);
        }
        // A regular file never blocks; a read reports what is left before the end.
        Ok(match interest {
            Interest::Read => {
                let size = rustix::fs::fstat(&self.file).map_err(from_rustix)?.st_size as u64;
                let deferred = self.cursor.as_ref().and_then(|cursor| *cursor.lock());
                let at = match deferred {
                    Some(at) => at,
                    None => rustix::fs::tell(&self.file).map_err(from_rustix)?,
                };
                Readiness::ready(size.saturating_sub(at))
            }
            Interest::Write => Readiness::ready(0),
        })
    }
    fn host_fd(&self) -> Option<BorrowedFd<'_>> {
        Some(self.file.as_fd())
    }
}

/// Whether a host descriptor is ready for `interest`, asked without waiting.
pub(crate) fn host_readiness(fd: BorrowedFd<'_>, interest: Interest) -> Result<Readiness> {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    let flags = match interest {
        Interest::Read => PollFlags::IN,
        Interest::Write => PollFlags::OUT,
    };
    // RDHUP tells a stream socket whose peer closed its side apart from one with data.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    const PEER_CLOSED: PollFlags = PollFlags::RDHUP;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    const PEER_CLOSED: PollFlags = PollFlags::empty();
    let mut fds = [PollFd::from_borrowed_fd(fd, flags | PEER_CLOSED)];
    poll(&mut fds, Some(&Timespec { tv_sec: 0, tv_nsec: 0 })).map_err(from_rustix)?;
    let revents = fds[0].revents();
    if revents.contains(PollFlags::NVAL) {
        return Err(Error::new(Errno::Badf));
    }
    let hangup = revents.intersects(PollFlags::HUP | PollFlags::ERR | PEER_CLOSED);
    let ready = revents.intersects(flags);
    let nbytes = if ready && interest == Interest::Read {
        rustix::io::ioctl_fionread(fd).unwrap_or(0)
    } else {
        0
    };
    Ok(Readiness { ready, nbytes, hangup })
}

/// A rustix error as a capwasi error.
pub(crate) fn from_rustix(err: rustix::io::Errno) -> Error {
    Error::from_raw_os_error(err.raw_os_error())
}

/// A host I/O error as a capwasi error.
///
/// cap-std reports an attempt to resolve a path outside the directory it was given as
/// `PermissionDenied` with no OS error number; the guest sees that as `perm`, as under both
/// wasmtime hosts (see `capwasi::abi::path`).
pub(crate) fn from_io(err: std::io::Error) -> Error {
    if err.raw_os_error().is_none() && err.kind() == std::io::ErrorKind::PermissionDenied {
        return Error::escape(err);
    }
    Error::from(err)
}

/// Sets the timestamps of a host descriptor.
pub(crate) fn fd_set_times(fd: BorrowedFd<'_>, atime: SetTime, mtime: SetTime) -> Result<()> {
    let times = Timestamps { last_access: timespec(atime)?, last_modification: timespec(mtime)? };
    rustix::fs::futimens(fd, &times).map_err(from_rustix)
}

/// The WASI filestat of a host descriptor.
pub(crate) fn fd_filestat(fd: BorrowedFd<'_>) -> Result<Filestat> {
    Ok(stat::filestat(&rustix::fs::fstat(fd).map_err(from_rustix)?))
}

/// The WASI status flags of a host descriptor.
pub(crate) fn fd_fdflags(fd: BorrowedFd<'_>) -> Result<FdFlags> {
    let host = rustix::fs::fcntl_getfl(fd).map_err(from_rustix)?;
    let mut flags = FdFlags::empty();
    flags.set(FdFlags::APPEND, host.contains(OFlags::APPEND));
    flags.set(FdFlags::NONBLOCK, host.contains(OFlags::NONBLOCK));
    flags.set(FdFlags::DSYNC, host.contains(OFlags::DSYNC));
    flags.set(FdFlags::SYNC, host.contains(OFlags::SYNC));
    #[cfg(any(target_os = "linux", target_os = "android"))]
    flags.set(FdFlags::RSYNC, host.contains(OFlags::RSYNC));
    Ok(flags)
}

/// Sets `append` and `nonblock` on a host descriptor.
///
/// The kernel cannot change the synchronisation flags of an open descriptor (Linux ignores
/// them in `F_SETFL`), so asking to change `dsync`, `rsync` or `sync` is `notsup` rather than
/// a silent no-op.
pub(crate) fn fd_set_fdflags(fd: BorrowedFd<'_>, flags: FdFlags) -> Result<()> {
    let sync_flags = FdFlags::DSYNC | FdFlags::RSYNC | FdFlags::SYNC;
    if (flags & sync_flags) != (fd_fdflags(fd)? & sync_flags) {
        return Err(Error::new(Errno::Notsup).context("sync flags cannot change after open"));
    }
    let mut host = rustix::fs::fcntl_getfl(fd).map_err(from_rustix)?;
    host.set(OFlags::APPEND, flags.contains(FdFlags::APPEND));
    host.set(OFlags::NONBLOCK, flags.contains(FdFlags::NONBLOCK));
    rustix::fs::fcntl_setfl(fd, host).map_err(from_rustix)
}

#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
fn fd_advise(fd: BorrowedFd<'_>, offset: u64, len: u64, advice: Advice) -> Result<()> {
    use rustix::fs::Advice as Host;
    let advice = match advice {
        Advice::Normal => Host::Normal,
        Advice::Sequential => Host::Sequential,
        Advice::Random => Host::Random,
        Advice::WillNeed => Host::WillNeed,
        Advice::DontNeed => Host::DontNeed,
        Advice::NoReuse => Host::NoReuse,
    };
    let len = std::num::NonZeroU64::new(len);
    rustix::fs::fadvise(fd, offset, len, advice).map_err(from_rustix)
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
fn fd_advise(_fd: BorrowedFd<'_>, _offset: u64, _len: u64, _advice: Advice) -> Result<()> {
    // Advice is only a hint; hosts without posix_fadvise lose nothing by ignoring it.
    Ok(())
}

#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
fn fd_allocate(fd: BorrowedFd<'_>, offset: u64, len: u64) -> Result<()> {
    if len == 0 {
        return Err(Error::new(Errno::Inval).context("fd_allocate of zero bytes"));
    }
    rustix::fs::fallocate(fd, rustix::fs::FallocateFlags::empty(), offset, len).map_err(from_rustix)
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
fn fd_allocate(_fd: BorrowedFd<'_>, _offset: u64, _len: u64) -> Result<()> {
    Err(Error::new(Errno::Notsup))
}

fn timespec(time: SetTime) -> Result<Timespec> {
    Ok(match time {
        SetTime::Keep => Timespec { tv_sec: 0, tv_nsec: UTIME_OMIT },
        SetTime::Now => Timespec { tv_sec: 0, tv_nsec: UTIME_NOW },
        SetTime::At(at) => {
            let since = at
                .duration_since(std::time::SystemTime::UNIX_EPOCH)
                .map_err(|_| Error::new(Errno::Inval))?;
            Timespec {
                tv_sec: i64::try_from(since.as_secs()).map_err(|_| Error::new(Errno::Overflow))?,
                tv_nsec: since.subsec_nanos().into(),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use crate::dir::OsDir;
    use capwasi::dir::{OpenOptions, Opened, WasiDir};
    use capwasi::file::{Interest, WasiFile};
    use capwasi::types::{FdFlags, OFlags};
    use capwasi::Errno;
    use std::io::{IoSlice, IoSliceMut, SeekFrom};
    use std::sync::Arc;

    fn read(file: &dyn WasiFile, len: usize) -> Vec<u8> {
        let mut buf = vec![0u8; len];
        let n = file.read_vectored(&mut [IoSliceMut::new(&mut buf)]).unwrap();
        buf.truncate(n);
        buf
    }

    fn open_by_guest(dir: &OsDir, name: &str) -> Arc<dyn WasiFile> {
        let options = OpenOptions { follow: true, oflags: OFlags::empty(), read: true, write: true, fdflags: FdFlags::empty() };
        match dir.open_at(name, &options).unwrap() {
            Opened::File(file) => file,
            _ => panic!("{name} opened as a file"),
        }
    }

    /// A seek on a file the guest opened is kept in user space until a call needs the
    /// kernel's position; every answer is the one the kernel's position would give.
    #[test]
    fn deferred_seeks_answer_as_the_kernel_position_would() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("f"), "0123456789").unwrap();
        let dir = OsDir::open_ambient(tmp.path()).unwrap();
        let file = open_by_guest(&dir, "f");
        let file = &*file;

        assert_eq!(read(file, 2), b"01", "before any seek the kernel's position is used");
        assert_eq!(file.seek(SeekFrom::Start(3)).unwrap(), 3);
        assert_eq!(read(file, 2), b"34");
        assert_eq!(file.seek(SeekFrom::Current(0)).unwrap(), 5, "tell after a deferred seek and a read");
        let mut pread = [0u8; 3];
        assert_eq!(file.read_vectored_at(&mut [IoSliceMut::new(&mut pread)], 0).unwrap(), 3);
        assert_eq!(file.seek(SeekFrom::Current(0)).unwrap(), 5, "a pread leaves the position alone");
        assert_eq!(file.readiness(Interest::Read).unwrap().nbytes, 5, "bytes left after the deferred position");
        assert_eq!(file.seek(SeekFrom::Current(-1)).unwrap(), 4);
        assert_eq!(file.write_vectored(&[IoSlice::new(b"X")]).unwrap(), 1);
        assert_eq!(std::fs::read(tmp.path().join("f")).unwrap(), b"0123X56789", "the write lands at the deferred position");
        assert_eq!(file.seek(SeekFrom::Current(0)).unwrap(), 5);
        assert_eq!(read(file, 10), b"56789");
        assert_eq!(file.seek(SeekFrom::End(-2)).unwrap(), 8);
        assert_eq!(read(file, 10), b"89");
        assert_eq!(file.seek(SeekFrom::Start(20)).unwrap(), 20, "past the end, as lseek allows");
        assert_eq!(read(file, 4), b"");
        assert_eq!(file.seek(SeekFrom::Current(-100)).unwrap_err().errno(), Errno::Inval);
        assert_eq!(file.seek(SeekFrom::Current(0)).unwrap(), 20, "a refused seek moves nothing");
        assert_eq!(file.seek(SeekFrom::Start(u64::MAX / 2 + 1)).unwrap_err().errno(), Errno::Inval);
        assert_eq!(file.seek(SeekFrom::End(-100)).unwrap_err().errno(), Errno::Inval);
        assert_eq!(file.seek(SeekFrom::Current(0)).unwrap(), 20, "a refused seek from the end keeps the deferred position");
    }

    /// A file the host handed in keeps the kernel's position at every step: others may share
    /// its open file description.
    #[test]
    fn a_host_file_moves_the_kernel_position_at_once() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("f"), "0123456789").unwrap();
        let std_file = std::fs::File::open(tmp.path().join("f")).unwrap();
        let shared = std_file.try_clone().unwrap();
        let file = super::OsFile::from_std(std_file).unwrap();
        assert_eq!(file.seek(SeekFrom::Start(6)).unwrap(), 6);
        use std::io::Seek;
        assert_eq!((&shared).stream_position().unwrap(), 6);
    }
}
