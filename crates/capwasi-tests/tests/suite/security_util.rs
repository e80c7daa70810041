//! Shared by the `security_*` modules.
//!
//! [`Arena`]: scratch directories to preopen, beside an outside tree the guest must never
//! reach: `outside.txt`, `outside/secret.txt` and an empty `outside/empty/` (an empty
//! directory is what a rename or rmdir that escaped could replace or remove). As in
//! `fs_util::Sandbox`, the access times of the outside entries are set far in the past, so
//! under `relatime` any read or listing moves them, and any write, creation, rename, link or
//! re-timing moves a change or modification time; [`Arena::assert_outside_untouched`]
//! compares them all with `lstat` only (the check itself touches nothing).
//!
//! [`Driver`]: one instance of a module that imports every `wasi_snapshot_preview1` (or
//! `wasi_unstable`) function and exports each as `NAME`, so a Rust test calls the ABI one call
//! at a time, reading and writing guest memory between calls (as `hostile_sweep` does for one
//! import per module).

#![allow(dead_code)]

use capwasi::pipe::{ReadPipe, WritePipe};
use capwasi::{WasiCtx, WasiCtxBuilder};
use capwasi_os::WasiCtxBuilderExt;
use capwasi_tests::engine;
use capwasi_wasmtime::{add_to_linker_sync, exit_code, WasiState};
use std::collections::HashMap;
use std::fs::{self, File, FileTimes};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, UNIX_EPOCH};
use wasmtime::{Func, Instance, Linker, Memory, Module, Store, Val};

/// Bytes only the outside tree holds; no guest may ever see them.
pub const SECRET: &str = "SECRET-OUTSIDE";

pub const ESUCCESS: i32 = 0;
pub const EBADF: i32 = 8;
pub const EEXIST: i32 = 20;
pub const EFAULT: i32 = 21;
pub const EINVAL: i32 = 28;
pub const EISDIR: i32 = 31;
pub const ELOOP: i32 = 32;
pub const ENFILE: i32 = 41;
pub const ENOENT: i32 = 44;
pub const ENOTDIR: i32 = 54;
pub const ENOTEMPTY: i32 = 55;
pub const ENOTCAPABLE: i32 = 76;

/// What any access or change of an entry would move.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    ino: u64,
    mode: u32,
    nlink: u64,
    size: u64,
    atime: (i64, i64),
    mtime: (i64, i64),
    ctime: (i64, i64),
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = fs::symlink_metadata(path).ok()?;
    Some(Stamp {
        ino: meta.ino(),
        mode: meta.mode(),
        nlink: meta.nlink(),
        size: meta.size(),
        atime: (meta.atime(), meta.atime_nsec()),
        mtime: (meta.mtime(), meta.mtime_nsec()),
        ctime: (meta.ctime(), meta.ctime_nsec()),
    })
}

/// Scratch directories beside a watched outside tree (see the module docs).
pub struct Arena {
    root: tempfile::TempDir,
    dirs: Vec<PathBuf>,
    watched: Vec<(PathBuf, Option<Stamp>)>,
}

impl Arena {
    /// One scratch directory per name, each to be preopened, beside the outside tree.
    /// `layout` runs before the stamps are taken, to fill the scratch directories.
    pub fn new(names: &[&str], layout: impl FnOnce(&[PathBuf])) -> Arena {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        fs::write(r.join("outside.txt"), format!("{SECRET} file\n")).unwrap();
        fs::create_dir(r.join("outside")).unwrap();
        fs::write(r.join("outside/secret.txt"), format!("{SECRET} nested\n")).unwrap();
        fs::create_dir(r.join("outside/empty")).unwrap();
        let dirs: Vec<PathBuf> = names.iter().map(|name| r.join(name)).collect();
        for dir in &dirs {
            fs::create_dir(dir).unwrap();
        }
        layout(&dirs);
        let watched_paths =
            [r.to_path_buf(), r.join("outside.txt"), r.join("outside"), r.join("outside/secret.txt"), r.join("outside/empty")];
        // Access times in 2001, before every other time: the next read or listing of any of
        // these moves its access time, even under relatime.
        let old = UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        for path in &watched_paths {
            File::open(path).unwrap().set_times(FileTimes::new().set_accessed(old)).unwrap();
        }
        let watched = watched_paths.into_iter().map(|path| {
            let stamp = stamp(&path);
            assert!(stamp.is_some());
            (path, stamp)
        });
        Arena { watched: watched.collect(), root, dirs }
    }

    /// The `i`th scratch directory.
    pub fn dir(&self, i: usize) -> &Path {
        &self.dirs[i]
    }

