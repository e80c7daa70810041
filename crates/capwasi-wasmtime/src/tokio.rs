//! The async linker: every WASI import through `func_wrap_async`, for embedders that run many
//! guests on a Tokio runtime.
//!
//! The core stays synchronous; what differs is where a call may wait:
//! - calls that may wait indefinitely (`poll_oneoff`; `fd_read`, `fd_write`, `sock_recv`,
//!   `sock_send`, `sock_accept` on a pipe, terminal or socket) first await readiness on
//!   Tokio's reactor, with the guest's memory released, and then run without blocking;
//! - calls that may block on a disk (`path_*`, `fd_pread`, `fd_pwrite`, `fd_readdir`,
//!   syncs, ...) run inline under `block_in_place` on a multi-threaded runtime, so the
//!   worker's other tasks move elsewhere, and no thread hop is paid;
//! - everything else (`clock_time_get`, `fd_tell`, `random_get`, `args_get`, ...) is linked
//!   with a plain `func_wrap`, exactly as in the sync linker: no future is boxed for it.

use crate::{call_import, with_guest, GetState, Snapshot};
use capwasi::abi::poll::{PollWait, Poller};
use capwasi::abi::HostOutcome;
use capwasi::file::Interest;
use capwasi::types::{FdFlags, RiFlags};
use std::future::poll_fn;
use std::os::fd::{AsFd, OwnedFd};
use std::task::Poll;
use tokio::io::unix::AsyncFd;
use wasmtime::{Caller, Linker};

/// Adds every import of both snapshots to `linker` for async execution (instantiate with
/// `instantiate_async`, call with `call_async`), on a Tokio runtime.
pub fn add_to_linker_async<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: impl GetState<T>,
) -> wasmtime::Result<()> {
    add_snapshot_to_linker_async(linker, Snapshot::Preview1, get)?;
    add_snapshot_to_linker_async(linker, Snapshot::Unstable, get)
}

/// Adds the imports of one snapshot for async execution.
pub fn add_snapshot_to_linker_async<T: Send + 'static>(
    linker: &mut Linker<T>,
    snapshot: Snapshot,
    get: impl GetState<T>,
) -> wasmtime::Result<()> {
    macro_rules! first_arg {
        () => { 0u32 };
        ($first:ident $(, $rest:ident)*) => { $first };
    }
    macro_rules! link_each {
        (
            module: $module:literal;
            $(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $imp:path;)*
        ) => {
            $(
                // Decided once here, not on every call.
                let class = CallClass::of(stringify!($name));
                if class == CallClass::Inline {
                    // A call that never waits needs no future: linked as in the sync linker,
                    // it skips boxing one per call (clock_time_get: ~98 ns async, ~44 sync).
                    linker.func_wrap(
                        $module,
                        stringify!($name),
                        move |mut caller: Caller<'_, T>, $($arg: $ty),*| -> wasmtime::Result<$ret> {
                            with_guest(&mut caller, get, |ctx, mem| call_import!(ctx, mem, $name, $ret, $imp, $($arg),*))
                        },
                    )?;
                } else {
                    linker.func_wrap_async(
                        $module,
                        stringify!($name),
                        move |mut caller: Caller<'_, T>, ($($arg,)*): ($($ty,)*)| {
                            Box::new(async move {
                                if let CallClass::Stream(interest) = class
                                    && !CallClass::answers_at_once(stringify!($name), &[$((stringify!($arg), $arg as u64)),*])
                                {
                                    wait_until_ready(&mut caller, get, first_arg!($($arg),*), interest).await;
                                }
                                run(class, || {
                                    with_guest(&mut caller, get, |ctx, mem| {
                                        call_import!(ctx, mem, $name, $ret, $imp, $($arg),*)
                                    })
                                })
                            })
                        },
                    )?;
                }
            )*
        };
    }
    match snapshot {
        Snapshot::Preview1 => {
            capwasi::for_each_preview1_import!(link_each);
        }
        Snapshot::Unstable => {
            capwasi::for_each_unstable_import!(link_each);
        }
    }
    // poll_oneoff waits on the reactor instead of the context's scheduler.
    linker.allow_shadowing(true);
    linker.func_wrap_async(
        snapshot.module(),
        "poll_oneoff",
        move |mut caller: Caller<'_, T>, (subscriptions, events, nsubscriptions, nevents): (u32, u32, u32, u32)| {
            Box::new(async move {
                let poller = with_guest(&mut caller, get, |ctx, mem| {
                    Ok(Poller::new(ctx, mem, subscriptions, events, nsubscriptions, nevents, snapshot))
                })?;
                let mut poller = match poller {
                    Ok(poller) => poller,
                    Err(err) => return Ok(err.errno() as i32),
                };
                while let Some(wait) = poller.check() {
                    // Virtual time (deterministic runs) sleeps by moving its clocks, not ours.
                    if wait.files.is_empty()
                        && let Some(timeout) = wait.timeout
                        && get(caller.data_mut()).ctx.sched().complete_sleep(timeout)
                    {
                        continue;
                    }
                    if !wait_any(&wait).await {
                        return Ok(capwasi::Errno::Inval as i32);
                    }
                }
                with_guest(&mut caller, get, |_, mem| HostOutcome::<i32>::into_wasm(poller.finish(mem)))
            })
        },
    )?;
    linker.allow_shadowing(false);
    Ok(())
}

