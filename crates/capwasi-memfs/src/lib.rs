//! capwasi-memfs: an in-memory filesystem for capwasi guests.
//!
//! A [`MemFs`] holds directories, regular files, symlinks and hard links in host memory.
//! Hand its [`MemFs::root`] (or any [`MemFs::open_dir`]) to
//! [`capwasi::WasiCtxBuilder::preopened_dir`] and the guest sees an ordinary directory:
//! inode numbers, link counts, timestamps, `fd_readdir` cookies that stay valid while
//! entries come and go, rename and link with POSIX semantics, and the same confinement as
//! the OS backend (`..`, absolute symlinks and symlinks that climb out answer `perm`).
//!
//! It is shareable across the threads of a wasi-threads program: one lock serialises
//! changes to names (so a rename is atomic), and each file's bytes have their own.
//!
//! The host fills it before the run and reads it after: from and to a host directory
//! ([`MemFs::load_dir`], [`MemFs::save_dir`]) or a tar archive ([`MemFs::load_tar`],
//! [`MemFs::save_tar`]), or file by file ([`MemFs::write_file`], [`MemFs::read_file`]).
//!
//! ```
//! use capwasi::WasiCtx;
//! use capwasi_memfs::MemFs;
//!
//! let fs = MemFs::new();
//! fs.create_dir_all("data")?;
//! fs.write_file("data/input.txt", b"hello")?;
//! let ctx = WasiCtx::builder().preopened_dir(fs.root(), "/").build()?;
//! // ... run the guest with `ctx`, then:
//! assert_eq!(fs.read_file("data/input.txt")?, b"hello");
//! # drop(ctx);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Differences from a host filesystem, by design: there are no permission bits (WASI
//! preview 1 has none; what a guest may do is decided by descriptor rights), reads do not
//! move access times (as with `noatime`), and the bytes held are bounded by a capacity
//! (writes beyond it answer `nospc`, never exhaust the host).
#![deny(missing_docs)]

mod archive;
mod dir;
mod file;
mod host;
mod node;
mod resolve;

pub use dir::MemDir;
pub use file::MemFile;

use capwasi::clocks::{SystemClock, WasiClock};
use capwasi::file::SetTime;
use capwasi::{Errno, Error, Result};
use node::{FileData, InodeCounter, Kind, Node, Quota};
use resolve::{resolve, Last};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Bytes of file content a filesystem holds at most unless told otherwise.
pub const DEFAULT_CAPACITY: u64 = 1 << 30;

/// An in-memory filesystem. Clones share the same tree.
#[derive(Clone)]
pub struct MemFs {
    inner: Arc<FsInner>,
}

/// Builds a [`MemFs`] with a capacity or clock other than the defaults.
pub struct MemFsBuilder {
    capacity: u64,
    clock: Arc<dyn WasiClock>,
}

impl MemFsBuilder {
    /// Most bytes of file content the filesystem holds (default [`DEFAULT_CAPACITY`]).
    pub fn capacity(mut self, bytes: u64) -> Self {
        self.capacity = bytes;
        self
    }

    /// The realtime clock that stamps changes (default: the host's). Give it the guest's
    /// realtime clock so a deterministic run also gets deterministic file times.
    pub fn clock(mut self, clock: Arc<dyn WasiClock>) -> Self {
        self.clock = clock;
        self
    }

    /// An empty filesystem: a root directory and nothing in it.
    pub fn build(self) -> MemFs {
        static DEVICES: AtomicU64 = AtomicU64::new(1);
        let inodes = InodeCounter::new();
        let now = nanos(&*self.clock);
        let root = Arc::new(Node::new_dir(inodes.next(), std::sync::Weak::new(), now));
        root.meta().nlink = 2;
        let inner = FsInner {
            namespace: Mutex::new(()),
            inodes,
            // Distinct per filesystem, so `dev` tells two of them apart as it would two mounts.
            dev: 0x6d65_6d00 + DEVICES.fetch_add(1, Ordering::Relaxed),
            clock: self.clock,
            quota: Arc::new(Quota::new(self.capacity)),
            root,
        };
        MemFs { inner: Arc::new(inner) }
    }
}

