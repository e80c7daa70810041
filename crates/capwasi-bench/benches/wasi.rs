//! capwasi against wasmtime-wasi 48 (p1) and native Rust, one criterion group per workload.
//!
//! Each group has a `native` function (the same operation from Rust: std or rustix
//! syscalls) and one function per host (`capwasi`, `capwasi_async`, `wasmtime_wasi`,
//! `wasmtime_wasi_async`). Host functions time one call of the guest's `bench(iters)` export
//! with `iter_custom`; instantiation and opening files happen before the clock starts.
//! The `floor` variants (`clock_time_get`, `write1_file`, `pread64_random`) are bare
//! `func_wrap`s doing the same work on the same host file: the engine's floor.
//!
//! Run: `cargo bench -p capwasi-bench` (filter: `cargo bench -p capwasi-bench -- clock`),
//! then `python3 crates/capwasi-bench/report.py` for RESULTS.md.

use capwasi_bench::*;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode, Throughput};
use criterion::measurement::WallTime;
use std::hint::black_box;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const SMALL_DIR: usize = DIR_SIZES[0];
const BIG_DIR: usize = DIR_SIZES[1];

const SYNC_HOSTS: &[Host] = &[Host::Capwasi, Host::WasmtimeWasi];
const HOSTS_AND_ASYNC: &[Host] = &[Host::Capwasi, Host::CapwasiAsync, Host::WasmtimeWasi];
const ALL_HOSTS: &[Host] = &[Host::Capwasi, Host::CapwasiAsync, Host::WasmtimeWasi, Host::WasmtimeWasiAsync];

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| Fixture::new(DATA_LEN, &DIR_SIZES))
}

/// Adds one function per host to `group`, each timing `bench(iters)` of workload `name`
/// (see `capwasi_bench::workload`).
///
/// With `fresh`, every sample gets a new instance (for workloads whose state grows, like
/// captured stdout); otherwise one instance serves every sample.
fn hosts(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, hosts: &[Host], fresh: bool) {
    let spec = workload(name).expect("a known workload");
    let module = compile(engine(), &spec.wat);
    for &host in hosts {
        let make = || Guest::with_open(host, &module, fixture(), spec.open);
        if fresh {
            group.bench_function(host.name(), |b| b.iter_custom(|iters| make().bench(iters)));
        } else {
            let mut guest = make();
            group.bench_function(host.name(), |b| b.iter_custom(|iters| guest.bench(iters)));
        }
    }
}

/// A zeroed, page-aligned buffer, as a guest's buffer in linear memory is (a 1 MiB `Vec`
/// starts 16 bytes into a page, and the kernel copies into it at half the speed).
fn page_aligned(len: usize) -> &'static mut [u8] {
    let layout = std::alloc::Layout::from_size_align(len, 4096).unwrap();
    // SAFETY: the layout is non-zero-sized; the zeroed allocation is leaked, so the slice
    // lives for the rest of the process and nothing else refers to it.
    unsafe {
        let ptr = std::alloc::alloc_zeroed(layout);
        assert!(!ptr.is_null());
        std::slice::from_raw_parts_mut(ptr, len)
    }
}

/// Times `op` run `iters` times.
fn timed(iters: u64, mut op: impl FnMut(u64)) -> Duration {
    let start = Instant::now();
    for i in 0..iters {
        op(i);
    }
    start.elapsed()
}

fn write_one_byte(c: &mut Criterion) {
    for (name, host_path) in [("write1_devnull", std::path::PathBuf::from("/dev/null")), ("write1_file", fixture().join("out1"))] {
        let mut group = c.benchmark_group(name);
        let mut file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&host_path).unwrap();
        group.bench_function("native", |b| {
            b.iter_custom(|iters| timed(iters, |_| assert_eq!(file.write(black_box(b"x")).unwrap(), 1)))
        });
        hosts(&mut group, name, HOSTS_AND_ASYNC, false);
        floor(&mut group, name);
        group.finish();
    }
}

/// Adds the `floor` variant of workload `name` to `group`, if it has one.
fn floor(group: &mut BenchmarkGroup<'_, WallTime>, name: &str) {
    if let Some(mut floor) = Guest::floor_for(name, fixture()) {
        group.bench_function("floor", |b| b.iter_custom(|iters| floor.bench(iters)));
    }
}

fn clock_time_get(c: &mut Criterion) {
    let mut group = c.benchmark_group("clock_time_get");
    group.bench_function("native", |b| b.iter_custom(|iters| timed(iters, |_| { black_box(Instant::now()); })));
    hosts(&mut group, "clock_time_get", ALL_HOSTS, false);
    floor(&mut group, "clock_time_get");
    group.finish();
}

