//! Harness for the capwasi benchmarks (`cargo bench -p capwasi-bench`).
//!
//! Every workload is one WAT guest whose `bench(n)` export performs one operation `n` times,
//! run under several hosts on the same [`Engine`]:
//!
//! - [`Host::Capwasi`]: capwasi's sync linker (`add_to_linker_sync`);
//! - [`Host::CapwasiAsync`]: capwasi's async linker on a current-thread Tokio runtime;
//! - [`Host::WasmtimeWasi`] / [`Host::WasmtimeWasiAsync`]: the `wasmtime-wasi` 48 preview1
//!   host (`wasmtime_wasi::p1`), sync and async;
//!
//! and beside them the same operation done natively from Rust (see `benches/wasi.rs`).
//!
//! Instantiation, opening files and building the fixture happen outside the timed region:
//! [`Guest::bench`] times exactly one call of the `bench` export.

pub mod many;
pub mod request;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use wasmtime::{Caller, Config, Engine, Instance, Linker, Memory, Module, Store, TypedFunc};

/// WASI rights a read-only `open` asks for (what wasi-libc asks for with `O_RDONLY`).
pub const READ_RIGHTS: i64 = FD_READ | FD_SEEK | FD_TELL | FD_FILESTAT_GET | FD_ADVISE | FD_FDSTAT_SET_FLAGS | POLL_FD_READWRITE;
/// WASI rights a read-write `open` asks for.
pub const WRITE_RIGHTS: i64 = READ_RIGHTS | FD_WRITE | FD_DATASYNC | FD_SYNC | FD_ALLOCATE | FD_FILESTAT_SET_SIZE;
/// WASI rights an `open` of a directory to list asks for.
pub const DIR_RIGHTS: i64 = FD_READDIR | FD_FILESTAT_GET | PATH_OPEN | PATH_FILESTAT_GET | READ_RIGHTS;

const FD_DATASYNC: i64 = 1 << 0;
const FD_READ: i64 = 1 << 1;
const FD_SEEK: i64 = 1 << 2;
const FD_FDSTAT_SET_FLAGS: i64 = 1 << 3;
const FD_SYNC: i64 = 1 << 4;
const FD_TELL: i64 = 1 << 5;
const FD_WRITE: i64 = 1 << 6;
const FD_ADVISE: i64 = 1 << 7;
const FD_ALLOCATE: i64 = 1 << 8;
const PATH_OPEN: i64 = 1 << 13;
const FD_READDIR: i64 = 1 << 14;
const PATH_FILESTAT_GET: i64 = 1 << 18;
const FD_FILESTAT_GET: i64 = 1 << 21;
const FD_FILESTAT_SET_SIZE: i64 = 1 << 22;
const POLL_FD_READWRITE: i64 = 1 << 27;

/// `oflags::directory`.
pub const O_DIRECTORY: i32 = 2;

/// The preopened fixture directory's descriptor in every guest.
pub const WORK_FD: i32 = 3;
/// The preopened `/dev`'s descriptor in every guest.
pub const DEV_FD: i32 = 4;

/// Bytes of one large read or write.
pub const CHUNK: usize = 1 << 20;
/// Bytes of one random read.
pub const PREAD_LEN: usize = 64;
/// Bytes of one `random_get`.
pub const RANDOM_LEN: usize = 256;
/// Bytes of one write to the captured stdout.
pub const STDOUT_LEN: usize = 64;
/// Writes of [`CHUNK`] bytes after which the 1 MiB-write workload seeks back to 0.
pub const WRITES_PER_REWIND: u64 = 64;

/// Multiplier and increment of the LCG both the guest and the native code use for offsets.
pub const LCG_MUL: u64 = 6364136223846793005;
/// See [`LCG_MUL`].
pub const LCG_ADD: u64 = 1442695040888963407;
/// The LCG's starting state.
pub const LCG_SEED: u64 = 0x2545_F491_4F6C_DD1D;

/// The next random-read offset: advances `state` and maps it into `0..span`.
pub fn next_offset(state: &mut u64, span: u64) -> u64 {
    *state = state.wrapping_mul(LCG_MUL).wrapping_add(LCG_ADD);
    (*state >> 16) % span
}

/// The engine every single-threaded workload runs on, whichever host.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(Engine::default)
}

/// The engine for wasi-threads workloads: shared memory and atomics on.
pub fn threads_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = Config::new();
        config.wasm_threads(true).shared_memory(true);
        Engine::new(&config).expect("an engine with threads")
    })
}

/// The current-thread Tokio runtime the async hosts run on.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a current-thread runtime")
    })
}

/// Files and directories the workloads use, in a fresh temporary directory.
pub struct Fixture {
    dir: tempfile::TempDir,
    /// Size of `data`.
    pub data_len: u64,
    /// Entry counts of the `dN` directories (each holds files `00000`, `00001`, ...).
    pub dir_sizes: Vec<usize>,
}

