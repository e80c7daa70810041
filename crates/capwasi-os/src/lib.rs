//! capwasi backends on the host operating system.
//!
//! - [`OsFile`]: a host file, through cap-std, as a [`capwasi::WasiFile`].
//! - [`OsDir`]: a host directory granted to the guest, as a [`capwasi::WasiDir`]; every path is
//!   resolved by cap-std beneath it.
//! - [`stdio`]: the host's own stdin, stdout and stderr.
//! - [`OsTcpListener`], [`OsTcpStream`]: TCP sockets granted to the guest.
//! - [`clocks`]: process and thread CPU-time clocks.
//! - [`WasiCtxBuilderExt`]: builder methods that need the host (`inherit_stdio`,
//!   `preopened_host_dir`, `os_clocks`).
//!
//! Unix only for now: descriptors are driven through `rustix`.
#![deny(missing_docs)]

mod builder;
pub mod clocks;
mod dir;
mod unknown_kind;
mod file;
mod net;
mod stat;
pub mod stdio;

pub use stdio::HostStdio;

pub use builder::WasiCtxBuilderExt;
pub use dir::OsDir;
pub use file::OsFile;
pub use net::{OsTcpListener, OsTcpStream};
