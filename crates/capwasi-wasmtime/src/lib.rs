//! Wasmtime glue for capwasi: links every WASI 0.1 import (`wasi_snapshot_preview1` and
//! `wasi_unstable`) into a [`wasmtime::Linker`].
//!
//! The glue only finds the guest's memory, calls [`capwasi::abi`], and maps the outcome: an
//! errno goes back to wasm, [`capwasi::I32Exit`] and traps become a [`wasmtime::Error`].
//!
//! ```no_run
//! use capwasi::WasiCtx;
//! use capwasi_wasmtime::{add_to_linker_sync, exit_code, WasiState};
//! use wasmtime::{Engine, Linker, Module, Store};
//!
//! # fn main() -> wasmtime::Result<()> {
//! let engine = Engine::default();
//! let module = Module::from_file(&engine, "app.wasm")?;
//! let mut linker: Linker<WasiState> = Linker::new(&engine);
//! add_to_linker_sync(&mut linker, |state| state)?;
//!
//! let ctx = WasiCtx::builder().arg("app").build()?;
//! let mut store = Store::new(&engine, WasiState::new(ctx));
//! let instance = linker.instantiate(&mut store, &module)?;
//! let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
//! match start.call(&mut store, ()) {
//!     Ok(()) => {}
//!     Err(err) => std::process::exit(exit_code(&err).ok_or(err)?),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Wasmtime versions
//!
//! The glue is written once and links against the Wasmtime release chosen by exactly one
//! Cargo feature: `wasmtime-48` (the default), `wasmtime-47` or `wasmtime-46`. Each is an
//! optional dependency on that release of the `wasmtime` crate under its own name; the
//! crate root names the chosen one `wasmtime`, and the rest of the code only ever says
//! `wasmtime::`. The chosen crate is re-exported as [`wasmtime`](crate::wasmtime) so
//! embedders and tests can name the same types.
//!
//! Two version features at once (easily done by feature unification: one dependency keeps
//! the default `wasmtime-48`, another asks for `wasmtime-46`) is a compile error naming
//! both: linking one version while the embedder's own `Linker` comes from another could
//! only fail later with type errors that never mention the cause. Disable default features
//! on every capwasi crate that sets a version.
//!
//! Supporting the next release: add `wasmtimeNN = { package = "wasmtime", version = "NN" }`
//! to the workspace dependencies, a `wasmtime-NN` feature here (and on the drop-in crates),
//! one line in the alias list below, and a `cfg` wherever its API differs.
#![deny(missing_docs)]

#[cfg(any(
    all(feature = "wasmtime-48", feature = "wasmtime-47"),
    all(feature = "wasmtime-48", feature = "wasmtime-46"),
    all(feature = "wasmtime-47", feature = "wasmtime-46"),
))]
compile_error!(
    "capwasi-wasmtime: more than one Wasmtime version feature is enabled (wasmtime-46, \
     wasmtime-47, wasmtime-48); enable exactly one, with `default-features = false` on every \
     capwasi crate that chooses a version other than the default 48"
);
#[cfg(not(any(feature = "wasmtime-48", feature = "wasmtime-47", feature = "wasmtime-46")))]
compile_error!("capwasi-wasmtime: enable one Wasmtime version feature: wasmtime-48, wasmtime-47 or wasmtime-46");

// The release in use, under one name, re-exported. (`wasmtime-48`'s dependency is already
// called `wasmtime`.)
/// The Wasmtime crate this build links against (the one chosen by the version feature).
#[cfg(feature = "wasmtime-48")]
pub use ::wasmtime;
/// The Wasmtime crate this build links against (the one chosen by the version feature).
#[cfg(all(feature = "wasmtime-47", not(feature = "wasmtime-48")))]
pub extern crate wasmtime47 as wasmtime;
/// The Wasmtime crate this build links against (the one chosen by the version feature).
#[cfg(all(feature = "wasmtime-46", not(any(feature = "wasmtime-48", feature = "wasmtime-47"))))]
pub extern crate wasmtime46 as wasmtime;

use capwasi::abi::HostOutcome;
use capwasi::{GuestMemory, I32Exit, Termination, WasiCtx};
use std::sync::Arc;
use wasmtime::{Caller, Extern, Linker, Memory, SharedMemory};

pub mod threads;
#[cfg(feature = "tokio")]
pub mod tokio;
#[cfg(feature = "tokio")]
pub use crate::tokio::{add_snapshot_to_linker_async, add_to_linker_async};

/// What the WASI imports of one store need: the context and the guest's memory handle.
///
/// The memory export is looked up once, on the first WASI call, and kept here: a lookup by
/// name costs about ten times the rest of a host call. One store should hold one instance
/// that imports WASI (as wasi-threads does, one store per thread); an embedder with several
/// sets the memory explicitly with [`WasiState::set_memory`].
pub struct WasiState {
    ctx: Arc<WasiCtx>,
    memory: Option<GuestMemoryHandle>,
}

