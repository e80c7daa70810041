//! `poll_oneoff` with hand-made memory (WAT guests): malformed subscriptions, arrays outside
//! memory, unaligned arrays, and every byte of the events the host writes.
//!
//! Layouts (preview1): subscription 48 bytes = userdata u64 @0, tag u8 @8, then for a clock
//! id u32 @16, timeout u64 @24, precision u64 @32, flags u16 @40, for an fd the fd u32 @16;
//! event 32 bytes = userdata u64 @0, error u16 @8, type u8 @10, nbytes u64 @16, flags u16 @24.

use capwasi_tests::Guest;
use std::time::{Duration, Instant};

const FAULT: i32 = 21;
const INVAL: i32 = 28;
const PAGE: u32 = 65536;
const MS: u64 = 1_000_000;

/// One preview1 subscription, encoded.
fn sub(userdata: u64, tag: u8, id_or_fd: u32, timeout: u64, flags: u16) -> Vec<u8> {
    let mut out = vec![0u8; 48];
    out[0..8].copy_from_slice(&userdata.to_le_bytes());
    out[8] = tag;
    out[16..20].copy_from_slice(&id_or_fd.to_le_bytes());
    if tag == 0 {
        out[24..32].copy_from_slice(&timeout.to_le_bytes());
        out[40..42].copy_from_slice(&flags.to_le_bytes());
    }
    out
}

/// A relative monotonic clock subscription.
fn clock(userdata: u64, timeout: u64) -> Vec<u8> {
    sub(userdata, 0, 1, timeout, 0)
}

/// A WAT data segment placing `bytes` at `addr`.
fn data(addr: u32, bytes: &[u8]) -> String {
    let escaped: String = bytes.iter().map(|b| format!("\\{b:02x}")).collect();
    format!("  (data (i32.const {addr}) \"{escaped}\")\n")
}

const IMPORTS: &str = r#"
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
"#;

/// Where the failing-call cases keep a sentinel word that a failed call must not overwrite.
const SENTINEL_AT: u32 = 0x8000;

/// A guest that calls `poll_oneoff(subs, events, n, nevents)` with `segments` in memory and
/// a 0x5a5a5a5a sentinel at 0x8000 (where valid cases keep `nevents`), then exits with the
/// errno, or 250 if the call failed yet the sentinel changed.
fn poll_case(segments: &str, subs: u32, events: u32, n: u32, nevents: u32) -> String {
    format!(
        r#"(module {IMPORTS}
{segments}  (data (i32.const {SENTINEL_AT}) "\5a\5a\5a\5a")
  (func (export "_start") (local $errno i32)
    (local.set $errno (call $poll (i32.const {subs}) (i32.const {events}) (i32.const {n}) (i32.const {nevents})))
    (if (i32.and (i32.ne (local.get $errno) (i32.const 0))
                 (i32.ne (i32.load (i32.const {SENTINEL_AT})) (i32.const 0x5a5a5a5a)))
      (then (call $proc_exit (i32.const 250))))
    (call $proc_exit (local.get $errno))))"#
    )
}

#[track_caller]
fn expect_errno(name: &str, wat: String, errno: i32) {
    let started = Instant::now();
    let outcome = Guest::wat(wat).run();
    assert_eq!(
        outcome.exit,
        Some(errno),
        "{name}: trap {:?}, stderr {}",
        outcome.trap,
        outcome.stderr_text()
    );
    // Every case carries a 10 s clock where it can: errors come before any waiting.
    assert!(started.elapsed() < Duration::from_secs(5), "{name}: waited {:?}", started.elapsed());
}

#[test]
fn poll_malformed_subscription_tag_is_inval() {
    for tag in [3u8, 4, 255] {
        let mut subs = clock(1, 10_000 * MS);
        subs.extend(sub(2, tag, 0, 0, 0));
        let wat = poll_case(&data(0x1000, &subs), 0x1000, 0x2000, 2, SENTINEL_AT);
        expect_errno(&format!("tag {tag}"), wat, INVAL);
    }
}

#[test]
fn poll_unknown_subclockflags_bits_are_inval() {
    for flags in [2u16, 3, 0x8000, 0xffff] {
        let mut subs = clock(1, 10_000 * MS);
        subs.extend(sub(2, 0, 1, 0, flags));
        let wat = poll_case(&data(0x1000, &subs), 0x1000, 0x2000, 2, SENTINEL_AT);
        expect_errno(&format!("flags {flags:#x}"), wat, INVAL);
    }
}

