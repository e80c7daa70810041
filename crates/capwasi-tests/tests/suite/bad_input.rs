//! Hostile arguments: wild pointers, regions that straddle the end of memory, huge lengths,
//! unknown ids and descriptors. Each case is a WAT guest that makes one call and exits with
//! the errno it got, after checking that sentinel words around the target are intact (a
//! failed call must not have written anything). All cases run in this one test process,
//! followed by an ordinary guest, so a host that panicked or corrupted state would show.

use capwasi_tests::{Guest, Outcome};

/// Every `wasi_snapshot_preview1` import with its wasm signature (params, result).
const PREVIEW1: &[(&str, &str, &str)] = capwasi_tests::WASI_IMPORTS;

const FAULT: i32 = 21;
const INVAL: i32 = 28;
const BADF: i32 = 8;
const NAMETOOLONG: i32 = 37;

/// A pointer far outside the one-page memory, with room for a 16-byte region below 2^32.
const WILD: &str = "0xfffffff0";
/// What the guests write into words that a failed call must leave alone.
const SENTINEL: u32 = 0x5a5a_5a5a;
/// Size of the one-page memory every case has.
const PAGE: u32 = 65536;

/// One import declaration per preview1 function, each named `$NAME`.
fn imports() -> String {
    PREVIEW1
        .iter()
        .map(|(name, params, result)| {
            let params = if params.is_empty() { String::new() } else { format!(" (param {params})") };
            let result = if result.is_empty() { String::new() } else { format!(" (result {result})") };
            format!("  (import \"wasi_snapshot_preview1\" \"{name}\" (func ${name}{params}{result}))\n")
        })
        .collect()
}

/// The memory of most cases, with a valid `ciovec` {0x200, 8} at 0x100 naming the bytes
/// "hostile\n", and a valid `iovec` {0x400, 8} at 0x180 for reads.
const MEMORY: &str = r#"
  (memory (export "memory") 1)
  (data (i32.const 0x100) "\00\02\00\00\08\00\00\00")
  (data (i32.const 0x180) "\00\04\00\00\08\00\00\00")
  (data (i32.const 0x200) "hostile\n")"#;

/// After a failed `fd_read` on stdin ("xyz"), a valid read must still get all three bytes:
/// the failed call consumed nothing.
const STDIN_UNCONSUMED: &str = r#"
    (drop (call $fd_read (i32.const 0) (i32.const 0x180) (i32.const 1) (i32.const 0x300)))
    (if (i32.ne (i32.load (i32.const 0x300)) (i32.const 3)) (then (call $proc_exit (i32.const 250))))
    (if (i32.ne (i32.load8_u (i32.const 0x400)) (i32.const 0x78)) (then (call $proc_exit (i32.const 251))))"#;

struct Case {
    name: &'static str,
    /// Instructions run before the call (e.g. storing a hostile iovec).
    setup: &'static str,
    /// The call: an expression leaving the errno.
    call: String,
    /// The errno the guest must get (it becomes the exit status).
    expect: i32,
    /// Addresses of words that must still hold [`SENTINEL`] after the call.
    sentinels: Vec<u32>,
    /// Instructions run after the sentinel checks; they exit with 250+ on failure.
    after: &'static str,
    /// What the guest must have written to stdout.
    stdout: &'static [u8],
    /// Memory declaration (none, or something that is not a memory, for some cases).
    memory: &'static str,
}

fn case(name: &'static str, expect: i32, call: impl Into<String>) -> Case {
    Case {
        name,
        setup: "",
        call: call.into(),
        expect,
        sentinels: Vec::new(),
        after: "",
        stdout: b"",
        memory: MEMORY,
    }
}

impl Case {
    fn sentinels(mut self, at: &[u32]) -> Case {
        self.sentinels = at.to_vec();
        self
    }
    fn setup(mut self, setup: &'static str) -> Case {
        self.setup = setup;
        self
    }
    fn after(mut self, after: &'static str) -> Case {
        self.after = after;
        self
    }
    fn stdout(mut self, stdout: &'static [u8]) -> Case {
        self.stdout = stdout;
        self
    }
    fn memory(mut self, memory: &'static str) -> Case {
        self.memory = memory;
        self
    }

