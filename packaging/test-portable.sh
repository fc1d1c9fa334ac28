#!/usr/bin/env bash
# Checks the portable Linux archive the way a workstation meets it, on this
# machine: packaging/test-portable.sh dist/tessera-VERSION-linux-x86_64.tar.xz
#   - unpacked and installed by install.sh for a fresh user (HOME in a
#     temporary folder), with a clean environment and no network
#     (unshare -n when available);
#   - `tessera analyze` of CMU-1-Small-Region gives the developer build's
#     probability to the bit, with OpenSlide, cairo and ONNX Runtime loaded
#     from the archive's lib/ (LD_DEBUG says which file was loaded);
#   - install.sh --uninstall leaves nothing behind.
# The clean-root matrix (Debian 11/12/13 without OpenSlide or ONNX Runtime)
# is packaging/test-roots.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
archive=${1:?usage: packaging/test-portable.sh dist/tessera-VERSION-linux-x86_64.tar.xz}
slide=${SLIDE:-../shared/slides/aperio/CMU-1-Small-Region.svs}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xJf "$archive" -C "$work"
folder=$(ls -d "$work"/tessera-*)
home="$work/home"
mkdir -p "$home"
run() { # a fresh user's environment: no LD_LIBRARY_PATH, no ONNX Runtime of ours in HOME
  local net=()
  command -v unshare >/dev/null && unshare -n true 2>/dev/null && net=(unshare -n)
  env -i HOME="$home" PATH=/usr/bin:/bin LANG=C.UTF-8 "${net[@]}" "$@"
}
run "$folder/install.sh"
bin="$home/.local/bin/tessera"
[ -x "$bin" ] || { echo "install.sh did not link $bin" >&2; exit 1; }
[ -f "$home/.local/share/applications/org.tessera.viewer.desktop" ] || { echo "no menu entry" >&2; exit 1; }
t0=$(date +%s.%N)
run env LD_DEBUG=libs LD_DEBUG_OUTPUT="$work/ld" "$bin" analyze "$slide" --out "$work/out" >/dev/null 2>&1
t1=$(date +%s.%N)
app="$home/.local/share/tessera/app"
for lib in libopenslide.so.0 libcairo.so.2 libonnxruntime.so; do
  grep -h "calling init: .*/$lib" "$work"/ld.* | grep -q "$app/" || { echo "$lib was not loaded from the installed folder" >&2; grep -h "calling init: .*$lib" "$work"/ld.* >&2; exit 1; }
done
got=$(python3 -c "import json,sys; print(repr(json.load(open(sys.argv[1]))['probability']))" "$work"/out/*/result.json)
go build -o "$work/dev-tessera" .
"$work/dev-tessera" analyze "$slide" --out "$work/dev" --no-cache >/dev/null 2>&1
want=$(python3 -c "import json,sys; print(repr(json.load(open(sys.argv[1]))['probability']))" "$work"/dev/*/result.json)
[ "$got" = "$want" ] || { echo "installed copy: p=$got, developer build: p=$want" >&2; exit 1; }
run "$folder/install.sh" --uninstall >/dev/null
# Ours only: the desktop's own caches (mime.cache, …) are regenerated, not removed.
left=$(cd "$home" && find . \( -iname '*tessera*' -o -path './.local/share/tessera/*' \) -not -path './.cache/*' -print || true)
[ -z "$left" ] || { echo "left after --uninstall: $left" >&2; exit 1; }
printf 'portable archive: installed, analysed (p=%s, same as the developer build, %.1f s, first run), uninstalled; libraries from the archive\n' "$got" "$(python3 -c "print($t1-$t0)")"
