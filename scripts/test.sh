#!/usr/bin/env bash
# Runs the whole capwasi test suite on a fresh machine: installs the guest C compiler, then
# builds and runs every unit, guest, CLI and doc test, and runs the guest suite a second time
# under the async (Tokio) linker.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CAPWASI_ZIG_PYTHON="$(scripts/guest-toolchain.sh)"
cargo test --workspace --locked "$@"
echo "--- the guest suite again, under the async linker"
CAPWASI_LINKER=async cargo test --locked -p capwasi-tests --test suite "$@"
