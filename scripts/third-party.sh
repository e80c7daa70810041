#!/usr/bin/env bash
# Fetches the sources of the real C programs that crates/capwasi-cli/tests/real_programs.rs
# builds to wasm, into .tools/third-party (never committed):
#   lua54/   Lua 5.4, as bundled in the `lupa` sdist on PyPI (third-party/lua54)
#   sqlite/  SQLite's amalgamation and its `sqlite3` shell (shell.c), as bundled in the
#            `sqlite3` package on the npm registry (deps/sqlite-autoconf-*.tar.gz)
# Pinned versions, SHA-256 checked. Idempotent: a directory whose stamp names the pinned
# archive is kept as it is. Prints the third-party directory.
#
# Usage: scripts/third-party.sh [PYTHON]   (PYTHON: the venv python of scripts/guest-toolchain.sh)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${1:-${CAPWASI_ZIG_PYTHON:-}}"
if [ -z "$python" ]; then
    python="$("$root/scripts/guest-toolchain.sh")"
fi
tools="$root/.tools"
dest="$tools/third-party"
mkdir -p "$dest" "$tools/sdist"

lupa_version="2.8"
lupa_sha256="d8022641b9ec8ecf2c5ecbe9f47e5a70e0b87c4b5ae921b92cb02a638e0acd08"
sqlite_npm_version="6.0.1"
sqlite_npm_sha256="ab8d044a93e05bd031d7ea75547c7fa60387cdc259d27f93c0e3e2832c4b1df9"
sqlite_autoconf="sqlite-autoconf-3520000"
sqlite_autoconf_sha256="f6b50b0c103392af32a8be15b2b9d25959de9a00a70c3979128aafeaa5338b3f"

# check_sha256, install_dir
source "$root/scripts/fetch-lib.sh"

# Lua 5.4 from the lupa sdist.
lua_stamp="lupa-$lupa_version.tar.gz $lupa_sha256"
if [ "$(cat "$dest/lua54/.capwasi-source" 2>/dev/null)" != "$lua_stamp" ]; then
    sdist="$tools/sdist/lupa-$lupa_version.tar.gz"
    if [ ! -f "$sdist" ] || [ "$(sha256sum "$sdist" | cut -d' ' -f1)" != "$lupa_sha256" ]; then
        echo "fetching lupa $lupa_version (sdist) from PyPI" >&2
        # pip prepares an sdist's metadata even for a download. In an isolated build env that
        # installs Cython and lupa's setup.py compiles two LuaJITs (two minutes); without
        # isolation (setuptools and wheel from the venv) and with LuaJIT off it takes seconds.
        if ! "$python" -c "import setuptools, wheel" 2>/dev/null; then
            "$python" -m pip install --quiet --disable-pip-version-check "setuptools==75.3.0" "wheel==0.45.1"
        fi
        rm -f "$sdist"
        LUPA_NO_LUAJIT=true "$python" -m pip download --quiet --disable-pip-version-check \
            --no-deps --no-binary lupa --no-build-isolation "lupa==$lupa_version" -d "$tools/sdist" >&2
    fi
    check_sha256 "$sdist" "$lupa_sha256"
    staging="$(mktemp -d "$dest/.lua54.XXXXXX")"
    tar -xzf "$sdist" -C "$staging" --strip-components=3 "lupa-$lupa_version/third-party/lua54"
    install_dir "$staging" "$dest/lua54" "$lua_stamp"
fi

# SQLite (amalgamation + shell) from the sqlite3 npm package.
sqlite_stamp="sqlite3-$sqlite_npm_version.tgz $sqlite_npm_sha256 $sqlite_autoconf"
if [ "$(cat "$dest/sqlite/.capwasi-source" 2>/dev/null)" != "$sqlite_stamp" ]; then
    tgz="$tools/sdist/sqlite3-$sqlite_npm_version.tgz"
    if [ ! -f "$tgz" ] || [ "$(sha256sum "$tgz" | cut -d' ' -f1)" != "$sqlite_npm_sha256" ]; then
        echo "fetching sqlite3 $sqlite_npm_version from the npm registry" >&2
        command -v npm >/dev/null || { echo "error: npm is needed to fetch SQLite's sources" >&2; exit 1; }
        rm -f "$tgz"
        # `npm pack` of a registry spec only downloads (integrity-checked): no install scripts run.
        (cd "$tools/sdist" && npm pack --silent "sqlite3@$sqlite_npm_version" >/dev/null)
    fi
    check_sha256 "$tgz" "$sqlite_npm_sha256"
    staging="$(mktemp -d "$dest/.sqlite.XXXXXX")"
    tar -xzf "$tgz" -C "$staging" "package/deps/$sqlite_autoconf.tar.gz"
    check_sha256 "$staging/package/deps/$sqlite_autoconf.tar.gz" "$sqlite_autoconf_sha256"
    tar -xzf "$staging/package/deps/$sqlite_autoconf.tar.gz" -C "$staging" --strip-components=1 \
        "$sqlite_autoconf/sqlite3.c" "$sqlite_autoconf/sqlite3.h" "$sqlite_autoconf/sqlite3ext.h" \
        "$sqlite_autoconf/shell.c" "$sqlite_autoconf/VERSION"
    rm -rf "$staging/package"
    install_dir "$staging" "$dest/sqlite" "$sqlite_stamp"
fi

echo "$dest"
