//! The `request` benchmark's hosts, interleaved: rounds of a few hundred requests per host,
//! the hosts taking turns, and the median of each host's rounds. On a shared machine whose
//! load drifts, this compares hosts more steadily than criterion's one-after-another groups.
//!
//! ```text
//! cargo run --release -p capwasi-bench --example request_cost -- [ROUNDS] [REQUESTS_PER_ROUND]
//! ```

use capwasi_bench::request::{expected_stdout, RequestHost, RequestServer};
use std::time::Instant;

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().expect("a number")).collect();
    let rounds = args.first().copied().unwrap_or(30);
    let per_round = args.get(1).copied().unwrap_or(300);
    let dir = tempfile::tempdir().expect("a directory to grant");
    let servers: Vec<RequestServer> =
        RequestHost::ALL.iter().map(|&host| RequestServer::new(capwasi_bench::engine(), host, dir.path())).collect();
    for (host, server) in RequestHost::ALL.iter().zip(&servers) {
        let out = server.serve();
        if !matches!(host, RequestHost::Floor | RequestHost::FloorAsync) {
            assert_eq!(out, expected_stdout(), "{}", host.name());
        }
    }
    let mut per_host: Vec<Vec<f64>> = vec![Vec::new(); servers.len()];
    for _ in 0..rounds {
        for (times, server) in per_host.iter_mut().zip(&servers) {
            let start = Instant::now();
            for _ in 0..per_round {
                std::hint::black_box(server.serve());
            }
            times.push(start.elapsed().as_nanos() as f64 / per_round as f64);
        }
    }
    println!("{rounds} rounds of {per_round} requests per host, interleaved; per request: median of rounds (min-max)");
    for (host, times) in RequestHost::ALL.iter().zip(&mut per_host) {
        times.sort_by(f64::total_cmp);
        println!(
            "{:<20} {:>8.2} µs  ({:.2}-{:.2})",
            host.name(),
            times[times.len() / 2] / 1e3,
            times[0] / 1e3,
            times[times.len() - 1] / 1e3
        );
    }
}
