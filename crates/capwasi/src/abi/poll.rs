//! Waiting and scheduling: `poll_oneoff` and `sched_yield`.

use super::layout::{read_subscriptions, write_event, RawEvent, RawSubscribed, EVENT_SIZE};
use super::spec::ImportSpec;
use super::trace::{self, CallTrace};
use super::{AbiResult, HostOutcome, Snapshot};
use crate::clocks::WasiClock;
use crate::file::{Interest, WasiFile};
use crate::memory::GuestMemory;
use crate::sched::WasiSched;
use crate::types::{ClockId, Rights};
use crate::{Errno, Error, Result, Termination, WasiCtx};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// `poll_oneoff`: waits until at least one of `nsubscriptions` subscriptions (clocks, fd
/// readable, fd writable) is ready, writes one event per ready subscription, stores the count.
///
/// Every clock that has expired is reported, each with its userdata; a timeout of 0 polls
/// without sleeping. A bad fd, a directory, or a CPU-time clock (which cannot advance while
/// the guest waits) is an error in that subscription's event, not in the call. An empty
/// subscription list, an unknown tag, clock id or flag bit is `inval`.
pub fn poll_oneoff(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, subscriptions: u32, events: u32, nsubscriptions: u32, nevents: u32) -> AbiResult {
    poll(ctx, mem, subscriptions, events, nsubscriptions, nevents, Snapshot::Preview1)
}

/// `sched_yield`: lets other host threads run.
pub fn sched_yield(ctx: &WasiCtx, _mem: &mut GuestMemory<'_>) -> AbiResult {
    ctx.sched().sched_yield()?;
    Ok(())
}

/// A subscription still waiting to become ready.
enum Waiting {
    Clock { userdata: u64, clock: Arc<dyn WasiClock>, deadline: Duration },
    Fd { userdata: u64, kind: u8, file: Arc<dyn WasiFile>, interest: Interest },
}

/// What a [`Poller`] is waiting for when nothing is ready yet.
pub struct PollWait {
    /// Objects not ready yet, and what for. Wake when any is ready.
    pub files: Vec<(Arc<dyn WasiFile>, Interest)>,
    /// Wake after this long at the latest (the nearest clock deadline); `None`: no clock.
    pub timeout: Option<Duration>,
}

/// One `poll_oneoff` call, split so that waiting can happen outside it: the sync path waits
/// on the context's scheduler, an async engine awaits its own reactor, and neither holds the
/// guest's memory while it waits.
///
/// Built once per call (relative timeouts are fixed to deadlines then), checked until
/// something is ready, then finished into the guest's event array.
pub struct Poller {
    events: u32,
    nevents: u32,
    ready: Vec<RawEvent>,
    waiting: Vec<Waiting>,
}

impl Poller {
    /// Decodes and checks the subscriptions and result pointers; `inval` for an empty list,
    /// unknown tag, clock id or flag bit, `fault` for arrays outside memory.
    pub fn new(
        ctx: &WasiCtx,
        mem: &GuestMemory<'_>,
        subscriptions: u32,
        events: u32,
        nsubscriptions: u32,
        nevents: u32,
        snapshot: Snapshot,
    ) -> Result<Poller> {
        if nsubscriptions == 0 {
            return Err(Error::new(Errno::Inval).context("poll_oneoff with no subscriptions"));
        }
        let subs = read_subscriptions(mem, subscriptions, nsubscriptions, snapshot)?;
        mem.check_array(events, nsubscriptions, EVENT_SIZE)?;
        mem.check(nevents, 4)?;
        let mut ready = Vec::new();
        let mut waiting = Vec::with_capacity(subs.len());
        for sub in &subs {
            let userdata = sub.userdata;
            match sub.what {
                RawSubscribed::Clock { id, timeout, absolute } => match clock_deadline(ctx, id, timeout, absolute) {
                    Ok((clock, deadline)) => waiting.push(Waiting::Clock { userdata, clock, deadline }),
                    Err(err) if err.errno() == Errno::Inval => return Err(err),
                    Err(err) => ready.push(failed(userdata, 0, &err)),
                },
                RawSubscribed::FdRead(fd) | RawSubscribed::FdWrite(fd) => {
                    let (kind, interest) = match sub.what {
                        RawSubscribed::FdRead(_) => (1, Interest::Read),
                        _ => (2, Interest::Write),
                    };
                    match ctx.table.file(fd).and_then(|f| f.rights.require(Rights::POLL_FD_READWRITE).map(|()| f)) {
                        Ok(file) => waiting.push(Waiting::Fd { userdata, kind, file: file.file, interest }),
                        Err(err) => ready.push(failed(userdata, kind, &err)),
                    }
                }
            }
        }
        Ok(Poller { events, nevents, ready, waiting })
    }

