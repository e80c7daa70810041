//! The synchronous embedding: a builder whose files and directories are the host's
//! (through capwasi-os, on cap-std), and the sync linker.

pub mod dir;
pub mod file;
pub mod stdio;

pub use cap_std::ambient_authority;
pub use cap_std::fs::Dir;
pub use cap_std::net::TcpListener;

use crate::ctx::{preopen, stdio, WasiCtx};
use crate::error::{Error, StringArrayError};
use crate::file::WasiFile;
use crate::snapshots::preview_0::wasi_unstable::WasiUnstable;
use crate::snapshots::preview_1::wasi_snapshot_preview1::WasiSnapshotPreview1;
use crate::wasmtime::Linker;
use capwasi::table::{Descriptor, FileDescriptor};
use capwasi::types::{FdRights, Rights};
use capwasi_os::{HostStdio, OsDir, OsTcpListener, OsTcpStream, WasiCtxBuilderExt};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::sync::Arc;

/// Sockets (wasi-common's `sync::net`): what [`WasiCtxBuilder::preopened_socket`] takes.
pub mod net {
    pub use super::Socket;
}

/// A socket to grant with [`WasiCtxBuilder::preopened_socket`].
pub enum Socket {
    /// A listening socket the guest accepts on.
    TcpListener(cap_std::net::TcpListener),
    /// A connected stream.
    TcpStream(cap_std::net::TcpStream),
}

impl From<cap_std::net::TcpListener> for Socket {
    fn from(listener: cap_std::net::TcpListener) -> Self {
        Socket::TcpListener(listener)
    }
}

impl From<cap_std::net::TcpStream> for Socket {
    fn from(stream: cap_std::net::TcpStream) -> Self {
        Socket::TcpStream(stream)
    }
}

impl Socket {
    fn into_descriptor(self) -> Descriptor {
        let (file, rights): (Arc<dyn capwasi::WasiFile>, _) = match self {
            Socket::TcpListener(listener) => (
                Arc::new(OsTcpListener::new(std::net::TcpListener::from(OwnedFd::from(listener)))),
                FdRights::new(Rights::LISTENER, Rights::SOCKET),
            ),
            Socket::TcpStream(stream) => (
                Arc::new(OsTcpStream::new(std::net::TcpStream::from(OwnedFd::from(stream)))),
                FdRights::new(Rights::SOCKET, Rights::empty()),
            ),
        };
        Descriptor::File(FileDescriptor { file, rights })
    }
}

/// Builds a [`WasiCtx`] the way wasi-common 46's builder did: each call changes the context
/// at once, so preopens take descriptors 3, 4, ... in call order and a socket takes the
/// descriptor it is given.
///
/// Defaults: no arguments, no environment, an empty stdin, stdout and stderr that discard,
/// the host's clocks (CPU-time clocks included), randomness from the OS.
pub struct WasiCtxBuilder {
    ctx: WasiCtx,
    built: bool,
}

impl Default for WasiCtxBuilder {
    fn default() -> Self {
        WasiCtxBuilder::new()
    }
}

impl WasiCtxBuilder {
    /// A builder with the defaults above.
    pub fn new() -> Self {
        let ctx = capwasi::WasiCtx::builder().os_clocks().build().expect("a context with no arguments builds");
        WasiCtxBuilder { ctx: WasiCtx::from_capwasi(ctx), built: false }
    }

    /// Adds environment variable `var=value`.
    pub fn env(&mut self, var: &str, value: &str) -> Result<&mut Self, StringArrayError> {
        self.ctx.push_env(var, value)?;
        Ok(self)
    }

    /// Adds each `(name, value)` of `env`.
    pub fn envs(&mut self, env: &[(String, String)]) -> Result<&mut Self, StringArrayError> {
        for (var, value) in env {
            self.ctx.push_env(var, value)?;
        }
        Ok(self)
    }

    /// Adds the host process's environment.
    pub fn inherit_env(&mut self) -> Result<&mut Self, StringArrayError> {
        for (var, value) in std::env::vars() {
            self.ctx.push_env(&var, &value)?;
        }
        Ok(self)
    }

    /// Adds an argument.
    pub fn arg(&mut self, arg: &str) -> Result<&mut Self, StringArrayError> {
        self.ctx.push_arg(arg)?;
        Ok(self)
    }

