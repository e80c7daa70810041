//! The Tokio embedding: the async linker next to the embedder's own `func_wrap_async`
//! host function, `instantiate_async` and `call_async`.

use wasi_common::pipe::WritePipe;
use wasi_common::tokio::{add_to_linker, WasiCtxBuilder};
use wasi_common::{I32Exit, WasiCtx};
use wasmtime::{Caller, Engine, Linker, Module, Store};

struct Host {
    wasi: WasiCtx,
}

/// Writes "async\n", asks the host to double 21, and exits with the answer.
const GUEST: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "host" "double" (func $double (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "async\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 6))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit (call $double (i32.const 21)))))
"#;

#[test]
fn the_async_linker_runs_beside_async_host_functions() -> wasmtime::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let stdout = WritePipe::new_in_memory();
    let status = runtime.block_on(async {
        let engine = Engine::default();
        let module = Module::new(&engine, GUEST)?;
        let mut linker: Linker<Host> = Linker::new(&engine);
        add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi)?;
        linker.func_wrap_async("host", "double", |_caller: Caller<'_, Host>, (x,): (i32,)| {
            Box::new(async move {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                x * 2
            })
        })?;
        let wasi = WasiCtxBuilder::new().stdout(Box::new(stdout.clone())).build();
        let mut store = Store::new(&engine, Host { wasi });
        let instance = linker.instantiate_async(&mut store, &module).await?;
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
        let err = start.call_async(&mut store, ()).await.expect_err("the guest exits");
        wasmtime::Result::<i32>::Ok(err.downcast_ref::<I32Exit>().expect("an exit").0)
    })?;
    assert_eq!(status, 42);
    assert_eq!(stdout.try_into_inner().unwrap().into_inner(), b"async\n");
    Ok(())
}
