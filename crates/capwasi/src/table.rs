//! The descriptor table: WASI fds mapped to open files and directories.
//!
//! Files and directories are distinct kinds. A call asks for the kind it needs
//! ([`FdTable::file`], [`FdTable::dir`]) or for either ([`FdTable::get`]), and a descriptor of
//! the wrong kind answers with the errno POSIX would give.
//!
//! An object opened without learning its kind ([`Opened::KindUnknown`]) waits in its slot until a
//! call needs the kind; the lookup that finds out replaces the slot with a file or a
//! directory, so a guest's `open` + `fstat` + `close` costs the host the same three syscalls.
//!
//! New descriptors take the lowest free number, as POSIX `open` does; the free numbers are
//! kept in an ordered set so allocation never scans the table. Entries are reference-counted
//! handles: a lookup clones the handle and releases the lock at once, so a call that blocks
//! (a read on stdin, an accept) never holds the table while it waits.

use crate::dir::{Opened, WasiDir, WasiUnknownKind};
use crate::file::WasiFile;
use crate::types::{FdFlags, FdRights, FileType, Filestat, Rights};
use crate::{Errno, Error, Result};
use std::collections::BTreeSet;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Highest number of descriptors a context holds at once unless the builder says otherwise.
pub const DEFAULT_MAX_FDS: u32 = 1 << 16;

/// Which numbers `fd_renumber` may move a descriptor onto.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RenumberTarget {
    /// Only a number that is open (the preview1 spec; `badf` otherwise).
    #[default]
    Open,
    /// Any number below the table limit, as POSIX `dup2` (an opt-in departure from the spec).
    AnyNumber,
}

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
    /// The descriptor for an object `path_open` opened of known kind, keeping of the rights
    /// asked for (`base`, `inheriting`, already narrowed to what the parent may hand out)
    /// those that mean something for that kind.
    fn of_kind(opened: Opened, base: Rights, inheriting: Rights) -> Option<Descriptor> {
        match opened {
            Opened::File(file) => {
                Some(Descriptor::File(FileDescriptor { file, rights: FdRights::new(base & Rights::FILE, Rights::empty()) }))
            }
            Opened::Dir(dir) => Some(Descriptor::Dir(DirDescriptor {
                dir,
                rights: FdRights::new(base & Rights::DIRECTORY, inheriting & (Rights::DIRECTORY | Rights::FILE)),
                preopen_path: None,
            })),
            Opened::KindUnknown(_) => None,
        }
    }

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

#[derive(Clone)]
enum Slot {
    Known(Descriptor),
    /// Opened by `path_open`, kind not asked yet; the rights are those the descriptor of
    /// either kind is cut from.
    KindUnknown { object: Arc<dyn WasiUnknownKind>, base: Rights, inheriting: Rights },
}

