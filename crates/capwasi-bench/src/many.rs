//! Many guests waiting at once on one Tokio runtime: what each waiting guest costs the host
//! in memory, and how fast one wakes when its input arrives, under capwasi's async linker and
//! under wasmtime-wasi 48 p1's.
//!
//! Every guest ([`WAITER_WAT`]) runs in its own store on a multi-thread runtime with two
//! workers. Its stdin is its own OS pipe (a FIFO, opened read-write: one descriptor). It writes `W` to stdout (captured in memory), then
//! blocks in `poll_oneoff` on an `fd_read` subscription for stdin. When every guest has said
//! `W`, a driver task writes 8 bytes (a token naming the guest) to the pipes in a shuffled
//! order, a few per millisecond (opening the FIFO for writing, noting the wall-clock time,
//! writing, closing). A woken
//! guest reads the realtime clock first (`clock_time_get`), then reads its token and writes
//! the token and that timestamp to stdout, and returns.
//!
//! Wake-up latency of a guest = its timestamp − the driver's time before the write: from the
//! moment its input exists to the moment it runs again after `poll_oneoff` (the reactor's
//! notice, the task's turn on a worker, the switch back onto the guest's fiber). Both times
//! come from the same `CLOCK_REALTIME`.
//!
//! Memory per waiting guest = (VmRSS with every guest waiting − VmRSS before the first was
//! created) / guests: the store, instance, context, the touched part of the fiber stack, the
//! pipe's kernel side is not counted (it is not in the process's RSS), and the one 4 KiB page
//! of linear memory each guest touches (the guest's memory is one 64 KiB page, untouched pages
//! are not resident).

use std::os::fd::OwnedFd;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use wasmtime::{Engine, InstancePre, Linker, Module, Store};

/// The waiting guest. Exit is a normal return; any unexpected result traps.
///
/// Memory: 0 an iovec, 24 a count, 100 `W`, 256 the subscription (48 bytes), 512 the event
/// (32 bytes), 600 nevents, 704 the token read from stdin, 712 the wake-up timestamp.
pub const WAITER_WAT: &str = r#"(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "W")
  (func $ok (param $errno i32) (if (local.get $errno) (then unreachable)))
  (func (export "_start")
    ;; "W": I am about to wait.
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 1))
    (call $ok (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 24)))
    ;; One subscription: userdata 7, tag fd_read (1), fd 0.
    (i64.store (i32.const 256) (i64.const 7))
    (i32.store8 (i32.const 264) (i32.const 1))
    (i32.store (i32.const 272) (i32.const 0))
    (call $ok (call $poll (i32.const 256) (i32.const 512) (i32.const 1) (i32.const 600)))
    ;; The timestamp first: nothing else between the wake-up and the clock.
    (call $ok (call $clock (i32.const 0) (i64.const 0) (i32.const 712)))
    ;; Exactly one event, for our subscription, fd_read, no error.
    (if (i32.ne (i32.load (i32.const 600)) (i32.const 1)) (then unreachable))
    (if (i64.ne (i64.load (i32.const 512)) (i64.const 7)) (then unreachable))
    (if (i32.load16_u (i32.const 520)) (then unreachable))
    (if (i32.ne (i32.load8_u (i32.const 522)) (i32.const 1)) (then unreachable))
    ;; The 8-byte token, then token + timestamp to stdout.
    (i32.store (i32.const 0) (i32.const 704))
    (i32.store (i32.const 4) (i32.const 8))
    (call $ok (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 24)))
    (if (i32.ne (i32.load (i32.const 24)) (i32.const 8)) (then unreachable))
    (i32.store (i32.const 4) (i32.const 16))
    (call $ok (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 24)))))"#;

/// Which host runs the guests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManyHost {
    /// capwasi, `add_to_linker_async`; stdin is the pipe as an `OsFile`.
    Capwasi,
    /// wasmtime-wasi 48, `p1::add_to_linker_async`; stdin is the pipe as a Tokio
    /// `pipe::Receiver` in an `AsyncStdinStream`.
    WasmtimeWasi,
}

impl ManyHost {
    /// Its name in reports and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ManyHost::Capwasi => "capwasi",
            ManyHost::WasmtimeWasi => "wasmtime_wasi",
        }
    }

    /// The host called `name`.
    pub fn from_name(name: &str) -> Option<ManyHost> {
        [ManyHost::Capwasi, ManyHost::WasmtimeWasi].into_iter().find(|h| h.name() == name)
    }
}