    /// The parent of the scratch directories and of the outside tree.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// The outside directory (holding `secret.txt` and `empty/`).
    pub fn outside_dir(&self) -> PathBuf {
        self.root().join("outside")
    }

    /// Fails unless every outside entry has the stamps it had at setup: nothing read or
    /// listed, written, created, removed, renamed, linked or re-timed there.
    #[track_caller]
    pub fn assert_outside_untouched(&self) {
        if let Some(changed) = self.outside_changes() {
            panic!("{changed}");
        }
    }

    /// What changed outside since setup, if anything.
    pub fn outside_changes(&self) -> Option<String> {
        self.watched.iter().find_map(|(path, before)| {
            let now = stamp(path);
            (&now != before).then(|| format!("{} was accessed or changed: {before:?} -> {now:?}", path.display()))
        })
    }
}

/// The scratch-directory layout most tests use: `file.txt`, `dir/inner.txt`, `emptydir/`.
pub fn basic_layout(dir: &Path) {
    fs::write(dir.join("file.txt"), "inside\n").unwrap();
    fs::create_dir(dir.join("dir")).unwrap();
    fs::write(dir.join("dir/inner.txt"), "inner\n").unwrap();
    fs::create_dir(dir.join("emptydir")).unwrap();
}

/// Symlink `name` -> `target` in `dir`.
pub fn symlink(dir: &Path, target: impl AsRef<Path>, name: &str) {
    std::os::unix::fs::symlink(target, dir.join(name)).unwrap();
}

macro_rules! import_names {
    (module: $module:literal; $(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $imp:path, $spec:path;)*) => {
        ($module, vec![$((stringify!($name), vec![$(stringify!($ty)),*], stringify!($ret) == "i32")),*])
    };
}

/// A module importing every function of `module` and exporting `NAME` forwarding to it,
/// with `pages` pages of memory exported as `memory`.
fn driver_module(module: &str, imports: &[(&str, Vec<&str>, bool)], pages: u32) -> String {
    let mut text = String::from("(module\n");
    for (name, params, returns) in imports {
        let params: Vec<&str> = params.iter().map(|ty| if ty.contains("64") { "i64" } else { "i32" }).collect();
        let result = if *returns { "(result i32)" } else { "" };
        text += &format!(
            "  (import \"{module}\" \"{name}\" (func ${name} (param {params}) {result}))\n",
            params = params.join(" ")
        );
    }
    text += &format!("  (memory (export \"memory\") {pages})\n");
    for (name, params, returns) in imports {
        let params: Vec<&str> = params.iter().map(|ty| if ty.contains("64") { "i64" } else { "i32" }).collect();
        let result = if *returns { "(result i32)" } else { "" };
        let gets: String = (0..params.len()).map(|i| format!("(local.get {i}) ")).collect();
        text += &format!(
            "  (func (export \"{name}\") (param {params}) {result} {gets}(call ${name}))\n",
            params = params.join(" ")
        );
    }
    text + ")\n"
}

/// Which snapshot a [`Driver`] imports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Snapshot {
    Preview1,
    Unstable,
}

/// A module instance whose WASI calls the test makes one at a time (see the module docs).
pub struct Driver {
    store: Store<WasiState>,
    memory: Memory,
    funcs: HashMap<&'static str, Func>,
}

impl Driver {
    /// A builder with in-memory stdio (stdin holds a few bytes and never blocks) and clocks.
    pub fn builder() -> WasiCtxBuilder {
        let mut builder = WasiCtx::builder();
        builder
            .os_clocks()
            .stdin(ReadPipe::from("stdin bytes"))
            .stdout(WritePipe::new_in_memory())
            .stderr(WritePipe::new_in_memory());
        builder
    }

    /// A preview1 instance with `pages` pages of memory over the context `builder` makes.
    pub fn new(builder: &mut WasiCtxBuilder, pages: u32) -> Driver {
        Driver::with_snapshot(builder, pages, Snapshot::Preview1)
    }

    pub fn with_snapshot(builder: &mut WasiCtxBuilder, pages: u32, snapshot: Snapshot) -> Driver {
        let (module_name, imports) = match snapshot {
            Snapshot::Preview1 => capwasi::for_each_preview1_import!(import_names),
            Snapshot::Unstable => capwasi::for_each_unstable_import!(import_names),
        };
        // Compiled once per process per snapshot and size (the fuzz test makes many).
        static MODULES: OnceLock<Mutex<HashMap<(bool, u32), Module>>> = OnceLock::new();
        let module = MODULES
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry((snapshot == Snapshot::Preview1, pages))
            .or_insert_with(|| Module::new(engine(), driver_module(module_name, &imports, pages)).expect("compiling the driver"))
            .clone();
        let mut linker: Linker<WasiState> = Linker::new(engine());
        add_to_linker_sync(&mut linker, |state| state).unwrap();
        let mut store = Store::new(engine(), WasiState::new(builder.build().expect("building the context")));
        let instance: Instance = linker.instantiate(&mut store, &module).unwrap();
        let memory = instance.get_memory(&mut store, "memory").unwrap();
        let funcs = imports.iter().map(|(name, _, _)| (*name, instance.get_func(&mut store, name).unwrap())).collect();
        Driver { store, memory, funcs }
    }

