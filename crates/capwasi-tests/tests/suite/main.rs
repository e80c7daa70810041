//! capwasi's guest test suite: one test binary (linking Wasmtime once), one module per area.

mod args_env;
mod bad_input;
mod clocks;
mod preopens;
mod proc;
mod random;
mod stdio;
mod differential;
