#!/usr/bin/env bash
# The release matrix (slow; not part of ./test.sh): the portable archive
# and the .deb in clean Debian roots, as a hospital workstation meets them.
#   packaging/test-roots.sh [SUITE...]      (default: bullseye bookworm trixie)
# For each suite: a minimal root made by debootstrap plus only the X and GL
# libraries a desktop has (no Go, no compiler, no OpenSlide, no ONNX
# Runtime); then, inside it, as a non-root user and with no network
# (unshare -n): unpack the tar.xz, install.sh, `tessera analyze` of
# CMU-1-Small-Region (the probability must equal the developer build's),
# `tessera report` of a two-slide case (a PDF), and the window under the
# host's Xvfb showing the slide (a screenshot in $OUT). In the bookworm root
# the .deb is installed with dpkg -i and run the same way.
# Needs root (debootstrap, chroot), dist/ from ./package.sh, ../shared.
set -euo pipefail
cd "$(dirname "$0")/.."
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(bullseye bookworm trixie)
out=${OUT:-$PWD/dist/_roots} # "_": the go tool skips it (the roots hold Go files of Debian packages)
mkdir -p "$out"
archive=$(ls dist/tessera-*-linux-x86_64.tar.xz)
deb=$(ls dist/tessera_*_amd64.deb)
slides=../shared/slides
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
command -v Xvfb >/dev/null || apt-get install -y -qq xvfb imagemagick xdotool >/dev/null
desktop=libgl1,libegl1,libx11-6,libxcursor1,libxrandr2,libxinerama1,libxi6,libxxf86vm1,libxext6,libxrender1,libfontconfig1,libfreetype6,fonts-dejavu-core,libstdc++6,libgomp1,xz-utils,ca-certificates
go build -o dist/dev-tessera .
dist/dev-tessera analyze "$slides/aperio/CMU-1-Small-Region.svs" --out "$out/dev" --no-cache >/dev/null 2>&1
want=$(python3 -c "import json,sys; print(repr(json.load(open(sys.argv[1]))['probability']))" "$out"/dev/*/result.json)
results=()
for suite in "${suites[@]}"; do
  root="$out/root-$suite"
  if [ ! -x "$root/bin/sh" ]; then
    t0=$(date +%s)
    debootstrap --variant=minbase --include="$desktop" "$suite" "$root" http://deb.debian.org/debian >"$out/debootstrap-$suite.log" 2>&1 \
      || { results+=("$suite: debootstrap failed (see $out/debootstrap-$suite.log)"); continue; }
    echo "$suite: root made in $(( $(date +%s) - t0 )) s" >&2
  fi
  # A fresh user each run.
  chroot "$root" sh -c 'userdel -r tech >/dev/null 2>&1; useradd -m tech'
  mkdir -p "$root/home/tech/slides" "$root/tmp/.X11-unix"
  cp "$slides/aperio/CMU-1-Small-Region.svs" "$root/home/tech/slides/"
  cp "$archive" "$root/home/tech/"
  chroot "$root" chown -R tech: /home/tech
  glibc=$(chroot "$root" ldd --version 2>&1 | awk 'NR == 1 {print $NF}')
  # A workstation has /proc (the loader finds $ORIGIN through it) and /dev.
  mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
  mountpoint -q "$root/dev" || mount --bind /dev "$root/dev"
  inroot() { unshare -n chroot --userspec=tech:tech "$root" env -i HOME=/home/tech PATH=/usr/bin:/bin LANG=C.UTF-8 DISPLAY=:77 sh -c "$1"; }
  t0=$(date +%s.%N)
  if ! inroot "cd ~ && tar -xJf $(basename "$archive") && ./tessera-*/install.sh >/dev/null && ~/.local/bin/tessera analyze slides/CMU-1-Small-Region.svs --out out" >"$out/analyze-$suite.log" 2>&1; then
    results+=("$suite (glibc $glibc): the portable copy failed: $(tail -2 "$out/analyze-$suite.log" | tr '\n' ' ')")
    umount "$root/proc" "$root/dev" 2>/dev/null || true
    continue
  fi
  t1=$(date +%s.%N)
  got=$(python3 -c "import json,sys; print(repr(json.load(open(sys.argv[1]))['probability']))" "$root"/home/tech/out/*/result.json)
  inroot "cd ~ && mkdir -p case && cp slides/CMU-1-Small-Region.svs case/a.svs && cp slides/CMU-1-Small-Region.svs case/b.svs && ~/.local/bin/tessera report case --out report.pdf" >"$out/report-$suite.log" 2>&1 || true
  pdf=no; [ -s "$root/home/tech/report.pdf" ] && pdf=yes && cp "$root/home/tech/report.pdf" "$out/report-$suite.pdf"
  # The window, drawn on the host's Xvfb through the shared socket.
  Xvfb :77 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 & xpid=$!
  sleep 1
  mount --bind /tmp/.X11-unix "$root/tmp/.X11-unix"
  inroot "cd ~ && exec ~/.local/bin/tessera slides/CMU-1-Small-Region.svs" >"$out/window-$suite.log" 2>&1 & apid=$!
  sleep 8
  DISPLAY=:77 import -window root "$out/window-$suite.png" || true
  kill $apid 2>/dev/null || true; wait $apid 2>/dev/null || true
  umount "$root/tmp/.X11-unix"; kill $xpid; wait $xpid 2>/dev/null || true
  umount "$root/proc" "$root/dev" 2>/dev/null || true
  same=no; [ "$got" = "$want" ] && same=yes
  results+=("$suite (glibc $glibc): installed and analysed with no network in $(python3 -c "print(round($t1-$t0,1))") s, p=$got (same as the developer build: $same), report PDF: $pdf, window screenshot: $out/window-$suite.png")
  if [ "$suite" = bookworm ]; then
    cp "$deb" "$root/tmp/"
    mount -t proc proc "$root/proc"
    if unshare -n chroot "$root" sh -c "dpkg -i /tmp/$(basename "$deb") >/dev/null && tessera info /home/tech/slides/CMU-1-Small-Region.svs >/dev/null && dpkg -r tessera >/dev/null" >"$out/deb-$suite.log" 2>&1; then
      results+=("$suite: the .deb installs with dpkg -i offline, tessera info runs, dpkg -r removes it")
    else
      results+=("$suite: the .deb failed: $(tail -2 "$out/deb-$suite.log" | tr '\n' ' ')")
    fi
    umount "$root/proc"
  fi
done
printf '%s\n' "${results[@]}" | tee "$out/results.txt"
