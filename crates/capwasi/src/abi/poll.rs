//! Waiting and scheduling: `poll_oneoff` and `sched_yield`.

use super::{not_yet, AbiResult};
use crate::memory::GuestMemory;
use crate::WasiCtx;

/// `poll_oneoff`: waits until one of `nsubscriptions` subscriptions is ready and reports events.
pub fn poll_oneoff(_ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, _subscriptions: u32, _events: u32, _nsubscriptions: u32, _nevents: u32) -> AbiResult {
    not_yet("poll_oneoff")
}

/// `sched_yield`: lets other host threads run.
pub fn sched_yield(ctx: &WasiCtx, _mem: &mut GuestMemory<'_>) -> AbiResult {
    ctx.sched().sched_yield()?;
    Ok(())
}