impl Fixture {
    /// Creates `data` (`data_len` pseudo-random bytes), `out` (64 MiB of zeros), `out1` (empty),
    /// `small` (100 bytes) and
    /// one directory `d{n}` of `n` empty files for each `n` in `dir_sizes`.
    pub fn new(data_len: u64, dir_sizes: &[usize]) -> Fixture {
        use std::io::Write;
        let dir = tempfile::Builder::new().prefix("capwasi-bench").tempdir().expect("a temporary directory");
        let mut data = std::io::BufWriter::with_capacity(CHUNK, std::fs::File::create(dir.path().join("data")).expect("creating data"));
        let mut state = LCG_SEED;
        let mut left = data_len;
        while left > 0 {
            state = state.wrapping_mul(LCG_MUL).wrapping_add(LCG_ADD);
            let take = left.min(8) as usize;
            data.write_all(&state.to_le_bytes()[..take]).expect("writing data");
            left -= take as u64;
        }
        data.flush().expect("writing data");
        drop(data);
        // Written over by the 1 MiB-write workload: allocated up front, so every host
        // overwrites cached pages instead of the first one growing the file.
        std::fs::write(dir.path().join("out"), vec![0u8; 64 * CHUNK]).expect("creating out");
        std::fs::write(dir.path().join("out1"), b"").expect("creating out1");
        std::fs::write(dir.path().join("small"), [b'x'; 100]).expect("creating small");
        for &n in dir_sizes {
            let sub = dir.path().join(format!("d{n}"));
            std::fs::create_dir(&sub).expect("creating a listing directory");
            for i in 0..n {
                std::fs::File::create(sub.join(entry_name(i))).expect("creating a directory entry");
            }
        }
        Fixture { dir, data_len, dir_sizes: dir_sizes.to_vec() }
    }

    /// The fixture directory (preopened as `/work`, fd [`WORK_FD`]).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the fixture.
    pub fn join(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Name of entry `i` of a listing directory (also what the stat workload stats).
pub fn entry_name(i: usize) -> String {
    format!("{i:05}")
}

/// A host running a guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    /// capwasi, `add_to_linker_sync`.
    Capwasi,
    /// capwasi, `add_to_linker_async`, on a current-thread Tokio runtime.
    CapwasiAsync,
    /// wasmtime-wasi 48, `p1::add_to_linker_sync`.
    WasmtimeWasi,
    /// wasmtime-wasi 48, `p1::add_to_linker_async`, on a current-thread Tokio runtime.
    WasmtimeWasiAsync,
    /// capwasi's sync linker with the tracing check compiled out: the baseline for what
    /// tracing costs when off.
    CapwasiUntraced,
    /// capwasi's sync linker with tracing on (`builder.trace(true)`) and a subscriber that
    /// formats every event as `--trace` does, into a sink.
    CapwasiTraceOn,
}

impl Host {
    /// The name the benchmark reports it under.
    pub fn name(self) -> &'static str {
        match self {
            Host::Capwasi => "capwasi",
            Host::CapwasiAsync => "capwasi_async",
            Host::WasmtimeWasi => "wasmtime_wasi",
            Host::WasmtimeWasiAsync => "wasmtime_wasi_async",
            Host::CapwasiUntraced => "capwasi_untraced",
            Host::CapwasiTraceOn => "capwasi_trace_on",
        }
    }

    /// The host reported under `name`.
    pub fn from_name(name: &str) -> Option<Host> {
        [Host::Capwasi, Host::CapwasiAsync, Host::WasmtimeWasi, Host::WasmtimeWasiAsync, Host::CapwasiUntraced, Host::CapwasiTraceOn]
            .into_iter()
            .find(|h| h.name() == name)
    }

    fn is_async(self) -> bool {
        matches!(self, Host::CapwasiAsync | Host::WasmtimeWasiAsync)
    }
}

