#!/usr/bin/env bash
# Prepare this checkout for running, testing and linting. Idempotent, and quick when nothing changed:
#   1. Debian packages the app and its tests need (installed only when one is missing);
#   2. the virtual environment .venv (created only when missing or broken);
#   3. pip install -r requirements.txt (only when requirements.txt changed since the last good install);
#   4. compiled translations (.mo), rebuilt only when a .po file is newer than its .mo.
# Usage: bash scripts/bootstrap.sh      (no activation needed afterwards: use .venv/bin/python)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
VENV="$ROOT/.venv"
STAMP="$VENV/.requirements.sha256"

log() { printf '[bootstrap] %s\n' "$*"; }
die() { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }

# --- helpers ---------------------------------------------------------------------------------------
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        # Never wait for a password prompt when there is no terminal (CI runs without stdin).
        if [ -t 0 ]; then SUDO=(sudo); else SUDO=(sudo -n); fi
    fi
fi

deb_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

apt_install() {
    if ! command -v apt-get >/dev/null 2>&1; then
        die "missing system packages ($*) and apt-get is not available: install them by hand"
    fi
    if [ "$(id -u)" -ne 0 ] && [ "${#SUDO[@]}" -eq 0 ]; then
        die "missing system packages ($*): not root and no sudo; install them by hand"
    fi
    log "installing Debian packages: $*"
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get update -qq </dev/null
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "$@" </dev/null >/dev/null
}

# --- 1. Debian packages ----------------------------------------------------------------------------
missing=()
# Chromium for the Playwright browser tests (never `playwright install`: it downloads a browser).
[ -x /usr/bin/chromium ] || missing+=(chromium)
# gettext's msgfmt for compilemessages.
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
# WeasyPrint (letters as PDF) needs pango and at least one font.
for pkg in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; do
    deb_installed "$pkg" || missing+=("$pkg")
done
# psql / pg_isready are handy for the PostgreSQL test run (scripts/services.sh).
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)

PYTHON=""
for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
        && "$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
        PYTHON="$(command -v "$candidate")"
        break
    fi
done
if [ -z "$PYTHON" ] && [ ! -x "$VENV/bin/python" ]; then
    missing+=(python3 python3-venv python3-dev)
fi

if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}"
else
    log "system packages: ok"
fi

# --- 2. virtual environment ------------------------------------------------------------------------
if [ -x "$VENV/bin/python" ] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    # A venv copied from another machine (or whose base interpreter went away) is useless: rebuild it.
    log ".venv is broken (its interpreter does not start): recreating it"
    rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
    if [ -z "$PYTHON" ]; then
        for candidate in python3.11 python3; do
            if command -v "$candidate" >/dev/null 2>&1; then PYTHON="$(command -v "$candidate")"; break; fi
        done
    fi
    [ -n "$PYTHON" ] || die "no python3.11/python3 found"
    log "creating .venv with $PYTHON ($("$PYTHON" --version 2>&1))"
    "$PYTHON" -m venv "$VENV"
    rm -f "$STAMP"
else
    log ".venv: ok ($("$VENV/bin/python" --version 2>&1))"
fi

# --- 3. Python requirements ------------------------------------------------------------------------
want="$(sha256sum requirements.txt | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
    log "installing requirements.txt into .venv (changed or first install) ..."
    start=$SECONDS
    # (The grep only drops pip's noise about configured local indexes that do not exist here.)
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
        "$VENV/bin/python" -m pip install -q -r requirements.txt </dev/null 2>&1 \
        | { grep -v "^WARNING: Location 'file:.*' is ignored" || true; }
    printf '%s\n' "$want" >"$STAMP"
    log "requirements installed in $((SECONDS - start)) s"
else
    log "requirements: up to date"
fi

# --- 4. translations -------------------------------------------------------------------------------
stale=0
found=0
while IFS= read -r -d '' po; do
    found=1
    mo="${po%.po}.mo"
    if [ ! -f "$mo" ] || [ "$po" -nt "$mo" ]; then stale=1; break; fi
done < <(find . \( -path ./.venv -o -path ./node_modules -o -path ./staticfiles -o -path ./.git \) -prune \
    -o -name '*.po' -path '*/LC_MESSAGES/*' -print0)
if [ "$found" -eq 0 ]; then
    log "translations: no .po files yet, nothing to compile"
elif [ "$stale" -eq 1 ]; then
    log "compiling translations (.po -> .mo)"
    "$VENV/bin/python" manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0
else
    log "translations: up to date"
fi

log "done"
