//! [`MemFile`]: an open regular file of a [`crate::MemFs`].

use crate::node::Node;
use crate::FsInner;
use capwasi::file::{Interest, Readiness, SetTime, WasiFile};
use capwasi::types::{Advice, FdFlags, FileType, Filestat};
use capwasi::{Errno, Error, Result};
use std::any::Any;
use std::io::{IoSlice, IoSliceMut, SeekFrom};
use std::sync::{Arc, Mutex, MutexGuard};

/// An open regular file: its own position and status flags over a shared inode, so two
/// opens of one file (or of two hard links to it) see each other's writes at once.
pub struct MemFile {
    fs: Arc<FsInner>,
    node: Arc<Node>,
    state: Mutex<OpenState>,
    readable: bool,
    writable: bool,
}

struct OpenState {
    position: u64,
    flags: FdFlags,
}

impl MemFile {
    pub(crate) fn new(fs: Arc<FsInner>, node: Arc<Node>, readable: bool, writable: bool, flags: FdFlags) -> MemFile {
        // `append` only means something for writing; a read-only open drops it, as the OS
        // backend does.
        let flags = if writable { flags } else { flags - FdFlags::APPEND };
        MemFile { fs, node, state: Mutex::new(OpenState { position: 0, flags }), readable, writable }
    }

    fn state(&self) -> MutexGuard<'_, OpenState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn check_readable(&self) -> Result<()> {
        if self.readable { Ok(()) } else { Err(Error::new(Errno::Badf).context("file not open for reading")) }
    }

    fn check_writable(&self) -> Result<()> {
        if self.writable { Ok(()) } else { Err(Error::new(Errno::Badf).context("file not open for writing")) }
    }

    fn read_at(&self, bufs: &mut [IoSliceMut<'_>], offset: u64) -> usize {
        self.node.content().expect("a MemFile is always a regular file").read_at(bufs, offset)
    }

    /// Writes `bufs` at `offset`, or at the end when `offset` is `None`; returns the count
    /// and where the write ended.
    fn write_at(&self, bufs: &[IoSlice<'_>], offset: Option<u64>) -> Result<(usize, u64)> {
        let (mut content, quota) = self.node.content_mut().expect("a MemFile is always a regular file");
        let offset = offset.unwrap_or(content.len());
        let end = content.write_at(quota, bufs, offset)?;
        drop(content);
        if end > offset {
            self.node.touch_modified(self.fs.now());
        }
        Ok(((end - offset) as usize, end))
    }

    fn len(&self) -> u64 {
        self.node.content().map_or(0, |c| c.len())
    }
}

impl WasiFile for MemFile {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn filetype(&self) -> Result<FileType> {
        Ok(FileType::RegularFile)
    }

    fn io_never_waits(&self) -> bool {
        true
    }

    fn filestat(&self) -> Result<Filestat> {
        Ok(self.node.filestat(self.fs.dev))
    }

    fn fdflags(&self) -> Result<FdFlags> {
        Ok(self.state().flags)
    }

    fn set_fdflags(&self, flags: FdFlags) -> Result<()> {
        // As on the OS backend: synchronisation flags are fixed at open.
        let mut state = self.state();
        let sync_flags = FdFlags::DSYNC | FdFlags::RSYNC | FdFlags::SYNC;
        if (flags & sync_flags) != (state.flags & sync_flags) {
            return Err(Error::new(Errno::Notsup).context("sync flags cannot change after open"));
        }
        state.flags = flags;
        Ok(())
    }

    fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> Result<usize> {
        self.check_readable()?;
        let mut state = self.state();
        let n = self.read_at(bufs, state.position);
        state.position += n as u64;
        Ok(n)
    }

    fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> Result<usize> {
        self.check_writable()?;
        let mut state = self.state();
        let offset = if state.flags.contains(FdFlags::APPEND) { None } else { Some(state.position) };
        let (n, end) = self.write_at(bufs, offset)?;
        // Writing nothing moves nothing, even in append mode (as Linux does).
        if n > 0 {
            state.position = end;
        }
        Ok(n)
    }

    fn read_vectored_at(&self, bufs: &mut [IoSliceMut<'_>], offset: u64) -> Result<usize> {
        self.check_readable()?;
        Ok(self.read_at(bufs, offset))
    }

    fn write_vectored_at(&self, bufs: &[IoSlice<'_>], offset: u64) -> Result<usize> {
        self.check_writable()?;
        // Linux appends a pwrite on an append-mode descriptor whatever the offset (pwrite(2),
        // BUGS); the OS backend inherits that, and this backend matches it.
        let offset = if self.state().flags.contains(FdFlags::APPEND) { None } else { Some(offset) };
        Ok(self.write_at(bufs, offset)?.0)
    }

    fn seek(&self, pos: SeekFrom) -> Result<u64> {
        let mut state = self.state();
        let target = match pos {
            SeekFrom::Start(at) => Some(at),
            SeekFrom::Current(delta) => state.position.checked_add_signed(delta),
            SeekFrom::End(delta) => self.len().checked_add_signed(delta),
        };
        let target = target.filter(|&t| t <= i64::MAX as u64).ok_or_else(|| Error::new(Errno::Inval).context("seek before start or past i64::MAX"))?;
        state.position = target;
        Ok(target)
    }

    fn advise(&self, _offset: u64, _len: u64, _advice: Advice) -> Result<()> {
        // Memory has no read-ahead to steer.
        Ok(())
    }

    fn allocate(&self, offset: u64, len: u64) -> Result<()> {
        if len == 0 {
            return Err(Error::new(Errno::Inval).context("fd_allocate of zero bytes"));
        }
        self.check_writable()?;
        let end = offset.checked_add(len).filter(|&end| end <= i64::MAX as u64).ok_or_else(|| Error::new(Errno::Fbig))?;
        let (mut content, quota) = self.node.content_mut().expect("a MemFile is always a regular file");
        let grows = end > content.len();
        content.allocate(quota, end)?;
        drop(content);
        if grows {
            self.node.touch_modified(self.fs.now());
        }
        Ok(())
    }

    fn set_size(&self, size: u64) -> Result<()> {
        self.check_writable().map_err(|_| Error::new(Errno::Inval).context("file not open for writing"))?;
        let (mut content, quota) = self.node.content_mut().expect("a MemFile is always a regular file");
        content.set_len(quota, size)?;
        drop(content);
        self.node.touch_modified(self.fs.now());
        Ok(())
    }

    fn set_times(&self, atime: SetTime, mtime: SetTime) -> Result<()> {
        self.fs.set_times(&self.node, atime, mtime)
    }

    fn datasync(&self) -> Result<()> {
        Ok(())
    }

    fn sync(&self) -> Result<()> {
        Ok(())
    }

    fn readiness(&self, interest: Interest) -> Result<Readiness> {
        Ok(match interest {
            Interest::Read => Readiness::ready(self.len().saturating_sub(self.state().position)),
            Interest::Write => Readiness::ready(0),
        })
    }
}
