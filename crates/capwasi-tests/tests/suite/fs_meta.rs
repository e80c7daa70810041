//! Metadata: filestat fields against the host's own `stat`, set_times with explicit values
//! and with the `_now` flags, invalid flag combinations, set_size.

use crate::fs_util::{Sandbox, Scenario};
use capwasi_tests::Guest;
use std::fs::{File, FileTimes};
use std::time::{Duration, UNIX_EPOCH};

pub(crate) fn scenarios() -> Vec<(&'static str, Scenario)> {
    vec![
        ("meta/stats", || layout("stats")),
        ("meta/explicit_times", || layout("explicit_times")),
        ("meta/now_times", || layout("now_times")),
        ("meta/preopen_times", || layout("preopen_times")),
        ("meta/invalid_times", || layout("invalid_times")),
        ("meta/set_size", || layout("set_size")),
    ]
}

fn layout(mode: &str) -> (Sandbox, Guest) {
    let sb = Sandbox::new();
    sb.file("file.txt", "0123456789").file("other.txt", "other\n").mkdir("sub").symlink("file.txt", "link");
    // Both files start with times in 2001, far from any "now".
    let old = UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    for name in ["file.txt", "other.txt"] {
        File::options().write(true).open(sb.path().join(name)).unwrap()
            .set_times(FileTimes::new().set_accessed(old).set_modified(old)).unwrap();
    }
    let guest = Guest::c("fs_meta").args([mode]).dir(sb.path(), "/sandbox");
    (sb, guest)
}

use crate::fs_util::{fields, host_inodes, line, stat_nanos};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

#[track_caller]
fn run_expect(mode: &str, expected: &str) -> Sandbox {
    let (sb, guest) = layout(mode);
    let outcome = guest.run();
    outcome.assert_exit(0);
    assert_eq!(outcome.stdout_text(), expected);
    sb.assert_outside_untouched();
    sb
}

/// Checks one `label dev=.. ino=.. type=.. nlink=.. size=.. atim=.. mtim=.. ctim=..` line
/// against the host's `lstat` of `path`.
#[track_caller]
fn assert_matches_host(text: &str, label: &str, path: &Path, filetype: u64) {
    let line = line(text, &format!("{label} dev="));
    let got = fields(line);
    let num = |key: &str| -> u64 { got[key].parse().unwrap_or_else(|_| panic!("{key} in {line}")) };
    let meta = fs::symlink_metadata(path).unwrap();
    if host_inodes() {
        assert_eq!(num("dev"), meta.dev(), "{line}");
        assert_eq!(num("ino"), meta.ino(), "{line}");
    }
    assert_eq!(num("type"), filetype, "{line}");
    assert_eq!(num("nlink"), meta.nlink(), "{line}");
    // A directory's size is the host filesystem's own bookkeeping (4096 on ext4); the
    // in-memory backend reports its number of entries.
    if host_inodes() || filetype != 3 {
        assert_eq!(num("size"), meta.size(), "{line}");
    }
    assert_eq!(num("mtim"), stat_nanos(meta.mtime(), meta.mtime_nsec()), "{line}");
    // ctim is the status-change time, not the birth time.
    assert_eq!(num("ctim"), stat_nanos(meta.ctime(), meta.ctime_nsec()), "{line}");
    let atime = stat_nanos(meta.atime(), meta.atime_nsec());
    assert!(num("atim").abs_diff(atime) <= 2_000_000_000, "{line}: host atime {atime}");
}

#[test]
fn fs_meta_filestat_matches_the_host_stat_for_files_dirs_and_symlinks() {
    let (sb, guest) = layout("stats");
    let outcome = guest.run();
    outcome.assert_exit(0);
    let text = outcome.stdout_text();
    let p = sb.path();
    assert_matches_host(&text, "fd file.txt", &p.join("file.txt"), 4);
    assert_matches_host(&text, "path file.txt", &p.join("file.txt"), 4);
    assert_matches_host(&text, "path sub", &p.join("sub"), 3);
    assert_matches_host(&text, "path link", &p.join("link"), 7);
    assert_matches_host(&text, "path link follow", &p.join("file.txt"), 4);
    assert_matches_host(&text, "fd preopen", p, 3);
    // The guest's own numbers agree with each other whatever the backend: one device, and
    // one inode per object however it was reached.
    let id = |label: &str| {
        let f = fields(line(&text, &format!("{label} dev=")));
        (f["dev"].to_string(), f["ino"].to_string())
    };
    let file = id("fd file.txt");
    assert_eq!(id("path file.txt"), file);
    assert_eq!(id("path link follow"), file);
    let others = [id("path sub"), id("path link"), id("fd preopen")];
    assert!(others.iter().all(|other| other.0 == file.0 && other.1 != file.1), "{text}");
    assert!(others[0].1 != others[1].1 && others[1].1 != others[2].1 && others[0].1 != others[2].1, "{text}");
    assert_matches_host(&text, "path .", p, 3);
    assert_matches_host(&text, "fd sub", &p.join("sub"), 3);
    assert_eq!(line(&text, "stat missing"), "stat missing=44");
    assert_eq!(text.lines().count(), 9);
    // The setup's times came through exactly: 2001-09-09T01:46:40Z.
    assert_eq!(fields(line(&text, "fd file.txt"))["mtim"], "1000000000000000000");
    sb.assert_outside_untouched();
}