impl Default for MemFs {
    fn default() -> Self {
        MemFs::new()
    }
}

impl MemFs {
    /// An empty filesystem with the default capacity and the host's clock.
    pub fn new() -> MemFs {
        MemFs::builder().build()
    }

    /// A builder for a filesystem with another capacity or clock.
    pub fn builder() -> MemFsBuilder {
        MemFsBuilder { capacity: DEFAULT_CAPACITY, clock: Arc::new(SystemClock) }
    }

    /// The root directory, to preopen.
    pub fn root(&self) -> MemDir {
        MemDir { fs: Arc::clone(&self.inner), node: Arc::clone(&self.inner.root) }
    }

    /// The directory at `path` (relative to the root), to preopen a subtree only.
    pub fn open_dir(&self, path: &str) -> Result<MemDir> {
        let _ns = self.inner.namespace();
        let found = resolve(&self.inner.root, path, Last::Follow)?;
        let node = Arc::clone(found.existing()?);
        if !node.is_dir() {
            return Err(Error::new(Errno::Notdir));
        }
        Ok(MemDir { fs: Arc::clone(&self.inner), node })
    }

    /// Creates directory `path` and any missing parents.
    pub fn create_dir_all(&self, path: &str) -> Result<()> {
        let _ns = self.inner.namespace();
        self.inner.ensure_dir(&self.inner.root, path.split('/').filter(|c| !c.is_empty() && *c != "."))?;
        Ok(())
    }

    /// Creates or replaces the regular file at `path` with `bytes`; its directory must exist.
    pub fn write_file(&self, path: &str, bytes: impl Into<Vec<u8>>) -> Result<()> {
        let _ns = self.inner.namespace();
        let found = resolve(&self.inner.root, path, Last::Follow)?;
        match &found.node {
            Some(node) => {
                let (mut content, quota) = node.content_mut().ok_or_else(|| Error::new(Errno::Isdir))?;
                content.replace(quota, bytes.into())?;
                drop(content);
                node.touch_modified(self.inner.now());
            }
            None => {
                let name = found.name(Errno::Exist)?;
                let node = self.inner.new_file(bytes.into())?;
                self.inner.link(&found.parent, name, &node);
            }
        }
        Ok(())
    }

    /// The bytes of the regular file at `path`.
    pub fn read_file(&self, path: &str) -> Result<Vec<u8>> {
        let _ns = self.inner.namespace();
        let found = resolve(&self.inner.root, path, Last::Follow)?;
        let content = found.existing()?.content().ok_or_else(|| Error::new(Errno::Isdir))?.to_vec();
        Ok(content)
    }

    /// Bytes of file content held now (files unlinked but still open included).
    pub fn used_bytes(&self) -> u64 {
        self.inner.quota.used()
    }

    /// The most bytes of file content this filesystem will hold.
    pub fn capacity(&self) -> u64 {
        self.inner.quota.capacity()
    }
}

/// The state every handle of one filesystem shares.
pub(crate) struct FsInner {
    /// Held by every call that resolves or changes names, so each sees and leaves one
    /// consistent tree (a rename checks and moves under the same hold).
    namespace: Mutex<()>,
    inodes: InodeCounter,
    dev: u64,
    clock: Arc<dyn WasiClock>,
    quota: Arc<Quota>,
    root: Arc<Node>,
}

impl FsInner {
    fn namespace(&self) -> MutexGuard<'_, ()> {
        self.namespace.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now(&self) -> u64 {
        nanos(&*self.clock)
    }

    fn new_file(&self, bytes: Vec<u8>) -> Result<Arc<Node>> {
        let mut content = FileData::default();
        content.replace(&self.quota, bytes)?;
        let kind = Kind::File { content: std::sync::RwLock::new(content), quota: Arc::clone(&self.quota) };
        Ok(Arc::new(Node::new(self.inodes.next(), kind, self.now())))
    }

    fn new_dir(&self, parent: &Arc<Node>) -> Arc<Node> {
        Arc::new(Node::new_dir(self.inodes.next(), Arc::downgrade(parent), self.now()))
    }

