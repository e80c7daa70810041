//! `capwasi run`.

use wasmtime::error::Context as _;
use wasmtime::{bail, format_err as anyhow, Result};
use capwasi::WasiCtx;
use capwasi_os::{OsTcpListener, WasiCtxBuilderExt};
use crate::cache::{Loaded, ModuleCache};
use crate::startup::Phases;
use crate::options::{wasi_options, EngineArgs, EngineSetup, GuardRails, WasiOptions};
use crate::memdirs::{MemDirArgs, MemDirs};
use crate::trace::TraceArgs;
use capwasi_wasmtime::threads::{add_thread_spawn_to_linker, define_shared_memory, imports_shared_memory, WasiThreads};
use capwasi_wasmtime::{add_to_linker_sync_for, exit_code, WasiState};
use std::sync::Arc;
use clap::Args;
use std::process::ExitCode;
use wasmtime::{Engine, Func, Instance, Linker, Module, Store, StoreLimits, StoreLimitsBuilder, Val, ValType};

/// Exit status for a guest that trapped: what a native program that aborts reports
/// (128 + SIGABRT), as `wasmtime run` does.
const TRAP_EXIT: u8 = 134;

/// Exit status for a host-side failure (bad flag, unreadable module, link error).
const HOST_ERROR_EXIT: u8 = 1;

#[derive(Args)]
pub struct RunCommand {
    /// Grant a host directory: HOST, or HOST::GUEST to choose the guest path; a `:ro`
    /// suffix grants it read-only.
    #[arg(long = "dir", value_name = "HOST[::GUEST][:ro]")]
    dirs: Vec<String>,

    /// Grant a listening TCP socket bound to ADDR:PORT (port 0 picks a free port and prints
    /// the address bound on stderr). Listeners get fds after every --dir and --mem-dir.
    #[arg(long = "tcplisten", value_name = "ADDR:PORT")]
    tcplisten: Vec<String>,

    #[command(flatten)]
    mem: MemDirArgs,

    #[command(flatten)]
    engine: EngineArgs,

    #[command(flatten)]
    trace: TraceArgs,

    /// Allow running a module precompiled by `capwasi compile` (a `.cwasm`). Only for files
    /// you built yourself: precompiled code is trusted as machine code.
    #[arg(long)]
    allow_precompiled: bool,

    /// WASI options: NAME[=y|n],... `-S threads` enables wasi-threads and shared memory;
    /// `-S renumber-like-dup2` lets fd_renumber move a descriptor onto a number that is not
    /// open, as POSIX dup2 (a departure from the WASI spec, which answers badf).
    #[arg(short = 'S', value_name = "NAME[=y|n],...")]
    wasi: Vec<String>,

    /// Set an environment variable: KEY=VALUE, or KEY to pass the host's value.
    #[arg(long = "env", value_name = "KEY[=VALUE]")]
    envs: Vec<String>,

    /// Pass the whole host environment to the guest.
    #[arg(long)]
    inherit_env: bool,

    /// Fuel the program may burn (about one unit per wasm instruction); running out traps.
    #[arg(long, value_name = "N")]
    fuel: Option<u64>,

    /// Reproducible run: virtual clocks and sleeps (from 2000-01-01), seeded randomness,
    /// directory listings in name order, virtual inode and device numbers.
    #[arg(long)]
    deterministic: bool,

    /// Seed of `--deterministic` randomness (default 0).
    #[arg(long, value_name = "N", requires = "deterministic")]
    seed: Option<u64>,

    /// Most descriptors the program may hold open at once (stdio and preopens included);
    /// opening more answers `nfile`.
    #[arg(long, value_name = "N")]
    max_fds: Option<u32>,

    /// The program's argv[0] (default: the module's file name, without its directories).
    #[arg(long, value_name = "NAME")]
    argv0: Option<String>,

    /// Call this export instead of `_start`; trailing arguments become its parameters.
    #[arg(long, value_name = "FUNCTION")]
    invoke: Option<String>,

    /// The module to run (.wasm or .wat), then the program's arguments. Everything after the
    /// module belongs to the program, even words that look like capwasi flags.
    #[arg(value_name = "MODULE [ARGS]...", required = true, trailing_var_arg = true, num_args = 1..)]
    command: Vec<String>,
}

impl RunCommand {
    /// The module path, as typed.
    fn module(&self) -> &str {
        &self.command[0]
    }

