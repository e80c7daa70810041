//! A runner for wasi-threads guests (`guests/wat/threads_*.wat`), wired as an embedder wires
//! them: an engine with threads and shared memory, `add_to_linker_sync`,
//! `add_thread_spawn_to_linker`, `define_shared_memory`, and a [`WasiThreads`] whose
//! `on_exit` records how a spawned thread ended the program instead of ending the test
//! process.
//!
//! `_start` runs on its own OS thread so the test keeps a deadline: the run ends when main
//! returns (then the runner waits for spawned threads to finish), when a spawned thread ends
//! the program, or at the deadline. A main thread still blocked in a host call is left
//! behind; it ends on its own (every guest bounds its waits).

use capwasi::pipe::WritePipe;
use capwasi::{WasiCtx, WasiCtxBuilder};
use capwasi_os::WasiCtxBuilderExt;
use capwasi_tests::GrantedDirs;
use capwasi_wasmtime::threads::{add_thread_spawn_to_linker, define_shared_memory, ThreadExit, WasiThreads};
use capwasi_wasmtime::{add_to_linker_sync, exit_code, WasiState};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, OnceLock};
use std::time::{Duration, Instant};
use wasmtime::{Config, Engine, Linker, Module, Store};

/// Store data: the WASI state and the program's threads.
#[derive(Clone)]
pub struct Host {
    wasi: WasiState,
    threads: Option<Arc<WasiThreads<Host>>>,
}

/// An engine with wasm threads and shared memory, shared by the thread tests.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = Config::new();
        config.wasm_threads(true).shared_memory(true);
        Engine::new(&config).expect("an engine with threads")
    })
}

/// `guests/wat/NAME.wat`.
pub fn wat_path(name: &str) -> PathBuf {
    capwasi_tests::crate_dir().join("guests/wat").join(format!("{name}.wat"))
}

/// How `_start` ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MainEnd {
    /// `_start` returned.
    Returned,
    /// Main called `proc_exit` with this status.
    Exit(i32),
    /// Main trapped.
    Trap(String),
    /// Main had not ended when the run ended.
    StillRunning,
}

/// How a threaded run ended.
#[derive(Debug)]
pub struct ThreadedOutcome {
    pub main: MainEnd,
    /// How a spawned thread ended the program, if one did.
    pub thread_exit: Option<ThreadExit>,
    /// Spawned threads still running when the run ended.
    pub running: usize,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// From calling `_start` to the end of the run.
    pub elapsed: Duration,
    /// The run hit the deadline.
    pub timed_out: bool,
}

impl ThreadedOutcome {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Panics unless `_start` returned, no thread ended the program and none is left running.
    #[track_caller]
    pub fn assert_clean(&self) -> &Self {
        assert!(
            self.main == MainEnd::Returned && self.thread_exit.is_none() && self.running == 0 && !self.timed_out,
            "{self:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout_text(),
            String::from_utf8_lossy(&self.stderr)
        );
        self
    }
}

enum Event {
    Main(MainEnd),
    Thread(ThreadExit),
}

/// A threaded guest about to run.
pub struct ThreadedGuest {
    module: Module,
    pub builder: WasiCtxBuilder,
    stdout: WritePipe<Vec<u8>>,
    stderr: WritePipe<Vec<u8>>,
    max_threads: Option<usize>,
    deadline: Duration,
    dirs: GrantedDirs,
}

impl ThreadedGuest {
    /// The guest `guests/wat/NAME.wat`, argv[0] = NAME, stdout and stderr captured.
    pub fn new(name: &str) -> ThreadedGuest {
        let path = wat_path(name);
        let bytes = wat::parse_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let module = Module::new(engine(), bytes).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        ThreadedGuest::with_module(module, name)
    }

    /// A guest from WAT text, argv[0] = "wat".
    pub fn wat(text: &str) -> ThreadedGuest {
        let bytes = wat::parse_str(text).expect("assembling WAT");
        ThreadedGuest::with_module(Module::new(engine(), bytes).expect("compiling WAT"), "wat")
    }

