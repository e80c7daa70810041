//! The tree: inodes, directory entries, timestamps and the byte quota.

use capwasi::types::{FileType, Filestat};
use capwasi::{Errno, Error, Result};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};

/// The first cookie after `.` and `..`: entries are numbered from here in insertion order.
pub(crate) const FIRST_ENTRY_COOKIE: u64 = 2;

/// Longest name one directory entry may have (Linux's `NAME_MAX`).
pub(crate) const NAME_MAX: usize = 255;

/// One inode: a file, a directory or a symlink, shared by every entry (hard link) and every
/// open descriptor that refers to it.
pub(crate) struct Node {
    pub ino: u64,
    pub kind: Kind,
    meta: Mutex<Meta>,
}

pub(crate) enum Kind {
    /// A regular file's bytes; the quota is credited back when the last reference goes.
    File { content: RwLock<FileData>, quota: Arc<Quota> },
    Dir(Mutex<DirData>),
    Symlink(Box<str>),
}

/// Times in nanoseconds since the Unix epoch, and the link count.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Meta {
    pub nlink: u64,
    pub atim: u64,
    pub mtim: u64,
    pub ctim: u64,
    /// The access time was set in memory (by the guest, or at creation), not just loaded
    /// from a host file: saving copies it back only then, since the host's own access time
    /// moves with every host-side read and memory does not track reads.
    pub atim_set: bool,
    /// The host file this node was loaded from (device, inode), if any.
    pub origin: Option<(u64, u64)>,
    /// The content changed since the node was loaded (always true for a node made here).
    pub content_changed: bool,
}

/// A directory's entries, numbered in insertion order so that a listing's cookies stay valid
/// while entries are added or removed: a cookie is "the entry after number N", and numbers
/// are never reused.
pub(crate) struct DirData {
    by_seq: BTreeMap<u64, Entry>,
    by_name: HashMap<Box<str>, u64>,
    next_seq: u64,
    /// The directory holding this one; dangling for a filesystem root.
    pub parent: Weak<Node>,
    /// Set once the directory is removed: nothing may be created in it any more.
    pub removed: bool,
}

#[derive(Clone)]
pub(crate) struct Entry {
    pub name: Box<str>,
    pub node: Arc<Node>,
}

/// Bytes of file content the filesystem may hold, shared by all its files.
pub(crate) struct Quota {
    used: AtomicU64,
    capacity: u64,
}

impl Quota {
    pub fn new(capacity: u64) -> Quota {
        Quota { used: AtomicU64::new(0), capacity }
    }

    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Takes `bytes` from the quota, or answers `nospc` and takes nothing.
    fn charge(&self, bytes: u64) -> Result<()> {
        self.used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(bytes).filter(|&total| total <= self.capacity)
            })
            .map(drop)
            .map_err(|_| Error::new(Errno::Nospc).context("in-memory filesystem is full"))
    }

    fn credit(&self, bytes: u64) {
        self.used.fetch_sub(bytes, Ordering::Relaxed);
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Kind::File { content, quota } = &self.kind {
            let held = content.read().unwrap_or_else(|e| e.into_inner()).bytes.len();
            quota.credit(held as u64);
        }
    }
}

impl Node {
    pub fn new(ino: u64, kind: Kind, now: u64) -> Node {
        Node { ino, kind, meta: Mutex::new(Meta { nlink: 0, atim: now, mtim: now, ctim: now, atim_set: true, origin: None, content_changed: true }) }
    }

    pub fn new_dir(ino: u64, parent: Weak<Node>, now: u64) -> Node {
        let data = DirData {
            by_seq: BTreeMap::new(),
            by_name: HashMap::new(),
            next_seq: FIRST_ENTRY_COOKIE,
            parent,
            removed: false,
        };
        Node::new(ino, Kind::Dir(Mutex::new(data)), now)
    }

    pub fn meta(&self) -> MutexGuard<'_, Meta> {
        self.meta.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn filetype(&self) -> FileType {
        match self.kind {
            Kind::File { .. } => FileType::RegularFile,
            Kind::Dir(_) => FileType::Directory,
            Kind::Symlink(_) => FileType::SymbolicLink,
        }
    }