    fn wat(&self) -> String {
        let stores: String = self
            .sentinels
            .iter()
            .map(|at| format!("    (i32.store (i32.const {at}) (i32.const {SENTINEL}))\n"))
            .collect();
        let checks: String = self
            .sentinels
            .iter()
            .enumerate()
            .map(|(i, at)| {
                format!(
                    "    (if (i32.ne (i32.load (i32.const {at})) (i32.const {SENTINEL})) \
                     (then (call $proc_exit (i32.const {}))))\n",
                    200 + i
                )
            })
            .collect();
        format!(
            "(module\n{imports}{memory}\n  (func (export \"_start\") (local $errno i32)\n{stores}    {setup}\n    \
             (local.set $errno {call})\n{checks}    {after}\n    (call $proc_exit (local.get $errno))))\n",
            imports = imports(),
            memory = self.memory,
            setup = self.setup,
            call = self.call,
            after = self.after,
        )
    }

    /// Runs the case with args ["wat", "arg1"], env KEY=value, stdin "xyz" and a preopen
    /// "/sandbox" at fd 3; returns a description of what went wrong, if anything.
    fn check(&self, sandbox: &std::path::Path) -> Option<String> {
        let outcome: Outcome = Guest::wat(self.wat())
            .args(["arg1"])
            .env("KEY", "value")
            .stdin("xyz")
            .dir(sandbox, "/sandbox")
            .run();
        let mut problems = Vec::new();
        if outcome.exit != Some(self.expect) {
            let what = match outcome.exit {
                Some(code @ 200..=249) => format!("sentinel #{} was overwritten", code - 200),
                Some(code @ 250..) => format!("post-condition {code} failed"),
                Some(errno) => format!("got errno {errno}"),
                None => format!("trapped: {}", outcome.trap.as_deref().unwrap_or("?")),
            };
            problems.push(format!("expected errno {}, {what}", self.expect));
        }
        if outcome.stdout != self.stdout {
            problems.push(format!("stdout {:?}, expected {:?}", outcome.stdout_text(), String::from_utf8_lossy(self.stdout)));
        }
        (!problems.is_empty()).then(|| format!("{}: {}", self.name, problems.join("; ")))
    }
}

fn args_and_environ_cases() -> Vec<Case> {
    let end = PAGE;
    vec![
        case("args_sizes_get wild argc", FAULT, format!("(call $args_sizes_get (i32.const {WILD}) (i32.const 0))")).sentinels(&[0]),
        case("args_sizes_get buf_size straddles the end", FAULT, format!("(call $args_sizes_get (i32.const 0) (i32.const {}))", end - 2))
            .sentinels(&[0, end - 4]),
        case("args_sizes_get both at u32::MAX", FAULT, "(call $args_sizes_get (i32.const -1) (i32.const -1))"),
        case("args_get wild argv_buf leaves argv unwritten", FAULT, format!("(call $args_get (i32.const 0) (i32.const {WILD}))"))
            .sentinels(&[0, 4]),
        case("args_get argv straddles the end leaves argv_buf unwritten", FAULT, format!("(call $args_get (i32.const {}) (i32.const 0x400))", end - 4))
            .sentinels(&[0x400, 0x404, end - 8, end - 4]),
        case("args_get argv_buf too close to the end", FAULT, format!("(call $args_get (i32.const 0) (i32.const {}))", end - 3))
            .sentinels(&[0, 4, end - 4]),
        case("args_get both at u32::MAX", FAULT, "(call $args_get (i32.const -1) (i32.const -1))"),
        case("environ_sizes_get wild count", FAULT, format!("(call $environ_sizes_get (i32.const {WILD}) (i32.const 0))")).sentinels(&[0]),
        case("environ_sizes_get buf_size straddles the end", FAULT, format!("(call $environ_sizes_get (i32.const 0) (i32.const {}))", end - 2))
            .sentinels(&[0, end - 4]),
        case("environ_get wild environ_buf leaves environ unwritten", FAULT, format!("(call $environ_get (i32.const 0) (i32.const {WILD}))"))
            .sentinels(&[0]),
        case("environ_get environ straddles the end leaves environ_buf unwritten", FAULT, format!("(call $environ_get (i32.const {}) (i32.const 0x400))", end - 2))
            .sentinels(&[0x400, 0x404, end - 4]),
        case("environ_get both at u32::MAX", FAULT, "(call $environ_get (i32.const -1) (i32.const -1))"),
    ]
}