/// How a run goes.
#[derive(Clone, Debug)]
pub struct ManyConfig {
    /// Guests waiting at once.
    pub guests: usize,
    /// Guests the driver wakes per millisecond.
    pub wakes_per_ms: usize,
    /// Tokio worker threads.
    pub workers: usize,
    /// The whole run fails after this long.
    pub timeout: Duration,
}

impl ManyConfig {
    /// `guests` guests, 10 wakes per millisecond (10,000 a second), two workers, and a
    /// timeout that grows with the number of guests.
    pub fn new(guests: usize) -> ManyConfig {
        ManyConfig { guests, wakes_per_ms: 10, workers: 2, timeout: Duration::from_secs(30 + guests as u64 / 100) }
    }
}

/// What a run measured.
#[derive(Clone, Debug)]
pub struct ManyReport {
    /// The host.
    pub host: ManyHost,
    /// Guests that ran.
    pub guests: usize,
    /// VmRSS before the first guest was created, bytes.
    pub rss_before: u64,
    /// VmRSS with every guest waiting, bytes.
    pub rss_waiting: u64,
    /// Threads of the process with every guest waiting.
    pub threads_waiting: u64,
    /// From the first spawn until every guest is waiting.
    pub setup: Duration,
    /// From the first wake until the last guest finished.
    pub wake_phase: Duration,
    /// From the first spawn until the last guest finished.
    pub total: Duration,
    /// Every guest's wake-up latency, sorted, in nanoseconds.
    pub latencies_ns: Vec<u64>,
}

impl ManyReport {
    /// Host memory per waiting guest, bytes.
    pub fn rss_per_guest(&self) -> u64 {
        self.rss_waiting.saturating_sub(self.rss_before) / self.guests.max(1) as u64
    }

    /// The `p`th percentile (0..=100) of the wake-up latency.
    pub fn latency_percentile(&self, p: f64) -> Duration {
        let sorted = &self.latencies_ns;
        if sorted.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
        Duration::from_nanos(sorted[rank.min(sorted.len() - 1)])
    }

    /// One line of `key=value` fields (what the example's child process prints).
    pub fn to_line(&self) -> String {
        format!(
            "host={} guests={} rss_before={} rss_waiting={} threads={} setup_us={} wake_us={} total_us={} p50_us={} p99_us={} max_us={}",
            self.host.name(),
            self.guests,
            self.rss_before,
            self.rss_waiting,
            self.threads_waiting,
            self.setup.as_micros(),
            self.wake_phase.as_micros(),
            self.total.as_micros(),
            self.latency_percentile(50.0).as_micros(),
            self.latency_percentile(99.0).as_micros(),
            self.latency_percentile(100.0).as_micros(),
        )
    }
}

/// A field of `/proc/self/status` in its unit (kB for sizes), if present.
pub fn proc_status(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

/// Raises the open-file limit to at least `needed` descriptors if it is lower (raising the
/// hard limit needs privilege). Returns the soft limit now in force.
pub fn ensure_open_files(needed: u64) -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let now = getrlimit(Resource::Nofile);
    let current = now.current.unwrap_or(u64::MAX);
    if current >= needed {
        return current;
    }
    let maximum = now.maximum.map(|max| max.max(needed));
    let _ = setrlimit(Resource::Nofile, Rlimit { current: Some(needed), maximum });
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

/// Descriptors a run of `guests` guests holds at once (each guest's FIFO), plus room for the
/// rest of the process.
pub fn open_files_needed(guests: usize) -> u64 {
    guests as u64 + 256
}

enum Pre {
    Capwasi(InstancePre<capwasi_wasmtime::WasiState>),
    Wasmtime(InstancePre<wasmtime_wasi::p1::WasiP1Ctx>),
}

enum Stdout {
    Capwasi(capwasi::pipe::WritePipe<Vec<u8>>),
    Wasmtime(wasmtime_wasi::p2::pipe::MemoryOutputPipe),
}

impl Stdout {
    fn contents(&self) -> Vec<u8> {
        match self {
            Stdout::Capwasi(pipe) => pipe.contents(),
            Stdout::Wasmtime(pipe) => pipe.contents().to_vec(),
        }
    }
    fn is_empty(&self) -> bool {
        match self {
            Stdout::Capwasi(pipe) => pipe.contents().is_empty(),
            Stdout::Wasmtime(pipe) => pipe.contents().is_empty(),
        }
    }
}

/// The token the driver writes to guest `k`.
fn token(k: usize) -> [u8; 8] {
    (k as u64 ^ 0x5eed_0000_0000_0000).to_le_bytes()
}

/// A shuffled order of `0..n` (xorshift, fixed seed: the same order every run).
fn shuffled(n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in (1..n).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        order.swap(i, (state % (i as u64 + 1)) as usize);
    }
    order
}

fn realtime_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

