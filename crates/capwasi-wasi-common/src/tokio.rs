//! The Tokio embedding: the same context and builder, linked with capwasi's async linker
//! (`func_wrap_async`; instantiate with `instantiate_async`, call with `call_async`).
//!
//! wasi-common had separate Tokio file and directory types; capwasi's host objects serve
//! both linkers (the async one waits for readiness on Tokio's reactor), so the builder is
//! the sync one.

pub use crate::sync::{Dir, WasiCtxBuilder};

use crate::snapshots::preview_0::wasi_unstable::WasiUnstable;
use crate::snapshots::preview_1::wasi_snapshot_preview1::WasiSnapshotPreview1;
use crate::snapshots::state_of;
use crate::wasmtime::Linker;
use capwasi_wasmtime::Snapshot;

/// Adds both snapshots' imports to `linker` for async calls on a Tokio runtime.
pub fn add_to_linker<T, U>(
    linker: &mut Linker<T>,
    get_cx: impl Fn(&mut T) -> &mut U + Send + Sync + Copy + 'static,
) -> crate::wasmtime::Result<()>
where
    U: Send + WasiUnstable + WasiSnapshotPreview1,
    T: Send + 'static,
{
    snapshots::preview_1::add_wasi_snapshot_preview1_to_linker(linker, get_cx)?;
    snapshots::preview_0::add_wasi_unstable_to_linker(linker, get_cx)?;
    Ok(())
}

/// The async linker of each snapshot.
pub mod snapshots {
    use super::*;

    /// `wasi_snapshot_preview1`.
    pub mod preview_1 {
        use super::*;

        /// Adds the `wasi_snapshot_preview1` imports to `linker` for async calls.
        pub fn add_wasi_snapshot_preview1_to_linker<T, U>(
            linker: &mut Linker<T>,
            get_cx: impl Fn(&mut T) -> &mut U + Send + Sync + Copy + 'static,
        ) -> crate::wasmtime::Result<()>
        where
            U: WasiSnapshotPreview1,
            T: Send + 'static,
        {
            capwasi_wasmtime::add_snapshot_to_linker_async(linker, Snapshot::Preview1, state_of::<T, U>(get_cx))
        }
    }

    /// `wasi_unstable`.
    pub mod preview_0 {
        use super::*;

        /// Adds the `wasi_unstable` imports to `linker` for async calls.
        pub fn add_wasi_unstable_to_linker<T, U>(
            linker: &mut Linker<T>,
            get_cx: impl Fn(&mut T) -> &mut U + Send + Sync + Copy + 'static,
        ) -> crate::wasmtime::Result<()>
        where
            U: WasiUnstable,
            T: Send + 'static,
        {
            capwasi_wasmtime::add_snapshot_to_linker_async(linker, Snapshot::Unstable, state_of::<T, U>(get_cx))
        }
    }
}