/// The WASI imports every workload guest declares (unused ones cost nothing).
const IMPORTS: &str = r#"
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pread" (func $fd_pread (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_tell" (func $fd_tell (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_get" (func $fd_filestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get" (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
"#;

/// A workload guest: `prep` runs once per `bench` call, `body` once per iteration and leaves
/// the iteration's errno on the stack.
///
/// Memory map: 0 an iovec, 8 the result of a call (count, time, offset), 16 a scratch result,
/// 24 the fd `open` got, 128 a filestat, 256 `"small"`, 300 a path built per iteration, 512 the path
/// `open` opens (written by the host), 1024 a small buffer, 65536 a 1 MiB buffer (also the
/// readdir buffer).
///
/// Exports: `open(dirfd, path_len, oflags, rights, fdflags) -> errno` (path at 512; the new
/// fd goes to the global the body uses), `bench(n) -> errno` and `result() -> i64` (what the
/// last iteration counted, e.g. entries listed).
pub fn workload_wat(prep: &str, body: &str) -> String {
    format!(
        r#"(module
{IMPORTS}
  (memory (export "memory") 32)
  (global $fd (mut i32) (i32.const -1))
  (global $x (mut i64) (i64.const {LCG_SEED}))
  (global $result (mut i64) (i64.const 0))
  (data (i32.const 256) "small")
  (func (export "open") (param $dirfd i32) (param $len i32) (param $oflags i32) (param $rights i64) (param $fdflags i32) (result i32)
    (local $e i32)
    (local.set $e (call $path_open (local.get $dirfd) (i32.const 1) (i32.const 512) (local.get $len)
      (local.get $oflags) (local.get $rights) (local.get $rights) (local.get $fdflags) (i32.const 24)))
    (if (i32.eqz (local.get $e)) (then (global.set $fd (i32.load (i32.const 24)))))
    (local.get $e))
  (func (export "result") (result i64) (global.get $result))
  (func (export "bench") (param $n i32) (result i32)
    (local $i i32) (local $e i32) (local $k i32) (local $p i32) (local $used i32)
    (local $cookie i64) (local $count i64)
    {prep}
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        {body}
        (local.set $e)
        (br_if $done (local.get $e))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $e))
)"#
    )
}

/// Sets the iovec at 0 to `len` bytes at `buf`.
fn iovec(buf: u32, len: usize) -> String {
    format!("(i32.store (i32.const 0) (i32.const {buf})) (i32.store (i32.const 4) (i32.const {len}))")
}

/// The guests of every workload, by name.
pub mod guests {
    use super::*;

    /// One 1-byte `fd_write` to the opened file.
    pub fn write1() -> String {
        workload_wat(&iovec(1024, 1), "(call $fd_write (global.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))")
    }

    /// One [`STDOUT_LEN`]-byte `fd_write` to fd 1 (stdout, captured in memory).
    pub fn stdout() -> String {
        workload_wat(&iovec(1024, STDOUT_LEN), "(call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))")
    }

    /// One `clock_time_get` of the monotonic clock.
    pub fn clock() -> String {
        workload_wat("", "(call $clock_time_get (i32.const 1) (i64.const 0) (i32.const 8))")
    }

    /// One `fd_tell`.
    pub fn tell() -> String {
        workload_wat("", "(call $fd_tell (global.get $fd) (i32.const 8))")
    }

    /// One 1 MiB `fd_read`; at end of file, seek to 0 and read again.
    pub fn read_chunk() -> String {
        let read = "(call $fd_read (global.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))";
        workload_wat(
            &iovec(65536, CHUNK),
            &format!(
                r#"(local.set $e {read})
        (if (i32.eqz (local.get $e)) (then (if (i32.eqz (i32.load (i32.const 8))) (then
          (local.set $e (call $fd_seek (global.get $fd) (i64.const 0) (i32.const 0) (i32.const 16)))
          (if (i32.eqz (local.get $e)) (then (local.set $e {read})))))))
        (local.get $e)"#
            ),
        )
    }

    /// One 1 MiB `fd_write`; every [`WRITES_PER_REWIND`] writes, seek back to 0.
    pub fn write_chunk() -> String {
        workload_wat(
            &iovec(65536, CHUNK),
            &format!(
                r#"(local.set $e (call $fd_write (global.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
        (if (i32.and (i32.eqz (local.get $e)) (i32.eq (i32.and (local.get $i) (i32.const {mask})) (i32.const {mask})))
          (then (local.set $e (call $fd_seek (global.get $fd) (i64.const 0) (i32.const 0) (i32.const 16)))))
        (local.get $e)"#,
                mask = WRITES_PER_REWIND - 1
            ),
        )
    }

    /// One 64-byte `fd_pread` at an LCG offset in `0..span`.
    pub fn pread(span: u64) -> String {
        workload_wat(
            &iovec(1024, PREAD_LEN),
            &format!(
                r#"(global.set $x (i64.add (i64.mul (global.get $x) (i64.const {LCG_MUL})) (i64.const {LCG_ADD})))
        (call $fd_pread (global.get $fd) (i32.const 0) (i32.const 1)
          (i64.rem_u (i64.shr_u (global.get $x) (i64.const 16)) (i64.const {span})) (i32.const 8))"#,
                LCG_MUL = LCG_MUL as i64,
                LCG_ADD = LCG_ADD as i64,
            ),
        )
    }

    /// `path_open("small")` under the fixture preopen, `fd_filestat_get`, `fd_close`.
    pub fn open_stat_close() -> String {
        workload_wat(
            "",
            &format!(
                r#"(local.set $e (call $path_open (i32.const {WORK_FD}) (i32.const 1) (i32.const 256) (i32.const 5)
          (i32.const 0) (i64.const {READ_RIGHTS}) (i64.const 0) (i32.const 0) (i32.const 16)))
        (if (i32.eqz (local.get $e)) (then
          (local.set $e (call $fd_filestat_get (i32.load (i32.const 16)) (i32.const 128)))
          (if (i32.eqz (local.get $e)) (then (local.set $e (call $fd_close (i32.load (i32.const 16))))))))
        (local.get $e)"#
            ),
        )
    }

    /// `path_filestat_get` of `d{n}/NNNNN` (entry `i % n`) under the fixture preopen,
    /// following symlinks: what wasi-libc's `stat("/work/d10000/00042")` asks for.
    pub fn stat_entries(n: usize) -> String {
        stat_names(n, &format!("d{n}/"), &WORK_FD.to_string())
    }

    /// `path_filestat_get` (follow) of `NNNNN` under the opened directory `d{n}`: one
    /// component, as a program working inside that directory names its files.
    pub fn stat_entries_flat(n: usize) -> String {
        stat_names(n, "", "(global.get $fd)")
    }

    fn stat_names(n: usize, dir: &str, dirfd: &str) -> String {
        let dirfd = if dirfd.starts_with('(') { dirfd.to_string() } else { format!("(i32.const {dirfd})") };
        let digits_at = 300 + dir.len();
        let path_len = dir.len() + 5;
        let mut digits = String::new();
        for at in (digits_at..digits_at + 5).rev() {
            digits.push_str(&format!(
                "(i32.store8 (i32.const {at}) (i32.add (i32.const 48) (i32.rem_u (local.get $k) (i32.const 10))))
        (local.set $k (i32.div_u (local.get $k) (i32.const 10)))
        "
            ));
        }
        let prefix: String = dir
            .bytes()
            .enumerate()
            .map(|(j, b)| format!("(i32.store8 (i32.const {}) (i32.const {b})) ", 300 + j))
            .collect();
        workload_wat(
            &prefix,
            &format!(
                r#"(local.set $k (i32.rem_u (local.get $i) (i32.const {n})))
        {digits}(call $path_filestat_get {dirfd} (i32.const 1) (i32.const 300) (i32.const {path_len}) (i32.const 128))"#
            ),
        )
    }

    /// One whole listing of the opened directory with `fd_readdir` into a 4 KiB buffer,
    /// resuming from the cookie of the last whole entry; the entry count goes to `result`.
    pub fn readdir() -> String {
        workload_wat(
            "",
            r#"(local.set $cookie (i64.const 0))
        (local.set $count (i64.const 0))
        (block $listed
          (loop $batch
            (local.set $e (call $fd_readdir (global.get $fd) (i32.const 65536) (i32.const 4096) (local.get $cookie) (i32.const 8)))
            (br_if $listed (local.get $e))
            (local.set $used (i32.load (i32.const 8)))
            (local.set $p (i32.const 0))
            (block $walked
              (loop $entry
                (br_if $walked (i32.gt_u (i32.add (local.get $p) (i32.const 24)) (local.get $used)))
                (local.set $k (i32.add (i32.add (local.get $p) (i32.const 24))
                  (i32.load (i32.add (i32.const 65552) (local.get $p)))))
                (br_if $walked (i32.gt_u (local.get $k) (local.get $used)))
                (local.set $cookie (i64.load (i32.add (i32.const 65536) (local.get $p))))
                (local.set $count (i64.add (local.get $count) (i64.const 1)))
                (local.set $p (local.get $k))
                (br $entry)))
            (br_if $batch (i32.eq (local.get $used) (i32.const 4096)))))
        (global.set $result (local.get $count))
        (local.get $e)"#,
        )
    }

    /// One 256-byte `random_get`.
    pub fn random() -> String {
        workload_wat("", &format!("(call $random_get (i32.const 1024) (i32.const {RANDOM_LEN}))"))
    }

    /// wasi-threads: each iteration spawns a thread that sets a flag and notifies, and waits
    /// on the flag (what wasi-libc's `pthread_join` does).
    pub fn spawn_join() -> String {
        r#"(module
  (import "env" "memory" (memory 1 1 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32)
    (i32.atomic.store (local.get $arg) (i32.const 1))
    (drop (memory.atomic.notify (local.get $arg) (i32.const 1))))
  (func (export "bench") (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.atomic.store (i32.const 64) (i32.const 0))
        (if (i32.lt_s (call $spawn (i32.const 64)) (i32.const 0)) (then (return (i32.const 1))))
        (block $joined
          (loop $wait
            (br_if $joined (i32.atomic.load (i32.const 64)))
            (drop (memory.atomic.wait32 (i32.const 64) (i32.const 0) (i64.const -1)))
            (br $wait)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 0))
)"#
        .to_string()
    }
}

