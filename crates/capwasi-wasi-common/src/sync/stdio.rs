//! The host's stdin, stdout and stderr as wasi-common [`WasiFile`](crate::WasiFile)s, for
//! `WasiCtx::set_stdout(Box::new(stdio::stdout()))` and the like. Each is capwasi-os's
//! `HostStdio` (one syscall per call on host fd 0/1/2, nothing buffered), unwrapped when
//! handed to the context.

use super::file::File;
use capwasi_os::HostStdio;
use std::sync::Arc;

/// The host's stdin (wasi-common named the type `Stdin`).
pub type Stdin = File;
/// The host's stdout.
pub type Stdout = File;
/// The host's stderr.
pub type Stderr = File;

/// The host's stdin.
pub fn stdin() -> Stdin {
    File(Arc::new(HostStdio::stdin()))
}

/// The host's stdout.
pub fn stdout() -> Stdout {
    File(Arc::new(HostStdio::stdout()))
}

/// The host's stderr.
pub fn stderr() -> Stderr {
    File(Arc::new(HostStdio::stderr()))
}
