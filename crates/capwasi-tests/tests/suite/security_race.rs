//! Races against the sandbox: a host thread keeps swapping the directory `sub` inside the
//! preopen with a symlink `sub` -> the outside directory (by renames, thousands of times,
//! the symlink's target relative, absolute, or through `/proc/self/root`), while two guests
//! at once keep opening, creating, stat'ing, linking, listing and re-timing `sub/secret.txt`
//! and `sub/new-file` (guests/c/security_race.c). A second test does the swapping from a
//! third guest, by `path_rename` between symlinks out (the absolute ones placed by the host).
//!
//! Whatever the interleaving, the guests may only ever see the inside file or an errno, and
//! from the host side nothing outside may have been read (the outside secret's access time is
//! in 2001, so even relatime would move it), written, created or re-timed.

use crate::security_util::{symlink, Arena, SECRET};
use capwasi_tests::{Guest, Outcome};
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long each guest keeps racing.
const GUEST_MS: u32 = 1500;
/// Errnos a racing call may legitimately get: exist (another guest got there first), inval
/// (readlink of a file), noent (`sub` parked mid-swap), notdir, notempty, perm (`sub` is the
/// symlink out).
const ALLOWED: [u32; 7] = [0, 20, 28, 44, 54, 55, 63];

/// The race tests take turns, so each has both cores' worth of interleavings to itself.
static ONE_RACE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The per-operation errno histograms a racing guest printed.
fn histograms(stdout: &str) -> BTreeMap<String, BTreeMap<u32, u64>> {
    stdout
        .lines()
        .filter(|line| line.contains(" n="))
        .map(|line| {
            let mut words = line.split_whitespace();
            let op = words.next().unwrap().to_string();
            let counts = words
                .filter_map(|w| w.strip_prefix('e'))
                .map(|w| {
                    let (errno, count) = w.split_once('=').unwrap();
                    (errno.parse().unwrap(), count.parse().unwrap())
                })
                .collect();
            (op, counts)
        })
        .collect()
}

/// `sandbox/sub/secret.txt` ("inside\n") beside the outside tree, and three parked symlinks
/// to the outside directory: absolute, relative, and through `/proc/self/root`.
fn layout() -> (Arena, PathBuf, u64) {
    let arena = Arena::new(&["sandbox"], |dirs| {
        let sb = &dirs[0];
        let root = sb.parent().unwrap();
        fs::create_dir(sb.join("sub")).unwrap();
        fs::write(sb.join("sub/secret.txt"), "inside\n").unwrap();
        std::os::unix::fs::symlink(root.join("outside"), sb.join(".l0")).unwrap();
        std::os::unix::fs::symlink("../outside", sb.join(".l1")).unwrap();
        std::os::unix::fs::symlink(via_proc(root), sb.join(".l2")).unwrap();
    });
    let sb = arena.dir(0).to_path_buf();
    let inside_ino = fs::metadata(sb.join("sub/secret.txt")).unwrap().ino();
    (arena, sb, inside_ino)
}

/// `ROOT/outside` spelled through `/proc/self/root`.
fn via_proc(root: &Path) -> PathBuf {
    Path::new("/proc/self/root").join(root.strip_prefix("/").unwrap()).join("outside")
}

/// Two racing guests on threads of their own.
fn racers(sb: &Path, inside_ino: u64) -> Vec<std::thread::JoinHandle<Outcome>> {
    (0..2)
        .map(|_| {
            let sb = sb.to_path_buf();
            std::thread::spawn(move || -> Outcome {
                Guest::c("security_race")
                    .args([GUEST_MS.to_string(), inside_ino.to_string()])
                    .host_dir(&sb, "/sandbox")
                    .run()
            })
        })
        .collect()
}

