//! A drop-in replacement for `wasmtime-wasi-threads` 46, implemented by capwasi-wasmtime's
//! wasi-threads (each `thread-spawn` is a new store on a new OS thread, instantiating the
//! module again through the same linker, with a clone of the spawner's store data).
//!
//! ```toml
//! wasmtime-wasi-threads = { package = "capwasi-wasi-threads", version = "0.1" }
//! # on Wasmtime 46 (or 47), the same version feature as capwasi-wasi-common's:
//! wasmtime-wasi-threads = { package = "capwasi-wasi-threads", version = "0.1", default-features = false, features = ["wasmtime-46"] }
//! ```
//!
//! As in wasmtime-wasi-threads, the module imports a shared memory, which
//! [`add_to_linker`] creates and defines in the linker, and exports it as `memory` for the
//! WASI calls. When any thread calls `proc_exit` or traps, the host process exits (with the
//! guest's status, or 134 for a trap), as the Wasmtime CLI did: other threads may be blocked
//! in host calls and there is no other way to stop them. capwasi-wasmtime's
//! [`WasiThreads`] lets an embedder choose otherwise (`on_exit`).
#![deny(missing_docs)]

pub use capwasi_wasmtime::threads::WasiThreads;
/// The Wasmtime crate this build links against (chosen by the `wasmtime-*` feature).
pub use capwasi_wasmtime::wasmtime;

use capwasi_wasmtime::threads::ThreadExit;
use std::sync::Arc;
use wasmtime::{Caller, ExternType, Linker, Module, Result, SharedMemory, Store};

/// The entry point wasi-threads requires every threaded module to export.
const WASI_ENTRY_POINT: &str = "wasi_thread_start";

/// What `thread-spawn` needs to start threads of one module.
pub struct WasiThreadsCtx<T: 'static> {
    threads: Arc<WasiThreads<T>>,
    /// Whether the module exports `wasi_thread_start(i32, i32)`; checked at spawn time, so
    /// modules that never spawn need not have it.
    has_entry_point: bool,
}

impl<T: Clone + Send + 'static> WasiThreadsCtx<T> {
    /// Threads of `module`, each instantiated through `linker`, which must already define
    /// every import of the module (this checks it). With `use_async`, the linker's imports
    /// are async (`tokio::add_to_linker`) and each thread runs on a Tokio runtime of its own.
    pub fn new(module: Module, linker: Arc<Linker<T>>, use_async: bool) -> Result<Self> {
        linker.instantiate_pre(&module)?;
        let has_entry_point = match module.get_export(WASI_ENTRY_POINT) {
            Some(ExternType::Func(ty)) => {
                let params: Vec<_> = ty.params().collect();
                params.len() == 2 && params.iter().all(|p| p.is_i32()) && ty.results().len() == 0
            }
            _ => false,
        };
        let threads = WasiThreads::new(module, linker).use_async(use_async).on_exit(|exit| {
            std::process::exit(match exit {
                ThreadExit::Exit(code) => *code,
                ThreadExit::Trap(message) => {
                    eprintln!("Error: {message}");
                    128 + 6
                }
            })
        });
        Ok(WasiThreadsCtx { threads: Arc::new(threads), has_entry_point })
    }

    /// Starts `wasi_thread_start(tid, thread_start_arg)` on a new OS thread with store data
    /// `host`; returns the new thread's id, or -1 (for the guest) if it cannot be started.
    pub fn spawn(&self, host: T, thread_start_arg: i32) -> Result<i32> {
        if !self.has_entry_point {
            return Ok(-1);
        }
        Ok(self.threads.spawn(host, thread_start_arg))
    }

    /// capwasi-wasmtime's threads behind this context (limits, exit status).
    pub fn threads(&self) -> &Arc<WasiThreads<T>> {
        &self.threads
    }
}

/// Adds `wasi`.`thread-spawn` to `linker`, and defines the shared memory `module` imports
/// (a new one, in `store`'s engine). `get_cx` finds the [`WasiThreadsCtx`] in the store
/// data; a new thread's store data is a clone of the spawner's.
pub fn add_to_linker<T: Clone + Send + 'static>(
    linker: &mut Linker<T>,
    store: &Store<T>,
    module: &Module,
    get_cx: impl Fn(&mut T) -> &WasiThreadsCtx<T> + Send + Sync + Copy + 'static,
) -> Result<()> {
    linker.func_wrap("wasi", "thread-spawn", move |mut caller: Caller<'_, T>, start_arg: i32| -> i32 {
        let host = caller.data().clone();
        let ctx = get_cx(caller.data_mut());
        ctx.spawn(host, start_arg).unwrap_or(-1)
    })?;
    for import in module.imports() {
        if let Some(ty) = import.ty().memory() {
            if !ty.is_shared() {
                return Err(wasmtime::format_err!(
                    "memory was not shared; a `wasi-threads` module must import a shared memory as \"memory\""
                ));
            }
            let memory = SharedMemory::new(module.engine(), ty.clone())?;
            linker.define(store, import.module(), import.name(), memory)?;
        }
    }
    Ok(())
}
