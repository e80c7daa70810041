//! Real open-source C programs, built from source at test time, run through `capwasi run`
//! with checked output: the Lua 5.4 interpreter (setjmp/longjmp as wasm exceptions, files,
//! os functions, interactive stdin, exit statuses) and SQLite's `sqlite3` shell (a database
//! file in a preopen, rollback journal, dot-file locks, backups). Also: a WAT guest using
//! exception handling, the compilation cache, precompiled modules, and stdout moved to fd 6
//! and back with fd_renumber.
//!
//! Sources are fetched by `scripts/third-party.sh` into `.tools/third-party` (pinned and
//! checksummed; `scripts/test.sh` runs it and exports `CAPWASI_THIRD_PARTY`; when that is
//! unset the tests run the script themselves). The C helpers and scripts the tests feed the
//! programs live in `tests/real_programs/`. Built modules are cached under `target/guests/`
//! by a hash of the pinned sources, the helper files and the flags, so only the first run
//! compiles them (about a minute with a cold Zig cache, most of it building wasi-libc). Every run shares one
//! compilation-cache directory under `target/` so Cranelift does not recompile them either.

use capwasi_tests::{workspace_dir, zig_python};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::Duration;

// ---------------------------------------------------------------------------------------
// Building the programs.

/// The directory of helper sources and scripts committed with these tests.
fn helpers() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/real_programs")
}

/// `.tools/third-party` (or `$CAPWASI_THIRD_PARTY`), fetched by `scripts/third-party.sh`.
fn third_party() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(dir) = std::env::var_os("CAPWASI_THIRD_PARTY") {
            return PathBuf::from(dir);
        }
        // Idempotent and quick when the pinned sources are already there.
        let output = Command::new(workspace_dir().join("scripts/third-party.sh"))
            .arg(zig_python())
            .stdin(Stdio::null())
            .output()
            .expect("running scripts/third-party.sh");
        assert!(
            output.status.success(),
            "scripts/third-party.sh failed (it fetches Lua from PyPI and SQLite from npm):\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        PathBuf::from(String::from_utf8(output.stdout).expect("UTF-8 path").trim())
    })
}

/// Compiles `sources` with Zig's clang to `target/guests/NAME-HASH.wasm`, unless a module
/// built from the same inputs is already there. `identity` lists files whose bytes stand for
/// the inputs (for third-party sources, the stamp naming the pinned archive and its checksum).
fn build(name: &str, sources: &[PathBuf], identity: &[PathBuf], flags: &[&str]) -> PathBuf {
    use std::hash::{Hash, Hasher};
    // SipHash with fixed keys: stable for one toolchain, which is all a build cache needs.
    let mut hasher = std::hash::DefaultHasher::new();
    for input in sources.iter().chain(identity) {
        input.file_name().hash(&mut hasher);
        std::fs::read(input).unwrap_or_else(|e| panic!("reading {}: {e}", input.display())).hash(&mut hasher);
    }
    flags.hash(&mut hasher);
    let hash = format!("{:016x}", hasher.finish());
    let out_dir = workspace_dir().join("target/guests");
    std::fs::create_dir_all(&out_dir).expect("creating target/guests");
    let out = out_dir.join(format!("{name}-{hash}.wasm"));
    if out.exists() {
        return out;
    }
    // Build to a private name and rename, so concurrent test processes never see a
    // half-written module.
    let partial = out_dir.join(format!("{name}-{hash}.{}.partial", std::process::id()));
    let started = std::time::Instant::now();
    let output = Command::new(zig_python())
        .args(["-m", "ziglang", "cc", "-target", "wasm32-wasi"])
        .args(flags)
        .args(sources)
        .arg("-o")
        .arg(&partial)
        .stdin(Stdio::null())
        .output()
        .expect("running zig cc");
    assert!(output.status.success(), "building {name} failed:\n{}", String::from_utf8_lossy(&output.stderr));
    std::fs::rename(&partial, &out).expect("moving the built program into place");
    eprintln!("built {} in {:.1?}", out.display(), started.elapsed());
    out
}

