//! A host handle opened for reading, before anyone asked whether it is a directory.
//!
//! `open` cannot tell; an `fstat` can, at one more syscall per open. Most programs `fstat`
//! what they open anyway (for its size), so the table asks only when a call needs the kind
//! and a first `fd_filestat_get` answers from the same stat.

use crate::dir::OsDir;
use crate::file::{fd_filestat, OsFile};
use capwasi::dir::{Opened, WasiUnknownKind};
use capwasi::types::{FileType, Filestat};
use capwasi::Result;
use std::os::fd::AsFd;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

pub(crate) struct OsUnknownKind {
    /// The handle, until the kind is known; then it lives on in `opened`.
    file: Mutex<Option<cap_std::fs::File>>,
    opened: OnceLock<Opened>,
}

impl OsUnknownKind {
    pub(crate) fn new(file: cap_std::fs::File) -> OsUnknownKind {
        OsUnknownKind { file: Mutex::new(Some(file)), opened: OnceLock::new() }
    }
}

impl WasiUnknownKind for OsUnknownKind {
    fn filestat(&self) -> Result<Filestat> {
        let file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        match (&*file, self.opened.get()) {
            (Some(file), _) => fd_filestat(file.as_fd()),
            (None, Some(Opened::File(file))) => file.filestat(),
            (None, Some(Opened::Dir(dir))) => dir.filestat(),
            (None, _) => unreachable!("the handle is taken only to become a file or a directory"),
        }
    }

    fn resolve(&self, filetype: FileType) -> Result<Opened> {
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(file) = file.take() {
            let opened = if filetype == FileType::Directory {
                Opened::Dir(Arc::new(OsDir::new(cap_std::fs::Dir::from_std_file(file.into_std()))))
            } else {
                Opened::File(Arc::new(OsFile::with_filetype(file, filetype)))
            };
            // Set under the lock that emptied `file`, so nobody sees neither.
            let _ = self.opened.set(opened);
        }
        Ok(self.opened.get().expect("set when the handle was taken").clone())
    }
}