    fn with_module(module: Module, name: &str) -> ThreadedGuest {
        let stdout = WritePipe::new_in_memory();
        let stderr = WritePipe::new_in_memory();
        let mut builder = WasiCtx::builder();
        builder.os_clocks().arg(name).stdout(stdout.clone()).stderr(stderr.clone());
        ThreadedGuest { module, builder, stdout, stderr, max_threads: None, deadline: Duration::from_secs(60), dirs: GrantedDirs::default() }
    }

    /// Grants host directory `host` as `guest`.
    pub fn dir(mut self, host: &Path, guest: &str) -> ThreadedGuest {
        self.dirs.preopen(&mut self.builder, host, guest, false);
        self
    }

    /// Caps the spawned threads running at once.
    pub fn max_threads(mut self, max: usize) -> ThreadedGuest {
        self.max_threads = Some(max);
        self
    }

    /// Ends the run after `deadline` at the latest.
    pub fn deadline(mut self, deadline: Duration) -> ThreadedGuest {
        self.deadline = deadline;
        self
    }

    pub fn run(mut self) -> ThreadedOutcome {
        let ctx = self.builder.build().expect("building the context");
        let module = self.module;
        let mut linker: Linker<Host> = Linker::new(engine());
        add_to_linker_sync(&mut linker, |host| &mut host.wasi).expect("linking WASI");
        add_thread_spawn_to_linker(&mut linker, |host| host.threads.as_ref()).expect("linking thread-spawn");
        let mut store = Store::new(engine(), Host { wasi: WasiState::new(ctx), threads: None });
        // A guest without a shared memory import gets none (and its own memory per thread).
        define_shared_memory(&mut linker, &mut store, &module, |host| &mut host.wasi).expect("defining the shared memory");
        let linker = Arc::new(linker);

        let (events_tx, events) = mpsc::channel::<Event>();
        let thread_tx = events_tx.clone();
        let mut threads = WasiThreads::new(module.clone(), Arc::clone(&linker)).on_exit(move |exit| {
            let _ = thread_tx.send(Event::Thread(exit.clone()));
        });
        if let Some(max) = self.max_threads {
            threads = threads.max_threads(max);
        }
        let threads = Arc::new(threads);
        store.data_mut().threads = Some(Arc::clone(&threads));

        let start = Instant::now();
        std::thread::Builder::new()
            .name("wasi-main".into())
            .spawn(move || {
                let result = linker
                    .instantiate(&mut store, &module)
                    .and_then(|instance| instance.get_typed_func::<(), ()>(&mut store, "_start"))
                    .and_then(|start| start.call(&mut store, ()));
                let end = match result {
                    Ok(()) => MainEnd::Returned,
                    Err(err) => match exit_code(&err) {
                        Some(code) => MainEnd::Exit(code),
                        None => MainEnd::Trap(format!("{err:?}")),
                    },
                };
                let _ = events_tx.send(Event::Main(end));
            })
            .expect("spawning the main wasm thread");

        let deadline = start + self.deadline;
        let mut timed_out = false;
        let mut reported = None;
        let main = match events.recv_timeout(self.deadline) {
            Ok(Event::Main(end)) => {
                // Joined threads may still be returning from wasi_thread_start.
                while threads.running() > 0 && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(2));
                }
                end
            }
            Ok(Event::Thread(exit)) => {
                reported = Some(exit);
                match events.try_recv() {
                    Ok(Event::Main(end)) => end,
                    _ => MainEnd::StillRunning,
                }
            }
            Err(_) => {
                timed_out = true;
                MainEnd::StillRunning
            }
        };
        let elapsed = start.elapsed();
        self.dirs.save();
        let thread_exit = threads.exit().cloned();
        if let Some(reported) = &reported {
            assert_eq!(Some(reported), thread_exit.as_ref(), "on_exit and WasiThreads::exit disagree");
        }
        ThreadedOutcome {
            main,
            thread_exit,
            running: threads.running(),
            stdout: self.stdout.contents(),
            stderr: self.stderr.contents(),
            elapsed,
            timed_out,
        }
    }
}
