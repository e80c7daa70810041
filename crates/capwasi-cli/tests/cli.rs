//! `capwasi run` as a user runs it: the real binary, real stdio, real exit statuses.
//!
//! Guests are the C programs of `capwasi-tests` (built and cached by its harness) and WAT
//! files written to a temporary directory.

use capwasi_tests::c_guest;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn capwasi() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_capwasi"));
    command.arg("run").stdin(Stdio::null());
    command
}

fn run(args: &[&str]) -> Output {
    capwasi().args(args).output().expect("spawning capwasi")
}

/// The lines `reader` yields, as they come, from a thread of their own.
fn lines_of(reader: impl std::io::Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    let (send, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(reader)) {
            let Ok(line) = line else { break };
            if send.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

/// Everything `reader` yields until its end, read on a thread of its own.
fn read_all(mut reader: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut reader, &mut text);
        text
    })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn guest(name: &str) -> String {
    c_guest(name).to_str().expect("UTF-8 path").to_string()
}

/// Writes `wat` to `NAME.wat` in a fresh temporary directory, returned with the path.
fn wat_file(name: &str, wat: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.wat"));
    std::fs::write(&path, wat).unwrap();
    (dir, path)
}

#[track_caller]
fn assert_status(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "--- stdout ---\n{}\n--- stderr ---\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

/// Asserts stderr is exactly one line, starting with `error: `, and returns it.
#[track_caller]
fn one_line_error(output: &Output) -> String {
    let stderr = text(&output.stderr);
    assert!(stderr.starts_with("error: ") && stderr.ends_with('\n'), "{stderr:?}");
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    stderr
}

#[test]
fn hello_prints_and_exits_0() {
    let output = run(&[&guest("hello")]);
    assert_status(&output, 0);
    assert_eq!(text(&output.stdout), "Hello, world!\n");
    assert_eq!(text(&output.stderr), "");
}

#[test]
fn guest_exit_statuses_3_and_255_become_the_process_status() {
    let module = guest("exit_code");
    for (mode, code) in [("exit", 3), ("exit", 255), ("raw", 3), ("raw", 255), ("return", 3), ("return", 255), ("exit", 0)] {
        let output = run(&[&module, mode, &code.to_string()]);
        assert_status(&output, code);
        assert_eq!(text(&output.stdout), format!("{mode} {code}\n"));
    }
}

#[test]
fn guest_exit_status_above_255_is_reported_as_1_not_success() {
    let output = run(&[&guest("exit_code"), "raw", "256"]);
    assert_status(&output, 1);
}

#[test]
fn proc_raise_term_exits_with_143() {
    let output = run(&[&guest("sched_proc"), "raise", "15"]);
    assert_status(&output, 128 + 15);
    assert_eq!(text(&output.stdout), "raising 15\n");
}

#[test]
fn real_stdin_reaches_the_guest_and_comes_back_on_stdout() {
    let payload: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let mut child = capwasi()
        .arg(guest("stdin_echo"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning capwasi");
    let mut stdin = child.stdin.take().unwrap();
    let writer = {
        let payload = payload.clone();
        std::thread::spawn(move || {
            stdin.write_all(&payload).unwrap();
            // Dropping stdin closes the pipe: the guest reads end of file.
        })
    };
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_status(&output, 0);
    assert!(output.stdout == payload, "echoed {} bytes, sent {}", output.stdout.len(), payload.len());
    let stderr = text(&output.stderr);
    assert!(stderr.starts_with("copied 300000 bytes in ") && stderr.ends_with(" reads\n"), "{stderr:?}");
}

#[test]
fn env_flags_set_values_and_inherit_named_host_variables_only() {
    let output = capwasi()
        .env("CAPWASI_CLI_TEST_INHERITED", "from host héllo")
        .env_remove("CAPWASI_CLI_TEST_MISSING")
        .args([
            "--env",
            "K=V",
            "--env",
            "EMPTY=",
            "--env",
            "EQ=a=b",
            "--env",
            "CAPWASI_CLI_TEST_INHERITED",
            "--env",
            "CAPWASI_CLI_TEST_MISSING",
        ])
        .arg(guest("args_env"))
        .output()
        .unwrap();
    assert_status(&output, 0);
    let module = guest("args_env");
    let argv0 = file_name(&module);
    assert_eq!(
        text(&output.stdout),
        format!(
            "arg[0]={argv0}\n\
             env:K=V\n\
             env:EMPTY=\n\
             env:EQ=a=b\n\
             env:CAPWASI_CLI_TEST_INHERITED=from host héllo\n\
             getenv(EMPTY): set and empty\n"
        )
    );
}

#[test]
fn host_environment_is_not_passed_without_flags() {
    let output = capwasi().env("CAPWASI_CLI_TEST_SECRET", "x").arg(guest("args_env")).output().unwrap();
    assert_status(&output, 0);
    assert_eq!(text(&output.stdout), format!("arg[0]={}\ngetenv(EMPTY): unset\n", file_name(&guest("args_env"))));
}

#[test]
fn dir_flags_preopen_host_directories_under_guest_names() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let output = run(&[
        "--dir",
        &format!("{}::/a", a.path().display()),
        "--dir",
        &format!("{}::/b/c", b.path().display()),
        &guest("preopens"),
    ]);
    assert_status(&output, 0);
    assert_eq!(text(&output.stdout), "3 /a\n4 /b/c\n2 preopens\n");
}

#[test]
fn dir_flag_without_guest_name_uses_the_host_path() {
    let a = tempfile::tempdir().unwrap();
    let host = a.path().to_str().unwrap();
    let output = run(&["--dir", host, &guest("preopens")]);
    assert_status(&output, 0);
    assert_eq!(text(&output.stdout), format!("3 {host}\n1 preopens\n"));
}

#[test]
fn dir_flag_naming_a_missing_host_directory_is_a_one_line_error() {
    let missing = tempfile::tempdir().unwrap().path().join("missing");
    let output = run(&["--dir", &format!("{}::/m", missing.display()), &guest("hello")]);
    assert_status(&output, 1);
    let error = one_line_error(&output);
    assert!(error.contains("missing"), "{error}");
    assert_eq!(text(&output.stdout), "");
}

#[test]
fn dir_flag_with_empty_host_or_guest_is_a_one_line_error() {
    for spec in ["::/x", "/tmp::"] {
        let output = run(&["--dir", spec, &guest("hello")]);
        assert_status(&output, 1);
        one_line_error(&output);
        assert_eq!(text(&output.stdout), "");
    }
}

/// The file name of `path`: what `capwasi run` passes as argv[0], as `wasmtime run` does.
fn file_name(path: &str) -> String {
    std::path::Path::new(path).file_name().unwrap().to_str().unwrap().to_string()
}

#[test]
fn argv0_is_the_module_file_name_without_its_directories() {
    let module = guest("args_env");
    assert!(module.contains('/'), "{module}");
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("sub").join("tool.wasm");
    std::fs::create_dir(copy.parent().unwrap()).unwrap();
    std::fs::copy(&module, &copy).unwrap();
    let output = run(&[copy.to_str().unwrap(), "x"]);
    assert_status(&output, 0);
    assert_eq!(text(&output.stdout), "arg[0]=tool.wasm\narg[1]=x\ngetenv(EMPTY): unset\n");
}

#[test]
fn argv0_flag_overrides_the_program_name() {
    let module = guest("args_env");
    let output = run(&["--argv0", "tool", &module, "--argv0", "y"]);
    assert_status(&output, 0);
    // A second --argv0 after the module is the program's own argument.
    assert_eq!(text(&output.stdout), "arg[0]=tool\narg[1]=--argv0\narg[2]=y\ngetenv(EMPTY): unset\n");
}

#[test]
fn arguments_after_the_module_reach_the_guest_verbatim() {
    let module = guest("args_env");
    let argv0 = file_name(&module);
    let output = run(&[&module, "plain", "", "héllo", "日本", "-x", "--", "--env"]);
    assert_status(&output, 0);
    assert_eq!(
        text(&output.stdout),
        format!(
            "arg[0]={argv0}\narg[1]=plain\narg[2]=\narg[3]=héllo\narg[4]=日本\narg[5]=-x\narg[6]=--\narg[7]=--env\n\
             getenv(EMPTY): unset\n"
        )
    );
}

#[test]
fn arguments_after_double_dash_reach_the_guest() {
    let module = guest("args_env");
    let argv0 = file_name(&module);
    let output = run(&["--env", "A=1", "--", &module, "x", "--env", "B=2", "--dir", "/"]);
    assert_status(&output, 0);
    assert_eq!(
        text(&output.stdout),
        format!("arg[0]={argv0}\narg[1]=x\narg[2]=--env\narg[3]=B=2\narg[4]=--dir\narg[5]=/\nenv:A=1\ngetenv(EMPTY): unset\n")
    );
    // After the module everything is the program's, a `--` included.
    let output = run(&[&module, "--", "a", "b"]);
    assert_status(&output, 0);
    assert_eq!(text(&output.stdout), format!("arg[0]={argv0}\narg[1]=--\narg[2]=a\narg[3]=b\ngetenv(EMPTY): unset\n"));
}

#[test]
fn capwasi_flags_right_after_the_module_reach_the_guest() {
    let module = guest("args_env");
    let argv0 = file_name(&module);
    let output = run(&[&module, "--env", "B=2", "--dir", "/"]);
    assert_status(&output, 0);
    assert_eq!(
        text(&output.stdout),
        format!("arg[0]={argv0}\narg[1]=--env\narg[2]=B=2\narg[3]=--dir\narg[4]=/\ngetenv(EMPTY): unset\n")
    );
}

#[test]
fn wat_module_runs() {
    let (_dir, path) = wat_file(
        "greet",
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 8) "\10\00\00\00\0f\00\00\00")
  (data (i32.const 16) "hello from wat\n")
  (func (export "_start")
    (call $proc_exit (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 0)))))"#,
    );
    let output = run(&[path.to_str().unwrap()]);
    assert_status(&output, 0);
    assert_eq!(text(&output.stdout), "hello from wat\n");
    assert_eq!(text(&output.stderr), "");
}