struct Slots {
    entries: Vec<Option<Slot>>,
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
        self.push_slot(Slot::Known(descriptor))
    }

    /// Adds what `path_open` opened, with the rights asked for (already narrowed to what the
    /// parent directory may hand out); each kind keeps the rights that apply to it.
    pub fn push_opened(&self, opened: Opened, base: Rights, inheriting: Rights) -> Result<u32> {
        self.push_slot(match opened {
            Opened::KindUnknown(object) => Slot::KindUnknown { object, base, inheriting },
            known => Slot::Known(Descriptor::of_kind(known, base, inheriting).expect("a known kind")),
        })
    }

    fn push_slot(&self, slot: Slot) -> Result<u32> {
        let mut slots = self.write();
        if let Some(fd) = slots.free.pop_first() {
            slots.entries[fd as usize] = Some(slot);
            return Ok(fd);
        }
        let fd = slots.entries.len() as u32;
        if fd >= slots.max_fds {
            return Err(Error::new(Errno::Nfile).context("descriptor table is full"));
        }
        slots.entries.push(Some(slot));
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

    /// Puts `descriptor` at exactly `fd`, replacing (and closing) what was there (POSIX
    /// `dup2`).
    ///
    /// Numbers up to the table's limit are accepted even when unused, so a program can move
    /// a stream to a fresh number and back again.
    pub fn insert_at(&self, fd: u32, descriptor: Descriptor) -> Result<()> {
        let displaced = self.write().insert_at(fd, Slot::Known(descriptor))?;
        drop(displaced);
        Ok(())
    }

    /// The entry at `fd`, of either kind; `badf` if nothing is open there.
    pub fn get(&self, fd: u32) -> Result<Descriptor> {
        self.get_with_stat(fd).map(|(descriptor, _)| descriptor)
    }

    /// The entry at `fd`, and its metadata if finding out its kind took a stat in this very
    /// call (fresh, so `fd_filestat_get` answers it instead of asking again).
    pub fn get_with_stat(&self, fd: u32) -> Result<(Descriptor, Option<Filestat>)> {
        let slot = self.read().get(fd).ok_or_else(|| bad_fd(fd))?;
        match slot {
            Slot::Known(descriptor) => Ok((descriptor, None)),
            Slot::KindUnknown { object, base, inheriting } => {
                self.learn_kind(fd, object, base, inheriting).map(|(descriptor, stat)| (descriptor, Some(stat)))
            }
        }
    }

    /// Stats `object`, waiting at `fd` with the rights `base` and `inheriting`, and puts its
    /// descriptor of the kind found in place of the slot, unless another call changed the
    /// slot meanwhile.
    #[cold]
    fn learn_kind(&self, fd: u32, object: Arc<dyn WasiUnknownKind>, base: Rights, inheriting: Rights) -> Result<(Descriptor, Filestat)> {
        // The syscall runs without the table lock; two threads may both ask, and the
        // backend answers both with the same object.
        let stat = object.filestat()?;
        let descriptor = Descriptor::of_kind(Arc::clone(&object).resolve(stat.filetype)?, base, inheriting)
            .ok_or_else(|| Error::new(Errno::Io).context("the backend did not resolve the object's kind"))?;
        let mut slots = self.write();
        if let Some(Some(Slot::KindUnknown { object: current, .. })) = slots.entries.get(fd as usize)
            && Arc::ptr_eq(current, &object)
        {
            slots.entries[fd as usize] = Some(Slot::Known(descriptor.clone()));
        }
        Ok((descriptor, stat))
    }

    /// The file at `fd`: `badf` if nothing is open there or if it is a directory.
    ///
    /// A directory answers `badf`, not POSIX's `isdir`: a directory descriptor never holds
    /// the rights of file I/O, and wasmtime-wasi and the WASI test suite agree on `badf`.
    pub fn file(&self, fd: u32) -> Result<FileDescriptor> {
        match self.read().entries.get(fd as usize) {
            Some(Some(Slot::Known(Descriptor::File(file)))) => return Ok(file.clone()),
            Some(Some(Slot::Known(Descriptor::Dir(_)))) => return Err(dir_is_not_a_file(fd)),
            Some(Some(Slot::KindUnknown { .. })) => {}
            _ => return Err(bad_fd(fd)),
        }
        match self.get(fd)? {
            Descriptor::File(file) => Ok(file),
            Descriptor::Dir(_) => Err(dir_is_not_a_file(fd)),
        }
    }

    /// Runs `op` on the file at `fd` (errors as [`FdTable::file`]).
    ///
    /// A file whose I/O never waits on another party ([`WasiFile::io_never_waits`]) is lent
    /// to `op` under the table's read lock, which spares the call the two atomic updates of
    /// the object's reference count (a measurable share of a 1-byte write or a small
    /// `pread`). Any other file is cloned out first, so a read that blocks on a pipe never
    /// holds the table (another thread may need it to write to that very pipe).
    ///
    /// `op` must not use the table: a second read lock behind a waiting writer deadlocks.
    pub fn with_file<T>(&self, fd: u32, op: impl FnOnce(&FileDescriptor) -> Result<T>) -> Result<T> {
        let known = {
            let slots = self.read();
            match slots.entries.get(fd as usize) {
                Some(Some(Slot::Known(Descriptor::File(file)))) if file.file.io_never_waits() => return op(file),
                Some(Some(Slot::Known(Descriptor::File(file)))) => Some(file.clone()),
                Some(Some(Slot::Known(Descriptor::Dir(_)))) => return Err(dir_is_not_a_file(fd)),
                // Learning the kind takes a stat, made outside the lock.
                Some(Some(Slot::KindUnknown { .. })) => None,
                _ => return Err(bad_fd(fd)),
            }
        };
        match known {
            Some(file) => op(&file),
            None => op(&self.file(fd)?),
        }
    }

    /// The directory at `fd`: `badf` if nothing is open there, `notdir` if it is a file.
    ///
    /// For the path operations: a preopen's guest path is left out (it is `None` here; ask
    /// [`FdTable::get`] for it), which spares every path call on a preopen an atomic
    /// increment and decrement of that string's count.
    pub fn dir(&self, fd: u32) -> Result<DirDescriptor> {
        match self.read().entries.get(fd as usize) {
            Some(Some(Slot::Known(Descriptor::Dir(dir)))) => {
                return Ok(DirDescriptor { dir: Arc::clone(&dir.dir), rights: dir.rights, preopen_path: None });
            }
            Some(Some(Slot::Known(Descriptor::File(_)))) => return Err(Error::new(Errno::Notdir)),
            Some(Some(Slot::KindUnknown { .. })) => {}
            _ => return Err(bad_fd(fd)),
        }
        match self.get(fd)? {
            Descriptor::Dir(dir) => Ok(dir),
            Descriptor::File(_) => Err(Error::new(Errno::Notdir)),
        }
    }

    /// Applies `update` to the entry at `fd` in place (e.g. to narrow its rights).
    pub fn update<T>(&self, fd: u32, update: impl FnOnce(&mut Descriptor) -> Result<T>) -> Result<T> {
        loop {
            let mut slots = self.write();
            match slots.entries.get_mut(fd as usize) {
                Some(Some(Slot::Known(descriptor))) => return update(descriptor),
                // Only a descriptor of known kind changes in place: learn it (outside the
                // lock), then look again.
                Some(Some(Slot::KindUnknown { .. })) => {
                    drop(slots);
                    self.get(fd)?;
                }
                _ => return Err(bad_fd(fd)),
            }
        }
    }

    /// Closes the entry at `fd`; `badf` if nothing is open there.
    pub fn remove(&self, fd: u32) -> Result<()> {
        let removed = self.write().remove(fd)?;
        // Closing the object may take a syscall; do it outside the lock.
        drop(removed);
        Ok(())
    }

    /// Moves the entry at `from` to `to` in one step, closing what was at `to`; `from`
    /// becomes free. No other thread can observe the entry at both numbers or at neither.
    ///
    /// `to` must be open unless `target` is [`RenumberTarget::AnyNumber`]: the spec rules out
    /// renumbering onto a free number, which another thread may be handed at the same moment.
    pub fn renumber(&self, from: u32, to: u32, target: RenumberTarget) -> Result<()> {
        let displaced = {
            let mut slots = self.write();
            let slot = slots.get(from).ok_or_else(|| bad_fd(from))?;
            if target == RenumberTarget::Open && slots.get(to).is_none() {
                return Err(bad_fd(to).context("fd_renumber's target must be open (the spec's rule; see renumber_like_dup2)"));
            }
            if from == to {
                return Ok(());
            }
            let displaced = slots.insert_at(to, slot)?;
            slots.remove(from)?;
            displaced
        };
        // Closing the displaced object may take a syscall; do it outside the lock.
        drop(displaced);
        Ok(())
    }

    /// The numbers of the open descriptors, in increasing order.
    pub fn fds(&self) -> Vec<u32> {
        self.read()
            .entries
            .iter()
            .enumerate()
            .filter_map(|(fd, slot)| slot.as_ref().map(|_| fd as u32))
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
    fn get(&self, fd: u32) -> Option<Slot> {
        self.entries.get(fd as usize).and_then(Option::clone)
    }

    fn insert_at(&mut self, fd: u32, slot: Slot) -> Result<Option<Slot>> {
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
        Ok(self.entries[index].replace(slot))
    }

    fn remove(&mut self, fd: u32) -> Result<Slot> {
        let taken = self
            .entries
            .get_mut(fd as usize)
            .and_then(Option::take)
            .ok_or_else(|| bad_fd(fd))?;
        // Keep `entries` as short as the highest open fd, so `free` stays small. The highest
        // fd (what a program that opens and closes one file at a time closes) is dropped
        // from `entries` without a round trip through `free`.
        if fd as usize + 1 == self.entries.len() {
            self.entries.pop();
        } else {
            self.free.insert(fd);
        }
        while let Some(None) = self.entries.last() {
            let last = self.entries.len() as u32 - 1;
            self.entries.pop();
            self.free.remove(&last);
        }
        Ok(taken)
    }
}

fn dir_is_not_a_file(fd: u32) -> Error {
    Error::new(Errno::Badf).context(format_args!("fd {fd} is a directory"))
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

    /// A file whose I/O never waits (a stand-in for a regular file).
    struct Still;

    impl WasiFile for Still {
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
        fn filetype(&self) -> Result<FileType> {
            Ok(FileType::RegularFile)
        }
        fn io_never_waits(&self) -> bool {
            true
        }
    }

    #[test]
    fn a_file_that_never_waits_is_lent_and_any_other_is_cloned_out_of_the_lock() {
        let table = Arc::new(FdTable::new(16));
        let still = table
            .push(Descriptor::File(FileDescriptor { file: Arc::new(Still), rights: FdRights::new(Rights::FILE, Rights::empty()) }))
            .unwrap();
        let pipe = table.push(file()).unwrap();
        // Lent: the table's reference is the only one.
        table.with_file(still, |f| Ok(assert_eq!(Arc::strong_count(&f.file), 1))).unwrap();
        // Cloned: a call that may block holds its own reference, and not the table's lock,
        // so another thread can open and close meanwhile.
        table
            .with_file(pipe, |f| {
                assert_eq!(Arc::strong_count(&f.file), 2);
                let other = Arc::clone(&table);
                std::thread::spawn(move || other.remove(other.push(file()).unwrap()).unwrap()).join().unwrap();
                Ok(())
            })
            .unwrap();
        assert_eq!(table.with_file(99, |_| Ok(())).unwrap_err().errno(), Errno::Badf);
        let dir = table.push(Descriptor::Dir(DirDescriptor {
            dir: Arc::new(EmptyDir),
            rights: FdRights::new(Rights::DIRECTORY, Rights::empty()),
            preopen_path: None,
        }));
        assert_eq!(table.with_file(dir.unwrap(), |_| Ok(())).unwrap_err().errno(), Errno::Badf);
    }

    #[test]
    fn table_refuses_to_grow_past_its_limit() {
        let table = FdTable::new(2);
        table.push(file()).unwrap();
        table.push(file()).unwrap();
        assert_eq!(table.push(file()).unwrap_err().errno(), Errno::Nfile);
        assert_eq!(table.insert_at(2, file()).err().unwrap().errno(), Errno::Badf);
    }

    /// A directory that can do nothing (the trait's defaults).
    struct EmptyDir;

    impl WasiDir for EmptyDir {
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    /// An object of unasked kind that counts the stats taken to learn it.
    struct Counted {
        filetype: FileType,
        stats: std::sync::atomic::AtomicUsize,
        opened: std::sync::OnceLock<Opened>,
    }

    impl WasiUnknownKind for Counted {
        fn filestat(&self) -> Result<Filestat> {
            self.stats.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(Filestat { filetype: self.filetype, size: 7, ..Filestat::default() })
        }
        fn resolve(self: Arc<Self>, filetype: FileType) -> Result<Opened> {
            assert_eq!(filetype, self.filetype);
            Ok(self
                .opened
                .get_or_init(|| match filetype {
                    FileType::Directory => Opened::Dir(Arc::new(EmptyDir)),
                    _ => Opened::File(Arc::new(WritePipe::new_in_memory())),
                })
                .clone())
        }
    }

    fn unknown_kind(filetype: FileType) -> Arc<Counted> {
        Arc::new(Counted { filetype, stats: 0.into(), opened: std::sync::OnceLock::new() })
    }

    fn stats(counted: &Counted) -> usize {
        counted.stats.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn push_unknown_kind(table: &FdTable, counted: &Arc<Counted>) -> u32 {
        let rights = Rights::FILE | Rights::DIRECTORY;
        table.push_opened(Opened::KindUnknown(counted.clone()), rights, rights).unwrap()
    }

    #[test]
    fn an_object_of_unasked_kind_is_closed_without_a_stat() {
        let table = FdTable::new(16);
        let counted = unknown_kind(FileType::RegularFile);
        let fd = push_unknown_kind(&table, &counted);
        table.remove(fd).unwrap();
        assert_eq!(stats(&counted), 0);
        assert_eq!(table.get(fd).err().unwrap().errno(), Errno::Badf);
    }

    #[test]
    fn the_stat_that_learns_the_kind_is_the_one_fd_filestat_get_answers() {
        let table = FdTable::new(16);
        let counted = unknown_kind(FileType::RegularFile);
        let fd = push_unknown_kind(&table, &counted);
        let (descriptor, stat) = table.get_with_stat(fd).unwrap();
        assert_eq!(stat.unwrap().size, 7);
        assert!(matches!(descriptor, Descriptor::File(_)));
        assert_eq!(descriptor.rights().base, Rights::FILE, "a file keeps only file rights");
        // Known from now on: no stat for lookups of either kind, and none handed out again.
        assert!(table.get_with_stat(fd).unwrap().1.is_none());
        table.file(fd).unwrap();
        assert_eq!(table.dir(fd).err().unwrap().errno(), Errno::Notdir);
        assert_eq!(stats(&counted), 1);
    }

    #[test]
    fn each_kind_of_lookup_learns_the_kind_once() {
        let table = FdTable::new(16);
        let dir = unknown_kind(FileType::Directory);
        let fd = push_unknown_kind(&table, &dir);
        assert_eq!(table.file(fd).err().unwrap().errno(), Errno::Badf);
        let found = table.dir(fd).unwrap();
        assert_eq!(found.rights.base, Rights::DIRECTORY);
        assert_eq!(found.rights.inheriting, Rights::FILE | Rights::DIRECTORY);
        assert_eq!(stats(&dir), 1);

        let file = unknown_kind(FileType::RegularFile);
        let fd = push_unknown_kind(&table, &file);
        table.update(fd, |descriptor| {
            assert!(matches!(descriptor, Descriptor::File(_)));
            Ok(())
        })
        .unwrap();
        table.file(fd).unwrap();
        assert_eq!(stats(&file), 1);
    }

    #[test]
    fn renumbering_moves_an_object_of_unasked_kind_without_a_stat() {
        let table = FdTable::new(16);
        let counted = unknown_kind(FileType::Directory);
        let target = table.push(file()).unwrap();
        let fd = push_unknown_kind(&table, &counted);
        table.renumber(fd, target, RenumberTarget::Open).unwrap();
        assert_eq!(stats(&counted), 0);
        table.dir(target).unwrap();
        assert_eq!(table.get(fd).err().unwrap().errno(), Errno::Badf);
        assert_eq!(stats(&counted), 1);
    }

    #[test]
    fn renumber_onto_an_unused_number_is_badf_and_changes_nothing() {
        let table = FdTable::new(16);
        for _ in 0..3 {
            table.push(file()).unwrap();
        }
        assert_eq!(table.renumber(1, 6, RenumberTarget::Open).unwrap_err().errno(), Errno::Badf);
        assert_eq!(table.fds(), vec![0, 1, 2]);
        assert_eq!(table.renumber(7, 1, RenumberTarget::Open).unwrap_err().errno(), Errno::Badf);
        assert_eq!(table.fds(), vec![0, 1, 2]);
        table.renumber(1, 1, RenumberTarget::Open).unwrap();
        table.renumber(2, 0, RenumberTarget::Open).unwrap();
        assert_eq!(table.fds(), vec![0, 1]);
    }

    #[test]
    fn renumber_onto_an_unused_number_moves_like_dup2_when_asked() {
        let table = FdTable::new(16);
        for _ in 0..3 {
            table.push(file()).unwrap();
        }
        table.renumber(1, 6, RenumberTarget::AnyNumber).unwrap();
        assert!(table.get(1).is_err());
        assert!(table.get(6).is_ok());
        // The holes left below 6 are handed out lowest first.
        assert_eq!(table.push(file()).unwrap(), 1);
        assert_eq!(table.push(file()).unwrap(), 3);
        table.renumber(6, 1, RenumberTarget::AnyNumber).unwrap();
        assert!(table.get(6).is_err());
        assert_eq!(table.fds(), vec![0, 1, 2, 3]);
        assert_eq!(table.push(file()).unwrap(), 4);
    }
}
