//! A thousand guests, each blocked in `poll_oneoff` on its own pipe, on one Tokio runtime
//! with two workers, woken in a shuffled order: every guest completes with the token its
//! pipe carried, none wakes before its input exists, and no thread is made per guest.
//! `examples/many_guests.rs` runs the same at 10,000 guests in release and reports figures.

use capwasi_bench::many::{ensure_open_files, open_files_needed, run_many, ManyConfig, ManyHost};
use std::time::Duration;

const GUESTS: usize = 1000;

fn thousand_waiting_guests(host: ManyHost) {
    assert!(ensure_open_files(open_files_needed(GUESTS)) >= open_files_needed(GUESTS), "open-file limit too low");
    let mut config = ManyConfig::new(GUESTS);
    config.timeout = Duration::from_secs(120);
    let report = run_many(capwasi_bench::engine(), host, &config).unwrap_or_else(|err| panic!("{}: {err}", host.name()));
    eprintln!("{}", report.to_line());
    assert_eq!(report.latencies_ns.len(), GUESTS, "every guest reported its wake-up");
    // The test harness, the runtime's two workers, the main thread: a handful, not one per guest.
    assert!(report.threads_waiting < 40, "{} threads with {GUESTS} guests waiting", report.threads_waiting);
    // A thread or a touched 2 MiB stack per guest would be far above this.
    assert!(report.rss_per_guest() < 512 * 1024, "{} bytes of host memory per waiting guest", report.rss_per_guest());
}

// One test, the hosts one after the other: threads and VmRSS are the process's, and two runs
// at once would count each other's.
#[test]
fn a_thousand_guests_blocked_on_their_own_pipes_all_wake_in_any_order_without_a_thread_each() {
    thousand_waiting_guests(ManyHost::Capwasi);
    thousand_waiting_guests(ManyHost::WasmtimeWasi);
}
