;; wasi-threads: a spawned thread traps (unreachable) while main sleeps in poll_oneoff.
;;
;; Main prints "main polling\n", raises the flag at address 0 (notifying it) and sleeps in
;; poll_oneoff on a 10 s relative monotonic clock; should it ever wake, it prints
;; "main woke\n" and returns (status 0). The thread waits for the flag, sleeps 100 ms in its
;; own poll_oneoff so main is surely asleep, prints "thread trapping\n" and executes `unreachable`.
;; Failed calls exit with 90-95.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "env" "memory" (memory 1 1 shared))
  (export "memory" (memory 0))

  (data (i32.const 256) "main polling\n")
  (data (i32.const 272) "main woke\n")
  (data (i32.const 288) "thread trapping\n")

  (func $check (param $errno i32) (param $status i32)
    (if (local.get $errno) (then (call $proc_exit (local.get $status)))))

  ;; Writes len bytes at ptr to stdout, using scratch (16 bytes) for the iovec and count.
  (func $print (param $ptr i32) (param $len i32) (param $scratch i32)
    (i32.store (local.get $scratch) (local.get $ptr))
    (i32.store offset=4 (local.get $scratch) (local.get $len))
    (call $check (call $fd_write (i32.const 1) (local.get $scratch) (i32.const 1) (i32.add (local.get $scratch) (i32.const 8)))
      (i32.const 90)))

  ;; Sleeps ns nanoseconds in poll_oneoff; sub is 128 bytes of scratch (subscription, event, count).
  (func $sleep (param $ns i64) (param $sub i32)
    (i64.store (local.get $sub) (i64.const 42))               ;; userdata
    (i64.store offset=8 (local.get $sub) (i64.const 0))        ;; tag: clock
    (i64.store offset=16 (local.get $sub) (i64.const 1))       ;; monotonic
    (i64.store offset=24 (local.get $sub) (local.get $ns))     ;; timeout
    (i64.store offset=32 (local.get $sub) (i64.const 0))       ;; precision
    (i64.store offset=40 (local.get $sub) (i64.const 0))       ;; flags: relative
    (call $check
      (call $poll_oneoff (local.get $sub) (i32.add (local.get $sub) (i32.const 64)) (i32.const 1)
        (i32.add (local.get $sub) (i32.const 96)))
      (i32.const 91))
    (if (i32.ne (i32.load offset=96 (local.get $sub)) (i32.const 1)) (then (call $proc_exit (i32.const 92)))))

  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32)
    (local $rounds i32)
    (loop $flag
      (if (i32.eqz (i32.atomic.load (i32.const 0)))
        (then
          (if (i32.ge_u (local.get $rounds) (i32.const 30)) (then (call $proc_exit (i32.const 93))))
          (local.set $rounds (i32.add (local.get $rounds) (i32.const 1)))
          (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 1000000000)))
          (br $flag))))
    (call $sleep (i64.const 100000000) (i32.const 1024))
    (call $print (i32.const 288) (i32.const 16) (i32.const 512))
    unreachable)

  (func (export "_start")
    (if (i32.lt_s (call $spawn (i32.const 0)) (i32.const 1)) (then (call $proc_exit (i32.const 94))))
    (call $print (i32.const 256) (i32.const 13) (i32.const 576))
    (i32.atomic.store (i32.const 0) (i32.const 1))
    (drop (memory.atomic.notify (i32.const 0) (i32.const 1)))
    (call $sleep (i64.const 10000000000) (i32.const 2048))
    (call $print (i32.const 272) (i32.const 10) (i32.const 576))))
