//! The async linker on Tokio: guests that wait do not hold their executor thread.
//! (The rest of the suite runs under the async linker too, with `CAPWASI_LINKER=async`.)

use capwasi::pipe::WritePipe;
use capwasi::WasiCtx;
use capwasi_os::OsFile;
use capwasi_tests::engine;
use capwasi_wasmtime::{add_to_linker_async, exit_code, WasiState};
use std::time::{Duration, Instant};
use wasmtime::{Linker, Module, Store};

/// Sleeps 100 ms in one poll_oneoff on the monotonic clock, then exits with poll's errno.
const SLEEPER: &str = r#"(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store8 (i32.const 8) (i32.const 0))          ;; tag: clock
    (i32.store (i32.const 16) (i32.const 1))          ;; monotonic
    (i64.store (i32.const 24) (i64.const 100000000))  ;; 100 ms, relative
    (call $exit (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))))"#;

/// Reads stdin into memory and exits with the byte count.
const READER: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 100))
    (drop (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit (i32.load (i32.const 8)))))"#;

async fn run_async(module: &Module, ctx: WasiCtx) -> Option<i32> {
    let mut linker: Linker<WasiState> = Linker::new(engine());
    add_to_linker_async(&mut linker, |state| state).expect("linking WASI");
    let mut store = Store::new(engine(), WasiState::new(ctx));
    let instance = linker.instantiate_async(&mut store, module).await.expect("instantiating");
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start").expect("_start");
    match start.call_async(&mut store, ()).await {
        Ok(()) => Some(0),
        Err(err) => exit_code(&err),
    }
}

#[test]
fn a_thousand_guests_sleeping_100ms_share_two_workers() {
    let module = Module::new(engine(), SLEEPER).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let started = Instant::now();
    let exits = runtime.block_on(async {
        let tasks: Vec<_> = (0..1000)
            .map(|_| {
                let module = module.clone();
                tokio::spawn(async move { run_async(&module, WasiCtx::builder().build().unwrap()).await })
            })
            .collect();
        let mut exits = Vec::new();
        for task in tasks {
            exits.push(task.await.unwrap());
        }
        exits
    });
    let elapsed = started.elapsed();
    assert!(exits.iter().all(|exit| *exit == Some(0)), "every poll succeeds");
    // Sleeping one after another would take 100 s; holding a worker per sleeper, 50 s.
    // Alone this takes well under 1 s; the bound leaves room for a loaded CI machine.
    assert!(elapsed < Duration::from_secs(10), "1000 concurrent 100 ms sleeps took {elapsed:?}");
    assert!(elapsed >= Duration::from_millis(100));
}

#[test]
fn a_guest_blocked_on_stdin_does_not_stall_another_on_a_single_thread() {
    let reader = Module::new(engine(), READER).unwrap();
    let sleeper = Module::new(engine(), SLEEPER).unwrap();
    let (pipe_read, mut pipe_write) = std::io::pipe().unwrap();
    let stdin = OsFile::from_std(std::fs::File::from(std::os::fd::OwnedFd::from(pipe_read))).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (reader_exit, sleeper_done_first) = runtime.block_on(async {
        let reader_ctx = WasiCtx::builder().stdin(stdin).stdout(WritePipe::new_in_memory()).build().unwrap();
        let blocked = tokio::spawn(async move { run_async(&reader, reader_ctx).await });
        // On the one thread the blocked reader shares, the sleeper still runs to the end.
        let slept = run_async(&sleeper, WasiCtx::builder().build().unwrap()).await;
        assert_eq!(slept, Some(0));
        let sleeper_done_first = !blocked.is_finished();
        std::io::Write::write_all(&mut pipe_write, b"hello").unwrap();
        (blocked.await.unwrap(), sleeper_done_first)
    });
    assert!(sleeper_done_first, "the reader finished before any input arrived");
    assert_eq!(reader_exit, Some(5), "the reader got the 5 bytes written after the sleeper ended");
}

/// Clock read, a 1 ms sleep in poll_oneoff, a write to stdout, exit 0.
const TRACED_CALLS: &str = r#"(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $now (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 300) "ok\n")
  (func (export "_start")
    (drop (call $now (i32.const 1) (i64.const 0) (i32.const 200)))
    (i32.store8 (i32.const 8) (i32.const 0))          ;; tag: clock
    (i32.store (i32.const 16) (i32.const 1))          ;; monotonic
    (i64.store (i32.const 24) (i64.const 1000000))    ;; 1 ms, relative
    (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))
    (i32.store (i32.const 400) (i32.const 300))
    (i32.store (i32.const 404) (i32.const 3))
    (drop (call $write (i32.const 1) (i32.const 400) (i32.const 1) (i32.const 408)))
    (call $exit (i32.const 0))))"#;

