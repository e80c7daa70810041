#!/usr/bin/env bash
# Installs the guest C compiler (Zig's clang + wasi-libc, from PyPI) into .tools/venv.
# Idempotent: does nothing when the pinned version is already there. Prints the python to use.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.tools/venv"
zig_version="0.17.1"
if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('ziglang') != '$zig_version')" 2>/dev/null; then
    echo "installing ziglang $zig_version into .tools/venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "ziglang==$zig_version"
fi
echo "$venv/bin/python"
