//! Resource limits: the descriptor table stops at `max_fds` with `nfile` and keeps working;
//! a guest cannot make the host allocate or work without bound with huge iovec counts, huge
//! `fd_readdir` buffers or huge `poll_oneoff` subscription arrays; paths of thousands of
//! components end quickly. Each call is made from Rust through a [`Driver`] instance, one call
//! at a time.
//!
//! Host allocation is not measured directly (the suite has no counting allocator): what is
//! checked is that oversized requests fail with `fault` or `inval` before any work and without
//! writing anything, and that a huge but valid `fd_readdir` buffer receives only the listing.

use crate::security_util::{i, l, Arena, Driver, EBADF, EFAULT, EINVAL, ENFILE};
use capwasi::WasiCtxBuilder;
use capwasi_os::WasiCtxBuilderExt;
use std::fs;

const ALL_RIGHTS: u64 = 0x3fff_ffff;
const CREAT: u32 = 1;
const DIRECTORY: u32 = 2;
const TRUNC: u32 = 8;
const FD_READ: u64 = 1 << 1;
const FD_WRITE: u64 = 1 << 6;
/// Where test paths and results go in guest memory.
const PATH: u32 = 100;
const RESULT: u32 = 200;

/// A driver over a scratch preopen (fd 3) holding `data.txt` (4096 bytes) and `d/`.
fn driver(pages: u32, configure: impl FnOnce(&mut WasiCtxBuilder)) -> (Arena, Driver) {
    let arena = Arena::new(&["scratch"], |dirs| {
        fs::write(dirs[0].join("data.txt"), vec![b'x'; 4096]).unwrap();
        fs::create_dir(dirs[0].join("d")).unwrap();
    });
    let mut builder = Driver::builder();
    builder.preopened_host_dir(arena.dir(0), "/scratch").unwrap();
    configure(&mut builder);
    let d = Driver::new(&mut builder, pages);
    (arena, d)
}

/// `path_open(3, path, oflags, rights)`: the errno and the new fd (if any).
fn open(d: &mut Driver, path: &str, oflags: u32, rights: u64) -> (i32, u32) {
    d.write(PATH, path.as_bytes());
    d.write(RESULT, &u32::MAX.to_le_bytes());
    let errno = d.call(
        "path_open",
        &[i(3), i(1), i(PATH), i(path.len() as u32), i(oflags), l(rights), l(ALL_RIGHTS), i(0), i(RESULT)],
    );
    (errno, d.u32_at(RESULT))
}

fn fdstat(d: &mut Driver, fd: u32) -> i32 {
    d.call("fd_fdstat_get", &[i(fd), i(RESULT)])
}

#[test]
fn security_max_fds_gives_nfile_past_the_limit_and_the_table_keeps_working() {
    let (arena, mut d) = driver(1, |b| {
        b.max_fds(16);
    });
    // stdio and the preopen take 0..=3: twelve more fit.
    let mut opened = Vec::new();
    for k in 0..12 {
        let (errno, fd) = open(&mut d, &format!("f{k}"), CREAT, FD_READ | FD_WRITE);
        assert_eq!((errno, fd), (0, 4 + k), "open #{k}");
        opened.push(fd);
    }
    for attempt in 0..3 {
        let (errno, fd) = open(&mut d, "data.txt", 0, FD_READ);
        assert_eq!(errno, ENFILE, "attempt {attempt}");
        assert_eq!(fd, u32::MAX, "no descriptor number was written");
        let (errno, _) = open(&mut d, "d", DIRECTORY, FD_READ);
        assert_eq!(errno, ENFILE);
    }
    assert_eq!(fdstat(&mut d, 16), EBADF);
    // Every open descriptor still answers, and closing one makes room for exactly one more.
    for &fd in &opened {
        assert_eq!(fdstat(&mut d, fd), 0);
    }
    assert_eq!(d.call("fd_close", &[i(9)]), 0);
    assert_eq!(open(&mut d, "data.txt", 0, FD_READ), (0, 9));
    assert_eq!(open(&mut d, "data.txt", 0, FD_READ).0, ENFILE);
    // Renumbering stays below the limit too.
    assert_eq!(d.call("fd_renumber", &[i(4), i(15)]), 0);
    assert_eq!(d.call("fd_renumber", &[i(5), i(16)]), EBADF);
    assert_eq!(d.call("fd_renumber", &[i(5), i(u32::MAX)]), EBADF);
    assert_eq!(fdstat(&mut d, 5), 0, "a failed renumber leaves the source open");
    assert_eq!(open(&mut d, "data.txt", 0, FD_READ), (0, 4));
    // A table-full open that would create: the errno is nfile all the same (whether the
    // file is left behind is the next test's).
    assert_eq!(open(&mut d, "never.txt", CREAT, FD_READ | FD_WRITE).0, ENFILE);
    // Path calls that need no descriptor keep working.
    d.write(PATH, b"data.txt");
    assert_eq!(d.call("path_filestat_get", &[i(3), i(0), i(PATH), i(8), i(RESULT)]), 0);
    arena.assert_outside_untouched();
}

