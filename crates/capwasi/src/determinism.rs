//! Deterministic runs: the same program, inputs and seed give the same bytes out.
//!
//! [`WasiCtxBuilder::deterministic`](crate::WasiCtxBuilder::deterministic) installs:
//! - virtual time: the realtime clock starts at 2000-01-01T00:00:00Z, and every clock (realtime,
//!   monotonic, both CPU-time clocks) advances by a fixed step per read and by exactly the time
//!   the guest sleeps in `poll_oneoff`, which completes at once;
//! - randomness from a seeded ChaCha12 generator;
//! - `fd_readdir` in name order, and device and inode numbers replaced by small numbers given
//!   out in the order the guest first sees them, so no host values leak and listings are
//!   stable across machines. This is a layer: the context's stdio, preopens and listeners are
//!   wrapped when it is built, and everything opened through them comes back wrapped, so the
//!   ABI never asks whether a run is deterministic and each listing lives in its descriptor.
//!
//! What stays nondeterministic: real stdin and socket timing, the host filesystem's own
//! changes, and the timestamps the host filesystem stores.

use crate::clocks::WasiClock;
use crate::dir::{OpenOptions, Opened, ReaddirEntry, ReaddirFlow, WasiDir, WasiUnknownKind};
use crate::file::{Interest, Readiness, SetTime, WasiFile};
use crate::sched::WasiSched;
use crate::types::{Advice, FdFlags, FileType, Filestat, RiFlags, RoFlags, SdFlags};
use crate::Result;
use std::any::Any;
use std::collections::HashMap;
use std::io::{IoSlice, IoSliceMut, SeekFrom};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Seconds from the Unix epoch to 2000-01-01T00:00:00Z, where virtual realtime starts.
pub const VIRTUAL_EPOCH_SECS: u64 = 946_684_800;

/// How far virtual time moves on every clock read.
pub const STEP: Duration = Duration::from_micros(1);

/// Elapsed virtual time, shared by a context's clocks and scheduler.
#[derive(Debug, Default)]
pub struct VirtualTime {
    nanos: AtomicU64,
}

impl VirtualTime {
    /// Moves time by one step and returns the new time.
    fn tick(&self) -> Duration {
        let step = STEP.as_nanos() as u64;
        Duration::from_nanos(self.nanos.fetch_add(step, Ordering::SeqCst) + step)
    }

    /// Moves time forward by `by` (a sleep that completes at once).
    pub fn advance(&self, by: Duration) {
        self.nanos.fetch_add(u64::try_from(by.as_nanos()).unwrap_or(u64::MAX), Ordering::SeqCst);
    }
}

/// A clock reading virtual time from `origin`.
#[derive(Clone, Debug)]
pub struct VirtualClock {
    time: Arc<VirtualTime>,
    origin: Duration,
}

impl VirtualClock {
    /// A clock on `time`, reading `origin` at virtual time zero.
    pub fn new(time: Arc<VirtualTime>, origin: Duration) -> VirtualClock {
        VirtualClock { time, origin }
    }
}

impl WasiClock for VirtualClock {
    fn resolution(&self) -> Duration {
        STEP
    }
    fn now(&self) -> Option<Duration> {
        Some(self.origin + self.time.tick())
    }
}

/// A scheduler on virtual time: a wait with a timeout ends at once, having moved time by the
/// timeout. A wait on descriptors alone (stdin, a socket) really waits.
#[derive(Clone, Debug)]
pub struct VirtualSched {
    time: Arc<VirtualTime>,
}

impl VirtualSched {
    /// A scheduler moving `time`.
    pub fn new(time: Arc<VirtualTime>) -> VirtualSched {
        VirtualSched { time }
    }
}

impl WasiSched for VirtualSched {
    fn sched_yield(&self) -> Result<()> {
        Ok(())
    }

    fn complete_sleep(&self, timeout: Duration) -> bool {
        self.time.advance(timeout);
        true
    }

    #[cfg(unix)]
    fn wait(&self, fds: &[crate::sched::HostWait<'_>], timeout: Option<Duration>) -> Result<()> {
        match timeout {
            Some(timeout) => {
                self.time.advance(timeout);
                Ok(())
            }
            None => crate::sched::ThreadSched.wait(fds, None),
        }
    }

    #[cfg(not(unix))]
    fn wait(&self, timeout: Option<Duration>) -> Result<()> {
        match timeout {
            Some(timeout) => {
                self.time.advance(timeout);
                Ok(())
            }
            None => crate::sched::ThreadSched.wait(None),
        }
    }
}

/// Host device and inode numbers hidden behind small numbers given out in the order the guest
/// first sees them; one per context, shared by every object it wraps.
#[derive(Debug, Default)]
pub struct Identities {
    ids: Mutex<Ids>,
}

#[derive(Debug, Default)]
struct Ids {
    devices: HashMap<u64, u64>,
    inodes: HashMap<(u64, u64), u64>,
}

impl Identities {
    /// Replaces the host device and inode numbers of `stat`.
    pub fn stat(&self, mut stat: Filestat) -> Filestat {
        let mut ids = crate::lock(&self.ids);
        let dev = stat.dev;
        let next_dev = ids.devices.len() as u64 + 1;
        stat.dev = *ids.devices.entry(dev).or_insert(next_dev);
        let next_ino = ids.inodes.len() as u64 + 1;
        stat.ino = *ids.inodes.entry((dev, stat.ino)).or_insert(next_ino);
        stat
    }

