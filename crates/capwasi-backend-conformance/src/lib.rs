//! The conformance suite of capwasi's filesystem backends lives in `tests/backends.rs`: one
//! random sequence of `WasiDir`/`WasiFile` calls on the OS backend and on the in-memory one,
//! every answer and the final tree compared, plus one test per recorded difference. Anyone
//! changing either backend (or adding a third) runs it with
//! `cargo test -p capwasi-backend-conformance`.