    /// Records every subscription that is ready now. `None` when at least one is (the call
    /// can finish); otherwise what to wait for before checking again.
    pub fn check(&mut self) -> Option<PollWait> {
        let mut wait = PollWait { files: Vec::new(), timeout: None };
        for entry in &self.waiting {
            match entry {
                Waiting::Clock { userdata, clock, deadline } => {
                    let now = clock.now().unwrap_or_default();
                    if now >= *deadline {
                        self.ready.push(RawEvent { userdata: *userdata, error: Errno::Success, kind: 0, nbytes: 0, hangup: false });
                    } else {
                        let left = *deadline - now;
                        wait.timeout = Some(wait.timeout.map_or(left, |t| t.min(left)));
                    }
                }
                Waiting::Fd { userdata, kind, file, interest } => match file.readiness(*interest) {
                    Ok(r) if r.ready || r.hangup => self.ready.push(RawEvent {
                        userdata: *userdata,
                        error: Errno::Success,
                        kind: *kind,
                        nbytes: r.nbytes,
                        hangup: r.hangup,
                    }),
                    Ok(_) => wait.files.push((Arc::clone(file), *interest)),
                    Err(err) => self.ready.push(failed(*userdata, *kind, &err)),
                },
            }
        }
        if self.ready.is_empty() { Some(wait) } else { None }
    }

    /// Writes the ready events and their count.
    pub fn finish(self, mem: &mut GuestMemory<'_>) -> AbiResult {
        for (i, event) in self.ready.iter().enumerate() {
            write_event(mem, self.events + i as u32 * EVENT_SIZE, event)?;
        }
        mem.write(self.nevents, self.ready.len() as u32)?;
        Ok(())
    }
}

/// `poll_oneoff` for either snapshot's subscription layout, waiting on the context's scheduler.
pub(crate) fn poll(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    subscriptions: u32,
    events: u32,
    nsubscriptions: u32,
    nevents: u32,
    snapshot: Snapshot,
) -> AbiResult {
    let mut poller = Poller::new(ctx, mem, subscriptions, events, nsubscriptions, nevents, snapshot)?;
    run_blocking(wait_for_events(&mut poller, ctx.sched(), &SchedWaiter(ctx.sched())))?;
    poller.finish(mem)
}

/// How `poll_oneoff` waits: blocking on the context's scheduler ([`SchedWaiter`]), or on an
/// async engine's reactor (the Tokio linker's waiter).
pub trait Waiter {
    /// Returns once one of `wait.files` may be ready or `wait.timeout` has passed; returning
    /// early is allowed (readiness is checked again).
    fn wait(&self, wait: &PollWait) -> impl Future<Output = Result<()>>;
}

