;; wasi-threads: one fd table for all threads.
;;
;; Thread 0 creates `shared.txt` under preopen fd 3, writes "written by thread\n", stores
;; the fd at address 16 and counts itself done (address 0). Main then writes
;; "written by main\n" through that fd, seeks to 0, reads the 34 bytes back, prints them,
;; and closes the fd.
;;
;; Main creates `flags.txt` (no fdflags), writes "first\n", stores the fd at address 20 and
;; spawns thread 1, which sets the append flag with fd_fdstat_set_flags, checks it with
;; fd_fdstat_get and counts itself done. Main checks the flag with its own fd_fdstat_get,
;; seeks to 0, writes "second\n" (appended, so the file reads "first\nsecond\n"), prints
;; "append set\n" and closes the fd. Failed calls exit with 40-59.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fd_fdstat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $fd_fdstat_set_flags (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "env" "memory" (memory 1 1 shared))
  (export "memory" (memory 0))

  (data (i32.const 256) "shared.txt")
  (data (i32.const 272) "flags.txt")
  (data (i32.const 288) "written by thread\n")
  (data (i32.const 320) "written by main\n")
  (data (i32.const 352) "first\n")
  (data (i32.const 368) "second\n")
  (data (i32.const 384) "append set\n")

  (func $check (param $errno i32) (param $status i32)
    (if (local.get $errno) (then (call $proc_exit (local.get $status)))))

  ;; Creates `name` under fd 3 for reading and writing; returns the fd (scratch: 4 bytes).
  (func $create (param $name i32) (param $len i32) (param $scratch i32) (param $status i32) (result i32)
    (call $check
      (call $path_open (i32.const 3) (i32.const 0) (local.get $name) (local.get $len) (i32.const 9)
        (i64.const 2097262) (i64.const 0) (i32.const 0) (local.get $scratch))
      (local.get $status))
    (i32.load (local.get $scratch)))

  ;; Writes len bytes at ptr to fd, all of them (scratch: 16 bytes).
  (func $write (param $fd i32) (param $ptr i32) (param $len i32) (param $scratch i32) (param $status i32)
    (i32.store (local.get $scratch) (local.get $ptr))
    (i32.store offset=4 (local.get $scratch) (local.get $len))
    (call $check (call $fd_write (local.get $fd) (local.get $scratch) (i32.const 1) (i32.add (local.get $scratch) (i32.const 8)))
      (local.get $status))
    (if (i32.ne (i32.load offset=8 (local.get $scratch)) (local.get $len)) (then (call $proc_exit (local.get $status)))))

  ;; The fdflags of fd (scratch: 24 bytes).
  (func $fdflags (param $fd i32) (param $scratch i32) (param $status i32) (result i32)
    (call $check (call $fd_fdstat_get (local.get $fd) (local.get $scratch)) (local.get $status))
    (i32.load16_u offset=2 (local.get $scratch)))

  (func $seek0 (param $fd i32) (param $status i32)
    (call $check (call $fd_seek (local.get $fd) (i64.const 0) (i32.const 0) (i32.const 600)) (local.get $status))
    (if (i64.ne (i64.load (i32.const 600)) (i64.const 0)) (then (call $proc_exit (local.get $status)))))

  (func $done
    (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
    (drop (memory.atomic.notify (i32.const 0) (i32.const -1))))

  ;; Waits until `want` threads are done (1 s rounds, at most 30, then proc_exit(status)).
  (func $join (param $want i32) (param $status i32)
    (local $seen i32) (local $rounds i32)
    (loop $again
      (local.set $seen (i32.atomic.load (i32.const 0)))
      (if (i32.lt_u (local.get $seen) (local.get $want))
        (then
          (if (i32.ge_u (local.get $rounds) (i32.const 30)) (then (call $proc_exit (local.get $status))))
          (local.set $rounds (i32.add (local.get $rounds) (i32.const 1)))
          (drop (memory.atomic.wait32 (i32.const 0) (local.get $seen) (i64.const 1000000000)))
          (br $again)))))

  (func (export "wasi_thread_start") (param $tid i32) (param $k i32)
    (local $fd i32)
    (if (i32.eqz (local.get $k))
      (then
        (local.set $fd (call $create (i32.const 256) (i32.const 10) (i32.const 2048) (i32.const 40)))
        (call $write (local.get $fd) (i32.const 288) (i32.const 18) (i32.const 2048) (i32.const 41))
        (i32.atomic.store (i32.const 16) (local.get $fd)))
      (else
        (local.set $fd (i32.atomic.load (i32.const 20)))
        (call $check (call $fd_fdstat_set_flags (local.get $fd) (i32.const 1)) (i32.const 42))
        (if (i32.ne (i32.and (call $fdflags (local.get $fd) (i32.const 2048) (i32.const 43)) (i32.const 1)) (i32.const 1))
          (then (call $proc_exit (i32.const 44))))))
    (call $done))

  (func (export "_start")
    (local $fd i32)
    ;; an fd opened by a thread, used and closed by main
    (if (i32.lt_s (call $spawn (i32.const 0)) (i32.const 1)) (then (call $proc_exit (i32.const 50))))
    (call $join (i32.const 1) (i32.const 51))
    (local.set $fd (i32.atomic.load (i32.const 16)))
    (call $write (local.get $fd) (i32.const 320) (i32.const 16) (i32.const 1024) (i32.const 52))
    (call $seek0 (local.get $fd) (i32.const 53))
    (i32.store (i32.const 1024) (i32.const 4096))
    (i32.store (i32.const 1028) (i32.const 100))
    (call $check (call $fd_read (local.get $fd) (i32.const 1024) (i32.const 1) (i32.const 1032)) (i32.const 54))
    (if (i32.ne (i32.load (i32.const 1032)) (i32.const 34)) (then (call $proc_exit (i32.const 55))))
    (call $write (i32.const 1) (i32.const 4096) (i32.const 34) (i32.const 1024) (i32.const 56))
    (call $check (call $fd_close (local.get $fd)) (i32.const 57))
    ;; append set by a thread on an fd main opened
    (local.set $fd (call $create (i32.const 272) (i32.const 9) (i32.const 1024) (i32.const 58)))
    (call $write (local.get $fd) (i32.const 352) (i32.const 6) (i32.const 1024) (i32.const 58))
    (if (i32.and (call $fdflags (local.get $fd) (i32.const 1024) (i32.const 58)) (i32.const 1)) (then (call $proc_exit (i32.const 58))))
    (i32.atomic.store (i32.const 20) (local.get $fd))
    (if (i32.lt_s (call $spawn (i32.const 1)) (i32.const 1)) (then (call $proc_exit (i32.const 50))))
    (call $join (i32.const 2) (i32.const 51))
    (if (i32.ne (i32.and (call $fdflags (local.get $fd) (i32.const 1024) (i32.const 59)) (i32.const 1)) (i32.const 1))
      (then (call $proc_exit (i32.const 59))))
    (call $seek0 (local.get $fd) (i32.const 53))
    (call $write (local.get $fd) (i32.const 368) (i32.const 7) (i32.const 1024) (i32.const 52))
    (call $write (i32.const 1) (i32.const 384) (i32.const 11) (i32.const 1024) (i32.const 56))
    (call $check (call $fd_close (local.get $fd)) (i32.const 57))))
