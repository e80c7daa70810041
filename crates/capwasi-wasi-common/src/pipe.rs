//! In-memory pipes with wasi-common 46's API: `ReadPipe` feeds a guest's stdin from any
//! `Read`, `WritePipe` captures its output in any `Write`.
//!
//! Both are `WasiFile`s (wasi-common's trait) and cheap handles around shared state: hand a
//! clone to the context, keep one, and take the contents back with `try_into_inner` once
//! the context is gone.

use crate::error::Error;
use crate::file::{FdFlags, FileType, WasiFile};
use std::any::Any;
use std::io::{self, Read, Write};
use std::sync::{Arc, RwLock, RwLockWriteGuard};

fn lock<T>(shared: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    shared.write().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The read end of a virtual pipe: reads delegate to the wrapped reader.
#[derive(Debug)]
pub struct ReadPipe<R: Read> {
    reader: Arc<RwLock<R>>,
}

impl<R: Read> Clone for ReadPipe<R> {
    fn clone(&self) -> Self {
        ReadPipe { reader: Arc::clone(&self.reader) }
    }
}

impl<R: Read> ReadPipe<R> {
    /// A pipe reading from `r`.
    pub fn new(r: R) -> Self {
        Self::from_shared(Arc::new(RwLock::new(r)))
    }

    /// A pipe reading from a reader shared with the caller.
    pub fn from_shared(reader: Arc<RwLock<R>>) -> Self {
        ReadPipe { reader }
    }

    /// The reader back, if this is the last handle; `Err(self)` otherwise.
    pub fn try_into_inner(self) -> Result<R, Self> {
        match Arc::try_unwrap(self.reader) {
            Ok(reader) => Ok(reader.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner())),
            Err(reader) => Err(ReadPipe { reader }),
        }
    }
}

impl From<Vec<u8>> for ReadPipe<io::Cursor<Vec<u8>>> {
    fn from(r: Vec<u8>) -> Self {
        Self::new(io::Cursor::new(r))
    }
}

impl From<&[u8]> for ReadPipe<io::Cursor<Vec<u8>>> {
    fn from(r: &[u8]) -> Self {
        Self::from(r.to_vec())
    }
}

impl From<String> for ReadPipe<io::Cursor<String>> {
    fn from(r: String) -> Self {
        Self::new(io::Cursor::new(r))
    }
}

impl From<&str> for ReadPipe<io::Cursor<String>> {
    fn from(r: &str) -> Self {
        Self::from(r.to_string())
    }
}

#[async_trait::async_trait]
impl<R: Read + Any + Send + Sync> WasiFile for ReadPipe<R> {
    fn as_any(&self) -> &dyn Any {
        self
    }
    async fn get_filetype(&self) -> Result<FileType, Error> {
        Ok(FileType::Pipe)
    }
    async fn read_vectored<'a>(&self, bufs: &mut [io::IoSliceMut<'a>]) -> Result<u64, Error> {
        let n = lock(&self.reader).read_vectored(bufs)?;
        Ok(n.try_into()?)
    }
}

/// The write end of a virtual pipe: writes delegate to the wrapped writer.
#[derive(Debug)]
pub struct WritePipe<W: Write> {
    writer: Arc<RwLock<W>>,
}

impl<W: Write> Clone for WritePipe<W> {
    fn clone(&self) -> Self {
        WritePipe { writer: Arc::clone(&self.writer) }
    }
}

impl<W: Write> WritePipe<W> {
    /// A pipe writing to `w`.
    pub fn new(w: W) -> Self {
        Self::from_shared(Arc::new(RwLock::new(w)))
    }

    /// A pipe writing to a writer shared with the caller.
    pub fn from_shared(writer: Arc<RwLock<W>>) -> Self {
        WritePipe { writer }
    }

    /// The writer back, if this is the last handle; `Err(self)` otherwise.
    pub fn try_into_inner(self) -> Result<W, Self> {
        match Arc::try_unwrap(self.writer) {
            Ok(writer) => Ok(writer.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner())),
            Err(writer) => Err(WritePipe { writer }),
        }
    }
}

impl WritePipe<io::Cursor<Vec<u8>>> {
    /// A pipe collecting everything written in memory.
    pub fn new_in_memory() -> Self {
        Self::new(io::Cursor::new(Vec::new()))
    }
}

#[async_trait::async_trait]
impl<W: Write + Any + Send + Sync> WasiFile for WritePipe<W> {
    fn as_any(&self) -> &dyn Any {
        self
    }
    async fn get_filetype(&self) -> Result<FileType, Error> {
        Ok(FileType::Pipe)
    }
    async fn get_fdflags(&self) -> Result<FdFlags, Error> {
        Ok(FdFlags::APPEND)
    }
    async fn write_vectored<'a>(&self, bufs: &[io::IoSlice<'a>]) -> Result<u64, Error> {
        let n = lock(&self.writer).write_vectored(bufs)?;
        Ok(n.try_into()?)
    }
}
