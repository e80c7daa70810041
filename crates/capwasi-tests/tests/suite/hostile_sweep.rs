//! Hostile-input sweep: every import of both snapshots, called straight from wasm with wild
//! pointers, lengths near `u32::MAX`, overlapping buffers, unknown flag bits and out-of-range
//! enum values. Each call must come back with an errno (or, for `proc_exit`, an exit): never a
//! host panic, hang or trap. The suite runs in a debug build, so arithmetic overflow in the
//! host would panic here too.
//!
//! The imports and their signatures come from capwasi's own import table, so a new import is
//! swept without touching this file.

use capwasi::pipe::{ReadPipe, WritePipe};
use capwasi::WasiCtx;
use capwasi_os::WasiCtxBuilderExt;
use capwasi_tests::engine;
use capwasi_wasmtime::{add_to_linker_sync, exit_code, WasiState};
use wasmtime::{Linker, Module, Store, Val};

/// An import's name and its parameter types as wasm sees them ("i32" or "i64").
struct Import {
    name: &'static str,
    params: Vec<&'static str>,
    returns_errno: bool,
}

/// The wasm type of a parameter the import table spells as a Rust type.
fn wasm_type(rust: &str) -> &'static str {
    match rust {
        "u32" | "i32" => "i32",
        "u64" | "i64" => "i64",
        other => panic!("unexpected parameter type {other}"),
    }
}

macro_rules! collect_imports {
    (module: $module:literal; $(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $imp:path, $spec:path;)*) => {
        ($module, vec![$(Import {
            name: stringify!($name),
            params: vec![$(wasm_type(stringify!($ty))),*],
            returns_errno: stringify!($ret) == "i32",
        }),*])
    };
}

/// Values that probe the edges: 0, small, inside the one-page memory near its end, just past
/// it, and the top of the 32-bit space.
const I32_EDGES: [u32; 8] = [0, 1, 3, 65_528, 65_535, 65_536, 0xFFFF_FFF0, u32::MAX];
const I64_EDGES: [u64; 6] = [0, 1, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, u64::MAX - 1, u64::MAX];

/// A seeded generator (xorshift), so a failure names a case that can be replayed.
struct Cases(u64);

impl Cases {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn value(&mut self, ty: &str) -> Val {
        let pick = self.next();
        match ty {
            "i32" => Val::I32(match pick % 3 {
                0 => I32_EDGES[(pick >> 8) as usize % I32_EDGES.len()],
                1 => (pick >> 8) as u32 % 256,
                _ => (pick >> 8) as u32,
            } as i32),
            _ => Val::I64(match pick % 3 {
                0 => I64_EDGES[(pick >> 8) as usize % I64_EDGES.len()],
                1 => (pick >> 8) % 256,
                _ => pick >> 8,
            } as i64),
        }
    }
}

/// A module that imports `import` and exports `call`, forwarding its parameters.
fn forwarding_module(module: &str, import: &Import) -> String {
    let params = import.params.join(" ");
    let result = if import.returns_errno { "(result i32)" } else { "" };
    let gets: String = (0..import.params.len()).map(|i| format!("(local.get {i}) ")).collect();
    format!(
        r#"(module
             (import "{module}" "{name}" (func $f (param {params}) {result}))
             (memory (export "memory") 1)
             (func (export "call") (param {params}) {result} {gets} (call $f)))"#,
        name = import.name
    )
}

fn sweep(module_name: &str, imports: Vec<Import>) {
    let scratch = tempfile::tempdir().unwrap();
    std::fs::write(scratch.path().join("file"), b"0123456789").unwrap();
    std::fs::create_dir(scratch.path().join("dir")).unwrap();
    let mut linker: Linker<WasiState> = Linker::new(engine());
    add_to_linker_sync(&mut linker, |state| state).unwrap();
    let mut cases = Cases(0x9E37_79B9_7F4A_7C15);
    let mut calls = 0;
    for import in &imports {
        let module = Module::new(engine(), forwarding_module(module_name, import)).unwrap();
        let mut builder = WasiCtx::builder();
        builder
            .os_clocks()
            .stdin(ReadPipe::from("input"))
            .stdout(WritePipe::new_in_memory())
            .stderr(WritePipe::new_in_memory());
        // On the backend CAPWASI_FS selects: hostile arguments must not panic either one.
        capwasi_tests::GrantedDirs::default().preopen(&mut builder, scratch.path(), "/scratch", false);
        let mut store = Store::new(engine(), WasiState::new(builder.build().unwrap()));
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let call = instance.get_func(&mut store, "call").unwrap();
        for case in 0..64 {
            // Memory full of 0xFF except for the first page's first bytes, so pointers into it
            // find garbage structs (unknown tags, huge lengths) rather than zeros.
            let memory = instance.get_memory(&mut store, "memory").unwrap();
            memory.data_mut(&mut store).fill(if case % 2 == 0 { 0xFF } else { 0x00 });
            let args: Vec<Val> = import.params.iter().map(|ty| cases.value(ty)).collect();
            let mut results = vec![Val::I32(0); usize::from(import.returns_errno)];
            let outcome = call.call(&mut store, &args, &mut results);
            calls += 1;
            match outcome {
                Ok(()) => {
                    let errno = results[0].unwrap_i32();
                    assert!((0..=76).contains(&errno), "{}({args:?}) returned {errno}, not an errno", import.name);
                }
                Err(err) if exit_code(&err).is_some() => {
                    assert!(
                        matches!(import.name, "proc_exit" | "proc_raise"),
                        "{}({args:?}) ended the program: {err:?}",
                        import.name
                    );
                }
                Err(err) => panic!("{}({args:?}) trapped: {err:?}", import.name),
            }
        }
    }
    assert!(calls >= imports.len() * 64);
    // Nothing outside the scratch directory can have been touched (the preopen is all the
    // guest had); inside it, the sweep may have created or removed entries, which is fine.
}

#[test]
fn every_preview1_import_survives_hostile_arguments() {
    let (module, imports) = capwasi::for_each_preview1_import!(collect_imports);
    assert_eq!(imports.len(), 46);
    sweep(module, imports);
}

#[test]
fn every_unstable_import_survives_hostile_arguments() {
    let (module, imports) = capwasi::for_each_unstable_import!(collect_imports);
    assert_eq!(imports.len(), 45);
    sweep(module, imports);
}
