//! Test support: builds guest programs from source and runs them under capwasi.
//!
//! C guests live in `guests/c/NAME.c` and are compiled with Zig's clang and wasi-libc
//! (`python3 -m ziglang cc -target wasm32-wasi`); WAT guests are assembled with the `wat`
//! crate. Built C guests are cached under `target/guests/` by a hash of their source, the
//! shared header and the compiler flags, so only changed guests are rebuilt.
//!
//! The compiler is found through `CAPWASI_ZIG_PYTHON` (a Python with `ziglang` installed) or
//! the repository's `.tools/venv`, which `scripts/test.sh` creates. A missing compiler fails
//! the test with instructions; it never skips it.

// The Wasmtime release chosen by this crate's version feature, under one name (as in
// capwasi-wasmtime): `wasmtime-48`'s dependency is already called `wasmtime`.
#[cfg(all(feature = "wasmtime-47", not(feature = "wasmtime-48")))]
extern crate wasmtime47 as wasmtime;
#[cfg(all(feature = "wasmtime-46", not(any(feature = "wasmtime-48", feature = "wasmtime-47"))))]
extern crate wasmtime46 as wasmtime;

use capwasi::pipe::{ReadPipe, WritePipe};
use capwasi::{WasiCtx, WasiCtxBuilder};
use capwasi_os::WasiCtxBuilderExt;
use capwasi_wasmtime::{add_to_linker_sync, exit_code, WasiState};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use wasmtime::{Engine, Linker, Module, Store};

/// Every WASI 0.1 import with its wasm signature (params, result), as the ABI fact sheet
/// lists them, for WAT guests that import them by hand. Snapshot 0 has all but `sock_accept`.
pub const WASI_IMPORTS: &[(&str, &str, &str)] = &[
    ("args_get", "i32 i32", "i32"),
    ("args_sizes_get", "i32 i32", "i32"),
    ("environ_get", "i32 i32", "i32"),
    ("environ_sizes_get", "i32 i32", "i32"),
    ("clock_res_get", "i32 i32", "i32"),
    ("clock_time_get", "i32 i64 i32", "i32"),
    ("fd_advise", "i32 i64 i64 i32", "i32"),
    ("fd_allocate", "i32 i64 i64", "i32"),
    ("fd_close", "i32", "i32"),
    ("fd_datasync", "i32", "i32"),
    ("fd_fdstat_get", "i32 i32", "i32"),
    ("fd_fdstat_set_flags", "i32 i32", "i32"),
    ("fd_fdstat_set_rights", "i32 i64 i64", "i32"),
    ("fd_filestat_get", "i32 i32", "i32"),
    ("fd_filestat_set_size", "i32 i64", "i32"),
    ("fd_filestat_set_times", "i32 i64 i64 i32", "i32"),
    ("fd_pread", "i32 i32 i32 i64 i32", "i32"),
    ("fd_prestat_get", "i32 i32", "i32"),
    ("fd_prestat_dir_name", "i32 i32 i32", "i32"),
    ("fd_pwrite", "i32 i32 i32 i64 i32", "i32"),
    ("fd_read", "i32 i32 i32 i32", "i32"),
    ("fd_readdir", "i32 i32 i32 i64 i32", "i32"),
    ("fd_renumber", "i32 i32", "i32"),
    ("fd_seek", "i32 i64 i32 i32", "i32"),
    ("fd_sync", "i32", "i32"),
    ("fd_tell", "i32 i32", "i32"),
    ("fd_write", "i32 i32 i32 i32", "i32"),
    ("path_create_directory", "i32 i32 i32", "i32"),
    ("path_filestat_get", "i32 i32 i32 i32 i32", "i32"),
    ("path_filestat_set_times", "i32 i32 i32 i32 i64 i64 i32", "i32"),
    ("path_link", "i32 i32 i32 i32 i32 i32 i32", "i32"),
    ("path_open", "i32 i32 i32 i32 i32 i64 i64 i32 i32", "i32"),
    ("path_readlink", "i32 i32 i32 i32 i32 i32", "i32"),
    ("path_remove_directory", "i32 i32 i32", "i32"),
    ("path_rename", "i32 i32 i32 i32 i32 i32", "i32"),
    ("path_symlink", "i32 i32 i32 i32 i32", "i32"),
    ("path_unlink_file", "i32 i32 i32", "i32"),
    ("poll_oneoff", "i32 i32 i32 i32", "i32"),
    ("proc_exit", "i32", ""),
    ("proc_raise", "i32", "i32"),
    ("sched_yield", "", "i32"),
    ("random_get", "i32 i32", "i32"),
    ("sock_accept", "i32 i32 i32", "i32"),
    ("sock_recv", "i32 i32 i32 i32 i32 i32", "i32"),
    ("sock_send", "i32 i32 i32 i32 i32", "i32"),
    ("sock_shutdown", "i32 i32", "i32"),
];

