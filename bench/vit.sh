#!/usr/bin/env bash
# ViT encoders on this machine, fp32 (docs/BENCHMARKS.md, "ViT encoders"):
#   bench/vit.sh [SLIDE]
# Makes ViT-S/16, ViT-B/16 and ViT-L/16 bundles with seeded weights
# (tools/bundles/make_vit.py; ViT-L with its 1.2 GB of weights in external
# data), then for each: `tessera analyze` of SLIDE (default
# CMU-1-Small-Region, 46 tissue tiles) with empty caches, its tiles per
# second of the whole pipeline from result.json, and the process's peak
# RSS. Then the int8 variants of ViT-B and ViT-L (`tessera bundle quantize`,
# parity measured on SLIDE) the same way. All in one run, as ratios to
# issue 23's goals (for int8: ViT-B ≥ 15 tiles/s, ViT-L ≥ 4 tiles/s; int8
# ≥ 1.6× fp32).
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
declare -A fp32
measure() { # bundle folder, label → rate in $rate, peak RSS in $rss (MiB)
  rm -rf "$XDG_CACHE_HOME" "$work/out-$2"
  /usr/bin/time -f "%M" -o "$work/rss-$2" bench/out/tessera analyze "$slide" --model "$1" --ep cpu --out "$work/out-$2" >/dev/null 2>"$work/log-$2"
  rate=$(python3 -c "import json,glob; r=json.load(open(glob.glob('$work/out-$2/*/result.json')[0])); print('%.2f' % r['timings']['tiles_per_second'])")
  rss=$(( $(cat "$work/rss-$2") / 1024 ))
}
for size in s b l; do
  args=()
  [ "$size" = l ] && args=(--external)
  [ -f "$work/vit-$size/manifest.toml" ] || (cd tools/bundles && /usr/bin/python3 make_vit.py "$work/vit-$size" "$size" "${args[@]}" >"$work/gen-$size.log" 2>&1)
  measure "$work/vit-$size" "$size"
  fp32[$size]=$rate
  weights=$(du -cm "$work/vit-$size"/encoder.onnx* | tail -1 | cut -f1)
  case $size in b) goal=15 ;; l) goal=4 ;; *) goal= ;; esac
  ratio=""
  [ -n "$goal" ] && ratio=$(python3 -c "print('%.2f of the int8 goal (%s tiles/s)' % ($rate / $goal, $goal))")
  echo "ViT-${size^^}/16 fp32: $rate tiles/s $ratio; encoder $weights MB; peak RSS $rss MiB"
done
for size in b l; do
  q="$work/vit-$size-int8"
  [ -f "$q/manifest.toml" ] || bench/out/tessera bundle quantize "$work/vit-$size" --slides "$slide" --out "$q" >"$work/quantize-$size.log" 2>&1 || { cat "$work/quantize-$size.log"; exit 1; }
  measure "$q" "$size-int8"
  case $size in b) goal=15 ;; l) goal=4 ;; esac
  weights=$(du -cm "$q"/encoder.onnx | tail -1 | cut -f1)
  python3 -c "print('ViT-${size^^}/16 int8: $rate tiles/s, %.2f of the goal ($goal tiles/s), %.2fx fp32 (${fp32[$size]} tiles/s; goal 1.6x); encoder $weights MB; peak RSS $rss MiB' % ($rate / $goal, $rate / ${fp32[$size]}))"
  grep -h "feature cosine\|probability" "$work/quantize-$size.log" | sed 's/^/  /'
done