fn clock_and_random_cases() -> Vec<Case> {
    let end = PAGE;
    vec![
        case("clock_res_get wild result", FAULT, format!("(call $clock_res_get (i32.const 0) (i32.const {WILD}))")),
        case("clock_res_get result straddles the end", FAULT, format!("(call $clock_res_get (i32.const 1) (i32.const {}))", end - 4))
            .sentinels(&[end - 4]),
        case("clock_res_get unknown clock 99", INVAL, "(call $clock_res_get (i32.const 99) (i32.const 0))").sentinels(&[0, 4]),
        case("clock_res_get unknown clock u32::MAX", INVAL, "(call $clock_res_get (i32.const -1) (i32.const 0))").sentinels(&[0, 4]),
        case("clock_time_get wild result", FAULT, format!("(call $clock_time_get (i32.const 0) (i64.const 0) (i32.const {WILD}))")),
        case("clock_time_get result straddles the end", FAULT, format!("(call $clock_time_get (i32.const 1) (i64.const -1) (i32.const {}))", end - 7))
            .sentinels(&[end - 8, end - 4]),
        case("clock_time_get result at u32::MAX", FAULT, "(call $clock_time_get (i32.const 0) (i64.const 0) (i32.const -1))"),
        case("clock_time_get unknown clock 99", INVAL, "(call $clock_time_get (i32.const 99) (i64.const 0) (i32.const 0))").sentinels(&[0, 4]),
        case("clock_time_get unknown clock u32::MAX", INVAL, "(call $clock_time_get (i32.const -1) (i64.const 0) (i32.const 0))").sentinels(&[0, 4]),
        case("random_get wild buffer", FAULT, format!("(call $random_get (i32.const {WILD}) (i32.const 16))")),
        case("random_get length u32::MAX fills nothing", FAULT, "(call $random_get (i32.const 0) (i32.const -1))").sentinels(&[0, 4, end - 4]),
        case("random_get buffer straddles the end fills nothing", FAULT, format!("(call $random_get (i32.const {}) (i32.const 8))", end - 4))
            .sentinels(&[end - 8, end - 4]),
        case("random_get pointer and length at u32::MAX", FAULT, "(call $random_get (i32.const -1) (i32.const -1))"),
        case("random_get of nothing at the very end succeeds", 0, format!("(call $random_get (i32.const {end}) (i32.const 0))")),
        case("random_get of all of memory succeeds", 0, format!("(call $random_get (i32.const 0) (i32.const {end}))")),
    ]
}

