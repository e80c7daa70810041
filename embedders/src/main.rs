//! A command-line embedder, written the way wasi-common 46 users wrote them: run a module
//! with the host's stdio and arguments, and end the process the way the guest ended.
//!
//! Usage: `wasi-common-embedder MODULE.wat [ARGS...]`

use wasi_common::sync::{add_to_linker, WasiCtxBuilder};
use wasi_common::WasiCtx;
use wasmtime::{Engine, Linker, Module, Store};

fn main() -> wasmtime::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let engine = Engine::default();
    let module = Module::from_file(&engine, &args[0])?;

    let mut linker: Linker<WasiCtx> = Linker::new(&engine);
    add_to_linker(&mut linker, |s| s)?;
    let wasi = WasiCtxBuilder::new().inherit_stdio().inherit_env()?.args(&args)?.build();
    let mut store = Store::new(&engine, wasi);

    let instance = linker.instantiate(&mut store, &module)?;
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
    match start.call(&mut store, ()) {
        Ok(()) => Ok(()),
        Err(e) => Err(wasi_common::maybe_exit_on_error(e)),
    }
}
