//! Clocks: the four WASI clocks as replaceable objects.
//!
//! Each clock reports time as a [`Duration`] from its own origin: the Unix epoch for realtime,
//! an arbitrary fixed instant for the others. Embedders replace any of them (a frozen clock for
//! reproducible tests, a virtual one for simulation).

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// A source of time for one WASI clock.
pub trait WasiClock: Send + Sync + 'static {
    /// The smallest step this clock can report.
    fn resolution(&self) -> Duration;
    /// The time now, from this clock's origin. `None` if it cannot be represented (a realtime
    /// clock set before 1970).
    fn now(&self) -> Option<Duration>;
}

/// The host's wall clock, from the Unix epoch.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl WasiClock for SystemClock {
    fn resolution(&self) -> Duration {
        // std exposes no resolution query; every supported host's wall clock ticks in ns or µs.
        Duration::from_nanos(1)
    }
    fn now(&self) -> Option<Duration> {
        SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).ok()
    }
}

/// The host's monotonic clock, counted from when this value was made.
///
/// Counting from a private origin (not host boot) keeps the host's uptime from the guest.
#[derive(Clone, Copy, Debug)]
pub struct MonotonicClock {
    origin: Instant,
}

impl MonotonicClock {
    /// A monotonic clock that reads zero now.
    pub fn new() -> MonotonicClock {
        MonotonicClock { origin: Instant::now() }
    }
}

impl Default for MonotonicClock {
    fn default() -> Self {
        MonotonicClock::new()
    }
}

impl WasiClock for MonotonicClock {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }
    fn now(&self) -> Option<Duration> {
        Some(self.origin.elapsed())
    }
}

/// The clocks of one context. A CPU-time clock left as `None` answers `notsup`.
#[derive(Clone)]
pub struct WasiClocks {
    /// `realtime`.
    pub realtime: Arc<dyn WasiClock>,
    /// `monotonic`.
    pub monotonic: Arc<dyn WasiClock>,
    /// `process_cputime_id`.
    pub process_cputime: Option<Arc<dyn WasiClock>>,
    /// `thread_cputime_id`: must read the CPU time of the calling thread.
    pub thread_cputime: Option<Arc<dyn WasiClock>>,
}

impl Default for WasiClocks {
    /// std's wall and monotonic clocks; no CPU-time clocks (std has no portable source for
    /// them: `capwasi-os` provides real ones).
    fn default() -> Self {
        WasiClocks {
            realtime: Arc::new(SystemClock),
            monotonic: Arc::new(MonotonicClock::new()),
            process_cputime: None,
            thread_cputime: None,
        }
    }
}