fn fd_write_cases() -> Vec<Case> {
    let end = PAGE;
    vec![
        case("fd_write valid control", 0, "(call $fd_write (i32.const 1) (i32.const 0x100) (i32.const 1) (i32.const 0x300))")
            .after("(if (i32.ne (i32.load (i32.const 0x300)) (i32.const 8)) (then (call $proc_exit (i32.const 250))))")
            .stdout(b"hostile\n"),
        case("fd_write wild iovec array", FAULT, format!("(call $fd_write (i32.const 1) (i32.const {WILD}) (i32.const 1) (i32.const 0x300))"))
            .sentinels(&[0x300]),
        case("fd_write iovec array straddles the end", FAULT, format!("(call $fd_write (i32.const 1) (i32.const {}) (i32.const 1) (i32.const 0x300))", end - 4))
            .sentinels(&[0x300]),
        case("fd_write 1025 iovecs", INVAL, "(call $fd_write (i32.const 1) (i32.const 0x100) (i32.const 1025) (i32.const 0x300))")
            .sentinels(&[0x300]),
        case("fd_write u32::MAX iovecs", INVAL, "(call $fd_write (i32.const 1) (i32.const 0x100) (i32.const -1) (i32.const 0x300))")
            .sentinels(&[0x300]),
        case("fd_write buffer outside memory", FAULT, "(call $fd_write (i32.const 1) (i32.const 0x110) (i32.const 1) (i32.const 0x300))")
            .setup("(i32.store (i32.const 0x110) (i32.const 0xffffff00)) (i32.store (i32.const 0x114) (i32.const 0x100))")
            .sentinels(&[0x300]),
        case("fd_write buffer length u32::MAX", FAULT, "(call $fd_write (i32.const 1) (i32.const 0x110) (i32.const 1) (i32.const 0x300))")
            .setup("(i32.store (i32.const 0x110) (i32.const 0x200)) (i32.store (i32.const 0x114) (i32.const -1))")
            .sentinels(&[0x300]),
        case("fd_write second buffer outside memory writes nothing", FAULT, "(call $fd_write (i32.const 1) (i32.const 0x110) (i32.const 2) (i32.const 0x300))")
            .setup(
                "(i32.store (i32.const 0x110) (i32.const 0x200)) (i32.store (i32.const 0x114) (i32.const 8)) \
                 (i32.store (i32.const 0x118) (i32.const 0xfffffff0)) (i32.store (i32.const 0x11c) (i32.const 16))",
            )
            .sentinels(&[0x300]),
        case("fd_write wild nwritten writes nothing", FAULT, "(call $fd_write (i32.const 1) (i32.const 0x100) (i32.const 1) (i32.const -1))"),
        case("fd_write nwritten straddles the end writes nothing", FAULT, format!("(call $fd_write (i32.const 1) (i32.const 0x100) (i32.const 1) (i32.const {}))", end - 2))
            .sentinels(&[end - 4]),
        case("fd_write fd u32::MAX", BADF, "(call $fd_write (i32.const -1) (i32.const 0x100) (i32.const 1) (i32.const 0x300))")
            .sentinels(&[0x300]),
    ]
}

fn fd_read_cases() -> Vec<Case> {
    let end = PAGE;
    vec![
        case("fd_read valid control", 0, "(call $fd_read (i32.const 0) (i32.const 0x180) (i32.const 1) (i32.const 0x300))")
            .after(
                "(if (i32.ne (i32.load (i32.const 0x300)) (i32.const 3)) (then (call $proc_exit (i32.const 250)))) \
                 (if (i32.ne (i32.load (i32.const 0x400)) (i32.const 0x5a7a7978)) (then (call $proc_exit (i32.const 251))))",
            )
            .setup("(i32.store (i32.const 0x400) (i32.const 0x5a5a5a5a))"),
        case("fd_read wild iovec array", FAULT, format!("(call $fd_read (i32.const 0) (i32.const {WILD}) (i32.const 1) (i32.const 0x300))"))
            .sentinels(&[0x300, 0x400])
            .after(STDIN_UNCONSUMED),
        case("fd_read 1025 iovecs", INVAL, "(call $fd_read (i32.const 0) (i32.const 0x100) (i32.const 1025) (i32.const 0x300))")
            .sentinels(&[0x300, 0x400])
            .after(STDIN_UNCONSUMED),
        case("fd_read u32::MAX iovecs", INVAL, "(call $fd_read (i32.const 0) (i32.const 0x100) (i32.const -1) (i32.const 0x300))")
            .sentinels(&[0x300, 0x400])
            .after(STDIN_UNCONSUMED),
        case("fd_read buffer outside memory", FAULT, "(call $fd_read (i32.const 0) (i32.const 0x110) (i32.const 1) (i32.const 0x300))")
            .setup("(i32.store (i32.const 0x110) (i32.const 0xffffff00)) (i32.store (i32.const 0x114) (i32.const 0x100))")
            .sentinels(&[0x300, 0x400])
            .after(STDIN_UNCONSUMED),
        case("fd_read buffer straddles the end reads nothing", FAULT, "(call $fd_read (i32.const 0) (i32.const 0x110) (i32.const 1) (i32.const 0x300))")
            .setup("(i32.store (i32.const 0x110) (i32.const 65530)) (i32.store (i32.const 0x114) (i32.const 16))")
            .sentinels(&[0x300, 0x400, end - 4])
            .after(STDIN_UNCONSUMED),
        case("fd_read buffer length u32::MAX", FAULT, "(call $fd_read (i32.const 0) (i32.const 0x110) (i32.const 1) (i32.const 0x300))")
            .setup("(i32.store (i32.const 0x110) (i32.const 0x400)) (i32.store (i32.const 0x114) (i32.const -1))")
            .sentinels(&[0x300, 0x400])
            .after(STDIN_UNCONSUMED),
        case("fd_read wild nread consumes nothing", FAULT, "(call $fd_read (i32.const 0) (i32.const 0x180) (i32.const 1) (i32.const -1))")
            .sentinels(&[0x400])
            .after(STDIN_UNCONSUMED),
        case("fd_read nread straddles the end consumes nothing", FAULT, format!("(call $fd_read (i32.const 0) (i32.const 0x180) (i32.const 1) (i32.const {}))", end - 1))
            .sentinels(&[0x400, end - 4])
            .after(STDIN_UNCONSUMED),
        case("fd_read fd u32::MAX", BADF, "(call $fd_read (i32.const -1) (i32.const 0x180) (i32.const 1) (i32.const 0x300))")
            .sentinels(&[0x300, 0x400])
            .after(STDIN_UNCONSUMED),
    ]
}

