#!/usr/bin/env bash
# The Windows release matrix under Debian's wine64 (slow; not part of
# ./test.sh; run before a release):
#   packaging/test-windows.sh          (dist/ from ./package.sh, ../shared beside the repository)
# With no network (unshare -n) in a fresh Wine prefix:
#   - a decoy onnxruntime.dll (a DLL that is not ONNX Runtime) in system32,
#     as Windows 11 carries an older one there (onnxruntime#11236);
#   - the zip unpacked: tessera.exe info, snapshot and analyze of an SVS, a
#     DICOM folder and an OME-TIFF; each probability must equal the Linux
#     build's to 1e-4 and each result must name ONNX Runtime's version
#     (ours was loaded, by full path, not the decoy);
#   - the MSI: msiexec /i … /qn, the installed copy runs, msiexec /x … /qn
#     removes it;
#   - the window under Xvfb (a screenshot in $OUT/window.png, to look at).
# Wine 8.0 (Debian 12) lacks bcryptprimitives.dll, which Go's Windows
# runtime needs (ProcessPrng, on every Windows 10 and 11): a stand-in built
# from packaging/windows/bcryptprimitives-shim.c goes into the test
# prefix only; it is never shipped.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-$PWD/dist/_wine}
slides=$(realpath ../shared/slides)
if [ -z "${TESSERA_OFFLINE:-}" ]; then
  source scripts/setup.sh
  for tool in /usr/lib/wine/wine64 Xvfb xdotool import unzip x86_64-w64-mingw32-gcc unshare; do
    [ -x "$tool" ] || command -v "$tool" >/dev/null || { apt_install wine64 xvfb xdotool imagemagick unzip gcc-mingw-w64-x86-64 util-linux; break; }
  done
  setup_go
  zip=$(ls dist/tessera-*-windows-x64.zip 2>/dev/null | head -1)
  [ -n "$zip" ] || { say "no dist/tessera-*-windows-x64.zip: run ./package.sh first"; exit 1; }
  rm -rf "$out" && mkdir -p "$out"
  go build -o "$out/tessera-linux" .
  exec env TESSERA_OFFLINE=1 unshare -n "$0" "$@" # the rest without a network
fi
zip=$(ls dist/tessera-*-windows-x64.zip | head -1)
msi=$(ls dist/tessera-*-x64.msi | head -1)
wine=/usr/lib/wine/wine64
export WINEPREFIX=$out/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
report=$out/results.txt
: >"$report"
note() { echo "$*" | tee -a "$report"; }
fail=0
check() { if eval "$2"; then note "ok    $1"; else note "FAIL  $1"; fail=1; fi; }
seconds() { local t0=$1; echo $(( $(date +%s) - t0 )); }

t0=$(date +%s)
$wine wineboot -i >/dev/null 2>&1
wineserver=$(dirname "$(readlink -f $wine)")/wineserver
note "wine prefix made in $(seconds "$t0") s ($($wine --version 2>/dev/null || echo wine))"
sys32=$WINEPREFIX/drive_c/windows/system32
if [ ! -f "$sys32/bcryptprimitives.dll" ]; then
  x86_64-w64-mingw32-gcc -shared -O2 -o "$sys32/bcryptprimitives.dll" packaging/windows/bcryptprimitives-shim.c -ladvapi32
  note "bcryptprimitives.dll: Wine has none; the test stand-in is in the prefix"
fi
# The decoy: a DLL named onnxruntime.dll that is not ONNX Runtime.
cp "$sys32/bcryptprimitives.dll" "$sys32/onnxruntime.dll"

t0=$(date +%s)
mkdir -p "$out/portable"
unzip -q "$zip" -d "$out/portable"
exe=$(ls "$out"/portable/*/tessera.exe)
note "zip $(basename "$zip"): $(du -m "$zip" | cut -f1) MB, unpacked $(du -sm "$out/portable" | cut -f1) MB in $(seconds "$t0") s"

for s in aperio/CMU-1-Small-Region.svs dicom/google-camelyon-jpeg ometiff/OS-1-detail.ome.tif; do
  name=$(basename "$s")
  t0=$(date +%s)
  check "$name: info" "$wine '$exe' info '$slides/$s' >'$out/$name.info.json' 2>'$out/$name.info.err'"
  check "$name: snapshot" "$wine '$exe' snapshot '$slides/$s' --out 'Z:$out/$name.png' --size 800x600 >/dev/null 2>'$out/$name.snapshot.err' && [ -s '$out/$name.png' ]"
  check "$name: analyze" "$wine '$exe' analyze '$slides/$s' --out 'Z:$out/win-$name' --no-cache >'$out/$name.analyze.out' 2>&1"
  win_seconds=$(seconds "$t0")
  "$out/tessera-linux" analyze "$slides/$s" --out "$out/linux-$name" --no-cache >/dev/null 2>&1
  py='import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); print(a["probability"], b["probability"], a["runtime"]["library"], abs(a["probability"]-b["probability"]))'
  read -r pw pl lib diff < <(python3 -c "$py" "$out/win-$name"/*/result.json "$out/linux-$name"/*/result.json)
  check "$name: p = $pw on Windows, $pl on Linux (|Δ| $diff ≤ 1e-4), ONNX Runtime $lib loaded (not the decoy); info+snapshot+analyze $win_seconds s" \
    "python3 -c 'import sys; sys.exit(0 if $diff <= 1e-4 else 1)' && [ '$lib' = '$(sed -n 's/^ORT_VERSION=//p' scripts/setup.sh)' ]"
done

t0=$(date +%s)
check "msiexec /i $(basename "$msi") /qn" "$wine msiexec /i 'Z:$(realpath "$msi")' /qn >/dev/null 2>&1"
installed="$WINEPREFIX/drive_c/Program Files/Tessera/tessera.exe"
check "installed in $(seconds "$t0") s, to Program Files, with the machine-wide bundles folder" "[ -f '$installed' ] && [ -d '$WINEPREFIX/drive_c/ProgramData/Tessera/bundles' ]"
check "the installed copy runs" "$wine 'C:\\Program Files\\Tessera\\tessera.exe' info '$slides/aperio/CMU-1-Small-Region.svs' 2>/dev/null | grep -q '\"format\": \"aperio\"'"
check "msiexec /x removes it" "$wine msiexec /x 'Z:$(realpath "$msi")' /qn >/dev/null 2>&1 && [ ! -f '$installed' ]"

# The window, as a user would see it (look at the screenshot).
Xvfb :61 -screen 0 1600x1000x24 >/dev/null 2>&1 &
xvfb=$!
sleep 2
DISPLAY=:61 $wine "$exe" "$slides/aperio/CMU-1-Small-Region.svs" >"$out/window.log" 2>&1 &
sleep 40
DISPLAY=:61 import -window root "$out/window.png" || true
note "window: screenshot in $out/window.png ($(DISPLAY=:61 xdotool search --name Tessera 2>/dev/null | wc -l) Tessera windows)"
kill %2 2>/dev/null || true
"$wineserver" -k 2>/dev/null || true
kill "$xvfb" 2>/dev/null || true
exit $fail
