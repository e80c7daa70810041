//! Shared by the `unstable_*` test modules: WAT guests that import `wasi_unstable` (and, for
//! the mixed cases, `wasi_snapshot_preview1`) and print what the host wrote as hex, one line
//! per value, so the tests can check every byte of every result struct.
//!
//! Guest memory map (one 64 KiB page):
//! - `0x0000..0x0020`: the printer's ciovec, `nwritten` and a scratch word;
//! - `0x0020..0x0100`: result slots the guests use (opened fds, offsets, counts);
//! - `0x0100..0x0110`: the hex digits;
//! - `0x0200..0x0400`: path strings (data segments);
//! - `0x0400..0x8000`: structs and buffers, per test;
//! - `0x8000..`: the printer's line buffer.

#![allow(dead_code)]

use capwasi_tests::Outcome;
use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;

/// errno `badf`.
pub const BADF: u32 = 8;
/// errno `fault`.
pub const FAULT: u32 = 21;
/// errno `inval`.
pub const INVAL: u32 = 28;

/// Every snapshot-0 right (bits 0..=28): all of preview1's but `sock_accept`.
pub const ALL_UNSTABLE_RIGHTS: u64 = (1 << 29) - 1;
/// The `sock_accept` right (bit 29), which only preview1 has.
pub const SOCK_ACCEPT: u64 = 1 << 29;
/// fd_read | fd_seek | fd_tell | fd_filestat_get | poll_fd_readwrite: what a read-only
/// guest asks for (no write right, so opening never touches the file's times).
pub const READ_RIGHTS: u64 = (1 << 1) | (1 << 2) | (1 << 5) | (1 << 21) | (1 << 27);

/// Every WASI 0.1 import with its wasm signature (the harness's one table).
pub use capwasi_tests::WASI_IMPORTS as IMPORTS;

/// Which import modules a guest uses.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Imports {
    /// Only `wasi_unstable`, every one of its 45 functions, named `$u_NAME`.
    Unstable,
    /// Both: `wasi_unstable` as `$u_NAME` (45) and `wasi_snapshot_preview1` as `$p_NAME` (46).
    Both,
}

/// Import declarations: `$u_NAME` for `wasi_unstable` and, with `preview1`, `$p_NAME` for
/// `wasi_snapshot_preview1`.
pub fn import_decls(imports: Imports) -> String {
    let mut out = String::new();
    let mut decl = |module: &str, prefix: &str, (name, params, result): &(&str, &str, &str)| {
        let params = if params.is_empty() { String::new() } else { format!(" (param {params})") };
        let result = if result.is_empty() { String::new() } else { format!(" (result {result})") };
        out.push_str(&format!("  (import \"{module}\" \"{name}\" (func ${prefix}_{name}{params}{result}))\n"));
    };
    for import in IMPORTS.iter().filter(|(name, _, _)| *name != "sock_accept") {
        decl("wasi_unstable", "u", import);
    }
    if imports == Imports::Both {
        for import in IMPORTS {
            decl("wasi_snapshot_preview1", "p", import);
        }
    }
    out
}

