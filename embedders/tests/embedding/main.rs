//! Embedder programs written against wasi-common 46 and wasmtime-wasi-threads 46, as their
//! users write them. The same files build against the real crates (embedders/upstream-46)
//! and against capwasi's drop-in crates on Wasmtime 48 (embedders/Cargo.toml) and 46
//! (embedders/wasmtime-46): only the Cargo lines differ.

mod cli;
mod custom_files;
mod pipes;
mod preopens;
mod sockets;
mod threads;
mod tokio_async;

/// A fresh, empty directory for one test.
pub fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("wasi-common-embedders-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
