//! Randomized sequences of filesystem calls against a scratch preopen, with invariants
//! checked after every step.
//!
//! A seeded xorshift generator drives `path_open` (random lookup flags, oflags, rights and
//! fdflags, sometimes unknown bits), `fd_write`, `fd_read`, `fd_seek`, `fd_close`,
//! `fd_renumber`, `fd_readdir`, `fd_filestat_get`, `fd_filestat_set_size`,
//! `fd_fdstat_set_rights`, `path_create_directory`, `path_remove_directory`,
//! `path_unlink_file`, `path_rename`, `path_link`, `path_symlink` (targets include `..`, `/`,
//! absolute host paths and `/proc/self/root`), `path_readlink`, `path_filestat_get` and
//! `path_filestat_set_times`, on names from a small alphabet (`a`, `b`, `a/b`, `../a`, `/a`,
//! `link/`, `../outside.txt`, ...). The calls go one at a time through a [`Driver`] instance
//! whose context has a writable preopen (fd 3, `/scratch`) and a read-only one (fd 4, `/ro`).
//!
//! After every step: the call returned an errno in 0..=76 (no trap, no host panic); nothing
//! outside the two preopens was read, written or created ([`Arena::outside_changes`]); the
//! read-only tree is unchanged; `fd_read` and `fd_readdir` wrote nothing past what they
//! reported; and the descriptor table matches the model: every fd the test believes open
//! answers `fd_fdstat_get` with 0 and every other one with `badf`, new descriptors take the
//! lowest free number, `fd_close` and `fd_renumber` succeed exactly when the model says,
//! and a descriptor opened beneath the read-only preopen never holds a mutating right.
//!
//! The CI budget is [`DEFAULT_STEPS`] steps (in sequences of [`SEQUENCE`] steps, each on a
//! fresh context and directory) and runs in a few seconds. For a longer run set
//! `CAPWASI_FUZZ_STEPS` (total steps) and optionally `CAPWASI_FUZZ_SEED` (the first
//! sequence's seed; sequence `k` uses seed + k), e.g.
//! `CAPWASI_FUZZ_STEPS=1000000 cargo test -p capwasi-tests --release security_fuzz`.
//! A failure names the seed of its sequence: rerun with `CAPWASI_FUZZ_SEED=<that seed>` to
//! replay it first.

use crate::fs_util::tree;
use crate::security_util::{i, l, Arena, Driver, EBADF, SECRET};
use capwasi::types::Rights;
use capwasi_os::{OsDir, WasiCtxBuilderExt};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::path::PathBuf;
use wasmtime::Val;

/// Steps run by default (CI).
const DEFAULT_STEPS: u64 = 3000;
/// Steps per sequence (each on a fresh context and scratch directory).
const SEQUENCE: u64 = 60;
const DEFAULT_SEED: u64 = 0x5EC0_51DE_D00D_F00D;

/// Memory layout of the driver instance.
const PATH1: u32 = 1000;
const PATH2: u32 = 1200;
const RESULT: u32 = 1400;
const IOV: u32 = 1500;
const DATA: u32 = 2048;
const DATA_SPAN: u32 = 1024;
const DIRBUF: u32 = 4096;
const DIRBUF_SPAN: u32 = 1024;

const ALL_RIGHTS: u64 = 0x3fff_ffff;

/// xorshift64*, seeded through splitmix64 so nearby seeds diverge.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Plain names inside, picked most of the time so that calls often succeed.
const SIMPLE: &[&str] = &["a", "b", "c", "a/b", "b/a", "b/c", "a/b/c", "link", "ldir/a", "ldir/c"];

/// Names the guest uses: inside, climbing out, absolute, through links, into the other
/// preopen, with trailing slashes, empty.
const NAMES: &[&str] = &[
    "a", "b", "c", "a/b", "b/a", "a/b/c", "a/", "b/", "link", "link/", "link/a", "link/../a", "ldir/a",
    "../a", "/a", "/", ".", "..", "", "a/../b", "a/./b", "a//b", "../outside.txt", "../outside/secret.txt",
    "../outside/empty", "../ro/r.txt", "../ro/rd", "a/../../outside.txt", "../scratch/a", "x/y",
];

/// Symlink targets.
const TARGETS: &[&str] = &[
    "a", "b", "a/b", ".", "..", "../..", "/", "/tmp", "/etc/passwd", "../outside", "../outside.txt",
    "../outside/empty", "../ro", "../ro/r.txt", "link", "/proc/self/root", "/proc/self/cwd", "OUTSIDE_ABS",
    "a/../../outside.txt", "",
];