/// Flags every C guest is built with.
const C_FLAGS: &[&str] = &["-target", "wasm32-wasi", "-O2", "-Wall", "-Werror"];

/// Root of this crate (guest sources live below it).
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Root of the workspace.
pub fn workspace_dir() -> PathBuf {
    crate_dir().parent().and_then(Path::parent).expect("crates/capwasi-tests is two levels down").to_path_buf()
}

/// The Python interpreter that has `ziglang` installed.
pub fn zig_python() -> PathBuf {
    if let Some(python) = std::env::var_os("CAPWASI_ZIG_PYTHON") {
        return PathBuf::from(python);
    }
    let venv = workspace_dir().join(".tools/venv/bin/python");
    assert!(
        venv.exists(),
        "the guest C compiler is not installed: run `scripts/test.sh` (it installs ziglang into \
         .tools/venv), or set CAPWASI_ZIG_PYTHON to a python with `pip install ziglang`"
    );
    venv
}

/// Compiles `guests/c/NAME.c` (once per source hash) and returns the `.wasm` path.
pub fn c_guest(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(path) = built.get(name) {
        return path.clone();
    }
    let source = crate_dir().join("guests/c").join(format!("{name}.c"));
    let header = crate_dir().join("guests/c/guest.h");
    let mut hasher = Sha256::new();
    for input in [&source, &header] {
        hasher.update(std::fs::read(input).unwrap_or_else(|e| panic!("reading {}: {e}", input.display())));
    }
    hasher.update(C_FLAGS.join(" "));
    let hash: String = hasher.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
    let out_dir = workspace_dir().join("target/guests");
    std::fs::create_dir_all(&out_dir).expect("creating target/guests");
    let out = out_dir.join(format!("{name}-{hash}.wasm"));
    if !out.exists() {
        // Build to a private name and rename, so concurrent test processes never see a
        // half-written module.
        let partial = out_dir.join(format!("{name}-{hash}.{}.partial", std::process::id()));
        let output = Command::new(zig_python())
            .args(["-m", "ziglang", "cc"])
            .args(C_FLAGS)
            .arg("-I")
            .arg(crate_dir().join("guests/c"))
            .arg(&source)
            .arg("-o")
            .arg(&partial)
            .output()
            .expect("running zig cc");
        assert!(
            output.status.success(),
            "compiling {} failed:\n{}",
            source.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::rename(&partial, &out).expect("moving the built guest into place");
    }
    built.insert(name.to_string(), out.clone());
    out
}

/// The Wasmtime engine shared by every test in a process.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(Engine::default)
}

/// Compiles a module once per process per path.
fn module_for(path: &Path) -> Module {
    static MODULES: OnceLock<Mutex<HashMap<PathBuf, Module>>> = OnceLock::new();
    let modules = MODULES.get_or_init(Default::default);
    let mut modules = modules.lock().unwrap_or_else(|p| p.into_inner());
    modules
        .entry(path.to_path_buf())
        .or_insert_with(|| Module::from_file(engine(), path).unwrap_or_else(|e| panic!("{}: {e:?}", path.display())))
        .clone()
}

/// Where a guest's code comes from.
pub enum Source {
    /// A built module on disk.
    File(PathBuf),
    /// WAT text.
    Wat(String),
}

/// How a guest run ended.
#[derive(Debug)]
pub struct Outcome {
    /// The exit status: 0 when `_start` returned, the code given to `proc_exit` otherwise;
    /// `None` if the guest trapped.
    pub exit: Option<i32>,
    /// The trap message, if it trapped.
    pub trap: Option<String>,
    /// Everything written to fd 1.
    pub stdout: Vec<u8>,
    /// Everything written to fd 2.
    pub stderr: Vec<u8>,
}

impl Outcome {
    /// stdout as text.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    /// stderr as text.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
    /// Panics with both streams unless the guest exited with `code`.
    #[track_caller]
    pub fn assert_exit(&self, code: i32) -> &Outcome {
        assert_eq!(
            self.exit,
            Some(code),
            "trap: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.trap,
            self.stdout_text(),
            self.stderr_text()
        );
        self
    }
}

