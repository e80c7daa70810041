//! wasi-common's `WasiDir` trait and its types, and the bridge that lets capwasi use any
//! implementation of it (as [`crate::file`] does for files).

use crate::clocks::SystemTimeSpec;
use crate::error::{Error, ErrorExt};
use crate::file::{block_on, time_spec, FdFlags, FileType, Filestat, OFlags, WasiFile};
use capwasi::dir::{OpenOptions, Opened, ReaddirEntry, ReaddirFlow};
use capwasi::file::SetTime;
use capwasi::types as cw;
use capwasi::Errno;
use std::any::Any;
use std::path::PathBuf;
use std::sync::Arc;

/// What [`WasiDir::open_file`] opened.
pub enum OpenResult {
    /// A file.
    File(Box<dyn WasiFile>),
    /// A directory.
    Dir(Box<dyn WasiDir>),
}

/// A directory a guest reaches through a descriptor (wasi-common 46's trait). Every method
/// but `as_any` defaults to `notsup`.
#[async_trait::async_trait]
pub trait WasiDir: Send + Sync {
    /// The object, for downcasting.
    fn as_any(&self) -> &dyn Any;

    /// Opens `path` beneath this directory.
    async fn open_file(
        &self,
        _symlink_follow: bool,
        _path: &str,
        _oflags: OFlags,
        _read: bool,
        _write: bool,
        _fdflags: FdFlags,
    ) -> Result<OpenResult, Error> {
        Err(Error::not_supported())
    }

    /// Creates directory `path`.
    async fn create_dir(&self, _path: &str) -> Result<(), Error> {
        Err(Error::not_supported())
    }

    /// The entries from `cursor` on.
    async fn readdir(
        &self,
        _cursor: ReaddirCursor,
    ) -> Result<Box<dyn Iterator<Item = Result<ReaddirEntity, Error>> + Send>, Error> {
        Err(Error::not_supported())
    }

    /// Creates a symlink at `new_path` holding `old_path`.
    async fn symlink(&self, _old_path: &str, _new_path: &str) -> Result<(), Error> {
        Err(Error::not_supported())
    }

    /// Removes the empty directory `path`.
    async fn remove_dir(&self, _path: &str) -> Result<(), Error> {
        Err(Error::not_supported())
    }

    /// Removes the file `path`.
    async fn unlink_file(&self, _path: &str) -> Result<(), Error> {
        Err(Error::not_supported())
    }

    /// The target of symlink `path`.
    async fn read_link(&self, _path: &str) -> Result<PathBuf, Error> {
        Err(Error::not_supported())
    }

    /// This directory's metadata.
    async fn get_filestat(&self) -> Result<Filestat, Error> {
        Err(Error::not_supported())
    }

    /// The metadata of `path`.
    async fn get_path_filestat(&self, _path: &str, _follow_symlinks: bool) -> Result<Filestat, Error> {
        Err(Error::not_supported())
    }

    /// Renames `path` to `dest_path` beneath `dest_dir`.
    async fn rename(&self, _path: &str, _dest_dir: &dyn WasiDir, _dest_path: &str) -> Result<(), Error> {
        Err(Error::not_supported())
    }

    /// Links `path` as `target_path` beneath `target_dir`.
    async fn hard_link(&self, _path: &str, _target_dir: &dyn WasiDir, _target_path: &str) -> Result<(), Error> {
        Err(Error::not_supported())
    }

    /// Sets the times of `path`.
    async fn set_times(
        &self,
        _path: &str,
        _atime: Option<SystemTimeSpec>,
        _mtime: Option<SystemTimeSpec>,
        _follow_symlinks: bool,
    ) -> Result<(), Error> {
        Err(Error::not_supported())
    }
}

/// One directory entry.
#[allow(missing_docs)]
#[derive(Debug, Clone)]
pub struct ReaddirEntity {
    pub next: ReaddirCursor,
    pub inode: u64,
    pub name: String,
    pub filetype: FileType,
}

/// Where a listing resumes (the guest's cookie).
#[derive(Debug, Copy, Clone)]
pub struct ReaddirCursor(u64);

impl From<u64> for ReaddirCursor {
    fn from(c: u64) -> ReaddirCursor {
        ReaddirCursor(c)
    }
}

impl From<ReaddirCursor> for u64 {
    fn from(c: ReaddirCursor) -> u64 {
        c.0
    }
}

