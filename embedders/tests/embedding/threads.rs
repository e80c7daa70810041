//! wasi-threads as the Wasmtime 46 CLI embedded it: a `Clone` store state holding both
//! contexts, and the imported shared memory defined by the host.

use std::sync::Arc;
use wasi_common::pipe::WritePipe;
use wasi_common::sync::WasiCtxBuilder;
use wasi_common::WasiCtx;
use wasmtime::{Config, Engine, Linker, Module, Store};
use wasmtime_wasi_threads::WasiThreadsCtx;

#[derive(Clone)]
struct Host {
    wasi: WasiCtx,
    wasi_threads: Option<Arc<WasiThreadsCtx<Host>>>,
}

/// Spawns a thread that writes "thread\n" and stores its id; the main thread waits for the
/// id and writes "main\n" only if it is the one `thread-spawn` returned.
const THREADED: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "env" "memory" (memory 1 1 shared))
  (export "memory" (memory 0))
  (data (i32.const 256) "main\n")
  (data (i32.const 272) "thread\n")
  (func $out (param $ptr i32) (param $len i32) (param $iov i32)
    (i32.store (local.get $iov) (local.get $ptr))
    (i32.store offset=4 (local.get $iov) (local.get $len))
    (drop (call $write (i32.const 1) (local.get $iov) (i32.const 1) (i32.add (local.get $iov) (i32.const 8)))))
  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32)
    (call $out (i32.const 272) (i32.const 7) (i32.const 64))
    (i32.atomic.store (local.get $arg) (local.get $tid))
    (drop (memory.atomic.notify (local.get $arg) (i32.const 1))))
  (func (export "_start")
    (local $tid i32)
    (local.set $tid (call $spawn (i32.const 128)))
    (if (i32.le_s (local.get $tid) (i32.const 0)) (then (unreachable)))
    (block $done
      (loop $wait
        (br_if $done (i32.ne (i32.atomic.load (i32.const 128)) (i32.const 0)))
        (drop (memory.atomic.wait32 (i32.const 128) (i32.const 0) (i64.const 1000000000)))
        (br $wait)))
    (if (i32.eq (i32.atomic.load (i32.const 128)) (local.get $tid))
      (then (call $out (i32.const 256) (i32.const 5) (i32.const 32))))))
"#;

#[test]
fn a_spawned_thread_shares_memory_and_descriptors() -> wasmtime::Result<()> {
    let mut config = Config::new();
    config.wasm_threads(true).shared_memory(true);
    let engine = Engine::new(&config)?;
    let module = Module::new(&engine, THREADED)?;

    let stdout = WritePipe::new_in_memory();
    let wasi = WasiCtxBuilder::new().stdout(Box::new(stdout.clone())).build();
    let mut linker: Linker<Host> = Linker::new(&engine);
    wasi_common::sync::add_to_linker(&mut linker, |host: &mut Host| &mut host.wasi)?;
    let mut store = Store::new(&engine, Host { wasi, wasi_threads: None });
    wasmtime_wasi_threads::add_to_linker(&mut linker, &store, &module, |host| {
        host.wasi_threads.as_ref().unwrap()
    })?;
    store.data_mut().wasi_threads =
        Some(Arc::new(WasiThreadsCtx::new(module.clone(), Arc::new(linker.clone()), false)?));

    let instance = linker.instantiate(&mut store, &module)?;
    instance.get_typed_func::<(), ()>(&mut store, "_start")?.call(&mut store, ())?;

    // The spawned thread's store holds a clone of the context (and its stdout) until the
    // thread is gone; wait for that, then take the bytes back.
    drop(store);
    let mut stdout = stdout;
    let bytes = loop {
        match stdout.try_into_inner() {
            Ok(cursor) => break cursor.into_inner(),
            Err(pipe) => {
                stdout = pipe;
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        }
    };
    assert_eq!(bytes, b"thread\nmain\n");
    Ok(())
}

#[test]
fn a_module_importing_a_plain_memory_is_refused() -> wasmtime::Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, r#"(module (import "env" "memory" (memory 1)))"#)?;
    let mut linker: Linker<Host> = Linker::new(&engine);
    let store = Store::new(&engine, Host { wasi: WasiCtxBuilder::new().build(), wasi_threads: None });
    let err = wasmtime_wasi_threads::add_to_linker(&mut linker, &store, &module, |host| {
        host.wasi_threads.as_ref().unwrap()
    })
    .expect_err("a wasi-threads module must import a shared memory");
    assert!(err.to_string().contains("memory was not shared"), "{err}");
    Ok(())
}
