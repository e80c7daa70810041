//! wasi-common's `WasiFile` trait and its types, and the bridge that lets capwasi use any
//! implementation of it.
//!
//! The trait keeps wasi-common 46's shape (async methods through `async_trait`), so an
//! embedder's own file type compiles unchanged. capwasi's core is synchronous: the bridge
//! ([`LegacyFile`]) drives each method's future to completion on the calling thread.

use crate::clocks::SystemTimeSpec;
use crate::error::{Error, ErrorExt};
use bitflags::bitflags;
use capwasi::file::{Interest, Readiness, SetTime};
use capwasi::types as cw;
use std::any::Any;
use std::future::Future;
use std::io::{IoSlice, IoSliceMut, SeekFrom};
use std::sync::{Arc, RwLock};

/// A file-like object a guest reaches through a descriptor (wasi-common 46's trait).
///
/// Every method but `as_any` and `get_filetype` has a default; the defaults answer as
/// wasi-common's did (`badf` for I/O the object does not support).
#[async_trait::async_trait]
pub trait WasiFile: Send + Sync {
    /// The object, for downcasting.
    fn as_any(&self) -> &dyn Any;
    /// What kind of file this is.
    async fn get_filetype(&self) -> Result<FileType, Error>;

    /// A host descriptor the async linker can wait on for readiness.
    #[cfg(unix)]
    fn pollable(&self) -> Option<rustix::fd::BorrowedFd<'_>> {
        None
    }

    /// Whether this is a terminal.
    fn isatty(&self) -> bool {
        false
    }

    /// Accepts a connection (sockets).
    async fn sock_accept(&self, _fdflags: FdFlags) -> Result<Box<dyn WasiFile>, Error> {
        Err(Error::badf())
    }

    /// Receives into `ri_data` (sockets).
    async fn sock_recv<'a>(&self, _ri_data: &mut [IoSliceMut<'a>], _ri_flags: RiFlags) -> Result<(u64, RoFlags), Error> {
        Err(Error::badf())
    }

    /// Sends `si_data` (sockets).
    async fn sock_send<'a>(&self, _si_data: &[IoSlice<'a>], _si_flags: SiFlags) -> Result<u64, Error> {
        Err(Error::badf())
    }

    /// Shuts down one or both directions (sockets).
    async fn sock_shutdown(&self, _how: SdFlags) -> Result<(), Error> {
        Err(Error::badf())
    }

    /// Flushes the data to storage.
    async fn datasync(&self) -> Result<(), Error> {
        Ok(())
    }

    /// Flushes data and metadata to storage.
    async fn sync(&self) -> Result<(), Error> {
        Ok(())
    }

    /// The descriptor's status flags.
    async fn get_fdflags(&self) -> Result<FdFlags, Error> {
        Ok(FdFlags::empty())
    }

    /// Changes the status flags.
    async fn set_fdflags(&mut self, _flags: FdFlags) -> Result<(), Error> {
        Err(Error::badf())
    }

    /// The file's metadata.
    async fn get_filestat(&self) -> Result<Filestat, Error> {
        Ok(Filestat {
            device_id: 0,
            inode: 0,
            filetype: self.get_filetype().await?,
            nlink: 0,
            size: 0,
            atim: None,
            mtim: None,
            ctim: None,
        })
    }

    /// Truncates or extends the file.
    async fn set_filestat_size(&self, _size: u64) -> Result<(), Error> {
        Err(Error::badf())
    }

    /// Advises the host of an access pattern.
    async fn advise(&self, _offset: u64, _len: u64, _advice: Advice) -> Result<(), Error> {
        Err(Error::badf())
    }

    /// Sets the access and modification times.
    async fn set_times(&self, _atime: Option<SystemTimeSpec>, _mtime: Option<SystemTimeSpec>) -> Result<(), Error> {
        Err(Error::badf())
    }

    /// Reads at the current position.
    async fn read_vectored<'a>(&self, _bufs: &mut [IoSliceMut<'a>]) -> Result<u64, Error> {
        Err(Error::badf())
    }

    /// Reads at `offset` without moving the position.
    async fn read_vectored_at<'a>(&self, _bufs: &mut [IoSliceMut<'a>], _offset: u64) -> Result<u64, Error> {
        Err(Error::badf())
    }

    /// Writes at the current position.
    async fn write_vectored<'a>(&self, _bufs: &[IoSlice<'a>]) -> Result<u64, Error> {
        Err(Error::badf())
    }

    /// Writes at `offset` without moving the position.
    async fn write_vectored_at<'a>(&self, _bufs: &[IoSlice<'a>], _offset: u64) -> Result<u64, Error> {
        Err(Error::badf())
    }

    /// Moves the position.
    async fn seek(&self, _pos: SeekFrom) -> Result<u64, Error> {
        Err(Error::badf())
    }

    /// Reads without consuming.
    async fn peek(&self, _buf: &mut [u8]) -> Result<u64, Error> {
        Err(Error::badf())
    }

    /// Bytes that can be read without waiting (what `poll_oneoff` reports).
    fn num_ready_bytes(&self) -> Result<u64, Error> {
        Ok(0)
    }

    /// Waits until readable.
    async fn readable(&self) -> Result<(), Error> {
        Err(Error::badf())
    }

    /// Waits until writable.
    async fn writable(&self) -> Result<(), Error> {
        Err(Error::badf())
    }
}

