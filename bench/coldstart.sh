#!/usr/bin/env bash
# Cold start of `tessera analyze` with the ResNet-18 + ABMIL research bundle
# (docs/BENCHMARKS.md, "Cold start"): bench/coldstart.sh [SLIDE]
#   1. first use on a machine: empty caches (the bundle is validated once)
#   2. a fresh analysis: empty result cache, bundle validated before
#   3. a cached result: the same command again
# Prints each process's wall time and, for 2, when the first scores were
# ready after the command started (an upper bound: wall time − analysis
# time + first scores within the analysis).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_test
setup_locale
slide=${1:-../shared/slides/aperio/CMU-1-Small-Region.svs}
go build -o bench/out/tessera .
resnet=$(go run ./internal/testbundles/cmd resnet-abmil)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache"
run() { # run NAME: wall seconds of one analyze, output in $work/NAME
  local t0 t1
  t0=$(date +%s.%N)
  bench/out/tessera analyze "$slide" --model "$resnet" --ep cpu --out "$work/$1" >/dev/null 2>"$work/$1.log"
  t1=$(date +%s.%N)
  calc "$t1 - $t0"
}
calc() { python3 -c "print($1)"; }
first=$(run first)
rm -rf "$XDG_CACHE_HOME/tessera/results"
fresh=$(run fresh)
cached=$(run cached)
result=$(ls "$work"/fresh/*/result.json)
total_ms=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['timings']['total_ms'])" "$result")
first_ms=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['timings']['first_scores_ms'])" "$result")
first_scores=$(calc "$fresh - $total_ms/1000 + $first_ms/1000")
printf 'slide: %s\n' "$(basename "$slide")"
printf 'first use on this machine (validates the bundle): %.2f s\n' "$first"
printf 'fresh analysis, whole command: %.2f s; first scores %.2f s after start → %.2f of the 1.5 s limit\n' "$fresh" "$first_scores" "$(calc "$first_scores/1.5")"
printf 'cached result, whole command: %.2f s → %.2f of the 0.5 s limit\n' "$cached" "$(calc "$cached/0.5")"
grep -q "cached result" "$work/cached.log" || { echo "the third run did not use the cache" >&2; exit 1; }
if grep -q "execution provider" "$work/cached.log"; then echo "the cached run created sessions" >&2; exit 1; fi
