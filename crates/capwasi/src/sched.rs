//! Scheduling: `sched_yield` and the waiting behind `poll_oneoff`, as a replaceable object.

use crate::file::Interest;
use crate::Result;
use std::time::Duration;

/// A host descriptor `poll_oneoff` is waiting on.
#[cfg(unix)]
#[derive(Clone, Copy, Debug)]
pub struct HostWait<'a> {
    /// The descriptor.
    pub fd: std::os::fd::BorrowedFd<'a>,
    /// What to wait for.
    pub interest: Interest,
}

/// How a context yields and waits. Embedders replace it to run guests on virtual time or on
/// their own executor.
pub trait WasiSched: Send + Sync + 'static {
    /// Gives up the rest of the calling thread's time slice.
    fn sched_yield(&self) -> Result<()>;

    /// Blocks until one of `fds` is ready or `timeout` passes (`None`: no limit). Spurious
    /// returns are allowed: the caller checks readiness again.
    #[cfg(unix)]
    fn wait(&self, fds: &[HostWait<'_>], timeout: Option<Duration>) -> Result<()>;

    /// Blocks for `timeout` (`None`: no limit).
    #[cfg(not(unix))]
    fn wait(&self, timeout: Option<Duration>) -> Result<()>;

    /// For schedulers on virtual time: completes a sleep of `timeout` at once (moving their
    /// clocks) and returns true. An async engine asks this before sleeping on its own timer,
    /// which would otherwise wait in real time for a deadline only virtual time can reach.
    fn complete_sleep(&self, _timeout: Duration) -> bool {
        false
    }
}

/// Scheduling on the calling host thread: `poll(2)` for descriptors, a plain sleep otherwise.
/// One syscall per wait, no helper threads.
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadSched;

impl WasiSched for ThreadSched {
    fn sched_yield(&self) -> Result<()> {
        std::thread::yield_now();
        Ok(())
    }

    #[cfg(unix)]
    fn wait(&self, fds: &[HostWait<'_>], timeout: Option<Duration>) -> Result<()> {
        use rustix::event::{poll, PollFd, PollFlags, Timespec};
        if fds.is_empty() {
            match timeout {
                Some(timeout) => std::thread::sleep(timeout),
                // `poll_oneoff` refuses such a wait before it gets here; a direct caller gets
                // an error rather than a thread parked for good.
                None => return Err(crate::Error::new(crate::Errno::Inval).context("a wait on nothing, forever")),
            }
            return Ok(());
        }
        let mut pollfds: smallvec::SmallVec<[PollFd<'_>; 8]> = fds
            .iter()
            .map(|w| {
                let flags = match w.interest {
                    Interest::Read => PollFlags::IN,
                    Interest::Write => PollFlags::OUT,
                };
                PollFd::from_borrowed_fd(w.fd, flags)
            })
            .collect();
        let timespec = timeout.map(|t| Timespec {
            tv_sec: i64::try_from(t.as_secs()).unwrap_or(i64::MAX),
            tv_nsec: t.subsec_nanos().into(),
        });
        match poll(&mut pollfds, timespec.as_ref()) {
            Ok(_) | Err(rustix::io::Errno::INTR) => Ok(()),
            Err(err) => Err(crate::Error::from_raw_os_error(err.raw_os_error())),
        }
    }

    #[cfg(not(unix))]
    fn wait(&self, timeout: Option<Duration>) -> Result<()> {
        match timeout {
            Some(timeout) => std::thread::sleep(timeout),
            None => return Err(crate::Error::new(crate::Errno::Inval).context("a wait on nothing, forever")),
        }
        Ok(())
    }
}