/// Where the iovec arrays go (clear of `PATH` and `RESULT`).
const IOVS: u32 = 24000;

/// A `path_open` refused with `nfile` must have no effect, as POSIX `open` failing with
/// `EMFILE` has none (the kernel allocates the descriptor before it creates or truncates):
/// no file created by `creat`, no data destroyed by `trunc`.
#[test]
fn security_path_open_refused_with_nfile_creates_and_truncates_nothing() {
    let (arena, mut d) = driver(1, |b| {
        b.max_fds(4);
    });
    assert_eq!(open(&mut d, "new.txt", CREAT, FD_READ | FD_WRITE).0, ENFILE);
    assert_eq!(open(&mut d, "data.txt", TRUNC, FD_READ | FD_WRITE).0, ENFILE);
    assert_eq!(open(&mut d, "data.txt", TRUNC, FD_READ).0, ENFILE);
    assert_eq!(fs::read(arena.dir(0).join("data.txt")).unwrap().len(), 4096, "a refused open truncated data.txt");
    assert!(!arena.dir(0).join("new.txt").exists(), "a refused open created new.txt");
}

/// Writes `count` iovecs at `IOVS`, the `k`th `len` bytes at 20000 + k * len (none overlapping).
fn iovecs(d: &mut Driver, count: u32, len: u32) {
    for k in 0..count {
        d.write(IOVS + k * 8, &(20000 + k * len).to_le_bytes());
        d.write(IOVS + k * 8 + 4, &len.to_le_bytes());
    }
}

#[test]
fn security_more_than_1024_iovecs_are_inval_and_consume_nothing() {
    let (arena, mut d) = driver(1, |_| {});
    let (errno, fd) = open(&mut d, "data.txt", 0, ALL_RIGHTS);
    assert_eq!(errno, 0);
    iovecs(&mut d, 1025, 1);
    for call in ["fd_read", "fd_write"] {
        assert_eq!(d.call(call, &[i(fd), i(IOVS), i(1025), i(RESULT)]), EINVAL, "{call}");
    }
    for call in ["fd_pread", "fd_pwrite"] {
        assert_eq!(d.call(call, &[i(fd), i(IOVS), i(1025), l(0), i(RESULT)]), EINVAL, "{call}");
    }
    // Counts near u32::MAX: the array would not even fit in memory; either way, no work.
    for count in [1 << 20, u32::MAX / 8, u32::MAX] {
        let errno = d.call("fd_read", &[i(fd), i(IOVS), i(count), i(RESULT)]);
        assert!(errno == EINVAL || errno == EFAULT, "{count} iovecs: {errno}");
    }
    // Nothing was consumed: the position is still 0.
    assert_eq!(d.call("fd_tell", &[i(fd), i(RESULT)]), 0);
    assert_eq!(d.u64_at(RESULT), 0);
    // 1024 is fine.
    assert_eq!(d.call("fd_read", &[i(fd), i(IOVS), i(1024), i(RESULT)]), 0);
    assert_eq!(d.u32_at(RESULT), 1024);
    assert!(d.read(20000, 1024).iter().all(|&b| b == b'x'));
    assert_eq!(fs::read(arena.dir(0).join("data.txt")).unwrap(), vec![b'x'; 4096], "a refused write wrote");
}

#[test]
fn security_readdir_with_a_buffer_near_u32_max_faults_without_allocating_it() {
    let (_arena, mut d) = driver(1, |_| {});
    for (buf, len) in [(0, u32::MAX), (0, u32::MAX - 1), (0, 65537), (65535, 2), (1, u32::MAX), (u32::MAX, 1)] {
        d.write(RESULT, &0x5a5a_5a5au32.to_le_bytes());
        assert_eq!(d.call("fd_readdir", &[i(3), i(buf), i(len), l(0), i(RESULT)]), EFAULT, "buf {buf} len {len}");
        assert_eq!(d.u32_at(RESULT), 0x5a5a_5a5a, "bufused written on a fault");
    }
    // A whole page as the buffer is fine (and the output is only as large as the listing).
    assert_eq!(d.call("fd_readdir", &[i(3), i(0), i(65536 - 8), l(0), i(65536 - 4)]), 0);
    let used = d.u32_at(65536 - 4);
    assert!(used > 0 && used < 200, "bufused {used}");
}

