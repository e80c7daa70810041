//! The process: `proc_exit` and `proc_raise`.

use super::{AbiError, AbiResult};
use crate::memory::GuestMemory;
use crate::{Errno, Error, I32Exit, Termination, WasiCtx};

/// `proc_exit`: ends the program with status `code`; the embedder receives [`I32Exit`].
pub fn proc_exit(_ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, code: u32) -> Termination {
    Termination::Exit(I32Exit(code as i32))
}

/// `proc_raise`: delivers `signal` to the program with its default POSIX action.
///
/// A guest has no signal handlers the host could run, so the default action is all there is:
/// signals that terminate end the program with status 128 + the POSIX signal number (what a
/// shell reports for a process killed by that signal); signals ignored by default (`chld`,
/// `cont`, `urg`, `winch`) and signal 0 succeed and do nothing; job-control stops, which the
/// host cannot honour, are `notsup`. Unknown numbers are `inval`.
pub fn proc_raise(_ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, signal: u32) -> AbiResult {
    match signal {
        0 => Ok(()),
        // chld, cont, urg, winch
        16 | 17 | 22 | 27 => Ok(()),
        // stop, tstp, ttin, ttou
        18..=21 => Err(Error::new(Errno::Notsup).context("job-control stop signals").into()),
        1..=30 => Err(AbiError::Terminate(Box::new(Termination::Exit(I32Exit(128 + posix_signal_number(signal)))))),
        _ => Err(Error::new(Errno::Inval).context(format_args!("unknown signal {signal}")).into()),
    }
}

/// WASI numbers signals like Linux up to `term` (15) but has no `stkflt`, so from `chld` on
/// each WASI number is one below Linux's.
fn posix_signal_number(wasi: u32) -> i32 {
    if wasi <= 15 { wasi as i32 } else { wasi as i32 + 1 }
}