    /// What the guest sees as argv[0]: `--argv0`, else the module's file name, as
    /// `wasmtime run` gives it (a program printing its usage line names itself, not the
    /// directory it was run from).
    fn argv0(&self) -> String {
        if let Some(name) = &self.argv0 {
            return name.clone();
        }
        let module = std::path::Path::new(self.module());
        match module.file_name() {
            Some(name) => name.to_string_lossy().into_owned(),
            None => self.module().to_string(),
        }
    }

    /// What follows the module.
    fn args(&self) -> &[String] {
        &self.command[1..]
    }

    pub fn execute(self) -> ExitCode {
        match self.run() {
            Ok(code) => code,
            Err(Failure::Host(err)) => {
                eprintln!("error: {err:#}");
                ExitCode::from(HOST_ERROR_EXIT)
            }
            Err(Failure::Guest(err)) => {
                eprintln!("error: failed to run `{}`\n{err:?}", self.module());
                ExitCode::from(TRAP_EXIT)
            }
        }
    }

    fn run(&self) -> Result<ExitCode, Failure> {
        let mut phases = Phases::start();
        let wasi = wasi_options(&self.wasi).map_err(Failure::Host)?;
        let wasi_threads = wasi.threads;
        let setup = self.engine.engine(wasi_threads, self.fuel).map_err(Failure::Host)?;
        phases.end("engine");
        let loaded = self.load_module(&setup.engine, setup.cache.as_ref()).map_err(Failure::Host)?;
        phases.end("module");
        let outcome = self.run_module(&setup, &wasi, &loaded.module, phases);
        // A compiled module is stored however the program ended: the next run starts warm.
        loaded.finish();
        outcome
    }

    fn run_module(&self, setup: &EngineSetup, wasi: &WasiOptions, module: &Module, mut phases: Phases) -> Result<ExitCode, Failure> {
        let (engine, rails) = (&setup.engine, setup.guard_rails);
        let threads = wasi.threads || setup.wasm_threads;
        let (ctx, mem_dirs) = self.build_ctx(wasi).map_err(Failure::Host)?;
        phases.end("context");

        let mut linker: Linker<Host> = Linker::new(engine);
        add_to_linker_sync_for(&mut linker, module, |host| &mut host.wasi).map_err(Failure::Host)?;
        add_thread_spawn_to_linker(&mut linker, |host| host.threads.as_ref()).map_err(Failure::Host)?;
        let host = Host { wasi: WasiState::new(ctx), threads: None, limits: store_limits(&rails) };
        let mut store = Store::new(engine, host);
        apply_guard_rails(&mut store, &rails).map_err(Failure::Host)?;
        if threads {
            define_shared_memory(&mut linker, &mut store, module, |host| &mut host.wasi).map_err(Failure::Host)?;
        } else if imports_shared_memory(module) {
            return Err(Failure::Host(anyhow!("module imports a shared memory (a wasi-threads program): run it with -S threads")));
        }
        let linker = Arc::new(linker);
        if threads {
            let threads = WasiThreads::new(module.clone(), Arc::clone(&linker))
                .configure_store(move |store: &mut Store<Host>| apply_guard_rails(store, &rails));
            store.data_mut().threads = Some(Arc::new(threads));
        }
        if let Some(timeout) = rails.timeout {
            // One tick ends every store's epoch deadline; the ticker dies with the process.
            let engine = engine.clone();
            std::thread::spawn(move || {
                std::thread::sleep(timeout);
                engine.increment_epoch();
            });
        }
        phases.end("linker and store");
        let instance = linker
            .instantiate(&mut store, module)
            .map_err(|e| classify(e, "cannot instantiate module"))?;
        phases.end("instantiation");
        phases.report();

        let outcome = match &self.invoke {
            None => {
                let start = instance
                    .get_typed_func::<(), ()>(&mut store, "_start")
                    .map_err(|_| Failure::Host(anyhow!("module exports no `_start`; use --invoke to call another function")))?;
                start.call(&mut store, ())
            }
            Some(name) => self.invoke(&mut store, &instance, name)?,
        };
        // In-memory directories are saved however the program ended, a trap included: what
        // it left is what there is to inspect.
        mem_dirs.save().map_err(Failure::Host)?;
        match outcome {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(err) => match exit_code(&err) {
                Some(code) => Ok(exit_status(code)),
                None => Err(Failure::Guest(err)),
            },
        }
    }

