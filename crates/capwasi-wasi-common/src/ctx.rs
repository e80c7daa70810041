//! [`WasiCtx`]: wasi-common 46's context type, a handle on one capwasi context.

use crate::dir::{LegacyDir, WasiDir};
use crate::error::{Error, StringArrayError};
use crate::file::{FileAccessMode, LegacyFile, WasiFile};
use capwasi::table::{Descriptor, DirDescriptor, FdTable, FileDescriptor};
use capwasi::types::{FdRights, Rights};
use capwasi_wasmtime::WasiState;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The state one WASI program sees, as wasi-common 46 shaped it: cheap to clone, and every
/// clone (every thread of a wasi-threads program) shares the same descriptors.
///
/// It is also what the linker functions find in the store (`|s| s`, or `|s| &mut s.wasi`):
/// it carries the guest memory handle capwasi's glue caches per store, which a clone for
/// another store does not take along.
#[derive(Clone)]
pub struct WasiCtx {
    state: WasiState,
}

impl WasiCtx {
    /// A handle on `ctx`: how a context built with capwasi's own builder (read-only
    /// preopens, in-memory filesystems, tracing, determinism, limits) is used through this
    /// crate's API.
    pub fn from_capwasi(ctx: impl Into<Arc<capwasi::WasiCtx>>) -> WasiCtx {
        WasiCtx { state: WasiState::new(ctx) }
    }

    /// The capwasi context behind this handle.
    pub fn capwasi(&self) -> &Arc<capwasi::WasiCtx> {
        self.state.ctx()
    }

    /// The capwasi glue's per-store state (for capwasi's own linker functions).
    pub fn state_mut(&mut self) -> &mut WasiState {
        &mut self.state
    }

    fn ctx(&self) -> &capwasi::WasiCtx {
        self.state.ctx()
    }

    fn ctx_mut(&mut self, what: &str) -> &mut capwasi::WasiCtx {
        self.state
            .ctx_mut()
            .unwrap_or_else(|| panic!("`{what}` should only be used during initialization before the context is cloned"))
    }

    /// Puts `file` at descriptor `fd`, replacing (and closing) what was there.
    ///
    /// # Panics
    /// If `fd` is at or beyond the table's limit (65536 descriptors by default).
    pub fn insert_file(&self, fd: u32, file: Box<dyn WasiFile>, access_mode: FileAccessMode) {
        self.insert(fd, legacy_file(file, access_mode));
    }

    /// Adds `file` under the lowest free descriptor and returns it.
    pub fn push_file(&self, file: Box<dyn WasiFile>, access_mode: FileAccessMode) -> Result<u32, Error> {
        Ok(self.ctx().table.push(legacy_file(file, access_mode))?)
    }

    /// Puts directory `dir` at descriptor `fd` as a preopen named `path`.
    ///
    /// # Panics
    /// As [`WasiCtx::insert_file`].
    pub fn insert_dir(&self, fd: u32, dir: Box<dyn WasiDir>, path: PathBuf) {
        self.insert(fd, legacy_dir(dir, &path));
    }

    /// Adds directory `dir` as a preopen named `path` under the lowest free descriptor.
    pub fn push_dir(&self, dir: Box<dyn WasiDir>, path: PathBuf) -> Result<u32, Error> {
        Ok(self.ctx().table.push(legacy_dir(dir, &path))?)
    }

    /// Adds directory `dir` as a preopen named `path`.
    pub fn push_preopened_dir(&self, dir: Box<dyn WasiDir>, path: impl AsRef<Path>) -> Result<(), Error> {
        self.ctx().table.push(legacy_dir(dir, path.as_ref()))?;
        Ok(())
    }

    /// The descriptor table.
    pub fn table(&self) -> &Table {
        Table::of(&self.ctx().table)
    }

    /// The descriptor table, mutably, if this is the only handle on the context.
    pub fn table_mut(&mut self) -> Option<&mut Table> {
        self.state.ctx_mut().map(|ctx| Table::of_mut(&mut ctx.table))
    }

    /// Appends an argument.
    ///
    /// # Panics
    /// If the context has been cloned (it is shared, so it can no longer change), as in
    /// wasi-common.
    pub fn push_arg(&mut self, arg: &str) -> Result<(), StringArrayError> {
        Ok(self.ctx_mut("push_arg").push_arg(arg)?)
    }

