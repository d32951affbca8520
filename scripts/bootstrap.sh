#!/usr/bin/env bash
# Prepare this checkout: OS packages, the .venv, nothing else (weights: scripts/fetch_weights.py).
# Idempotent: each step leaves a stamp in .data/stamps/ keyed by what it depends on, and a
# second call skips what is done. FORCE=1 redoes every step.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
STAMPS="$ROOT/.data/stamps"
VENV="$ROOT/.venv"
WHEELS="${ANIMUSIC_WHEELS_DIR:-/opt/wheels}"
mkdir -p "$STAMPS"
t0=$SECONDS

log() { echo "[bootstrap] $*"; }
die() { echo "[bootstrap] ERROR: $*" >&2; exit 1; }
hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-12; }
# pip warns once per package about the configured file:// indexes that lack it; drop that noise
quiet_index_warnings() { grep -v "is ignored: it is neither a file nor a directory" >&2 || true; }

# ---------------------------------------------------------------- (a) OS packages
have_initdb() { compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; }
have_chromium() { command -v chromium >/dev/null || command -v chromium-browser >/dev/null; }

missing=()
have_initdb || missing+=(postgresql)
have_chromium || missing+=(chromium)
if ! command -v uv >/dev/null && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    missing+=(python3-venv)
fi

if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
        SUDO=()
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        SUDO=(sudo -n)
    else
        die "missing OS packages: ${missing[*]}. Install them (as root: apt-get update && apt-get install -y ${missing[*]}) and run again."
    fi
    command -v apt-get >/dev/null || die "missing OS packages (${missing[*]}) and no apt-get to install them"
    log "installing OS packages: ${missing[*]}"
    apt_install() {
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends "${missing[@]}"
    }
    # Only refresh the package lists when the install cannot proceed without it.
    if ! apt_install; then
        log "apt-get install failed; refreshing package lists and trying again"
        "${SUDO[@]}" apt-get update -q
        apt_install
    fi
    have_initdb || die "postgresql installed but no /usr/lib/postgresql/*/bin/initdb"
    have_chromium || die "chromium installed but not on PATH"
else
    log "OS packages present (postgresql, chromium)"
fi

# ---------------------------------------------------------------- (b) virtualenv
pick_python() {
    local c
    for c in "${PYTHON:-}" python3.11 python3; do
        [[ -n "$c" ]] && command -v "$c" >/dev/null || continue
        if "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            command -v "$c"; return 0
        fi
    done
    return 1
}

venv_key=$(hash_of pyproject.toml scripts/bootstrap.sh)
venv_stamp="$STAMPS/venv-$venv_key"
if [[ -z "${FORCE:-}" && -f "$venv_stamp" && -x "$VENV/bin/python" ]] \
    && "$VENV/bin/python" -c 'import importlib.util as u, sys
sys.exit(not all(u.find_spec(m) for m in ("animusic_serving", "animusic_assets", "torch", "dagster")))' 2>/dev/null; then
    log "venv up to date ($VENV); skipping"
else
    if [[ ! -x "$VENV/bin/python" ]]; then
        PY=$(pick_python) || die "Python 3.11 is required (set PYTHON=/path/to/python3.11)"
        log "creating $VENV with $PY"
        if command -v uv >/dev/null; then
            uv venv --seed --python "$PY" "$VENV"
        else
            "$PY" -m venv "$VENV"
        fi
    fi
    find_links=()
    torch_wheel=()
    if compgen -G "$WHEELS/torch-*.whl" >/dev/null; then
        find_links=(--find-links "$WHEELS")
    else
        log "WARNING: no torch wheel in $WHEELS; torch comes from the index (may be a large CUDA build)"
    fi
    log "installing the project: pip install -e '.[test]'"
    if command -v uv >/dev/null && ((${#find_links[@]})); then
        # uv does not read pip.conf: name the local CPU wheel so the index's CUDA build is never chosen.
        torch_wheel=("$(ls "$WHEELS"/torch-2.13.0+cpu-*.whl 2>/dev/null | head -1)")
        [[ -n "${torch_wheel[0]}" ]] || torch_wheel=()
        uv pip install --python "$VENV/bin/python" "${find_links[@]}" "${torch_wheel[@]}" -e '.[test]'
    else
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${find_links[@]}" -e '.[test]' \
            2> >(quiet_index_warnings)
    fi
    "$VENV/bin/python" -c 'import torch, dagster, dagster_postgres, sentence_transformers, animusic_serving' \
        || die "the venv does not import the project"
    rm -f "$STAMPS"/venv-*
    date -u +%FT%TZ >"$venv_stamp"
fi

log "done in $((SECONDS - t0))s"
