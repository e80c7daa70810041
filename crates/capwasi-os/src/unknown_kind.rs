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
use std::sync::{Arc, Mutex, PoisonError};

pub(crate) struct OsUnknownKind {
    /// One lock over both states, so nobody sees the handle gone and the object not yet
    /// there (cheaper than a lock beside a `OnceLock`, whose set takes `Once`'s slow path).
    state: Mutex<State>,
}

enum State {
    /// The handle, until the kind is known ...
    Unresolved(cap_std::fs::File),
    /// ... then it lives on as a file or a directory.
    Resolved(Opened),
    /// Only inside `resolve`, under the lock, while the handle moves into its object.
    Moving,
}

impl OsUnknownKind {
    pub(crate) fn new(file: cap_std::fs::File) -> OsUnknownKind {
        OsUnknownKind { state: Mutex::new(State::Unresolved(file)) }
    }
}

impl WasiUnknownKind for OsUnknownKind {
    fn filestat(&self) -> Result<Filestat> {
        match &*self.state.lock().unwrap_or_else(PoisonError::into_inner) {
            State::Unresolved(file) => fd_filestat(file.as_fd()),
            State::Resolved(Opened::File(file)) => file.filestat(),
            State::Resolved(Opened::Dir(dir)) => dir.filestat(),
            State::Resolved(Opened::KindUnknown(_)) | State::Moving => unreachable!("resolved to a file or a directory"),
        }
    }

    fn resolve(&self, filetype: FileType) -> Result<Opened> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        // Two threads may both ask: the first turns the handle into the object, the
        // second gets the same object.
        if let State::Resolved(opened) = &*state {
            return Ok(opened.clone());
        }
        let State::Unresolved(file) = std::mem::replace(&mut *state, State::Moving) else {
            unreachable!("a resolved state returned above; `Moving` never outlives the lock")
        };
        let opened = if filetype == FileType::Directory {
            Opened::Dir(Arc::new(OsDir::new(cap_std::fs::Dir::from_std_file(file.into_std()))))
        } else {
            Opened::File(Arc::new(OsFile::with_filetype(file, filetype)))
        };
        *state = State::Resolved(opened.clone());
        Ok(opened)
    }
}
