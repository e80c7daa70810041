//! [`File`]: a host file as a wasi-common [`WasiFile`](crate::WasiFile), for
//! [`WasiCtx::push_file`](crate::WasiCtx::push_file) and friends.
//!
//! It is capwasi-os's `OsFile` underneath; handed to the context, it is unwrapped, so the
//! guest's calls reach `OsFile` directly, never through futures.

use crate::error::Error;
use crate::file::{Advice, FdFlags, FileType, Filestat, RiFlags, RoFlags, SdFlags, SiFlags, WasiFile};
use crate::SystemTimeSpec;
use capwasi::file::{Interest, SetTime};
use capwasi::types as cw;
use std::any::Any;
use std::io::{IoSlice, IoSliceMut, SeekFrom};
use std::sync::Arc;

/// A host file (wasi-common's `sync::file::File`).
pub struct File(pub(crate) Arc<dyn capwasi::WasiFile>);

impl File {
    /// Wraps an open file: a `cap_std::fs::File` (of cap-std 4, which this crate uses, or
    /// of cap-std 3, which wasi-common 46 used), or any other owner of a file descriptor.
    ///
    /// # Panics
    /// If the file cannot be `fstat`ed (its kind is learnt once, here).
    pub fn from_cap_std(file: impl Into<std::os::fd::OwnedFd>) -> Self {
        let file = cap_std::fs::File::from_std(std::fs::File::from(file.into()));
        File(Arc::new(capwasi_os::OsFile::new(file).expect("fstat of an open file")))
    }
}

pub(crate) fn file_type(kind: cw::FileType) -> FileType {
    match kind {
        cw::FileType::Unknown => FileType::Unknown,
        cw::FileType::BlockDevice => FileType::BlockDevice,
        cw::FileType::CharacterDevice => FileType::CharacterDevice,
        cw::FileType::Directory => FileType::Directory,
        cw::FileType::RegularFile => FileType::RegularFile,
        cw::FileType::SocketDgram => FileType::SocketDgram,
        cw::FileType::SocketStream => FileType::SocketStream,
        cw::FileType::SymbolicLink => FileType::SymbolicLink,
    }
}

pub(crate) fn filestat(stat: cw::Filestat) -> Filestat {
    let time = |nanos: u64| Some(std::time::UNIX_EPOCH + std::time::Duration::from_nanos(nanos));
    Filestat {
        device_id: stat.dev,
        inode: stat.ino,
        filetype: file_type(stat.filetype),
        nlink: stat.nlink,
        size: stat.size,
        atim: time(stat.atim),
        mtim: time(stat.mtim),
        ctim: time(stat.ctim),
    }
}

pub(crate) fn set_time(spec: Option<SystemTimeSpec>) -> SetTime {
    match spec {
        None => SetTime::Keep,
        Some(SystemTimeSpec::SymbolicNow) => SetTime::Now,
        Some(SystemTimeSpec::Absolute(at)) => SetTime::At(at.into_std()),
    }
}

fn advice(advice: Advice) -> cw::Advice {
    match advice {
        Advice::Normal => cw::Advice::Normal,
        Advice::Sequential => cw::Advice::Sequential,
        Advice::Random => cw::Advice::Random,
        Advice::WillNeed => cw::Advice::WillNeed,
        Advice::DontNeed => cw::Advice::DontNeed,
        Advice::NoReuse => cw::Advice::NoReuse,
    }
}

#[async_trait::async_trait]
impl WasiFile for File {
    fn as_any(&self) -> &dyn Any {
        self
    }
    async fn get_filetype(&self) -> Result<FileType, Error> {
        Ok(file_type(self.0.filetype()?))
    }
    #[cfg(unix)]
    fn pollable(&self) -> Option<rustix::fd::BorrowedFd<'_>> {
        self.0.host_fd()
    }
    fn isatty(&self) -> bool {
        self.0.is_tty()
    }
    async fn datasync(&self) -> Result<(), Error> {
        Ok(self.0.datasync()?)
    }
    async fn sync(&self) -> Result<(), Error> {
        Ok(self.0.sync()?)
    }
    async fn get_fdflags(&self) -> Result<FdFlags, Error> {
        Ok(FdFlags::from_capwasi(self.0.fdflags()?))
    }
    async fn set_fdflags(&mut self, flags: FdFlags) -> Result<(), Error> {
        Ok(self.0.set_fdflags(flags.to_capwasi())?)
    }
    async fn get_filestat(&self) -> Result<Filestat, Error> {
        Ok(filestat(self.0.filestat()?))
    }
    async fn set_filestat_size(&self, size: u64) -> Result<(), Error> {
        Ok(self.0.set_size(size)?)
    }
    async fn advise(&self, offset: u64, len: u64, how: Advice) -> Result<(), Error> {
        Ok(self.0.advise(offset, len, advice(how))?)
    }
    async fn set_times(&self, atime: Option<SystemTimeSpec>, mtime: Option<SystemTimeSpec>) -> Result<(), Error> {
        Ok(self.0.set_times(set_time(atime), set_time(mtime))?)
    }
    async fn read_vectored<'a>(&self, bufs: &mut [IoSliceMut<'a>]) -> Result<u64, Error> {
        Ok(self.0.read_vectored(bufs)? as u64)
    }
    async fn read_vectored_at<'a>(&self, bufs: &mut [IoSliceMut<'a>], offset: u64) -> Result<u64, Error> {
        Ok(self.0.read_vectored_at(bufs, offset)? as u64)
    }
    async fn write_vectored<'a>(&self, bufs: &[IoSlice<'a>]) -> Result<u64, Error> {
        Ok(self.0.write_vectored(bufs)? as u64)
    }
    async fn write_vectored_at<'a>(&self, bufs: &[IoSlice<'a>], offset: u64) -> Result<u64, Error> {
        Ok(self.0.write_vectored_at(bufs, offset)? as u64)
    }
    async fn seek(&self, pos: SeekFrom) -> Result<u64, Error> {
        Ok(self.0.seek(pos)?)
    }
    fn num_ready_bytes(&self) -> Result<u64, Error> {
        Ok(self.0.readiness(Interest::Read)?.nbytes)
    }
    async fn sock_accept(&self, fdflags: FdFlags) -> Result<Box<dyn WasiFile>, Error> {
        Ok(Box::new(File(self.0.sock_accept(fdflags.to_capwasi())?)))
    }
    async fn sock_recv<'a>(&self, ri_data: &mut [IoSliceMut<'a>], ri_flags: RiFlags) -> Result<(u64, RoFlags), Error> {
        let (n, flags) = self.0.sock_recv(ri_data, ri_flags.to_capwasi())?;
        Ok((n as u64, RoFlags::from_capwasi(flags)))
    }
    async fn sock_send<'a>(&self, si_data: &[IoSlice<'a>], _si_flags: SiFlags) -> Result<u64, Error> {
        Ok(self.0.sock_send(si_data)? as u64)
    }
    async fn sock_shutdown(&self, how: SdFlags) -> Result<(), Error> {
        Ok(self.0.sock_shutdown(how.to_capwasi())?)
    }
}
