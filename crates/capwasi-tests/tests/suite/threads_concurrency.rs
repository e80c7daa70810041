//! wasi-threads: random_get and clock_time_get from 8 threads at once
//! (`guests/wat/threads_random_clock.wat`): every call succeeds, monotonic time never goes
//! back within a thread, and nothing deadlocks.

use crate::threads_util::ThreadedGuest;
use std::time::Duration;

#[test]
fn random_and_clocks_from_eight_threads_at_once() {
    let outcome = ThreadedGuest::new("threads_random_clock").deadline(Duration::from_secs(60)).run();
    outcome.assert_clean();
    assert_eq!(outcome.stdout_text(), "ok\n");
}

/// fd_write and fd_read on guest buffers that another thread rewrites at the same time: the
/// bytes are racy by the guest's own doing, but the host must copy them without tearing
/// anything but individual bytes, report exact counts, and not crash.
#[test]
fn fd_write_and_fd_read_on_buffers_another_thread_rewrites() {
    const ROUNDS: usize = 200;
    const SIZE: usize = 4096;
    let wat = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "env" "memory" (memory 1 1 shared))
  ;; 0: stop flag, 4: thread done, 8: thread started; buffers at 8192 and 16384
  (func (export "wasi_thread_start") (param i32 i32)
    (local $n i32)
    ;; fill both buffers once before main starts using them
    (memory.fill (i32.const 8192) (i32.const 120) (i32.const 4096))
    (memory.fill (i32.const 16384) (i32.const 120) (i32.const 4096))
    (i32.atomic.store (i32.const 8) (i32.const 1))
    (drop (memory.atomic.notify (i32.const 8) (i32.const -1)))
    (loop $flip
      (memory.fill (i32.const 8192) (i32.const 120) (i32.const 4096))
      (memory.fill (i32.const 16384) (i32.const 120) (i32.const 4096))
      (memory.fill (i32.const 8192) (i32.const 121) (i32.const 4096))
      (memory.fill (i32.const 16384) (i32.const 121) (i32.const 4096))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $flip (i32.and (i32.eqz (i32.atomic.load (i32.const 0))) (i32.lt_u (local.get $n) (i32.const 200000)))))
    (i32.atomic.store (i32.const 4) (i32.const 1))
    (drop (memory.atomic.notify (i32.const 4) (i32.const -1))))
  (func $await (param $addr i32) (param $status i32)
    (local $rounds i32)
    (loop $again
      (if (i32.eqz (i32.atomic.load (local.get $addr)))
        (then
          (if (i32.ge_u (local.get $rounds) (i32.const 30)) (then (call $proc_exit (local.get $status))))
          (local.set $rounds (i32.add (local.get $rounds) (i32.const 1)))
          (drop (memory.atomic.wait32 (local.get $addr) (i32.const 0) (i64.const 1000000000)))
          (br $again)))))
  (func (export "_start")
    (local $n i32)
    (if (i32.lt_s (call $spawn (i32.const 0)) (i32.const 1)) (then (call $proc_exit (i32.const 70))))
    (call $await (i32.const 8) (i32.const 71))
    (loop $each
      (i32.store (i32.const 64) (i32.const 8192))
      (i32.store (i32.const 68) (i32.const 4096))
      (if (call $fd_write (i32.const 1) (i32.const 64) (i32.const 1) (i32.const 72)) (then (call $proc_exit (i32.const 72))))
      (if (i32.ne (i32.load (i32.const 72)) (i32.const 4096)) (then (call $proc_exit (i32.const 73))))
      (i32.store (i32.const 64) (i32.const 16384))
      (if (call $fd_read (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 72)) (then (call $proc_exit (i32.const 74))))
      (if (i32.ne (i32.load (i32.const 72)) (i32.const 4096)) (then (call $proc_exit (i32.const 75))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $each (i32.lt_u (local.get $n) (i32.const 200))))
    (i32.atomic.store (i32.const 0) (i32.const 1))
    (call $await (i32.const 4) (i32.const 76))))"#;
    let mut guest = ThreadedGuest::wat(wat);
    guest.builder.stdin(capwasi::pipe::ReadPipe::from_bytes(vec![b'z'; ROUNDS * SIZE]));
    let outcome = guest.run();
    outcome.assert_clean();
    assert_eq!(outcome.stdout.len(), ROUNDS * SIZE);
    if let Some(at) = outcome.stdout.iter().position(|b| *b != b'x' && *b != b'y') {
        panic!("byte {at} of stdout is {:#04x}, neither x nor y", outcome.stdout[at]);
    }
}
