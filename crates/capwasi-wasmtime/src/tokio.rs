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
use capwasi::abi::poll::{wait_for_events, PollCall, PollWait, Waiter};
use capwasi::abi::spec::{ImportSpec, Wait};
use capwasi::abi::HostOutcome;
use capwasi::file::Interest;
use capwasi::types::FdFlags;
use std::future::poll_fn;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
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
///
/// How each import runs follows its declared [`Wait`] class: never waits → a plain
/// `func_wrap`; may wait on its descriptor → await readiness first; may block on a disk →
/// `block_in_place`; `poll_oneoff` → the core's waiting loop on Tokio's reactor. Every call
/// goes through the same traced path.
pub fn add_snapshot_to_linker_async<T: Send + 'static>(
    linker: &mut Linker<T>,
    snapshot: Snapshot,
    get: impl GetState<T>,
) -> wasmtime::Result<()> {
    macro_rules! link_each {
        (
            module: $module:literal;
            $(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $imp:path, $spec:path;)*
        ) => {
            $(
                let spec: &'static ImportSpec = &$spec;
                if spec.wait == Wait::Never {
                    // A call that never waits needs no future: linked as in the sync linker,
                    // it skips boxing one per call (clock_time_get: ~98 ns async, ~44 sync).
                    linker.func_wrap(
                        $module,
                        stringify!($name),
                        move |mut caller: Caller<'_, T>, $($arg: $ty),*| -> wasmtime::Result<$ret> {
                            with_guest(&mut caller, get, move |ctx, mem| call_import!(ctx, mem, $spec, $ret, $imp, $($arg),*))
                        },
                    )?;
                } else {
                    linker.func_wrap_async(
                        $module,
                        stringify!($name),
                        move |mut caller: Caller<'_, T>, ($($arg,)*): ($($ty,)*)| {
                            Box::new(async move {
                                let args = [$($arg as u64),*];
                                match spec.wait {
                                    Wait::Poll => return poll_async(&mut caller, get, spec, &args, snapshot).await.map(FromErrno::from_errno),
                                    Wait::Read | Wait::Write if !spec.answers_at_once(&args) => {
                                        let interest = if spec.wait == Wait::Read { Interest::Read } else { Interest::Write };
                                        let fd = args.first().map_or(0, |&fd| fd as u32);
                                        wait_until_ready(&mut caller, get, fd, interest).await;
                                    }
                                    _ => {}
                                }
                                run(spec.wait, || {
                                    with_guest(&mut caller, get, move |ctx, mem| {
                                        call_import!(ctx, mem, $spec, $ret, $imp, $($arg),*)
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
    Ok(())
}

/// Import results a `poll_oneoff` errno converts to (the linked closure is generic over every
/// import; only `poll_oneoff`'s, whose result is `i32`, ever converts one).
trait FromErrno {
    fn from_errno(errno: i32) -> Self;
}

impl FromErrno for i32 {
    fn from_errno(errno: i32) -> i32 {
        errno
    }
}

impl FromErrno for () {
    fn from_errno(_: i32) {}
}

/// `poll_oneoff` on Tokio: decode and check with the guest's memory, await the events on the
/// reactor without it (the core's waiting loop, with [`TokioWaiter`]), then write them.
async fn poll_async<T: 'static>(
    caller: &mut Caller<'_, T>,
    get: impl GetState<T>,
    spec: &'static ImportSpec,
    args: &[u64],
    snapshot: Snapshot,
) -> wasmtime::Result<i32> {
    let mut call = with_guest(caller, get, |ctx, mem| Ok(PollCall::begin(spec, ctx, mem, args, snapshot)))?;
    let waited = match call.poller() {
        Some(poller) => {
            let ctx = std::sync::Arc::clone(get(caller.data_mut()).ctx());
            wait_for_events(poller, ctx.sched(), &TokioWaiter).await
        }
        None => Ok(()),
    };
    with_guest(caller, get, |ctx, mem| call.finish(waited, ctx, mem))
}

/// Runs a call that may block on a disk so the runtime can move other tasks off this worker.
fn run<R>(wait: Wait, call: impl FnOnce() -> R) -> R {
    // Only disk calls ask which runtime they are on: the other calls stay on the fast path.
    let multi_thread = || {
        tokio::runtime::Handle::try_current()
            .is_ok_and(|handle| handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
    };
    if wait == Wait::Disk && multi_thread() {
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
        if TokioWaiter.wait(&wait).await.is_err() {
            return;
        }
    }
}

/// A descriptor registered with the reactor for one wait.
enum Watched {
    /// A waited-on file's own descriptor, which the file keeps open.
    Borrowed(RawFd),
    /// A private duplicate, closed when the wait ends.
    Owned(OwnedFd),
}

impl AsRawFd for Watched {
    fn as_raw_fd(&self) -> RawFd {
        match self {
            Watched::Borrowed(fd) => *fd,
            Watched::Owned(fd) => fd.as_raw_fd(),
        }
    }
}

/// Waits on Tokio's reactor: each host descriptor registered for the wait, and a Tokio timer.
struct TokioWaiter;

impl Waiter for TokioWaiter {
    async fn wait(&self, wait: &PollWait) -> capwasi::Result<()> {
        let mut watched = Vec::with_capacity(wait.files.len());
        for (file, interest) in &wait.files {
            let Some(fd) = file.host_fd() else { continue };
            let tokio_interest = match interest {
                Interest::Read => tokio::io::Interest::READABLE,
                Interest::Write => tokio::io::Interest::WRITABLE,
            };
            // The descriptor itself, so a waiting guest costs no second descriptor (ten
            // thousand guests waiting on their own pipes would otherwise need twenty thousand).
            // SAFETY: `wait` holds the file for the whole of this call, so its descriptor stays
            // open and the same until the `AsyncFd` is dropped at the end of it.
            let registered = unsafe { AsyncFd::register_with_interest(Watched::Borrowed(fd.as_raw_fd()), tokio_interest) }
                .map_err(|err| err.into_parts().1);
            let registered = match registered {
                // Already registered by another wait on this runtime (two guests on one
                // stdin): a private duplicate, dropped after the wait.
                Err(err) if err.raw_os_error() == Some(rustix::io::Errno::EXIST.raw_os_error()) => {
                    let Ok(dup) = rustix::io::fcntl_dupfd_cloexec(fd.as_fd(), 0) else { continue };
                    // SAFETY: `dup` is owned by the `AsyncFd` until it is dropped.
                    unsafe { AsyncFd::register_with_interest(Watched::Owned(dup), tokio_interest) }.map_err(|err| err.into_parts().1)
                }
                other => other,
            };
            match registered {
                Ok(registered) => watched.push((registered, *interest)),
                // Not pollable by epoll (a regular file): it never blocks, so it is ready.
                Err(_) => return Ok(()),
            }
        }
        // Nothing to watch and no timer: nothing could end this wait.
        if watched.is_empty() && wait.timeout.is_none() {
            return Err(capwasi::Error::new(capwasi::Errno::Inval).context("no descriptor of the wait could be watched"));
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
        Ok(())
    }
}
