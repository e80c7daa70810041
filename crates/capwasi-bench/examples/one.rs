//! Runs one workload under one host outside criterion, for profiling and syscall counts.
//!
//! ```text
//! cargo build --release -p capwasi-bench --example one
//! target/release/examples/one WORKLOAD HOST ITERS
//! strace -f -o /tmp/trace target/release/examples/one open_fstat_close capwasi 1000
//! perf record -e cpu-clock target/release/examples/one clock_time_get capwasi 50000000
//! ```
//!
//! WORKLOAD is a criterion group name of benches/wasi.rs (`write1_file`, `clock_time_get`,
//! ..., `thread_spawn_join`); HOST is `capwasi`, `capwasi_async`, `wasmtime_wasi` or
//! `wasmtime_wasi_async` (or `floor`: the bare host call, for the workloads in
//! `FLOOR_WORKLOADS`).
//! The timed call is bracketed by `--- start` / `--- end` lines on stderr, so a trace can be
//! cut to the syscalls the iterations made.

use capwasi_bench::{compile, engine, workload, Fixture, Guest, Host, ThreadsGuest, DATA_LEN, DIR_SIZES, FLOOR_WORKLOADS};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, name, host, iters] = &args[..] else {
        eprintln!("usage: one WORKLOAD HOST ITERS");
        std::process::exit(2);
    };
    let iters: u64 = iters.parse().expect("ITERS is a number");
    if name == "thread_spawn_join" {
        assert_eq!(host, "capwasi", "wasi-threads runs under capwasi only");
        let mut guest = ThreadsGuest::new();
        eprintln!("--- start");
        let took = guest.bench(iters);
        eprintln!("--- end");
        println!("{name} under capwasi: {:.1} ns per iteration", took.as_nanos() as f64 / iters as f64);
        return;
    }
    let spec = workload(name).unwrap_or_else(|| panic!("unknown workload {name}"));
    // Only what the workload uses, so a profile of a short run is not mostly set-up.
    let data_len = if name.contains("read_1mib") || name.contains("pread") { DATA_LEN } else { 0 };
    let dirs: &[usize] = if name.contains("readdir") || name.contains("stat_10k") { &DIR_SIZES } else { &[] };
    let fixture = Fixture::new(data_len, dirs);
    if host == "floor" {
        let mut guest = Guest::floor_for(name, &fixture)
            .unwrap_or_else(|| panic!("no floor for {name}; there is one for {FLOOR_WORKLOADS:?}"));
        eprintln!("--- start");
        let took = guest.bench(iters);
        eprintln!("--- end");
        println!("{name} under the floor: {:.1} ns per iteration", took.as_nanos() as f64 / iters as f64);
        return;
    }
    let host = Host::from_name(host).unwrap_or_else(|| panic!("unknown host {host}"));
    let module = compile(engine(), &spec.wat);
    let mut guest = Guest::with_open(host, &module, &fixture, spec.open);
    eprintln!("--- start");
    let took = guest.bench(iters);
    eprintln!("--- end");
    println!("{name} under {}: {:.1} ns per iteration", host.name(), took.as_nanos() as f64 / iters as f64);
}
