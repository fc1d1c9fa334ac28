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
if [ "$(id -u)" -eq 0 ]; then
  export TESSERA_REQUIRE_SLURM=1  # the one-node Slurm test cluster runs as root: fail instead of skipping
fi

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  say "gofmt needed on: $unformatted"
  exit 1
fi
go vet ./...
(cd internal/earlyenv && go vet ./... && go test -count=1 ./...)  # a module of its own (see its doc)
# Every package runs under the race detector but app: Fyne's test driver
# runs fyne.Do on the calling goroutine, so its tests touch widgets from the
# panes' background goroutines by construction (the real driver does not).
# Each package must finish well inside half of TIMEOUT on a loaded 2-core
# machine; the slowest packages and tests are listed at the end with their
# share of it (tools/testreport).
TIMEOUT=20m
go build -o "${TMPDIR:-/tmp}/tessera-testreport" ./tools/testreport
go test -json -race -count=1 -timeout "$TIMEOUT" $(go list ./... | grep -v '^tessera/app$') \
  | "${TMPDIR:-/tmp}/tessera-testreport" -timeout "$TIMEOUT"
go test -json -count=1 -timeout "$TIMEOUT" ./app | "${TMPDIR:-/tmp}/tessera-testreport" -timeout "$TIMEOUT"
# The Windows build's slide readers (no OpenSlide: Tessera's own SVS and
# TIFF readers), on Linux; the Windows artifacts themselves are checked
# under Wine by packaging/test-windows.sh before a release.
go test -count=1 -timeout 5m -tags noopenslide ./slide
