//! A request-serving host: one engine, one `InstancePre` made at start-up, and for every
//! request a fresh WASI context with the request body as stdin and stdout captured in
//! memory, run on a Tokio runtime with the async linker. Requests that wait (here each
//! guest sleeps 20 ms in `poll_oneoff`) hold no thread: 500 of them share two workers.
//!
//! ```text
//! cargo run --release -p capwasi-wasmtime --example request_host
//! ```
//!
//! What a request costs, against wasmtime-wasi: `crates/capwasi-bench` (`request` group).

use capwasi::pipe::{ReadPipe, WritePipe};
use capwasi::WasiCtx;
use capwasi_os::OsDir;
use capwasi_wasmtime::{add_to_linker_async, exit_code, WasiState};
use std::sync::Arc;
use std::time::Instant;
use wasmtime::{Engine, InstancePre, Linker, Module, Store};

/// The handler: sleeps 20 ms (a stand-in for waiting on a backend), reads the request body
/// from stdin, writes it back upper-cased, and exits with status 0.
const HANDLER: &str = r#"(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (local $i i32) (local $n i32) (local $c i32)
    ;; poll_oneoff: one relative monotonic-clock subscription of 20 ms.
    (i32.store8 (i32.const 264) (i32.const 0))
    (i32.store (i32.const 272) (i32.const 1))
    (i64.store (i32.const 280) (i64.const 20000000))
    (if (call $poll (i32.const 256) (i32.const 512) (i32.const 1) (i32.const 600)) (then unreachable))
    ;; The body into 1024.
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 4096))
    (if (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)) (then unreachable))
    (local.set $n (i32.load (i32.const 8)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $c (i32.load8_u (i32.add (i32.const 1024) (local.get $i))))
        (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
          (then (i32.store8 (i32.add (i32.const 1024) (local.get $i)) (i32.sub (local.get $c) (i32.const 32)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.store (i32.const 4) (local.get $n))
    (if (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)) (then unreachable))
    (call $exit (i32.const 0))))"#;

/// What the server keeps between requests: everything that does not depend on the request.
struct Server {
    pre: InstancePre<WasiState>,
    /// Granted to every request as `/static`; opened once, shared without a syscall.
    static_dir: OsDir,
}

impl Server {
    fn new(engine: &Engine, static_dir: &std::path::Path) -> wasmtime::Result<Server> {
        let module = Module::new(engine, HANDLER)?;
        let mut linker: Linker<WasiState> = Linker::new(engine);
        add_to_linker_async(&mut linker, |state| state)?;
        // Imports are resolved once here, not per request.
        let pre = linker.instantiate_pre(&module)?;
        Ok(Server { pre, static_dir: OsDir::open_ambient(static_dir)? })
    }

    /// Serves one request: a fresh context and store, dropped when it ends.
    async fn serve(&self, path: &str, body: &[u8]) -> wasmtime::Result<(i32, Vec<u8>)> {
        let stdout = WritePipe::new_in_memory();
        let ctx = WasiCtx::builder()
            .args(["handler", path])
            .env("REQUEST_METHOD", "POST")
            .stdin(ReadPipe::from_bytes(body))
            .stdout(stdout.clone())
            .preopened_dir_read_only(self.static_dir.share(), "/static")
            .build()?;
        let mut store = Store::new(self.pre.module().engine(), WasiState::new(ctx));
        let instance = self.pre.instantiate_async(&mut store).await?;
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
        let status = match start.call_async(&mut store, ()).await {
            Ok(()) => 0,
            Err(err) => exit_code(&err).ok_or(err)?,
        };
        Ok((status, stdout.contents()))
    }
}

fn main() -> wasmtime::Result<()> {
    let engine = Engine::default();
    let static_dir = std::env::temp_dir();
    let server = Arc::new(Server::new(&engine, &static_dir)?);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    const REQUESTS: usize = 500;
    let started = Instant::now();
    let responses = runtime.block_on(async {
        let handles: Vec<_> = (0..REQUESTS)
            .map(|i| {
                let server = Arc::clone(&server);
                tokio::spawn(async move { server.serve(&format!("/item/{i}"), format!("hello, request {i}").as_bytes()).await })
            })
            .collect();
        let mut responses = Vec::with_capacity(REQUESTS);
        for handle in handles {
            responses.push(handle.await.expect("a request task")?);
        }
        wasmtime::Result::<_>::Ok(responses)
    })?;
    let elapsed = started.elapsed();
    for (i, (status, body)) in responses.iter().enumerate() {
        assert_eq!(*status, 0);
        assert_eq!(String::from_utf8_lossy(body), format!("HELLO, REQUEST {i}"));
    }
    println!(
        "{REQUESTS} requests, each waiting 20 ms, served on 2 worker threads in {:.0} ms (one after another: {} ms)",
        elapsed.as_secs_f64() * 1e3,
        REQUESTS * 20
    );
    println!("first response: {}", String::from_utf8_lossy(&responses[0].1));
    Ok(())
}
