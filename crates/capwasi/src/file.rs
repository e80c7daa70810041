//! [`WasiFile`]: what a descriptor that is not a directory can do.
//!
//! Files, pipes, ttys and sockets all implement this one trait. A method an object cannot
//! support keeps its default, which answers the errno POSIX gives for that object
//! (`spipe` for seeking a pipe, `badf` for writing a read-only stream, ...).

use crate::types::{Advice, FdFlags, FileType, Filestat, RiFlags, RoFlags, SdFlags};
use std::sync::Arc;
use crate::{Errno, Error, Result};
use std::any::Any;
use std::io::{IoSlice, IoSliceMut, SeekFrom};
use std::time::SystemTime;

/// A new value for one timestamp in a set-times call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetTime {
    /// Leave the timestamp as it is.
    Keep,
    /// The host's current time.
    Now,
    /// This time.
    At(SystemTime),
}

/// What a `poll_oneoff` subscription waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interest {
    /// Data to read (or end of stream).
    Read,
    /// Room to write.
    Write,
}

/// Whether an object is ready for an [`Interest`] now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Readiness {
    /// A read or write would not block.
    pub ready: bool,
    /// For reads, the bytes available (for a regular file: left before its end), if known.
    pub nbytes: u64,
    /// The peer is gone: reads will see end of stream, writes will fail.
    pub hangup: bool,
}

impl Readiness {
    /// Ready, with `nbytes` available.
    pub const fn ready(nbytes: u64) -> Readiness {
        Readiness { ready: true, nbytes, hangup: false }
    }

    /// Not ready yet.
    pub const NOT_READY: Readiness = Readiness { ready: false, nbytes: 0, hangup: false };
}

/// An open non-directory object, as a WASI descriptor sees it.
///
/// Methods take `&self`: a context is shared by every thread of a wasi-threads program, so an
/// implementation synchronises its own state (an OS file needs none, the kernel does it).
/// Positional state (the file offset) belongs to the implementation.
pub trait WasiFile: Send + Sync + 'static {
    /// For downcasting to the concrete type (e.g. to recover a pipe's contents).
    fn as_any(&self) -> &dyn Any;

    /// What kind of object this is.
    fn filetype(&self) -> Result<FileType>;

    /// The object's metadata.
    fn filestat(&self) -> Result<Filestat> {
        Ok(Filestat { filetype: self.filetype()?, nlink: 1, ..Filestat::default() })
    }

    /// Current status flags.
    fn fdflags(&self) -> Result<FdFlags> {
        Ok(FdFlags::empty())
    }

    /// Replaces the status flags (`append`, `nonblock`, ...).
    fn set_fdflags(&self, _flags: FdFlags) -> Result<()> {
        Err(Error::new(Errno::Notsup))
    }

    /// True when this is an interactive terminal.
    fn is_tty(&self) -> bool {
        false
    }

    /// True when reads, writes and seeks finish without waiting on anyone else (a regular
    /// file, memory), never on a peer that may be another thread of the same guest (a
    /// pipe, a socket, a terminal). The descriptor table then lends the object for those
    /// calls under its read lock instead of counting a reference in and out
    /// ([`crate::table::FdTable::with_file`]). The default, `false`, is always safe.
    fn io_never_waits(&self) -> bool {
        false
    }

    /// Reads at the current position into `bufs`, returning the byte count (0 at end of file).
    fn read_vectored(&self, _bufs: &mut [IoSliceMut<'_>]) -> Result<usize> {
        Err(Error::new(Errno::Badf))
    }

    /// Writes `bufs` at the current position (or the end, with `append`); returns the count.
    fn write_vectored(&self, _bufs: &[IoSlice<'_>]) -> Result<usize> {
        Err(Error::new(Errno::Badf))
    }

    /// Reads at `offset` without moving the position.
    fn read_vectored_at(&self, _bufs: &mut [IoSliceMut<'_>], _offset: u64) -> Result<usize> {
        Err(Error::new(Errno::Spipe))
    }

    /// Writes at `offset` without moving the position.
    fn write_vectored_at(&self, _bufs: &[IoSlice<'_>], _offset: u64) -> Result<usize> {
        Err(Error::new(Errno::Spipe))
    }

    /// Moves the position and returns the new one.
    fn seek(&self, _pos: SeekFrom) -> Result<u64> {
        Err(Error::new(Errno::Spipe))
    }

    /// Passes an access-pattern hint to the host.
    fn advise(&self, _offset: u64, _len: u64, _advice: Advice) -> Result<()> {
        Err(Error::new(Errno::Spipe))
    }

    /// Ensures `offset..offset+len` is backed by storage, growing the file if needed.
    fn allocate(&self, _offset: u64, _len: u64) -> Result<()> {
        Err(Error::new(Errno::Notsup))
    }

    /// Truncates or extends the file to `size` bytes.
    fn set_size(&self, _size: u64) -> Result<()> {
        Err(Error::new(Errno::Inval))
    }

    /// Changes the access and modification times.
    fn set_times(&self, _atime: SetTime, _mtime: SetTime) -> Result<()> {
        Err(Error::new(Errno::Notsup))
    }

    /// Makes the data durable.
    fn datasync(&self) -> Result<()> {
        Err(Error::new(Errno::Inval))
    }

    /// Makes data and metadata durable.
    fn sync(&self) -> Result<()> {
        Err(Error::new(Errno::Inval))
    }

    /// Whether a read or write would proceed now, without blocking. Objects that can always
    /// make progress (in-memory pipes, regular files) keep the default.
    fn readiness(&self, _interest: Interest) -> Result<Readiness> {
        Ok(Readiness::ready(0))
    }

    /// Accepts a pending connection on a listening socket; the new stream gets `fdflags`.
    fn sock_accept(&self, _fdflags: FdFlags) -> Result<Arc<dyn WasiFile>> {
        Err(Error::new(Errno::Notsock))
    }

    /// Receives into `bufs`; returns the byte count and output flags (0 bytes: peer closed).
    fn sock_recv(&self, _bufs: &mut [IoSliceMut<'_>], _flags: RiFlags) -> Result<(usize, RoFlags)> {
        Err(Error::new(Errno::Notsock))
    }

    /// Sends `bufs`; returns the byte count.
    fn sock_send(&self, _bufs: &[IoSlice<'_>]) -> Result<usize> {
        Err(Error::new(Errno::Notsock))
    }

    /// Shuts down one or both directions of a connected socket.
    fn sock_shutdown(&self, _how: SdFlags) -> Result<()> {
        Err(Error::new(Errno::Notsock))
    }

    /// A host descriptor the scheduler can wait on while [`WasiFile::readiness`] says not
    /// ready. Without one, a not-ready object is polled again only when something else wakes
    /// the scheduler.
    #[cfg(unix)]
    fn host_fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        None
    }
}