#[test]
fn trapping_module_exits_134_with_the_trap_on_stderr() {
    let (_dir, path) = wat_file("trap", r#"(module (memory (export "memory") 1) (func (export "_start") unreachable))"#);
    let output = run(&[path.to_str().unwrap()]);
    assert_status(&output, 134);
    let stderr = text(&output.stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("unreachable"), "{stderr}");
    assert_eq!(text(&output.stdout), "");
}

#[test]
fn missing_module_is_a_one_line_error() {
    let missing = tempfile::tempdir().unwrap().path().join("nope.wasm");
    let output = run(&[missing.to_str().unwrap()]);
    assert_status(&output, 1);
    let error = one_line_error(&output);
    assert!(error.contains("nope.wasm"), "{error}");
}

#[test]
fn directory_as_module_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(&[dir.path().to_str().unwrap()]);
    assert_status(&output, 1);
    one_line_error(&output);
}

#[test]
fn unknown_flag_is_an_error_naming_it_and_runs_nothing() {
    let output = run(&["--bogus", &guest("hello")]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().next(), Some("error: unexpected argument '--bogus' found"), "{stderr}");
    // clap follows the error with a usage hint, but reports one error only.
    assert_eq!(stderr.lines().filter(|l| l.starts_with("error")).count(), 1, "{stderr}");
    assert_eq!(text(&output.stdout), "");
}

#[test]
fn module_without_start_is_a_one_line_error() {
    let (_dir, path) = wat_file("lib", r#"(module (func (export "f")))"#);
    let output = run(&[path.to_str().unwrap()]);
    assert_status(&output, 1);
    let error = one_line_error(&output);
    assert!(error.contains("_start"), "{error}");
}

const ARITH: &str = r#"(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "neg") (result i32) (i32.const -7))
  (func (export "wide") (param i64) (result i64) (i64.mul (local.get 0) (i64.const 2))))"#;

#[test]
fn invoke_prints_the_i32_result() {
    let (_dir, path) = wat_file("arith", ARITH);
    let path = path.to_str().unwrap();
    let output = run(&["--invoke", "add", path, "40", "2"]);
    assert_status(&output, 0);
    assert_eq!(text(&output.stdout), "42\n");
    let output = run(&["--invoke", "neg", path]);
    assert_status(&output, 0);
    assert_eq!(text(&output.stdout), "-7\n");
    let output = run(&["--invoke", "wide", path, "-4000000000"]);
    assert_status(&output, 0);
    assert_eq!(text(&output.stdout), "-8000000000\n");
}

#[test]
fn invoke_with_wrong_arity_or_unknown_export_is_a_one_line_error() {
    let (_dir, path) = wat_file("arith", ARITH);
    let path = path.to_str().unwrap();
    for args in [&["--invoke", "add", path, "1"][..], &["--invoke", "nope", path], &["--invoke", "add", path, "1", "x"]] {
        let output = run(args);
        assert_status(&output, 1);
        one_line_error(&output);
        assert_eq!(text(&output.stdout), "");
    }
}


/// A running `capwasi run` whose stdin the test writes and whose stdout it reads line by
/// line. Every wait has a deadline; the child is killed if the test fails or gives up.
struct Interactive {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    lines: std::sync::mpsc::Receiver<String>,
    stdout: Vec<String>,
    stderr: std::thread::JoinHandle<String>,
}

impl Interactive {
    fn spawn(args: &[&str]) -> Interactive {
        let mut child = capwasi()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning capwasi");
        let stdin = child.stdin.take();
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        let lines = lines_of(out);
        let stderr = read_all(err);
        Interactive { child, stdin, lines, stdout: Vec::new(), stderr }
    }

    /// The next stdout line, waiting at most 20 s (module compilation included).
    #[track_caller]
    fn next_line(&mut self) -> String {
        match self.lines.recv_timeout(std::time::Duration::from_secs(20)) {
            Ok(line) => {
                self.stdout.push(line.clone());
                line
            }
            Err(err) => panic!("no stdout line ({err}); so far: {:?}", self.stdout),
        }
    }