/// Rights a `path_open` may ask for.
const RIGHTS: &[u64] = &[
    0,
    1 << 1,                                    // fd_read
    1 << 6,                                    // fd_write
    (1 << 1) | (1 << 6),                       // read|write
    (1 << 1) | (1 << 2) | (1 << 5) | (1 << 6), // read|seek|tell|write
    1 << 14,                                   // fd_readdir
    (1 << 13) | (1 << 14),                     // path_open|fd_readdir
    ALL_RIGHTS,
    ALL_RIGHTS & !(1 << 6),
];

/// The test's idea of the descriptor table.
struct Model {
    open: BTreeSet<u32>,
    /// Descriptors that came from the read-only preopen (directly or beneath it).
    read_only: BTreeSet<u32>,
}

impl Model {
    fn lowest_free(&self) -> u32 {
        (0..).find(|fd| !self.open.contains(fd)).unwrap()
    }
}

struct Fuzz<'a> {
    rng: Rng,
    d: Driver,
    model: Model,
    arena: &'a Arena,
    ro_before: BTreeMap<PathBuf, String>,
    outside_abs: String,
    log: VecDeque<String>,
    seed: u64,
    step: u64,
    /// Per call: how often it returned each errno.
    stats: BTreeMap<String, BTreeMap<i32, u64>>,
}

