#!/usr/bin/env bash
# Reproduces the figures in docs/BENCHMARKS.md on this machine:
#   bench/run.sh [viewer|app|inference]        (default: all)
# Builds the 30000×28000 bench slide once (needs ../shared/bench and vips)
# into bench/out/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_test
setup_locale
mkdir -p bench/out
slide=bench/out/bench-30000x28000.tif
if [ ! -f "$slide" ]; then
  ../shared/bench/make-bench-slide.sh "$slide"
fi
what=${1:-all}
if [ "$what" = all ] || [ "$what" = viewer ]; then
  go run ./bench/viewerbench -slide "$slide"
  # The same slide as a DICOM series (TILED_FULL JPEG, one file per level).
  if [ ! -f bench/out/bench-dicom/level-0.dcm ]; then
    bench/make-bench-dicom.sh "$slide" bench/out/bench-dicom
  fi
  go run ./bench/viewerbench -slide bench/out/bench-dicom
fi
if [ "$what" = all ] || [ "$what" = app ]; then
  TESSERA_BENCH_SLIDE="$PWD/$slide" go test -run NONE -bench ReopenAnalysed -benchtime 10x ./app
  TESSERA_BENCH_SLIDE="$PWD/$slide" go test -run NONE -bench MemoryAfterAnalysis -benchtime 1x ./app
  bench/coldstart.sh
fi
if [ "$what" = all ] || [ "$what" = inference ]; then
  go run ./bench/inferencebench -slide "$slide" -qc
  resnet=$(go run ./internal/testbundles/cmd resnet-abmil)
  go run ./bench/inferencebench -slide "$slide" -model "$resnet"
fi