/// The compiler flags of a real program: `tests/real_programs/NAME.flags`, one a line (`#`
/// starts a comment line). crates/capwasi-bench/real_programs.sh builds from the same files.
fn flags(name: &str) -> Vec<String> {
    let path = helpers().join(format!("{name}.flags"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    text.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')).map(String::from).collect()
}

/// The Lua 5.4 interpreter (`lua SCRIPT ARGS...`), from `onelua.c`.
fn lua() -> &'static str {
    static LUA: OnceLock<String> = OnceLock::new();
    LUA.get_or_init(|| {
        let lua = third_party().join("lua54");
        let flags = flags("lua");
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let sources = [lua.join("onelua.c"), helpers().join("c_longjmp_tag.c"), helpers().join("wasi_stubs.c")];
        path_string(build("lua", &sources, &[lua.join(".capwasi-source")], &flags))
    })
}

/// SQLite's command-line shell (`sqlite3 DB [SQL]...`), from the amalgamation.
fn sqlite() -> &'static str {
    static SQLITE: OnceLock<String> = OnceLock::new();
    SQLITE.get_or_init(|| {
        let sqlite = third_party().join("sqlite");
        let flags = flags("sqlite3");
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let sources = [sqlite.join("shell.c"), sqlite.join("sqlite3.c"), helpers().join("wasi_stubs.c")];
        path_string(build("sqlite3", &sources, &[sqlite.join(".capwasi-source")], &flags))
    })
}

/// `tests/real_programs/NAME.c`, a small guest of these tests.
fn helper_guest(name: &str) -> String {
    let source = helpers().join(format!("{name}.c"));
    path_string(build(name, &[source], &[], &["-O2", "-Wall", "-Werror"]))
}

fn path_string(path: PathBuf) -> String {
    path.into_os_string().into_string().expect("UTF-8 path")
}

// ---------------------------------------------------------------------------------------
// Running them.

/// The compilation cache every run shares (one per checkout, kept between test runs).
fn shared_cache_dir() -> String {
    path_string(workspace_dir().join("target/guests/wasmtime-cache"))
}

/// `capwasi run -C cache-dir=<shared>` with stdin closed.
fn capwasi_run() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_capwasi"));
    command.arg("run").arg("-C").arg(format!("cache-dir={}", shared_cache_dir())).stdin(Stdio::null());
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
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

/// Asserts a successful run with exactly `stdout` and nothing on stderr.
#[track_caller]
fn assert_output(output: &Output, stdout: &str) {
    assert_status(output, 0);
    assert_eq!(text(&output.stdout), stdout, "--- stderr ---\n{}", text(&output.stderr));
    assert_eq!(text(&output.stderr), "");
}

/// Asserts stderr is exactly one line, starting with `error: `, and returns it.
#[track_caller]
fn one_line_error(output: &Output) -> String {
    let stderr = text(&output.stderr);
    assert!(stderr.starts_with("error: ") && stderr.ends_with('\n'), "{stderr:?}");
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    stderr
}

/// A fresh directory holding copies of the named files of `tests/real_programs/SUBDIR`.
fn workdir(subdir: &str, files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("creating a tempdir");
    for file in files {
        std::fs::copy(helpers().join(subdir).join(file), dir.path().join(file)).expect("copying a test input");
    }
    dir
}

/// Names of the entries of `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|entry| entry.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

fn dir_arg(host: &Path, guest: &str) -> String {
    format!("{}::{guest}", host.display())
}

// ---------------------------------------------------------------------------------------
// Lua.

const IO_OS_EXPECTED: &str = "\
Lua 5.4\t2\t/work/io_os.lua
bytes\t37\tseek end\t37\tseek set 6\t6
read after seek\t1
names\tALPHA,BETA,GAMMA,DELTA\ttotal\t4800
lines\t4
time is recent\ttrue\tclock\tnumber\ttrue
date of 0\t1970-01-01 00:00:00\tdifftime\t90.0
time of a date\t43200
getenv\théllo wörld\tnil
old name opens\tfalse\tnew name opens\ttrue
remove\ttrue
remove again\tnil\t/work/scratch.txt: No such file or directory\t44
open missing\tnil\t/work/missing.txt: No such file or directory\t44
escape the preopen\tnil\t/work/../etc/passwd: Operation not permitted\t63
19\tTHE QUICK BROWN FOX\txof nworb kciuq eht
brown\tThe quick br0wn f0x\t5\t9
 3.14|42  |\"a\\
