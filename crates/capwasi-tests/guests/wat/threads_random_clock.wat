;; wasi-threads: random_get and clock_time_get from 8 threads at once.
;;
;; Each thread k (buffers at 1024 + 256k) runs 2000 rounds of: random_get of 32 bytes (the
;; bytes are OR-ed together, so all-zero output is caught), clock_time_get of the monotonic
;; clock (never going back within the thread) and of the realtime clock (after 2017).
;; Threads start together: each waits for the go flag at address 4, which main raises
;; after spawning all 8. Main joins on the counter at address 0 (1 s rounds, at most 60)
;; and prints "ok\n". Failures exit with 60-68.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "env" "memory" (memory 1 1 shared))
  (export "memory" (memory 0))

  (data (i32.const 256) "ok\n")

  (func $check (param $errno i32) (param $status i32)
    (if (local.get $errno) (then (call $proc_exit (local.get $status)))))

  (func (export "wasi_thread_start") (param $tid i32) (param $k i32)
    (local $base i32) (local $n i32) (local $acc i64) (local $prev i64) (local $now i64) (local $rounds i32)
    (local.set $base (i32.add (i32.const 1024) (i32.mul (local.get $k) (i32.const 256))))
    (loop $go
      (if (i32.eqz (i32.atomic.load (i32.const 4)))
        (then
          (if (i32.ge_u (local.get $rounds) (i32.const 30)) (then (call $proc_exit (i32.const 60))))
          (local.set $rounds (i32.add (local.get $rounds) (i32.const 1)))
          (drop (memory.atomic.wait32 (i32.const 4) (i32.const 0) (i64.const 1000000000)))
          (br $go))))
    (loop $each
      (call $check (call $random_get (local.get $base) (i32.const 32)) (i32.const 61))
      (local.set $acc (i64.or (local.get $acc)
        (i64.or (i64.or (i64.load (local.get $base)) (i64.load offset=8 (local.get $base)))
                (i64.or (i64.load offset=16 (local.get $base)) (i64.load offset=24 (local.get $base))))))
      (call $check (call $clock_time_get (i32.const 1) (i64.const 1) (i32.add (local.get $base) (i32.const 64))) (i32.const 62))
      (local.set $now (i64.load offset=64 (local.get $base)))
      (if (i64.lt_u (local.get $now) (local.get $prev)) (then (call $proc_exit (i32.const 63))))
      (local.set $prev (local.get $now))
      (call $check (call $clock_time_get (i32.const 0) (i64.const 1) (i32.add (local.get $base) (i32.const 72))) (i32.const 64))
      (if (i64.lt_u (i64.load offset=72 (local.get $base)) (i64.const 1500000000000000000)) (then (call $proc_exit (i32.const 65))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $each (i32.lt_u (local.get $n) (i32.const 2000))))
    (if (i64.eqz (local.get $acc)) (then (call $proc_exit (i32.const 66))))
    (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
    (drop (memory.atomic.notify (i32.const 0) (i32.const 1))))

  (func (export "_start")
    (local $k i32) (local $seen i32) (local $rounds i32)
    (loop $spawn
      (if (i32.lt_s (call $spawn (local.get $k)) (i32.const 1)) (then (call $proc_exit (i32.const 67))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $spawn (i32.lt_u (local.get $k) (i32.const 8))))
    (i32.atomic.store (i32.const 4) (i32.const 1))
    (drop (memory.atomic.notify (i32.const 4) (i32.const -1)))
    (loop $join
      (local.set $seen (i32.atomic.load (i32.const 0)))
      (if (i32.lt_u (local.get $seen) (i32.const 8))
        (then
          (if (i32.ge_u (local.get $rounds) (i32.const 60)) (then (call $proc_exit (i32.const 68))))
          (local.set $rounds (i32.add (local.get $rounds) (i32.const 1)))
          (drop (memory.atomic.wait32 (i32.const 0) (local.get $seen) (i64.const 1000000000)))
          (br $join))))
    (i32.store (i32.const 512) (i32.const 256))
    (i32.store (i32.const 516) (i32.const 3))
    (call $check (call $fd_write (i32.const 1) (i32.const 512) (i32.const 1) (i32.const 520)) (i32.const 68))))
