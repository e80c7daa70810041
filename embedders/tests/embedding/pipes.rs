//! A `Linker<WasiCtx>` with the context as the whole store data, stdin and stdout as pipes,
//! and the exit status taken from the call's error.

use wasi_common::pipe::{ReadPipe, WritePipe};
use wasi_common::sync::{add_to_linker, WasiCtxBuilder};
use wasi_common::{I32Exit, WasiCtx};
use wasmtime::{Engine, Linker, Module, Store};

/// Prints its arguments and environment (NUL-separated, as the ABI hands them over), copies
/// stdin to stdout, and exits with status 3.
const ECHO: &str = r#"
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $env_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func $out (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start")
    (drop (call $args_sizes (i32.const 16) (i32.const 20)))
    (drop (call $args_get (i32.const 1024) (i32.const 2048)))
    (call $out (i32.const 2048) (i32.load (i32.const 20)))
    (drop (call $env_sizes (i32.const 16) (i32.const 20)))
    (drop (call $env_get (i32.const 1024) (i32.const 4096)))
    (call $out (i32.const 4096) (i32.load (i32.const 20)))
    (i32.store (i32.const 32) (i32.const 8192))
    (i32.store (i32.const 36) (i32.const 1000))
    (drop (call $read (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 40)))
    (call $out (i32.const 8192) (i32.load (i32.const 40)))
    (call $exit (i32.const 3))))
"#;

fn run_echo(wasi: WasiCtx) -> wasmtime::Result<i32> {
    let engine = Engine::default();
    let module = Module::new(&engine, ECHO)?;
    let mut linker: Linker<WasiCtx> = Linker::new(&engine);
    add_to_linker(&mut linker, |s| s)?;
    let mut store = Store::new(&engine, wasi);
    let instance = linker.instantiate(&mut store, &module)?;
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
    let err = start.call(&mut store, ()).expect_err("the guest exits");
    Ok(err.downcast_ref::<I32Exit>().expect("an exit, not a trap").0)
}

#[test]
fn args_env_and_stdin_reach_the_guest_and_stdout_comes_back() -> wasmtime::Result<()> {
    let stdout = WritePipe::new_in_memory();
    let wasi = WasiCtxBuilder::new()
        .args(&["echo".to_string(), "--flag".to_string()])?
        .env("LANG", "C")?
        .envs(&[("A".to_string(), "1".to_string())])?
        .stdin(Box::new(ReadPipe::from("from the host")))
        .stdout(Box::new(stdout.clone()))
        .build();
    assert_eq!(run_echo(wasi)?, 3);
    let bytes = stdout.try_into_inner().expect("the store is gone, so is its handle").into_inner();
    assert_eq!(bytes, b"echo\0--flag\0LANG=C\0A=1\0from the host");
    Ok(())
}

#[test]
fn a_context_changed_after_build_is_what_the_guest_sees() -> wasmtime::Result<()> {
    let mut wasi = WasiCtxBuilder::new().arg("first")?.build();
    wasi.push_arg("second")?;
    wasi.push_env("KEY", "value")?;
    let stdout = WritePipe::new_in_memory();
    wasi.set_stdin(Box::new(ReadPipe::from(b"bytes".to_vec())));
    wasi.set_stdout(Box::new(stdout.clone()));
    assert_eq!(run_echo(wasi)?, 3);
    assert_eq!(stdout.try_into_inner().unwrap().into_inner(), b"first\0second\0KEY=value\0bytes");
    Ok(())
}

#[test]
fn a_pipe_still_shared_is_handed_back() {
    let pipe = WritePipe::new_in_memory();
    let other = pipe.clone();
    let pipe = pipe.try_into_inner().expect_err("another handle exists");
    drop(other);
    assert!(pipe.try_into_inner().is_ok());
}