/// The kind of a file (wasi-common's, with `Pipe`, which the guest sees as `unknown`).
#[allow(missing_docs)]
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub enum FileType {
    Unknown,
    BlockDevice,
    CharacterDevice,
    Directory,
    RegularFile,
    SocketDgram,
    SocketStream,
    SymbolicLink,
    Pipe,
}

impl From<FileType> for cw::FileType {
    fn from(kind: FileType) -> cw::FileType {
        match kind {
            FileType::Unknown | FileType::Pipe => cw::FileType::Unknown,
            FileType::BlockDevice => cw::FileType::BlockDevice,
            FileType::CharacterDevice => cw::FileType::CharacterDevice,
            FileType::Directory => cw::FileType::Directory,
            FileType::RegularFile => cw::FileType::RegularFile,
            FileType::SocketDgram => cw::FileType::SocketDgram,
            FileType::SocketStream => cw::FileType::SocketStream,
            FileType::SymbolicLink => cw::FileType::SymbolicLink,
        }
    }
}

macro_rules! flags {
    ($(#[$doc:meta])* $name:ident: $cw:ty { $($flag:ident = $bit:literal => $cwflag:ident,)* }) => {
        bitflags! {
            $(#[$doc])*
            #[derive(Copy, Clone, Debug, PartialEq, Eq)]
            pub struct $name: u32 {
                $(#[allow(missing_docs)] const $flag = $bit;)*
            }
        }
        #[allow(unused)]
        impl $name {
            pub(crate) fn to_capwasi(self) -> $cw {
                let mut out = <$cw>::empty();
                $(if self.contains($name::$flag) { out |= <$cw>::$cwflag; })*
                out
            }
            pub(crate) fn from_capwasi(flags: $cw) -> $name {
                let mut out = $name::empty();
                $(if flags.contains(<$cw>::$cwflag) { out |= $name::$flag; })*
                out
            }
        }
    };
}

flags!(
    /// Descriptor status flags.
    FdFlags: cw::FdFlags { APPEND = 0b1 => APPEND, DSYNC = 0b10 => DSYNC, NONBLOCK = 0b100 => NONBLOCK, RSYNC = 0b1000 => RSYNC, SYNC = 0b10000 => SYNC, }
);
flags!(
    /// `sock_shutdown` directions.
    SdFlags: cw::SdFlags { RD = 0b1 => RD, WR = 0b10 => WR, }
);
bitflags! {
    /// `sock_send` flags (none are defined).
    #[derive(Copy, Clone, Debug, PartialEq, Eq)]
    pub struct SiFlags: u32 {}
}
flags!(
    /// `sock_recv` flags.
    RiFlags: cw::RiFlags { RECV_PEEK = 0b1 => RECV_PEEK, RECV_WAITALL = 0b10 => RECV_WAITALL, }
);
flags!(
    /// `sock_recv` result flags.
    RoFlags: cw::RoFlags { RECV_DATA_TRUNCATED = 0b1 => RECV_DATA_TRUNCATED, }
);
flags!(
    /// `path_open` flags.
    OFlags: cw::OFlags { CREATE = 0b1 => CREAT, DIRECTORY = 0b10 => DIRECTORY, EXCLUSIVE = 0b100 => EXCL, TRUNCATE = 0b1000 => TRUNC, }
);

bitflags! {
    /// How a pushed file may be used: capwasi turns it into the descriptor's rights (a file
    /// pushed with `READ` only has no write right, so `fd_write` on it is `notcapable`).
    #[derive(Copy, Clone, Debug, PartialEq, Eq)]
    pub struct FileAccessMode: u32 {
        #[allow(missing_docs)]
        const READ = 0b1;
        #[allow(missing_docs)]
        const WRITE = 0b10;
    }
}

impl FileAccessMode {
    pub(crate) fn rights(self) -> cw::FdRights {
        let mut rights = cw::Rights::FILE;
        if !self.contains(FileAccessMode::READ) {
            rights -= cw::Rights::FD_READ;
        }
        if !self.contains(FileAccessMode::WRITE) {
            rights -= cw::Rights::FILE_MUTATING;
        }
        cw::FdRights::new(rights, cw::Rights::empty())
    }
}

/// A file's metadata, with times as `SystemTime`s (`None`: unknown).
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filestat {
    pub device_id: u64,
    pub inode: u64,
    pub filetype: FileType,
    pub nlink: u64,
    pub size: u64,
    pub atim: Option<std::time::SystemTime>,
    pub mtim: Option<std::time::SystemTime>,
    pub ctim: Option<std::time::SystemTime>,
}

impl From<Filestat> for cw::Filestat {
    fn from(stat: Filestat) -> cw::Filestat {
        let nanos = |t: Option<std::time::SystemTime>| {
            t.and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos() as u64)
        };
        cw::Filestat {
            dev: stat.device_id,
            ino: stat.inode,
            filetype: stat.filetype.into(),
            nlink: stat.nlink,
            size: stat.size,
            atim: nanos(stat.atim),
            mtim: nanos(stat.mtim),
            ctim: nanos(stat.ctim),
        }
    }
}

/// What `fd_fdstat_get` reports.
#[allow(missing_docs)]
#[derive(Debug, Clone)]
pub struct FdStat {
    pub filetype: FileType,
    pub flags: FdFlags,
    pub access_mode: FileAccessMode,
}

/// `fd_advise` advice.
#[allow(missing_docs)]
#[derive(Debug, Clone)]
pub enum Advice {
    Normal,
    Sequential,
    Random,
    WillNeed,
    DontNeed,
    NoReuse,
}

impl From<cw::Advice> for Advice {
    fn from(advice: cw::Advice) -> Advice {
        match advice {
            cw::Advice::Normal => Advice::Normal,
            cw::Advice::Sequential => Advice::Sequential,
            cw::Advice::Random => Advice::Random,
            cw::Advice::WillNeed => Advice::WillNeed,
            cw::Advice::DontNeed => Advice::DontNeed,
            cw::Advice::NoReuse => Advice::NoReuse,
        }
    }
}

pub(crate) fn time_spec(time: SetTime) -> Option<SystemTimeSpec> {
    match time {
        SetTime::Keep => None,
        SetTime::Now => Some(SystemTimeSpec::SymbolicNow),
        SetTime::At(at) => Some(SystemTimeSpec::Absolute(cap_std::time::SystemTime::from_std(at))),
    }
}

/// Runs a wasi-common method's future to completion on this thread.
///
/// wasi-common's own sync backends were futures that never waited; an embedder's may
/// really wait, so a pending future parks the thread until its waker fires (instead of
/// failing, as wasi-common's dummy executor did).
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    thread_local! {
        static WAKER: Waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    }
    let mut future = std::pin::pin!(future);
    WAKER.with(|waker| {
        let mut cx = Context::from_waker(waker);
        loop {
            match future.as_mut().poll(&mut cx) {
                Poll::Ready(output) => return output,
                Poll::Pending => std::thread::park(),
            }
        }
    })
}

fn run<T>(result: Result<T, Error>) -> capwasi::Result<T> {
    result.map_err(Error::into_capwasi)
}

/// A wasi-common [`WasiFile`] as a capwasi file: how `Box<dyn WasiFile>`s given to the
/// context reach the guest.
pub struct LegacyFile {
    // `set_fdflags` takes `&mut self` in wasi-common's trait; every other method reads.
    file: RwLock<Box<dyn WasiFile>>,
}

impl LegacyFile {
    /// Wraps `file`.
    pub fn new(file: Box<dyn WasiFile>) -> LegacyFile {
        LegacyFile { file: RwLock::new(file) }
    }

    fn with<R>(&self, call: impl FnOnce(&dyn WasiFile) -> R) -> R {
        let file = self.file.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        call(&**file)
    }
}

impl capwasi::WasiFile for LegacyFile {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn filetype(&self) -> capwasi::Result<cw::FileType> {
        self.with(|f| run(block_on(f.get_filetype())).map(Into::into))
    }
    fn filestat(&self) -> capwasi::Result<cw::Filestat> {
        self.with(|f| run(block_on(f.get_filestat())).map(Into::into))
    }
    fn fdflags(&self) -> capwasi::Result<cw::FdFlags> {
        self.with(|f| run(block_on(f.get_fdflags())).map(FdFlags::to_capwasi))
    }
    fn set_fdflags(&self, flags: cw::FdFlags) -> capwasi::Result<()> {
        let mut file = self.file.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        run(block_on(file.set_fdflags(FdFlags::from_capwasi(flags))))
    }
    fn is_tty(&self) -> bool {
        self.with(|f| f.isatty())
    }
    fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> capwasi::Result<usize> {
        self.with(|f| run(block_on(f.read_vectored(bufs))).map(|n| n as usize))
    }
    fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> capwasi::Result<usize> {
        self.with(|f| run(block_on(f.write_vectored(bufs))).map(|n| n as usize))
    }
    fn read_vectored_at(&self, bufs: &mut [IoSliceMut<'_>], offset: u64) -> capwasi::Result<usize> {
        self.with(|f| run(block_on(f.read_vectored_at(bufs, offset))).map(|n| n as usize))
    }
    fn write_vectored_at(&self, bufs: &[IoSlice<'_>], offset: u64) -> capwasi::Result<usize> {
        self.with(|f| run(block_on(f.write_vectored_at(bufs, offset))).map(|n| n as usize))
    }
    fn seek(&self, pos: SeekFrom) -> capwasi::Result<u64> {
        self.with(|f| run(block_on(f.seek(pos))))
    }
    fn advise(&self, offset: u64, len: u64, advice: cw::Advice) -> capwasi::Result<()> {
        self.with(|f| run(block_on(f.advise(offset, len, advice.into()))))
    }
    fn set_size(&self, size: u64) -> capwasi::Result<()> {
        self.with(|f| run(block_on(f.set_filestat_size(size))))
    }
    fn set_times(&self, atime: SetTime, mtime: SetTime) -> capwasi::Result<()> {
        self.with(|f| run(block_on(f.set_times(time_spec(atime), time_spec(mtime)))))
    }
    fn datasync(&self) -> capwasi::Result<()> {
        self.with(|f| run(block_on(f.datasync())))
    }
    fn sync(&self) -> capwasi::Result<()> {
        self.with(|f| run(block_on(f.sync())))
    }
    fn readiness(&self, _interest: Interest) -> capwasi::Result<Readiness> {
        self.with(|f| run(f.num_ready_bytes()).map(Readiness::ready))
    }
    fn sock_accept(&self, fdflags: cw::FdFlags) -> capwasi::Result<Arc<dyn capwasi::WasiFile>> {
        self.with(|f| run(block_on(f.sock_accept(FdFlags::from_capwasi(fdflags)))))
            .map(|file| Arc::new(LegacyFile::new(file)) as Arc<dyn capwasi::WasiFile>)
    }
    fn sock_recv(&self, bufs: &mut [IoSliceMut<'_>], flags: cw::RiFlags) -> capwasi::Result<(usize, cw::RoFlags)> {
        self.with(|f| run(block_on(f.sock_recv(bufs, RiFlags::from_capwasi(flags)))))
            .map(|(n, flags)| (n as usize, flags.to_capwasi()))
    }
    fn sock_send(&self, bufs: &[IoSlice<'_>]) -> capwasi::Result<usize> {
        self.with(|f| run(block_on(f.sock_send(bufs, SiFlags::empty()))).map(|n| n as usize))
    }
    fn sock_shutdown(&self, how: cw::SdFlags) -> capwasi::Result<()> {
        self.with(|f| run(block_on(f.sock_shutdown(SdFlags::from_capwasi(how)))))
    }
    #[cfg(unix)]
    fn host_fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        // The descriptor lives as long as the boxed file, which lives as long as `self`; the
        // lock guard only protects against `set_fdflags` replacing nothing but flags.
        let file = self.file.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let fd = file.pollable()?;
        // SAFETY: the boxed object is never replaced (only `set_fdflags` writes, through the
        // same box), so the descriptor it borrows from outlives the guard and lives as long
        // as `self`.
        Some(unsafe { std::os::fd::BorrowedFd::borrow_raw(std::os::fd::AsRawFd::as_raw_fd(&fd)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::task::{Context, Poll};

    #[test]
    fn access_modes_become_rights() {
        let read = FileAccessMode::READ.rights().base;
        assert!(read.contains(cw::Rights::FD_READ) && !read.contains(cw::Rights::FD_WRITE));
        let write = FileAccessMode::WRITE.rights().base;
        assert!(write.contains(cw::Rights::FD_WRITE) && !write.contains(cw::Rights::FD_READ));
        assert_eq!((FileAccessMode::READ | FileAccessMode::WRITE).rights().base, cw::Rights::FILE);
    }

    /// Pending until another thread sets the flag and wakes it.
    struct WokenLater(Arc<AtomicBool>, bool);

    impl Future for WokenLater {
        type Output = u32;
        fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
            if self.0.load(Ordering::SeqCst) {
                return Poll::Ready(7);
            }
            if !self.1 {
                self.1 = true;
                let (flag, waker) = (Arc::clone(&self.0), cx.waker().clone());
                std::thread::spawn(move || {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    flag.store(true, Ordering::SeqCst);
                    waker.wake();
                });
            }
            Poll::Pending
        }
    }

    #[test]
    fn a_pending_future_is_waited_for() {
        assert_eq!(block_on(WokenLater(Arc::new(AtomicBool::new(false)), false)), 7);
    }
}
