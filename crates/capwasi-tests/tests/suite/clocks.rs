//! Clocks: `clock_time_get` and `clock_res_get` on all four clock ids.

use capwasi_tests::Guest;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[test]
fn clocks_tell_real_time_move_forward_and_reject_unknown_ids() {
    let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let outcome = Guest::c("clocks").run();
    let after = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    outcome.assert_exit(0);
    let text = outcome.stdout_text();
    let mut lines = text.lines();
    let realtime: u64 = lines
        .next()
        .and_then(|line| line.strip_prefix("realtime "))
        .and_then(|ns| ns.parse().ok())
        .unwrap_or_else(|| panic!("no realtime line in {text:?}"));
    let realtime = Duration::from_nanos(realtime);
    let slack = Duration::from_secs(120);
    assert!(
        realtime + slack >= before && realtime <= after + slack,
        "guest realtime {realtime:?} is not within {slack:?} of host {before:?}..{after:?}"
    );
    assert_eq!(
        lines.collect::<Vec<_>>(),
        [
            "monotonic non-decreasing over 100000 reads",
            "thread and process cputime advanced by at least 5 ms",
            "resolutions of clocks 0-3 are in (0, 1 s]",
            "clock ids 4, 99, 4294967295: errno 28",
        ]
    );
}