    /// Compiles (or fetches from the cache) the module; a precompiled one only when allowed.
    fn load_module(&self, engine: &Engine, cache: Option<&ModuleCache>) -> Result<Loaded> {
        let path = self.module();
        // Taken before the bytes are read: the identity the cache may file them under.
        let origin = std::fs::metadata(path).with_context(|| format!("cannot read module `{path}`"))?;
        if let Some(module) = cache.and_then(|cache| cache.load_known(engine, &origin)) {
            return Ok(Loaded::from(module));
        }
        let bytes = std::fs::read(path).with_context(|| format!("cannot read module `{path}`"))?;
        if Engine::detect_precompiled(&bytes).is_none() {
            let loaded = match cache {
                Some(cache) => cache.load(engine, &bytes, Some(&origin)),
                None => Module::new(engine, &bytes).map(Loaded::from),
            };
            return loaded.map_err(|err| match crate::options::feature_needed(&err) {
                Some(flag) => anyhow!("cannot load module `{path}`: {err:#}; it needs `-W {flag}=y`"),
                None => err.context(format!("cannot load module `{path}`")),
            });
        }
        if !self.allow_precompiled {
            bail!("`{path}` is a precompiled module; run it with --allow-precompiled if you built it yourself");
        }
        // SAFETY: the user vouched for this file with --allow-precompiled; Wasmtime still
        // checks that it was compiled by this version for this configuration.
        let module = unsafe { Module::deserialize_file(engine, path) }
            .with_context(|| format!("cannot load precompiled module `{path}`"))?;
        Ok(Loaded::from(module))
    }

    fn build_ctx(&self, wasi: &WasiOptions) -> Result<(WasiCtx, MemDirs)> {
        let mut builder = WasiCtx::builder();
        builder
            .os_clocks()
            .inherit_stdio()
            .trace(self.trace.install()?)
            .trace_data(self.trace.data_limit())
            .renumber_like_dup2(wasi.renumber_like_dup2);
        if self.deterministic {
            builder.deterministic(self.seed.unwrap_or(0));
        }
        if let Some(max_fds) = self.max_fds {
            builder.max_fds(max_fds);
        }
        if self.inherit_env {
            builder.inherit_env();
        }
        for env in &self.envs {
            match env.split_once('=') {
                Some((key, value)) => builder.env(key, value),
                None => match std::env::var(env) {
                    Ok(value) => builder.env(env.as_str(), value),
                    Err(_) => &mut builder,
                },
            };
        }
        builder.arg(self.argv0()).args(self.args().iter().cloned());
        for spec in &self.dirs {
            let dir = DirSpec::parse(spec)?;
            let opened = if dir.read_only {
                builder.preopened_host_dir_read_only(dir.host, dir.guest)
            } else {
                builder.preopened_host_dir(dir.host, dir.guest)
            };
            opened.with_context(|| format!("--dir `{spec}`: cannot open host directory `{}`", dir.host))?;
        }
        // After every --dir: in-memory directories get the descriptors that follow.
        let mem_dirs = self.mem.preopen(&mut builder)?;
        for spec in &self.tcplisten {
            let addr: std::net::SocketAddr =
                spec.parse::<std::net::SocketAddr>().with_context(|| format!("--tcplisten `{spec}`: expected ADDR:PORT"))?;
            let listener = OsTcpListener::bind(addr).with_context(|| format!("--tcplisten `{spec}`: cannot bind"))?;
            if addr.port() == 0 {
                eprintln!("capwasi: listening on {}", listener.local_addr()?);
            }
            builder.preopened_listener(listener);
        }
        let ctx = builder.build()?;
        mem_dirs.follow_clock(std::sync::Arc::clone(&ctx.clocks().realtime));
        Ok((ctx, mem_dirs))
    }

    /// Calls an export by name, converting trailing arguments to its parameter types and
    /// printing its results one per line, as `wasmtime run --invoke` does.
    fn invoke(&self, store: &mut Store<Host>, instance: &Instance, name: &str) -> Result<wasmtime::Result<()>, Failure> {
        if let Some(init) = instance.get_func(&mut *store, "_initialize")
            && let Err(err) = init.call(&mut *store, &[], &mut [])
        {
            return Ok(Err(err));
        }
        let func: Func = instance
            .get_func(&mut *store, name)
            .ok_or_else(|| Failure::Host(anyhow!("module exports no function `{name}`")))?;
        let ty = func.ty(&*store);
        if ty.params().len() != self.args().len() {
            return Err(Failure::Host(anyhow!(
                "`{name}` takes {} arguments, {} given",
                ty.params().len(),
                self.args().len()
            )));
        }
        let params = ty
            .params()
            .zip(self.args())
            .map(|(ty, arg)| parse_val(&ty, arg))
            .collect::<Result<Vec<_>>>()
            .map_err(Failure::Host)?;
        let mut results: Vec<Val> = ty.results().map(|_| Val::I32(0)).collect();
        if let Err(err) = func.call(&mut *store, &params, &mut results) {
            return Ok(Err(err));
        }
        for result in results {
            match result {
                Val::I32(v) => println!("{v}"),
                Val::I64(v) => println!("{v}"),
                Val::F32(v) => println!("{}", f32::from_bits(v)),
                Val::F64(v) => println!("{}", f64::from_bits(v)),
                other => println!("{other:?}"),
            }
        }
        Ok(Ok(()))
    }
}

