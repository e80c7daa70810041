//! Per-request cost: what a host that serves requests pays for one guest run, from a fresh
//! context to the captured output, under capwasi and under wasmtime-wasi 48 p1.
//!
//! One request: build a context (two arguments, one environment variable, one preopened host
//! directory, stdin from memory, stdout captured in memory), instantiate [`REQUEST_WAT`] from
//! an [`InstancePre`] made once, run `_start`, read the captured stdout, drop everything.
//! The floor is the same instantiate-and-run of [`FLOOR_WAT`], a module with no imports:
//! what Wasmtime itself costs per request before any WASI host does anything.

use crate::runtime;
use std::path::{Path, PathBuf};
use wasmtime::{Engine, InstancePre, Linker, Module, Store};

/// The arguments every request passes (`argv[0]` first).
pub const ARGS: [&str; 2] = ["req", "alpha"];
/// The one environment variable every request passes.
pub const ENV: (&str, &str) = ("LANG", "C.UTF-8");
/// What every request's stdin holds.
pub const STDIN: &[u8] = b"GET /hello";
/// Where the preopened host directory appears to the guest.
pub const GUEST_DIR: &str = "/work";

/// A small command: what a C program's start-up asks (preopens, arguments, environment),
/// then it reads stdin and writes its arguments, environment and input to stdout
/// (11 WASI calls). Any
/// unexpected errno traps.
///
/// Memory: 0 an iovec, 8 a count, 16 prestat, 24 sizes, 512 the preopen's name, 1024 argv, 1280 environ,
/// 2048 argument strings, 3072 environment strings, 4096 what stdin held.
pub const REQUEST_WAT: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $ok (param $errno i32) (if (local.get $errno) (then unreachable)))
  (func $write_all (param $buf i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $buf))
    (i32.store (i32.const 4) (local.get $len))
    (call $ok (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (if (i32.ne (i32.load (i32.const 8)) (local.get $len)) (then unreachable)))
  (func (export "_start")
    (local $args_len i32) (local $env_len i32)
    ;; wasi-libc's preopen scan: fd 3 is the directory, fd 4 is badf (8).
    (call $ok (call $prestat_get (i32.const 3) (i32.const 16)))
    (call $ok (call $prestat_dir_name (i32.const 3) (i32.const 512) (i32.load (i32.const 20))))
    (if (i32.ne (call $prestat_get (i32.const 4) (i32.const 16)) (i32.const 8)) (then unreachable))
    (call $ok (call $args_sizes_get (i32.const 24) (i32.const 28)))
    (local.set $args_len (i32.load (i32.const 28)))
    (call $ok (call $args_get (i32.const 1024) (i32.const 2048)))
    (call $ok (call $environ_sizes_get (i32.const 24) (i32.const 28)))
    (local.set $env_len (i32.load (i32.const 28)))
    (call $ok (call $environ_get (i32.const 1280) (i32.const 3072)))
    ;; stdin into 4096
    (i32.store (i32.const 0) (i32.const 4096))
    (i32.store (i32.const 4) (i32.const 1024))
    (call $ok (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 24)))
    ;; stdout: argument strings, environment strings, stdin, one fd_write each (a stream
    ;; may take less than all of several iovecs: wasmtime-wasi takes only the first)
    (call $write_all (i32.const 2048) (local.get $args_len))
    (call $write_all (i32.const 3072) (local.get $env_len))
    (call $write_all (i32.const 4096) (i32.load (i32.const 24)))))"#;

/// The floor: the same shape (one page of memory, a `_start` that touches it) with no imports.
pub const FLOOR_WAT: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 4096))
    (i32.store (i32.const 4096) (i32.add (i32.load (i32.const 0)) (i32.const 1)))))"#;

/// What every request must write to stdout.
pub fn expected_stdout() -> Vec<u8> {
    let mut out = Vec::new();
    for arg in ARGS {
        out.extend_from_slice(arg.as_bytes());
        out.push(0);
    }
    out.extend_from_slice(format!("{}={}", ENV.0, ENV.1).as_bytes());
    out.push(0);
    out.extend_from_slice(STDIN);
    out
}

