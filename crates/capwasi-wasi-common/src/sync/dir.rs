//! [`Dir`]: a host directory as a wasi-common [`WasiDir`](crate::WasiDir), for
//! [`WasiCtx::push_preopened_dir`](crate::WasiCtx::push_preopened_dir) and friends.
//!
//! It is capwasi-os's `OsDir` underneath; handed to the context, it is unwrapped, so the
//! guest's calls (and capwasi's resumable readdir) reach `OsDir` directly.

use super::file::{file_type, filestat, set_time, File};
use crate::dir::{OpenResult, ReaddirCursor, ReaddirEntity, WasiDir};
use crate::error::{Error, ErrorExt};
use crate::file::{FdFlags, Filestat, OFlags};
use crate::SystemTimeSpec;
use capwasi::dir::{OpenOptions, Opened, ReaddirFlow};
use std::any::Any;
use std::path::PathBuf;
use std::sync::Arc;

/// A host directory (wasi-common's `sync::dir::Dir`).
pub struct Dir(pub(crate) Arc<dyn capwasi::WasiDir>);

impl Dir {
    /// Wraps an open directory (a `cap_std::fs::Dir` of cap-std 4 or 3, or any owner of a
    /// directory's descriptor); every path is resolved beneath it.
    pub fn from_cap_std(dir: impl Into<std::os::fd::OwnedFd>) -> Self {
        let dir = cap_std::fs::Dir::from_std_file(std::fs::File::from(dir.into()));
        Dir(Arc::new(capwasi_os::OsDir::new(dir)))
    }

    fn peer(other: &dyn WasiDir) -> Result<&dyn capwasi::WasiDir, Error> {
        other.as_any().downcast_ref::<Dir>().map(|dir| &*dir.0).ok_or_else(Error::badf)
    }
}

#[async_trait::async_trait]
impl WasiDir for Dir {
    fn as_any(&self) -> &dyn Any {
        self
    }
    async fn open_file(
        &self,
        symlink_follow: bool,
        path: &str,
        oflags: OFlags,
        read: bool,
        write: bool,
        fdflags: FdFlags,
    ) -> Result<OpenResult, Error> {
        let options = OpenOptions { follow: symlink_follow, oflags: oflags.to_capwasi(), read, write, fdflags: fdflags.to_capwasi() };
        Ok(match self.0.open_at(path, &options)?.resolved()? {
            Opened::Dir(dir) => OpenResult::Dir(Box::new(Dir(dir))),
            Opened::File(file) => OpenResult::File(Box::new(File(file))),
            Opened::KindUnknown(_) => return Err(Error::io()),
        })
    }
    async fn create_dir(&self, path: &str) -> Result<(), Error> {
        Ok(self.0.create_dir_at(path)?)
    }
    async fn readdir(
        &self,
        cursor: ReaddirCursor,
    ) -> Result<Box<dyn Iterator<Item = Result<ReaddirEntity, Error>> + Send>, Error> {
        let mut entries = Vec::new();
        self.0.readdir(cursor.into(), &mut |entry| {
            entries.push(Ok(ReaddirEntity {
                next: entry.next.into(),
                inode: entry.ino,
                name: String::from_utf8_lossy(entry.name).into_owned(),
                filetype: file_type(entry.filetype),
            }));
            ReaddirFlow::Continue
        })?;
        Ok(Box::new(entries.into_iter()))
    }
    async fn symlink(&self, old_path: &str, new_path: &str) -> Result<(), Error> {
        Ok(self.0.symlink_at(old_path, new_path)?)
    }
    async fn remove_dir(&self, path: &str) -> Result<(), Error> {
        Ok(self.0.remove_dir_at(path)?)
    }
    async fn unlink_file(&self, path: &str) -> Result<(), Error> {
        Ok(self.0.unlink_file_at(path)?)
    }
    async fn read_link(&self, path: &str) -> Result<PathBuf, Error> {
        let bytes = self.0.read_link_at(path)?;
        Ok(PathBuf::from(String::from_utf8(bytes).map_err(|_| Error::illegal_byte_sequence())?))
    }
    async fn get_filestat(&self) -> Result<Filestat, Error> {
        Ok(filestat(self.0.filestat()?))
    }
    async fn get_path_filestat(&self, path: &str, follow_symlinks: bool) -> Result<Filestat, Error> {
        Ok(filestat(self.0.stat_at(path, follow_symlinks)?))
    }
    async fn rename(&self, path: &str, dest_dir: &dyn WasiDir, dest_path: &str) -> Result<(), Error> {
        Ok(self.0.rename_at(path, Dir::peer(dest_dir)?, dest_path)?)
    }
    async fn hard_link(&self, path: &str, target_dir: &dyn WasiDir, target_path: &str) -> Result<(), Error> {
        Ok(self.0.hard_link_at(path, Dir::peer(target_dir)?, target_path)?)
    }
    async fn set_times(
        &self,
        path: &str,
        atime: Option<SystemTimeSpec>,
        mtime: Option<SystemTimeSpec>,
        follow_symlinks: bool,
    ) -> Result<(), Error> {
        Ok(self.0.set_times_at(path, set_time(atime), set_time(mtime), follow_symlinks)?)
    }
}
