//! The host process's standard streams as WASI files.
//!
//! Each call goes straight to host fd 0, 1 or 2 with one syscall. Nothing is buffered on the
//! way, so output is never lost when the guest exits, and stdin is streamed as it arrives
//! (never read whole before the program starts).
//!
//! `nonblock` is emulated per stream instead of being set on the host descriptor: the host's
//! stdio is shared with the parent process (a shell's terminal), and flipping `O_NONBLOCK`
//! there would leak into it after the guest ends.

use crate::file::{fd_fdflags, fd_filestat, host_readiness, from_rustix};
use crate::stat;
use capwasi::file::{Interest, Readiness, WasiFile};
use capwasi::types::{FdFlags, FileType, Filestat};
use capwasi::{Errno, Error, Result};
use std::any::Any;
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::BorrowedFd;
use std::sync::atomic::{AtomicBool, Ordering};

/// Bytes a pipe that polls writable is guaranteed to take without blocking (POSIX `PIPE_BUF`).
const PIPE_BUF: usize = 4096;

/// Which standard stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StdStream {
    /// fd 0, read-only.
    Stdin,
    /// fd 1, write-only.
    Stdout,
    /// fd 2, write-only.
    Stderr,
}

/// One of the host's standard streams, as a guest descriptor.
#[derive(Debug)]
pub struct HostStdio {
    stream: StdStream,
    nonblock: AtomicBool,
}

impl HostStdio {
    /// The host's stdin.
    pub fn stdin() -> HostStdio {
        HostStdio::new(StdStream::Stdin)
    }

    /// The host's stdout.
    pub fn stdout() -> HostStdio {
        HostStdio::new(StdStream::Stdout)
    }

    /// The host's stderr.
    pub fn stderr() -> HostStdio {
        HostStdio::new(StdStream::Stderr)
    }

    fn new(stream: StdStream) -> HostStdio {
        HostStdio { stream, nonblock: AtomicBool::new(false) }
    }

    fn fd(&self) -> BorrowedFd<'static> {
        match self.stream {
            StdStream::Stdin => rustix::stdio::stdin(),
            StdStream::Stdout => rustix::stdio::stdout(),
            StdStream::Stderr => rustix::stdio::stderr(),
        }
    }

    /// With `nonblock` set, `again` unless the stream is ready for `interest` now.
    fn wait_allowed(&self, interest: Interest) -> Result<()> {
        if self.nonblock.load(Ordering::Relaxed) {
            let now = host_readiness(self.fd(), interest)?;
            if !now.ready && !now.hangup {
                return Err(Error::new(Errno::Again));
            }
        }
        Ok(())
    }
}

impl WasiFile for HostStdio {
    fn as_any(&self) -> &dyn Any {
        self
    }
    /// A terminal is a character device, a redirect to a file a regular file, a pipe unknown.
    fn filetype(&self) -> Result<FileType> {
        Ok(stat::filetype(rustix::fs::fstat(self.fd()).map_err(from_rustix)?.st_mode as u32))
    }
    fn filestat(&self) -> Result<Filestat> {
        fd_filestat(self.fd())
    }
    fn fdflags(&self) -> Result<FdFlags> {
        let mut flags = fd_fdflags(self.fd())?;
        flags.set(FdFlags::NONBLOCK, self.nonblock.load(Ordering::Relaxed));
        Ok(flags)
    }
    /// Only `nonblock` can change; the other flags belong to the host's descriptor.
    fn set_fdflags(&self, flags: FdFlags) -> Result<()> {
        let others = !FdFlags::NONBLOCK;
        if flags & others != self.fdflags()? & others {
            return Err(Error::new(Errno::Notsup).context("only nonblock can change on host stdio"));
        }
        self.nonblock.store(flags.contains(FdFlags::NONBLOCK), Ordering::Relaxed);
        Ok(())
    }
    fn is_tty(&self) -> bool {
        rustix::termios::isatty(self.fd())
    }
    fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> Result<usize> {
        match self.stream {
            StdStream::Stdin => {
                self.wait_allowed(Interest::Read)?;
                rustix::io::readv(self.fd(), bufs).map_err(from_rustix)
            }
            _ => Err(Error::new(Errno::Badf).context("stdout and stderr are write-only")),
        }
    }
    fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> Result<usize> {
        match self.stream {
            StdStream::Stdin => Err(Error::new(Errno::Badf).context("stdin is read-only")),
            _ if self.nonblock.load(Ordering::Relaxed) => {
                self.wait_allowed(Interest::Write)?;
                // Writable means room for at least PIPE_BUF bytes, not for the whole buffer:
                // a larger write could still block, so a nonblocking one writes at most that.
                let mut room = PIPE_BUF;
                let mut capped: smallvec::SmallVec<[IoSlice<'_>; 8]> = smallvec::SmallVec::new();
                for buf in bufs {
                    if room == 0 {
                        break;
                    }
                    let take = buf.len().min(room);
                    capped.push(IoSlice::new(&buf[..take]));
                    room -= take;
                }
                rustix::io::writev(self.fd(), &capped).map_err(from_rustix)
            }
            _ => rustix::io::writev(self.fd(), bufs).map_err(from_rustix),
        }
    }
    fn readiness(&self, interest: Interest) -> Result<Readiness> {
        host_readiness(self.fd(), interest)
    }
    fn host_fd(&self) -> Option<BorrowedFd<'_>> {
        Some(self.fd())
    }
}
