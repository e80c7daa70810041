//! capwasi's guest test suite: one test binary (linking Wasmtime once), one module per area.

mod stdio;