b\"|ff
4 words\tHä€\t3
8\t3735928559\tend\t9
false\tplain
false\t/work/io_os.lua:66: with position
true\t7
false\t/work/io_os.lua:68: attempt to index a nil value (local 't')
false\thandled: deep
false\touter after inner
false\tbad argument #1 to 'string.rep' (string expected, got no value)
false\tresulting string too large
true\t2
false\tin coroutine two
dead
stack overflow caught\tfalse\ttrue\ttrue
2000 errors caught, sum\t2001000
tmpfile\tnil\tNot supported\t58
execute\tnil\tshell?\tfalse
done
";

#[test]
fn lua_script_uses_files_os_strings_and_pcall_and_leaves_the_expected_files() {
    let dir = workdir("lua", &["io_os.lua"]);
    let output = capwasi_run()
        .args(["--env", "CAPWASI_GREETING=héllo wörld", "--dir", &dir_arg(dir.path(), "/work"), lua(), "/work/io_os.lua", "a", "b"])
        .output()
        .unwrap();
    assert_output(&output, IO_OS_EXPECTED);
    assert_eq!(listing(dir.path()), ["io_os.lua", "out.txt", "renamed.txt"]);
    assert_eq!(std::fs::read_to_string(dir.path().join("renamed.txt")).unwrap(), "alpha 1\nbeta 22\ngamma 333\ndelta 4444\n");
    assert_eq!(std::fs::read_to_string(dir.path().join("out.txt")).unwrap(), "xyxyxyxyxy\n");
}

#[test]
fn lua_exit_statuses_10_and_20_pass_through() {
    let dir = workdir("lua", &["exit.lua"]);
    for code in [10, 20] {
        let output = capwasi_run()
            .args(["--dir", &dir_arg(dir.path(), "/s"), lua(), "/s/exit.lua", &code.to_string()])
            .output()
            .unwrap();
        assert_status(&output, code);
        assert_eq!(text(&output.stdout), format!("exiting with {code}\n"));
        assert_eq!(text(&output.stderr), "stderr before exit\n");
    }
}

/// Reads one line from the child's stdout, or fails after 20 s (the child is killed).
fn next_line(lines: &mpsc::Receiver<String>, child: &mut std::process::Child) -> String {
    match lines.recv_timeout(Duration::from_secs(20)) {
        Ok(line) => line,
        Err(err) => {
            let _ = child.kill();
            panic!("no line from the guest within 20 s ({err}): is stdin read whole before the program starts?");
        }
    }
}

