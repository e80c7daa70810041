//! [`WasiDir`]: what a directory descriptor can do.
//!
//! Directories are a separate kind from files in the fd table: a call that needs one asks the
//! table for it and gets `notdir` when the descriptor is a file.
//!
//! Every path handed to these methods is relative and comes from the guest. An implementation
//! must resolve it beneath `self` and nowhere else: `..`, absolute symlink targets and
//! symlinks that climb out must fail with `capwasi::Error::ESCAPE` (`perm`), as the OS backend does.

use crate::file::{SetTime, WasiFile};
use crate::types::{FdFlags, FileType, Filestat, OFlags};
use crate::{Errno, Error, Result};
use std::any::Any;
use std::sync::Arc;

/// How `path_open` wants a path opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct OpenOptions {
    /// Follow a symlink in the last component.
    pub follow: bool,
    /// Create, exclusive, truncate, must-be-directory.
    pub oflags: OFlags,
    /// Open for reading.
    pub read: bool,
    /// Open for writing.
    pub write: bool,
    /// Status flags for the new descriptor.
    pub fdflags: FdFlags,
}

/// What `open_at` opened.
#[derive(Clone)]
pub enum Opened {
    /// A non-directory.
    File(Arc<dyn WasiFile>),
    /// A directory.
    Dir(Arc<dyn WasiDir>),
    /// A file or a directory, not yet known which. A backend for which finding out costs a
    /// syscall (an `fstat` after `open`) answers this; the table asks only when a call needs
    /// the kind, and a first `fd_filestat_get` learns it from the stat it takes anyway.
    KindUnknown(Arc<dyn WasiUnknownKind>),
}

impl Opened {
    /// The same object as a [`Opened::File`] or an [`Opened::Dir`], learning its kind if
    /// needed (the stat taken for it is dropped).
    pub fn resolved(self) -> Result<Opened> {
        match self {
            Opened::KindUnknown(either) => {
                let filetype = either.filestat()?.filetype;
                either.resolve(filetype)
            }
            known => Ok(known),
        }
    }
}

/// An open object whose kind (file or directory) has not been asked yet.
pub trait WasiUnknownKind: Send + Sync + 'static {
    /// Metadata of the object, its kind among them.
    fn filestat(&self) -> Result<Filestat>;

    /// The object as a file or a directory, per `filetype` (what [`WasiUnknownKind::filestat`]
    /// reported). Called again, it answers the same object.
    ///
    /// It takes the `Arc` so that an object which already is a file (or a directory) can
    /// answer itself, with no second allocation per open.
    fn resolve(self: Arc<Self>, filetype: FileType) -> Result<Opened>;
}

/// One directory entry, as `fd_readdir` reports it.
#[derive(Clone, Copy, Debug)]
pub struct ReaddirEntry<'a> {
    /// The cookie that resumes the listing just after this entry.
    pub next: u64,
    /// Inode number (0 when unknown).
    pub ino: u64,
    /// Kind of the entry, without following symlinks.
    pub filetype: FileType,
    /// Name bytes (not NUL-terminated).
    pub name: &'a [u8],
}

/// What a readdir consumer did with an entry it was offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReaddirFlow {
    /// The entry was taken whole; offer the next one.
    Continue,
    /// The entry did not fit; stop here. The same entry must be offered first on the next
    /// call that resumes from the same cookie.
    Full,
}

/// An open directory, as a WASI descriptor sees it.
///
/// Mutating methods default to `notsup` so read-only or partial backends stay small.
pub trait WasiDir: Send + Sync + 'static {
    /// For downcasting to the concrete type (renames and links between two directories of the
    /// same backend).
    fn as_any(&self) -> &dyn Any;

    /// The directory's own metadata.
    fn filestat(&self) -> Result<Filestat> {
        Ok(Filestat { filetype: FileType::Directory, nlink: 1, ..Filestat::default() })
    }

    /// Offers the entries from `cookie` on (0 is the start) to `sink`, in order, until it
    /// answers [`ReaddirFlow::Full`] or the directory ends.
    fn readdir(&self, _cookie: u64, _sink: &mut dyn FnMut(&ReaddirEntry<'_>) -> ReaddirFlow) -> Result<()> {
        Err(Error::new(Errno::Notsup))
    }

    /// Opens `path` as a file or directory.
    fn open_at(&self, _path: &str, _options: &OpenOptions) -> Result<Opened> {
        Err(Error::new(Errno::Notsup))
    }

    /// Metadata of `path`, following a final symlink when `follow` is set.
    fn stat_at(&self, _path: &str, _follow: bool) -> Result<Filestat> {
        Err(Error::new(Errno::Notsup))
    }

    /// Creates directory `path`.
    fn create_dir_at(&self, _path: &str) -> Result<()> {
        Err(Error::new(Errno::Notsup))
    }

    /// Removes the empty directory `path`.
    fn remove_dir_at(&self, _path: &str) -> Result<()> {
        Err(Error::new(Errno::Notsup))
    }

    /// Removes the non-directory `path` (a symlink itself, never its target).
    fn unlink_file_at(&self, _path: &str) -> Result<()> {
        Err(Error::new(Errno::Notsup))
    }

    /// The target of symlink `path`, as stored.
    fn read_link_at(&self, _path: &str) -> Result<Vec<u8>> {
        Err(Error::new(Errno::Notsup))
    }

    /// Creates symlink `path` whose content is `target`.
    fn symlink_at(&self, _target: &str, _path: &str) -> Result<()> {
        Err(Error::new(Errno::Notsup))
    }

    /// Moves `path` to `new_path` under `new_dir` (`xdev` if `new_dir` is another backend).
    fn rename_at(&self, _path: &str, _new_dir: &dyn WasiDir, _new_path: &str) -> Result<()> {
        Err(Error::new(Errno::Notsup))
    }

    /// Creates hard link `new_path` under `new_dir` to `path`.
    fn hard_link_at(&self, _path: &str, _new_dir: &dyn WasiDir, _new_path: &str) -> Result<()> {
        Err(Error::new(Errno::Notsup))
    }

    /// Changes the timestamps of `path`, following a final symlink when `follow` is set.
    fn set_times_at(&self, _path: &str, _atime: SetTime, _mtime: SetTime, _follow: bool) -> Result<()> {
        Err(Error::new(Errno::Notsup))
    }

    /// Changes the directory's own timestamps.
    fn set_times(&self, _atime: SetTime, _mtime: SetTime) -> Result<()> {
        Err(Error::new(Errno::Notsup))
    }

    /// Makes the directory's entries durable.
    fn sync(&self) -> Result<()> {
        Ok(())
    }
}
