//! Builder methods that reach the host: its stdio, its directories, its CPU clocks.

use crate::clocks::{ProcessCpuClock, ThreadCpuClock};
use crate::stdio::HostStdio;
use crate::OsDir;
use capwasi::WasiCtxBuilder;
use std::path::Path;

/// Adds host-backed configuration to [`WasiCtxBuilder`].
///
/// ```no_run
/// use capwasi::WasiCtx;
/// use capwasi_os::WasiCtxBuilderExt;
///
/// let ctx = WasiCtx::builder()
///     .os_clocks()
///     .inherit_stdio()
///     .preopened_host_dir("./data", "/data")?
///     .arg("app")
///     .build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait WasiCtxBuilderExt {
    /// Gives the guest the host's stdin, stdout and stderr.
    fn inherit_stdio(&mut self) -> &mut Self;
    /// Gives the guest the host's stdin.
    fn inherit_stdin(&mut self) -> &mut Self;
    /// Gives the guest the host's stdout.
    fn inherit_stdout(&mut self) -> &mut Self;
    /// Gives the guest the host's stderr.
    fn inherit_stderr(&mut self) -> &mut Self;
    /// Grants the host directory `host_path` under the guest path `guest_path`.
    fn preopened_host_dir(&mut self, host_path: impl AsRef<Path>, guest_path: &str) -> std::io::Result<&mut Self>;
    /// Grants the host directory `host_path` read-only under `guest_path`: every call that
    /// would change something beneath it answers `notcapable`.
    fn preopened_host_dir_read_only(&mut self, host_path: impl AsRef<Path>, guest_path: &str) -> std::io::Result<&mut Self>;
    /// Uses the host kernel's process and thread CPU-time clocks.
    fn os_clocks(&mut self) -> &mut Self;
}

impl WasiCtxBuilderExt for WasiCtxBuilder {
    fn inherit_stdio(&mut self) -> &mut Self {
        self.inherit_stdin().inherit_stdout().inherit_stderr()
    }
    fn inherit_stdin(&mut self) -> &mut Self {
        self.stdin(HostStdio::stdin())
    }
    fn inherit_stdout(&mut self) -> &mut Self {
        self.stdout(HostStdio::stdout())
    }
    fn inherit_stderr(&mut self) -> &mut Self {
        self.stderr(HostStdio::stderr())
    }
    fn preopened_host_dir(&mut self, host_path: impl AsRef<Path>, guest_path: &str) -> std::io::Result<&mut Self> {
        let dir = OsDir::open_ambient(host_path)?;
        Ok(self.preopened_dir(dir, guest_path))
    }
    fn preopened_host_dir_read_only(&mut self, host_path: impl AsRef<Path>, guest_path: &str) -> std::io::Result<&mut Self> {
        let dir = OsDir::open_ambient(host_path)?;
        Ok(self.preopened_dir_read_only(dir, guest_path))
    }
    fn os_clocks(&mut self) -> &mut Self {
        self.cputime_clocks(ProcessCpuClock, ThreadCpuClock)
    }
}
