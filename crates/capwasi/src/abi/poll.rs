//! Waiting and scheduling: `poll_oneoff` and `sched_yield`.

use super::clock::clock;
use super::layout::{read_subscriptions, write_event, RawEvent, RawSubscribed, EVENT_SIZE};
use super::Snapshot;
use super::AbiResult;
use crate::clocks::WasiClock;
use crate::file::{Interest, WasiFile};
use crate::memory::GuestMemory;
use crate::types::{ClockId, Rights};
use crate::{Errno, Error, Result, WasiCtx};
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
enum Waiting<'c> {
    Clock { userdata: u64, clock: &'c dyn WasiClock, deadline: Duration },
    Fd { userdata: u64, file: Arc<dyn WasiFile>, interest: Interest },
}

/// `poll_oneoff` for either snapshot's subscription layout.
pub(crate) fn poll(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    subscriptions: u32,
    events: u32,
    nsubscriptions: u32,
    nevents: u32,
    snapshot: Snapshot,
) -> AbiResult {
    if nsubscriptions == 0 {
        return Err(Error::new(Errno::Inval).context("poll_oneoff with no subscriptions").into());
    }
    let subs = read_subscriptions(mem, subscriptions, nsubscriptions, snapshot)?;
    mem.check_array(events, nsubscriptions, EVENT_SIZE)?;
    mem.check(nevents, 4)?;

    let mut ready = Vec::new();
    let mut waiting = Vec::with_capacity(subs.len());
    for sub in &subs {
        let userdata = sub.userdata;
        match sub.what {
            RawSubscribed::Clock { id, timeout, absolute } => {
                match clock_deadline(ctx, id, timeout, absolute) {
                    Ok((clock, deadline)) => waiting.push(Waiting::Clock { userdata, clock, deadline }),
                    Err(err) if err.errno() == Errno::Inval => return Err(err.into()),
                    Err(err) => ready.push(failed(userdata, 0, &err)),
                }
            }
            RawSubscribed::FdRead(fd) | RawSubscribed::FdWrite(fd) => {
                let (kind, interest) = match sub.what {
                    RawSubscribed::FdRead(_) => (1, Interest::Read),
                    _ => (2, Interest::Write),
                };
                match ctx.table.file(fd).and_then(|f| f.rights.require(Rights::POLL_FD_READWRITE).map(|()| f)) {
                    Ok(file) => waiting.push(Waiting::Fd { userdata, file: file.file, interest }),
                    Err(err) => ready.push(failed(userdata, kind, &err)),
                }
            }
        }
    }

    loop {
        let mut next_deadline: Option<Duration> = None;
        #[cfg(unix)]
        let mut host_waits = smallvec::SmallVec::<[crate::sched::HostWait<'_>; 8]>::new();
        for entry in &waiting {
            match entry {
                Waiting::Clock { userdata, clock, deadline } => {
                    let now = clock.now().unwrap_or_default();
                    if now >= *deadline {
                        ready.push(RawEvent { userdata: *userdata, error: Errno::Success, kind: 0, nbytes: 0, hangup: false });
                    } else {
                        let left = *deadline - now;
                        next_deadline = Some(next_deadline.map_or(left, |d| d.min(left)));
                    }
                }
                Waiting::Fd { userdata, file, interest } => {
                    let kind = if *interest == Interest::Read { 1 } else { 2 };
                    match file.readiness(*interest) {
                        Ok(r) if r.ready || r.hangup => ready.push(RawEvent {
                            userdata: *userdata,
                            error: Errno::Success,
                            kind,
                            nbytes: r.nbytes,
                            hangup: r.hangup,
                        }),
                        Ok(_) => {
                            #[cfg(unix)]
                            if let Some(fd) = file.host_fd() {
                                host_waits.push(crate::sched::HostWait { fd, interest: *interest });
                            }
                        }
                        Err(err) => ready.push(failed(*userdata, kind, &err)),
                    }
                }
            }
        }
        if !ready.is_empty() {
            break;
        }
        #[cfg(unix)]
        ctx.sched().wait(&host_waits, next_deadline)?;
        #[cfg(not(unix))]
        ctx.sched().wait(next_deadline)?;
    }

    for (i, event) in ready.iter().enumerate() {
        write_event(mem, events + i as u32 * EVENT_SIZE, event)?;
    }
    mem.write(nevents, ready.len() as u32)?;
    Ok(())
}

/// The clock a subscription names and its deadline on that clock.
///
/// `inval` (an unknown id) fails the whole call; `notsup` (a CPU-time clock: it does not
/// advance while the guest sleeps, so a wait on it could never end) fails only the event.
fn clock_deadline(ctx: &WasiCtx, id: u32, timeout: u64, absolute: bool) -> Result<(&dyn WasiClock, Duration)> {
    let clock_id = ClockId::from_raw(id).ok_or_else(|| Error::new(Errno::Inval).context(format_args!("unknown clock id {id}")))?;
    if matches!(clock_id, ClockId::ProcessCputime | ClockId::ThreadCputime) {
        return Err(Error::new(Errno::Notsup).context("waiting on a CPU-time clock"));
    }
    let clock = clock(ctx, id)?;
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
