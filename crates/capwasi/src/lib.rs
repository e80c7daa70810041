//! capwasi: a host for WASI Preview 1 programs, independent of any WebAssembly engine.
//!
//! - [`WasiCtx`] is what one program sees: args, env, descriptors, clocks, randomness, and
//!   scheduling. Build it with [`WasiCtxBuilder`].
//! - The descriptor table ([`table`]) holds files ([`WasiFile`]) and directories
//!   ([`WasiDir`]) as two kinds; backends implement those traits (`capwasi-os` on the host
//!   OS through cap-std, in-memory [`pipe`]s here).
//! - [`abi`] implements every `wasi_snapshot_preview1` import on a [`GuestMemory`] view, and
//!   [`for_each_preview1_import!`] lists them so engine glue (e.g. `capwasi-wasmtime`) links
//!   them without naming any.
#![deny(missing_docs)]

pub mod abi;
pub mod clocks;
mod ctx;
pub mod determinism;
pub mod dir;
mod error;
pub mod file;
pub mod memory;
pub mod path_shape;
pub mod pipe;
pub mod random;
pub mod sched;
pub mod table;
pub mod types;

pub use ctx::{BuildError, WasiCtx, WasiCtxBuilder};
pub use dir::WasiDir;
pub use error::{Errno, Error, I32Exit, Result, Termination};
pub use file::WasiFile;
pub use memory::GuestMemory;

/// Locks a mutex whose data stays valid even if a holder panicked (every critical section
/// here leaves its data consistent after each statement).
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

// The context is shared by every thread of a wasi-threads program.
const _: fn() = || {
    fn shareable<T: Send + Sync>() {}
    shareable::<WasiCtx>();
};
