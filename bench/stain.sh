#!/usr/bin/env bash
# Cost of stain normalisation (docs/BENCHMARKS.md, "Stain normalisation"):
#   bench/stain.sh
# One analysis of CMU-1-Small-Region (46 tissue tiles) with the ResNet-18
# research bundle and no caches, without normalisation and with each
# normaliser (BenchmarkStainNormalisation), five runs each in one process;
# prints each median as a ratio to the run without (issue 24's limit:
# 1.10 for Reinhard and per-slide Macenko).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_test
go test ./inference -run XXX -bench StainNormalisation -benchtime 5x -count 3 | tee /dev/stderr |
  python3 -c '
import re, sys, statistics
runs = {}
for line in sys.stdin:
    m = re.match(r"BenchmarkStainNormalisation/(\S+?)-\d+\s+\d+\s+(\d+) ns/op", line)
    if m:
        runs.setdefault(m.group(1), []).append(int(m.group(2)))
base = statistics.median(runs["none"])
for name, ns in runs.items():
    med = statistics.median(ns)
    limit = " (limit 1.10)" if name in ("reinhard", "macenko") else ""
    print("%-17s %6.0f ms per analysis  %.3fx without normalisation%s" % (name, med / 1e6, med / base, limit))
'