/// One `--dir` argument: `HOST`, `HOST::GUEST`, either with a `:ro` (or `:readonly`) suffix.
#[derive(Debug, PartialEq, Eq)]
struct DirSpec<'a> {
    host: &'a str,
    guest: &'a str,
    read_only: bool,
}

impl<'a> DirSpec<'a> {
    fn parse(spec: &'a str) -> Result<DirSpec<'a>> {
        let (rest, read_only) = match spec.strip_suffix(":ro").or_else(|| spec.strip_suffix(":readonly")) {
            Some(rest) => (rest, true),
            None => (spec, false),
        };
        let (host, guest) = rest.split_once("::").unwrap_or((rest, rest));
        if host.is_empty() || guest.is_empty() {
            bail!("--dir `{spec}`: expected HOST[::GUEST][:ro]");
        }
        Ok(DirSpec { host, guest, read_only })
    }
}

/// Store data: the WASI state, the program's threads when wasi-threads is on, and limits.
#[derive(Clone)]
struct Host {
    wasi: WasiState,
    threads: Option<Arc<WasiThreads<Host>>>,
    limits: StoreLimits,
}

fn store_limits(rails: &GuardRails) -> StoreLimits {
    let mut limits = StoreLimitsBuilder::new();
    if let Some(bytes) = rails.max_memory_size {
        limits = limits.memory_size(bytes);
    }
    limits.build()
}

/// Applies `-W max-memory-size`, `-W timeout` and `--fuel` to a store (the main one, and each
/// wasi-threads thread's).
fn apply_guard_rails(store: &mut Store<Host>, rails: &GuardRails) -> wasmtime::Result<()> {
    store.limiter(|host| &mut host.limits);
    if rails.timeout.is_some() {
        store.set_epoch_deadline(1);
    }
    if let Some(fuel) = rails.fuel {
        store.set_fuel(fuel)?;
    }
    Ok(())
}

enum Failure {
    /// The host could not set the program up.
    Host(wasmtime::Error),
    /// The guest trapped.
    Guest(wasmtime::Error),
}

/// An error before the program ran is the host's, unless the guest's start function ran
/// (and trapped or exited) during instantiation.
fn classify(err: wasmtime::Error, what: &str) -> Failure {
    if err.downcast_ref::<wasmtime::Trap>().is_some() || exit_code(&err).is_some() {
        Failure::Guest(err)
    } else {
        Failure::Host(anyhow!("{what}: {err}"))
    }
}

/// The process status for a guest exit code. Statuses outside 0..=255 cannot be reported
/// faithfully (the kernel keeps 8 bits, so 256 would read as success): they become 1.
fn exit_status(code: i32) -> ExitCode {
    match u8::try_from(code) {
        Ok(code) => ExitCode::from(code),
        Err(_) => ExitCode::from(1),
    }
}

fn parse_val(ty: &ValType, arg: &str) -> Result<Val> {
    let bad = || anyhow!("argument `{arg}` is not a valid {ty}");
    Ok(match ty {
        ValType::I32 => Val::I32(arg.parse::<i32>().or_else(|_| arg.parse::<u32>().map(|v| v as i32)).map_err(|_| bad())?),
        ValType::I64 => Val::I64(arg.parse::<i64>().or_else(|_| arg.parse::<u64>().map(|v| v as i64)).map_err(|_| bad())?),
        ValType::F32 => Val::F32(arg.parse::<f32>().map_err(|_| bad())?.to_bits()),
        ValType::F64 => Val::F64(arg.parse::<f64>().map_err(|_| bad())?.to_bits()),
        _ => bail!("cannot pass `{arg}` as a {ty} from the command line"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_spec_forms() {
        let spec = |host, guest, read_only| DirSpec { host, guest, read_only };
        assert_eq!(DirSpec::parse("data").unwrap(), spec("data", "data", false));
        assert_eq!(DirSpec::parse("data::/d").unwrap(), spec("data", "/d", false));
        assert_eq!(DirSpec::parse("data::/d:ro").unwrap(), spec("data", "/d", true));
        assert_eq!(DirSpec::parse("data:readonly").unwrap(), spec("data", "data", true));
        assert!(DirSpec::parse("::/d").is_err());
        assert!(DirSpec::parse("data::").is_err());
    }
}