    fn new_symlink(&self, target: &str) -> Arc<Node> {
        Arc::new(Node::new(self.inodes.next(), Kind::Symlink(target.into()), self.now()))
    }

    /// Adds `node` to `parent` as `name` (which the caller has checked is free).
    fn link(&self, parent: &Arc<Node>, name: &str, node: &Arc<Node>) {
        let now = self.now();
        parent.dir().expect("parents are directories").insert(name, Arc::clone(node));
        if node.is_dir() {
            node.meta().nlink = 2;
            parent.meta().nlink += 1;
        } else {
            node.meta().nlink += 1;
        }
        node.touch_changed(now);
        parent.touch_modified(now);
    }

    /// Removes entry `name` of `parent`; a removed directory takes no new entries.
    fn unlink(&self, parent: &Arc<Node>, name: &str) {
        let now = self.now();
        let Some(node) = parent.dir().expect("parents are directories").remove(name) else { return };
        if let Ok(mut data) = node.dir() {
            data.removed = true;
            drop(data);
            node.meta().nlink = 0;
            parent.meta().nlink -= 1;
        } else {
            node.meta().nlink -= 1;
        }
        node.touch_changed(now);
        parent.touch_modified(now);
    }

    /// Moves `node` from `from/from_name` to `to/to_name` (free by now).
    fn move_entry(&self, from: &Arc<Node>, from_name: &str, to: &Arc<Node>, to_name: &str, node: &Arc<Node>) {
        let now = self.now();
        from.dir().expect("parents are directories").remove(from_name);
        to.dir().expect("parents are directories").insert(to_name, Arc::clone(node));
        if let Ok(mut data) = node.dir()
            && !Arc::ptr_eq(from, to)
        {
            data.parent = Arc::downgrade(to);
            drop(data);
            from.meta().nlink -= 1;
            to.meta().nlink += 1;
        }
        node.touch_changed(now);
        from.touch_modified(now);
        to.touch_modified(now);
    }

    fn set_times(&self, node: &Node, atime: SetTime, mtime: SetTime) -> Result<()> {
        let now = self.now();
        let (atime, mtime) = (stamp(atime, now)?, stamp(mtime, now)?);
        let mut meta = node.meta();
        if let Some(at) = atime {
            meta.atim = at;
            meta.atim_set = true;
        }
        if let Some(at) = mtime {
            meta.mtim = at;
        }
        meta.ctim = now;
        Ok(())
    }

    /// The directory reached by following `components` from `from`, creating what is
    /// missing; symlinks are never followed (host-side loading must not be redirected).
    fn ensure_dir<'a>(&self, from: &Arc<Node>, components: impl IntoIterator<Item = &'a str>) -> Result<Arc<Node>> {
        let mut dir = Arc::clone(from);
        for name in components {
            if name == ".." || name.len() > node::NAME_MAX {
                return Err(Error::new(Errno::Inval).context(format_args!("bad path component {name:?}")));
            }
            let existing = dir.dir()?.get(name).cloned();
            dir = match existing {
                Some(child) if child.is_dir() => child,
                Some(_) => return Err(Error::new(Errno::Notdir).context(format_args!("{name:?} is not a directory"))),
                None => {
                    let child = self.new_dir(&dir);
                    self.link(&dir, name, &child);
                    child
                }
            };
        }
        Ok(dir)
    }
}

fn nanos(clock: &dyn WasiClock) -> u64 {
    clock.now().map_or(0, |since| u64::try_from(since.as_nanos()).unwrap_or(u64::MAX))
}

fn stamp(time: SetTime, now: u64) -> Result<Option<u64>> {
    Ok(match time {
        SetTime::Keep => None,
        SetTime::Now => Some(now),
        SetTime::At(at) => {
            let since = at.duration_since(std::time::UNIX_EPOCH).map_err(|_| Error::new(Errno::Inval))?;
            Some(u64::try_from(since.as_nanos()).map_err(|_| Error::new(Errno::Overflow))?)
        }
    })
}
