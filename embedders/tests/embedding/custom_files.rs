//! The embedder's own `WasiFile` and `WasiDir` types, written against wasi-common's traits.

use std::any::Any;
use std::io::IoSlice;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use wasi_common::dir::{OpenResult, WasiDir};
use wasi_common::file::{FdFlags, FileAccessMode, FileType, OFlags, WasiFile};
use wasi_common::pipe::{ReadPipe, WritePipe};
use wasi_common::sync::{add_to_linker, WasiCtxBuilder};
use wasi_common::{Error, ErrorExt, WasiCtx};
use wasmtime::{Engine, Linker, Module, Store};

/// Collects what is written to it, upper-cased.
struct Shout(Arc<Mutex<Vec<u8>>>);

#[async_trait::async_trait]
impl WasiFile for Shout {
    fn as_any(&self) -> &dyn Any {
        self
    }
    async fn get_filetype(&self) -> Result<FileType, Error> {
        Ok(FileType::CharacterDevice)
    }
    async fn write_vectored<'a>(&self, bufs: &[IoSlice<'a>]) -> Result<u64, Error> {
        let mut out = self.0.lock().unwrap();
        let mut n = 0;
        for buf in bufs {
            out.extend(buf.iter().map(|b| b.to_ascii_uppercase()));
            n += buf.len() as u64;
        }
        Ok(n)
    }
}

/// A directory holding one file, `greeting`, made up by the host.
struct Greetings;

#[async_trait::async_trait]
impl WasiDir for Greetings {
    fn as_any(&self) -> &dyn Any {
        self
    }
    async fn open_file(
        &self,
        _symlink_follow: bool,
        path: &str,
        _oflags: OFlags,
        read: bool,
        _write: bool,
        _fdflags: FdFlags,
    ) -> Result<OpenResult, Error> {
        if path == "greeting" && read {
            Ok(OpenResult::File(Box::new(ReadPipe::from("hello from a host-made file"))))
        } else {
            Err(Error::not_found())
        }
    }
}

/// Writes "out" to fd 1 (stdout), "five" to fd 5, "pushed" to fd 3 (the pushed file), then
/// copies `greeting` from the preopen at fd 4 to fd 1, and reports `path_open`'s errno for
/// a missing file on fd 1 as one byte.
const WRITER: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 256) "out")
  (data (i32.const 272) "five")
  (data (i32.const 288) "pushed")
  (data (i32.const 304) "greeting")
  (data (i32.const 320) "missing")
  (func $out (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start")
    (call $out (i32.const 1) (i32.const 256) (i32.const 3))
    (call $out (i32.const 5) (i32.const 272) (i32.const 4))
    (call $out (i32.const 3) (i32.const 288) (i32.const 6))
    (drop (call $open (i32.const 4) (i32.const 0) (i32.const 304) (i32.const 8) (i32.const 0)
                      (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 24)))
    (i32.store (i32.const 32) (i32.const 1024))
    (i32.store (i32.const 36) (i32.const 100))
    (drop (call $read (i32.load (i32.const 24)) (i32.const 32) (i32.const 1) (i32.const 40)))
    (call $out (i32.const 1) (i32.const 1024) (i32.load (i32.const 40)))
    (i32.store8 (i32.const 48)
      (call $open (i32.const 4) (i32.const 0) (i32.const 320) (i32.const 7) (i32.const 0)
                  (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 24)))
    (call $out (i32.const 1) (i32.const 48) (i32.const 1))))
"#;

#[test]
fn the_embedders_own_files_and_directories_serve_the_guest() -> wasmtime::Result<()> {
    let shouted = Arc::new(Mutex::new(Vec::new()));
    let fd5 = WritePipe::new_in_memory();
    let pushed = WritePipe::new_in_memory();

    let wasi = WasiCtxBuilder::new().stdout(Box::new(Shout(Arc::clone(&shouted)))).build();
    let fd = wasi.push_file(Box::new(pushed.clone()), FileAccessMode::WRITE)?;
    assert_eq!(fd, 3);
    wasi.push_preopened_dir(Box::new(Greetings), "/greetings")?;
    wasi.insert_file(5, Box::new(fd5.clone()), FileAccessMode::WRITE);
    assert!(wasi.table().contains_key(5));
    assert!(!wasi.table().contains_key(6));

    let engine = Engine::default();
    let module = Module::new(&engine, WRITER)?;
    let mut linker: Linker<WasiCtx> = Linker::new(&engine);
    add_to_linker(&mut linker, |s| s)?;
    let mut store = Store::new(&engine, wasi);
    let instance = linker.instantiate(&mut store, &module)?;
    instance.get_typed_func::<(), ()>(&mut store, "_start")?.call(&mut store, ())?;
    drop(store);

    let noent = 44;
    let mut expected = b"OUTHELLO FROM A HOST-MADE FILE".to_vec();
    expected.push(noent);
    assert_eq!(*shouted.lock().unwrap(), expected);
    assert_eq!(fd5.try_into_inner().unwrap().into_inner(), b"five");
    assert_eq!(pushed.try_into_inner().unwrap().into_inner(), b"pushed");
    Ok(())
}

#[test]
fn a_directory_pushed_by_path_is_a_preopen() -> wasmtime::Result<()> {
    let wasi = WasiCtxBuilder::new().build();
    let fd = wasi.push_dir(Box::new(Greetings), PathBuf::from("/g"))?;
    assert_eq!(fd, 3);
    wasi.insert_dir(7, Box::new(Greetings), PathBuf::from("/h"));
    assert!(wasi.table().contains_key(3));
    assert!(wasi.table().contains_key(7));
    Ok(())
}