/// The printing helpers every guest has (they write through `wasi_unstable.fd_write`):
/// - `$hex(ptr, len)`: one line with the `len` bytes at `ptr` as lowercase hex;
/// - `$p32(v)` / `$p64(v)`: one line with `v` as little-endian hex (4 / 8 bytes);
/// - `$fill(ptr, len)`: sets `len` bytes at `ptr` to 0xAA (the "untouched" marker).
const HELPERS: &str = r#"
  (data (i32.const 0x100) "0123456789abcdef")
  (func $hex (param $ptr i32) (param $len i32)
    (local $i i32) (local $b i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $b (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (i32.store8 (i32.add (i32.const 0x8000) (i32.shl (local.get $i) (i32.const 1)))
          (i32.load8_u (i32.add (i32.const 0x100) (i32.shr_u (local.get $b) (i32.const 4)))))
        (i32.store8 (i32.add (i32.const 0x8001) (i32.shl (local.get $i) (i32.const 1)))
          (i32.load8_u (i32.add (i32.const 0x100) (i32.and (local.get $b) (i32.const 15)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.store8 (i32.add (i32.const 0x8000) (i32.shl (local.get $len) (i32.const 1))) (i32.const 10))
    (i32.store (i32.const 0) (i32.const 0x8000))
    (i32.store (i32.const 4) (i32.add (i32.shl (local.get $len) (i32.const 1)) (i32.const 1)))
    (if (call $u_fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))
      (then (unreachable))))
  (func $p32 (param $v i32)
    (i32.store (i32.const 0x10) (local.get $v))
    (call $hex (i32.const 0x10) (i32.const 4)))
  (func $p64 (param $v i64)
    (i64.store (i32.const 0x10) (local.get $v))
    (call $hex (i32.const 0x10) (i32.const 8)))
  (func $fill (param $ptr i32) (param $len i32)
    (memory.fill (local.get $ptr) (i32.const 0xAA) (local.get $len)))
"#;

/// A whole guest module: the imports, one page of memory, the helpers, `extra` (data
/// segments and functions) and `_start` running `body`.
pub fn module(imports: Imports, extra: &str, body: &str) -> String {
    format!(
        "(module\n{}  (memory (export \"memory\") 1)\n{HELPERS}\n{extra}\n  (func (export \"_start\")\n{body}\n  )\n)\n",
        import_decls(imports)
    )
}

/// A data segment putting `bytes` at `at`.
pub fn data(at: u32, bytes: &[u8]) -> String {
    let escaped: String = bytes.iter().map(|b| format!("\\{b:02x}")).collect();
    format!("  (data (i32.const {at:#x}) \"{escaped}\")\n")
}

/// Lowercase hex of `bytes`, as the guest's `$hex` prints it.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What `$p32(v)` prints.
pub fn h32(v: u32) -> String {
    hex(&v.to_le_bytes())
}

/// What `$p64(v)` prints.
pub fn h64(v: u64) -> String {
    hex(&v.to_le_bytes())
}

/// The guest's stdout lines, after checking it exited 0 with nothing on stderr.
#[track_caller]
pub fn lines(out: &Outcome) -> Vec<String> {
    out.assert_exit(0);
    assert_eq!(out.stderr_text(), "", "stderr");
    out.stdout_text().lines().map(str::to_string).collect()
}

/// Compares the guest's lines with `(label, hex)` expectations, one by one and then the count,
/// naming the first line that differs.
#[track_caller]
pub fn assert_lines(got: &[String], expected: &[(String, String)]) {
    for (i, (label, want)) in expected.iter().enumerate() {
        let line = got.get(i).map(String::as_str).unwrap_or("<missing>");
        assert_eq!(line, want, "line {i} ({label}) differs\nall lines: {got:#?}");
    }
    assert_eq!(got.len(), expected.len(), "line count; all lines: {got:#?}");
}

/// Collects `(label, hex)` expectations.
#[derive(Default)]
pub struct Expect(pub Vec<(String, String)>);

impl Expect {
    /// Expects a `$p32` line.
    pub fn u32(&mut self, label: impl Into<String>, v: u32) -> &mut Self {
        self.0.push((label.into(), h32(v)));
        self
    }
    /// Expects a `$p64` line.
    pub fn u64(&mut self, label: impl Into<String>, v: u64) -> &mut Self {
        self.0.push((label.into(), h64(v)));
        self
    }
    /// Expects a `$hex` line.
    pub fn bytes(&mut self, label: impl Into<String>, v: &[u8]) -> &mut Self {
        self.0.push((label.into(), hex(v)));
        self
    }
}

/// Nanoseconds since the epoch, as WASI timestamps count them.
pub fn nanos(secs: i64, nsecs: i64) -> u64 {
    u64::try_from(i128::from(secs) * 1_000_000_000 + i128::from(nsecs)).expect("a time after 1970")
}

/// The 56-byte snapshot-0 filestat the host must write for `meta`: dev @0, ino @8,
/// filetype u8 @16, three zero bytes, nlink u32 @20, size @24, atim @32, mtim @40, ctim @48.
pub fn unstable_filestat(meta: &Metadata, filetype: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(56);
    out.extend(meta.dev().to_le_bytes());
    out.extend(meta.ino().to_le_bytes());
    out.push(filetype);
    out.extend([0u8; 3]);
    out.extend(u32::try_from(meta.nlink()).expect("nlink fits u32").to_le_bytes());
    out.extend(meta.size().to_le_bytes());
    out.extend(nanos(meta.atime(), meta.atime_nsec()).to_le_bytes());
    out.extend(nanos(meta.mtime(), meta.mtime_nsec()).to_le_bytes());
    out.extend(nanos(meta.ctime(), meta.ctime_nsec()).to_le_bytes());
    assert_eq!(out.len(), 56);
    out
}

/// The 64-byte preview1 filestat for `meta`: nlink u64 @24, size @32, atim @40, mtim @48,
/// ctim @56.
pub fn preview1_filestat(meta: &Metadata, filetype: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend(meta.dev().to_le_bytes());
    out.extend(meta.ino().to_le_bytes());
    out.push(filetype);
    out.extend([0u8; 7]);
    out.extend(meta.nlink().to_le_bytes());
    out.extend(meta.size().to_le_bytes());
    out.extend(nanos(meta.atime(), meta.atime_nsec()).to_le_bytes());
    out.extend(nanos(meta.mtime(), meta.mtime_nsec()).to_le_bytes());
    out.extend(nanos(meta.ctime(), meta.ctime_nsec()).to_le_bytes());
    assert_eq!(out.len(), 64);
    out
}

/// `bytes` followed by `n` untouched (0xAA) bytes.
pub fn then_untouched(bytes: &[u8], n: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out.extend(std::iter::repeat_n(0xAA, n));
    out
}

/// The 100 bytes of `data.bin`: byte i is `(7 i + 3) mod 256`, so every offset reads
/// something different.
pub fn data_bin() -> Vec<u8> {
    (0..100u32).map(|i| (i * 7 + 3) as u8).collect()
}

/// A WAT expression opening `path` (a data segment at `at`, `len` bytes) under preopen fd
/// 3 through `$open` (`$u_path_open` or `$p_path_open`) with `rights`, storing the fd at
/// `slot`; leaves the errno.
pub fn open_expr(open: &str, at: u32, len: usize, rights: u64, slot: u32) -> String {
    format!(
        "(call {open} (i32.const 3) (i32.const 0) (i32.const {at:#x}) (i32.const {len}) (i32.const 0) \
         (i64.const {rights:#x}) (i64.const 0) (i32.const 0) (i32.const {slot:#x}))"
    )
}

/// One 56-byte snapshot-0 clock subscription.
pub fn clock_sub(userdata: u64, identifier: u64, clock: u32, timeout: u64, precision: u64, flags: u16) -> Vec<u8> {
    let mut sub = vec![0u8; 56];
    sub[0..8].copy_from_slice(&userdata.to_le_bytes());
    sub[8] = 0;
    sub[16..24].copy_from_slice(&identifier.to_le_bytes());
    sub[24..28].copy_from_slice(&clock.to_le_bytes());
    sub[32..40].copy_from_slice(&timeout.to_le_bytes());
    sub[40..48].copy_from_slice(&precision.to_le_bytes());
    sub[48..50].copy_from_slice(&flags.to_le_bytes());
    sub
}

/// One 56-byte snapshot-0 fd subscription (`tag` 1 read, 2 write).
pub fn fd_sub(userdata: u64, tag: u8, fd: u32) -> Vec<u8> {
    let mut sub = vec![0u8; 56];
    sub[0..8].copy_from_slice(&userdata.to_le_bytes());
    sub[8] = tag;
    sub[16..20].copy_from_slice(&fd.to_le_bytes());
    sub
}

/// One 32-byte event: userdata @0, error u16 @8, type u8 @10, nbytes u64 @16, flags u16 @24,
/// every other byte zero.
pub fn event(userdata: u64, error: u16, kind: u8, nbytes: u64, flags: u16) -> Vec<u8> {
    let mut ev = vec![0u8; 32];
    ev[0..8].copy_from_slice(&userdata.to_le_bytes());
    ev[8..10].copy_from_slice(&error.to_le_bytes());
    ev[10] = kind;
    ev[16..24].copy_from_slice(&nbytes.to_le_bytes());
    ev[24..26].copy_from_slice(&flags.to_le_bytes());
    ev
}
