#!/usr/bin/env bash
# Runs the whole capwasi test suite on a fresh machine: installs the guest C compiler, fetches
# the sources of the real programs the CLI tests build (Lua, SQLite), then builds and runs
# every unit, guest, CLI and doc test, and runs the guest suite again under the async
# (Tokio) linker, on wasmi, and with every granted directory held by the in-memory
# filesystem (capwasi-memfs) instead of cap-std.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# (Assigned before export: `export X="$(cmd)"` would hide a failing cmd from `set -e`.)
CAPWASI_ZIG_PYTHON="$(scripts/guest-toolchain.sh)"
CAPWASI_THIRD_PARTY="$(scripts/third-party.sh "$CAPWASI_ZIG_PYTHON")"
export CAPWASI_ZIG_PYTHON CAPWASI_THIRD_PARTY
# A fresh machine gains nothing from incremental caches; they were 1.8 GB of a clean build.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
cargo test --workspace --locked "$@"
# The passes below keep --workspace: with -p alone Cargo resolves other features for Wasmtime
# and builds it (and every test binary) a second time, doubling the disk used.
echo "--- the guest suite again, under the async linker"
CAPWASI_LINKER=async cargo test --workspace --locked --test suite "$@"
echo "--- the guest suite again, on wasmi"
CAPWASI_ENGINE=wasmi cargo test --workspace --locked --test suite "$@"
echo "--- the guest suite again, with directories in memory (capwasi-memfs)"
CAPWASI_FS=mem cargo test --workspace --locked --test suite "$@"
echo "--- the core builds without any engine"
if cargo tree --locked -p capwasi -e normal,build | grep -qE 'wasmtime|wasmi'; then
    echo "error: the capwasi core depends on an engine:" >&2
    cargo tree --locked -p capwasi -e normal,build | grep -E 'wasmtime|wasmi' >&2
    exit 1
fi
