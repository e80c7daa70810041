//! capwasi's guest test suite: one test binary (linking Wasmtime once), one module per area.
//! Modules that compare against the reference host (wasmtime-wasi 48) run on Wasmtime 48
//! only; the rest run on every release capwasi-wasmtime supports.

// The Wasmtime release chosen by this crate's version feature, under one name (as in
// capwasi-wasmtime): `wasmtime-48`'s dependency is already called `wasmtime`.
#[cfg(all(feature = "wasmtime-47", not(feature = "wasmtime-48")))]
extern crate wasmtime47 as wasmtime;
#[cfg(all(feature = "wasmtime-46", not(any(feature = "wasmtime-48", feature = "wasmtime-47"))))]
extern crate wasmtime46 as wasmtime;


mod args_env;
mod bad_input;
mod clocks;
mod preopens;
mod proc;
mod random;
mod stdio;
#[cfg(feature = "wasmtime-48")]
mod differential;
mod fs_util;
#[cfg(feature = "wasmtime-48")]
mod fs_probe;
mod fs_sandbox;
mod fs_rights;
mod fs_position;
mod fs_meta;
mod fs_readdir;
mod fs_renumber;
mod fs_open;
mod fs_kind;
mod fs_links;
mod fs_readonly;
mod fs_abi;
#[cfg(feature = "wasmtime-48")]
mod fs_differential;
mod poll_guest;
mod poll_wat;
#[cfg(feature = "wasmtime-48")]
mod poll_differential;
mod async_linker;
mod unstable_util;
mod unstable_layouts;
mod unstable_mixed;
#[cfg(feature = "wasmtime-48")]
mod unstable_differential;
mod hostile_sweep;
mod threads_util;
mod threads_append;
mod threads_exit;
mod threads_spawn;
mod threads_fds;
mod threads_concurrency;
mod sock_guest;
mod deterministic;
mod security_util;
mod security_escape;
mod security_advisories;
mod security_race;
mod security_dataloss;
mod security_limits;
mod security_fuzz;