#[test]
fn lua_answers_stdin_lines_as_they_arrive() {
    let dir = workdir("lua", &["interactive.lua"]);
    let mut child = capwasi_run()
        .args(["--dir", &dir_arg(dir.path(), "/s"), lua(), "/s/interactive.lua"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (send, lines) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if send.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    assert_eq!(next_line(&lines, &mut child), "ready");
    // Each answer arrives while stdin is still open: the program sees lines as they are
    // written, not at end of file.
    for (n, word) in ["hello", "streamed stdin", "ünïcode"].iter().enumerate() {
        std::thread::sleep(Duration::from_millis(100));
        writeln!(stdin, "{word}").unwrap();
        stdin.flush().unwrap();
        // string.upper in the C locale: ASCII letters only.
        let expected = format!("{}: {} ({} bytes)", n + 1, word.to_ascii_uppercase(), word.len());
        assert_eq!(next_line(&lines, &mut child), expected);
    }
    writeln!(stdin, "quit").unwrap();
    assert_eq!(next_line(&lines, &mut child), "bye after 4 lines");
    drop(stdin);
    let status = child.wait().unwrap();
    reader.join().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "{status:?}: {stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn one_host_directory_under_three_guest_names_one_read_only_and_a_guest_tmp_from_a_host_tempdir() {
    let dir = workdir("lua", &["dirs.lua"]);
    let tmp = tempfile::tempdir().unwrap();
    let output = capwasi_run()
        .args([
            "--dir",
            &dir_arg(dir.path(), "/a"),
            "--dir",
            &dir_arg(dir.path(), "/b"),
            "--dir",
            &format!("{}:ro", dir_arg(dir.path(), "/c")),
            "--dir",
            &dir_arg(tmp.path(), "/tmp"),
            lua(),
            "/a/dirs.lua",
        ])
        .output()
        .unwrap();
    assert_output(
        &output,
        "read via /b:\twritten via /a\n\n\
         after rename via /b, /a/shared.txt:\terror: /a/shared.txt: No such file or directory\n\
         after rename via /b, /a/moved.txt:\twritten via /a\n\n\
         read via /b:\twritten via /a\nappended via /a\n\n\
         read via /c:\twritten via /a\nappended via /a\n\n\
         write via /c:\tnil\t/c/moved.txt: Capabilities insufficient\t76\n\
         rename from /c:\tnil\tCapabilities insufficient\t76\n\
         tmp size\t1000\n\
         remove /tmp/gone.txt\ttrue\n\
         done\n",
    );
    assert_eq!(listing(dir.path()), ["dirs.lua", "moved.txt"]);
    assert_eq!(std::fs::read_to_string(dir.path().join("moved.txt")).unwrap(), "written via /a\nappended via /a\n");
    assert_eq!(listing(tmp.path()), ["kept.txt"]);
    assert_eq!(std::fs::read(tmp.path().join("kept.txt")).unwrap(), vec![b't'; 1000]);
}

#[test]
fn precompiled_lua_runs_the_same_only_with_allow_precompiled() {
    let dir = workdir("lua", &["io_os.lua"]);
    let out = tempfile::tempdir().unwrap();
    let cwasm = path_string(out.path().join("lua.cwasm"));
    let compiled = Command::new(env!("CARGO_BIN_EXE_capwasi")).args(["compile", lua(), "-o", &cwasm]).output().unwrap();
    assert_output(&compiled, "");
    let bytes = std::fs::read(&cwasm).unwrap();
    assert_eq!(&bytes[..4], b"\x7fELF", "a .cwasm is an ELF image");

    let refused = capwasi_run().args([&cwasm, "/work/io_os.lua"]).output().unwrap();
    assert_status(&refused, 1);
    assert!(one_line_error(&refused).contains("--allow-precompiled"), "{}", text(&refused.stderr));
    assert_eq!(text(&refused.stdout), "");

    let output = capwasi_run()
        .args(["--allow-precompiled", "--env", "CAPWASI_GREETING=héllo wörld", "--dir", &dir_arg(dir.path(), "/work")])
        .args([&cwasm, "/work/io_os.lua", "a", "b"])
        .output()
        .unwrap();
    assert_output(&output, IO_OS_EXPECTED);
}

// ---------------------------------------------------------------------------------------
// SQLite.

const SQLITE_BUILD_EXPECTED: &str = "\
rows per table
item|4
sale|5000
revenue per item
╭────────┬───────┬──────────╮
│  name  │ units │ revenue  │
╞════════╪═══════╪══════════╡
│ cheese │  3750 │ 43125.00 │
│ dates  │  3750 │ 29962.50 │
│ bread  │  3750 │ 12000.00 │
│ apple  │  3750 │ 1687.50  │
╰────────┴───────┴──────────╯
after update and delete
4839|14519
50
integrity
ok
";

#[test]
fn sqlite_shell_builds_a_database_in_the_preopen_and_reads_it_back_in_later_runs() {
    let dir = workdir("sqlite", &["build.sql"]);
    let work = dir_arg(dir.path(), "/work");
    // HOME tells the shell where to look for ~/.sqliterc (there is none).
    let sqlite3 = |args: &[&str]| -> Output {
        capwasi_run().args(["--env", "HOME=/work", "--dir", &work, sqlite()]).args(args).output().unwrap()
    };
    assert_output(&sqlite3(&["/work/shop.db", ".read /work/build.sql"]), SQLITE_BUILD_EXPECTED);
    // The rollback journal and the lock directory are gone; the report and backup are there.
    assert_eq!(listing(dir.path()), ["backup.db", "build.sql", "report.csv", "shop.db"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("report.csv")).unwrap(),
        "day,sales,units\r\n2024-01-01,161,484\r\n2024-01-02,162,486\r\n2024-01-03,162,487\r\n\
         2024-01-04,162,488\r\n2024-01-05,162,484\r\n"
    );
    for db in ["shop.db", "backup.db"] {
        let bytes = std::fs::read(dir.path().join(db)).unwrap();
        assert_eq!(&bytes[..16], b"SQLite format 3\0", "{db}");
        assert_eq!(bytes.len() % 1024, 0, "{db}: whole 1 KiB pages");
    }

    // A second and third process open the files again.
    assert_output(
        &sqlite3(&["/work/shop.db", "SELECT count(*) FROM sale", "PRAGMA integrity_check", ".tables", "SELECT name FROM item ORDER BY id"]),
        "4839\nok\nitem     sale\napple\nbread\ncheese\ndates\n",
    );
    assert_output(
        &sqlite3(&["/work/backup.db", "SELECT count(*), sum(qty) FROM sale; SELECT price_cents FROM item WHERE name = 'apple'"]),
        "4839|14519\n50\n",
    );
    // A failing statement: the shell's error on stderr and its exit status 1.
    let failed = sqlite3(&["/work/shop.db", "SELECT * FROM nowhere"]);
    assert_status(&failed, 1);
    assert!(text(&failed.stderr).contains("no such table: nowhere"), "{}", text(&failed.stderr));
    assert_eq!(listing(dir.path()), ["backup.db", "build.sql", "report.csv", "shop.db"]);
}

#[test]
fn sqlite_spills_to_unlinked_temporary_files_in_a_guest_tmp_mapped_from_a_host_tempdir() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.txt");
    // A tiny page cache makes the sorter and VACUUM spill to temporary files, which SQLite
    // creates in /tmp with O_EXCL, unlinks at once and goes on using through the open fd.
    let output = capwasi_run()
        .args(["--env", "HOME=/work", "--dir", &dir_arg(dir.path(), "/work"), "--dir", &dir_arg(tmp.path(), "/tmp")])
        .arg(format!("--trace={}", trace.display()))
        .args(["--trace-filter", "path_open,path_unlink_file", sqlite(), "/work/big.db"])
        .arg(
            "PRAGMA cache_size = 5; CREATE TABLE t(x);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
               INSERT INTO t SELECT printf('%08d', (i * 7919) % 20000) FROM n;
             CREATE INDEX t_x ON t(x); VACUUM;
             SELECT count(*), min(x), max(x) FROM t; PRAGMA integrity_check;",
        )
        .output()
        .unwrap();
    assert_output(&output, "20000|00000000|00019999\nok\n");
    assert_eq!(listing(tmp.path()), Vec::<String>::new(), "temporary files are unlinked");
    let trace = std::fs::read_to_string(&trace).unwrap();
    let unlinked: Vec<&str> = trace.lines().filter(|line| line.starts_with("path_unlink_file") && line.contains("etilqs_")).collect();
    assert!(!unlinked.is_empty() && unlinked.iter().all(|line| line.ends_with(']') && line.contains(" = success ")), "{trace}");
    assert_eq!(listing(dir.path()), ["big.db", "trace.txt"]);
}

// ---------------------------------------------------------------------------------------
// Exceptions, the compilation cache, fd_renumber.

/// Throws tag $oops with 42 from a nested call, catches it in `_start` with `try_table`,
/// prints "caught" and exits with the payload; `uncaught` throws past `_start`.
const EXCEPTIONS_WAT: &str = r#"
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "caught\n")
  (tag $oops (param i32))
  (func $thrower (param $n i32)
    (throw $oops (local.get $n)))
  (func $middle (param $n i32)
    (call $thrower (i32.add (local.get $n) (i32.const 1))))
  (func (export "_start")
    (local $code i32)
    (block $handler (result i32)
      (try_table (catch $oops $handler)
        (call $middle (i32.const 41)))
      (i32.const 0))
    (local.set $code)
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 7))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (local.get $code)))
  (func (export "uncaught")
    (call $middle (i32.const 0))))