/// Size of the file the benchmarks read in 1 MiB chunks and at random offsets.
pub const DATA_LEN: u64 = 64 << 20;
/// Entry counts of the listing directories the benchmarks use.
pub const DIR_SIZES: [usize; 2] = [1_000, 10_000];

/// What a guest opens before it is timed: (dirfd, path, oflags, rights).
pub type Open = Option<(i32, &'static str, i32, i64)>;

/// A benchmark workload: its guest and what the guest opens first.
pub struct Workload {
    /// WAT of the guest.
    pub wat: String,
    /// Opened (untimed) before `bench` runs.
    pub open: Open,
}

/// The workloads with a `floor` variant ([`Guest::floor_for`]).
pub const FLOOR_WORKLOADS: &[&str] = &["clock_time_get", "write1_file", "pread64_random"];

/// The workloads run under WASI hosts, by criterion group name, for a fixture made with
/// [`DATA_LEN`] and [`DIR_SIZES`].
pub fn workload(name: &str) -> Option<Workload> {
    let (wat, open) = match name {
        "write1_devnull" => (guests::write1(), Some((DEV_FD, "null", 0, WRITE_RIGHTS))),
        "write1_file" => (guests::write1(), Some((WORK_FD, "out1", 0, WRITE_RIGHTS))),
        "clock_time_get" => (guests::clock(), None),
        "fd_tell" => (guests::tell(), Some((WORK_FD, "small", 0, READ_RIGHTS))),
        "read_1mib" => (guests::read_chunk(), Some((WORK_FD, "data", 0, READ_RIGHTS))),
        "write_1mib" => (guests::write_chunk(), Some((WORK_FD, "out", 0, WRITE_RIGHTS))),
        "pread64_random" => (guests::pread(DATA_LEN - PREAD_LEN as u64), Some((WORK_FD, "data", 0, READ_RIGHTS))),
        "open_fstat_close" => (guests::open_stat_close(), None),
        "stat_10k" => (guests::stat_entries(10_000), None),
        "stat_10k_flat" => (guests::stat_entries_flat(10_000), Some((WORK_FD, "d10000", O_DIRECTORY, DIR_RIGHTS))),
        "readdir_1k" => (guests::readdir(), Some((WORK_FD, "d1000", O_DIRECTORY, DIR_RIGHTS))),
        "readdir_10k" => (guests::readdir(), Some((WORK_FD, "d10000", O_DIRECTORY, DIR_RIGHTS))),
        "random_get_256" => (guests::random(), None),
        "stdout_pipe_64" => (guests::stdout(), None),
        _ => return None,
    };
    Some(Workload { wat, open })
}

/// Compiles WAT on `engine`.
pub fn compile(engine: &Engine, wat: &str) -> Module {
    let wasm = wat::parse_str(wat).unwrap_or_else(|e| panic!("assembling a guest: {e}\n{wat}"));
    Module::new(engine, wasm).expect("compiling a guest")
}

/// A guest instantiated under one host, ready to be timed.
pub struct Guest {
    inner: Box<dyn Run>,
}

trait Run: Send {
    fn open(&mut self, dirfd: i32, path: &str, oflags: i32, rights: i64) -> i32;
    fn bench(&mut self, n: u32) -> (Duration, i32);
    fn result(&mut self) -> i64;
}

struct Instantiated<T: 'static> {
    store: Store<T>,
    memory: Memory,
    open: TypedFunc<(i32, i32, i32, i64, i32), i32>,
    bench: TypedFunc<i32, i32>,
    result: TypedFunc<(), i64>,
    is_async: bool,
}

