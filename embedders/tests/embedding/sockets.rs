//! A listening socket granted at a descriptor the embedder picks.

use std::io::Read;
use wasi_common::sync::{add_to_linker, TcpListener, WasiCtxBuilder};
use wasi_common::WasiCtx;
use wasmtime::{Engine, Linker, Module, Store};

/// Accepts one connection on fd 3, or traps, and sends a greeting on it.
const SERVER: &str = r#"
(module
  (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "hello over tcp")
  (func (export "_start")
    (if (call $accept (i32.const 3) (i32.const 0) (i32.const 16)) (then unreachable))
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 14))
    (drop (call $write (i32.load (i32.const 16)) (i32.const 0) (i32.const 1) (i32.const 8)))))
"#;

#[test]
fn a_preopened_listener_accepts_a_connection() -> wasmtime::Result<()> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let client = std::thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        let mut received = String::new();
        stream.read_to_string(&mut received).unwrap();
        received
    });

    let engine = Engine::default();
    let module = Module::new(&engine, SERVER)?;
    let mut linker: Linker<WasiCtx> = Linker::new(&engine);
    add_to_linker(&mut linker, |s| s)?;
    let wasi = WasiCtxBuilder::new().preopened_socket(3, TcpListener::from_std(listener))?.build();
    let mut store = Store::new(&engine, wasi);
    let instance = linker.instantiate(&mut store, &module)?;
    instance.get_typed_func::<(), ()>(&mut store, "_start")?.call(&mut store, ())?;
    // Closing the context closes the accepted connection, which ends the client's read.
    drop(store);
    assert_eq!(client.join().unwrap(), "hello over tcp");
    Ok(())
}