/// What call tracing costs: compiled out, compiled in but off (the default), and on with a
/// subscriber that formats every call, on the two cheapest calls, where it shows most.
fn trace_cost(c: &mut Criterion) {
    const TRACE_HOSTS: &[Host] = &[Host::CapwasiUntraced, Host::Capwasi, Host::CapwasiTraceOn];
    for workload in ["clock_time_get", "write1_devnull"] {
        let mut group = c.benchmark_group(format!("trace_{workload}"));
        hosts(&mut group, workload, TRACE_HOSTS, false);
        group.finish();
    }
}

fn fd_tell(c: &mut Criterion) {
    let mut group = c.benchmark_group("fd_tell");
    let mut file = std::fs::File::open(fixture().join("small")).unwrap();
    group.bench_function("native", |b| b.iter_custom(|iters| timed(iters, |_| { black_box(file.stream_position().unwrap()); })));
    hosts(&mut group, "fd_tell", HOSTS_AND_ASYNC, false);
    group.finish();
}

fn chunks(c: &mut Criterion) {
    let mut group = c.benchmark_group("read_1mib");
    group.throughput(Throughput::Bytes(CHUNK as u64));
    let mut file = std::fs::File::open(fixture().join("data")).unwrap();
    let buf = page_aligned(CHUNK);
    group.bench_function("native", |b| {
        b.iter_custom(|iters| {
            timed(iters, |_| {
                // The same as the guest: one read, and at end of file a rewind and a read.
                let mut got = file.read(buf).unwrap();
                if got == 0 {
                    file.seek(SeekFrom::Start(0)).unwrap();
                    got = file.read(buf).unwrap();
                }
                black_box(got);
            })
        })
    });
    hosts(&mut group, "read_1mib", HOSTS_AND_ASYNC, false);
    group.finish();

    let mut group = c.benchmark_group("write_1mib");
    group.throughput(Throughput::Bytes(CHUNK as u64));
    let mut file = std::fs::OpenOptions::new().write(true).open(fixture().join("out")).unwrap();
    let data = page_aligned(CHUNK);
    data.fill(7);
    group.bench_function("native", |b| {
        b.iter_custom(|iters| {
            timed(iters, |i| {
                assert_eq!(file.write(data).unwrap(), CHUNK);
                if i % WRITES_PER_REWIND == WRITES_PER_REWIND - 1 {
                    file.seek(SeekFrom::Start(0)).unwrap();
                }
            })
        })
    });
    hosts(&mut group, "write_1mib", HOSTS_AND_ASYNC, false);
    group.finish();
}

fn pread_random(c: &mut Criterion) {
    let mut group = c.benchmark_group("pread64_random");
    let span = DATA_LEN - PREAD_LEN as u64;
    let file = std::fs::File::open(fixture().join("data")).unwrap();
    let mut buf = [0u8; PREAD_LEN];
    let mut state = LCG_SEED;
    group.bench_function("native", |b| {
        b.iter_custom(|iters| timed(iters, |_| { black_box(file.read_at(&mut buf, next_offset(&mut state, span)).unwrap()); }))
    });
    hosts(&mut group, "pread64_random", HOSTS_AND_ASYNC, false);
    floor(&mut group, "pread64_random");
    group.finish();
}

fn open_stat_close(c: &mut Criterion) {
    use rustix::fs::{fstat, openat, openat2, Mode, OFlags};
    let mut group = c.benchmark_group("open_fstat_close");
    let dir = std::fs::File::open(fixture().path()).unwrap();
    group.bench_function("native", |b| {
        b.iter_custom(|iters| {
            timed(iters, |_| {
                let fd = openat(&dir, "small", OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()).unwrap();
                black_box(fstat(&fd).unwrap());
                drop(fd);
            })
        })
    });
    // The floor for any host confined to a directory: the kernel's beneath-resolution, as
    // cap-std asks for it, in place of the plain `openat`.
    group.bench_function("native_beneath", |b| {
        b.iter_custom(|iters| {
            timed(iters, |_| {
                let fd = openat2(&dir, "small", OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY, Mode::empty(), BENEATH).unwrap();
                black_box(fstat(&fd).unwrap());
                drop(fd);
            })
        })
    });
    hosts(&mut group, "open_fstat_close", HOSTS_AND_ASYNC, false);
    group.finish();
}

/// How a sandboxed open resolves a path: beneath the directory, no magic links (cap-std's
/// flags on Linux).
const BENEATH: rustix::fs::ResolveFlags = rustix::fs::ResolveFlags::BENEATH.union(rustix::fs::ResolveFlags::NO_MAGICLINKS);