    /// Calls import `name`; `Err` if it trapped or ended the program.
    pub fn try_call(&mut self, name: &str, args: &[Val]) -> Result<i32, wasmtime::Error> {
        let func = *self.funcs.get(name).unwrap_or_else(|| panic!("no import {name}"));
        let mut results = vec![Val::I32(0); func.ty(&self.store).results().len()];
        func.call(&mut self.store, args, &mut results)?;
        Ok(results.first().map_or(0, Val::unwrap_i32))
    }

    /// Calls import `name` and returns its errno; panics on a trap, an exit, or a value that
    /// is no errno.
    #[track_caller]
    pub fn call(&mut self, name: &str, args: &[Val]) -> i32 {
        match self.try_call(name, args) {
            Ok(errno) => {
                assert!((0..=76).contains(&errno), "{name}({args:?}) returned {errno}, not an errno");
                errno
            }
            Err(err) => panic!("{name}({args:?}) trapped or exited (exit code {:?}): {err:?}", exit_code(&err)),
        }
    }

    /// The guest's memory.
    pub fn mem(&mut self) -> &mut [u8] {
        self.memory.data_mut(&mut self.store)
    }

    /// Copies `bytes` into memory at `at`.
    pub fn write(&mut self, at: u32, bytes: &[u8]) {
        self.mem()[at as usize..at as usize + bytes.len()].copy_from_slice(bytes);
    }

    /// `len` bytes of memory at `at`.
    pub fn read(&mut self, at: u32, len: u32) -> Vec<u8> {
        self.mem()[at as usize..(at + len) as usize].to_vec()
    }

    pub fn u32_at(&mut self, at: u32) -> u32 {
        u32::from_le_bytes(self.read(at, 4).try_into().unwrap())
    }

    pub fn u64_at(&mut self, at: u32) -> u64 {
        u64::from_le_bytes(self.read(at, 8).try_into().unwrap())
    }
}

/// `i32` argument.
pub fn i(v: u32) -> Val {
    Val::I32(v as i32)
}

/// `i64` argument.
pub fn l(v: u64) -> Val {
    Val::I64(v as i64)
}

/// The outside check itself: a read, a listing, a creation, a removal of the empty directory,
/// a re-timing or a hard link outside must each be noticed, or the tests prove nothing.
#[test]
fn security_arena_outside_check_notices_every_kind_of_access() {
    let fails = |act: &dyn Fn(&Arena)| {
        let arena = Arena::new(&["sandbox"], |_| {});
        assert!(arena.outside_changes().is_none());
        act(&arena);
        arena.outside_changes().is_some()
    };
    assert!(fails(&|a| drop(fs::read(a.root().join("outside.txt")).unwrap())), "a read went unnoticed");
    assert!(fails(&|a| drop(fs::read(a.outside_dir().join("secret.txt")).unwrap())));
    assert!(fails(&|a| assert!(fs::read_dir(a.outside_dir()).unwrap().count() > 0)));
    assert!(fails(&|a| assert_eq!(fs::read_dir(a.outside_dir().join("empty")).unwrap().count(), 0)));
    assert!(fails(&|a| fs::write(a.outside_dir().join("new"), "").unwrap()));
    assert!(fails(&|a| fs::remove_dir(a.outside_dir().join("empty")).unwrap()));
    assert!(fails(&|a| fs::create_dir(a.outside_dir().join("empty/d")).unwrap()));
    assert!(fails(&|a| fs::hard_link(a.root().join("outside.txt"), a.dir(0).join("h")).unwrap()));
    assert!(fails(&|a| {
        File::options().write(true).open(a.root().join("outside.txt")).unwrap().set_modified(std::time::SystemTime::now()).unwrap()
    }));
    assert!(!fails(&|a| assert!(fs::symlink_metadata(a.outside_dir().join("secret.txt")).unwrap().is_file())), "lstat is not an access");
    assert!(!fails(&|a| fs::write(a.dir(0).join("inside"), "").unwrap()), "the sandbox itself is not watched");
}