"#;

fn exceptions_wat() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exceptions.wat");
    std::fs::write(&path, EXCEPTIONS_WAT).unwrap();
    (dir, path_string(path))
}

#[test]
fn wat_guest_catches_its_own_throw_with_try_table_and_exits_with_the_payload() {
    let (_dir, wat) = exceptions_wat();
    let output = capwasi_run().arg(&wat).output().unwrap();
    assert_status(&output, 42);
    assert_eq!(text(&output.stdout), "caught\n");
    assert_eq!(text(&output.stderr), "");

    // An exception nobody catches ends the program like a trap.
    let uncaught = capwasi_run().args(["--invoke", "uncaught", &wat]).output().unwrap();
    assert_status(&uncaught, 134);
    assert_eq!(text(&uncaught.stdout), "");
    assert!(text(&uncaught.stderr).starts_with("error: failed to run"), "{}", text(&uncaught.stderr));
}

#[test]
fn exceptions_switched_off_is_a_one_line_error_naming_the_proposal() {
    let (_dir, wat) = exceptions_wat();
    for module in [wat.as_str(), lua()] {
        let output = capwasi_run().args(["-W", "exceptions=n", module, "/nothing.lua"]).output().unwrap();
        assert_status(&output, 1);
        assert_eq!(text(&output.stdout), "");
        let error = one_line_error(&output);
        assert!(error.contains("it needs `-W exceptions=y`"), "{error}");
        assert!(error.contains(module), "{error}");
    }
    // Switched on explicitly it runs as by default.
    assert_status(&capwasi_run().args(["-W", "exceptions=y", &wat]).output().unwrap(), 42);
}