/// Checks the subscriptions and waits until at least one is ready: the one waiting loop,
/// whatever waits. A wait nothing could ever end (no clock, and no descriptor the host can
/// watch) is `inval` rather than a thread or task parked for good; a sleep on virtual time
/// completes at once by moving the clocks.
pub async fn wait_for_events(poller: &mut Poller, sched: &dyn WasiSched, waiter: &impl Waiter) -> Result<()> {
    while let Some(wait) = poller.check() {
        if wait.timeout.is_none() && wait.files.iter().all(|(file, _)| !can_wake(&**file)) {
            return Err(Error::new(Errno::Inval).context("poll_oneoff would wait forever: nothing can wake it"));
        }
        if wait.files.is_empty()
            && let Some(timeout) = wait.timeout
            && sched.complete_sleep(timeout)
        {
            continue;
        }
        waiter.wait(&wait).await?;
    }
    Ok(())
}

#[cfg(unix)]
fn can_wake(file: &dyn WasiFile) -> bool {
    file.host_fd().is_some()
}

#[cfg(not(unix))]
fn can_wake(_file: &dyn WasiFile) -> bool {
    false
}

/// Waits by blocking the calling thread on a [`WasiSched`].
pub struct SchedWaiter<'a>(pub &'a dyn WasiSched);

impl Waiter for SchedWaiter<'_> {
    async fn wait(&self, wait: &PollWait) -> Result<()> {
        #[cfg(unix)]
        {
            let host: smallvec::SmallVec<[crate::sched::HostWait<'_>; 8]> = wait
                .files
                .iter()
                .filter_map(|(file, interest)| file.host_fd().map(|fd| crate::sched::HostWait { fd, interest: *interest }))
                .collect();
            self.0.wait(&host, wait.timeout)
        }
        #[cfg(not(unix))]
        self.0.wait(wait.timeout)
    }
}

/// Runs a future whose waiting blocks the thread (it never returns `Pending`).
fn run_blocking<T>(future: impl Future<Output = Result<T>>) -> Result<T> {
    let mut future = std::pin::pin!(future);
    match future.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop())) {
        std::task::Poll::Ready(result) => result,
        std::task::Poll::Pending => Err(Error::new(Errno::Io).context("a blocking waiter returned pending")),
    }
}

/// A `poll_oneoff` call split around its wait, for an async engine that must let go of guest
/// memory while it awaits: [`PollCall::begin`] with memory, [`wait_for_events`] without,
/// [`PollCall::finish`] with memory again. The call is traced like every other.
pub struct PollCall {
    poller: std::result::Result<Poller, Error>,
    trace: Option<CallTrace>,
}

impl PollCall {
    /// Decodes the call (`args`: the import's four raw arguments) and starts its trace.
    pub fn begin(spec: &'static ImportSpec, ctx: &WasiCtx, mem: &GuestMemory<'_>, args: &[u64], snapshot: Snapshot) -> PollCall {
        let trace = trace::enabled(ctx).then(|| CallTrace::begin(spec, args, mem));
        let arg = |i: usize| args.get(i).map_or(0, |&value| value as u32);
        PollCall { poller: Poller::new(ctx, mem, arg(0), arg(1), arg(2), arg(3), snapshot), trace }
    }

    /// The poller to wait on, unless decoding already failed.
    pub fn poller(&mut self) -> Option<&mut Poller> {
        self.poller.as_mut().ok()
    }

    /// Ends the call after `waited` (the outcome of [`wait_for_events`]): writes the events,
    /// emits the trace, and returns the errno for wasm.
    pub fn finish(self, waited: Result<()>, ctx: &WasiCtx, mem: &mut GuestMemory<'_>) -> std::result::Result<i32, Termination> {
        let result: AbiResult = match (self.poller, waited) {
            (Err(err), _) | (Ok(_), Err(err)) => Err(err.into()),
            (Ok(poller), Ok(())) => poller.finish(mem),
        };
        let outcome = HostOutcome::<i32>::into_wasm(result);
        if let Some(trace) = self.trace {
            trace.end(&outcome, ctx, mem);
        }
        outcome
    }
}

