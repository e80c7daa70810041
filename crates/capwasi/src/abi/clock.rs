//! Clocks: `clock_res_get` and `clock_time_get`.

use super::AbiResult;
use crate::clocks::WasiClock;
use crate::memory::GuestMemory;
use crate::types::ClockId;
use crate::{Errno, Error, Result, WasiCtx};
use std::time::Duration;

/// `clock_res_get`: stores the resolution of clock `id` in nanoseconds.
pub fn clock_res_get(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, id: u32, resolution: u32) -> AbiResult {
    let clock = clock(ctx, id)?;
    mem.write(resolution, nanos(clock.resolution()).max(1))?;
    Ok(())
}

/// `clock_time_get`: stores the time of clock `id` in nanoseconds; `precision` is a hint and
/// is ignored, as every host clock here is read at full precision for the same cost.
pub fn clock_time_get(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, id: u32, _precision: u64, time: u32) -> AbiResult {
    // No error is built on this path: the most frequent call of many programs stays a
    // lookup, one clock read and one store (the reasons for a failure are found out of line).
    let Some(now) = provided(ctx, id).and_then(|clock| clock.now()) else {
        return Err(clock_time_failure(ctx, id).into());
    };
    mem.write(time, nanos(now))?;
    Ok(())
}

/// The clock `raw` names, if the id is known and the context provides that clock.
#[inline]
fn provided(ctx: &WasiCtx, raw: u32) -> Option<&dyn WasiClock> {
    let clocks = ctx.clocks();
    let clock = match ClockId::from_raw(raw)? {
        ClockId::Realtime => &clocks.realtime,
        ClockId::Monotonic => &clocks.monotonic,
        ClockId::ProcessCputime => clocks.process_cputime.as_ref()?,
        ClockId::ThreadCputime => clocks.thread_cputime.as_ref()?,
    };
    Some(&**clock)
}

/// Why `clock_time_get` of clock `raw` failed: the id or the clock, or a reading before
/// the clock's origin.
#[cold]
#[inline(never)]
fn clock_time_failure(ctx: &WasiCtx, raw: u32) -> Error {
    match clock(ctx, raw) {
        Err(err) => err,
        Ok(_) => Error::new(Errno::Overflow).context("clock reads before its origin"),
    }
}

/// The clock `raw` names: `inval` for an unknown id, `notsup` for a CPU clock not provided.
#[inline]
pub(crate) fn clock(ctx: &WasiCtx, raw: u32) -> Result<&dyn WasiClock> {
    provided(ctx, raw).ok_or_else(|| no_clock(raw))
}

/// Why [`provided`] found no clock for `raw`.
#[cold]
#[inline(never)]
fn no_clock(raw: u32) -> Error {
    match super::decode::clock_id(raw) {
        Err(err) => err,
        Ok(id) => Error::new(Errno::Notsup).context(format_args!("{id:?} clock is not provided")),
    }
}

/// Nanoseconds in a u64, saturating (u64 nanoseconds last until the year 2554).
pub(crate) fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}