/// Compiles [`WAITER_WAT`] and links it for `host`'s async linker.
fn prepare(engine: &Engine, host: ManyHost) -> Pre {
    let module = Module::new(engine, WAITER_WAT).expect("compiling the waiter");
    match host {
        ManyHost::Capwasi => {
            let mut linker = Linker::new(engine);
            capwasi_wasmtime::add_to_linker_async(&mut linker, |s| s).expect("linking capwasi");
            Pre::Capwasi(linker.instantiate_pre(&module).expect("pre-instantiating"))
        }
        ManyHost::WasmtimeWasi => {
            let mut linker = Linker::new(engine);
            wasmtime_wasi::p1::add_to_linker_async(&mut linker, |s| s).expect("linking wasmtime-wasi");
            Pre::Wasmtime(linker.instantiate_pre(&module).expect("pre-instantiating"))
        }
    }
}

/// Runs one guest to its end with `stdin` as fd 0 and `stdout` as fd 1. Must run inside the
/// runtime (wasmtime-wasi's stdin starts a reader task).
async fn run_guest(pre: &Pre, stdin: OwnedFd, stdout: &Stdout) -> Result<(), String> {
    match (pre, stdout) {
        (Pre::Capwasi(pre), Stdout::Capwasi(out)) => {
            let stdin = capwasi_os::OsFile::from_std(std::fs::File::from(stdin)).map_err(|e| e.to_string())?;
            let ctx = capwasi::WasiCtx::builder().stdin(stdin).stdout(out.clone()).build().map_err(|e| e.to_string())?;
            let mut store = Store::new(pre.module().engine(), capwasi_wasmtime::WasiState::new(ctx));
            let instance = pre.instantiate_async(&mut store).await.map_err(|e| e.to_string())?;
            let start = instance.get_typed_func::<(), ()>(&mut store, "_start").map_err(|e| e.to_string())?;
            start.call_async(&mut store, ()).await.map_err(|e| format!("{e:?}"))
        }
        (Pre::Wasmtime(pre), Stdout::Wasmtime(out)) => {
            let receiver = tokio::net::unix::pipe::Receiver::from_owned_fd(stdin).map_err(|e| e.to_string())?;
            let mut builder = wasmtime_wasi::WasiCtxBuilder::new();
            builder.stdin(wasmtime_wasi::cli::AsyncStdinStream::new(receiver)).stdout(out.clone());
            let mut store = Store::new(pre.module().engine(), builder.build_p1());
            let instance = pre.instantiate_async(&mut store).await.map_err(|e| e.to_string())?;
            let start = instance.get_typed_func::<(), ()>(&mut store, "_start").map_err(|e| e.to_string())?;
            start.call_async(&mut store, ()).await.map_err(|e| format!("{e:?}"))
        }
        _ => unreachable!("stdout matches the host"),
    }
}