#[test]
fn security_readdir_into_a_64_mib_buffer_writes_only_the_listing() {
    // 1024 pages: a buffer of 64 MiB the host must not mirror in its own memory.
    let (_arena, mut d) = driver(1024, |_| {});
    let len = 1024 * 65536 - 1024;
    d.mem()[..].fill(0xAA);
    assert_eq!(d.call("fd_readdir", &[i(3), i(1024), i(len), l(0), i(0)]), 0);
    let used = d.u32_at(0);
    assert!(used > 0 && used < 200, "bufused {used}");
    assert!(d.mem()[1024 + used as usize..].iter().all(|&b| b == 0xAA));
}

/// Relative clock subscriptions with timeout 0 at 0.
fn clock_subscriptions(d: &mut Driver, count: u32) {
    for k in 0..count {
        let at = (k * 48) as usize;
        let sub = &mut d.mem()[at..at + 48];
        sub.fill(0);
        sub[0..8].copy_from_slice(&u64::from(k).to_le_bytes());
        sub[16..20].copy_from_slice(&1u32.to_le_bytes()); // monotonic
    }
}

#[test]
fn security_poll_oneoff_with_100000_subscriptions_past_memory_faults() {
    let (_arena, mut d) = driver(1, |_| {});
    for (subs, events) in [(0u32, 0u32), (0, 32768), (65000, 0), (u32::MAX - 47, 0)] {
        d.write(60000, &0x5a5a_5a5au32.to_le_bytes());
        assert_eq!(d.call("poll_oneoff", &[i(subs), i(events), i(100_000), i(60000)]), EFAULT, "subs at {subs}");
        assert_eq!(d.u32_at(60000), 0x5a5a_5a5a);
    }
    for n in [u32::MAX, u32::MAX / 48, u32::MAX / 48 + 1] {
        assert_eq!(d.call("poll_oneoff", &[i(0), i(0), i(n), i(60000)]), EFAULT, "{n} subscriptions");
    }
    // In memory, but above the host's bound of 65536 subscriptions: inval, before any work.
    let (_arena, mut d) = driver(128, |_| {});
    clock_subscriptions(&mut d, 100_000);
    let events = 100_000 * 48;
    assert_eq!(d.call("poll_oneoff", &[i(0), i(events), i(100_000), i(0)]), EINVAL);
    // At the bound, every expired clock is reported.
    let events = 65536 * 48;
    assert_eq!(d.call("poll_oneoff", &[i(0), i(events), i(65536), i(events - 4)]), 0);
    assert_eq!(d.u32_at(events - 4), 65536);
}

/// Paths up to a page long made of thousands of components (`./`, `d/..`, `../d` climbing
/// back in, a symlink chain) end in an errno or a result quickly: the host neither recurses
/// per component nor spins.
#[test]
fn security_paths_of_thousands_of_components_end_quickly_in_an_errno_or_a_result() {
    let (arena, mut d) = driver(2, |_| {});
    std::os::unix::fs::symlink(".", arena.dir(0).join("self")).unwrap();
    let cases: Vec<(String, &[i32])> = vec![
        ("./".repeat(2000) + "data.txt", &[0, 37]),
        ("./".repeat(32000) + "data.txt", &[37]),
        ("d/../".repeat(800) + "data.txt", &[0, 37]),
        ("d/../".repeat(12000) + "data.txt", &[37]),
        ("self/".repeat(800) + "data.txt", &[0, 32, 37]),
        ("self/".repeat(12000) + "data.txt", &[32, 37]),
        ("d/".to_string() + &"../d/".repeat(10000) + "x", &[37, 76]),
        ("a".repeat(255), &[44]),
        ("a".repeat(256), &[37]),
        ("a".repeat(60000), &[37]),
    ];
    for (path, expected) in &cases {
        let started = std::time::Instant::now();
        d.write(PATH, path.as_bytes());
        let errno = d.call("path_filestat_get", &[i(3), i(1), i(PATH), i(path.len() as u32), i(65536 + 1000)]);
        println!("{} bytes: {errno}", path.len());
        assert!(expected.contains(&errno), "{}... ({} bytes): errno {errno}", &path[..20.min(path.len())], path.len());
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{} bytes took {:?}", path.len(), started.elapsed());
    }
    arena.assert_outside_untouched();
}