fn run<T>(result: Result<T, Error>) -> capwasi::Result<T> {
    result.map_err(Error::into_capwasi)
}

fn wrap(opened: OpenResult) -> Opened {
    match opened {
        OpenResult::File(file) => Opened::File(crate::ctx::capwasi_file(file)),
        OpenResult::Dir(dir) => Opened::Dir(Arc::new(LegacyDir::new(dir))),
    }
}

/// A wasi-common [`WasiDir`] as a capwasi directory: how `Box<dyn WasiDir>`s given to the
/// context reach the guest.
pub struct LegacyDir {
    dir: Box<dyn WasiDir>,
}

impl LegacyDir {
    /// Wraps `dir`.
    pub fn new(dir: Box<dyn WasiDir>) -> LegacyDir {
        LegacyDir { dir }
    }

    /// The other directory of a rename or link, if it is one of these too: wasi-common's
    /// trait can only name a `dyn WasiDir` of its own.
    fn peer(other: &dyn capwasi::WasiDir) -> capwasi::Result<&dyn WasiDir> {
        match other.as_any().downcast_ref::<LegacyDir>() {
            Some(other) => Ok(&*other.dir),
            None => Err(capwasi::Error::new(Errno::Xdev).context("the directories have different backends")),
        }
    }
}

impl capwasi::WasiDir for LegacyDir {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn filestat(&self) -> capwasi::Result<cw::Filestat> {
        run(block_on(self.dir.get_filestat())).map(Into::into)
    }
    fn readdir(&self, cookie: u64, sink: &mut dyn FnMut(&ReaddirEntry<'_>) -> ReaddirFlow) -> capwasi::Result<()> {
        for entity in run(block_on(self.dir.readdir(ReaddirCursor(cookie))))? {
            let entity = run(entity)?;
            let entry = ReaddirEntry {
                next: entity.next.into(),
                ino: entity.inode,
                filetype: entity.filetype.into(),
                name: entity.name.as_bytes(),
            };
            if sink(&entry) == ReaddirFlow::Full {
                break;
            }
        }
        Ok(())
    }
    fn open_at(&self, path: &str, options: &OpenOptions) -> capwasi::Result<Opened> {
        let opened = block_on(self.dir.open_file(
            options.follow,
            path,
            OFlags::from_capwasi(options.oflags),
            options.read,
            options.write,
            FdFlags::from_capwasi(options.fdflags),
        ));
        run(opened).map(wrap)
    }
    fn stat_at(&self, path: &str, follow: bool) -> capwasi::Result<cw::Filestat> {
        run(block_on(self.dir.get_path_filestat(path, follow))).map(Into::into)
    }
    fn create_dir_at(&self, path: &str) -> capwasi::Result<()> {
        run(block_on(self.dir.create_dir(path)))
    }
    fn remove_dir_at(&self, path: &str) -> capwasi::Result<()> {
        run(block_on(self.dir.remove_dir(path)))
    }
    fn unlink_file_at(&self, path: &str) -> capwasi::Result<()> {
        run(block_on(self.dir.unlink_file(path)))
    }
    fn read_link_at(&self, path: &str) -> capwasi::Result<Vec<u8>> {
        let target = run(block_on(self.dir.read_link(path)))?;
        Ok(target.into_os_string().into_encoded_bytes())
    }
    fn symlink_at(&self, target: &str, path: &str) -> capwasi::Result<()> {
        run(block_on(self.dir.symlink(target, path)))
    }
    fn rename_at(&self, path: &str, new_dir: &dyn capwasi::WasiDir, new_path: &str) -> capwasi::Result<()> {
        let peer = LegacyDir::peer(new_dir)?;
        run(block_on(self.dir.rename(path, peer, new_path)))
    }
    fn hard_link_at(&self, path: &str, new_dir: &dyn capwasi::WasiDir, new_path: &str) -> capwasi::Result<()> {
        let peer = LegacyDir::peer(new_dir)?;
        run(block_on(self.dir.hard_link(path, peer, new_path)))
    }
    fn set_times_at(&self, path: &str, atime: SetTime, mtime: SetTime, follow: bool) -> capwasi::Result<()> {
        run(block_on(self.dir.set_times(path, time_spec(atime), time_spec(mtime), follow)))
    }
    fn set_times(&self, atime: SetTime, mtime: SetTime) -> capwasi::Result<()> {
        run(block_on(self.dir.set_times(".", time_spec(atime), time_spec(mtime), true)))
    }
}
