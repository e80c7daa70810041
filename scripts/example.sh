#!/usr/bin/env bash
# Builds capwasi and runs a real WASI program with it: `wc`, written in C, counting lines,
# words and bytes of the files in examples/wc/data, which the guest sees as /data.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
python="$(scripts/guest-toolchain.sh)"
cargo build --release --locked -p capwasi-cli
mkdir -p target/examples
"$python" -m ziglang cc -target wasm32-wasi -O2 examples/wc/wc.c -o target/examples/wc.wasm
exec target/release/capwasi run --dir examples/wc/data::/data target/examples/wc.wasm \
    /data/poem.txt /data/numbers.txt "$@"