    #[track_caller]
    fn expect_line(&mut self, expected: &str) {
        let line = self.next_line();
        assert_eq!(line, expected, "stdout so far: {:?}", self.stdout);
    }

    fn write(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits (at most 20 s) for the child to exit; returns its status code, the rest of
    /// stdout and stderr. stdin stays open until then unless closed before.
    #[track_caller]
    fn finish(mut self) -> (Option<i32>, Vec<String>, String) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("capwasi did not exit within 20 s; stdout so far: {:?}", self.stdout);
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        let mut rest = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(std::time::Duration::from_secs(5)) {
            rest.push(line);
        }
        let stderr = std::mem::replace(&mut self.stderr, std::thread::spawn(String::new));
        (status.code(), rest, stderr.join().unwrap())
    }
}

impl Drop for Interactive {
    fn drop(&mut self) {
        // Ends the child if the test failed before `finish` (finish leaves an exited child).
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[test]
fn poll_on_real_stdin_wakes_when_the_host_writes_after_a_delay() {
    let mut guest = Interactive::spawn(&[&guest("poll_stdin"), "wait"]);
    guest.expect_line("polling");
    std::thread::sleep(std::time::Duration::from_millis(300));
    guest.write(b"ping\n");
    let (code, rest, stderr) = guest.finish();
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        rest,
        ["nevents 1", "event 1 error 0 type 1 nbytes 5 flags 0", "waited in [250, 2000) ms", "read 5: ping\\n"],
        "{stderr}"
    );
}

#[test]
fn poll_on_real_stdin_times_out_when_the_host_never_writes() {
    let mut guest = Interactive::spawn(&[&guest("poll_stdin"), "timeout"]);
    guest.expect_line("polling");
    // The pipe stays open (nothing written) until the guest has exited.
    let (code, rest, stderr) = guest.finish();
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(rest, ["nevents 1", "event 2 error 0 type 0 nbytes 0 flags 0", "waited in [300, 1300) ms"], "{stderr}");
}

#[test]
fn poll_on_real_stdin_reports_hangup_when_the_host_closes_the_pipe() {
    let mut guest = Interactive::spawn(&[&guest("poll_stdin"), "hangup"]);
    guest.expect_line("polling");
    std::thread::sleep(std::time::Duration::from_millis(100));
    guest.close_stdin();
    let (code, rest, stderr) = guest.finish();
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        rest,
        ["nevents 1", "event 1 error 0 type 1 nbytes 0 flags 1", "waited in [0, 5000) ms", "read 0: "],
        "{stderr}"
    );
}

#[test]
fn nonblocking_read_of_real_stdin_gets_again_until_the_host_writes() {
    let mut guest = Interactive::spawn(&[&guest("poll_stdin"), "nonblock"]);
    guest.expect_line("nonblock before: no");
    guest.expect_line("nonblock after: yes");
    guest.expect_line("read: errno 6");
    guest.expect_line("waiting for data");
    std::thread::sleep(std::time::Duration::from_millis(100));
    guest.write(b"ping\n");
    guest.expect_line("nevents 1");
    guest.expect_line("event 1 error 0 type 1 nbytes 5 flags 0");
    guest.expect_line("read 5: ping\\n");
    guest.expect_line("read: errno 6");
    guest.expect_line("waiting for close");
    guest.close_stdin();
    let (code, rest, stderr) = guest.finish();
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        rest,
        ["nevents 1", "event 1 error 0 type 1 nbytes 0 flags 1", "read 0: ", "nonblock cleared: yes"],
        "{stderr}"
    );
}

/// capwasi emulates `nonblock` on host stdio rather than setting `O_NONBLOCK` on the host
/// descriptor, which the guest shares with its parent (a shell's terminal, here the test's
/// pipe). While the guest has `nonblock` set, the capwasi process's fd 0 has no `O_NONBLOCK`.
#[cfg(target_os = "linux")]
#[test]
fn nonblock_on_guest_stdin_does_not_leak_to_the_host_descriptor() {
    let mut guest = Interactive::spawn(&[&guest("poll_stdin"), "nonblock"]);
    guest.expect_line("nonblock before: no");
    guest.expect_line("nonblock after: yes");
    guest.expect_line("read: errno 6");
    guest.expect_line("waiting for data");
    let fdinfo = std::fs::read_to_string(format!("/proc/{}/fdinfo/0", guest.child.id())).unwrap();
    let flags = fdinfo.lines().find_map(|l| l.strip_prefix("flags:")).expect("flags line").trim();
    let flags = u32::from_str_radix(flags, 8).unwrap();
    assert_eq!(flags & 0o4000, 0, "O_NONBLOCK is set on the host's stdin (flags {flags:o})");
    guest.write(b"ping\n");
    guest.close_stdin();
    let (code, _, stderr) = guest.finish();
    assert_eq!(code, Some(0), "{stderr}");
}