    /// `opened`, wrapped so that it and everything reached through it is virtualized too.
    pub fn wrap(self: &Arc<Self>, opened: Opened) -> Opened {
        match opened {
            Opened::File(file) => Opened::File(self.file(file)),
            Opened::Dir(dir) => Opened::Dir(self.dir(dir)),
            Opened::KindUnknown(either) => Opened::KindUnknown(Arc::new(VirtualUnknownKind { inner: either, ids: Arc::clone(self) })),
        }
    }

    /// `file` with virtual identities.
    pub fn file(self: &Arc<Self>, file: Arc<dyn WasiFile>) -> Arc<dyn WasiFile> {
        Arc::new(VirtualFile { inner: file, ids: Arc::clone(self) })
    }

    /// `dir` with virtual identities and listings in name order.
    pub fn dir(self: &Arc<Self>, dir: Arc<dyn WasiDir>) -> Arc<dyn WasiDir> {
        Arc::new(VirtualDir { inner: dir, ids: Arc::clone(self), listing: Mutex::new(None) })
    }
}

/// One entry of a sorted listing.
#[derive(Debug)]
struct Listed {
    ino: u64,
    filetype: FileType,
    name: Vec<u8>,
}

/// A directory of a deterministic run: virtual identities, and `fd_readdir` in name order
/// with cookies that are positions in the listing. The listing read by a pass is kept in the
/// object itself, so it belongs to this descriptor and dies with it.
struct VirtualDir {
    inner: Arc<dyn WasiDir>,
    ids: Arc<Identities>,
    listing: Mutex<Option<Arc<Vec<Listed>>>>,
}

impl VirtualDir {
    /// The listing sorted by name, read afresh when `cookie` is 0 (a new pass) or when this
    /// descriptor has none yet.
    fn listing(&self, cookie: u64) -> Result<Arc<Vec<Listed>>> {
        if cookie != 0
            && let Some(listing) = crate::lock(&self.listing).as_ref()
        {
            return Ok(Arc::clone(listing));
        }
        let dev = self.inner.filestat()?.dev;
        let mut entries = Vec::new();
        self.inner.readdir(0, &mut |entry: &ReaddirEntry<'_>| {
            entries.push((entry.name.to_vec(), entry.ino, entry.filetype));
            ReaddirFlow::Continue
        })?;
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let listing: Vec<Listed> = entries
            .into_iter()
            .map(|(name, ino, filetype)| {
                // Entries share their directory's device, except mount points; a listing
                // cannot tell those apart without a stat per entry, and they are rare.
                let stat = self.ids.stat(Filestat { dev, ino, ..Filestat::default() });
                Listed { ino: stat.ino, filetype, name }
            })
            .collect();
        let listing = Arc::new(listing);
        *crate::lock(&self.listing) = Some(Arc::clone(&listing));
        Ok(listing)
    }
}

