#!/usr/bin/env bash
# Cohort throughput: `tessera cohort run` on small real-tissue slides
# (square pieces of the bench slide, from its centre) against `tessera
# analyze` on the whole bench slide, in tiles per second of wall time, with
# the built-in model and no caches. Goal: the cohort's rate ≥ 0.9× the
# single slide's.
#   bench/cohort.sh [SLIDE [SIDE [PER_ROW]]]
# default: bench/out/bench-30000x28000.tif, 36 pieces of 2048² (6 × 6);
# bench/cohort.sh "" 8192 3 takes 9 biopsy-sized pieces of 8192².
set -euo pipefail
cd "$(dirname "$0")/.."
slide=${1:-bench/out/bench-30000x28000.tif}
side=${2:-2048}
per=${3:-6}
n=$(( per * per ))
out=bench/out/cohort-$side
pieces=$out/pieces
mkdir -p "$pieces"
go build -o bench/out/tessera .
if [ ! -f "$pieces/piece-$(( n - 1 )).tif" ]; then
  vips copy "$slide" "$out/whole.v"
  w=$(vipsheader -f width "$slide"); h=$(vipsheader -f height "$slide")
  x0=$(( w / 2 - per * side / 2 )); y0=$(( h / 2 - per * side / 2 ))
  mpp=$(bench/out/tessera info "$slide" | sed -n 's/.*"mpp_x": \([0-9.]*\).*/\1/p')
  res=$(awk -v m="$mpp" 'BEGIN { printf "%.4f", 1000 / m }')  # pixels per mm
  for i in $(seq 0 $(( n - 1 ))); do
    x=$(( x0 + (i % per) * side )); y=$(( y0 + (i / per) * side ))
    vips crop "$out/whole.v" "$out/piece.v" $x $y $side $side
    vips tiffsave "$out/piece.v" "$pieces/piece-$i.tif" --tile --pyramid --compression jpeg --Q 90 --xres "$res" --yres "$res"
  done
  rm -f "$out/whole.v" "$out/piece.v"
fi
{ echo "patient_id,slide"; for i in $(seq 0 $(( n - 1 ))); do echo "B$i,$PWD/$pieces/piece-$i.tif"; done; } > "$out/cohort.csv"

now() { date +%s.%N; }
t0=$(now)
bench/out/tessera analyze "$slide" --no-feature-cache --out "$out/single" 2>/dev/null >/dev/null
t1=$(now)
single_tiles=$(sed -n 's/.*"tiles_total": \([0-9]*\).*/\1/p' "$out/single/$(basename "${slide%.*}")/result.json")
rm -rf "$out/run"
t2=$(now)
bench/out/tessera cohort run "$out/cohort.csv" --out "$out/run" --no-feature-cache 2>/dev/null >/dev/null || true
t3=$(now)
cohort_tiles=$(awk -F, 'NR > 1 && $7 != "" { s += $7 } END { print s }' "$out/run/slides.csv")
rm -rf "$out/run1"
t4=$(now)
bench/out/tessera cohort run "$out/cohort.csv" --out "$out/run1" --no-feature-cache --jobs 1 2>/dev/null >/dev/null || true
t5=$(now)
awk -v n="$n" -v side="$side" -v st="$single_tiles" -v s="$(echo "$t1 - $t0" | bc)" -v ct="$cohort_tiles" -v c="$(echo "$t3 - $t2" | bc)" -v c1="$(echo "$t5 - $t4" | bc)" 'BEGIN {
  printf "single slide: %d tiles in %.1f s (%.1f tiles/s); cohort of %d pieces of %d²: %d tiles in %.1f s (%.1f tiles/s) → %.2f× (goal ≥ 0.9×); one worker: %.1f s (%.1f tiles/s, %.2f×)\n",
    st, s, st / s, n, side, ct, c, ct / c, (ct / c) / (st / s), c1, ct / c1, (ct / c1) / (st / s) }'