    /// Adds each of `args`.
    pub fn args(&mut self, args: &[String]) -> Result<&mut Self, StringArrayError> {
        for arg in args {
            self.ctx.push_arg(arg)?;
        }
        Ok(self)
    }

    /// Adds the host process's arguments.
    pub fn inherit_args(&mut self) -> Result<&mut Self, StringArrayError> {
        for arg in std::env::args() {
            self.ctx.push_arg(&arg)?;
        }
        Ok(self)
    }

    /// Uses `f` as stdin.
    pub fn stdin(&mut self, f: Box<dyn WasiFile>) -> &mut Self {
        self.ctx.set_stdin(f);
        self
    }

    /// Uses `f` as stdout.
    pub fn stdout(&mut self, f: Box<dyn WasiFile>) -> &mut Self {
        self.ctx.set_stdout(f);
        self
    }

    /// Uses `f` as stderr.
    pub fn stderr(&mut self, f: Box<dyn WasiFile>) -> &mut Self {
        self.ctx.set_stderr(f);
        self
    }

    /// Gives the guest the host's stdin.
    pub fn inherit_stdin(&mut self) -> &mut Self {
        self.ctx.insert(0, stdio(Arc::new(HostStdio::stdin())));
        self
    }

    /// Gives the guest the host's stdout.
    pub fn inherit_stdout(&mut self) -> &mut Self {
        self.ctx.insert(1, stdio(Arc::new(HostStdio::stdout())));
        self
    }

    /// Gives the guest the host's stderr.
    pub fn inherit_stderr(&mut self) -> &mut Self {
        self.ctx.insert(2, stdio(Arc::new(HostStdio::stderr())));
        self
    }

    /// Gives the guest the host's stdin, stdout and stderr.
    pub fn inherit_stdio(&mut self) -> &mut Self {
        self.inherit_stdin().inherit_stdout().inherit_stderr()
    }

    /// Grants `dir` under `guest_path` (capwasi's cap-std backend: every path is resolved
    /// beneath it).
    pub fn preopened_dir(&mut self, dir: Dir, guest_path: impl AsRef<Path>) -> Result<&mut Self, Error> {
        self.ctx.capwasi().table.push(preopen(Arc::new(OsDir::new(dir)), guest_path.as_ref()))?;
        Ok(self)
    }

    /// Grants `socket` at descriptor `fd`.
    pub fn preopened_socket(&mut self, fd: u32, socket: impl Into<Socket>) -> Result<&mut Self, Error> {
        self.ctx.insert(fd, socket.into().into_descriptor());
        Ok(self)
    }

    /// The context.
    ///
    /// # Panics
    /// If called twice, as in wasi-common.
    pub fn build(&mut self) -> WasiCtx {
        assert!(!self.built, "WasiCtxBuilder::build called twice");
        let ctx = std::mem::replace(&mut self.ctx, WasiCtxBuilder::new().ctx);
        self.built = true;
        ctx
    }
}

/// Adds both snapshots' imports (`wasi_snapshot_preview1` and `wasi_unstable`) to `linker`,
/// for synchronous calls. `get_cx` finds the [`WasiCtx`] in the store's data.
pub fn add_to_linker<T, U>(
    linker: &mut Linker<T>,
    get_cx: impl Fn(&mut T) -> &mut U + Send + Sync + Copy + 'static,
) -> crate::wasmtime::Result<()>
where
    U: Send + WasiUnstable + WasiSnapshotPreview1,
    T: 'static,
{
    snapshots::preview_1::add_wasi_snapshot_preview1_to_linker(linker, get_cx)?;
    snapshots::preview_0::add_wasi_unstable_to_linker(linker, get_cx)?;
    Ok(())
}

/// The sync linker of each snapshot, where wasi-common's `sync` module had them.
pub mod snapshots {
    /// `wasi_snapshot_preview1`.
    pub mod preview_1 {
        pub use crate::snapshots::preview_1::add_wasi_snapshot_preview1_to_linker;
    }
    /// `wasi_unstable`.
    pub mod preview_0 {
        pub use crate::snapshots::preview_0::add_wasi_unstable_to_linker;
    }
}
