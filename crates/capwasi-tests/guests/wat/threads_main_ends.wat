;; wasi-threads: main ends while a spawned thread is still blocked.
;;
;; The thread raises the flag at address 4 (notifying it), then waits on address 0, which
;; nobody changes, for up to 30 s and prints "thread woke\n" (which should never be seen).
;; Main waits for the flag, prints "main ending\n", then returns from _start when run with
;; no arguments, or calls proc_exit(3) when given any. Failures exit with 80-82.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "env" "memory" (memory 1 1 shared))
  (export "memory" (memory 0))

  (data (i32.const 256) "main ending\n")
  (data (i32.const 272) "thread woke\n")

  (func $print (param $ptr i32) (param $len i32) (param $scratch i32)
    (i32.store (local.get $scratch) (local.get $ptr))
    (i32.store offset=4 (local.get $scratch) (local.get $len))
    (if (call $fd_write (i32.const 1) (local.get $scratch) (i32.const 1) (i32.add (local.get $scratch) (i32.const 8)))
      (then (call $proc_exit (i32.const 80)))))

  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32)
    (i32.atomic.store (i32.const 4) (i32.const 1))
    (drop (memory.atomic.notify (i32.const 4) (i32.const -1)))
    (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 30000000000)))
    (call $print (i32.const 272) (i32.const 12) (i32.const 1024)))

  (func (export "_start")
    (local $rounds i32)
    (if (i32.lt_s (call $spawn (i32.const 0)) (i32.const 1)) (then (call $proc_exit (i32.const 81))))
    (loop $flag
      (if (i32.eqz (i32.atomic.load (i32.const 4)))
        (then
          (if (i32.ge_u (local.get $rounds) (i32.const 30)) (then (call $proc_exit (i32.const 82))))
          (local.set $rounds (i32.add (local.get $rounds) (i32.const 1)))
          (drop (memory.atomic.wait32 (i32.const 4) (i32.const 0) (i64.const 1000000000)))
          (br $flag))))
    (call $print (i32.const 256) (i32.const 12) (i32.const 2048))
    (if (call $args_sizes_get (i32.const 512) (i32.const 516)) (then (call $proc_exit (i32.const 80))))
    (if (i32.gt_u (i32.load (i32.const 512)) (i32.const 1)) (then (call $proc_exit (i32.const 3))))))
