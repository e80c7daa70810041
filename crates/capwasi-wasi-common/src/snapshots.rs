//! The two WASI 0.1 snapshots: their errno types, the traits a store's context type
//! implements, and the sync linker of each.
//!
//! In wasi-common these traits were generated from the witx files and implemented for
//! `WasiCtx` with every call; here every call is capwasi's, and the traits only mark the
//! context types the linker functions accept.

use crate::ctx::WasiCtx;
use capwasi_wasmtime::WasiState;

/// Finds capwasi's per-store state in the type `get_cx` returns.
pub(crate) fn state_of<T, U: AsState>(
    get_cx: impl Fn(&mut T) -> &mut U + Send + Sync + Copy + 'static,
) -> impl Fn(&mut T) -> &mut WasiState + Send + Sync + Copy + 'static {
    move |data: &mut T| get_cx(data).capwasi_state()
}

/// Implemented by [`WasiCtx`]; not meant to be implemented elsewhere.
#[doc(hidden)]
pub trait AsState: 'static {
    #[doc(hidden)]
    fn capwasi_state(&mut self) -> &mut WasiState;
}

impl AsState for WasiCtx {
    fn capwasi_state(&mut self) -> &mut WasiState {
        self.state_mut()
    }
}

/// `wasi_snapshot_preview1`.
pub mod preview_1 {
    use super::{state_of, AsState};
    use crate::wasmtime::Linker;
    use capwasi_wasmtime::Snapshot;

    /// The snapshot's types.
    pub mod types {
        pub use crate::error::{Errno, Error};
    }

    /// The snapshot's errors.
    pub mod error {
        pub use crate::error::{Errno, Error, ErrorExt};
    }

    /// The snapshot's import module.
    pub mod wasi_snapshot_preview1 {
        /// A context the `wasi_snapshot_preview1` imports can serve: [`crate::WasiCtx`].
        pub trait WasiSnapshotPreview1: super::AsState {}
        impl WasiSnapshotPreview1 for crate::WasiCtx {}
    }

    /// Adds the `wasi_snapshot_preview1` imports to `linker`, for synchronous calls.
    pub fn add_wasi_snapshot_preview1_to_linker<T, U>(
        linker: &mut Linker<T>,
        get_cx: impl Fn(&mut T) -> &mut U + Send + Sync + Copy + 'static,
    ) -> crate::wasmtime::Result<()>
    where
        U: wasi_snapshot_preview1::WasiSnapshotPreview1,
        T: 'static,
    {
        capwasi_wasmtime::add_snapshot_to_linker_sync(linker, Snapshot::Preview1, state_of::<T, U>(get_cx))
    }
}

/// `wasi_unstable` (snapshot 0).
pub mod preview_0 {
    use super::{state_of, AsState};
    use crate::wasmtime::Linker;
    use capwasi_wasmtime::Snapshot;

    /// The snapshot's types (its errno is snapshot 1's).
    pub mod types {
        pub use crate::error::{Errno, Error};
    }

    /// The snapshot's import module.
    pub mod wasi_unstable {
        /// A context the `wasi_unstable` imports can serve: [`crate::WasiCtx`].
        pub trait WasiUnstable: super::AsState {}
        impl WasiUnstable for crate::WasiCtx {}
    }

    /// Adds the `wasi_unstable` imports to `linker`, for synchronous calls.
    pub fn add_wasi_unstable_to_linker<T, U>(
        linker: &mut Linker<T>,
        get_cx: impl Fn(&mut T) -> &mut U + Send + Sync + Copy + 'static,
    ) -> crate::wasmtime::Result<()>
    where
        U: wasi_unstable::WasiUnstable,
        T: 'static,
    {
        capwasi_wasmtime::add_snapshot_to_linker_sync(linker, Snapshot::Unstable, state_of::<T, U>(get_cx))
    }
}
