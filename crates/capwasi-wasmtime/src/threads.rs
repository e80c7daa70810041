//! wasi-threads: `wasi`.`thread-spawn` on Wasmtime.
//!
//! Each spawned thread is a new store on a new OS thread, instantiating the same module
//! through the same linker. The module imports its memory, which the embedder defines in the
//! linker as one [`SharedMemory`]; so every instance shares it, and every store's data is a
//! clone of the spawning store's (the same `Arc<WasiCtx>`: one fd table for all threads).

use crate::{GuestMemoryHandle, WasiState};
use capwasi::I32Exit;
use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use wasmtime::{Caller, Linker, Module, SharedMemory, Store};

/// Thread ids are positive and below 2^29, as wasi-threads requires.
const MAX_TID: u32 = (1 << 29) - 1;

/// Why a program of several threads ended from inside one of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ThreadExit {
    /// A thread called `proc_exit` with this status.
    Exit(i32),
    /// A thread trapped; the message includes the wasm backtrace.
    Trap(String),
}

impl fmt::Display for ThreadExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThreadExit::Exit(code) => write!(f, "a thread exited with status {code}"),
            ThreadExit::Trap(message) => write!(f, "a thread trapped: {message}"),
        }
    }
}

type OnExit = dyn Fn(&ThreadExit) + Send + Sync;
type ConfigureStore<T> = dyn Fn(&mut Store<T>) -> wasmtime::Result<()> + Send + Sync;

/// What `thread-spawn` needs: the module and linker to instantiate again, and the limits.
pub struct WasiThreads<T: 'static> {
    module: Module,
    linker: Arc<Linker<T>>,
    next_tid: AtomicU32,
    running: AtomicUsize,
    max_threads: usize,
    exit: OnceLock<ThreadExit>,
    on_exit: Box<OnExit>,
    configure_store: Box<ConfigureStore<T>>,
    /// wasi-threads shares one memory between instances; a module without a shared memory
    /// would give each thread a memory of its own, so spawning is refused.
    shares_memory: bool,
    /// Instantiate and run each thread with `instantiate_async`/`call_async` (the linker
    /// holds async imports), on a Tokio runtime of the thread's own.
    #[cfg(feature = "tokio")]
    use_async: bool,
}

