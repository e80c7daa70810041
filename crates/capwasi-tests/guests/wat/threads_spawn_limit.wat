;; wasi-threads: spawning past the thread limit (the host runs this with a limit of 2).
;;
;; Addresses: 0 release flag, 4 threads started, 8 threads done, 12 always 0 (for sleeping),
;; 64 + 4k the id thread-spawn returned for start arg k, 104 + 4k the id thread k was given
;; (k < 10).
;; Threads store their id, count themselves started, and wait for the release flag (1 s
;; rounds, at most 30, then proc_exit(30)) before counting themselves done.
;;
;; Main spawns threads 0 and 1, waits until both started, tries threads 2 and 3 (the host
;; should refuse them), releases 0 and 1 and waits until both are done. Then it spawns 4..9
;; one by one, retrying every 10 ms (up to 500 times) while the host still counts finished
;; threads as running, waits until all 8 are done and writes the 80 bytes at 64..144 to
;; stdout. Failed calls or waits exit with 31-36.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "env" "memory" (memory 1 1 shared))
  (export "memory" (memory 0))

  ;; Waits until the counter at addr reaches want (1 s rounds, at most 30, then proc_exit(status)).
  (func $await (param $addr i32) (param $want i32) (param $status i32)
    (local $seen i32) (local $rounds i32)
    (loop $again
      (local.set $seen (i32.atomic.load (local.get $addr)))
      (if (i32.lt_u (local.get $seen) (local.get $want))
        (then
          (if (i32.ge_u (local.get $rounds) (i32.const 30)) (then (call $proc_exit (local.get $status))))
          (local.set $rounds (i32.add (local.get $rounds) (i32.const 1)))
          (drop (memory.atomic.wait32 (local.get $addr) (local.get $seen) (i64.const 1000000000)))
          (br $again)))))

  (func $bump (param $addr i32)
    (drop (i32.atomic.rmw.add (local.get $addr) (i32.const 1)))
    (drop (memory.atomic.notify (local.get $addr) (i32.const -1))))

  (func (export "wasi_thread_start") (param $tid i32) (param $k i32)
    (i32.atomic.store offset=104 (i32.mul (local.get $k) (i32.const 4)) (local.get $tid))
    (call $bump (i32.const 4))
    (call $await (i32.const 0) (i32.const 1) (i32.const 30))
    (call $bump (i32.const 8)))

  (func $spawn_at (param $k i32) (result i32)
    (local $id i32)
    (local.set $id (call $spawn (local.get $k)))
    (i32.atomic.store offset=64 (i32.mul (local.get $k) (i32.const 4)) (local.get $id))
    (local.get $id))

  (func (export "_start")
    (local $k i32) (local $tries i32)
    (if (i32.lt_s (call $spawn_at (i32.const 0)) (i32.const 1)) (then (call $proc_exit (i32.const 31))))
    (if (i32.lt_s (call $spawn_at (i32.const 1)) (i32.const 1)) (then (call $proc_exit (i32.const 32))))
    (call $await (i32.const 4) (i32.const 2) (i32.const 33))
    (drop (call $spawn_at (i32.const 2)))
    (drop (call $spawn_at (i32.const 3)))
    (i32.atomic.store (i32.const 0) (i32.const 1))
    (drop (memory.atomic.notify (i32.const 0) (i32.const -1)))
    (call $await (i32.const 8) (i32.const 2) (i32.const 34))
    (local.set $k (i32.const 4))
    (loop $more
      (local.set $tries (i32.const 0))
      (loop $retry
        (if (i32.lt_s (call $spawn_at (local.get $k)) (i32.const 1))
          (then
            (if (i32.ge_u (local.get $tries) (i32.const 500)) (then (call $proc_exit (i32.const 35))))
            (local.set $tries (i32.add (local.get $tries) (i32.const 1)))
            (drop (memory.atomic.wait32 (i32.const 12) (i32.const 0) (i64.const 10000000)))
            (br $retry))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $more (i32.lt_u (local.get $k) (i32.const 10))))
    (call $await (i32.const 8) (i32.const 8) (i32.const 34))
    ;; stdout <- bytes 64..144
    (i32.store (i32.const 1024) (i32.const 64))
    (i32.store (i32.const 1028) (i32.const 80))
    (if (call $fd_write (i32.const 1) (i32.const 1024) (i32.const 1) (i32.const 1032)) (then (call $proc_exit (i32.const 36))))
    (if (i32.ne (i32.load (i32.const 1032)) (i32.const 80)) (then (call $proc_exit (i32.const 36))))))
