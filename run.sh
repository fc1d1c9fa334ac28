#!/usr/bin/env bash
# Builds and runs Tessera: ./run.sh [SLIDE...]  (all set-up included).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
setup_base
setup_locale
go build -o bin/tessera .
case "${1:-}" in
  info|snapshot|analyze|report|help|-h|--help) ;;   # headless commands need no display
  *) if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
       say "no display: run this from a desktop session (or set DISPLAY)"
       exit 1
     fi ;;
esac
exec bin/tessera "$@"