fn stat_entries(c: &mut Criterion) {
    use rustix::fs::{fstat, openat2, statat, AtFlags, Mode, OFlags};
    // (group, directory the names are relative to, name prefix): through a subdirectory, as
    // wasi-libc names a file of a preopen, and one plain name under the opened subdirectory.
    let big = format!("d{BIG_DIR}");
    for (name, base, prefix) in [("stat_10k", fixture().path().to_path_buf(), format!("{big}/")), ("stat_10k_flat", fixture().join(&big), String::new())] {
        let mut group = c.benchmark_group(name);
        let dir = std::fs::File::open(base).unwrap();
        let names: Vec<std::ffi::CString> =
            (0..BIG_DIR).map(|i| std::ffi::CString::new(format!("{prefix}{}", entry_name(i))).unwrap()).collect();
        group.bench_function("native", |b| {
            b.iter_custom(|iters| {
                timed(iters, |i| {
                    black_box(statat(&dir, names[(i % BIG_DIR as u64) as usize].as_c_str(), AtFlags::empty()).unwrap());
                })
            })
        });
        // The floor for a confined stat of a path with a directory in it: open it beneath
        // (`O_PATH`), `fstat`, close, as cap-std does.
        if !prefix.is_empty() {
            group.bench_function("native_beneath", |b| {
                b.iter_custom(|iters| {
                    timed(iters, |i| {
                        let name = names[(i % BIG_DIR as u64) as usize].as_c_str();
                        let fd = openat2(&dir, name, OFlags::PATH | OFlags::CLOEXEC, Mode::empty(), BENEATH).unwrap();
                        black_box(fstat(&fd).unwrap());
                        drop(fd);
                    })
                })
            });
        }
        hosts(&mut group, name, SYNC_HOSTS, false);
        group.finish();
    }
}

fn readdir(c: &mut Criterion) {
    for entries in [SMALL_DIR, BIG_DIR] {
        let name = format!("readdir_{}k", entries / 1000);
        let mut group = c.benchmark_group(&name);
        // One iteration lists the whole directory; report per entry.
        group.throughput(Throughput::Elements(entries as u64));
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(10);
        let path = fixture().join(&format!("d{entries}"));
        // What C's opendir/readdir/closedir do: open, getdents64 into one buffer, close.
        group.bench_function("native", |b| {
            use rustix::fs::{openat, Dir, Mode, OFlags, CWD};
            b.iter_custom(|iters| {
                timed(iters, |_| {
                    let fd = openat(CWD, &path, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()).unwrap();
                    let mut listing = Dir::read_from(&fd).unwrap();
                    let mut n = 0;
                    while let Some(entry) = listing.read() {
                        let entry = entry.unwrap();
                        black_box((entry.file_type(), entry.ino(), entry.file_name()));
                        n += 1;
                    }
                    // `.` and `..` are listed too.
                    assert_eq!(n, entries + 2);
                })
            })
        });
        let spec = workload(&name).expect("a readdir workload");
        let module = compile(engine(), &spec.wat);
        for &host in SYNC_HOSTS {
            let mut guest = Guest::with_open(host, &module, fixture(), spec.open);
            let mut checked = false;
            group.bench_function(host.name(), |b| {
                b.iter_custom(|iters| {
                    let took = guest.bench(iters);
                    if !checked {
                        // Every listing must see the whole directory (`.` and `..` aside).
                        let listed = guest.result() as usize;
                        assert!(listed == entries || listed == entries + 2, "{} listed {listed} of {entries}", host.name());
                        checked = true;
                    }
                    took
                })
            });
        }
        group.finish();
    }
}

fn random_get(c: &mut Criterion) {
    let mut group = c.benchmark_group("random_get_256");
    group.throughput(Throughput::Bytes(RANDOM_LEN as u64));
    let mut buf = [0u8; RANDOM_LEN];
    group.bench_function("native", |b| b.iter_custom(|iters| timed(iters, |_| getrandom::fill(black_box(&mut buf)).unwrap())));
    hosts(&mut group, "random_get_256", HOSTS_AND_ASYNC, false);
    group.finish();
}

fn stdout_pipe(c: &mut Criterion) {
    let mut group = c.benchmark_group("stdout_pipe_64");
    group.bench_function("native", |b| {
        b.iter_custom(|iters| {
            let sink = std::sync::Mutex::new(Vec::new());
            let line = [b'x'; STDOUT_LEN];
            timed(iters, |_| sink.lock().unwrap().extend_from_slice(black_box(&line)))
        })
    });
    hosts(&mut group, "stdout_pipe_64", HOSTS_AND_ASYNC, true);
    group.finish();
}

