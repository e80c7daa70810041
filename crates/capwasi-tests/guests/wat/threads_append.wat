;; wasi-threads: 8 threads append 50 records each to one file and print 50 lines each.
;;
;; Main creates `log.txt` under preopen fd 3 with O_APPEND and stores the fd
;; at address 4, spawns threads 0..7 (start arg k), and joins them on the counter at address
;; 0 with memory.atomic.wait32 (1 s timeouts, at most 60 rounds, then proc_exit(22)).
;;
;; Thread k's buffers are at 1024 + 512k. A record is 64 bytes, written by one fd_write of
;; two iovecs (20 + 44 bytes): 'A'+k, two digits of the record number, 60 bytes 'a'+k, '\n'.
;; A stdout line is 24 bytes, also two iovecs (10 + 14): "thread K record NN done\n".
;; Any failed call exits with a distinct status (10-13 in threads, 20-22 in main).
;;
;; Data segments are re-applied whenever a thread instantiates the module, so they hold only
;; constants.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "env" "memory" (memory 1 1 shared))
  (export "memory" (memory 0))

  (data (i32.const 256) "log.txt")
  (data (i32.const 272) "thread K record NN done\n")

  (func $check (param $errno i32) (param $status i32)
    (if (local.get $errno) (then (call $proc_exit (local.get $status)))))

  (func (export "wasi_thread_start") (param $tid i32) (param $k i32)
    (local $base i32) (local $n i32) (local $fd i32)
    (local.set $base (i32.add (i32.const 1024) (i32.mul (local.get $k) (i32.const 512))))
    (local.set $fd (i32.atomic.load (i32.const 4)))
    ;; the record: 'A'+k, NN, 60 x 'a'+k, '\n'
    (memory.fill (local.get $base) (i32.add (i32.const 97) (local.get $k)) (i32.const 63))
    (i32.store8 (local.get $base) (i32.add (i32.const 65) (local.get $k)))
    (i32.store8 offset=63 (local.get $base) (i32.const 10))
    ;; the line
    (memory.copy (i32.add (local.get $base) (i32.const 64)) (i32.const 272) (i32.const 24))
    (i32.store8 offset=71 (local.get $base) (i32.add (i32.const 48) (local.get $k)))
    (loop $each
      (i32.store8 offset=1 (local.get $base) (i32.add (i32.const 48) (i32.div_u (local.get $n) (i32.const 10))))
      (i32.store8 offset=2 (local.get $base) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (i32.store8 offset=80 (local.get $base) (i32.add (i32.const 48) (i32.div_u (local.get $n) (i32.const 10))))
      (i32.store8 offset=81 (local.get $base) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      ;; the record, two iovecs
      (i32.store offset=128 (local.get $base) (local.get $base))
      (i32.store offset=132 (local.get $base) (i32.const 20))
      (i32.store offset=136 (local.get $base) (i32.add (local.get $base) (i32.const 20)))
      (i32.store offset=140 (local.get $base) (i32.const 44))
      (call $check
        (call $fd_write (local.get $fd) (i32.add (local.get $base) (i32.const 128)) (i32.const 2)
          (i32.add (local.get $base) (i32.const 160)))
        (i32.const 10))
      (if (i32.ne (i32.load offset=160 (local.get $base)) (i32.const 64)) (then (call $proc_exit (i32.const 11))))
      ;; the line, two iovecs
      (i32.store offset=128 (local.get $base) (i32.add (local.get $base) (i32.const 64)))
      (i32.store offset=132 (local.get $base) (i32.const 10))
      (i32.store offset=136 (local.get $base) (i32.add (local.get $base) (i32.const 74)))
      (i32.store offset=140 (local.get $base) (i32.const 14))
      (call $check
        (call $fd_write (i32.const 1) (i32.add (local.get $base) (i32.const 128)) (i32.const 2)
          (i32.add (local.get $base) (i32.const 160)))
        (i32.const 12))
      (if (i32.ne (i32.load offset=160 (local.get $base)) (i32.const 24)) (then (call $proc_exit (i32.const 13))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $each (i32.lt_u (local.get $n) (i32.const 50))))
    (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
    (drop (memory.atomic.notify (i32.const 0) (i32.const 1))))

  (func (export "_start")
    (local $k i32) (local $seen i32) (local $rounds i32)
    ;; path_open(3, no follow, "log.txt", creat, read|seek|set_flags|tell|write|filestat_get, 0, append, @8)
    (call $check
      (call $path_open (i32.const 3) (i32.const 0) (i32.const 256) (i32.const 7) (i32.const 1)
        (i64.const 2097262) (i64.const 0) (i32.const 1) (i32.const 8))
      (i32.const 20))
    (i32.atomic.store (i32.const 4) (i32.load (i32.const 8)))
    (loop $spawn
      (if (i32.lt_s (call $spawn (local.get $k)) (i32.const 1)) (then (call $proc_exit (i32.const 21))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $spawn (i32.lt_u (local.get $k) (i32.const 8))))
    (loop $join
      (local.set $seen (i32.atomic.load (i32.const 0)))
      (if (i32.lt_u (local.get $seen) (i32.const 8))
        (then
          (if (i32.ge_u (local.get $rounds) (i32.const 60)) (then (call $proc_exit (i32.const 22))))
          (local.set $rounds (i32.add (local.get $rounds) (i32.const 1)))
          (drop (memory.atomic.wait32 (i32.const 0) (local.get $seen) (i64.const 1000000000)))
          (br $join))))))