/// Nonblocking writes to a real pipe: with `nonblock` set on stdout and nobody reading, the
/// guest's writes fill the pipe and then get `again` (6) instead of blocking; a poll for
/// writing then times out (only the 200 ms clock fires), and once the test drains the pipe
/// the poll reports fd 1 writable. Everything the guest counted as written arrives.
///
/// The guest writes 256 KiB at a time, more than a Linux pipe holds (64 KiB): a nonblocking
/// write must then write what fits and return the count. capwasi's emulated nonblock only
/// checks that the pipe is writable at all and then makes a blocking write of the whole
/// buffer, which waits for a reader (the test kills the guest after 10 s). With 4 KiB
/// writes the same test passes.
#[test]
fn nonblocking_write_to_a_full_stdout_pipe_gets_again_instead_of_blocking() {
    use std::io::Read;
    let mut child = capwasi()
        .args([&guest("poll_stdin"), "stdout_nonblock"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning capwasi");
    let mut stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let lines = lines_of(stderr);
    let mut seen = Vec::new();
    let next = |seen: &mut Vec<String>, child: &mut std::process::Child| -> String {
        match lines.recv_timeout(std::time::Duration::from_secs(10)) {
            Ok(line) => {
                seen.push(line.clone());
                line
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("guest stuck (a nonblocking write blocked?); stderr so far: {seen:?}");
            }
        }
    };
    assert_eq!(next(&mut seen, &mut child), "nonblock set");
    let wrote = next(&mut seen, &mut child);
    let total: u64 = wrote
        .strip_prefix("wrote ")
        .and_then(|rest| rest.strip_suffix(" bytes then errno 6"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| {
            let _ = child.kill();
            panic!("{wrote:?}")
        });
    assert!(total > 0 && total < 64 * 1024 * 1024, "{wrote}");
    assert_eq!(next(&mut seen, &mut child), "full pipe: nevents 1, first userdata 2");
    assert_eq!(next(&mut seen, &mut child), "drain me");
    let mut received = Vec::new();
    stdout.read_to_end(&mut received).unwrap();
    assert_eq!(next(&mut seen, &mut child), "drained: nevents 1, event 1 error 0 type 2 flags 0");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{seen:?}");
    assert_eq!(received.len() as u64, total);
}

#[test]
fn poll_for_writing_on_stdout_with_no_reader_reports_hangup() {
    let mut child = capwasi()
        .args([&guest("poll_stdin"), "stdout_hangup"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning capwasi");
    // Close the reading end before the guest polls (it is still compiling).
    drop(child.stdout.take());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("capwasi did not exit within 20 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let output = child.wait_with_output().unwrap();
    assert_status(&output, 0);
    assert_eq!(
        text(&output.stderr),
        "nevents 1\nevent 1 error 0 type 2 nbytes 0 flags 1\nwrite: errno 64\n"
    );
}

#[test]
fn wasi_unstable_only_module_writes_stdout_and_exits_5() {
    let (_dir, path) = wat_file(
        "unstable",
        r#"(module
  (import "wasi_unstable" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 8) "\10\00\00\00\19\00\00\00")
  (data (i32.const 16) "hello from wasi_unstable\n")
  (func (export "_start")
    (if (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 0)) (then unreachable))
    (if (i32.ne (i32.load (i32.const 0)) (i32.const 25)) (then unreachable))
    (call $proc_exit (i32.const 5))))"#,
    );
    let output = run(&[path.to_str().unwrap()]);
    assert_status(&output, 5);
    assert_eq!(text(&output.stdout), "hello from wasi_unstable\n");
    assert_eq!(text(&output.stderr), "");
}

/// Snapshot 0 numbers whence cur 0, end 1, set 2: seeking 3 before the end (whence 1) of a
/// `--dir` file and reading prints its last 3 bytes (preview1's whence 1 would be cur).
#[test]
fn wasi_unstable_only_module_seeks_from_the_end_of_a_dir_file() {
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("f.txt"), "0123456789xyz").unwrap();
    let (_dir, path) = wat_file(
        "unstable_seek",
        r#"(module
  (import "wasi_unstable" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_unstable" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_unstable" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0x100) "f.txt")
  (func $check (param $errno i32) (if (local.get $errno) (then (call $proc_exit (local.get $errno)))))
  (func (export "_start")
    ;; fd_read | fd_seek | fd_tell
    (call $check (call $path_open (i32.const 3) (i32.const 0) (i32.const 0x100) (i32.const 5) (i32.const 0)
      (i64.const 0x26) (i64.const 0) (i32.const 0) (i32.const 0x10)))
    (call $check (call $fd_seek (i32.load (i32.const 0x10)) (i64.const -3) (i32.const 1) (i32.const 0x18)))
    (if (i64.ne (i64.load (i32.const 0x18)) (i64.const 10)) (then (call $proc_exit (i32.const 100))))
    ;; read up to 8 bytes into 0x200, then write what was read and a newline
    (i32.store (i32.const 0x20) (i32.const 0x200))
    (i32.store (i32.const 0x24) (i32.const 8))
    (call $check (call $fd_read (i32.load (i32.const 0x10)) (i32.const 0x20) (i32.const 1) (i32.const 0x28)))
    (i32.store8 (i32.add (i32.const 0x200) (i32.load (i32.const 0x28))) (i32.const 10))
    (i32.store (i32.const 0x24) (i32.add (i32.load (i32.const 0x28)) (i32.const 1)))
    (call $check (call $fd_write (i32.const 1) (i32.const 0x20) (i32.const 1) (i32.const 0x28)))))"#,
    );
    let dir_flag = format!("{}::/data", data.path().display());
    let output = run(&["--dir", &dir_flag, path.to_str().unwrap()]);
    assert_status(&output, 0);
    assert_eq!(text(&output.stdout), "xyz\n");
    assert_eq!(text(&output.stderr), "");
}

// wasi-threads (`-S threads`, `-W threads=y,shared-memory=y`), with the WAT guests of
// capwasi-tests' `guests/wat/threads_*.wat` (each documents its memory layout and statuses).

/// `capwasi-tests/guests/wat/NAME.wat`.
fn threads_guest(name: &str) -> String {
    let path = capwasi_tests::crate_dir().join("guests/wat").join(format!("{name}.wat"));
    path.to_str().expect("UTF-8 path").to_string()
}

/// Runs `capwasi run ARGS`, killing it (and failing) if it has not ended within `limit`;
/// returns its output and how long it ran.
fn threads_run_timed(args: &[&str], limit: std::time::Duration) -> (Output, std::time::Duration) {
    use std::io::Read;
    let start = std::time::Instant::now();
    let mut child = capwasi()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning capwasi");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = out.read_to_end(&mut bytes);
        bytes
    });
    let err = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = err.read_to_end(&mut bytes);
        bytes
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for capwasi") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("capwasi {args:?} still running after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let elapsed = start.elapsed();
    (Output { status, stdout: out.join().unwrap(), stderr: err.join().unwrap() }, elapsed)
}

/// Checks what `threads_append.wat` leaves: 8 threads x 50 stdout lines
/// "thread K record NN done" and 8 x 50 log records of 64 bytes ('A'+k, NN, 60 x 'a'+k,
/// '\n'), each intact and each thread's in order.
fn threads_check_append(stdout: &[u8], log: &[u8]) {
    let stdout = text(stdout);
    assert_eq!(stdout.len(), 8 * 50 * 24, "stdout length");
    let mut next = [0usize; 8];
    for (i, line) in stdout.lines().enumerate() {
        let k = line.as_bytes().get(7).map_or(usize::MAX, |b| b.wrapping_sub(b'0') as usize);
        assert!(k < 8, "stdout line {i} is torn: {line:?}");
        assert_eq!(line, format!("thread {k} record {:02} done", next[k]), "stdout line {i}");
        next[k] += 1;
    }
    assert_eq!(next, [50; 8], "stdout lines per thread");
    assert_eq!(log.len(), 8 * 50 * 64, "log length");
    let mut next = [0usize; 8];
    for (i, record) in log.chunks(64).enumerate() {
        let k = record[0].wrapping_sub(b'A') as usize;
        assert!(k < 8, "record {i} is torn: {:?}", text(record));
        let mut expected = vec![b'a' + k as u8; 64];
        expected[0] = b'A' + k as u8;
        expected[1] = b'0' + (next[k] / 10) as u8;
        expected[2] = b'0' + (next[k] % 10) as u8;
        expected[63] = b'\n';
        assert!(record == expected.as_slice(), "record {i} is torn or out of order: {:?}", text(record));
        next[k] += 1;
    }
    assert_eq!(next, [50; 8], "records per thread");
}

/// Runs `threads_append.wat` with `flags` and a fresh directory as `/sandbox`, and checks
/// stdout, stderr, the status and the log.
fn threads_run_append(flags: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let dir_flag = format!("{}::/sandbox", dir.path().display());
    let module = threads_guest("threads_append");
    let mut args = flags.to_vec();
    args.extend(["--dir", &dir_flag, &module]);
    let (output, _) = threads_run_timed(&args, std::time::Duration::from_secs(120));
    assert_status(&output, 0);
    assert_eq!(text(&output.stderr), "");
    threads_check_append(&output.stdout, &std::fs::read(dir.path().join("log.txt")).unwrap());
}