/// Every file under `dir`, with its length, modification time and inode.
fn snapshot(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime, u64)> {
    use std::os::unix::fs::MetadataExt;
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                pending.push(entry.path());
            } else {
                files.push((entry.path(), meta.len(), meta.modified().unwrap(), meta.ino()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn compilation_cache_is_filled_by_the_first_run_and_hit_by_the_second() {
    let cache = tempfile::tempdir().unwrap();
    let scripts = workdir("lua", &["exit.lua"]);
    let run = || {
        let output = Command::new(env!("CARGO_BIN_EXE_capwasi"))
            .args(["run", "-C", &format!("cache-dir={}", cache.path().display())])
            .args(["--dir", &dir_arg(scripts.path(), "/s"), lua(), "/s/exit.lua", "0"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_status(&output, 0);
        assert_eq!(text(&output.stdout), "exiting with 0\n");
    };
    // The compiled module is one `<hash>.cwasm`, written as a temporary file renamed over
    // the name, so a run that compiled again would leave a new inode and mtime. A hit maps
    // the entry and writes nothing.
    // Beside it may be the index that finds the module file by its identity (written once
    // the file's times are a couple of seconds old, so on either run).
    let with_ext = |files: Vec<(PathBuf, u64, std::time::SystemTime, u64)>, wanted: &str| -> Vec<_> {
        files.into_iter().filter(|file| file.0.extension().is_some_and(|ext| ext == wanted)).collect()
    };
    run();
    let all = snapshot(cache.path());
    let first = with_ext(all.clone(), "cwasm");
    assert_eq!(first.len(), 1, "one compiled module in the cache: {all:?}");
    assert!(first[0].1 > 100_000, "the compiled interpreter is not tiny: {first:?}");
    assert_eq!(first.len() + with_ext(all.clone(), "key").len(), all.len(), "nothing else: {all:?}");
    // Let a second pass of the file clock tick, so a rewrite could not keep the same mtime.
    std::thread::sleep(Duration::from_millis(20));
    run();
    let all = snapshot(cache.path());
    assert_eq!(with_ext(all.clone(), "cwasm"), first, "the second run compiled and stored the module again");
    assert!(with_ext(all, "key").len() <= 1, "one module file, one index");

    // With the cache off nothing is read or written.
    let off = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_capwasi"))
        .args(["run", "-C", &format!("cache=n,cache-dir={}", off.path().display())])
        .args(["--dir", &dir_arg(scripts.path(), "/s"), lua(), "/s/exit.lua", "0"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_status(&output, 0);
    assert_eq!(snapshot(off.path()), vec![]);
}

/// The spec refuses the move onto the free number 6 (`badf`); the program reports it and
/// exits 2, and what it printed before is not lost.
#[test]
fn stdout_moved_to_a_free_fd_is_refused_by_default_as_the_spec_says() {
    let output = capwasi_run().arg(helper_guest("stdout_renumber")).output().unwrap();
    assert_status(&output, 2);
    assert_eq!(text(&output.stdout), "1 stdout before the move\n");
    assert!(text(&output.stderr).contains("fd_renumber(1, 6): errno 8"), "{output:?}");
}

/// Under `-S renumber-like-dup2` (the opt-in departure from the spec) the program parks stdout
/// on fd 6 and moves it back without losing a line.
#[test]
fn stdout_moved_to_fd_6_and_back_with_fd_renumber_like_dup2_keeps_all_output() {
    let output = capwasi_run().args(["-S", "renumber-like-dup2"]).arg(helper_guest("stdout_renumber")).output().unwrap();
    assert_output(
        &output,
        "1 stdout before the move\n\
         2 through fd 6\n\
         3 fd 1 after the move: EBADF\n\
         4 stdout is back; fd 6 after the move back: EBADF\n\
         5 more output\n\
         6 more output\n\
         7 more output\n",
    );
}
