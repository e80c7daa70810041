//! TCP sockets granted to the guest: a listener it accepts on, and the streams it accepts.

use crate::file::{fd_fdflags, fd_filestat, fd_set_fdflags, host_readiness, from_rustix};
use capwasi::file::{Interest, Readiness, WasiFile};
use capwasi::types::{FdFlags, FileType, Filestat, RiFlags, RoFlags, SdFlags};
use capwasi::{Errno, Error, Result};
use rustix::net::{RecvAncillaryBuffer, RecvFlags, ReturnFlags, SendAncillaryBuffer, SendFlags, Shutdown};
use std::any::Any;
use std::io::{IoSlice, IoSliceMut};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Arc;

/// A listening TCP socket the guest accepts connections on.
pub struct OsTcpListener {
    listener: TcpListener,
}

impl OsTcpListener {
    /// Wraps a bound, listening socket.
    pub fn new(listener: TcpListener) -> OsTcpListener {
        OsTcpListener { listener }
    }

    /// Binds `addr` (port 0 picks a free port) and listens.
    pub fn bind(addr: SocketAddr) -> std::io::Result<OsTcpListener> {
        Ok(OsTcpListener::new(TcpListener::bind(addr)?))
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

/// A connected TCP stream.
pub struct OsTcpStream {
    stream: TcpStream,
}

impl OsTcpStream {
    /// Wraps a connected stream.
    pub fn new(stream: TcpStream) -> OsTcpStream {
        OsTcpStream { stream }
    }
}

/// What listeners and streams answer alike: they are host socket descriptors.
macro_rules! socket_common {
    ($field:ident) => {
        fn as_any(&self) -> &dyn Any {
            self
        }
        fn filetype(&self) -> Result<FileType> {
            Ok(FileType::SocketStream)
        }
        fn filestat(&self) -> Result<Filestat> {
            fd_filestat(self.$field.as_fd())
        }
        fn fdflags(&self) -> Result<FdFlags> {
            fd_fdflags(self.$field.as_fd())
        }
        fn set_fdflags(&self, flags: FdFlags) -> Result<()> {
            fd_set_fdflags(self.$field.as_fd(), flags)
        }
        fn readiness(&self, interest: Interest) -> Result<Readiness> {
            host_readiness(self.$field.as_fd(), interest)
        }
        fn host_fd(&self) -> Option<BorrowedFd<'_>> {
            Some(self.$field.as_fd())
        }
    };
}

impl WasiFile for OsTcpListener {
    socket_common!(listener);

    fn sock_accept(&self, fdflags: FdFlags) -> Result<Arc<dyn WasiFile>> {
        if fdflags.contains(FdFlags::NONBLOCK) && !host_readiness(self.listener.as_fd(), Interest::Read)?.ready {
            return Err(Error::new(Errno::Again).context("no connection pending"));
        }
        let (stream, _peer) = self.listener.accept()?;
        stream.set_nonblocking(fdflags.contains(FdFlags::NONBLOCK))?;
        Ok(Arc::new(OsTcpStream::new(stream)))
    }
}

impl WasiFile for OsTcpStream {
    socket_common!(stream);

    fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> Result<usize> {
        self.sock_recv(bufs, RiFlags::empty()).map(|(n, _)| n)
    }

    fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> Result<usize> {
        self.sock_send(bufs)
    }

    fn sock_recv(&self, bufs: &mut [IoSliceMut<'_>], flags: RiFlags) -> Result<(usize, RoFlags)> {
        let mut host = RecvFlags::empty();
        host.set(RecvFlags::PEEK, flags.contains(RiFlags::RECV_PEEK));
        host.set(RecvFlags::WAITALL, flags.contains(RiFlags::RECV_WAITALL));
        let msg = rustix::net::recvmsg(&self.stream, bufs, &mut RecvAncillaryBuffer::default(), host)
            .map_err(from_rustix)?;
        let mut out = RoFlags::empty();
        out.set(RoFlags::RECV_DATA_TRUNCATED, msg.flags.contains(ReturnFlags::TRUNC));
        Ok((msg.bytes, out))
    }

    /// Sends without raising `SIGPIPE`: a peer that went away is `pipe`, never a dead host.
    fn sock_send(&self, bufs: &[IoSlice<'_>]) -> Result<usize> {
        rustix::net::sendmsg(&self.stream, bufs, &mut SendAncillaryBuffer::default(), SendFlags::NOSIGNAL)
            .map_err(from_rustix)
    }

    fn sock_shutdown(&self, how: SdFlags) -> Result<()> {
        let how = match (how.contains(SdFlags::RD), how.contains(SdFlags::WR)) {
            (true, true) => Shutdown::Both,
            (true, false) => Shutdown::Read,
            _ => Shutdown::Write,
        };
        rustix::net::shutdown(&self.stream, how).map_err(from_rustix)
    }
}