#[test]
fn poll_subscription_array_out_of_bounds_is_fault() {
    let one = clock(1, 0);
    // The last byte of the only subscription is one past the end of memory.
    let straddling = PAGE - 47;
    let wat = poll_case(&data(straddling, &one[..47]), straddling, 0x2000, 1, SENTINEL_AT);
    expect_errno("straddling the end", wat, FAULT);
    let wat = poll_case("", 0xffff_fff0, 0x2000, 1, SENTINEL_AT);
    expect_errno("wild pointer", wat, FAULT);
    // The second of two subscriptions is outside memory.
    let wat = poll_case(&data(PAGE - 48, &clock(1, 10_000 * MS)), PAGE - 48, 0x2000, 2, SENTINEL_AT);
    expect_errno("second outside", wat, FAULT);
    // 0x05555556 * 48 does not fit in 32 bits; 1_000_000 * 48 is far past one page.
    for n in [0x0555_5556u32, 1_000_000, u32::MAX] {
        let wat = poll_case(&data(0x1000, &clock(1, 0)), 0x1000, 0x2000, n, SENTINEL_AT);
        expect_errno(&format!("n = {n}"), wat, FAULT);
    }
}

#[test]
fn poll_events_array_out_of_bounds_is_fault() {
    let subs = data(0x1000, &clock(1, 10_000 * MS));
    expect_errno("straddling", poll_case(&subs, 0x1000, PAGE - 31, 1, SENTINEL_AT), FAULT);
    expect_errno("wild", poll_case(&subs, 0x1000, 0xffff_ffe0, 1, SENTINEL_AT), FAULT);
    // Room for one event but two subscriptions: the array must hold one event per
    // subscription, even though only the ready ones are written.
    let mut two = clock(1, 0);
    two.extend(clock(2, 10_000 * MS));
    expect_errno("room for one of two", poll_case(&data(0x1000, &two), 0x1000, PAGE - 32, 2, SENTINEL_AT), FAULT);
}

#[test]
fn poll_nevents_pointer_out_of_bounds_is_fault() {
    let subs = data(0x1000, &clock(1, 0));
    expect_errno("straddling", poll_case(&subs, 0x1000, 0x2000, 1, PAGE - 3), FAULT);
    expect_errno("wild", poll_case(&subs, 0x1000, 0x2000, 1, 0xffff_ffff), FAULT);
    expect_errno("just past the end", poll_case(&subs, 0x1000, 0x2000, 1, PAGE), FAULT);
    // And nothing was written to the events array: check with an event area that the guest
    // verifies (a fault must not leave a half-reported poll behind).
    let wat = format!(
        r#"(module {IMPORTS}
{subs}  (func (export "_start") (local $errno i32)
    (memory.fill (i32.const 0x2000) (i32.const 0xAA) (i32.const 32))
    (local.set $errno (call $poll (i32.const 0x1000) (i32.const 0x2000) (i32.const 1) (i32.const {nevents})))
    (if (i64.ne (i64.load (i32.const 0x2000)) (i64.const 0xAAAAAAAAAAAAAAAA))
      (then (call $proc_exit (i32.const 251))))
    (call $proc_exit (local.get $errno))))"#,
        nevents = PAGE - 2
    );
    expect_errno("events untouched", wat, FAULT);
}