impl WasiDir for VirtualDir {
    // The backend's own object, so a rename or link between two wrapped directories still
    // finds the backend's type on the other side.
    fn as_any(&self) -> &dyn Any {
        self.inner.as_any()
    }
    fn filestat(&self) -> Result<Filestat> {
        Ok(self.ids.stat(self.inner.filestat()?))
    }
    fn readdir(&self, cookie: u64, sink: &mut dyn FnMut(&ReaddirEntry<'_>) -> ReaddirFlow) -> Result<()> {
        let listing = self.listing(cookie)?;
        for (at, listed) in listing.iter().enumerate().skip(usize::try_from(cookie).unwrap_or(usize::MAX)) {
            let entry = ReaddirEntry { next: at as u64 + 1, ino: listed.ino, filetype: listed.filetype, name: &listed.name };
            if sink(&entry) == ReaddirFlow::Full {
                break;
            }
        }
        Ok(())
    }
    fn open_at(&self, path: &str, options: &OpenOptions) -> Result<Opened> {
        Ok(self.ids.wrap(self.inner.open_at(path, options)?))
    }
    fn stat_at(&self, path: &str, follow: bool) -> Result<Filestat> {
        Ok(self.ids.stat(self.inner.stat_at(path, follow)?))
    }
    fn create_dir_at(&self, path: &str) -> Result<()> {
        self.inner.create_dir_at(path)
    }
    fn remove_dir_at(&self, path: &str) -> Result<()> {
        self.inner.remove_dir_at(path)
    }
    fn unlink_file_at(&self, path: &str) -> Result<()> {
        self.inner.unlink_file_at(path)
    }
    fn read_link_at(&self, path: &str) -> Result<Vec<u8>> {
        self.inner.read_link_at(path)
    }
    fn symlink_at(&self, target: &str, path: &str) -> Result<()> {
        self.inner.symlink_at(target, path)
    }
    fn rename_at(&self, path: &str, new_dir: &dyn WasiDir, new_path: &str) -> Result<()> {
        self.inner.rename_at(path, new_dir, new_path)
    }
    fn hard_link_at(&self, path: &str, new_dir: &dyn WasiDir, new_path: &str) -> Result<()> {
        self.inner.hard_link_at(path, new_dir, new_path)
    }
    fn set_times_at(&self, path: &str, atime: SetTime, mtime: SetTime, follow: bool) -> Result<()> {
        self.inner.set_times_at(path, atime, mtime, follow)
    }
    fn set_times(&self, atime: SetTime, mtime: SetTime) -> Result<()> {
        self.inner.set_times(atime, mtime)
    }
    fn sync(&self) -> Result<()> {
        self.inner.sync()
    }
}

/// A file of a deterministic run: virtual identities; everything else is the backend's.
struct VirtualFile {
    inner: Arc<dyn WasiFile>,
    ids: Arc<Identities>,
}

impl WasiFile for VirtualFile {
    // The backend's own object: an embedder downcasting a descriptor finds its own type.
    fn as_any(&self) -> &dyn Any {
        self.inner.as_any()
    }
    fn filetype(&self) -> Result<FileType> {
        self.inner.filetype()
    }
    fn filestat(&self) -> Result<Filestat> {
        Ok(self.ids.stat(self.inner.filestat()?))
    }
    fn fdflags(&self) -> Result<FdFlags> {
        self.inner.fdflags()
    }
    fn set_fdflags(&self, flags: FdFlags) -> Result<()> {
        self.inner.set_fdflags(flags)
    }
    fn is_tty(&self) -> bool {
        self.inner.is_tty()
    }
    fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> Result<usize> {
        self.inner.read_vectored(bufs)
    }
    fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> Result<usize> {
        self.inner.write_vectored(bufs)
    }
    fn read_vectored_at(&self, bufs: &mut [IoSliceMut<'_>], offset: u64) -> Result<usize> {
        self.inner.read_vectored_at(bufs, offset)
    }
    fn write_vectored_at(&self, bufs: &[IoSlice<'_>], offset: u64) -> Result<usize> {
        self.inner.write_vectored_at(bufs, offset)
    }
    fn seek(&self, pos: SeekFrom) -> Result<u64> {
        self.inner.seek(pos)
    }
    fn advise(&self, offset: u64, len: u64, advice: Advice) -> Result<()> {
        self.inner.advise(offset, len, advice)
    }
    fn allocate(&self, offset: u64, len: u64) -> Result<()> {
        self.inner.allocate(offset, len)
    }
    fn set_size(&self, size: u64) -> Result<()> {
        self.inner.set_size(size)
    }
    fn set_times(&self, atime: SetTime, mtime: SetTime) -> Result<()> {
        self.inner.set_times(atime, mtime)
    }
    fn datasync(&self) -> Result<()> {
        self.inner.datasync()
    }
    fn sync(&self) -> Result<()> {
        self.inner.sync()
    }
    fn readiness(&self, interest: Interest) -> Result<Readiness> {
        self.inner.readiness(interest)
    }
    fn sock_accept(&self, fdflags: FdFlags) -> Result<Arc<dyn WasiFile>> {
        Ok(self.ids.file(self.inner.sock_accept(fdflags)?))
    }
    fn sock_recv(&self, bufs: &mut [IoSliceMut<'_>], flags: RiFlags) -> Result<(usize, RoFlags)> {
        self.inner.sock_recv(bufs, flags)
    }
    fn sock_send(&self, bufs: &[IoSlice<'_>]) -> Result<usize> {
        self.inner.sock_send(bufs)
    }
    fn sock_shutdown(&self, how: SdFlags) -> Result<()> {
        self.inner.sock_shutdown(how)
    }
    #[cfg(unix)]
    fn host_fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        self.inner.host_fd()
    }
}

/// An object of unknown kind in a deterministic run: its stat is virtualized, and what it
/// resolves to is wrapped.
struct VirtualUnknownKind {
    inner: Arc<dyn WasiUnknownKind>,
    ids: Arc<Identities>,
}

impl WasiUnknownKind for VirtualUnknownKind {
    fn filestat(&self) -> Result<Filestat> {
        Ok(self.ids.stat(self.inner.filestat()?))
    }
    fn resolve(self: Arc<Self>, filetype: FileType) -> Result<Opened> {
        Ok(self.ids.wrap(Arc::clone(&self.inner).resolve(filetype)?))
    }
}