#[test]
fn threads_eight_threads_append_whole_records_and_print_whole_lines_with_s_threads() {
    threads_run_append(&["-S", "threads"]);
}

#[test]
fn threads_w_threads_and_shared_memory_work_like_s_threads() {
    threads_run_append(&["-W", "threads=y,shared-memory=y"]);
    for flags in [["-S", "threads"], ["-W", "threads=y,shared-memory=y"]] {
        let module = threads_guest("threads_random_clock");
        let (output, _) = threads_run_timed(&[flags[0], flags[1], &module], std::time::Duration::from_secs(120));
        assert_status(&output, 0);
        assert_eq!(text(&output.stdout), "ok\n", "{flags:?}");
        assert_eq!(text(&output.stderr), "", "{flags:?}");
    }
}

#[test]
fn threads_proc_exit_7_in_a_thread_ends_the_process_with_7_while_main_polls_10_s() {
    let module = threads_guest("threads_exit_in_poll");
    let (output, elapsed) = threads_run_timed(&["-S", "threads", &module], std::time::Duration::from_secs(60));
    assert_status(&output, 7);
    // Main's 10 s poll_oneoff does not hold the process up.
    assert!(elapsed < std::time::Duration::from_secs(8), "took {elapsed:?}");
    assert_eq!(text(&output.stdout), "main polling\nthread exiting\n");
    assert_eq!(text(&output.stderr), "");
}

#[test]
fn threads_trap_in_a_thread_exits_1_with_the_trap_on_stderr_while_main_polls_10_s() {
    let module = threads_guest("threads_trap_in_poll");
    let (output, elapsed) = threads_run_timed(&["-S", "threads", &module], std::time::Duration::from_secs(60));
    assert_status(&output, 1);
    assert!(elapsed < std::time::Duration::from_secs(8), "took {elapsed:?}");
    assert_eq!(text(&output.stdout), "main polling\nthread trapping\n");
    let stderr = text(&output.stderr);
    assert!(stderr.starts_with("error: ") && stderr.contains("unreachable"), "{stderr:?}");
}

#[test]
fn threads_fds_are_shared_between_threads() {
    let dir = tempfile::tempdir().unwrap();
    let dir_flag = format!("{}::/sandbox", dir.path().display());
    let module = threads_guest("threads_fds");
    let (output, _) = threads_run_timed(&["-S", "threads", "--dir", &dir_flag, &module], std::time::Duration::from_secs(120));
    assert_status(&output, 0);
    assert_eq!(text(&output.stdout), "written by thread\nwritten by main\nappend set\n");
    assert_eq!(std::fs::read_to_string(dir.path().join("shared.txt")).unwrap(), "written by thread\nwritten by main\n");
    assert_eq!(std::fs::read_to_string(dir.path().join("flags.txt")).unwrap(), "first\nsecond\n");
}

#[test]
fn threads_shared_memory_module_without_threads_is_a_one_line_error_naming_s_threads() {
    let module = threads_guest("threads_random_clock");
    for flags in [&[][..], &["-S", "threads=n"][..]] {
        let mut args = flags.to_vec();
        args.push(&module);
        let (output, _) = threads_run_timed(&args, std::time::Duration::from_secs(60));
        assert_status(&output, 1);
        assert_eq!(text(&output.stdout), "", "{flags:?}");
        let line = one_line_error(&output);
        assert!(line.contains("-S threads"), "{flags:?}: {line:?}");
    }
}

/// A `capwasi run` serving TCP on an ephemeral loopback port (`--tcplisten 127.0.0.1:0`): the
/// port is read from the CLI's `capwasi: listening on ADDR` stderr line. Every wait has a
/// deadline; the child is killed if the test fails or gives up.
struct SockServer {
    child: std::process::Child,
    addr: std::net::SocketAddr,
    stderr: std::sync::mpsc::Receiver<String>,
    stdout: Option<std::thread::JoinHandle<String>>,
}

impl SockServer {
    fn spawn(args: &[&str]) -> SockServer {
        let mut child = capwasi()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning capwasi");
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        let stderr = lines_of(err);
        let stdout = read_all(out);
        let first = stderr.recv_timeout(std::time::Duration::from_secs(20));
        let addr = first.as_ref().ok().and_then(|line| line.strip_prefix("capwasi: listening on ")?.parse().ok());
        let Some(addr) = addr else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no `capwasi: listening on ADDR` line on stderr: {first:?}");
        };
        SockServer { child, addr, stderr, stdout: Some(stdout) }
    }

    /// A client connection with 20 s read and write timeouts.
    fn connect(&self) -> std::net::TcpStream {
        let stream = std::net::TcpStream::connect_timeout(&self.addr, std::time::Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("connecting to {}: {e}", self.addr));
        stream.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
        stream.set_write_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
        stream
    }

    /// Waits (at most 30 s) for the child to exit; returns its status code, stdout and the
    /// stderr lines after the listening line.
    #[track_caller]
    fn finish(mut self) -> (Option<i32>, String, Vec<String>) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("capwasi did not exit within 30 s");
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        let stdout = self.stdout.take().unwrap().join().unwrap();
        let mut stderr = Vec::new();
        while let Ok(line) = self.stderr.recv_timeout(std::time::Duration::from_secs(5)) {
            stderr.push(line);
        }
        (status.code(), stdout, stderr)
    }
}

impl Drop for SockServer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `len` bytes of a pattern that differs per client.
fn sock_payload(client: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(client)).collect()
}