    /// Appends an environment variable (an earlier one of the same name stays, as in
    /// wasi-common).
    ///
    /// # Panics
    /// As [`WasiCtx::push_arg`].
    pub fn push_env(&mut self, var: &str, value: &str) -> Result<(), StringArrayError> {
        Ok(self.ctx_mut("push_env").push_env(var, value)?)
    }

    /// Replaces stdin (descriptor 0).
    pub fn set_stdin(&self, f: Box<dyn WasiFile>) {
        self.insert(0, stdio(capwasi_file(f)));
    }

    /// Replaces stdout (descriptor 1).
    pub fn set_stdout(&self, f: Box<dyn WasiFile>) {
        self.insert(1, stdio(capwasi_file(f)));
    }

    /// Replaces stderr (descriptor 2).
    pub fn set_stderr(&self, f: Box<dyn WasiFile>) {
        self.insert(2, stdio(capwasi_file(f)));
    }

    pub(crate) fn insert(&self, fd: u32, descriptor: Descriptor) {
        if let Err(err) = self.ctx().table.insert_at(fd, descriptor) {
            panic!("cannot insert descriptor {fd}: {err:?}");
        }
    }
}

/// Stdio descriptors get every file right, as capwasi's builder gives them.
pub(crate) fn stdio(file: Arc<dyn capwasi::WasiFile>) -> Descriptor {
    Descriptor::File(FileDescriptor { file, rights: FdRights::new(Rights::FILE, Rights::empty()) })
}

/// `file` as capwasi sees it: a host file (`sync::file::File`) is unwrapped to capwasi-os's
/// own object; anything else goes through the bridge.
pub(crate) fn capwasi_file(file: Box<dyn WasiFile>) -> Arc<dyn capwasi::WasiFile> {
    #[cfg(feature = "sync")]
    if let Some(native) = file.as_any().downcast_ref::<crate::sync::file::File>() {
        return Arc::clone(&native.0);
    }
    Arc::new(LegacyFile::new(file))
}

fn legacy_file(file: Box<dyn WasiFile>, access_mode: FileAccessMode) -> Descriptor {
    Descriptor::File(FileDescriptor { file: capwasi_file(file), rights: access_mode.rights() })
}

fn legacy_dir(dir: Box<dyn WasiDir>, path: &Path) -> Descriptor {
    #[cfg(feature = "sync")]
    if let Some(native) = dir.as_any().downcast_ref::<crate::sync::dir::Dir>() {
        return preopen(Arc::clone(&native.0), path);
    }
    preopen(Arc::new(LegacyDir::new(dir)), path)
}

pub(crate) fn preopen(dir: Arc<dyn capwasi::WasiDir>, path: &Path) -> Descriptor {
    Descriptor::Dir(DirDescriptor {
        dir,
        rights: FdRights::full_dir(),
        preopen_path: Some(Arc::from(path.to_string_lossy().as_ref())),
    })
}

/// The descriptor table of a context (capwasi's [`FdTable`], through wasi-common's name).
///
/// wasi-common's table held any `Any` value; capwasi's holds descriptors only, so the
/// generic `push`/`get`/`get_mut`/`insert_at`/`is`/`delete` of arbitrary resources are not
/// here. Use [`Table::fd_table`] for capwasi's full API.
#[repr(transparent)]
pub struct Table(FdTable);

impl Table {
    fn of(table: &FdTable) -> &Table {
        // SAFETY: `Table` is a `repr(transparent)` wrapper of `FdTable`.
        unsafe { &*(table as *const FdTable as *const Table) }
    }

    fn of_mut(table: &mut FdTable) -> &mut Table {
        // SAFETY: as in `of`.
        unsafe { &mut *(table as *mut FdTable as *mut Table) }
    }

    /// Whether descriptor `key` is open.
    pub fn contains_key(&self, key: u32) -> bool {
        self.0.get(key).is_ok()
    }

    /// Moves descriptor `from` to `to`, closing what was at `to`; `to` need not be open (as
    /// 46's table method: only the guest's `fd_renumber` insists on an open target).
    pub fn renumber(&self, from: u32, to: u32) -> Result<(), Error> {
        Ok(self.0.renumber(from, to, capwasi::table::RenumberTarget::AnyNumber)?)
    }

    /// capwasi's table.
    pub fn fd_table(&self) -> &FdTable {
        &self.0
    }
}
