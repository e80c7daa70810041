#!/usr/bin/env python3
"""CLI-level comparison: the same C guest under `capwasi run`, `wasmtime run` 46.0.1
(`-S preview2=n`, the legacy wasi-common host), `wasmtime run` 49.0.4 (wasmtime-wasi p1),
Node 20 `node:wasi`, and natively; plus wasi-threads spawn+join (WAT) where a runtime has it.

Per-operation cost = (time of a run doing N operations - time of a run doing none) / N, so
start-up (process, compilation or cache load) is subtracted, as in shared/targets.md. Runs are
timed with hyperfine when it is on PATH, else with a Python loop; the median of several runs
is used. Writes JSON (default: crates/capwasi-bench/cli-results.json) that report.py renders.

Normally started through ../cli_compare.sh, which installs the peers and builds the guests.
Standard library only.
"""

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CRATE = HERE.parent

# mode of guests/c/wasi_ops.c -> iterations of the probe run that sizes the timed runs
MODES = {
    "write1": 2000,
    "clock": 20000,
    "read1m": 20,
    "pread": 2000,
    "openstat": 500,
    "stat": 500,
    "readdir": 1,
    "random": 2000,
}
THREAD_PROBE = 50
DIR_ENTRIES = 10_000
DATA_LEN = 64 << 20


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def make_fixture(root: Path):
    """The same files the criterion benches use: data (64 MiB), small, out1, d10000/."""
    root.mkdir(parents=True, exist_ok=True)
    data = root / "data"
    if not data.exists() or data.stat().st_size != DATA_LEN:
        chunk = os.urandom(1 << 20)
        with open(data, "wb") as f:
            for _ in range(DATA_LEN >> 20):
                f.write(chunk)
    (root / "small").write_bytes(b"x" * 100)
    (root / "out1").write_bytes(b"")
    d = root / "d10000"
    if not d.is_dir() or len(os.listdir(d)) != DIR_ENTRIES:
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
        for i in range(DIR_ENTRIES):
            (d / f"{i:05d}").touch()


def spawn_wat(n: int) -> str:
    """A wasi-threads program whose _start spawns and joins n threads, one at a time."""
    return f"""(module
  (import "env" "memory" (memory 1 1 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32)
    (i32.atomic.store (local.get $arg) (i32.const 1))
    (drop (memory.atomic.notify (local.get $arg) (i32.const 1))))
  (func (export "_start")
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.const {n})))
        (i32.atomic.store (i32.const 64) (i32.const 0))
        (if (i32.lt_s (call $spawn (i32.const 64)) (i32.const 0)) (then unreachable))
        (block $joined
          (loop $wait
            (br_if $joined (i32.atomic.load (i32.const 64)))
            (drop (memory.atomic.wait32 (i32.const 64) (i32.const 0) (i64.const -1)))
            (br $wait)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))))
"""