/// A handle to the guest's linear memory, plain or shared.
#[derive(Clone)]
pub enum GuestMemoryHandle {
    /// A memory owned by the store.
    Plain(Memory),
    /// A memory shared between threads (wasi-threads).
    Shared(SharedMemory),
}

/// A clone shares the context and a shared memory, but not a plain memory handle: that one
/// belongs to its store, and a clone is for another store (a wasi-threads thread), which
/// finds its own memory on its first call.
impl Clone for WasiState {
    fn clone(&self) -> Self {
        let memory = match &self.memory {
            Some(GuestMemoryHandle::Shared(memory)) => Some(GuestMemoryHandle::Shared(memory.clone())),
            _ => None,
        };
        WasiState { ctx: Arc::clone(&self.ctx), memory }
    }
}

impl WasiState {
    /// State for a store running a program with context `ctx`.
    pub fn new(ctx: impl Into<Arc<WasiCtx>>) -> WasiState {
        WasiState { ctx: ctx.into(), memory: None }
    }

    /// The context, to share with other stores (threads) of the same program.
    pub fn ctx(&self) -> &Arc<WasiCtx> {
        &self.ctx
    }

    /// The context, mutably, while no other state shares it (before any clone): for
    /// embedding layers that change a built context, such as wasi-common's `push_arg`.
    pub fn ctx_mut(&mut self) -> Option<&mut WasiCtx> {
        Arc::get_mut(&mut self.ctx)
    }

    /// Uses `memory` for every later WASI call from this store.
    pub fn set_memory(&mut self, memory: GuestMemoryHandle) {
        self.memory = Some(memory);
    }
}

pub use capwasi::abi::Snapshot;

/// How the imports find the [`WasiState`] in a store's data: a closure or function such as
/// `|state| state` or `|host: &mut Host| &mut host.wasi`. Any `Fn` that is `Copy`, `Send`,
/// `Sync` and `'static` qualifies (a plain `fn` pointer too), so an embedding layer can
/// compose its own accessor with this one.
pub trait GetState<T>: Fn(&mut T) -> &mut WasiState + Send + Sync + Copy + 'static {}

impl<T, F> GetState<T> for F where F: Fn(&mut T) -> &mut WasiState + Send + Sync + Copy + 'static {}

/// Calls one import's implementation, through the tracer when tracing is on (and, with a
/// `$traceable` of `false`, never: the benchmarks' baseline with tracing compiled out).
macro_rules! call_import {
    ($ctx:ident, $mem:ident, $spec:path, $ret:ty, $imp:path, $($arg:ident),*) => {
        call_import!(true; $ctx, $mem, $spec, $ret, $imp, $($arg),*)
    };
    ($traceable:expr; $ctx:ident, $mem:ident, $spec:path, $ret:ty, $imp:path, $($arg:ident),*) => {
        if $traceable {
            capwasi::abi::trace::call(&$spec, move || [$($arg as u64),*], $ctx, $mem, move |ctx, mem| {
                HostOutcome::<$ret>::into_wasm($imp(ctx, mem, $($arg),*))
            })
        } else {
            HostOutcome::<$ret>::into_wasm($imp($ctx, $mem, $($arg),*))
        }
    };
}
#[cfg(feature = "tokio")]
pub(crate) use call_import;

/// Adds every import of both WASI 0.1 snapshots (`wasi_snapshot_preview1` and
/// `wasi_unstable`) to `linker`, for synchronous execution. A module may import either or
/// both; they share the store's one context.
///
/// `get` finds the [`WasiState`] inside the store's data.
pub fn add_to_linker_sync<T: 'static>(
    linker: &mut Linker<T>,
    get: impl GetState<T>,
) -> wasmtime::Result<()> {
    add_snapshot_to_linker_sync(linker, Snapshot::Preview1, get)?;
    add_snapshot_to_linker_sync(linker, Snapshot::Unstable, get)
}

/// Adds the imports of one snapshot only.
pub fn add_snapshot_to_linker_sync<T: 'static>(
    linker: &mut Linker<T>,
    snapshot: Snapshot,
    get: impl GetState<T>,
) -> wasmtime::Result<()> {
    link_sync::<T, true>(linker, snapshot, get, &|_| true)
}

/// Adds to `linker` only the WASI imports that `module` declares (of either snapshot), for
/// synchronous execution. Defining all ~90 host functions takes ~150 µs, most of a small
/// program's start-up, and a program imports a handful; a linker made this way serves
/// `module` (and its wasi-threads instances), not modules that import more.
pub fn add_to_linker_sync_for<T: 'static>(
    linker: &mut Linker<T>,
    module: &wasmtime::Module,
    get: impl GetState<T>,
) -> wasmtime::Result<()> {
    for snapshot in [Snapshot::Preview1, Snapshot::Unstable] {
        let names: Vec<&str> =
            module.imports().filter(|import| import.module() == snapshot.module()).map(|import| import.name()).collect();
        if !names.is_empty() {
            link_sync::<T, true>(linker, snapshot, get, &|name| names.contains(&name))?;
        }
    }
    Ok(())
}