/// A guest about to run: its module and the context it will see.
pub struct Guest {
    source: Source,
    /// The same configuration, recorded to replay under the reference host.
    reference: ReferenceSpec,
    /// The context builder; tests add args, env, stdin, preopens.
    pub builder: WasiCtxBuilder,
    stdout: WritePipe<Vec<u8>>,
    stderr: WritePipe<Vec<u8>>,
    dirs: GrantedDirs,
}

impl Guest {
    /// The C guest `guests/c/NAME.c`, with argv[0] = NAME.
    pub fn c(name: &str) -> Guest {
        Guest::new(Source::File(c_guest(name)), name)
    }

    /// A WAT guest.
    pub fn wat(text: impl Into<String>) -> Guest {
        Guest::new(Source::Wat(text.into()), "wat")
    }

    fn new(source: Source, argv0: &str) -> Guest {
        let stdout = WritePipe::new_in_memory();
        let stderr = WritePipe::new_in_memory();
        let mut builder = WasiCtx::builder();
        builder.os_clocks().arg(argv0).stdout(stdout.clone()).stderr(stderr.clone());
        let reference = ReferenceSpec { args: vec![argv0.to_string()], ..ReferenceSpec::default() };
        Guest { source, reference, builder, stdout, stderr, dirs: GrantedDirs::default() }
    }

    /// Appends arguments after argv[0].
    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Guest {
        let args: Vec<String> = args.into_iter().map(Into::into).collect();
        self.reference.args.extend(args.iter().cloned());
        self.builder.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Guest {
        self.reference.env.push((key.to_string(), value.to_string()));
        self.builder.env(key, value);
        self
    }

    /// Feeds `bytes` to fd 0.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Guest {
        let bytes = bytes.into();
        self.reference.stdin = bytes.clone();
        self.builder.stdin(ReadPipe::from_bytes(bytes));
        self
    }

    /// Lets `fd_renumber` move descriptors onto numbers that are not open (the builder's
    /// `renumber_like_dup2` opt-in, a departure from the spec).
    pub fn renumber_like_dup2(mut self) -> Guest {
        self.builder.renumber_like_dup2(true);
        self
    }

    /// Grants host directory `host` as `guest`, on the backend [`fs_backend`] selects.
    pub fn dir(mut self, host: &Path, guest: &str) -> Guest {
        self.reference.dirs.push((host.to_path_buf(), guest.to_string()));
        self.dirs.preopen(&mut self.builder, host, guest, false);
        self
    }

    /// Grants host directory `host` as `guest` on the OS backend whatever [`fs_backend`]
    /// says: for tests about the host directory itself (races with host-side changes) and
    /// differential tests against the OS-backed reference host.
    pub fn host_dir(mut self, host: &Path, guest: &str) -> Guest {
        self.reference.dirs.push((host.to_path_buf(), guest.to_string()));
        self.builder.preopened_dir(capwasi_os::OsDir::open_ambient(host).expect("opening preopen dir"), guest);
        self
    }

    /// Grants host directory `host` read-only as `guest`, on the backend [`fs_backend`]
    /// selects.
    pub fn dir_read_only(mut self, host: &Path, guest: &str) -> Guest {
        self.dirs.preopen(&mut self.builder, host, guest, true);
        self
    }

    /// Runs `_start` and reports how it ended; in-memory directories are then saved back to
    /// their host directories.
    pub fn run(mut self) -> Outcome {
        let ctx = self.builder.build().expect("building the context");
        let outcome = run_module(&self.source, Arc::new(ctx), &self.stdout, &self.stderr);
        self.dirs.save();
        outcome
    }
}

/// Which backend serves the directories tests grant: `CAPWASI_FS=mem` runs the filesystem
/// tests on capwasi-memfs, so the same test code checks both backends; default (or `os`) is
/// the cap-std backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsBackend {
    /// Host directories through cap-std (`capwasi-os`).
    Os,
    /// Each host directory loaded into its own in-memory filesystem before the run and saved
    /// back to it afterwards, so host-side checks of the result hold for both backends.
    Mem,
}

/// The backend `CAPWASI_FS` selects.
pub fn fs_backend() -> FsBackend {
    match std::env::var("CAPWASI_FS").as_deref() {
        Err(_) | Ok("") | Ok("os") => FsBackend::Os,
        Ok("mem") => FsBackend::Mem,
        Ok(other) => panic!("CAPWASI_FS={other}: expected os or mem"),
    }
}