impl<T: Send + 'static> Instantiated<T> {
    fn new(mut store: Store<T>, linker: &Linker<T>, module: &Module, is_async: bool) -> Self {
        let instance: Instance = if is_async {
            runtime().block_on(linker.instantiate_async(&mut store, module)).expect("instantiating")
        } else {
            linker.instantiate(&mut store, module).expect("instantiating")
        };
        let memory = instance.get_memory(&mut store, "memory").expect("memory export");
        let open = instance.get_typed_func(&mut store, "open").expect("open export");
        let bench = instance.get_typed_func(&mut store, "bench").expect("bench export");
        let result = instance.get_typed_func(&mut store, "result").expect("result export");
        Instantiated { store, memory, open, bench, result, is_async }
    }
}

impl<T: Send + 'static> Run for Instantiated<T> {
    fn open(&mut self, dirfd: i32, path: &str, oflags: i32, rights: i64) -> i32 {
        self.memory.write(&mut self.store, 512, path.as_bytes()).expect("path fits");
        let args = (dirfd, path.len() as i32, oflags, rights, 0);
        if self.is_async {
            runtime().block_on(self.open.call_async(&mut self.store, args)).expect("open")
        } else {
            self.open.call(&mut self.store, args).expect("open")
        }
    }

    fn bench(&mut self, n: u32) -> (Duration, i32) {
        let n = i32::try_from(n).expect("n fits an i32");
        if self.is_async {
            let (bench, store) = (&self.bench, &mut self.store);
            runtime().block_on(async move {
                let start = Instant::now();
                let errno = bench.call_async(store, n).await.expect("bench");
                (start.elapsed(), errno)
            })
        } else {
            let start = Instant::now();
            let errno = self.bench.call(&mut self.store, n).expect("bench");
            (start.elapsed(), errno)
        }
    }

    fn result(&mut self) -> i64 {
        if self.is_async {
            runtime().block_on(self.result.call_async(&mut self.store, ())).expect("result")
        } else {
            self.result.call(&mut self.store, ()).expect("result")
        }
    }
}