/// Everything the racing guests reported, and the host's view of both trees afterwards.
#[track_caller]
fn check_racers(arena: &Arena, sb: &Path, outcomes: &[Outcome]) {
    arena.assert_outside_untouched();
    for outcome in outcomes {
        outcome.assert_exit(0);
        let out = outcome.stdout_text();
        println!("{out}");
        assert!(!out.contains(SECRET) && !outcome.stderr_text().contains(SECRET), "{out}");
        assert!(out.contains("\nbad=0\n"), "a guest saw something outside:\n{out}\n{}", outcome.stderr_text());
        assert_eq!(outcome.stderr_text(), "");
        let hist = histograms(&out);
        assert_eq!(hist.len(), 14, "{out}");
        for (op, counts) in &hist {
            for errno in counts.keys() {
                assert!(ALLOWED.contains(errno), "{op} got errno {errno}:\n{out}");
            }
        }
    }
    // Both states of `sub` were seen, over all racers and operations: the race was live.
    let (mut inside, mut refused) = (0, 0);
    for outcome in outcomes {
        for (op, counts) in histograms(&outcome.stdout_text()) {
            if op != "readlink" {
                inside += counts.get(&0).copied().unwrap_or(0);
            }
            refused += counts.get(&63).copied().unwrap_or(0) + counts.get(&44).copied().unwrap_or(0);
        }
    }
    assert!(inside > 0 && refused > 0, "the race never saw both states: {inside} successes, {refused} refusals");
    // The inside tree is whole again: the file untouched apart from its times, nothing left
    // over but what a guest made inside.
    assert_eq!(fs::read_to_string(sb.join("sub/secret.txt")).unwrap(), "inside\n");
    let names: Vec<String> = fs::read_dir(sb.join("sub")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert!(names.iter().all(|n| ["secret.txt", "new-file", "newdir", "hl", "sl"].contains(&n.as_str())), "{names:?}");
    assert!(fs::symlink_metadata(sb.parent().unwrap().join("outside/new-file")).is_err());
}

#[test]
fn security_swapping_a_directory_for_a_symlink_out_never_lets_a_guest_escape() {
    let _turn = ONE_RACE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let (arena, sb, inside_ino) = layout();
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let (sb, stop) = (sb.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let started = Instant::now();
            let mut swaps = 0u64;
            // Each state is held for a varying few microseconds (spinning, not sleeping), so
            // the swaps land at every point of the guests' calls and both states are seen.
            let mut seed = 0x2545_F491_4F6C_DD1Du64;
            let mut hold = || {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let until = Instant::now() + Duration::from_nanos(seed % 40_000);
                while Instant::now() < until {
                    std::hint::spin_loop();
                }
            };
            // Bounded by time even if the guests never finish.
            while !stop.load(Ordering::Relaxed) && started.elapsed() < Duration::from_secs(20) {
                let link = sb.join(format!(".l{}", swaps % 3));
                fs::rename(sb.join("sub"), sb.join(".dirpark")).unwrap();
                fs::rename(&link, sb.join("sub")).unwrap();
                hold();
                fs::rename(sb.join("sub"), &link).unwrap();
                fs::rename(sb.join(".dirpark"), sb.join("sub")).unwrap();
                hold();
                swaps += 1;
            }
            swaps
        })
    };
    let guests = racers(&sb, inside_ino);
    let outcomes: Vec<Outcome> = guests.into_iter().map(|g| g.join().unwrap()).collect();
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    println!("{swaps} swaps");
    assert!(swaps >= 1000, "only {swaps} swaps: the race was hardly run");
    check_racers(&arena, &sb, &outcomes);
}

/// The same race with the swapping done by a third guest through `path_rename`, between
/// symlinks out (relative, absolute, through `/proc/self/root`): the guest makes the relative
/// one itself; it may not make the absolute ones, so the host places them and the guest
/// swaps them in.
#[test]
fn security_a_guest_swapping_a_directory_for_a_symlink_out_never_lets_another_guest_escape() {
    let _turn = ONE_RACE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let (arena, sb, inside_ino) = layout();
    let root = sb.parent().unwrap().to_path_buf();
    let swapper = {
        let sb = sb.clone();
        let targets = [
            "../outside".to_string(),
            root.join("outside").to_str().unwrap().to_string(),
            via_proc(&root).to_str().unwrap().to_string(),
        ];
        for (k, target) in targets.iter().enumerate().filter(|(_, target)| target.starts_with('/')) {
            symlink(&sb, target, &format!(".g{k}"));
        }
        std::thread::spawn(move || -> Outcome {
            Guest::c("security_race").args(["swap".to_string(), GUEST_MS.to_string()]).args(targets).host_dir(&sb, "/sandbox").run()
        })
    };
    let guests = racers(&sb, inside_ino);
    let outcomes: Vec<Outcome> = guests.into_iter().map(|g| g.join().unwrap()).collect();
    let swapper = swapper.join().unwrap();
    swapper.assert_exit(0);
    let swaps: u64 = swapper.stdout_text().trim().strip_prefix("swaps=").unwrap().parse().unwrap();
    println!("{swaps} swaps by the guest");
    assert!(swaps >= 500, "only {swaps} swaps: the race was hardly run");
    check_racers(&arena, &sb, &outcomes);
    // The guest's links are stored as given.
    assert_eq!(fs::read_link(sb.join(".g0")).unwrap(), Path::new("../outside"));
}