/// Sends `data` in `pieces` writes (10 ms apart), reading the echo as it comes back, and
/// checks every byte came back in order.
#[track_caller]
fn sock_echo_round(stream: &mut std::net::TcpStream, data: &[u8], pieces: usize) {
    use std::io::Read;
    let mut echoed = Vec::with_capacity(data.len());
    for piece in data.chunks(data.len().div_ceil(pieces)) {
        stream.write_all(piece).unwrap();
        let want = echoed.len() + piece.len();
        while echoed.len() < want {
            let mut buf = [0u8; 8192];
            let n = stream.read(&mut buf[..(want - echoed.len()).min(8192)]).expect("reading the echo");
            assert!(n > 0, "the server closed after echoing {} of {} bytes", echoed.len(), data.len());
            echoed.extend_from_slice(&buf[..n]);
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(echoed == data, "echo differs from the {} bytes sent", data.len());
}

/// The echo server guest (`sock_guest echo N`) under `capwasi run --dir --tcplisten` serves
/// sequential clients, clients kept open at the same time (served in whatever order they
/// speak), and clients on parallel threads; it exits 0 after N connections. The listener
/// (fd 4) does not hide the preopened directory (fd 3), which the guest still writes through
/// wasi-libc's preopen table.
#[test]
fn sock_echo_server_guest_serves_sequential_and_concurrent_clients_on_an_ephemeral_port() {
    let dir = tempfile::tempdir().unwrap();
    let data = format!("{}::/data", dir.path().to_str().unwrap());
    const SEQUENTIAL: u8 = 3;
    const INTERLEAVED: u8 = 4;
    const PARALLEL: u8 = 4;
    let total = SEQUENTIAL + INTERLEAVED + PARALLEL;
    let server =
        SockServer::spawn(&["--dir", &data, "--tcplisten", "127.0.0.1:0", &guest("sock_guest"), "echo", &total.to_string()]);
    assert!(server.addr.ip().is_loopback() && server.addr.port() != 0, "{}", server.addr);
    let mut bytes = 0;

    // One after the other.
    for client in 0..SEQUENTIAL {
        let payload = sock_payload(client, 1000 + 3000 * client as usize);
        let mut stream = server.connect();
        sock_echo_round(&mut stream, &payload, 3);
        bytes += payload.len();
    }

    // All open at once; they speak in reverse order, then again in forward order, each
    // waiting for its echo while the others stay open and silent.
    let mut streams: Vec<_> = (0..INTERLEAVED).map(|_| server.connect()).collect();
    for (i, stream) in streams.iter_mut().enumerate().rev() {
        let payload = sock_payload(10 + i as u8, 500 + 100 * i);
        sock_echo_round(stream, &payload, 2);
        bytes += payload.len();
    }
    for (i, stream) in streams.iter_mut().enumerate() {
        let payload = sock_payload(20 + i as u8, 2000);
        sock_echo_round(stream, &payload, 1);
        bytes += payload.len();
    }
    drop(streams);

    // On parallel threads, every one writing in pieces while the others do.
    let (done, results) = std::sync::mpsc::channel();
    for client in 0..PARALLEL {
        let mut stream = server.connect();
        let done = done.clone();
        std::thread::spawn(move || {
            let payload = sock_payload(30 + client, 20_000);
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sock_echo_round(&mut stream, &payload, 5)));
            let _ = done.send(outcome.map(|()| payload.len()).map_err(|_| format!("parallel client {client} failed")));
        });
    }
    for _ in 0..PARALLEL {
        let result = results.recv_timeout(std::time::Duration::from_secs(30)).expect("a parallel client did not finish in 30 s");
        bytes += result.unwrap();
    }

    let (code, stdout, stderr) = server.finish();
    assert_eq!(code, Some(0), "stdout:\n{stdout}\nstderr: {stderr:?}");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "preopen 3 /data",
            // The listener answers fd_prestat_get with badf, where wasi-libc stops looking.
            "prestat 4 errno 8",
            "listener 4 filetype 6",
            &format!("served {total} connections, {bytes} bytes, at most several open at once"),
        ],
        "stderr: {stderr:?}"
    );
    assert!(stderr.is_empty(), "{stderr:?}");
    assert_eq!(std::fs::read_to_string(dir.path().join("served.txt")).unwrap(), format!("{total}\n"));
}

/// A guest HTTP/1.0 responder (`sock_guest http 2`) answers a plain `TcpStream` client: the
/// exact response bytes, a Content-Length matching the body, then end of file. `--tcplisten`
/// comes before two `--dir` flags on the command line, yet the listener gets fd 5, after
/// both directories.
#[test]
fn sock_http_responder_guest_answers_a_real_tcp_client() {
    use std::io::Read;
    let data = tempfile::tempdir().unwrap();
    let www = tempfile::tempdir().unwrap();
    let data_spec = format!("{}::/data", data.path().to_str().unwrap());
    let www_spec = format!("{}::/www", www.path().to_str().unwrap());
    let server = SockServer::spawn(&[
        "--tcplisten",
        "127.0.0.1:0",
        "--dir",
        &data_spec,
        "--dir",
        &www_spec,
        &guest("sock_guest"),
        "http",
        "2",
    ]);

    let get = |request: &[u8]| -> String {
        let mut stream = server.connect();
        stream.write_all(request).unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("reading the response until end of file");
        String::from_utf8(response).expect("a UTF-8 response")
    };
    let ok = get(b"GET / HTTP/1.0\r\n\r\n");
    let missing = get(b"GET /missing HTTP/1.0\r\nUser-Agent: capwasi-test\r\n\r\n");

    let (code, stdout, stderr) = server.finish();
    assert_eq!(code, Some(0), "stdout:\n{stdout}\nstderr: {stderr:?}");
    assert_eq!(
        ok,
        "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 27\r\n\r\nHello from a capwasi guest\n"
    );
    assert_eq!(missing, "HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nnot found\n");
    for response in [&ok, &missing] {
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("Content-Length: "))
            .expect("a Content-Length header")
            .parse()
            .unwrap();
        assert_eq!(length, body.len(), "{response:?}");
    }
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "preopen 3 /data",
            "preopen 4 /www",
            "listener 5",
            "request 1: GET / HTTP/1.0",
            "request 2: GET /missing HTTP/1.0",
            "answered 2",
        ],
        "stderr: {stderr:?}"
    );
    assert!(stderr.is_empty(), "{stderr:?}");
}

#[test]
fn sock_tcplisten_with_a_bad_address_is_a_one_line_error() {
    for spec in ["127.0.0.1", "localhost:80:1", "not-an-address"] {
        let output = run(&["--tcplisten", spec, &guest("hello")]);
        assert_status(&output, 1);
        let line = one_line_error(&output);
        assert!(line.contains("--tcplisten"), "{spec}: {line:?}");
        assert_eq!(text(&output.stdout), "", "{spec}");
    }
    // An address already taken: the bind fails before the guest runs.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let spec = taken.local_addr().unwrap().to_string();
    let output = run(&["--tcplisten", &spec, &guest("hello")]);
    assert_status(&output, 1);
    let line = one_line_error(&output);
    assert!(line.contains("cannot bind"), "{line:?}");
    assert_eq!(text(&output.stdout), "");
}

#[test]
fn threads_main_returning_or_exiting_ends_the_process_while_a_thread_is_blocked() {
    // The thread waits 30 s on an atomic nobody touches; main ending ends the program.
    let module = threads_guest("threads_main_ends");
    for (extra, status) in [(None, 0), (Some("exit"), 3)] {
        let mut args = vec!["-S", "threads", &module];
        args.extend(extra);
        let (output, elapsed) = threads_run_timed(&args, std::time::Duration::from_secs(60));
        assert_status(&output, status);
        assert!(elapsed < std::time::Duration::from_secs(20), "{extra:?} took {elapsed:?}");
        assert_eq!(text(&output.stdout), "main ending\n", "{extra:?}");
        assert_eq!(text(&output.stderr), "", "{extra:?}");
    }
}

