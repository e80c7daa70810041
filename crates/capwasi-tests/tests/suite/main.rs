//! capwasi's guest test suite: one test binary (linking Wasmtime once), one module per area.

mod args_env;
mod bad_input;
mod clocks;
mod preopens;
mod proc;
mod random;
mod stdio;
mod differential;
mod fs_util;
mod fs_probe;
mod fs_sandbox;
mod fs_rights;
mod fs_position;
mod fs_meta;
mod fs_readdir;
mod fs_renumber;
mod fs_open;
mod fs_links;
mod fs_readonly;
mod fs_abi;
mod fs_differential;
mod poll_guest;
mod poll_wat;
mod poll_differential;
mod async_linker;
