//! A store struct holding the context as a field, and a host directory granted with
//! `Dir::open_ambient_dir`.

use wasi_common::file::FileAccessMode;
use wasi_common::pipe::WritePipe;
use wasi_common::sync::{add_to_linker, ambient_authority, Dir, WasiCtxBuilder};
use wasi_common::WasiCtx;
use wasmtime::{Engine, Linker, Module, Store};

struct Host {
    wasi: WasiCtx,
    calls: u32,
}

/// Prints the preopen's name and `in.txt`, then creates `out.txt` in it, and writes to fd 4
/// (nothing there, unless the embedder pushed a file).
const FILES: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $prestat_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (import "host" "count" (func $count))
  (memory (export "memory") 1)
  (data (i32.const 512) "in.txt")
  (data (i32.const 528) "out.txt")
  (data (i32.const 544) "written by the guest")
  (func $out (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start")
    (call $count)
    (drop (call $prestat (i32.const 3) (i32.const 16)))
    (drop (call $prestat_name (i32.const 3) (i32.const 1024) (i32.load (i32.const 20))))
    (call $out (i32.const 1) (i32.const 1024) (i32.load (i32.const 20)))
    ;; in.txt, read-only
    (drop (call $open (i32.const 3) (i32.const 0) (i32.const 512) (i32.const 6) (i32.const 0)
                      (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 24)))
    (i32.store (i32.const 32) (i32.const 2048))
    (i32.store (i32.const 36) (i32.const 100))
    (drop (call $read (i32.load (i32.const 24)) (i32.const 32) (i32.const 1) (i32.const 40)))
    (call $out (i32.const 1) (i32.const 2048) (i32.load (i32.const 40)))
    (drop (call $close (i32.load (i32.const 24))))
    ;; out.txt: creat|trunc, write
    (drop (call $open (i32.const 3) (i32.const 0) (i32.const 528) (i32.const 7) (i32.const 9)
                      (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 24)))
    (call $out (i32.load (i32.const 24)) (i32.const 544) (i32.const 20))
    (drop (call $close (i32.load (i32.const 24))))
    ;; fd 4: a host file the embedder pushed, if any
    (call $out (i32.const 4) (i32.const 544) (i32.const 20))))
"#;

#[test]
fn a_preopened_host_directory_is_read_and_written() -> wasmtime::Result<()> {
    let host_dir = crate::scratch_dir("preopen");
    std::fs::write(host_dir.join("in.txt"), "host data")?;

    let engine = Engine::default();
    let module = Module::new(&engine, FILES)?;
    let mut linker: Linker<Host> = Linker::new(&engine);
    add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi)?;
    linker.func_wrap("host", "count", |mut caller: wasmtime::Caller<'_, Host>| caller.data_mut().calls += 1)?;

    let stdout = WritePipe::new_in_memory();
    let dir = Dir::open_ambient_dir(&host_dir, ambient_authority())?;
    let wasi = WasiCtxBuilder::new().stdout(Box::new(stdout.clone())).preopened_dir(dir, "/data")?.build();
    let mut store = Store::new(&engine, Host { wasi, calls: 0 });
    let instance = linker.instantiate(&mut store, &module)?;
    instance.get_typed_func::<(), ()>(&mut store, "_start")?.call(&mut store, ())?;

    assert_eq!(store.data().calls, 1);
    drop(store);
    assert_eq!(stdout.try_into_inner().unwrap().into_inner(), b"/datahost data");
    assert_eq!(std::fs::read_to_string(host_dir.join("out.txt"))?, "written by the guest");
    std::fs::remove_dir_all(&host_dir)?;
    Ok(())
}

#[test]
fn host_files_and_directories_pushed_after_build_serve_the_guest() -> wasmtime::Result<()> {
    let host_dir = crate::scratch_dir("pushed");
    std::fs::write(host_dir.join("in.txt"), "pushed dir")?;
    let log = Dir::open_ambient_dir(&host_dir, ambient_authority())?.create("log.txt")?;

    let stdout = WritePipe::new_in_memory();
    let wasi = WasiCtxBuilder::new().stdout(Box::new(stdout.clone())).build();
    let dir = Dir::open_ambient_dir(&host_dir, ambient_authority())?;
    wasi.push_preopened_dir(Box::new(wasi_common::sync::dir::Dir::from_cap_std(dir)), "/pushed")?;
    let file = wasi_common::sync::file::File::from_cap_std(log);
    assert_eq!(wasi.push_file(Box::new(file), FileAccessMode::WRITE)?, 4);

    let engine = Engine::default();
    let module = Module::new(&engine, FILES)?;
    let mut linker: Linker<Host> = Linker::new(&engine);
    add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi)?;
    linker.func_wrap("host", "count", |mut caller: wasmtime::Caller<'_, Host>| caller.data_mut().calls += 1)?;
    let mut store = Store::new(&engine, Host { wasi, calls: 0 });
    let instance = linker.instantiate(&mut store, &module)?;
    instance.get_typed_func::<(), ()>(&mut store, "_start")?.call(&mut store, ())?;
    drop(store);

    assert_eq!(stdout.try_into_inner().unwrap().into_inner(), b"/pushedpushed dir");
    assert_eq!(std::fs::read_to_string(host_dir.join("out.txt"))?, "written by the guest");
    assert_eq!(std::fs::read_to_string(host_dir.join("log.txt"))?, "written by the guest");
    std::fs::remove_dir_all(&host_dir)?;
    Ok(())
}
