//! The host process's standard streams as WASI files.
//!
//! Each call goes straight to host fd 0, 1 or 2 with one syscall. Nothing is buffered on the
//! way, so output is never lost when the guest exits, and stdin is streamed as it arrives
//! (never read whole before the program starts).

use crate::file::{fd_fdflags, fd_filestat, io_err};
use crate::stat;
use capwasi::file::WasiFile;
use capwasi::types::{FdFlags, FileType, Filestat};
use capwasi::{Errno, Error, Result};
use std::any::Any;
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::BorrowedFd;

/// One of the host's standard streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostStdio {
    /// fd 0, read-only.
    Stdin,
    /// fd 1, write-only.
    Stdout,
    /// fd 2, write-only.
    Stderr,
}

impl HostStdio {
    fn fd(self) -> BorrowedFd<'static> {
        match self {
            HostStdio::Stdin => rustix::stdio::stdin(),
            HostStdio::Stdout => rustix::stdio::stdout(),
            HostStdio::Stderr => rustix::stdio::stderr(),
        }
    }
}

impl WasiFile for HostStdio {
    fn as_any(&self) -> &dyn Any {
        self
    }
    /// A terminal is a character device, a redirect to a file a regular file, a pipe unknown.
    fn filetype(&self) -> Result<FileType> {
        Ok(stat::filetype(rustix::fs::fstat(self.fd()).map_err(io_err)?.st_mode as u32))
    }
    fn filestat(&self) -> Result<Filestat> {
        fd_filestat(self.fd())
    }
    fn fdflags(&self) -> Result<FdFlags> {
        fd_fdflags(self.fd())
    }
    fn is_tty(&self) -> bool {
        rustix::termios::isatty(self.fd())
    }
    fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> Result<usize> {
        match self {
            HostStdio::Stdin => rustix::io::readv(self.fd(), bufs).map_err(io_err),
            _ => Err(Error::new(Errno::Badf).context("stdout and stderr are write-only")),
        }
    }
    fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> Result<usize> {
        match self {
            HostStdio::Stdin => Err(Error::new(Errno::Badf).context("stdin is read-only")),
            _ => rustix::io::writev(self.fd(), bufs).map_err(io_err),
        }
    }
}
