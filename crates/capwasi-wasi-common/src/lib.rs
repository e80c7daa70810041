//! A drop-in replacement for Wasmtime's legacy `wasi-common` 46, implemented by capwasi.
//!
//! Change one line of `Cargo.toml`:
//!
//! ```toml
//! wasi-common = { package = "capwasi-wasi-common", version = "0.1" }
//! # on Wasmtime 46 (or 47):
//! wasi-common = { package = "capwasi-wasi-common", version = "0.1", default-features = false, features = ["sync", "wasmtime-46"] }
//! ```
//!
//! and code written against wasi-common 46 (`sync::WasiCtxBuilder`, `sync::add_to_linker`,
//! pipes, `I32Exit`, your own `WasiFile`/`WasiDir` types) compiles and runs unchanged. This
//! crate is a thin layer: every WASI call is capwasi's (`capwasi` core, `capwasi-os` for
//! the host, `capwasi-wasmtime` for the linker). The differences, and how to move on to
//! capwasi's own API, are in `docs/migrating-from-wasi-common.md`.
//!
//! ```
//! use wasi_common::pipe::WritePipe;
//! use wasi_common::sync::{add_to_linker, WasiCtxBuilder};
//! use wasi_common::WasiCtx;
//! # use capwasi_wasi_common as wasi_common;
//! # use capwasi_wasi_common::wasmtime;
//! use wasmtime::{Engine, Linker, Module, Store};
//!
//! # fn main() -> wasmtime::Result<()> {
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"(module
//!     (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
//!     (memory (export "memory") 1)
//!     (data (i32.const 16) "hi\n")
//!     (func (export "_start")
//!       (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 3))
//!       (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#)?;
//! let mut linker: Linker<WasiCtx> = Linker::new(&engine);
//! add_to_linker(&mut linker, |s| s)?;
//! let stdout = WritePipe::new_in_memory();
//! let wasi = WasiCtxBuilder::new().stdout(Box::new(stdout.clone())).build();
//! let mut store = Store::new(&engine, wasi);
//! linker.module(&mut store, "", &module)?;
//! linker.get_default(&mut store, "")?.typed::<(), ()>(&store)?.call(&mut store, ())?;
//! drop(store);
//! assert_eq!(stdout.try_into_inner().unwrap().into_inner(), b"hi\n");
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod clocks;
mod ctx;
pub mod dir;
mod error;
pub mod file;
pub mod pipe;
pub mod snapshots;
#[cfg(feature = "sync")]
pub mod sync;
#[cfg(feature = "tokio")]
pub mod tokio;

/// The Wasmtime crate this build links against (chosen by the `wasmtime-*` feature).
pub use capwasi_wasmtime::wasmtime;

pub use clocks::SystemTimeSpec;
pub use ctx::{Table, WasiCtx};
pub use dir::WasiDir;
pub use error::{Errno, Error, ErrorExt, I32Exit, StringArrayError};
pub use file::WasiFile;

/// Ends the host process as the guest asked, when `e` is its exit (`proc_exit`): with its
/// status. A trap prints the error and exits with status 134 (128 + SIGABRT), as the
/// Wasmtime CLI does. Any other error is handed back.
///
/// Only for embeddings that may end their own process (a CLI), never for multi-tenant ones.
pub fn maybe_exit_on_error(e: wasmtime::Error) -> wasmtime::Error {
    if let Some(exit) = e.downcast_ref::<I32Exit>() {
        std::process::exit(exit.0);
    }
    if e.is::<wasmtime::Trap>() {
        eprintln!("Error: {e:?}");
        std::process::exit(128 + 6);
    }
    e
}