fn descriptor_cases() -> Vec<Case> {
    let end = PAGE;
    vec![
        case("fd_fdstat_get wild result", FAULT, format!("(call $fd_fdstat_get (i32.const 1) (i32.const {WILD}))")),
        case("fd_fdstat_get result straddles the end", FAULT, format!("(call $fd_fdstat_get (i32.const 3) (i32.const {}))", end - 16))
            .sentinels(&[end - 16, end - 12, end - 8, end - 4]),
        case("fd_fdstat_get result at u32::MAX", FAULT, "(call $fd_fdstat_get (i32.const 3) (i32.const -1))"),
        case("fd_fdstat_get fd u32::MAX", BADF, "(call $fd_fdstat_get (i32.const -1) (i32.const 0))").sentinels(&[0, 4]),
        case("fd_prestat_get wild result", FAULT, format!("(call $fd_prestat_get (i32.const 3) (i32.const {WILD}))")),
        case("fd_prestat_get result straddles the end", FAULT, format!("(call $fd_prestat_get (i32.const 3) (i32.const {}))", end - 4))
            .sentinels(&[end - 4]),
        case("fd_prestat_get fd u32::MAX", BADF, "(call $fd_prestat_get (i32.const -1) (i32.const 0))").sentinels(&[0, 4]),
        case("fd_prestat_get on stdout", BADF, "(call $fd_prestat_get (i32.const 1) (i32.const 0))").sentinels(&[0, 4]),
        case("fd_prestat_dir_name wild buffer", FAULT, format!("(call $fd_prestat_dir_name (i32.const 3) (i32.const {WILD}) (i32.const 16))")),
        case("fd_prestat_dir_name buffer straddles the end", FAULT, format!("(call $fd_prestat_dir_name (i32.const 3) (i32.const {}) (i32.const 64))", end - 4))
            .sentinels(&[end - 4]),
        case("fd_prestat_dir_name wild buffer of length u32::MAX", FAULT, "(call $fd_prestat_dir_name (i32.const 3) (i32.const -1) (i32.const -1))"),
        case("fd_prestat_dir_name buffer one byte short", NAMETOOLONG, "(call $fd_prestat_dir_name (i32.const 3) (i32.const 0) (i32.const 7))")
            .sentinels(&[0, 4]),
        case("fd_prestat_dir_name fd u32::MAX", BADF, "(call $fd_prestat_dir_name (i32.const -1) (i32.const 0) (i32.const 64))").sentinels(&[0]),
        case("fd_close fd u32::MAX", BADF, "(call $fd_close (i32.const -1))"),
        case("fd_close fd past the table", BADF, "(call $fd_close (i32.const 1000))"),
        case("fd_close twice", BADF, "(call $fd_close (i32.const 3))")
            .setup("(if (i32.ne (call $fd_close (i32.const 3)) (i32.const 0)) (then (call $proc_exit (i32.const 250))))"),
    ]
}