fn thread_spawn_join(c: &mut Criterion) {
    let mut group = c.benchmark_group("thread_spawn_join");
    group.bench_function("native", |b| {
        b.iter_custom(|iters| timed(iters, |_| std::thread::spawn(|| black_box(1)).join().map(drop).unwrap()))
    });
    let mut guest = ThreadsGuest::new();
    group.bench_function("capwasi", |b| b.iter_custom(|iters| guest.bench(iters)));
    group.finish();
}

/// Per-request cost: a fresh context (args, env, a preopened directory, stdin and stdout in
/// memory), instantiate from an `InstancePre`, `_start`, read stdout, drop (see
/// `capwasi_bench::request`); `floor`/`floor_async` do the same with a module without
/// imports. `request_ctx` times building the context alone.
fn request(c: &mut Criterion) {
    use capwasi_bench::request::{expected_stdout, RequestHost, RequestServer};
    let dir = tempfile::tempdir().expect("a directory to grant");
    let mut group = c.benchmark_group("request");
    for host in RequestHost::ALL {
        let server = RequestServer::new(engine(), host, dir.path());
        if !matches!(host, RequestHost::Floor | RequestHost::FloorAsync) {
            assert_eq!(server.serve(), expected_stdout(), "{}", host.name());
        }
        group.bench_function(host.name(), |b| b.iter(|| black_box(server.serve())));
    }
    group.finish();
    let mut group = c.benchmark_group("request_ctx");
    for host in [RequestHost::Capwasi, RequestHost::CapwasiShared, RequestHost::WasmtimeWasi] {
        let server = RequestServer::new(engine(), host, dir.path());
        group.bench_function(host.name(), |b| b.iter(|| server.build_context()));
    }
    group.finish();
}

/// The sync linker under threads: 1 and 2 OS threads, each with its own store, context and
/// file, calling WASI in a tight loop; the engine is all they share. The time reported is
/// wall time / threads per operation (aggregate throughput = 1 / it): with no shared lock it
/// halves from 1 to 2 threads on 2 cores, as the native loop's does.
fn sync_threads(c: &mut Criterion) {
    const THREADS: [usize; 2] = [1, 2];
    const OWN_LEN: u64 = 1 << 20;
    let own = |k: usize| format!("own{k}");
    for k in 0..THREADS[1] {
        let bytes: Vec<u8> = (0..OWN_LEN).map(|i| (i * 7 + k as u64) as u8).collect();
        std::fs::write(fixture().join(&own(k)), bytes).expect("writing a thread's own file");
    }
    let span = OWN_LEN - PREAD_LEN as u64;
    for (name, wat) in [("threads_pread64", guests::pread(span)), ("threads_clock", guests::clock())] {
        let mut group = c.benchmark_group(name);
        let module = compile(engine(), &wat);
        for threads in THREADS {
            // Native: the same operation from each thread on its own descriptor.
            let files: Vec<std::fs::File> = (0..threads).map(|k| std::fs::File::open(fixture().join(&own(k))).unwrap()).collect();
            let clock = name == "threads_clock";
            group.bench_function(criterion::BenchmarkId::new("native", threads), |b| {
                b.iter_custom(|iters| {
                    let start = Instant::now();
                    std::thread::scope(|scope| {
                        for file in &files {
                            scope.spawn(move || {
                                let mut buf = [0u8; PREAD_LEN];
                                let mut state = LCG_SEED;
                                for _ in 0..iters {
                                    if clock {
                                        black_box(Instant::now());
                                    } else {
                                        black_box(file.read_at(&mut buf, next_offset(&mut state, span)).unwrap());
                                    }
                                }
                            });
                        }
                    });
                    start.elapsed() / threads as u32
                })
            });
            for host in SYNC_HOSTS {
                let mut guests: Vec<Guest> = (0..threads)
                    .map(|k| {
                        let mut guest = Guest::new(*host, &module, fixture());
                        guest.open(WORK_FD, &own(k), 0, READ_RIGHTS);
                        guest
                    })
                    .collect();
                group.bench_function(criterion::BenchmarkId::new(host.name(), threads), |b| {
                    b.iter_custom(|iters| {
                        let start = Instant::now();
                        std::thread::scope(|scope| {
                            for guest in guests.iter_mut() {
                                scope.spawn(move || guest.bench(iters));
                            }
                        });
                        start.elapsed() / threads as u32
                    })
                });
            }
        }
        group.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = write_one_byte, clock_time_get, trace_cost, fd_tell, chunks, pread_random, open_stat_close,
        stat_entries, readdir, random_get, stdout_pipe, thread_spawn_join, request, sync_threads
}
criterion_main!(benches);