#[test]
fn threads_spawn_from_a_module_with_unshared_memory_does_not_panic() {
    let (_dir, path) = wat_file(
        "threads_unshared",
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
    (i64.store (i32.const 512) (i64.const 0))
    (i64.store (i32.const 520) (i64.const 0))
    (i64.store (i32.const 528) (i64.const 1))
    (i64.store (i32.const 536) (i64.const 500000000))
    (i64.store (i32.const 544) (i64.const 0))
    (i64.store (i32.const 552) (i64.const 0))
    (drop (call $poll_oneoff (i32.const 512) (i32.const 600) (i32.const 1) (i32.const 640)))))"#,
    );
    let (output, _) = threads_run_timed(&["-S", "threads", path.to_str().unwrap()], std::time::Duration::from_secs(60));
    let stderr = text(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Refusing the spawn or running the thread on its own instance's memory are both fine.
    assert_status(&output, 0);
    let stdout = text(&output.stdout);
    assert!(stdout == "main\nrefused\n" || stdout == "main\nthread\n", "{stdout:?}");
}

#[test]
fn trace_lists_each_call_with_decoded_arguments_and_errno_names() {
    let dir = tempfile::tempdir().unwrap();
    let module = guest("preopens");
    let dir_arg = format!("{}::/sandbox", dir.path().display());
    let output = run(&["--trace", "--dir", &dir_arg, &module]);
    assert_status(&output, 0);
    assert_eq!(text(&output.stdout), "3 /sandbox\n1 preopens\n");
    let trace = text(&output.stderr);
    assert!(trace.contains("fd_prestat_get(fd=3, prestat=0x"), "{trace}");
    assert!(trace.contains("fd_prestat_dir_name(fd=3, path=0x"), "{trace}");
    assert!(trace.contains(r#"= success fd=3, path="/sandbox""#), "{trace}");
    assert!(trace.lines().any(|line| line.starts_with("fd_prestat_get(fd=4, ") && line.contains(") = badf [")), "{trace}");
    assert!(trace.lines().any(|line| line.starts_with("fd_write(fd=1, iovs=[") && line.contains("= success nwritten=")), "{trace}");
    assert!(trace.lines().all(|line| line.ends_with(" ns]")), "one line per call: {trace}");
}

#[test]
fn trace_filter_keeps_only_the_named_calls_and_json_lines_parse() {
    let dir = tempfile::tempdir().unwrap();
    let trace_file = dir.path().join("trace.jsonl");
    let module = guest("preopens");
    let trace_arg = format!("--trace={}", trace_file.display());
    let dir_arg = format!("{}::/sandbox", dir.path().display());
    let output = run(&[&trace_arg, "--trace-format", "json", "--trace-filter", "fd_prestat*", "--dir", &dir_arg, &module]);
    assert_status(&output, 0);
    assert_eq!(text(&output.stderr), "", "the trace went to the file");
    let lines = std::fs::read_to_string(&trace_file).unwrap();
    assert!(!lines.is_empty());
    assert!(lines.lines().all(|line| line.starts_with(r#"{"call":"fd_prestat_"#)), "{lines}");
    assert!(lines.contains(r#""result":"badf""#), "{lines}");
    let mut python = std::process::Command::new("python3")
        .args(["-c", "import json,sys\nfor line in sys.stdin: json.loads(line)"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("python3 checks the JSON");
    std::io::Write::write_all(python.stdin.as_mut().unwrap(), lines.as_bytes()).unwrap();
    assert!(python.wait().unwrap().success(), "every line is JSON: {lines}");
}

#[test]
fn deterministic_runs_print_and_trace_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b"), "b").unwrap();
    std::fs::write(dir.path().join("a"), "a").unwrap();
    let module = guest("deterministic");
    let dir_arg = format!("{}::/data", dir.path().display());
    let first = run(&["--deterministic", "--seed", "7", "--trace", "--dir", &dir_arg, &module]);
    let second = run(&["--deterministic", "--seed", "7", "--trace", "--dir", &dir_arg, &module]);
    assert_status(&first, 0);
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(text(&first.stderr), text(&second.stderr), "traces differ");
    assert!(text(&first.stdout).contains("slept 1000 ms"));
    let other_seed = run(&["--deterministic", "--seed", "8", "--dir", &dir_arg, &module]);
    assert_ne!(first.stdout, other_seed.stdout);
}

#[test]
fn deterministic_runs_with_a_mem_dir_stamp_files_in_virtual_time() {
    let module = guest("file_tool");
    let args = ["--deterministic", "--mem-dir", "/m", &module, "write", "/m/f", "hello", "stat", "/m/f"];
    let (first, second) = (run(&args), run(&args));
    assert_status(&first, 0);
    assert_eq!(text(&first.stdout), text(&second.stdout));
    // The virtual realtime clock starts at 2000-01-01T00:00:00Z (946684800 s).
    let line = text(&first.stdout).lines().find(|l| l.starts_with("stat /m/f:")).unwrap().to_string();
    let mtime: f64 = line.rsplit("mtime=").next().unwrap().parse().unwrap();
    assert!((946_684_800.0..946_684_900.0).contains(&mtime), "{line}");
    assert!(line.contains("size=5"), "{line}");
}

fn wat_module(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const SPIN: &str = r#"(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))"#;

#[test]
fn timeout_interrupts_a_spinning_guest() {
    let dir = tempfile::tempdir().unwrap();
    let module = wat_module(dir.path(), "spin.wat", SPIN);
    let output = run(&["-W", "timeout=200ms", &module]);
    assert_status(&output, 134);
    assert!(text(&output.stderr).contains("interrupt"), "{}", text(&output.stderr));
}

#[test]
fn fuel_runs_out_in_a_spinning_guest() {
    let dir = tempfile::tempdir().unwrap();
    let module = wat_module(dir.path(), "spin.wat", SPIN);
    let output = run(&["--fuel", "100000", &module]);
    assert_status(&output, 134);
    assert!(text(&output.stderr).contains("fuel"), "{}", text(&output.stderr));
}

#[test]
fn max_memory_size_makes_memory_grow_fail() {
    let dir = tempfile::tempdir().unwrap();
    // Exits with memory.grow's result + 1: 0 when growing fails, 2 when it succeeds from 1 page.
    let module = wat_module(
        dir.path(),
        "grow.wat",
        r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (memory (export "memory") 1)
             (func (export "_start") (call $exit (i32.add (i32.const 1) (memory.grow (i32.const 10))))))"#,
    );
    assert_status(&run(&["-W", "max-memory-size=131072", &module]), 0);
    assert_status(&run(&[&module]), 2);
    assert_status(&run(&["-W", "max-memory-size=lots", &module]), 1);
}

// --mem-dir / --mem-save: directories held in memory, filled from a host directory or a tar
// archive, written out after the run.

#[test]
fn mem_dir_from_a_host_directory_is_changed_in_memory_only_and_saved_where_asked() {
    let source = tempfile::tempdir().unwrap();
    std::fs::write(source.path().join("keep.txt"), "kept").unwrap();
    std::fs::write(source.path().join("gone.txt"), "to delete").unwrap();
    std::fs::create_dir(source.path().join("sub")).unwrap();
    std::fs::write(source.path().join("sub/old.txt"), "old").unwrap();
    let saved = tempfile::tempdir().unwrap();
    let out = saved.path().join("out");
    let mem_dir = format!("{}::/data", source.path().display());
    let save = format!("/data::{}", out.display());
    let output = run(&[
        "--mem-dir", &mem_dir, "--mem-dir", "/scratch", "--mem-save", &save,
        &guest("file_tool"),
        "cat", "/data/keep.txt", "write", "/data/new.txt", "fresh", "rm", "/data/gone.txt",
        "mv", "/data/sub/old.txt", "/data/sub/moved.txt", "ln", "/data/keep.txt", "/data/hard.txt",
        "write", "/scratch/tmp.txt", "temporary", "mv", "/scratch/tmp.txt", "/data/from-scratch.txt",
        "ls", "/data", "ls", "/scratch",
    ]);
    assert_status(&output, 0);
    assert_eq!(
        text(&output.stdout),
        "cat /data/keep.txt: kept\nwrite /data/new.txt\nrm /data/gone.txt\nmv /data/sub/old.txt /data/sub/moved.txt\n\
         ln /data/keep.txt /data/hard.txt\nwrite /scratch/tmp.txt\nmv /scratch/tmp.txt /data/from-scratch.txt\n\
         ls /data: from-scratch.txt hard.txt keep.txt new.txt sub\nls /scratch:\n"
    );
    // The source is untouched: every change happened in memory.
    assert_eq!(std::fs::read_to_string(source.path().join("gone.txt")).unwrap(), "to delete");
    assert!(!source.path().join("new.txt").exists());
    assert_eq!(std::fs::read_to_string(source.path().join("sub/old.txt")).unwrap(), "old");
    // The saved tree is the final one, hard link included.
    use std::os::unix::fs::MetadataExt;
    let names = |dir: &std::path::Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    };
    assert_eq!(names(&out), ["from-scratch.txt", "hard.txt", "keep.txt", "new.txt", "sub"]);
    assert_eq!(names(&out.join("sub")), ["moved.txt"]);
    assert_eq!(std::fs::read_to_string(out.join("new.txt")).unwrap(), "fresh");
    assert_eq!(std::fs::read_to_string(out.join("from-scratch.txt")).unwrap(), "temporary");
    let (keep, hard) = (std::fs::metadata(out.join("keep.txt")).unwrap(), std::fs::metadata(out.join("hard.txt")).unwrap());
    assert_eq!((keep.ino(), keep.nlink()), (hard.ino(), 2));
}

#[test]
fn mem_dir_loads_and_saves_tar_archives_and_read_only_mem_dirs_refuse_writes() {
    let work = tempfile::tempdir().unwrap();
    let tree = work.path().join("tree");
    std::fs::create_dir_all(tree.join("docs")).unwrap();
    std::fs::write(tree.join("docs/readme.txt"), "from the archive").unwrap();
    let archive = work.path().join("in.tar");
    let status = Command::new("tar").arg("-cf").arg(&archive).arg("-C").arg(&tree).arg("docs").status().expect("running tar");
    assert!(status.success());
    let saved = work.path().join("out.tar");
    let output = run(&[
        "--mem-dir", &format!("{}::/in", archive.display()), "--mem-dir", &format!("{}::/ro:ro", tree.display()),
        "--mem-save", &format!("/in::{}", saved.display()),
        &guest("file_tool"),
        "cat", "/in/docs/readme.txt", "write", "/in/docs/added.txt", "added", "cat", "/ro/docs/readme.txt",
        "write", "/ro/docs/nope.txt", "x",
    ]);
    assert_status(&output, 3);
    assert_eq!(
        text(&output.stdout),
        "cat /in/docs/readme.txt: from the archive\nwrite /in/docs/added.txt\ncat /ro/docs/readme.txt: from the archive\n\
         write /ro/docs/nope.txt: errno 76 (Capabilities insufficient)\n"
    );
    // The archive written after the run holds the guest's change; nothing reached the host.
    let listing = Command::new("tar").arg("-tf").arg(&saved).output().expect("running tar");
    let mut names: Vec<String> = text(&listing.stdout).lines().map(str::to_string).collect();
    names.sort();
    assert_eq!(names, ["docs/", "docs/added.txt", "docs/readme.txt"]);
    assert!(!tree.join("docs/nope.txt").exists() && !tree.join("docs/added.txt").exists());
}

#[test]
fn mem_save_of_an_unknown_guest_path_is_a_one_line_error() {
    let output = run(&["--mem-dir", "/a", "--mem-save", "/b::out", &guest("hello")]);
    assert_status(&output, 1);
    assert!(one_line_error(&output).contains("no --mem-dir is granted as `/b`"));
}

#[test]
fn trace_shows_buffer_contents_only_with_trace_data_and_cuts_them_to_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("key.txt"), "TOKEN-0123456789\n").unwrap();
    let dir_arg = format!("{}::/d", dir.path().display());
    let module = guest("file_tool");
    let plain = run(&["--trace", "--dir", &dir_arg, &module, "cat", "/d/key.txt"]);
    assert_status(&plain, 0);
    assert_eq!(text(&plain.stdout), "cat /d/key.txt: TOKEN-0123456789\n\n");
    let trace = text(&plain.stderr);
    assert!(trace.contains("fd_read(") && !trace.contains("TOKEN") && !trace.contains("data="), "{trace}");

    let with_data = run(&["--trace", "--trace-data=8", "--dir", &dir_arg, &module, "cat", "/d/key.txt"]);
    assert_status(&with_data, 0);
    let trace = text(&with_data.stderr);
    assert!(trace.lines().any(|line| line.starts_with("fd_read(") && line.contains(r#" data="TOKEN-01"... ["#)), "{trace}");
    assert!(trace.lines().any(|line| line.starts_with("fd_write(fd=1,") && line.contains(r#"data="cat /d/k"..."#)), "{trace}");
    // A read at the end of the file moved nothing, and says so.
    assert!(trace.lines().any(|line| line.starts_with("fd_read(") && line.contains("nread=0 data=\"\" [")), "{trace}");

    let json = run(&["--trace", "--trace-data", "--trace-format", "json", "--dir", &dir_arg, &module, "cat", "/d/key.txt"]);
    assert_status(&json, 0);
    let trace = text(&json.stderr);
    assert!(trace.contains(r#""data":"\"TOKEN-0123456789\\n\"""#), "escaped newline, whole (under 64 bytes): {trace}");
}

#[test]
fn a_module_using_a_switched_off_proposal_gets_one_line_naming_the_flag_to_turn_it_on() {
    let (_dir, tail) = wat_file(
        "tail",
        r#"(module (memory (export "memory") 1)
             (func $nothing)
             (func (export "_start") (return_call $nothing)))"#,
    );
    let tail = tail.to_str().unwrap();
    let output = run(&["-W", "tail-call=n", tail]);
    assert_status(&output, 1);
    let error = one_line_error(&output);
    assert!(error.contains(tail) && error.contains("it needs `-W tail-call=y`"), "{error}");
    assert_status(&run(&[tail]), 0);
}
