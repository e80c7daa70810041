//! In-memory pipes: feed a guest's stdin from bytes or any reader, capture its output.
//!
//! Both are cheap handles around shared state: clone one before handing it to the builder
//! and keep the clone to read what the guest wrote after the run.

use crate::file::WasiFile;
use crate::types::{FdFlags, FileType};
use crate::Result;
use std::any::Any;
use crate::lock;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::sync::{Arc, Mutex};

/// What every handle to one pipe shares: its stream and its status flags.
struct Shared<T> {
    stream: Arc<Mutex<T>>,
    flags: Arc<StatusFlags>,
}

impl<T> Shared<T> {
    fn new(stream: T, flags: FdFlags) -> Shared<T> {
        Shared { stream: Arc::new(Mutex::new(stream)), flags: Arc::new(StatusFlags::new(flags)) }
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared { stream: Arc::clone(&self.stream), flags: Arc::clone(&self.flags) }
    }
}

/// A readable stream backed by any [`Read`]: bytes, a file, a generator.
pub struct ReadPipe<R>(Shared<R>);

impl<R> Clone for ReadPipe<R> {
    fn clone(&self) -> Self {
        ReadPipe(self.0.clone())
    }
}

impl<R: Read + Send + 'static> ReadPipe<R> {
    /// A pipe that reads from `reader`.
    pub fn new(reader: R) -> ReadPipe<R> {
        ReadPipe(Shared::new(reader, FdFlags::empty()))
    }
}

/// The status flags of an in-memory pipe. Only `append` and `nonblock` may be set: an
/// in-memory pipe never waits (its reader yields data or end of file, its writer takes
/// everything), so both are recorded and reported but change nothing; the sync flags have
/// no storage to make durable and are refused like on any stream.
struct StatusFlags(std::sync::atomic::AtomicU16);

impl StatusFlags {
    fn new(flags: FdFlags) -> StatusFlags {
        StatusFlags(std::sync::atomic::AtomicU16::new(flags.bits()))
    }

    fn get(&self) -> FdFlags {
        FdFlags::from_bits_truncate(self.0.load(std::sync::atomic::Ordering::Relaxed))
    }

    fn set(&self, flags: FdFlags) -> Result<()> {
        if !(flags - (FdFlags::APPEND | FdFlags::NONBLOCK)).is_empty() {
            return Err(crate::Error::new(crate::Errno::Notsup).context("in-memory pipes have no sync flags"));
        }
        self.0.store(flags.bits(), std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }
}

impl ReadPipe<io::Cursor<Vec<u8>>> {
    /// A pipe that yields `bytes` and then end of file.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Self {
        ReadPipe::new(io::Cursor::new(bytes.into()))
    }
}

impl From<&str> for ReadPipe<io::Cursor<Vec<u8>>> {
    fn from(text: &str) -> Self {
        ReadPipe::from_bytes(text)
    }
}

impl<R: Read + Send + 'static> WasiFile for ReadPipe<R> {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn filetype(&self) -> Result<FileType> {
        Ok(FileType::Unknown)
    }
    fn fdflags(&self) -> Result<FdFlags> {
        Ok(self.0.flags.get())
    }
    fn set_fdflags(&self, flags: FdFlags) -> Result<()> {
        self.0.flags.set(flags)
    }
    fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> Result<usize> {
        Ok(lock(&self.0.stream).read_vectored(bufs)?)
    }
}

/// A writable stream backed by any [`Write`]; by default an in-memory buffer.
pub struct WritePipe<W>(Shared<W>);

impl<W> Clone for WritePipe<W> {
    fn clone(&self) -> Self {
        WritePipe(self.0.clone())
    }
}

impl<W: Write + Send + 'static> WritePipe<W> {
    /// A pipe that writes into `writer`.
    pub fn new(writer: W) -> WritePipe<W> {
        WritePipe(Shared::new(writer, FdFlags::APPEND))
    }
}

impl WritePipe<Vec<u8>> {
    /// A pipe that collects everything written into memory.
    pub fn new_in_memory() -> WritePipe<Vec<u8>> {
        WritePipe::new(Vec::new())
    }

    /// A copy of everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        lock(&self.0.stream).clone()
    }

    /// Everything written so far, interpreted as UTF-8 with replacement characters.
    pub fn contents_lossy(&self) -> String {
        String::from_utf8_lossy(&lock(&self.0.stream)).into_owned()
    }
}

impl<W: Write + Send + 'static> WasiFile for WritePipe<W> {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn filetype(&self) -> Result<FileType> {
        Ok(FileType::Unknown)
    }
    fn fdflags(&self) -> Result<FdFlags> {
        Ok(self.0.flags.get())
    }
    fn set_fdflags(&self, flags: FdFlags) -> Result<()> {
        self.0.flags.set(flags)
    }
    fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> Result<usize> {
        Ok(lock(&self.0.stream).write_vectored(bufs)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_pipe_clone_sees_guest_output() {
        let pipe = WritePipe::new_in_memory();
        let handle = pipe.clone();
        let n = pipe.write_vectored(&[IoSlice::new(b"he"), IoSlice::new(b"llo")]).unwrap();
        assert_eq!(n, 5);
        assert_eq!(handle.contents(), b"hello");
    }

    #[test]
    fn read_pipe_yields_bytes_then_eof() {
        let pipe = ReadPipe::from("abc");
        let mut buf = [0u8; 8];
        assert_eq!(pipe.read_vectored(&mut [IoSliceMut::new(&mut buf)]).unwrap(), 3);
        assert_eq!(&buf[..3], b"abc");
        assert_eq!(pipe.read_vectored(&mut [IoSliceMut::new(&mut buf)]).unwrap(), 0);
        assert_eq!(pipe.write_vectored(&[IoSlice::new(b"x")]).unwrap_err().errno(), crate::Errno::Badf);
    }
}
