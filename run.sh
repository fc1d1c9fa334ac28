#!/usr/bin/env bash
# Builds and runs Tessera: ./run.sh [SLIDE...]  (all set-up included).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
setup_base
setup_locale
go build -o bin/tessera .
# Headless commands need no display; the binary knows which they are.
if ! bin/tessera commands | grep -qxF -- "${1:-}"; then
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    say "no display: run this from a desktop session (or set DISPLAY)"
    exit 1
  fi
fi
exec bin/tessera "$@"