/// [`add_to_linker_sync`] with the tracing check compiled out: only for the benchmark that
/// shows what that check costs when tracing is off.
#[doc(hidden)]
pub fn add_to_linker_sync_untraced<T: 'static>(
    linker: &mut Linker<T>,
    get: impl GetState<T>,
) -> wasmtime::Result<()> {
    link_sync::<T, false>(linker, Snapshot::Preview1, get, &|_| true)?;
    link_sync::<T, false>(linker, Snapshot::Unstable, get, &|_| true)
}

fn link_sync<T: 'static, const TRACEABLE: bool>(
    linker: &mut Linker<T>,
    snapshot: Snapshot,
    get: impl GetState<T>,
    wanted: &dyn Fn(&str) -> bool,
) -> wasmtime::Result<()> {
    macro_rules! link_each {
        (
            module: $module:literal;
            $(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $imp:path, $spec:path;)*
        ) => {
            $(
                if wanted(stringify!($name)) {
                    linker.func_wrap(
                        $module,
                        stringify!($name),
                        move |mut caller: Caller<'_, T>, $($arg: $ty),*| -> wasmtime::Result<$ret> {
                            with_guest(&mut caller, get, move |ctx, mem| {
                                call_import!(TRACEABLE; ctx, mem, $spec, $ret, $imp, $($arg),*)
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

/// Runs `call` with the context and a view of the caller's memory, then maps a termination
/// to a Wasmtime error.
#[inline]
pub(crate) fn with_guest<T: 'static, R>(
    caller: &mut Caller<'_, T>,
    get: impl GetState<T>,
    call: impl FnOnce(&WasiCtx, &mut GuestMemory<'_>) -> Result<R, Termination>,
) -> wasmtime::Result<R> {
    // The common case, a plain memory already found, copies the handle out and borrows the
    // bytes and the context in one split of the store; everything else takes the slow path.
    if let Some(GuestMemoryHandle::Plain(memory)) = get(caller.data_mut()).memory {
        let (bytes, data) = memory.data_and_store_mut(&mut *caller);
        return match call(&get(data).ctx, &mut GuestMemory::unshared(bytes)) {
            Ok(value) => Ok(value),
            Err(end) => Err(termination_to_error(end)),
        };
    }
    with_guest_slow(caller, get, call)
}

/// [`with_guest`] for a shared memory, a memory not yet looked up, or a module without one.
#[inline(never)]
fn with_guest_slow<T: 'static, R>(
    caller: &mut Caller<'_, T>,
    get: impl GetState<T>,
    call: impl FnOnce(&WasiCtx, &mut GuestMemory<'_>) -> Result<R, Termination>,
) -> wasmtime::Result<R> {
    let memory = match &get(caller.data_mut()).memory {
        Some(memory) => Some(memory.clone()),
        None => resolve_memory(caller, get),
    };
    let outcome = match memory {
        Some(GuestMemoryHandle::Plain(memory)) => {
            let (bytes, data) = memory.data_and_store_mut(&mut *caller);
            call(&get(data).ctx, &mut GuestMemory::unshared(bytes))
        }
        Some(GuestMemoryHandle::Shared(memory)) => {
            call(&get(caller.data_mut()).ctx, &mut GuestMemory::shared(memory.data()))
        }
        None => call(&get(caller.data_mut()).ctx, &mut GuestMemory::empty()),
    };
    outcome.map_err(termination_to_error)
}

/// Finds the caller's `memory` export and remembers it for later calls.
#[cold]
fn resolve_memory<T: 'static>(
    caller: &mut Caller<'_, T>,
    get: impl GetState<T>,
) -> Option<GuestMemoryHandle> {
    let memory = match caller.get_export("memory")? {
        Extern::Memory(memory) => GuestMemoryHandle::Plain(memory),
        Extern::SharedMemory(memory) => GuestMemoryHandle::Shared(memory),
        _ => return None,
    };
    get(caller.data_mut()).memory = Some(memory.clone());
    Some(memory)
}

#[cold]
#[inline(never)]
fn termination_to_error(end: Termination) -> wasmtime::Error {
    match end {
        Termination::Exit(exit) => wasmtime::Error::new(exit),
        Termination::Trap(message) => wasmtime::Error::msg(message),
    }
}

/// The exit status the guest asked for, if `err` ended a call because of `proc_exit`.
///
/// ```
/// # use capwasi::I32Exit;
/// let err = wasmtime::Error::new(I32Exit(3));
/// assert_eq!(capwasi_wasmtime::exit_code(&err), Some(3));
/// ```
pub fn exit_code(err: &wasmtime::Error) -> Option<i32> {
    err.downcast_ref::<I32Exit>().map(|exit| exit.0)
}
