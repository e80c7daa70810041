//! A development aid, silent unless `FS_PROBE` is set: runs every `fs_*` scenario whose name
//! contains `$FS_PROBE` under capwasi and under the reference host (wasmtime-wasi 48 p1) and
//! prints both outcomes and the resulting sandbox listings, e.g.
//! `FS_PROBE=open/ cargo test -p capwasi-tests --test suite fs_probe -- --nocapture`.

use crate::fs_util::{all_scenarios, listing};
use capwasi_tests::Outcome;

fn show(o: &Outcome) -> String {
    let trap = o.trap.as_deref().map(|t| {
        t.lines()
            .filter(|l| !l.contains("at wasm") && !l.contains("WASMTIME_BACKTRACE") && !l.contains(" - "))
            .collect::<Vec<_>>()
            .join(" / ")
    });
    format!("exit={:?} trap={trap:?}\n{}---stderr---\n{}", o.exit, o.stdout_text(), o.stderr_text())
}

#[test]
fn fs_probe() {
    let Ok(filter) = std::env::var("FS_PROBE") else { return };
    for (name, scenario) in all_scenarios() {
        if !name.contains(&filter) {
            continue;
        }
        let (mine_sb, guest) = scenario();
        let mine = guest.run();
        let (theirs_sb, guest) = scenario();
        let theirs = guest.run_reference();
        let same = mine.stdout == theirs.stdout && mine.exit == theirs.exit;
        println!("===== {name} same={same}\n--- capwasi: {}", show(&mine));
        if !same {
            println!("--- reference: {}", show(&theirs));
        }
        println!("--- listing capwasi {:?} reference {:?}", listing(mine_sb.path()), listing(theirs_sb.path()));
    }
}