/// Where a call may wait, and so how the async linker runs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CallClass {
    /// Never waits for long.
    Inline,
    /// May wait on a disk.
    Disk,
    /// May wait indefinitely for its fd (the first argument) to be ready.
    Stream(Interest),
}

impl CallClass {
    fn of(import: &str) -> CallClass {
        match import {
            "fd_read" | "sock_recv" | "sock_accept" => CallClass::Stream(Interest::Read),
            "fd_write" | "sock_send" => CallClass::Stream(Interest::Write),
            "fd_pread" | "fd_pwrite" | "fd_readdir" | "fd_sync" | "fd_datasync" | "fd_allocate"
            | "fd_filestat_set_size" | "fd_filestat_set_times" | "fd_filestat_get" | "fd_advise" | "fd_close" => {
                CallClass::Disk
            }
            name if name.starts_with("path_") => CallClass::Disk,
            _ => CallClass::Inline,
        }
    }
}

impl CallClass {
    /// Stream calls whose arguments already decide the answer (`inval` flags, an accept asked
    /// not to wait) must get it at once, not after the fd becomes ready.
    fn answers_at_once(import: &str, params: &[(&str, u64)]) -> bool {
        let arg = |name: &str| params.iter().find(|(param, _)| *param == name).map_or(0, |(_, value)| *value);
        match import {
            "sock_accept" => arg("flags") != 0,
            "sock_recv" => arg("ri_flags") & !u64::from(RiFlags::all().bits()) != 0,
            "sock_send" => arg("si_flags") != 0,
            _ => false,
        }
    }
}

/// Runs a call that may block on a disk so the runtime can move other tasks off this worker.
fn run<R>(class: CallClass, call: impl FnOnce() -> R) -> R {
    // Only disk calls ask which runtime they are on: the other calls stay on the fast path.
    let multi_thread = || {
        tokio::runtime::Handle::try_current()
            .is_ok_and(|handle| handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
    };
    if class == CallClass::Disk && multi_thread() {
        tokio::task::block_in_place(call)
    } else {
        call()
    }
}

/// Awaits until file `fd` is ready for `interest`, unless the guest asked for `nonblock`
/// (it wants `again`, not a wait) or the object cannot be waited on (then the call runs
/// and may block, as in the sync linker).
async fn wait_until_ready<T: 'static>(caller: &mut Caller<'_, T>, get: impl GetState<T>, fd: u32, interest: Interest) {
    let Ok(file) = get(caller.data_mut()).ctx.table.file(fd) else { return };
    // A regular file never makes a reader or writer wait: no syscalls to find that out.
    if file.file.filetype().is_ok_and(|kind| kind == capwasi::types::FileType::RegularFile) {
        return;
    }
    if file.file.fdflags().is_ok_and(|flags| flags.contains(FdFlags::NONBLOCK)) {
        return;
    }
    let wait = PollWait { files: vec![(file.file, interest)], timeout: None };
    loop {
        match wait.files[0].0.readiness(interest) {
            Ok(now) if !now.ready && !now.hangup => {}
            _ => return,
        }
        if !wait_any(&wait).await {
            return;
        }
    }
}

/// Awaits until one of `wait`'s objects may be ready or its timeout passes. False when there
/// is nothing that could ever wake it.
async fn wait_any(wait: &PollWait) -> bool {
    let mut watched = Vec::with_capacity(wait.files.len());
    for (file, interest) in &wait.files {
        let Some(fd) = file.host_fd() else { continue };
        // A private duplicate: registering it never disturbs another registration of the
        // same descriptor (two guests waiting on one stdin), and it is dropped after the wait.
        let Ok(dup) = rustix::io::fcntl_dupfd_cloexec(fd.as_fd(), 0) else { continue };
        let tokio_interest = match interest {
            Interest::Read => tokio::io::Interest::READABLE,
            Interest::Write => tokio::io::Interest::WRITABLE,
        };
        // SAFETY: `dup` is an `OwnedFd`, open and owned by the `AsyncFd` until it is dropped,
        // and its `as_raw_fd` never changes.
        match unsafe { AsyncFd::<OwnedFd>::register_with_interest(dup, tokio_interest) } {
            Ok(registered) => watched.push((registered, *interest)),
            // Not pollable by epoll (a regular file): it never blocks, so it is ready.
            Err(_) => return true,
        }
    }
    if watched.is_empty() && wait.timeout.is_none() {
        return false;
    }
    let mut sleep = wait.timeout.map(|t| Box::pin(tokio::time::sleep(t)));
    poll_fn(|cx| {
        for (fd, interest) in &watched {
            let ready = match interest {
                Interest::Read => fd.poll_read_ready(cx).is_ready(),
                Interest::Write => fd.poll_write_ready(cx).is_ready(),
            };
            if ready {
                return Poll::Ready(());
            }
        }
        match sleep.as_mut().map(|sleep| sleep.as_mut().poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(()),
            _ => Poll::Pending,
        }
    })
    .await;
    true
}
