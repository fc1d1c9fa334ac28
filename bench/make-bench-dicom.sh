#!/usr/bin/env bash
# Builds a DICOM WSI copy of the bench slide for the viewer benchmark:
#   bench/make-bench-dicom.sh bench/out/bench-30000x28000.tif bench/out/bench-dicom
# vips cuts the pyramid into 256-px JPEG tiles (quality 85, like the TIFF's),
# and tools/dicom/make_wsi_dicom.py (pydicom) wraps each level as a
# TILED_FULL VOLUME instance of one series. Needs vips and python3-pydicom.
set -euo pipefail
src=${1:?usage: make-bench-dicom.sh SLIDE.tif OUT_DIR}
out=${2:?usage: make-bench-dicom.sh SLIDE.tif OUT_DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
vips dzsave "$src" "$tmp/dz" --layout google --tile-size 256 --overlap 0 --suffix ".jpg[Q=85]"
w=$(vipsheader -f width "$src") h=$(vipsheader -f height "$src")
/usr/bin/python3 - "$tmp/dz" "$w" "$h" <<'PY'
import json, math, os, sys
dz, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
top = max(int(d) for d in os.listdir(dz) if d.isdigit())
levels = []
for z in range(top, -1, -1):
    f = 2 ** (top - z)
    lw, lh = math.ceil(w / f), math.ceil(h / f)
    if min(lw, lh) < 512:
        break
    tiles = []
    for row in range(math.ceil(lh / 256)):
        for col in range(math.ceil(lw / 256)):
            p = "%d/%d/%d.jpg" % (z, row, col)
            tiles.append({"col": col, "row": row, "file": p if os.path.exists(os.path.join(dz, p)) else "blank.jpg"})
    levels.append({"width": lw, "height": lh, "tile": 256, "tiles": tiles})
with open(os.path.join(dz, "label.rgb"), "wb") as f:
    f.write(b"\xff" * (16 * 16 * 3))
json.dump({"mpp": 0.499, "levels": levels, "label": {"width": 16, "height": 16, "file": "label.rgb"}},
          open(os.path.join(dz, "manifest.json"), "w"))
PY
vips black "$tmp/dz/blank.v" 256 256 --bands 3 && vips linear "$tmp/dz/blank.v" "$tmp/dz/white.v" 1 255 --uchar && vips jpegsave "$tmp/dz/white.v" "$tmp/dz/blank.jpg" --Q 85
rm -rf "$out"
/usr/bin/python3 "$here/tools/dicom/make_wsi_dicom.py" "$tmp/dz" "$out" full
echo "wrote $out"
