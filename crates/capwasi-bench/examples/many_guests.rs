//! Ten thousand guests waiting at once on one Tokio runtime with two workers, under capwasi
//! and under wasmtime-wasi 48 p1 (async linkers), in one run: host memory per waiting guest,
//! wake-up latency, total time. The method is in `capwasi_bench::many`.
//!
//! ```text
//! cargo run --release -p capwasi-bench --example many_guests -- 10000 \
//!     [--wakes-per-ms 10] [--rounds 1] [--json crates/capwasi-bench/many-results.json]
//! ```
//!
//! Each host runs in a child process of its own (this program again, with `--child HOST`),
//! so one host's freed memory never hides the other's growth in VmRSS; with `--rounds R`
//! the hosts alternate R times (latency on a shared 2-core machine moves with its load).

use capwasi_bench::many::{ensure_open_files, open_files_needed, run_many, ManyConfig, ManyHost};
use std::process::Command;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut guests = 10_000usize;
    let mut wakes_per_ms = ManyConfig::new(0).wakes_per_ms;
    let mut child = None;
    let mut json = None;
    let mut rounds = 1usize;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--child" => child = Some(it.next().expect("--child HOST").clone()),
            "--wakes-per-ms" => wakes_per_ms = it.next().and_then(|v| v.parse().ok()).expect("--wakes-per-ms N"),
            "--json" => json = Some(it.next().expect("--json FILE").clone()),
            "--rounds" => rounds = it.next().and_then(|v| v.parse().ok()).expect("--rounds N"),
            n => guests = n.parse().unwrap_or_else(|_| panic!("usage: many_guests [GUESTS] [--wakes-per-ms N] [--rounds R] [--json FILE]; got {n:?}")),
        }
    }

    if let Some(host) = child {
        let host = ManyHost::from_name(&host).expect("capwasi or wasmtime_wasi");
        let limit = ensure_open_files(open_files_needed(guests));
        if limit < open_files_needed(guests) {
            eprintln!("open-file limit {limit} is below the {} this run needs", open_files_needed(guests));
            std::process::exit(1);
        }
        let mut config = ManyConfig::new(guests);
        config.wakes_per_ms = wakes_per_ms;
        match run_many(capwasi_bench::engine(), host, &config) {
            Ok(report) => println!("{}", report.to_line()),
            Err(err) => {
                eprintln!("{}: {err}", host.name());
                std::process::exit(1);
            }
        }
        return;
    }

    let exe = std::env::current_exe().expect("this program's path");
    let mut rows = Vec::new();
    for host in (0..rounds).flat_map(|_| [ManyHost::Capwasi, ManyHost::WasmtimeWasi]) {
        let out = Command::new(&exe)
            .args([&guests.to_string(), "--wakes-per-ms", &wakes_per_ms.to_string(), "--child", host.name()])
            .output()
            .expect("running a child");
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !out.status.success() || line.is_empty() {
            eprintln!("{} failed ({})", host.name(), out.status);
            std::process::exit(1);
        }
        let fields: Vec<(String, String)> =
            line.split_whitespace().filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect();
        rows.push(fields);
    }

    let get = |row: &[(String, String)], key: &str| -> f64 {
        row.iter().find(|(k, _)| k == key).and_then(|(_, v)| v.parse().ok()).unwrap_or(f64::NAN)
    };
    println!(
        "{guests} guests, each blocked in poll_oneoff on its own pipe; 2 Tokio workers; woken in a shuffled order, {wakes_per_ms} per ms"
    );
    println!("| host | host memory per waiting guest | threads | wake-up p50 | p99 | max | set-up | wake phase | total |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for row in &rows {
        let per_guest = (get(row, "rss_waiting") - get(row, "rss_before")) / guests as f64 / 1024.0;
        println!(
            "| {} | {:.1} KiB | {} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} s | {:.2} s | {:.2} s |",
            row[0].1,
            per_guest,
            get(row, "threads"),
            get(row, "p50_us") / 1e3,
            get(row, "p99_us") / 1e3,
            get(row, "max_us") / 1e3,
            get(row, "setup_us") / 1e6,
            get(row, "wake_us") / 1e6,
            get(row, "total_us") / 1e6,
        );
    }
    if let Some(path) = json {
        // A flat JSON object per host, numbers as the child printed them (report.py reads it).
        let hosts: Vec<String> = rows
            .iter()
            .map(|row| {
                let fields: Vec<String> = row
                    .iter()
                    .map(|(k, v)| if k == "host" { format!("\"{k}\": \"{v}\"") } else { format!("\"{k}\": {v}") })
                    .collect();
                format!("    {{{}}}", fields.join(", "))
            })
            .collect();
        let date = Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"]).output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
        let text = format!(
            "{{\n  \"guests\": {guests},\n  \"wakes_per_ms\": {wakes_per_ms},\n  \"workers\": 2,\n  \"date\": \"{}\",\n  \"hosts\": [\n{}\n  ]\n}}\n",
            date.unwrap_or_default(),
            hosts.join(",\n")
        );
        std::fs::write(&path, text).expect("writing the JSON");
        eprintln!("wrote {path}");
    }
}
