#!/usr/bin/env bash
# ViT encoders on this machine, fp32 (docs/BENCHMARKS.md, "ViT encoders"):
#   bench/vit.sh [SLIDE]
# Makes ViT-S/16, ViT-B/16 and ViT-L/16 bundles with seeded weights
# (tools/bundles/make_vit.py; ViT-L with its 1.2 GB of weights in external
# data), then for each: `tessera analyze` of SLIDE (default
# CMU-1-Small-Region, 46 tissue tiles) with empty caches, its tiles per
# second of the whole pipeline from result.json, and the process's peak
# RSS. All in one run, as ratios to issue 23's goals (which are for int8:
# ViT-B ≥ 15 tiles/s, ViT-L ≥ 4 tiles/s).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_test
setup_locale
slide=$(realpath "${1:-../shared/slides/aperio/CMU-1-Small-Region.svs}")
go build -o bench/out/tessera .
work=${TESSERA_BENCH_WORK:-$(mktemp -d)}
mkdir -p "$work"
export XDG_CACHE_HOME="$work/cache"
for size in s b l; do
  args=()
  [ "$size" = l ] && args=(--external)
  [ -f "$work/vit-$size/manifest.toml" ] || (cd tools/bundles && /usr/bin/python3 make_vit.py "$work/vit-$size" "$size" "${args[@]}" >"$work/gen-$size.log" 2>&1)
  rm -rf "$XDG_CACHE_HOME" "$work/out-$size"
  /usr/bin/time -f "%M" -o "$work/rss-$size" bench/out/tessera analyze "$slide" --model "$work/vit-$size" --ep cpu --out "$work/out-$size" >/dev/null 2>"$work/log-$size"
  rate=$(python3 -c "import json,glob; r=json.load(open(glob.glob('$work/out-$size/*/result.json')[0])); print('%.2f' % r['timings']['tiles_per_second'])")
  weights=$(du -cm "$work/vit-$size"/encoder.onnx* | tail -1 | cut -f1)
  case $size in b) goal=15 ;; l) goal=4 ;; *) goal= ;; esac
  ratio=""
  [ -n "$goal" ] && ratio=$(python3 -c "print('%.2f of the int8 goal (%s tiles/s)' % ($rate / $goal, $goal))")
  echo "ViT-${size^^}/16 fp32: $rate tiles/s $ratio; encoder $weights MB; peak RSS $(( $(cat "$work/rss-$size") / 1024 )) MiB"
done