impl<T: Clone + Send + 'static> WasiThreads<T> {
    /// Threads for `module`, instantiated through `linker` (which must define the shared
    /// memory the module imports, and `thread-spawn` itself).
    ///
    /// When a spawned thread ends the program (`proc_exit` or a trap), the default reaction
    /// is to end the host process with that status (1 for a trap), as wasmtime does: the
    /// other threads may be blocked in host calls and cannot be stopped any other way. Use
    /// [`WasiThreads::on_exit`] to react otherwise.
    pub fn new(module: Module, linker: Arc<Linker<T>>) -> WasiThreads<T> {
        let shares_memory = imports_shared_memory(&module);
        WasiThreads {
            module,
            linker,
            next_tid: AtomicU32::new(1),
            running: AtomicUsize::new(0),
            max_threads: 1024,
            exit: OnceLock::new(),
            shares_memory,
            configure_store: Box::new(|_| Ok(())),
            #[cfg(feature = "tokio")]
            use_async: false,
            on_exit: Box::new(|exit| {
                if let ThreadExit::Trap(message) = exit {
                    eprintln!("error: {message}");
                }
                std::process::exit(match exit {
                    ThreadExit::Exit(code) => *code,
                    ThreadExit::Trap(_) => 1,
                })
            }),
        }
    }

    /// Caps the threads running at once; `thread-spawn` past it returns a negative id.
    pub fn max_threads(mut self, max: usize) -> Self {
        self.max_threads = max;
        self
    }

    /// Replaces what happens when a spawned thread ends the program.
    pub fn on_exit(mut self, on_exit: impl Fn(&ThreadExit) + Send + Sync + 'static) -> Self {
        self.on_exit = Box::new(on_exit);
        self
    }

    /// Prepares each thread's new store before instantiation (limits, fuel, epoch deadline:
    /// whatever the embedder gave the main store).
    pub fn configure_store(mut self, configure: impl Fn(&mut Store<T>) -> wasmtime::Result<()> + Send + Sync + 'static) -> Self {
        self.configure_store = Box::new(configure);
        self
    }

    /// Runs each thread through the async API, for a linker made with
    /// [`crate::add_to_linker_async`]: every new thread gets a current-thread Tokio runtime
    /// of its own, since it is a new OS thread outside the embedder's runtime.
    #[cfg(feature = "tokio")]
    pub fn use_async(mut self, use_async: bool) -> Self {
        self.use_async = use_async;
        self
    }

    /// How a spawned thread ended the program, if one did.
    pub fn exit(&self) -> Option<&ThreadExit> {
        self.exit.get()
    }

    /// Spawned threads still running.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::Acquire)
    }

    /// Starts `wasi_thread_start(tid, start_arg)` on a new OS thread with store data `data`;
    /// returns the thread id, or a negative value if the thread cannot be created. This is
    /// what `thread-spawn` does; it is public for embedding layers that link `thread-spawn`
    /// themselves.
    pub fn spawn(self: &Arc<Self>, data: T, start_arg: i32) -> i32 {
        if !self.shares_memory {
            return -1;
        }
        if self.running.fetch_add(1, Ordering::AcqRel) >= self.max_threads {
            self.running.fetch_sub(1, Ordering::AcqRel);
            return -1;
        }
        let tid = match self.next_tid.fetch_update(Ordering::AcqRel, Ordering::Acquire, |tid| (tid <= MAX_TID).then_some(tid + 1)) {
            Ok(tid) => tid,
            Err(_) => {
                self.running.fetch_sub(1, Ordering::AcqRel);
                return -1;
            }
        };
        let threads = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name(format!("wasi-thread-{tid}"))
            .spawn(move || {
                // A panic in the host is a bug, but it must still end the program rather than
                // leave it waiting for a thread that is gone.
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    threads.run_thread(data, tid as i32, start_arg)
                }))
                .unwrap_or_else(|panic| {
                    let message = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    Err(ThreadExit::Trap(format!("host panic in thread {tid}: {message}")))
                });
                threads.running.fetch_sub(1, Ordering::AcqRel);
                if let Err(exit) = outcome {
                    threads.end_program(exit);
                }
            });
        match spawned {
            Ok(_) => tid as i32,
            Err(_) => {
                self.running.fetch_sub(1, Ordering::AcqRel);
                -1
            }
        }
    }

    fn run_thread(&self, data: T, tid: i32, start_arg: i32) -> Result<(), ThreadExit> {
        let mut store = Store::new(self.module.engine(), data);
        #[cfg(feature = "tokio")]
        let result = if self.use_async { self.run_thread_async(&mut store, tid, start_arg) } else { self.run_thread_sync(&mut store, tid, start_arg) };
        #[cfg(not(feature = "tokio"))]
        let result = self.run_thread_sync(&mut store, tid, start_arg);
        match result {
            Ok(()) => Ok(()),
            Err(err) => Err(match err.downcast_ref::<I32Exit>() {
                Some(exit) => ThreadExit::Exit(exit.0),
                None => ThreadExit::Trap(format!("{err:?}")),
            }),
        }
    }

    fn run_thread_sync(&self, store: &mut Store<T>, tid: i32, start_arg: i32) -> wasmtime::Result<()> {
        (self.configure_store)(store)?;
        let instance = self.linker.instantiate(&mut *store, &self.module)?;
        let start = instance.get_typed_func::<(i32, i32), ()>(&mut *store, "wasi_thread_start")?;
        start.call(store, (tid, start_arg))
    }

    #[cfg(feature = "tokio")]
    fn run_thread_async(&self, store: &mut Store<T>, tid: i32, start_arg: i32) -> wasmtime::Result<()> {
        (self.configure_store)(store)?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        runtime.block_on(async {
            let instance = self.linker.instantiate_async(&mut *store, &self.module).await?;
            let start = instance.get_typed_func::<(i32, i32), ()>(&mut *store, "wasi_thread_start")?;
            start.call_async(store, (tid, start_arg)).await
        })
    }

    fn end_program(&self, exit: ThreadExit) {
        // Only the first thread to end the program decides its status.
        if self.exit.set(exit.clone()).is_ok() {
            (self.on_exit)(&exit);
        }
    }
}

/// Adds `wasi`.`thread-spawn` to `linker`. `get` finds the program's [`WasiThreads`] in the
/// store data (`None`: threads are off, and spawning fails with a negative id); the new
/// thread's store data is a clone of the caller's.
pub fn add_thread_spawn_to_linker<T: Clone + Send + 'static>(
    linker: &mut Linker<T>,
    get: fn(&T) -> Option<&Arc<WasiThreads<T>>>,
) -> wasmtime::Result<()> {
    linker.func_wrap("wasi", "thread-spawn", move |caller: Caller<'_, T>, start_arg: i32| -> i32 {
        let data = caller.data().clone();
        match get(&data).cloned() {
            Some(threads) => threads.spawn(data, start_arg),
            None => -1,
        }
    })?;
    Ok(())
}

/// Whether `module` imports a shared memory, i.e. is a wasi-threads program.
pub fn imports_shared_memory(module: &Module) -> bool {
    module.imports().any(|import| import.ty().memory().is_some_and(|ty| ty.is_shared()))
}

/// The shared memory `module` imports, created and defined in `linker` under its import
/// name, and recorded in `state` so WASI calls use it without looking it up. `None` if the
/// module imports no shared memory.
pub fn define_shared_memory<T: 'static>(
    linker: &mut Linker<T>,
    store: &mut Store<T>,
    module: &Module,
    state: fn(&mut T) -> &mut WasiState,
) -> wasmtime::Result<Option<SharedMemory>> {
    for import in module.imports() {
        if let Some(ty) = import.ty().memory().filter(|ty| ty.is_shared()) {
            let memory = SharedMemory::new(module.engine(), ty.clone())?;
            linker.define(&mut *store, import.module(), import.name(), memory.clone())?;
            state(store.data_mut()).set_memory(GuestMemoryHandle::Shared(memory.clone()));
            return Ok(Some(memory));
        }
    }
    Ok(None)
}