/// The clock a subscription names and its deadline on that clock.
///
/// `inval` (an unknown id) fails the whole call; `notsup` (a CPU-time clock: it does not
/// advance while the guest sleeps, so a wait on it could never end) fails only the event.
fn clock_deadline(ctx: &WasiCtx, id: u32, timeout: u64, absolute: bool) -> Result<(Arc<dyn WasiClock>, Duration)> {
    let clock_id = super::decode::clock_id(id)?;
    let clocks = ctx.clocks();
    let clock = match clock_id {
        ClockId::Realtime => Arc::clone(&clocks.realtime),
        ClockId::Monotonic => Arc::clone(&clocks.monotonic),
        ClockId::ProcessCputime | ClockId::ThreadCputime => {
            return Err(Error::new(Errno::Notsup).context("waiting on a CPU-time clock"));
        }
    };
    let timeout = Duration::from_nanos(timeout);
    if absolute {
        return Ok((clock, timeout));
    }
    let now = clock.now().ok_or_else(|| Error::new(Errno::Overflow))?;
    Ok((clock, now.saturating_add(timeout)))
}

fn failed(userdata: u64, kind: u8, err: &Error) -> RawEvent {
    RawEvent { userdata, error: err.errno(), kind, nbytes: 0, hangup: false }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::errno_of;
    use crate::file::Readiness;

    /// A clock subscription (48 bytes at `at`): relative `timeout_ns` on the monotonic clock.
    fn clock_subscription(mem: &mut GuestMemory<'_>, at: u32, userdata: u64, timeout_ns: u64) {
        mem.write(at, userdata).unwrap();
        mem.write(at + 8, 0u8).unwrap();
        mem.write(at + 16, 1u32).unwrap();
        mem.write(at + 24, timeout_ns).unwrap();
    }

    #[test]
    fn an_expired_clock_is_one_event_with_its_userdata() {
        let ctx = WasiCtx::builder().build().unwrap();
        let mut bytes = vec![0u8; 512];
        let mut mem = GuestMemory::unshared(&mut bytes);
        clock_subscription(&mut mem, 0, 0xfeed, 0);
        assert_eq!(errno_of(poll_oneoff(&ctx, &mut mem, 0, 200, 1, 300)), Errno::Success);
        assert_eq!(mem.read::<u32>(300).unwrap(), 1);
        assert_eq!(mem.read::<u64>(200).unwrap(), 0xfeed);
        assert_eq!(mem.read::<u16>(208).unwrap(), 0);
    }

    #[test]
    fn no_subscriptions_or_an_unknown_clock_is_inval() {
        let ctx = WasiCtx::builder().build().unwrap();
        let mut bytes = vec![0u8; 512];
        let mut mem = GuestMemory::unshared(&mut bytes);
        assert_eq!(errno_of(poll_oneoff(&ctx, &mut mem, 0, 200, 0, 300)), Errno::Inval);
        clock_subscription(&mut mem, 0, 1, 0);
        mem.write(16, 9u32).unwrap();
        assert_eq!(errno_of(poll_oneoff(&ctx, &mut mem, 0, 200, 1, 300)), Errno::Inval);
    }

    /// Never ready and nothing the host could watch.
    struct Stuck;

    impl WasiFile for Stuck {
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
        fn filetype(&self) -> Result<crate::types::FileType> {
            Ok(crate::types::FileType::CharacterDevice)
        }
        fn readiness(&self, _interest: Interest) -> Result<Readiness> {
            Ok(Readiness { ready: false, nbytes: 0, hangup: false })
        }
    }

    #[test]
    fn a_wait_nothing_could_ever_end_is_inval_not_a_parked_thread() {
        let ctx = WasiCtx::builder().stdin(Stuck).build().unwrap();
        let mut bytes = vec![0u8; 512];
        let mut mem = GuestMemory::unshared(&mut bytes);
        mem.write(0, 7u64).unwrap();
        mem.write(8, 1u8).unwrap(); // fd_read
        mem.write(16, 0u32).unwrap(); // fd 0
        assert_eq!(errno_of(poll_oneoff(&ctx, &mut mem, 0, 200, 1, 300)), Errno::Inval);
    }
}
