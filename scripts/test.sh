#!/usr/bin/env bash
# Runs the whole capwasi test suite on a fresh machine: installs the guest C compiler, fetches
# the sources of the real programs the CLI tests build (Lua, SQLite), then builds and runs
# every unit, guest, CLI and doc test, and runs the guest suite again under the async
# (Tokio) linker, on wasmi, and with every granted directory held by the in-memory
# filesystem (capwasi-memfs) instead of cap-std; then the suite's sync pass on Wasmtime 47
# and 46, and the wasi-common embedder programs on Wasmtime 46.
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
# Older Wasmtime releases: the glue and the drop-in crates are built against each release
# capwasi supports (Cargo features wasmtime-47, wasmtime-46; 48 ran above). Each pass builds
# that Wasmtime once and one suite binary; the differential tests need wasmtime-wasi 48 and
# are left out there. Cost on a clean clone (2 cores shared with other builds): 47 pass
# 7.0 min, 46 pass 3.8 min, embedders 0.6 min; target/ grows from 1.8 GB to 3.0 GB.
for version in 47 46; do
    echo "--- the guest suite's sync pass again, on Wasmtime $version"
    cargo test --locked -p capwasi-tests --no-default-features --features "wasmtime-$version" --test suite "$@"
done
echo "--- the wasi-common 46 embedder programs on Wasmtime 46, against the drop-in crates"
# A workspace of its own (embedders/wasmtime-46/Cargo.lock), built into this target directory
# with the same profile, so it reuses the Wasmtime 46 the suite pass just built.
cargo test --locked --manifest-path embedders/wasmtime-46/Cargo.toml --target-dir "$root/target" "$@"
echo "--- the core builds without any engine"
if cargo tree --locked -p capwasi -e normal,build | grep -qE 'wasmtime|wasmi'; then
    echo "error: the capwasi core depends on an engine:" >&2
    cargo tree --locked -p capwasi -e normal,build | grep -E 'wasmtime|wasmi' >&2
    exit 1
fi
