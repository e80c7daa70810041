//! The descriptor table: WASI fds mapped to open files and directories.
//!
//! Files and directories are distinct kinds. A call asks for the kind it needs
//! ([`FdTable::file`], [`FdTable::dir`]) or for either ([`FdTable::get`]), and a descriptor of
//! the wrong kind answers with the errno POSIX would give.
//!
//! New descriptors take the lowest free number, as POSIX `open` does; the free numbers are
//! kept in an ordered set so allocation never scans the table. Entries are reference-counted
//! handles: a lookup clones the handle and releases the lock at once, so a call that blocks
//! (a read on stdin, an accept) never holds the table while it waits.

use crate::dir::WasiDir;
use crate::file::WasiFile;
use crate::types::{FdFlags, FdRights, FileType};
use crate::{Errno, Error, Result};
use std::collections::BTreeSet;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Highest number of descriptors a context holds at once unless the builder says otherwise.
pub const DEFAULT_MAX_FDS: u32 = 1 << 16;

/// An open file (any non-directory) and what the guest may do with it.
#[derive(Clone)]
pub struct FileDescriptor {
    /// The object itself.
    pub file: Arc<dyn WasiFile>,
    /// Rights granted to this descriptor.
    pub rights: FdRights,
}

/// An open directory and what the guest may do with it.
#[derive(Clone)]
pub struct DirDescriptor {
    /// The directory itself.
    pub dir: Arc<dyn WasiDir>,
    /// Rights granted to this descriptor.
    pub rights: FdRights,
    /// For a preopened directory, the guest path it was granted under.
    pub preopen_path: Option<Arc<str>>,
}

/// One entry of the table: a file or a directory.
#[derive(Clone)]
pub enum Descriptor {
    /// A non-directory object.
    File(FileDescriptor),
    /// A directory.
    Dir(DirDescriptor),
}

impl Descriptor {
    /// Rights of the entry, whatever its kind.
    pub fn rights(&self) -> FdRights {
        match self {
            Descriptor::File(f) => f.rights,
            Descriptor::Dir(d) => d.rights,
        }
    }

    /// Kind of object the entry refers to.
    pub fn filetype(&self) -> Result<FileType> {
        match self {
            Descriptor::File(f) => f.file.filetype(),
            Descriptor::Dir(_) => Ok(FileType::Directory),
        }
    }

    /// Status flags of the entry (directories have none of their own).
    pub fn fdflags(&self) -> Result<FdFlags> {
        match self {
            Descriptor::File(f) => f.file.fdflags(),
            Descriptor::Dir(_) => Ok(FdFlags::empty()),
        }
    }
}

/// The descriptor table of one context, safe to use from every guest thread.
pub struct FdTable {
    slots: RwLock<Slots>,
}

struct Slots {
    entries: Vec<Option<Descriptor>>,
    /// Numbers below `entries.len()` whose slot is empty.
    free: BTreeSet<u32>,
    max_fds: u32,
}

impl FdTable {
    /// An empty table that refuses to grow beyond `max_fds` open descriptors.
    pub fn new(max_fds: u32) -> FdTable {
        FdTable {
            slots: RwLock::new(Slots { entries: Vec::new(), free: BTreeSet::new(), max_fds }),
        }
    }

    /// Adds `descriptor` under the lowest free number; `nfile` when the table is full.
    pub fn push(&self, descriptor: Descriptor) -> Result<u32> {
        let mut slots = self.write();
        if let Some(fd) = slots.free.pop_first() {
            slots.entries[fd as usize] = Some(descriptor);
            return Ok(fd);
        }
        let fd = slots.entries.len() as u32;
        if fd >= slots.max_fds {
            return Err(Error::new(Errno::Nfile).context("descriptor table is full"));
        }
        slots.entries.push(Some(descriptor));
        Ok(fd)
    }