#[test]
fn poll_unaligned_arrays_work() {
    // Subscriptions at an odd address, events and nevents too: capwasi accepts unaligned
    // pointers (the reference host, wasmtime-wasi, does too).
    let mut subs = sub(0x1122_3344_5566_7788, 0, 1, 0, 0);
    subs.extend(clock(0x99, 10_000 * MS));
    let wat = format!(
        r#"(module {IMPORTS}
{segments}  (func (export "_start") (local $errno i32)
    (local.set $errno (call $poll (i32.const 0x1003) (i32.const 0x2005) (i32.const 2) (i32.const 0x3001)))
    (if (local.get $errno) (then (call $proc_exit (local.get $errno))))
    (if (i32.ne (i32.load (i32.const 0x3001)) (i32.const 1)) (then (call $proc_exit (i32.const 250))))
    (if (i64.ne (i64.load (i32.const 0x2005)) (i64.const 0x1122334455667788)) (then (call $proc_exit (i32.const 251))))
    (if (i32.ne (i32.load16_u (i32.const 0x200d)) (i32.const 0)) (then (call $proc_exit (i32.const 252))))
    (if (i32.ne (i32.load8_u (i32.const 0x200f)) (i32.const 0)) (then (call $proc_exit (i32.const 253))))
    (call $proc_exit (i32.const 0))))"#,
        segments = data(0x1003, &subs)
    );
    let started = Instant::now();
    let outcome = Guest::wat(wat).run();
    outcome.assert_exit(0);
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// Every byte of written events: the events area is pre-filled with 0xAA, three
/// subscriptions are polled (fd_read on a closed fd 99, fd_read on a 100-byte file at
/// position 0, a zero-timeout clock, a 10 s clock), and the guest prints the event count and
/// each of the four 32-byte slots as hex.
#[test]
fn poll_written_events_are_exact_to_the_byte() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data"), [7u8; 100]).unwrap();
    let mut subs = sub(0x0102_0304_0506_0708, 1, 99, 0, 0);
    // The fd is filled in after path_open.
    subs.extend(sub(0x1112_1314_1516_1718, 1, 0xffff_ffff, 0, 0));
    subs.extend(clock(0xf1f2_f3f4_f5f6_f7f8, 0));
    subs.extend(clock(0x99, 10_000 * MS));
    let wat = format!(
        r#"(module {IMPORTS}
{segments}  (data (i32.const 0x4000) "0123456789abcdef")
  (data (i32.const 0x4100) "data")
  ;; ciovec for the output: 2 + 4 * 65 bytes at 0x2ffe
  (data (i32.const 0x4200) "\fe\2f\00\00\06\01\00\00")
  (func (export "_start") (local $errno i32) (local $i i32) (local $b i32) (local $out i32)
    ;; path_open(3, 0, "data", 4, oflags 0, rights fd_read|fd_seek|fd_tell|poll_fd_readwrite, 0, 0, fd @ 0x1040)
    (local.set $errno (call $path_open (i32.const 3) (i32.const 0) (i32.const 0x4100) (i32.const 4) (i32.const 0)
      (i64.const 0x8000026) (i64.const 0) (i32.const 0) (i32.const 0x1040)))
    (if (local.get $errno) (then (call $proc_exit (i32.add (i32.const 200) (local.get $errno)))))
    (memory.fill (i32.const 0x2000) (i32.const 0xAA) (i32.const 128))
    (i32.store (i32.const 0x5000) (i32.const 0xdeadbeef))
    (local.set $errno (call $poll (i32.const 0x1000) (i32.const 0x2000) (i32.const 4) (i32.const 0x5000)))
    (if (local.get $errno) (then (call $proc_exit (local.get $errno))))
    ;; "N\n" then each slot as 64 hex digits and a newline
    (i32.store8 (i32.const 0x2ffe) (i32.add (i32.const 0x30) (i32.load (i32.const 0x5000))))
    (i32.store8 (i32.const 0x2fff) (i32.const 10))
    (loop $each
      (local.set $b (i32.load8_u (i32.add (i32.const 0x2000) (local.get $i))))
      (local.set $out (i32.add (i32.const 0x3000)
        (i32.add (i32.mul (i32.div_u (local.get $i) (i32.const 32)) (i32.const 65))
                 (i32.mul (i32.rem_u (local.get $i) (i32.const 32)) (i32.const 2)))))
      (i32.store8 (local.get $out) (i32.load8_u (i32.add (i32.const 0x4000) (i32.shr_u (local.get $b) (i32.const 4)))))
      (i32.store8 (i32.add (local.get $out) (i32.const 1))
        (i32.load8_u (i32.add (i32.const 0x4000) (i32.and (local.get $b) (i32.const 15)))))
      (if (i32.eq (i32.rem_u (local.get $i) (i32.const 32)) (i32.const 31))
        (then (i32.store8 (i32.add (local.get $out) (i32.const 2)) (i32.const 10))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $each (i32.lt_u (local.get $i) (i32.const 128))))
    (drop (call $fd_write (i32.const 1) (i32.const 0x4200) (i32.const 1) (i32.const 0x5004)))
    (call $proc_exit (i32.const 0))))"#,
        segments = data(0x1000, &subs)
    );
    // The second subscription's fd (u32 @16 of subscription 1, at 0x1000 + 48 + 16 = 0x1040)
    // is where path_open stores the new fd.
    let started = Instant::now();
    let outcome = Guest::wat(wat).dir(dir.path(), "/sandbox").run();
    outcome.assert_exit(0);
    assert!(started.elapsed() < Duration::from_secs(5));
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let event = |userdata: u64, error: u16, kind: u8, nbytes: u64, flags: u16| {
        let mut e = [0u8; 32];
        e[0..8].copy_from_slice(&userdata.to_le_bytes());
        e[8..10].copy_from_slice(&error.to_le_bytes());
        e[10] = kind;
        e[16..24].copy_from_slice(&nbytes.to_le_bytes());
        e[24..26].copy_from_slice(&flags.to_le_bytes());
        hex(&e)
    };
    let expected = [
        "3".to_string(),
        // Bad fd 99: badf (8) in the event, type fd_read, everything else zero.
        event(0x0102_0304_0506_0708, 8, 1, 0, 0),
        // The file: 100 bytes left to read.
        event(0x1112_1314_1516_1718, 0, 1, 100, 0),
        // The zero-timeout clock.
        event(0xf1f2_f3f4_f5f6_f7f8, 0, 0, 0, 0),
        // The 10 s clock did not fire: its slot is untouched.
        hex(&[0xAA; 32]),
    ];
    assert_eq!(outcome.stdout_text().lines().collect::<Vec<_>>(), expected);
}