impl Guest {
    /// Instantiates `module` under `host`, with the fixture preopened as `/work` (fd 3),
    /// the host's `/dev` as `/dev` (fd 4), and stdout captured in memory.
    pub fn new(host: Host, module: &Module, fixture: &Fixture) -> Guest {
        let engine = module.engine();
        let inner: Box<dyn Run> = match host {
            Host::Capwasi | Host::CapwasiAsync | Host::CapwasiUntraced | Host::CapwasiTraceOn => {
                use capwasi_os::WasiCtxBuilderExt;
                let mut builder = capwasi::WasiCtx::builder();
                builder.stdout(capwasi::pipe::WritePipe::new_in_memory());
                if host == Host::CapwasiTraceOn {
                    install_trace_sink();
                    builder.trace(true);
                }
                builder.preopened_host_dir(fixture.path(), "/work").expect("preopening the fixture");
                builder.preopened_host_dir("/dev", "/dev").expect("preopening /dev");
                let ctx = builder.build().expect("a capwasi context");
                let store = Store::new(engine, capwasi_wasmtime::WasiState::new(ctx));
                let mut linker = Linker::new(engine);
                if host.is_async() {
                    capwasi_wasmtime::add_to_linker_async(&mut linker, |s| s).expect("linking capwasi");
                } else if host == Host::CapwasiUntraced {
                    capwasi_wasmtime::add_to_linker_sync_untraced(&mut linker, |s| s).expect("linking capwasi");
                } else {
                    capwasi_wasmtime::add_to_linker_sync(&mut linker, |s| s).expect("linking capwasi");
                }
                Box::new(Instantiated::new(store, &linker, module, host.is_async()))
            }
            Host::WasmtimeWasi | Host::WasmtimeWasiAsync => {
                use wasmtime_wasi::p1::WasiP1Ctx;
                let mut builder = wasmtime_wasi::WasiCtxBuilder::new();
                // As `wasmtime run` does: file I/O on the calling thread, not on Tokio's
                // blocking pool (a thread hop per call). Async embedders keep the hop.
                builder.allow_blocking_current_thread(!host.is_async());
                builder.stdout(wasmtime_wasi::p2::pipe::MemoryOutputPipe::new(usize::MAX));
                builder
                    .preopened_dir(fixture.path(), "/work", wasmtime_wasi::FsPerms::ReadWrite)
                    .expect("preopening the fixture");
                builder.preopened_dir("/dev", "/dev", wasmtime_wasi::FsPerms::ReadWrite).expect("preopening /dev");
                let store = Store::new(engine, builder.build_p1());
                let mut linker: Linker<WasiP1Ctx> = Linker::new(engine);
                if host.is_async() {
                    wasmtime_wasi::p1::add_to_linker_async(&mut linker, |s| s).expect("linking wasmtime-wasi");
                } else {
                    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s| s).expect("linking wasmtime-wasi");
                }
                Box::new(Instantiated::new(store, &linker, module, host.is_async()))
            }
        };
        Guest { inner }
    }

    /// Instantiates `module` under `host` and opens what `open` names.
    pub fn with_open(host: Host, module: &Module, fixture: &Fixture, open: Open) -> Guest {
        let mut guest = Guest::new(host, module, fixture);
        if let Some((dirfd, path, oflags, rights)) = open {
            guest.open(dirfd, path, oflags, rights);
        }
        guest
    }

    /// Opens `path` under `dirfd` for the workload body (`rights` as for `path_open`);
    /// panics unless it succeeds.
    pub fn open(&mut self, dirfd: i32, path: &str, oflags: i32, rights: i64) {
        let errno = self.inner.open(dirfd, path, oflags, rights);
        assert_eq!(errno, 0, "open {path:?} under fd {dirfd}: errno {errno}");
    }

    /// Runs `bench(iters)` (in calls of at most 2^30 iterations) and returns the time it
    /// took; panics if an iteration failed.
    pub fn bench(&mut self, iters: u64) -> Duration {
        let mut total = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let n = left.min(1 << 30) as u32;
            let (took, errno) = self.inner.bench(n);
            assert_eq!(errno, 0, "a benchmark iteration failed with errno {errno}");
            total += took;
            left -= u64::from(n);
        }
        total
    }

    /// What the last iteration counted (entries listed, for readdir).
    pub fn result(&mut self) -> i64 {
        self.inner.result()
    }

    /// The floor of workload `name` ([`FLOOR_WORKLOADS`]): [`Guest::floor`] given the host
    /// file the workload's `open` would have opened (under `fixture`, as in its group's
    /// `native` variant).
    pub fn floor_for(name: &str, fixture: &Fixture) -> Option<Guest> {
        let spec = workload(name)?;
        let file = match name {
            "clock_time_get" => None,
            "write1_file" => Some(std::fs::OpenOptions::new().write(true).create(true).truncate(false).open(fixture.join("out1"))),
            "pread64_random" => Some(std::fs::File::open(fixture.join("data"))),
            _ => return None,
        };
        let file = file.map(|opened| opened.expect("opening the floor's file"));
        Some(Guest::floor(&compile(engine(), &spec.wat), file))
    }

    /// The floor of a WASI host call on this engine: `module`'s `clock_time_get`,
    /// `fd_write` and `fd_pread` as bare `func_wrap`s that do the call's work on one host
    /// `file` (whatever fd the guest names) through a `Memory` kept in the store: bounds
    /// checks and the syscall, no context, no descriptor table, no rights, no error mapping.
    /// Every other import traps, so the workload's `open` must not be called.
    pub fn floor(module: &Module, file: Option<std::fs::File>) -> Guest {
        struct Floor {
            memory: Option<Memory>,
            origin: Instant,
            file: Option<std::fs::File>,
        }
        /// The first iovec's buffer at `iovs` (the workloads pass one), if it is in bounds.
        fn first_iovec(memory: &mut [u8], iovs: i32, iovs_len: i32) -> Option<std::ops::Range<usize>> {
            if iovs_len < 1 {
                return None;
            }
            let at = iovs as u32 as usize;
            let entry = memory.get(at..at.checked_add(8)?)?;
            let base = u32::from_le_bytes(entry[..4].try_into().ok()?) as usize;
            let len = u32::from_le_bytes(entry[4..].try_into().ok()?) as usize;
            let end = base.checked_add(len)?;
            (end <= memory.len()).then_some(base..end)
        }
        /// Stores `value` at guest address `at`: errno 0, or 21 (`fault`) out of bounds.
        fn store(memory: &mut [u8], at: i32, value: &[u8]) -> i32 {
            let at = at as u32 as usize;
            match memory.get_mut(at..).and_then(|rest| rest.get_mut(..value.len())) {
                Some(out) => {
                    out.copy_from_slice(value);
                    0
                }
                None => 21,
            }
        }
        let engine = module.engine();
        let mut linker: Linker<Floor> = Linker::new(engine);
        linker
            .func_wrap(
                "wasi_snapshot_preview1",
                "clock_time_get",
                |mut caller: Caller<'_, Floor>, _id: i32, _precision: i64, ptr: i32| -> i32 {
                    let now = caller.data().origin.elapsed().as_nanos() as u64;
                    let memory = caller.data().memory.expect("memory is set after instantiation");
                    store(memory.data_mut(&mut caller), ptr, &now.to_le_bytes())
                },
            )
            .expect("linking the floor clock");
        linker
            .func_wrap(
                "wasi_snapshot_preview1",
                "fd_write",
                |mut caller: Caller<'_, Floor>, _fd: i32, iovs: i32, iovs_len: i32, nwritten: i32| -> i32 {
                    let memory = caller.data().memory.expect("memory is set after instantiation");
                    let (bytes, floor) = memory.data_and_store_mut(&mut caller);
                    let Some(buf) = first_iovec(bytes, iovs, iovs_len) else { return 21 };
                    let file = floor.file.as_ref().expect("the floor was given a file");
                    match rustix::io::write(file, &bytes[buf]) {
                        Ok(n) => store(bytes, nwritten, &(n as u32).to_le_bytes()),
                        Err(e) => e.raw_os_error(),
                    }
                },
            )
            .expect("linking the floor write");
        linker
            .func_wrap(
                "wasi_snapshot_preview1",
                "fd_pread",
                |mut caller: Caller<'_, Floor>, _fd: i32, iovs: i32, iovs_len: i32, offset: i64, nread: i32| -> i32 {
                    let memory = caller.data().memory.expect("memory is set after instantiation");
                    let (bytes, floor) = memory.data_and_store_mut(&mut caller);
                    let Some(buf) = first_iovec(bytes, iovs, iovs_len) else { return 21 };
                    let file = floor.file.as_ref().expect("the floor was given a file");
                    match rustix::io::pread(file, &mut bytes[buf], offset as u64) {
                        Ok(n) => store(bytes, nread, &(n as u32).to_le_bytes()),
                        Err(e) => e.raw_os_error(),
                    }
                },
            )
            .expect("linking the floor pread");
        linker.define_unknown_imports_as_traps(module).expect("defining the other imports");
        let store = Store::new(engine, Floor { memory: None, origin: Instant::now(), file });
        let mut instantiated = Instantiated::new(store, &linker, module, false);
        instantiated.store.data_mut().memory = Some(instantiated.memory);
        Guest { inner: Box::new(instantiated) }
    }
}

