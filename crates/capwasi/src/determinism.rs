//! Deterministic runs: the same program, inputs and seed give the same bytes out.
//!
//! [`WasiCtxBuilder::deterministic`](crate::WasiCtxBuilder::deterministic) installs:
//! - virtual time: the realtime clock starts at 2000-01-01T00:00:00Z, and every clock (realtime,
//!   monotonic, both CPU-time clocks) advances by a fixed step per read and by exactly the time
//!   the guest sleeps in `poll_oneoff`, which completes at once;
//! - randomness from a seeded ChaCha12 generator;
//! - `fd_readdir` in name order, and device and inode numbers replaced by small numbers given
//!   out in the order the guest first sees them, so no host values leak and listings are
//!   stable across machines.
//!
//! What stays nondeterministic: real stdin and socket timing, the host filesystem's own
//! changes, and the timestamps the host filesystem stores.

use crate::clocks::WasiClock;
use crate::dir::{ReaddirEntry, ReaddirFlow, WasiDir};
use crate::sched::WasiSched;
use crate::types::{FileType, Filestat};
use crate::Result;
use std::collections::HashMap;
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

/// Host identities hidden behind stable small numbers, and listings in name order.
#[derive(Debug, Default)]
pub struct Virtualizer {
    ids: Mutex<Ids>,
    listings: Mutex<HashMap<u32, Arc<Vec<Listed>>>>,
}

#[derive(Debug, Default)]
struct Ids {
    devices: HashMap<u64, u64>,
    inodes: HashMap<(u64, u64), u64>,
}

/// One entry of a sorted listing.
#[derive(Debug)]
pub struct Listed {
    /// Virtual inode number.
    pub ino: u64,
    /// Kind of the entry.
    pub filetype: FileType,
    /// Name bytes.
    pub name: Vec<u8>,
}

impl Virtualizer {
    /// Replaces the host device and inode numbers of `stat`.
    pub fn stat(&self, stat: &mut Filestat) {
        let mut ids = crate::lock(&self.ids);
        let dev = stat.dev;
        let next_dev = ids.devices.len() as u64 + 1;
        stat.dev = *ids.devices.entry(dev).or_insert(next_dev);
        let next_ino = ids.inodes.len() as u64 + 1;
        stat.ino = *ids.inodes.entry((dev, stat.ino)).or_insert(next_ino);
    }

    /// The listing of directory `fd` sorted by name, read afresh when `cookie` is 0 (a new
    /// pass) or when none is kept for `fd`. Cookies are positions in it.
    pub fn listing(&self, fd: u32, cookie: u64, dir: &dyn WasiDir) -> Result<Arc<Vec<Listed>>> {
        if cookie != 0
            && let Some(listing) = crate::lock(&self.listings).get(&fd)
        {
            return Ok(Arc::clone(listing));
        }
        let dev = dir.filestat()?.dev;
        let mut entries = Vec::new();
        dir.readdir(0, &mut |entry: &ReaddirEntry<'_>| {
            entries.push((entry.name.to_vec(), entry.ino, entry.filetype));
            ReaddirFlow::Continue
        })?;
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let listing: Vec<Listed> = entries
            .into_iter()
            .map(|(name, ino, filetype)| {
                // Entries share their directory's device, except mount points; a listing
                // cannot tell those apart without a stat per entry, and they are rare.
                let mut stat = Filestat { dev, ino, ..Filestat::default() };
                self.stat(&mut stat);
                Listed { ino: stat.ino, filetype, name }
            })
            .collect();
        let listing = Arc::new(listing);
        crate::lock(&self.listings).insert(fd, Arc::clone(&listing));
        Ok(listing)
    }
}
