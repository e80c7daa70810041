//! The command-line embedder (src/main.rs) ends its process the way the guest ended, with
//! `maybe_exit_on_error`.

use std::process::Command;

fn run(name: &str, wat: &str) -> std::process::Output {
    let dir = crate::scratch_dir(name);
    let module = dir.join("guest.wat");
    std::fs::write(&module, wat).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_wasi-common-embedder")).arg(&module).output().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    output
}

#[test]
fn the_guests_exit_status_is_the_process_status() {
    let output = run(
        "exit",
        r#"(module
          (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "bye\n")
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 4))
            (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
            (call $exit (i32.const 42))))"#,
    );
    assert_eq!(output.status.code(), Some(42));
    assert_eq!(output.stdout, b"bye\n");
}

#[test]
fn a_trap_exits_like_an_abort() {
    let output = run(
        "trap",
        r#"(module (memory (export "memory") 1) (func (export "_start") unreachable))"#,
    );
    assert_eq!(output.status.code(), Some(134));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unreachable"), "{output:?}");
}