class Timer:
    def __init__(self, runs: int, use_hyperfine: bool):
        self.runs = runs
        self.hyperfine = shutil.which("hyperfine") if use_hyperfine else None

    def check(self, cmd):
        """Runs cmd once (also warming caches); returns an error message or None."""
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
        if proc.returncode != 0:
            lines = [line.strip() for line in proc.stderr.decode(errors="replace").splitlines() if line.strip()]
            # The first error line says why; a backtrace follows it.
            why = next((line for line in lines if line.lower().startswith("error")), lines[0] if lines else "")
            return f"exit {proc.returncode}: {why[:300]}"
        return None

    def once(self, cmd) -> float:
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=600)
        return time.perf_counter() - start

    def median(self, cmd, runs=None) -> float:
        runs = runs or self.runs
        if self.hyperfine:
            with tempfile.NamedTemporaryFile(suffix=".json") as out:
                subprocess.run(
                    [self.hyperfine, "-N", "--warmup", "1", "--runs", str(runs), "--export-json", out.name,
                     "--style", "none", "--", shlex.join(map(str, cmd))],
                    check=True, stdout=subprocess.DEVNULL, timeout=3600,
                )
                return json.load(open(out.name))["results"][0]["median"]
        self.once(cmd)
        return statistics.median(self.once(cmd) for _ in range(runs))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--capwasi", required=True)
    ap.add_argument("--wasmtime46")
    ap.add_argument("--wasmtime49")
    ap.add_argument("--node", default=shutil.which("node"))
    ap.add_argument("--wasm", required=True, help="wasi_ops.c built for wasm32-wasi")
    ap.add_argument("--native", required=True, help="wasi_ops.c built for the host")
    ap.add_argument("--fixture", default=None, help="directory for the fixture (default: a temp dir)")
    ap.add_argument("--out", default=str(CRATE / "cli-results.json"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=0.5, help="target duration of the work in one timed run")
    ap.add_argument("--no-hyperfine", action="store_true")
    ap.add_argument("--modes", default=",".join(list(MODES) + ["spawn"]))
    args = ap.parse_args()

    timer = Timer(args.runs, not args.no_hyperfine)
    tmp = tempfile.TemporaryDirectory(prefix="capwasi-cli-")
    fixture = Path(args.fixture) if args.fixture else Path(tmp.name) / "fixture"
    log(f"fixture in {fixture}")
    make_fixture(fixture)
    dir_map = f"{fixture}::/work"

    runtimes = {"native": lambda mode, n: [args.native, mode, n, str(fixture)]}
    runtimes["capwasi"] = lambda mode, n: [args.capwasi, "run", "--dir", dir_map, args.wasm, mode, n, "/work"]
    if args.wasmtime46:
        runtimes["wasmtime-46-legacy"] = lambda mode, n: [args.wasmtime46, "run", "-S", "preview2=n", "--dir", dir_map, args.wasm, mode, n, "/work"]
    if args.wasmtime49:
        runtimes["wasmtime-49-p1"] = lambda mode, n: [args.wasmtime49, "run", "--dir", dir_map, args.wasm, mode, n, "/work"]
    if args.node:
        node_runner = str(HERE / "node_wasi.mjs")
        runtimes["node-20"] = lambda mode, n: [args.node, "--no-warnings", node_runner, str(fixture), args.wasm, mode, n, "/work"]

    # wasi-threads: one WAT module per iteration count; native is pthread_create + join.
    spawn_dir = Path(tmp.name) / "spawn"
    spawn_dir.mkdir()

    def spawn_module(n):
        path = spawn_dir / f"spawn{n}.wat"
        if not path.exists():
            path.write_text(spawn_wat(int(n)))
        return str(path)

    threads = {"native": lambda n: [args.native, "spawn", n, str(fixture)]}
    threads["capwasi"] = lambda n: [args.capwasi, "run", "-S", "threads", spawn_module(n)]
    if args.wasmtime46:
        threads["wasmtime-46-legacy"] = lambda n: [args.wasmtime46, "run", "-S", "preview2=n", "-S", "threads=y", "-W", "threads=y,shared-memory=y", spawn_module(n)]
    if args.wasmtime49:
        threads["wasmtime-49-p1"] = lambda n: [args.wasmtime49, "run", "-S", "threads=y", "-W", "threads=y,shared-memory=y", spawn_module(n)]

    results = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "timer": "hyperfine" if timer.hyperfine else "python loop",
        "runs": args.runs,
        "versions": {},
        "startup_ms": {},
        "per_op_ns": {},
        "iterations": {},
        "errors": {},
    }
    for name, cmd in [("wasmtime-46-legacy", args.wasmtime46), ("wasmtime-49-p1", args.wasmtime49), ("node-20", args.node), ("capwasi", args.capwasi)]:
        if cmd:
            try:
                out = subprocess.run([cmd, "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
                results["versions"][name] = out.splitlines()[0] if out else "?"
            except OSError as err:
                results["versions"][name] = f"unavailable: {err}"

    modes = [m for m in args.modes.split(",") if m]

    def measure(mode, runtime, make_cmd, probe, startup):
        """Per-operation ns for one (mode, runtime), or records an error."""
        err = timer.check(make_cmd(probe))
        if err:
            results["errors"].setdefault(mode, {})[runtime] = err
            log(f"  {mode:9} {runtime:20} failed: {err}")
            return
        # Size the timed runs in two steps (the probe alone is dominated by start-up noise).
        n = int(probe)
        for _ in range(2):
            per_op = max(timer.once(make_cmd(str(n))) - startup, 1e-4) / n
            n = max(int(probe), int(args.seconds / per_op))
        t = timer.median(make_cmd(str(n)))
        ns = max(t - startup, 0.0) / n * 1e9
        results["per_op_ns"].setdefault(mode, {})[runtime] = ns
        results["iterations"].setdefault(mode, {})[runtime] = n
        log(f"  {mode:9} {runtime:20} {ns:14.1f} ns/op  (n={n}, run {t * 1e3:.0f} ms, start-up {startup * 1e3:.1f} ms)")

    for runtime, make_cmd in runtimes.items():
        err = timer.check(make_cmd("clock", "0"))
        if err:
            results["errors"].setdefault("start-up", {})[runtime] = err
            log(f"{runtime}: cannot run the guest: {err}")
            continue
        startup = timer.median(make_cmd("clock", "0"), runs=max(args.runs, 10))
        results["startup_ms"][runtime] = startup * 1e3
        log(f"{runtime}: start-up {startup * 1e3:.1f} ms")
        for mode in modes:
            if mode in MODES:
                measure(mode, runtime, lambda n, m=mode: make_cmd(m, str(n)), str(MODES[mode]), startup)
        if "spawn" in modes and runtime in threads:
            make = threads[runtime]
            err = timer.check(make("0"))
            if err:
                results["errors"].setdefault("spawn", {})[runtime] = err
                log(f"  spawn     {runtime:20} failed: {err}")
                continue
            spawn_startup = timer.median(make("0"), runs=max(args.runs, 10))
            measure("spawn", runtime, lambda n: make(str(n)), str(THREAD_PROBE), spawn_startup)

    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