/// Host time of `path`'s (atime, mtime), in nanoseconds, without following symlinks.
fn host_times(path: &Path) -> (u64, u64) {
    let m = fs::symlink_metadata(path).unwrap();
    (stat_nanos(m.atime(), m.atime_nsec()), stat_nanos(m.mtime(), m.mtime_nsec()))
}

#[test]
fn fs_meta_set_times_with_explicit_values_reach_the_host_exactly() {
    let sb = run_expect(
        "explicit_times",
        "fd set atim+mtim=0\n\
         file.txt atim=1234567890123456789 mtim=1111111111222333444\n\
         fd set mtim only=0\n\
         file.txt atim=1234567890123456789 mtim=1500000000000000001\n\
         path set atim+mtim other.txt=0\n\
         other.txt atim=2000000000000000002 mtim=1000000000000000001\n\
         path set mtim sub=0\n\
         path set mtim link nofollow=0\n\
         path set atim link follow=0\n\
         fd set mtim on opened sub=0\n\
         path set times missing=44\n",
    );
    let p = sb.path();
    // file.txt: atime from the first call, then set again through the followed link.
    assert_eq!(host_times(&p.join("file.txt")), (700_000_000_000_000_000, 1_500_000_000_000_000_001));
    assert_eq!(host_times(&p.join("other.txt")), (2_000_000_000_000_000_002, 1_000_000_000_000_000_001));
    assert_eq!(host_times(&p.join("sub")).1, 600_000_000_000_000_000);
    // Without symlink_follow the link itself got the time, not its target.
    assert_eq!(host_times(&p.join("link")).1, 800_000_000_000_000_000);
}

#[test]
fn fs_meta_set_times_now_uses_the_current_time() {
    let before = std::time::SystemTime::now();
    let sb = run_expect(
        "now_times",
        "fd set atim_now|mtim_now=0\n\
         path set mtim_now other.txt=0\n\
         file.txt atim_now_ok=1 mtim_now_ok=1\n\
         other.txt mtim_now_ok=1 atim_kept=1\n",
    );
    let after = std::time::SystemTime::now();
    let window = |t: u64| {
        let t = t as u128;
        t + 1_000_000_000 >= crate::fs_util::nanos(before) && t <= crate::fs_util::nanos(after) + 1_000_000_000
    };
    let (atime, mtime) = host_times(&sb.path().join("file.txt"));
    assert!(window(atime) && window(mtime));
    let (atime, mtime) = host_times(&sb.path().join("other.txt"));
    assert!(window(mtime));
    assert_eq!(atime, 1_000_000_000_000_000_000, "atime was not asked to change");
}

#[test]
fn fs_meta_set_times_with_a_value_and_now_for_the_same_time_is_inval() {
    let sb = run_expect(
        "invalid_times",
        "fd atim|atim_now=28\n\
         fd mtim|mtim_now=28\n\
         fd all four=28\n\
         fd unknown bit 16=28\n\
         fd no flags=0\n\
         path atim|atim_now=28\n\
         path mtim|mtim_now=28\n\
         path unknown bit 32=28\n",
    );
    assert_eq!(host_times(&sb.path().join("file.txt")), (1_000_000_000_000_000_000, 1_000_000_000_000_000_000));
}

#[test]
fn fs_meta_set_size_truncates_and_extends() {
    let sb = run_expect(
        "set_size",
        "set_size 4=0\n\
         size=4\n\
         set_size 8=0\n\
         size=8\n\
         content: 30 31 32 33 00 00 00 00\n\
         tell=0\n\
         set_size on the preopen=8\n\
         set_size 1 GiB sparse=0\n\
         set_size 2^63=28\n\
         other size=1073741824\n\
         set_size 0=0\n",
    );
    assert_eq!(fs::read(sb.path().join("file.txt")).unwrap(), b"0123\0\0\0\0");
    assert_eq!(fs::metadata(sb.path().join("other.txt")).unwrap().len(), 0);
}

/// The preopen's own descriptor is opened by cap-std's `open_ambient_dir` with `O_PATH`, so
/// `futimens` and `fsync` on it fail with EBADF. The same directory opened with path_open
/// accepts both (see `fs_meta_set_times_with_explicit_values_reach_the_host_exactly`).
#[test]
fn fs_meta_set_times_and_sync_on_the_preopen_itself() {
    let (sb, guest) = layout("preopen_times");
    let outcome = guest.run();
    outcome.assert_exit(0);
    assert_eq!(
        outcome.stdout_text(),
        "fd set mtim on the preopen=0\n\
         preopen mtim=600000000000000000\n\
         fd_sync on the preopen=0\n"
    );
    assert_eq!(host_times(sb.path()).1, 600_000_000_000_000_000);
}
