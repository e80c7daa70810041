//! [`WasiDir`]: what a directory descriptor can do.
//!
//! Directories are a separate kind from files in the fd table: a call that needs one asks the
//! table for it and gets `notdir` when the descriptor is a file.

use crate::types::{FileType, Filestat};
use crate::Result;
use std::any::Any;

/// An open directory, as a WASI descriptor sees it. Every path a guest passes is resolved
/// relative to one of these, and an implementation must never let it resolve outside.
pub trait WasiDir: Send + Sync + 'static {
    /// For downcasting to the concrete type.
    fn as_any(&self) -> &dyn Any;

    /// The directory's own metadata.
    fn filestat(&self) -> Result<Filestat> {
        Ok(Filestat { filetype: FileType::Directory, nlink: 1, ..Filestat::default() })
    }
}