/// Store data for the wasi-threads workload.
#[derive(Clone)]
pub struct ThreadsHost {
    wasi: capwasi_wasmtime::WasiState,
    threads: Option<Arc<capwasi_wasmtime::threads::WasiThreads<ThreadsHost>>>,
}

/// The spawn+join guest instantiated under capwasi with wasi-threads.
pub struct ThreadsGuest {
    store: Store<ThreadsHost>,
    bench: TypedFunc<i32, i32>,
}

impl ThreadsGuest {
    /// Instantiates [`guests::spawn_join`] on [`threads_engine`].
    pub fn new() -> ThreadsGuest {
        use capwasi_wasmtime::threads::{add_thread_spawn_to_linker, define_shared_memory, WasiThreads};
        let engine = threads_engine();
        let module = compile(engine, &guests::spawn_join());
        let ctx = capwasi::WasiCtx::builder().build().expect("a capwasi context");
        let mut linker: Linker<ThreadsHost> = Linker::new(engine);
        capwasi_wasmtime::add_to_linker_sync(&mut linker, |h| &mut h.wasi).expect("linking capwasi");
        add_thread_spawn_to_linker(&mut linker, |h| h.threads.as_ref()).expect("linking thread-spawn");
        let mut store = Store::new(engine, ThreadsHost { wasi: capwasi_wasmtime::WasiState::new(ctx), threads: None });
        define_shared_memory(&mut linker, &mut store, &module, |h| &mut h.wasi).expect("defining the shared memory");
        let linker = Arc::new(linker);
        store.data_mut().threads = Some(Arc::new(WasiThreads::new(module.clone(), Arc::clone(&linker))));
        let instance = linker.instantiate(&mut store, &module).expect("instantiating");
        let bench = instance.get_typed_func(&mut store, "bench").expect("bench export");
        ThreadsGuest { store, bench }
    }