/// Runs `config.guests` waiting guests under `host` and wakes them (see the module docs).
///
/// Errors if a guest fails, writes the wrong output, wakes before its input was written, or
/// the run exceeds `config.timeout`.
pub fn run_many(engine: &Engine, host: ManyHost, config: &ManyConfig) -> Result<ManyReport, String> {
    let pre = std::sync::Arc::new(prepare(engine, host));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.workers)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + config.timeout;
    let n = config.guests;

    // Every guest's stdin is a FIFO of its own, opened read-write: one descriptor per guest
    // (a reader that never sees end-of-file), while the driver opens it for writing only for
    // the moment it writes (descriptors are what a machine runs out of first: 20,000 here).
    let fifos = tempfile::Builder::new().prefix("capwasi-many").tempdir().map_err(|e| e.to_string())?;
    let fifo = |k: usize| -> Result<(std::path::PathBuf, OwnedFd), String> {
        use rustix::fs::{mknodat, open, FileType, Mode, OFlags, CWD};
        let path = fifos.path().join(format!("g{k}"));
        mknodat(CWD, &path, FileType::Fifo, Mode::RUSR | Mode::WUSR, 0).map_err(|e| format!("mkfifo: {e}"))?;
        let fd = open(&path, OFlags::RDWR | OFlags::CLOEXEC, Mode::empty()).map_err(|e| format!("opening guest {k}'s FIFO: {e}"))?;
        Ok((path, fd))
    };
    let wake = |path: &std::path::Path, k: usize| -> Result<u64, String> {
        use rustix::fs::{open, Mode, OFlags};
        let writer = open(path, OFlags::WRONLY | OFlags::NONBLOCK | OFlags::CLOEXEC, Mode::empty()).map_err(|e| format!("waking guest {k}: {e}"))?;
        let sent_at = realtime_ns();
        let written = rustix::io::write(&writer, &token(k)).map_err(|e| format!("waking guest {k}: {e}"))?;
        if written != 8 {
            return Err(format!("waking guest {k}: wrote {written} of 8 bytes"));
        }
        Ok(sent_at)
    };

    // One guest first, so that what is created once (code, the runtime's threads and
    // reactor, the allocator's first arenas) is not counted against the many.
    let (warm_path, warm_fd) = fifo(n)?;
    let warm_out = new_stdout(host);
    wake(&warm_path, 0)?;
    runtime.block_on(run_guest(&pre, warm_fd, &warm_out))?;

    let mut paths = Vec::with_capacity(n);
    let mut readers = Vec::with_capacity(n);
    for k in 0..n {
        let (path, fd) = fifo(k)?;
        paths.push(path);
        readers.push(fd);
    }
    let stdouts: Vec<std::sync::Arc<Stdout>> = (0..n).map(|_| std::sync::Arc::new(new_stdout(host))).collect();
    let rss_before = proc_status("VmRSS").unwrap_or(0) * 1024;

    let started = Instant::now();
    let outcome = runtime.block_on(async {
        let mut tasks = Vec::with_capacity(n);
        for (stdin, stdout) in readers.drain(..).zip(&stdouts) {
            let (pre, stdout) = (std::sync::Arc::clone(&pre), std::sync::Arc::clone(stdout));
            tasks.push(tokio::spawn(async move { run_guest(&pre, stdin, &stdout).await }));
        }
        // Every guest has said `W` (and so is in, or entering, poll_oneoff).
        let mut waiting = 0;
        while waiting < n {
            if Instant::now() > deadline {
                return Err(format!("only {waiting} of {n} guests reached poll_oneoff before the timeout"));
            }
            if let Some(done) = tasks.iter().position(|t| t.is_finished()) {
                let result = (&mut tasks[done]).await.map_err(|e| e.to_string())?;
                return Err(format!("guest {done} ended before its input was written: {result:?}"));
            }
            waiting = stdouts.iter().filter(|out| !out.is_empty()).count();
            if waiting < n {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        // Let the last to say `W` register their waits.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let setup = started.elapsed();
        let rss_waiting = proc_status("VmRSS").unwrap_or(0) * 1024;
        let threads_waiting = proc_status("Threads").unwrap_or(0);

        // Wake in a shuffled order, `wakes_per_ms` per millisecond tick.
        let woke = Instant::now();
        let mut sent_at = vec![0u64; n];
        let mut tick = tokio::time::interval(Duration::from_millis(1));
        for batch in shuffled(n).chunks(config.wakes_per_ms.max(1)) {
            tick.tick().await;
            for &k in batch {
                sent_at[k] = wake(&paths[k], k)?;
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let finished = tokio::time::timeout(left, async {
            let mut results = Vec::with_capacity(n);
            for task in tasks {
                results.push(task.await.map_err(|e| e.to_string()).and_then(|r| r));
            }
            results
        })
        .await
        .map_err(|_| "guests still running at the timeout".to_string())?;
        let wake_phase = woke.elapsed();
        Ok((finished, sent_at, setup, wake_phase, rss_waiting, threads_waiting))
    });
    let total = started.elapsed();
    runtime.shutdown_timeout(Duration::from_secs(1));
    let (results, sent_at, setup, wake_phase, rss_waiting, threads_waiting) = outcome?;

    let mut latencies_ns = Vec::with_capacity(n);
    for (k, result) in results.into_iter().enumerate() {
        result.map_err(|e| format!("guest {k} failed: {e}"))?;
        let out = stdouts[k].contents();
        if out.len() != 17 || out[0] != b'W' || out[1..9] != token(k) {
            return Err(format!("guest {k} wrote {out:?}"));
        }
        let woke_at = u64::from_le_bytes(out[9..17].try_into().expect("8 bytes"));
        let latency = woke_at
            .checked_sub(sent_at[k])
            .ok_or_else(|| format!("guest {k} woke {} ns before its input was written", sent_at[k] - woke_at))?;
        latencies_ns.push(latency);
    }
    latencies_ns.sort_unstable();
    Ok(ManyReport { host, guests: n, rss_before, rss_waiting, threads_waiting, setup, wake_phase, total, latencies_ns })
}

fn new_stdout(host: ManyHost) -> Stdout {
    match host {
        ManyHost::Capwasi => Stdout::Capwasi(capwasi::pipe::WritePipe::new_in_memory()),
        ManyHost::WasmtimeWasi => Stdout::Wasmtime(wasmtime_wasi::p2::pipe::MemoryOutputPipe::new(64)),
    }
}