/// Which host serves the requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestHost {
    /// capwasi, sync linker, `preopened_host_dir` (opens the directory per request).
    Capwasi,
    /// capwasi, sync linker, the directory opened once and shared ([`capwasi_os::OsDir::share`]).
    CapwasiShared,
    /// capwasi, async linker, shared directory, on a current-thread Tokio runtime.
    CapwasiAsync,
    /// wasmtime-wasi 48 p1, sync linker.
    WasmtimeWasi,
    /// wasmtime-wasi 48 p1, async linker, on a current-thread Tokio runtime.
    WasmtimeWasiAsync,
    /// No WASI: [`FLOOR_WAT`] instantiated and run synchronously.
    Floor,
    /// No WASI: [`FLOOR_WAT`] with `instantiate_async` / `call_async`.
    FloorAsync,
}

impl RequestHost {
    /// Every host, in report order.
    pub const ALL: [RequestHost; 7] = [
        RequestHost::Capwasi,
        RequestHost::CapwasiShared,
        RequestHost::CapwasiAsync,
        RequestHost::WasmtimeWasi,
        RequestHost::WasmtimeWasiAsync,
        RequestHost::Floor,
        RequestHost::FloorAsync,
    ];

    /// The criterion function name.
    pub fn name(self) -> &'static str {
        match self {
            RequestHost::Capwasi => "capwasi",
            RequestHost::CapwasiShared => "capwasi_shared_dir",
            RequestHost::CapwasiAsync => "capwasi_async",
            RequestHost::WasmtimeWasi => "wasmtime_wasi",
            RequestHost::WasmtimeWasiAsync => "wasmtime_wasi_async",
            RequestHost::Floor => "floor",
            RequestHost::FloorAsync => "floor_async",
        }
    }
}

enum Pre {
    Capwasi(InstancePre<capwasi_wasmtime::WasiState>),
    Wasmtime(InstancePre<wasmtime_wasi::p1::WasiP1Ctx>),
    Floor(InstancePre<()>),
}

/// A request server: the linked, pre-instantiated module of one host, ready to serve.
pub struct RequestServer {
    host: RequestHost,
    pre: Pre,
    dir: PathBuf,
    shared_dir: Option<capwasi_os::OsDir>,
}