    /// Spawns and joins `iters` threads; returns the time it took.
    pub fn bench(&mut self, iters: u64) -> Duration {
        let n = i32::try_from(iters).expect("iterations fit an i32");
        let start = Instant::now();
        let errno = self.bench.call(&mut self.store, n).expect("bench");
        let took = start.elapsed();
        assert_eq!(errno, 0, "thread-spawn failed");
        took
    }
}

impl Default for ThreadsGuest {
    fn default() -> Self {
        ThreadsGuest::new()
    }
}

/// Installs, once per process, a global subscriber that formats every `capwasi::call` event
/// into a line as `capwasi run --trace` does, and drops it: the cost of tracing on, minus the
/// write. Contexts built without `trace(true)` never reach it.
fn install_trace_sink() {
    use std::fmt::Write as _;
    use tracing::field::{Field, Visit};
    use tracing_subscriber::layer::SubscriberExt;

    struct Line(String);
    impl Visit for Line {
        fn record_str(&mut self, field: &Field, value: &str) {
            let _ = write!(self.0, " {}={value}", field.name());
        }
        fn record_u64(&mut self, field: &Field, value: u64) {
            let _ = write!(self.0, " {}={value}", field.name());
        }
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
    struct Sink;
    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Sink {
        fn enabled(&self, metadata: &tracing::Metadata<'_>, _: tracing_subscriber::layer::Context<'_, S>) -> bool {
            metadata.target() == capwasi::abi::trace::TARGET
        }
        fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
            let mut line = Line(String::with_capacity(128));
            event.record(&mut line);
            std::hint::black_box(line.0);
        }
    }
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Sink));
    });
}

#[cfg(test)]
mod tests {
    //! Every guest runs a few iterations under every host and succeeds, so `cargo test`
    //! catches a broken benchmark without running the benchmarks.
    use super::*;

    const HOSTS: [Host; 6] =
        [Host::Capwasi, Host::CapwasiAsync, Host::WasmtimeWasi, Host::WasmtimeWasiAsync, Host::CapwasiUntraced, Host::CapwasiTraceOn];

    fn fixture() -> &'static Fixture {
        static FIXTURE: OnceLock<Fixture> = OnceLock::new();
        FIXTURE.get_or_init(|| Fixture::new(4 * CHUNK as u64, &[30]))
    }

    fn run(wat: &str, open: Option<(i32, &str, i32, i64)>, iters: u64) -> Vec<i64> {
        let module = compile(engine(), wat);
        HOSTS
            .iter()
            .map(|&host| {
                let mut guest = Guest::new(host, &module, fixture());
                if let Some((dirfd, path, oflags, rights)) = open {
                    guest.open(dirfd, path, oflags, rights);
                }
                guest.bench(iters);
                guest.result()
            })
            .collect()
    }

    #[test]
    fn file_workloads_run_under_every_host() {
        run(&guests::write1(), Some((DEV_FD, "null", 0, WRITE_RIGHTS)), 5);
        run(&guests::write1(), Some((WORK_FD, "out", 0, WRITE_RIGHTS)), 5);
        run(&guests::tell(), Some((WORK_FD, "small", 0, READ_RIGHTS)), 5);
        // Crosses the end of the 4 MiB file: the rewind path runs too.
        run(&guests::read_chunk(), Some((WORK_FD, "data", 0, READ_RIGHTS)), 6);
        run(&guests::write_chunk(), Some((WORK_FD, "out", 0, WRITE_RIGHTS)), 3);
        run(&guests::pread(fixture().data_len - PREAD_LEN as u64), Some((WORK_FD, "data", 0, READ_RIGHTS)), 50);
        run(&guests::open_stat_close(), None, 5);
        run(&guests::stat_entries(30), None, 40);
    }

    #[test]
    fn stream_and_clock_workloads_run_under_every_host() {
        run(&guests::clock(), None, 5);
        run(&guests::random(), None, 5);
        run(&guests::stdout(), None, 5);
    }

    #[test]
    fn every_floor_runs_and_the_write_floor_writes_its_bytes() {
        for name in FLOOR_WORKLOADS {
            let before = std::fs::metadata(fixture().join("out1")).map_or(0, |m| m.len());
            Guest::floor_for(name, fixture()).expect("a floor").bench(5);
            let after = std::fs::metadata(fixture().join("out1")).map_or(0, |m| m.len());
            assert_eq!(after - before, if *name == "write1_file" { 5 } else { 0 }, "{name}");
        }
        assert!(Guest::floor_for("open_fstat_close", fixture()).is_none());
    }

    #[test]
    fn readdir_lists_every_entry_under_every_host() {
        for count in run(&guests::readdir(), Some((WORK_FD, "d30", O_DIRECTORY, DIR_RIGHTS)), 2) {
            // `.` and `..` are listed by both hosts.
            assert!(count == 30 || count == 32, "listed {count} entries");
        }
    }

    #[test]
    fn threads_spawn_and_join() {
        ThreadsGuest::new().bench(3);
    }
}
