//! wasi-threads: thread ids and the thread limit (`guests/wat/threads_spawn_limit.wat`, run
//! with `max_threads(2)`).

use crate::threads_util::ThreadedGuest;
use std::collections::HashSet;

#[test]
fn spawning_past_the_limit_returns_a_negative_id_and_ids_are_distinct_and_in_range() {
    let outcome = ThreadedGuest::new("threads_spawn_limit").max_threads(2).run();
    outcome.assert_clean();
    assert_eq!(outcome.stdout.len(), 80, "{outcome:?}");
    let words: Vec<i32> = outcome.stdout.chunks(4).map(|w| i32::from_le_bytes(w.try_into().unwrap())).collect();
    let (returned, given) = words.split_at(10);
    // Threads 0 and 1 are alive (blocked on a wait), so 2 and 3 are refused.
    assert!(returned[2] < 0 && returned[3] < 0, "spawns past the limit returned {returned:?}");
    assert_eq!(&given[2..4], [0, 0], "refused threads must never run: {given:?}");
    let mut seen = HashSet::new();
    for k in [0, 1, 4, 5, 6, 7, 8, 9] {
        let id = returned[k];
        assert!((1..1 << 29).contains(&id), "thread {k} got id {id}");
        assert!(seen.insert(id), "id {id} handed out twice: {returned:?}");
        assert_eq!(given[k], id, "thread {k} was started with another id than thread-spawn returned");
    }
}

/// A module that defines its own (unshared) memory and still calls `thread-spawn`: the
/// wasi-threads proposal wants an imported shared memory, so a host may refuse the spawn,
/// or run the thread on the new instance's own memory; it must not panic. capwasi clones
/// the spawning store's data, including the `Memory` handle it cached on main's first WASI
/// call, so the thread's first WASI call uses a memory of another store: Wasmtime panics
/// ("object used with the wrong store") on the wasi thread, the panic is not caught, the
/// program is not ended, and `running()` never goes back down.
#[test]
fn thread_spawn_from_a_module_with_unshared_memory_does_not_panic_the_host() {
    let outcome = ThreadedGuest::wat(
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 256) "main\n")
  (data (i32.const 272) "thread\n")
  (data (i32.const 288) "refused\n")
  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 16) (local.get $ptr))
    (i32.store (i32.const 20) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24))))
  (func (export "wasi_thread_start") (param i32 i32)
    (call $print (i32.const 272) (i32.const 7)))
  (func (export "_start")
    (call $print (i32.const 256) (i32.const 5))
    (if (i32.lt_s (call $spawn (i32.const 0)) (i32.const 1))
      (then (call $print (i32.const 288) (i32.const 8)) (return)))
    ;; give the thread 500 ms (no atomics on an unshared memory)
    (i64.store (i32.const 512) (i64.const 0))
    (i64.store (i32.const 520) (i64.const 0))
    (i64.store (i32.const 528) (i64.const 1))
    (i64.store (i32.const 536) (i64.const 500000000))
    (i64.store (i32.const 544) (i64.const 0))
    (i64.store (i32.const 552) (i64.const 0))
    (drop (call $poll_oneoff (i32.const 512) (i32.const 600) (i32.const 1) (i32.const 640)))))"#,
    )
    .deadline(std::time::Duration::from_secs(10))
    .run();
    outcome.assert_clean();
    let stdout = outcome.stdout_text();
    assert!(stdout == "main\nrefused\n" || stdout == "main\nthread\n", "{stdout:?}");
}