    pub fn is_dir(&self) -> bool {
        matches!(self.kind, Kind::Dir(_))
    }

    /// The directory's entries, or `notdir`.
    pub fn dir(&self) -> Result<MutexGuard<'_, DirData>> {
        match &self.kind {
            Kind::Dir(data) => Ok(data.lock().unwrap_or_else(|e| e.into_inner())),
            _ => Err(Error::new(Errno::Notdir)),
        }
    }

    pub fn content(&self) -> Option<RwLockReadGuard<'_, FileData>> {
        match &self.kind {
            Kind::File { content, .. } => Some(content.read().unwrap_or_else(|e| e.into_inner())),
            _ => None,
        }
    }

    pub fn content_mut(&self) -> Option<(RwLockWriteGuard<'_, FileData>, &Quota)> {
        match &self.kind {
            Kind::File { content, quota } => Some((content.write().unwrap_or_else(|e| e.into_inner()), quota)),
            _ => None,
        }
    }

    pub fn filestat(&self, dev: u64) -> Filestat {
        let size = match &self.kind {
            Kind::File { content, .. } => content.read().unwrap_or_else(|e| e.into_inner()).len(),
            // What tmpfs reports is no more meaningful; the number of entries at least moves
            // when the directory changes.
            Kind::Dir(data) => data.lock().unwrap_or_else(|e| e.into_inner()).len() as u64,
            Kind::Symlink(target) => target.len() as u64,
        };
        let meta = *self.meta();
        Filestat {
            dev,
            ino: self.ino,
            filetype: self.filetype(),
            nlink: meta.nlink,
            size,
            atim: meta.atim,
            mtim: meta.mtim,
            ctim: meta.ctim,
        }
    }

    /// Records a change of content: modification and status-change times move.
    pub fn touch_modified(&self, now: u64) {
        let mut meta = self.meta();
        meta.mtim = now;
        meta.ctim = now;
        meta.content_changed = true;
    }

    /// Records a change of metadata only (links, times, name).
    pub fn touch_changed(&self, now: u64) {
        self.meta().ctim = now;
    }
}

/// A regular file's content: the bytes held, then (up to `size`) a hole that reads as zeros,
/// so extending a file with `fd_filestat_set_size` costs nothing until it is written, as on
/// a host filesystem with sparse files.
#[derive(Default)]
pub(crate) struct FileData {
    bytes: Vec<u8>,
    size: u64,
}

impl FileData {
    /// The file size, hole included.
    pub fn len(&self) -> u64 {
        self.size
    }

    /// The bytes held; the rest, up to [`FileData::len`], reads as zeros.
    pub fn stored(&self) -> &[u8] {
        &self.bytes
    }

