//! A host handle opened for reading, before anyone asked whether it is a directory.
//!
//! `open` cannot tell; an `fstat` can, at one more syscall per open. Most programs `fstat`
//! what they open anyway (for its size), so the table asks only when a call needs the kind
//! and a first `fd_filestat_get` answers from the same stat.
//!
//! The waiting object is the [`OsFile`] itself, with its type not yet known: a file (by far
//! the common case) resolves to that very object, so an open costs one allocation, not one
//! for the waiting object and another for the file (a tenth of an `open` + `fstat` + `close`
//! in user space). A directory is made from a duplicate of the handle, once; the duplicate
//! costs a syscall on that rare path (a directory opened without `O_DIRECTORY`), and the
//! original handle closes when the table lets go of the waiting object.

use crate::dir::OsDir;
use crate::file::{fd_filestat, from_io, OsFile};
use capwasi::dir::{Opened, WasiUnknownKind};
use capwasi::types::{FileType, Filestat};
use capwasi::Result;
use std::os::fd::AsFd;
use std::sync::Arc;

impl WasiUnknownKind for OsFile {
    fn filestat(&self) -> Result<Filestat> {
        let stat = fd_filestat(self.as_cap_std().as_fd())?;
        self.learned_filetype(stat.filetype);
        Ok(stat)
    }

    fn resolve(self: Arc<Self>, filetype: FileType) -> Result<Opened> {
        if filetype != FileType::Directory {
            self.learned_filetype(filetype);
            return Ok(Opened::File(self));
        }
        if let Some(dir) = self.as_dir.get() {
            return Ok(Opened::Dir(dir.clone()));
        }
        let handle = self.as_cap_std().try_clone().map_err(from_io)?;
        let made = Arc::new(OsDir::new(cap_std::fs::Dir::from_std_file(handle.into_std())));
        // Two threads may both get here: the first one's directory is kept and the other's
        // duplicate handle closes when its `made` drops.
        let kept = self.as_dir.get_or_init(|| made);
        Ok(Opened::Dir(kept.clone()))
    }
}