/// Collects the `import` and `result` fields of every call event.
#[derive(Clone, Default)]
struct CallLog(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for CallLog {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() != capwasi::abi::trace::TARGET {
            return;
        }
        struct Fields(String, String);
        impl tracing::field::Visit for Fields {
            fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
                match field.name() {
                    "import" => self.0 = value.to_string(),
                    "result" => self.1 = value.to_string(),
                    _ => {}
                }
            }
            fn record_debug(&mut self, _field: &tracing::field::Field, _value: &dyn std::fmt::Debug) {}
        }
        let mut fields = Fields(String::new(), String::new());
        event.record(&mut fields);
        self.0.lock().unwrap().push(format!("{} {}", fields.0, fields.1));
    }
}

/// Runs TRACED_CALLS with tracing on, under the async linker or the sync one, on this thread,
/// and returns the call events.
fn traced_calls(asynchronous: bool) -> Vec<String> {
    use tracing_subscriber::layer::SubscriberExt;
    let log = CallLog::default();
    let subscriber = tracing_subscriber::registry().with(log.clone());
    let module = Module::new(engine(), TRACED_CALLS).unwrap();
    let ctx = WasiCtx::builder().trace(true).stdout(WritePipe::new_in_memory()).build().unwrap();
    let exit = tracing::subscriber::with_default(subscriber, || {
        if asynchronous {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(run_async(&module, ctx))
        } else {
            let mut linker: Linker<WasiState> = Linker::new(engine());
            capwasi_wasmtime::add_to_linker_sync(&mut linker, |state| state).unwrap();
            let mut store = Store::new(engine(), WasiState::new(ctx));
            let start = linker.instantiate(&mut store, &module).unwrap().get_typed_func::<(), ()>(&mut store, "_start").unwrap();
            exit_code(&start.call(&mut store, ()).unwrap_err())
        }
    });
    assert_eq!(exit, Some(0));
    log.0.lock().unwrap().clone()
}

/// Every import is traced under the async linker as under the sync one, `poll_oneoff`
/// included (it once bypassed the traced path there).
#[test]
fn the_async_linker_traces_every_call_poll_oneoff_included() {
    let expected = ["clock_time_get success", "poll_oneoff success", "fd_write success", "proc_exit exit(0)"];
    assert_eq!(traced_calls(false), expected);
    assert_eq!(traced_calls(true), expected);
}

/// Polls stdin for reading without reading it; exits with the event count, or 100 + errno.
const STDIN_POLLER: &str = r#"(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (local $errno i32)
    (i32.store8 (i32.const 8) (i32.const 1))   ;; tag: fd_read
    (i32.store (i32.const 16) (i32.const 0))   ;; fd 0
    (local.set $errno (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))
    (if (local.get $errno) (then (call $exit (i32.add (i32.const 100) (local.get $errno)))))
    (call $exit (i32.load (i32.const 128)))))"#;

#[test]
fn two_guests_waiting_on_one_shared_stdin_both_wake_when_it_becomes_readable() {
    // Two stores share one context, so both wait on the same host descriptor: the second
    // wait finds it already registered with the reactor and must wait on a duplicate.
    let poller = Module::new(engine(), STDIN_POLLER).unwrap();
    let (pipe_read, mut pipe_write) = std::io::pipe().unwrap();
    let stdin = OsFile::from_std(std::fs::File::from(std::os::fd::OwnedFd::from(pipe_read))).unwrap();
    let ctx = std::sync::Arc::new(WasiCtx::builder().stdin(stdin).build().unwrap());
    let (done, finished) = std::sync::mpsc::channel();
    // A watchdog: a wait that spins instead of waiting would hold the one thread forever.
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let outcome = runtime.block_on(async {
            let run = |ctx: std::sync::Arc<WasiCtx>, module: Module| async move {
                let mut linker: Linker<WasiState> = Linker::new(engine());
                add_to_linker_async(&mut linker, |state| state).expect("linking WASI");
                let mut store = Store::new(engine(), WasiState::new(ctx));
                let instance = linker.instantiate_async(&mut store, &module).await.expect("instantiating");
                let start = instance.get_typed_func::<(), ()>(&mut store, "_start").expect("_start");
                exit_code(&start.call_async(&mut store, ()).await.expect_err("proc_exit"))
            };
            let first = tokio::spawn(run(ctx.clone(), poller.clone()));
            let second = tokio::spawn(run(ctx.clone(), poller.clone()));
            tokio::time::sleep(Duration::from_millis(100)).await;
            let woke_early = first.is_finished() || second.is_finished();
            std::io::Write::write_all(&mut pipe_write, b"x").unwrap();
            (woke_early, first.await.unwrap(), second.await.unwrap())
        });
        let _ = done.send(outcome);
    });
    let (woke_early, first, second) = finished.recv_timeout(Duration::from_secs(60)).expect("both guests finish");
    assert!(!woke_early, "a guest finished before stdin had anything to read");
    assert_eq!((first, second), (Some(1), Some(1)), "each poll reports one event");
}
