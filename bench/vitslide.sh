#!/usr/bin/env bash
# A ViT-B bundle end to end on the 16,000 × 12,000 bench slide
# (docs/BENCHMARKS.md, "ViT encoders"):   bench/vitslide.sh
# Builds the slide with ../shared/bench/make-bench-slide.sh (real H&E
# tiled, 0.499 µm/px), makes the ViT-B/16 bundle and its int8 variant
# (parity measured on CMU-1-Small-Region) unless TESSERA_BENCH_WORK has
# them, then runs `tessera analyze` with each, empty caches, and prints
# tiles per second of the whole command, the ratio int8/fp32 (goal ≥ 1.6)
# and to the goal (≥ 15 tiles/s int8), and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_test
setup_locale
go build -o bench/out/tessera .
work=${TESSERA_BENCH_WORK:-$(mktemp -d)}
mkdir -p "$work"
slide="$work/bench-16000x12000.tif"
[ -f "$slide" ] || ../shared/bench/make-bench-slide.sh "$slide" 16000 12000 >/dev/null
[ -f "$work/vit-b/manifest.toml" ] || (cd tools/bundles && /usr/bin/python3 make_vit.py "$work/vit-b" b >"$work/gen-b.log" 2>&1)
[ -f "$work/vit-b-int8/manifest.toml" ] || bench/out/tessera bundle quantize "$work/vit-b" --slides ../shared/slides/aperio/CMU-1-Small-Region.svs --out "$work/vit-b-int8" >/dev/null
export XDG_CACHE_HOME="$work/cache"
declare -A rate
for b in vit-b vit-b-int8; do
  rm -rf "$XDG_CACHE_HOME" "$work/slide-out-$b"
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/slide-rss-$b" bench/out/tessera analyze "$slide" --model "$work/$b" --ep cpu --out "$work/slide-out-$b" >/dev/null 2>"$work/slide-log-$b"
  end=$(date +%s.%N)
  read -r tiles secs < <(python3 -c "import json,glob; r=json.load(open(glob.glob('$work/slide-out-$b/*/result.json')[0])); print(r['tiles_total'], '%.1f' % ($end - $start))")
  rate[$b]=$(python3 -c "print('%.2f' % ($tiles / $secs))")
  echo "$b: $tiles tissue tiles in $secs s (whole command, cold caches): ${rate[$b]} tiles/s; peak RSS $(( $(cat "$work/slide-rss-$b") / 1024 )) MiB"
done
python3 -c "print('int8 / fp32: %.2fx (goal 1.6x); int8 vs the 15 tiles/s goal: %.2f' % (${rate[vit-b-int8]} / ${rate[vit-b]}, ${rate[vit-b-int8]} / 15))"