    /// The whole content, hole filled with zeros.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut all = self.bytes.clone();
        all.resize(self.size as usize, 0);
        all
    }

    /// Reads from `offset` into `bufs`; returns the count (0 at or past the end).
    pub fn read_at(&self, bufs: &mut [std::io::IoSliceMut<'_>], offset: u64) -> usize {
        let mut at = offset.min(self.size);
        let start = at;
        for buf in bufs {
            let n = (buf.len() as u64).min(self.size - at) as usize;
            // Past the bytes held (in the hole) nothing is copied, only zeros.
            let from = (at as usize).min(self.bytes.len());
            let (held, hole) = buf[..n].split_at_mut((self.bytes.len() - from).min(n));
            held.copy_from_slice(&self.bytes[from..from + held.len()]);
            hole.fill(0);
            at += n as u64;
            if at == self.size {
                break;
            }
        }
        (at - start) as usize
    }

    /// Writes `bufs` at `offset`, growing the file as needed; returns where the write ended.
    /// Growth of the bytes held is charged to `quota` before any byte moves.
    pub fn write_at(&mut self, quota: &Quota, bufs: &[std::io::IoSlice<'_>], offset: u64) -> Result<u64> {
        let total = bufs.iter().try_fold(0u64, |sum, buf| sum.checked_add(buf.len() as u64)).ok_or_else(|| Error::new(Errno::Fbig))?;
        if total == 0 {
            return Ok(offset);
        }
        let end = offset.checked_add(total).filter(|&end| end <= i64::MAX as u64).ok_or_else(|| Error::new(Errno::Fbig))?;
        if end > self.bytes.len() as u64 {
            self.hold(quota, end)?;
        }
        let mut at = offset as usize;
        for buf in bufs {
            self.bytes[at..at + buf.len()].copy_from_slice(buf);
            at += buf.len();
        }
        self.size = self.size.max(end);
        Ok(end)
    }

    /// Truncates or extends (with a hole) to `len` bytes.
    pub fn set_len(&mut self, quota: &Quota, len: u64) -> Result<()> {
        if len > i64::MAX as u64 {
            return Err(Error::new(Errno::Inval).context("size past i64::MAX"));
        }
        if len < self.bytes.len() as u64 {
            quota.credit(self.bytes.len() as u64 - len);
            self.bytes.truncate(len as usize);
            self.bytes.shrink_to_fit();
        }
        self.size = len;
        Ok(())
    }

    /// Backs `..end` with bytes held (not a hole), growing the file if needed, so later
    /// writes there cannot fail for lack of space (`posix_fallocate`).
    pub fn allocate(&mut self, quota: &Quota, end: u64) -> Result<()> {
        if end > self.bytes.len() as u64 {
            self.hold(quota, end)?;
        }
        self.size = self.size.max(end);
        Ok(())
    }

    /// Replaces the whole content.
    pub fn replace(&mut self, quota: &Quota, bytes: Vec<u8>) -> Result<()> {
        // Only the difference is charged: the old bytes are given back in the same step.
        let (new, old) = (bytes.len() as u64, self.bytes.len() as u64);
        if new > old {
            quota.charge(new - old)?;
        } else {
            quota.credit(old - new);
        }
        self.size = bytes.len() as u64;
        self.bytes = bytes;
        Ok(())
    }

    /// Grows the bytes held to `len`, zero-filled; `nospc` if the quota or the host
    /// allocator cannot cover it (the file is then unchanged).
    fn hold(&mut self, quota: &Quota, len: u64) -> Result<()> {
        let len_usize = usize::try_from(len).map_err(|_| Error::new(Errno::Fbig))?;
        let growth = len - self.bytes.len() as u64;
        quota.charge(growth)?;
        if self.bytes.try_reserve_exact(growth as usize).is_err() {
            quota.credit(growth);
            return Err(Error::new(Errno::Nospc).context("host memory exhausted"));
        }
        self.bytes.resize(len_usize, 0);
        Ok(())
    }
}

impl DirData {
    pub fn get(&self, name: &str) -> Option<&Arc<Node>> {
        self.by_name.get(name).map(|seq| &self.by_seq[seq].node)
    }

    pub fn len(&self) -> usize {
        self.by_seq.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_seq.is_empty()
    }

    /// Adds an entry at the end of the listing. The caller has checked the name is free.
    pub fn insert(&mut self, name: &str, node: Arc<Node>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.by_name.insert(name.into(), seq);
        self.by_seq.insert(seq, Entry { name: name.into(), node });
    }

    pub fn remove(&mut self, name: &str) -> Option<Arc<Node>> {
        let seq = self.by_name.remove(name)?;
        self.by_seq.remove(&seq).map(|entry| entry.node)
    }

    /// Entries whose number is at least `seq`, in listing order, with the cookie after each.
    pub fn entries_from(&self, seq: u64) -> impl Iterator<Item = (u64, &Entry)> {
        self.by_seq.range(seq.max(FIRST_ENTRY_COOKIE)..).map(|(seq, entry)| (seq + 1, entry))
    }

    /// Entries in name order (for saving, where a stable order makes archives reproducible).
    pub fn sorted(&self) -> Vec<Entry> {
        let mut entries: Vec<Entry> = self.by_seq.values().cloned().collect();
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        entries
    }
}

/// Counters shared by a filesystem: inode numbers are never reused while it lives.
pub(crate) struct InodeCounter(AtomicU64);

impl InodeCounter {
    pub fn new() -> InodeCounter {
        InodeCounter(AtomicU64::new(1))
    }
    pub fn next(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed)
    }
}
