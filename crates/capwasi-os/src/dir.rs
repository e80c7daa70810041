//! [`OsDir`]: a host directory granted to the guest.

use crate::file::fd_filestat;
use capwasi::dir::WasiDir;
use capwasi::types::Filestat;
use capwasi::Result;
use std::any::Any;
use std::os::fd::AsFd;
use std::path::Path;

/// A host directory, opened through cap-std: every path below it is resolved by cap-std,
/// which refuses to leave it (`..`, absolute paths and symlinks included).
pub struct OsDir {
    dir: cap_std::fs::Dir,
}

impl OsDir {
    /// Wraps an open cap-std directory.
    pub fn new(dir: cap_std::fs::Dir) -> OsDir {
        OsDir { dir }
    }

    /// Opens the host directory at `path` with the process's ambient authority: this is
    /// the point where the embedder decides what to grant.
    pub fn open_ambient(path: impl AsRef<Path>) -> std::io::Result<OsDir> {
        let dir = cap_std::fs::Dir::open_ambient_dir(path, cap_std::ambient_authority())?;
        Ok(OsDir::new(dir))
    }

    /// The underlying cap-std directory.
    pub fn as_cap_std(&self) -> &cap_std::fs::Dir {
        &self.dir
    }
}

impl WasiDir for OsDir {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn filestat(&self) -> Result<Filestat> {
        fd_filestat(self.dir.as_fd())
    }
}