impl Fuzz<'_> {
    fn fail(&self, msg: String) -> ! {
        let log: Vec<&String> = self.log.iter().collect();
        panic!(
            "{msg}\nsequence seed {seed} (replay with CAPWASI_FUZZ_SEED={seed}), step {step}; last calls:\n{log:#?}",
            seed = self.seed,
            step = self.step
        );
    }

    fn call(&mut self, name: &str, args: &[Val]) -> i32 {
        let shown: Vec<String> = args
            .iter()
            .map(|v| match v {
                Val::I32(x) => format!("{}", *x as u32),
                Val::I64(x) => format!("{:#x}", *x as u64),
                _ => "?".into(),
            })
            .collect();
        let line = format!("{name}({})", shown.join(", "));
        let errno = match self.d.try_call(name, args) {
            Ok(errno) => errno,
            Err(err) => self.fail(format!("{line} trapped or exited: {err:?}")),
        };
        if !(0..=76).contains(&errno) {
            self.fail(format!("{line} returned {errno}, not an errno"));
        }
        *self.stats.entry(name.to_string()).or_default().entry(errno).or_default() += 1;
        if self.log.len() == 40 {
            self.log.pop_front();
        }
        self.log.push_back(format!("{line} = {errno}"));
        errno
    }

    /// A descriptor: mostly one the guest opened, else any believed open, sometimes any small
    /// or edge number.
    fn fd(&mut self) -> u32 {
        let opened: Vec<u32> = self.model.open.iter().copied().filter(|&fd| fd > 4).collect();
        let all: Vec<u32> = self.model.open.iter().copied().collect();
        match self.rng.below(10) {
            0..=4 if !opened.is_empty() => *self.rng.pick(&opened),
            0..=7 if !all.is_empty() => *self.rng.pick(&all),
            _ => *self.rng.pick(&[0, 5, 6, 7, 8, 9, 10, 64, 65535, 65536, u32::MAX]),
        }
    }

    /// A descriptor to close or renumber: rarely a preopen, so that sequences keep one.
    fn victim_fd(&mut self) -> u32 {
        for _ in 0..8 {
            let fd = self.fd();
            if fd != 3 && fd != 4 || self.rng.chance(5) {
                return fd;
            }
        }
        self.fd()
    }

    /// A directory descriptor: mostly the preopens while they are there.
    fn dir_fd(&mut self) -> u32 {
        match self.rng.below(10) {
            0..=5 => 3,
            6 => 4,
            _ => self.fd(),
        }
    }

    /// Writes a name at `at`; returns (ptr, len), now and then a wild one.
    fn path(&mut self, at: u32) -> (u32, u32) {
        if self.rng.chance(2) {
            return *self.rng.pick(&[(u32::MAX - 4, 8), (at, u32::MAX), (65535, 2)]);
        }
        let name = if self.rng.chance(60) { self.rng.pick(SIMPLE) } else { self.rng.pick(NAMES) }.to_string();
        self.d.write(at, name.as_bytes());
        (at, name.len() as u32)
    }

    fn step(&mut self) {
        match self.rng.below(19) {
            0..=2 => self.path_open(),
            3 => {
                let fd = self.fd();
                let len = self.rng.below(64) as u32;
                let fill = b'0' + self.rng.below(10) as u8;
                self.d.write(DATA, &vec![fill; len as usize]);
                self.d.write(IOV, &DATA.to_le_bytes());
                self.d.write(IOV + 4, &len.to_le_bytes());
                if self.call("fd_write", &[i(fd), i(IOV), i(1), i(RESULT)]) == 0 {
                    let n = self.d.u32_at(RESULT);
                    if n > len {
                        self.fail(format!("fd_write reported {n} of {len} bytes"));
                    }
                }
            }
            4 => {
                let fd = self.fd();
                let len = self.rng.below(256) as u32;
                self.d.mem()[DATA as usize..(DATA + DATA_SPAN) as usize].fill(0xAA);
                self.d.write(IOV, &DATA.to_le_bytes());
                self.d.write(IOV + 4, &len.to_le_bytes());
                let errno = self.call("fd_read", &[i(fd), i(IOV), i(1), i(RESULT)]);
                let n = if errno == 0 { self.d.u32_at(RESULT) } else { 0 };
                if n > len {
                    self.fail(format!("fd_read reported {n} of {len} bytes"));
                }
                let data = self.d.read(DATA, DATA_SPAN);
                if data[n as usize..].iter().any(|&b| b != 0xAA) {
                    self.fail(format!("fd_read wrote past the {n} bytes it reported"));
                }
                if data.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()) {
                    self.fail("fd_read returned outside bytes".into());
                }
            }
            5 => {
                let fd = self.fd();
                let offset = self.rng.below(200) as i64 - 50;
                let whence = if self.rng.chance(5) { 3 } else { self.rng.below(3) as u32 };
                self.call("fd_seek", &[i(fd), l(offset as u64), i(whence), i(RESULT)]);
            }
            6 => {
                let fd = self.victim_fd();
                let errno = self.call("fd_close", &[i(fd)]);
                let expected = if self.model.open.contains(&fd) { 0 } else { EBADF };
                if errno != expected {
                    self.fail(format!("fd_close({fd}) = {errno}, the model expected {expected}"));
                }
                self.model.open.remove(&fd);
                self.model.read_only.remove(&fd);
            }
            7 => {
                let from = self.victim_fd();
                let to = if self.rng.chance(70) { self.victim_fd() } else { self.rng.below(20) as u32 };
                let errno = self.call("fd_renumber", &[i(from), i(to)]);
                // Both must be open (the spec: renumbering is not dup2).
                let expected = if self.model.open.contains(&from) && self.model.open.contains(&to) { 0 } else { EBADF };
                if errno != expected {
                    self.fail(format!("fd_renumber({from}, {to}) = {errno}, the model expected {expected}"));
                }
                if errno == 0 && from != to {
                    self.model.open.remove(&from);
                    self.model.open.insert(to);
                    let ro = self.model.read_only.remove(&from);
                    self.model.read_only.remove(&to);
                    if ro {
                        self.model.read_only.insert(to);
                    }
                }
            }
            8 => {
                let fd = self.dir_fd();
                let (p, n) = self.path(PATH1);
                self.call("path_create_directory", &[i(fd), i(p), i(n)]);
            }
            9 => {
                let fd = self.dir_fd();
                let (p, n) = self.path(PATH1);
                self.call("path_remove_directory", &[i(fd), i(p), i(n)]);
            }
            10 => {
                let fd = self.dir_fd();
                let (p, n) = self.path(PATH1);
                self.call("path_unlink_file", &[i(fd), i(p), i(n)]);
            }
            11 => {
                let (fd1, fd2) = (self.dir_fd(), self.dir_fd());
                let (p1, n1) = self.path(PATH1);
                let (p2, n2) = self.path(PATH2);
                self.call("path_rename", &[i(fd1), i(p1), i(n1), i(fd2), i(p2), i(n2)]);
            }
            12 => {
                let fd = self.dir_fd();
                let target = self.rng.pick(TARGETS).replace("OUTSIDE_ABS", &self.outside_abs);
                self.d.write(PATH2, target.as_bytes());
                let (p, n) = self.path(PATH1);
                self.call("path_symlink", &[i(PATH2), i(target.len() as u32), i(fd), i(p), i(n)]);
            }
            13 => {
                let (fd1, fd2) = (self.dir_fd(), self.dir_fd());
                let flags = if self.rng.chance(10) { 1 } else { 0 };
                let (p1, n1) = self.path(PATH1);
                let (p2, n2) = self.path(PATH2);
                self.call("path_link", &[i(fd1), i(flags), i(p1), i(n1), i(fd2), i(p2), i(n2)]);
            }
            14 => {
                let fd = self.fd();
                let len = self.rng.below(300) as u32;
                let cookie = if self.rng.chance(70) { 0 } else { self.rng.next() % 1000 };
                self.d.mem()[DIRBUF as usize..(DIRBUF + DIRBUF_SPAN) as usize].fill(0xAA);
                let errno = self.call("fd_readdir", &[i(fd), i(DIRBUF), i(len), l(cookie), i(RESULT)]);
                let used = if errno == 0 { self.d.u32_at(RESULT) } else { 0 };
                if used > len {
                    self.fail(format!("fd_readdir used {used} of {len} bytes"));
                }
                let buf = self.d.read(DIRBUF, DIRBUF_SPAN);
                if buf[used as usize..].iter().any(|&b| b != 0xAA) {
                    self.fail(format!("fd_readdir wrote past the {used} bytes it reported"));
                }
            }
            15 => {
                let fd = self.dir_fd();
                let flags = self.rng.below(2) as u32;
                let (p, n) = self.path(PATH1);
                if self.rng.chance(50) {
                    self.call("path_filestat_get", &[i(fd), i(flags), i(p), i(n), i(RESULT)]);
                } else {
                    self.call("path_filestat_set_times", &[i(fd), i(flags), i(p), i(n), l(0), l(0), i(0b1010)]);
                }
            }
            16 => {
                let fd = self.fd();
                if self.rng.chance(50) {
                    self.call("fd_filestat_get", &[i(fd), i(RESULT)]);
                } else {
                    let size = self.rng.below(100);
                    self.call("fd_filestat_set_size", &[i(fd), l(size)]);
                }
            }
            17 => {
                let fd = self.dir_fd();
                let (p, n) = self.path(PATH1);
                let len = self.rng.below(64) as u32;
                self.call("path_readlink", &[i(fd), i(p), i(n), i(DATA), i(len), i(RESULT)]);
            }
            _ => {
                // Mostly a narrowing of what the descriptor holds, sometimes random bits.
                let fd = self.fd();
                let (mut base, mut inheriting) = (self.rng.next() & ALL_RIGHTS, self.rng.next() & ALL_RIGHTS);
                if self.rng.chance(80) && self.d.try_call("fd_fdstat_get", &[i(fd), i(RESULT)]).ok() == Some(0) {
                    base &= self.d.u64_at(RESULT + 8) | if self.rng.chance(90) { 0 } else { 1 << 6 };
                    inheriting &= self.d.u64_at(RESULT + 16);
                }
                self.call("fd_fdstat_set_rights", &[i(fd), l(base), l(inheriting)]);
            }
        }
    }

    fn path_open(&mut self) {
        let fd = self.dir_fd();
        let lookup = if self.rng.chance(2) { 2 } else { self.rng.below(2) as u32 };
        let (p, n) = self.path(PATH1);
        // creat 1, directory 2, excl 4, trunc 8; sometimes an unknown bit.
        let any = self.rng.below(16) as u32;
        let oflags = if self.rng.chance(2) { 1 << 4 } else { *self.rng.pick(&[0, 0, 1, 1, 1 | 4, 1 | 8, 2, 8, 4, any]) };
        let base = if self.rng.chance(2) { 1 << 40 } else { *self.rng.pick(RIGHTS) };
        let inheriting = *self.rng.pick(&[0, ALL_RIGHTS, 1 << 1]);
        let fdflags = if self.rng.chance(2) { 1 << 5 } else if self.rng.chance(50) { 0 } else { self.rng.below(32) as u32 };
        self.d.write(RESULT, &u32::MAX.to_le_bytes());
        let errno = self.call(
            "path_open",
            &[i(fd), i(lookup), i(p), i(n), i(oflags), l(base), l(inheriting), i(fdflags), i(RESULT)],
        );
        let new = self.d.u32_at(RESULT);
        if errno != 0 {
            if new != u32::MAX {
                self.fail(format!("path_open failed with {errno} but wrote fd {new}"));
            }
            return;
        }
        let expected = self.model.lowest_free();
        if new != expected {
            self.fail(format!("path_open gave fd {new}, the lowest free number is {expected}"));
        }
        self.model.open.insert(new);
        if self.model.read_only.contains(&fd) {
            self.model.read_only.insert(new);
        }
    }

    /// Every invariant that must hold between steps.
    fn check(&mut self) {
        if let Some(changed) = self.arena.outside_changes() {
            self.fail(format!("outside changed: {changed}"));
        }
        if tree(self.arena.dir(1)) != self.ro_before {
            self.fail("the read-only preopen changed".into());
        }
        let mut probes: BTreeSet<u32> = (0..12).collect();
        probes.extend(self.model.open.iter().copied());
        probes.extend([64, 65535, 65536, u32::MAX]);
        let mutating = (Rights::FILE_MUTATING | Rights::DIRECTORY_MUTATING).bits();
        for fd in probes {
            let errno = self.d.try_call("fd_fdstat_get", &[i(fd), i(RESULT)]).unwrap_or(-1);
            let believed = self.model.open.contains(&fd);
            if errno != if believed { 0 } else { EBADF } {
                self.fail(format!("fd_fdstat_get({fd}) = {errno}, but the model says {}", if believed { "open" } else { "closed" }));
            }
            if believed && self.model.read_only.contains(&fd) {
                let (base, inheriting) = (self.d.u64_at(RESULT + 8), self.d.u64_at(RESULT + 16));
                if (base | inheriting) & mutating != 0 {
                    self.fail(format!("fd {fd}, beneath the read-only preopen, has rights {base:#x}/{inheriting:#x}"));
                }
            }
        }
    }
}