fn memoryless_cases() -> Vec<Case> {
    vec![
        case("fd_write without an exported memory", FAULT, "(call $fd_write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0))").memory(""),
        case("fd_write of one iovec without an exported memory", FAULT, "(call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 0))")
            .memory(""),
        case("args_sizes_get without an exported memory", FAULT, "(call $args_sizes_get (i32.const 0) (i32.const 0))").memory(""),
        case("fd_write when the `memory` export is a function", FAULT, "(call $fd_write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0))")
            .memory(r#"(func (export "memory"))"#),
        case("fd_write when memory is not exported", FAULT, "(call $fd_write (i32.const 1) (i32.const 0x100) (i32.const 1) (i32.const 0x300))")
            .memory(r#"(memory 1) (data (i32.const 0x100) "\00\02\00\00\08\00\00\00")"#),
    ]
}

/// Runs `cases` and fails listing every case that misbehaved.
fn run_all(cases: &[Case]) {
    let sandbox = tempfile::tempdir().unwrap();
    let failures: Vec<String> = cases.iter().filter_map(|case| case.check(sandbox.path())).collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn args_and_environ_reject_wild_pointers_with_fault_and_write_nothing() {
    run_all(&args_and_environ_cases());
}

#[test]
fn clocks_and_random_reject_wild_pointers_and_unknown_ids_and_write_nothing() {
    run_all(&clock_and_random_cases());
}

#[test]
fn fd_write_rejects_wild_iovecs_too_many_iovecs_and_bad_fds_and_writes_nothing() {
    run_all(&fd_write_cases());
}

#[test]
fn fd_read_rejects_wild_iovecs_too_many_iovecs_and_bad_fds_and_consumes_nothing() {
    run_all(&fd_read_cases());
}

#[test]
fn fdstat_prestat_and_close_reject_wild_pointers_and_bad_fds() {
    run_all(&descriptor_cases());
}

#[test]
fn calls_from_a_module_without_exported_memory_fault() {
    run_all(&memoryless_cases());
}

#[test]
fn host_still_runs_guests_after_every_hostile_case_in_one_run() {
    let cases: Vec<Case> = [
        args_and_environ_cases(),
        clock_and_random_cases(),
        fd_write_cases(),
        fd_read_cases(),
        descriptor_cases(),
        memoryless_cases(),
    ]
    .into_iter()
    .flatten()
    .collect();
    run_all(&cases);
    let outcome = Guest::c("hello").run();
    outcome.assert_exit(0);
    assert_eq!(outcome.stdout_text(), "Hello, world!\n");
}

#[test]
fn module_importing_all_46_preview1_functions_links_and_runs() {
    assert_eq!(PREVIEW1.len(), 46);
    let outcome = Guest::wat(format!("(module\n{}  (memory (export \"memory\") 1)\n  (func (export \"_start\")))", imports())).run();
    outcome.assert_exit(0);
}

#[test]
fn import_with_the_wrong_signature_fails_to_link() {
    let outcome = Guest::wat(
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")))"#,
    )
    .run();
    assert_eq!(outcome.exit, None);
    let error = outcome.trap.unwrap_or_default();
    assert!(error.contains("fd_write"), "{error}");
}

#[test]
fn unknown_import_fails_to_link() {
    let outcome = Guest::wat(
        r#"(module
  (import "wasi_snapshot_preview1" "fd_frobnicate" (func (param i32) (result i32)))
  (func (export "_start")))"#,
    )
    .run();
    assert_eq!(outcome.exit, None);
    let error = outcome.trap.unwrap_or_default();
    assert!(error.contains("fd_frobnicate"), "{error}");
}
