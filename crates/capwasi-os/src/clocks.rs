//! CPU-time clocks, read from the host kernel.

use capwasi::clocks::WasiClock;
use rustix::time::{clock_getres, clock_gettime, ClockId, Timespec};
use std::time::Duration;

/// CPU time consumed by the whole host process (every guest thread included).
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcessCpuClock;

/// CPU time consumed by the calling host thread. Each wasi-threads guest thread runs on its
/// own host thread, so this is the guest thread's own CPU time.
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadCpuClock;

impl WasiClock for ProcessCpuClock {
    fn resolution(&self) -> Duration {
        duration(clock_getres(ClockId::ProcessCPUTime))
    }
    fn now(&self) -> Option<Duration> {
        Some(duration(clock_gettime(ClockId::ProcessCPUTime)))
    }
}

impl WasiClock for ThreadCpuClock {
    fn resolution(&self) -> Duration {
        duration(clock_getres(ClockId::ThreadCPUTime))
    }
    fn now(&self) -> Option<Duration> {
        Some(duration(clock_gettime(ClockId::ThreadCPUTime)))
    }
}

fn duration(ts: Timespec) -> Duration {
    Duration::new(ts.tv_sec.max(0) as u64, ts.tv_nsec.clamp(0, 999_999_999) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_cpu_time_advances_with_work() {
        let before = ThreadCpuClock.now().unwrap();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        let after = ThreadCpuClock.now().unwrap();
        assert!(after > before, "{before:?} -> {after:?}");
        assert!(ProcessCpuClock.now().unwrap() >= after - before);
        assert!(ThreadCpuClock.resolution() > Duration::ZERO);
    }
}