/// Directories granted to one guest, on the selected backend. In memory, every granted
/// directory is a subtree of one filesystem (as host directories share one host filesystem,
/// so renames and links between two preopens work the same), and remembers where to be
/// saved.
#[derive(Default)]
pub struct GrantedDirs {
    memory: Option<capwasi_memfs::MemFs>,
    to_save: Vec<(String, PathBuf)>,
    count: usize,
}

impl GrantedDirs {
    /// Preopens host directory `host` as `guest` on `builder`.
    pub fn preopen(&mut self, builder: &mut WasiCtxBuilder, host: &Path, guest: &str, read_only: bool) {
        fn grant(builder: &mut WasiCtxBuilder, dir: impl capwasi::WasiDir, guest: &str, read_only: bool) {
            if read_only {
                builder.preopened_dir_read_only(dir, guest);
            } else {
                builder.preopened_dir(dir, guest);
            }
        }
        match fs_backend() {
            FsBackend::Os => grant(builder, capwasi_os::OsDir::open_ambient(host).expect("opening preopen dir"), guest, read_only),
            FsBackend::Mem => {
                let fs = self.memory.get_or_insert_with(capwasi_memfs::MemFs::new);
                let at = format!("granted{}", self.count);
                self.count += 1;
                fs.create_dir_all(&at).expect("making the in-memory directory");
                fs.load_dir_into(host, &at).unwrap_or_else(|e| panic!("loading {} into memory: {e}", host.display()));
                grant(builder, fs.open_dir(&at).expect("opening the in-memory directory"), guest, read_only);
                if !read_only {
                    self.to_save.push((at, host.to_path_buf()));
                }
            }
        }
    }

    /// Saves every in-memory directory back to its host directory.
    pub fn save(&mut self) {
        let Some(fs) = &self.memory else { return };
        let pairs: Vec<(&str, &Path)> = self.to_save.iter().map(|(at, host)| (at.as_str(), host.as_path())).collect();
        fs.save_dirs(&pairs).unwrap_or_else(|e| panic!("saving the in-memory trees: {e}"));
    }
}

/// What a guest was given, to give the same to the reference host.
#[derive(Default)]
struct ReferenceSpec {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Vec<u8>,
    dirs: Vec<(PathBuf, String)>,
}

impl Guest {
    /// Runs the same guest with the same args, env, stdin and directories under the
    /// reference host, wasmtime-wasi 48's preview1 implementation, on the same engine.
    /// Differential tests compare its outcome with [`Guest::run`]'s. (Wasmtime 48 only: the
    /// reference host is built for that release.)
    #[cfg(feature = "wasmtime-48")]
    pub fn run_reference(self) -> Outcome {
        use wasmtime_wasi::p1::{add_to_linker_sync as add_reference, WasiP1Ctx};
        use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
        let spec = self.reference;
        let stdout = MemoryOutputPipe::new(usize::MAX);
        let stderr = MemoryOutputPipe::new(usize::MAX);
        let mut builder = wasmtime_wasi::WasiCtxBuilder::new();
        builder
            .args(&spec.args)
            .envs(&spec.env)
            .stdin(MemoryInputPipe::new(spec.stdin))
            .stdout(stdout.clone())
            .stderr(stderr.clone());
        for (host, guest) in &spec.dirs {
            builder
                .preopened_dir(host, guest, wasmtime_wasi::FsPerms::ReadWrite)
                .expect("opening preopen dir for the reference host");
        }
        let module = match &self.source {
            Source::File(path) => module_for(path),
            Source::Wat(text) => Module::new(engine(), wat::parse_str(text).expect("assembling WAT")).expect("compiling WAT"),
        };
        let mut linker: Linker<WasiP1Ctx> = Linker::new(engine());
        add_reference(&mut linker, |ctx| ctx).expect("linking the reference host");
        let mut store = Store::new(engine(), builder.build_p1());
        let result = linker
            .instantiate(&mut store, &module)
            .and_then(|instance| instance.get_typed_func::<(), ()>(&mut store, "_start"))
            .and_then(|start| start.call(&mut store, ()));
        let (exit, trap) = match result {
            Ok(()) => (Some(0), None),
            Err(err) => match err.downcast_ref::<wasmtime_wasi::I32Exit>() {
                Some(exit) => (Some(exit.0), None),
                None => (None, Some(format!("{err:?}"))),
            },
        };
        Outcome { exit, trap, stdout: stdout.contents().to_vec(), stderr: stderr.contents().to_vec() }
    }
}