impl RequestServer {
    /// Compiles and links the request module (or the floor) for `host`, granting `dir`.
    pub fn new(engine: &Engine, host: RequestHost, dir: &Path) -> RequestServer {
        let is_async = matches!(host, RequestHost::CapwasiAsync | RequestHost::WasmtimeWasiAsync | RequestHost::FloorAsync);
        let pre = match host {
            RequestHost::Floor | RequestHost::FloorAsync => {
                let module = Module::new(engine, FLOOR_WAT).expect("compiling the floor");
                Pre::Floor(Linker::new(engine).instantiate_pre(&module).expect("pre-instantiating"))
            }
            RequestHost::Capwasi | RequestHost::CapwasiShared | RequestHost::CapwasiAsync => {
                let module = Module::new(engine, REQUEST_WAT).expect("compiling the request module");
                let mut linker = Linker::new(engine);
                if is_async {
                    capwasi_wasmtime::add_to_linker_async(&mut linker, |s| s).expect("linking capwasi");
                } else {
                    capwasi_wasmtime::add_to_linker_sync(&mut linker, |s| s).expect("linking capwasi");
                }
                Pre::Capwasi(linker.instantiate_pre(&module).expect("pre-instantiating"))
            }
            RequestHost::WasmtimeWasi | RequestHost::WasmtimeWasiAsync => {
                let module = Module::new(engine, REQUEST_WAT).expect("compiling the request module");
                let mut linker = Linker::new(engine);
                if is_async {
                    wasmtime_wasi::p1::add_to_linker_async(&mut linker, |s| s).expect("linking wasmtime-wasi");
                } else {
                    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s| s).expect("linking wasmtime-wasi");
                }
                Pre::Wasmtime(linker.instantiate_pre(&module).expect("pre-instantiating"))
            }
        };
        let shared_dir = matches!(host, RequestHost::CapwasiShared | RequestHost::CapwasiAsync)
            .then(|| capwasi_os::OsDir::open_ambient(dir).expect("opening the granted directory"));
        RequestServer { host, pre, dir: dir.to_path_buf(), shared_dir }
    }

    /// Builds only the context a request would get, and drops it.
    pub fn build_context(&self) {
        match self.host {
            RequestHost::Capwasi | RequestHost::CapwasiShared | RequestHost::CapwasiAsync => {
                drop(std::hint::black_box(self.capwasi_ctx().0));
            }
            RequestHost::WasmtimeWasi | RequestHost::WasmtimeWasiAsync => {
                drop(std::hint::black_box(self.wasmtime_ctx().0));
            }
            RequestHost::Floor | RequestHost::FloorAsync => {}
        }
    }

    fn capwasi_ctx(&self) -> (capwasi::WasiCtx, capwasi::pipe::WritePipe<Vec<u8>>) {
        use capwasi_os::WasiCtxBuilderExt;
        let stdout = capwasi::pipe::WritePipe::new_in_memory();
        let mut builder = capwasi::WasiCtx::builder();
        builder.args(ARGS).env(ENV.0, ENV.1).stdin(capwasi::pipe::ReadPipe::from_bytes(STDIN)).stdout(stdout.clone());
        match &self.shared_dir {
            Some(dir) => {
                builder.preopened_dir(dir.share(), GUEST_DIR);
            }
            None => {
                builder.preopened_host_dir(&self.dir, GUEST_DIR).expect("preopening");
            }
        }
        (builder.build().expect("a context"), stdout)
    }

    fn wasmtime_ctx(&self) -> (wasmtime_wasi::p1::WasiP1Ctx, wasmtime_wasi::p2::pipe::MemoryOutputPipe) {
        let stdout = wasmtime_wasi::p2::pipe::MemoryOutputPipe::new(1 << 20);
        let mut builder = wasmtime_wasi::WasiCtxBuilder::new();
        builder
            .args(&ARGS)
            .env(ENV.0, ENV.1)
            .stdin(wasmtime_wasi::p2::pipe::MemoryInputPipe::new(STDIN))
            .stdout(stdout.clone())
            .allow_blocking_current_thread(self.host == RequestHost::WasmtimeWasi);
        builder.preopened_dir(&self.dir, GUEST_DIR, wasmtime_wasi::FsPerms::ReadWrite).expect("preopening");
        (builder.build_p1(), stdout)
    }

    /// Serves one request and returns what the guest wrote to stdout (empty for the floor).
    pub fn serve(&self) -> Vec<u8> {
        let is_async = matches!(self.host, RequestHost::CapwasiAsync | RequestHost::WasmtimeWasiAsync | RequestHost::FloorAsync);
        match &self.pre {
            Pre::Floor(pre) => {
                run(pre, Store::new(pre.module().engine(), ()), is_async);
                Vec::new()
            }
            Pre::Capwasi(pre) => {
                let (ctx, stdout) = self.capwasi_ctx();
                let store = Store::new(pre.module().engine(), capwasi_wasmtime::WasiState::new(ctx));
                run(pre, store, is_async);
                stdout.contents()
            }
            Pre::Wasmtime(pre) => {
                let (ctx, stdout) = self.wasmtime_ctx();
                let store = Store::new(pre.module().engine(), ctx);
                run(pre, store, is_async);
                stdout.contents().to_vec()
            }
        }
    }
}

fn run<T: Send + 'static>(pre: &InstancePre<T>, mut store: Store<T>, is_async: bool) {
    if is_async {
        runtime().block_on(async {
            let instance = pre.instantiate_async(&mut store).await.expect("instantiating");
            let start = instance.get_typed_func::<(), ()>(&mut store, "_start").expect("_start");
            start.call_async(&mut store, ()).await.expect("running");
        });
    } else {
        let instance = pre.instantiate(&mut store).expect("instantiating");
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start").expect("_start");
        start.call(&mut store, ()).expect("running");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_host_serves_the_same_output() {
        let dir = tempfile::tempdir().unwrap();
        for host in RequestHost::ALL {
            let server = RequestServer::new(crate::engine(), host, dir.path());
            server.build_context();
            for _ in 0..3 {
                let out = server.serve();
                match host {
                    RequestHost::Floor | RequestHost::FloorAsync => assert!(out.is_empty()),
                    _ => assert_eq!(String::from_utf8_lossy(&out), String::from_utf8_lossy(&expected_stdout()), "{host:?}"),
                }
            }
        }
    }
}
