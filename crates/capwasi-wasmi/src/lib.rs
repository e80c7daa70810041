//! wasmi glue for capwasi: links every WASI 0.1 import (`wasi_snapshot_preview1` and
//! `wasi_unstable`) into a [`wasmi::Linker`].
//!
//! The second engine proves the core is engine-agnostic: this crate only finds the guest's
//! memory, calls [`capwasi::abi`] through the core's import table, and maps the outcome;
//! nothing in `capwasi` knows it exists.
//!
//! ```
//! use capwasi::WasiCtx;
//! use capwasi_wasmi::{add_to_linker, exit_code, WasiState};
//! use wasmi::{Engine, Linker, Module, Store};
//!
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"(module
//!     (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
//!     (memory (export "memory") 1)
//!     (func (export "_start") (call $exit (i32.const 3))))"#).unwrap();
//! let mut linker: Linker<WasiState> = Linker::new(&engine);
//! add_to_linker(&mut linker, |state| state).unwrap();
//! let mut store = Store::new(&engine, WasiState::new(WasiCtx::builder().build().unwrap()));
//! let instance = linker.instantiate_and_start(&mut store, &module).unwrap();
//! let start = instance.get_typed_func::<(), ()>(&store, "_start").unwrap();
//! let err = start.call(&mut store, ()).unwrap_err();
//! assert_eq!(exit_code(&err), Some(3));
//! ```
#![deny(missing_docs)]

use capwasi::abi::{HostOutcome, Snapshot};
use capwasi::{GuestMemory, Termination, WasiCtx};
use std::sync::Arc;
use wasmi::{Caller, Extern, Linker, Memory};

/// What the WASI imports of one store need: the context and the guest's memory handle,
/// looked up once on the first call.
pub struct WasiState {
    ctx: Arc<WasiCtx>,
    memory: Option<Memory>,
}

impl WasiState {
    /// State for a store running a program with context `ctx`.
    pub fn new(ctx: impl Into<Arc<WasiCtx>>) -> WasiState {
        WasiState { ctx: ctx.into(), memory: None }
    }

    /// The context.
    pub fn ctx(&self) -> &Arc<WasiCtx> {
        &self.ctx
    }

    /// Uses `memory` for every later WASI call from this store.
    pub fn set_memory(&mut self, memory: Memory) {
        self.memory = Some(memory);
    }
}

/// Adds every import of both snapshots to `linker`. `get` finds the [`WasiState`] in the
/// store data.
pub fn add_to_linker<T: 'static>(linker: &mut Linker<T>, get: fn(&mut T) -> &mut WasiState) -> Result<(), wasmi::errors::LinkerError> {
    add_snapshot_to_linker(linker, Snapshot::Preview1, get)?;
    add_snapshot_to_linker(linker, Snapshot::Unstable, get)
}

/// Adds the imports of one snapshot.
pub fn add_snapshot_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    snapshot: Snapshot,
    get: fn(&mut T) -> &mut WasiState,
) -> Result<(), wasmi::errors::LinkerError> {
    macro_rules! link_each {
        (
            module: $module:literal;
            $(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $imp:path, $spec:path;)*
        ) => {
            $(
                linker.func_wrap(
                    $module,
                    stringify!($name),
                    move |mut caller: Caller<'_, T>, $($arg: $ty),*| -> Result<$ret, wasmi::Error> {
                        with_guest(&mut caller, get, |ctx, mem| {
                            capwasi::abi::trace::call(&$spec, || [$($arg as u64),*], ctx, mem, |ctx, mem| {
                                HostOutcome::<$ret>::into_wasm($imp(ctx, mem, $($arg),*))
                            })
                        })
                    },
                )?;
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
/// to a wasmi error.
#[inline]
fn with_guest<T: 'static, R>(
    caller: &mut Caller<'_, T>,
    get: fn(&mut T) -> &mut WasiState,
    call: impl FnOnce(&WasiCtx, &mut GuestMemory<'_>) -> Result<R, Termination>,
) -> Result<R, wasmi::Error> {
    let memory = match get(caller.data_mut()).memory {
        Some(memory) => Some(memory),
        None => {
            let memory = caller.get_export("memory").and_then(Extern::into_memory);
            get(caller.data_mut()).memory = memory;
            memory
        }
    };
    let outcome = match memory {
        Some(memory) => {
            let (bytes, data) = memory.data_and_store_mut(&mut *caller);
            call(&get(data).ctx, &mut GuestMemory::unshared(bytes))
        }
        None => call(&get(caller.data_mut()).ctx, &mut GuestMemory::empty()),
    };
    outcome.map_err(|end| match end {
        Termination::Exit(exit) => wasmi::Error::i32_exit(exit.0),
        Termination::Trap(message) => wasmi::Error::new(message),
    })
}

/// The exit status the guest asked for, if `err` ended a call because of `proc_exit`.
pub fn exit_code(err: &wasmi::Error) -> Option<i32> {
    err.i32_exit_status()
}