/// Which engine runs [`Guest::run`]: `CAPWASI_ENGINE=wasmi` runs the suite on wasmi, to show
/// the same context works on a second engine; default (or `wasmtime`) is Wasmtime.
fn wasmi_mode() -> bool {
    match std::env::var("CAPWASI_ENGINE").as_deref() {
        Err(_) | Ok("") | Ok("wasmtime") => false,
        Ok("wasmi") => true,
        Ok(other) => panic!("CAPWASI_ENGINE={other}: expected wasmtime or wasmi"),
    }
}

/// Runs `_start` on wasmi and reports (exit status, trap message).
fn run_on_wasmi(source: &Source, ctx: Arc<WasiCtx>) -> (Option<i32>, Option<String>) {
    static ENGINE: OnceLock<wasmi::Engine> = OnceLock::new();
    let engine = ENGINE.get_or_init(wasmi::Engine::default);
    let bytes = match source {
        Source::File(path) => std::fs::read(path).expect("reading the guest"),
        Source::Wat(text) => wat::parse_str(text).expect("assembling WAT"),
    };
    let module = wasmi::Module::new(engine, &bytes).expect("compiling for wasmi");
    let mut linker: wasmi::Linker<capwasi_wasmi::WasiState> = wasmi::Linker::new(engine);
    capwasi_wasmi::add_to_linker(&mut linker, |state| state).expect("linking WASI");
    let mut store = wasmi::Store::new(engine, capwasi_wasmi::WasiState::new(ctx));
    let result = linker
        .instantiate_and_start(&mut store, &module)
        .and_then(|instance| instance.get_typed_func::<(), ()>(&store, "_start"))
        .and_then(|start| start.call(&mut store, ()));
    match result {
        Ok(()) => (Some(0), None),
        Err(err) => match capwasi_wasmi::exit_code(&err) {
            Some(code) => (Some(code), None),
            None => (None, Some(format!("{err:?}"))),
        },
    }
}

/// Which Wasmtime linker runs guests: `CAPWASI_LINKER=async` selects the async linker on a
/// Tokio runtime, so the whole suite can run once per mode; anything else but `sync` is a
/// mistake worth failing on.
fn async_mode() -> bool {
    match std::env::var("CAPWASI_LINKER").as_deref() {
        Err(_) | Ok("") | Ok("sync") => false,
        Ok("async") => true,
        Ok(other) => panic!("CAPWASI_LINKER={other}: expected sync or async"),
    }
}

/// The runtime async-mode guests run on: two workers, like the machines CI runs on.
pub fn tokio_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("building the Tokio runtime")
    })
}

fn run_module(source: &Source, ctx: Arc<WasiCtx>, stdout: &WritePipe<Vec<u8>>, stderr: &WritePipe<Vec<u8>>) -> Outcome {
    if wasmi_mode() {
        let (exit, trap) = run_on_wasmi(source, ctx);
        return Outcome { exit, trap, stdout: stdout.contents(), stderr: stderr.contents() };
    }
    let module = match source {
        Source::File(path) => module_for(path),
        Source::Wat(text) => Module::new(engine(), wat::parse_str(text).expect("assembling WAT")).expect("compiling WAT"),
    };
    let mut store = Store::new(engine(), WasiState::new(ctx));
    let result = if async_mode() {
        let mut linker: Linker<WasiState> = Linker::new(engine());
        capwasi_wasmtime::add_to_linker_async(&mut linker, |state| state).expect("linking WASI");
        tokio_runtime().block_on(async {
            let instance = linker.instantiate_async(&mut store, &module).await?;
            let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
            start.call_async(&mut store, ()).await
        })
    } else {
        let mut linker: Linker<WasiState> = Linker::new(engine());
        add_to_linker_sync(&mut linker, |state| state).expect("linking WASI");
        linker
            .instantiate(&mut store, &module)
            .and_then(|instance| instance.get_typed_func::<(), ()>(&mut store, "_start"))
            .and_then(|start| start.call(&mut store, ()))
    };
    let (exit, trap) = match result {
        Ok(()) => (Some(0), None),
        Err(err) => match exit_code(&err) {
            Some(code) => (Some(code), None),
            None => (None, Some(format!("{err:?}"))),
        },
    };
    Outcome { exit, trap, stdout: stdout.contents(), stderr: stderr.contents() }
}

/// The README's embedding example, compiled and run as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeExample;