fn env_u64(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    let value = value.trim();
    Some(match value.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => value.parse(),
    }
    .unwrap_or_else(|e| panic!("{name}={value}: {e}")))
}

fn run_sequence(seed: u64, steps: u64, stats: &mut BTreeMap<String, BTreeMap<i32, u64>>) {
    let arena = Arena::new(&["scratch", "ro"], |dirs| {
        fs::write(dirs[0].join("a"), "file a\n").unwrap();
        fs::create_dir(dirs[0].join("b")).unwrap();
        std::os::unix::fs::symlink("b", dirs[0].join("ldir")).unwrap();
        fs::write(dirs[1].join("r.txt"), "read only\n").unwrap();
        fs::create_dir(dirs[1].join("rd")).unwrap();
        fs::write(dirs[1].join("rd/inner"), "inner\n").unwrap();
    });
    let mut builder = Driver::builder();
    builder.preopened_host_dir(arena.dir(0), "/scratch").unwrap();
    builder.preopened_dir_read_only(OsDir::open_ambient(arena.dir(1)).unwrap(), "/ro");
    let d = Driver::new(&mut builder, 1);
    let mut fuzz = Fuzz {
        rng: Rng::new(seed),
        d,
        model: Model { open: (0..=4).collect(), read_only: [4].into() },
        ro_before: tree(arena.dir(1)),
        outside_abs: arena.root().join("outside").to_str().unwrap().to_string(),
        arena: &arena,
        log: VecDeque::new(),
        seed,
        step: 0,
        stats: std::mem::take(stats),
    };
    fuzz.check();
    for step in 0..steps {
        fuzz.step = step;
        fuzz.step();
        fuzz.check();
    }
    *stats = fuzz.stats;
}

