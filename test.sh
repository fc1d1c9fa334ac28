#!/usr/bin/env bash
# Runs every Tessera test, including real-window tests under Xvfb
# (all set-up included): ./test.sh
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
setup_test
setup_locale
export TESSERA_REQUIRE_XVFB=1   # real-window tests fail instead of skipping
export TESSERA_REQUIRE_ORT=1    # model tests fail instead of skipping

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  say "gofmt needed on: $unformatted"
  exit 1
fi
go vet ./...
go test -race -count=1 ./viewer/... ./internal/... ./inference/...
go test -count=1 ./...