    /// Fails with `nfile` when [`FdTable::push`] would: calls that create something before
    /// they get a descriptor (`path_open` with `creat` or `trunc`) ask first, so a full table
    /// leaves no side effect.
    pub fn check_room(&self) -> Result<()> {
        let slots = self.read();
        if slots.free.is_empty() && slots.entries.len() as u32 >= slots.max_fds {
            return Err(Error::new(Errno::Nfile).context("descriptor table is full"));
        }
        Ok(())
    }

    /// Puts `descriptor` at exactly `fd`, replacing what was there (POSIX `dup2`).
    ///
    /// Numbers up to the table's limit are accepted even when unused, so a program can move
    /// a stream to a fresh number and back again.
    pub fn insert_at(&self, fd: u32, descriptor: Descriptor) -> Result<Option<Descriptor>> {
        self.write().insert_at(fd, descriptor)
    }

    /// The entry at `fd`, of either kind; `badf` if nothing is open there.
    pub fn get(&self, fd: u32) -> Result<Descriptor> {
        self.read().get(fd).ok_or_else(|| bad_fd(fd))
    }

    /// The file at `fd`: `badf` if nothing is open there or if it is a directory.
    ///
    /// A directory answers `badf`, not POSIX's `isdir`: a directory descriptor never holds
    /// the rights of file I/O, and wasmtime-wasi and the WASI test suite agree on `badf`.
    pub fn file(&self, fd: u32) -> Result<FileDescriptor> {
        match self.read().entries.get(fd as usize) {
            Some(Some(Descriptor::File(file))) => Ok(file.clone()),
            Some(Some(Descriptor::Dir(_))) => {
                Err(Error::new(Errno::Badf).context(format_args!("fd {fd} is a directory")))
            }
            _ => Err(bad_fd(fd)),
        }
    }

    /// The directory at `fd`: `badf` if nothing is open there, `notdir` if it is a file.
    pub fn dir(&self, fd: u32) -> Result<DirDescriptor> {
        match self.read().entries.get(fd as usize) {
            Some(Some(Descriptor::Dir(dir))) => Ok(dir.clone()),
            Some(Some(Descriptor::File(_))) => Err(Error::new(Errno::Notdir)),
            _ => Err(bad_fd(fd)),
        }
    }

    /// Applies `update` to the entry at `fd` in place (e.g. to narrow its rights).
    pub fn update<T>(&self, fd: u32, update: impl FnOnce(&mut Descriptor) -> Result<T>) -> Result<T> {
        let mut slots = self.write();
        match slots.entries.get_mut(fd as usize) {
            Some(Some(descriptor)) => update(descriptor),
            _ => Err(bad_fd(fd)),
        }
    }

    /// Removes and returns the entry at `fd`; `badf` if nothing is open there.
    pub fn remove(&self, fd: u32) -> Result<Descriptor> {
        self.write().remove(fd)
    }

    /// Moves the entry at `from` to `to` in one step, closing whatever was at `to`; `from`
    /// becomes free. No other thread can observe the entry at both numbers or at neither.
    pub fn renumber(&self, from: u32, to: u32) -> Result<()> {
        let displaced = {
            let mut slots = self.write();
            let descriptor = slots.get(from).ok_or_else(|| bad_fd(from))?;
            if from == to {
                return Ok(());
            }
            let displaced = slots.insert_at(to, descriptor)?;
            slots.remove(from)?;
            displaced
        };
        // Closing the displaced object may take a syscall; do it outside the lock.
        drop(displaced);
        Ok(())
    }

    /// The open descriptors in increasing order, with their entries.
    pub fn entries(&self) -> Vec<(u32, Descriptor)> {
        self.read()
            .entries
            .iter()
            .enumerate()
            .filter_map(|(fd, slot)| slot.clone().map(|d| (fd as u32, d)))
            .collect()
    }