/// See the module docs: `CAPWASI_FUZZ_STEPS` and `CAPWASI_FUZZ_SEED` lengthen or replay it.
#[test]
fn security_random_filesystem_call_sequences_keep_every_invariant() {
    let steps = env_u64("CAPWASI_FUZZ_STEPS").unwrap_or(DEFAULT_STEPS);
    let base = env_u64("CAPWASI_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    let mut done = 0;
    let mut k = 0;
    let mut stats = BTreeMap::new();
    while done < steps {
        let n = SEQUENCE.min(steps - done);
        run_sequence(base.wrapping_add(k), n, &mut stats);
        done += n;
        k += 1;
    }
    println!("{steps} steps in {k} sequences; errno: count, per call:");
    for (name, errnos) in &stats {
        println!("  {name}: {errnos:?}");
    }
    // The sequences did real work, not only errors: every kind of call succeeded sometimes.
    if steps >= DEFAULT_STEPS {
        for name in [
            "path_open", "fd_write", "fd_read", "fd_seek", "fd_close", "fd_renumber", "fd_readdir",
            "path_create_directory", "path_remove_directory", "path_unlink_file", "path_rename",
            "path_symlink", "path_link", "path_readlink", "path_filestat_get",
        ] {
            assert!(stats.get(name).is_some_and(|s| s.contains_key(&0)), "{name} never succeeded: {stats:?}");
        }
    }
}
