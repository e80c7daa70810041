//! Scheduling: `sched_yield` and the waiting behind `poll_oneoff`, as a replaceable object.

use crate::Result;
use std::time::Duration;

/// How a context yields and sleeps. Embedders replace it to run guests on virtual time or on
/// their own executor.
pub trait WasiSched: Send + Sync + 'static {
    /// Gives up the rest of the calling thread's time slice.
    fn sched_yield(&self) -> Result<()>;
    /// Blocks the calling thread for `duration`.
    fn sleep(&self, duration: Duration) -> Result<()>;
}

/// Scheduling on the host's threads through std.
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadSched;

impl WasiSched for ThreadSched {
    fn sched_yield(&self) -> Result<()> {
        std::thread::yield_now();
        Ok(())
    }
    fn sleep(&self, duration: Duration) -> Result<()> {
        std::thread::sleep(duration);
        Ok(())
    }
}