    fn read(&self) -> RwLockReadGuard<'_, Slots> {
        // The table is consistent after every statement that mutates it, so a panic elsewhere
        // while the lock was held leaves nothing half-done.
        self.slots.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Slots> {
        self.slots.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Slots {
    fn get(&self, fd: u32) -> Option<Descriptor> {
        self.entries.get(fd as usize).and_then(Option::clone)
    }

    fn insert_at(&mut self, fd: u32, descriptor: Descriptor) -> Result<Option<Descriptor>> {
        if fd >= self.max_fds {
            return Err(Error::new(Errno::Badf).context(format_args!("fd {fd} is above the limit")));
        }
        let index = fd as usize;
        if index >= self.entries.len() {
            let old_len = self.entries.len() as u32;
            self.free.extend(old_len..fd);
            self.entries.resize(index + 1, None);
        }
        self.free.remove(&fd);
        Ok(self.entries[index].replace(descriptor))
    }

    fn remove(&mut self, fd: u32) -> Result<Descriptor> {
        let taken = self
            .entries
            .get_mut(fd as usize)
            .and_then(Option::take)
            .ok_or_else(|| bad_fd(fd))?;
        self.free.insert(fd);
        // Keep `entries` as short as the highest open fd, so `free` stays small.
        while let Some(None) = self.entries.last() {
            let last = self.entries.len() as u32 - 1;
            self.entries.pop();
            self.free.remove(&last);
        }
        Ok(taken)
    }
}

fn bad_fd(fd: u32) -> Error {
    Error::new(Errno::Badf).context(format_args!("fd {fd} is not open"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipe::WritePipe;
    use crate::types::Rights;

    fn file() -> Descriptor {
        Descriptor::File(FileDescriptor {
            file: Arc::new(WritePipe::new_in_memory()),
            rights: FdRights::new(Rights::FILE, Rights::empty()),
        })
    }

    #[test]
    fn push_takes_the_lowest_free_number() {
        let table = FdTable::new(16);
        for expected in 0..5 {
            assert_eq!(table.push(file()).unwrap(), expected);
        }
        table.remove(3).unwrap();
        table.remove(1).unwrap();
        assert_eq!(table.push(file()).unwrap(), 1);
        assert_eq!(table.push(file()).unwrap(), 3);
        assert_eq!(table.push(file()).unwrap(), 5);
    }

    #[test]
    fn closed_and_unknown_fds_are_badf() {
        let table = FdTable::new(16);
        let fd = table.push(file()).unwrap();
        table.remove(fd).unwrap();
        assert_eq!(table.get(fd).err().unwrap().errno(), Errno::Badf);
        assert_eq!(table.remove(fd).err().unwrap().errno(), Errno::Badf);
        assert_eq!(table.file(u32::MAX).err().unwrap().errno(), Errno::Badf);
    }

    #[test]
    fn file_in_place_of_a_dir_is_notdir() {
        let table = FdTable::new(16);
        let fd = table.push(file()).unwrap();
        assert_eq!(table.dir(fd).err().unwrap().errno(), Errno::Notdir);
    }

    #[test]
    fn table_refuses_to_grow_past_its_limit() {
        let table = FdTable::new(2);
        table.push(file()).unwrap();
        table.push(file()).unwrap();
        assert_eq!(table.push(file()).unwrap_err().errno(), Errno::Nfile);
        assert_eq!(table.insert_at(2, file()).err().unwrap().errno(), Errno::Badf);
    }

    #[test]
    fn renumber_onto_an_unused_number_moves_like_dup2() {
        let table = FdTable::new(16);
        for _ in 0..3 {
            table.push(file()).unwrap();
        }
        table.renumber(1, 6).unwrap();
        assert!(table.get(1).is_err());
        assert!(table.get(6).is_ok());
        // The holes left below 6 are handed out lowest first.
        assert_eq!(table.push(file()).unwrap(), 1);
        assert_eq!(table.push(file()).unwrap(), 3);
        table.renumber(6, 1).unwrap();
        assert!(table.get(6).is_err());
        assert_eq!(table.entries().iter().map(|(fd, _)| *fd).collect::<Vec<_>>(), vec![0, 1, 2, 3]);
        assert_eq!(table.push(file()).unwrap(), 4);
    }
}
