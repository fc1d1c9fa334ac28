#!/usr/bin/env bash
# Idempotent set-up of a Debian 12 machine for Tessera, sourced by run.sh and
# test.sh. Installs only what is missing; needs root or sudo for apt.
#
#   setup_base   compiler, Fyne's X11/GL headers, OpenSlide, OpenJPEG (DICOM JPEG 2000), Little CMS (ICC)
#   setup_test   the above plus Xvfb, xdotool, ImageMagick, poppler, vips, pydicom (DICOM test copies),
#                tifffile (OME-TIFF stacks), R survival (reference statistics), Slurm + munge (a one-node cluster)
set -euo pipefail

BASE_PACKAGES=(gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev
  libxinerama-dev libxi-dev libxxf86vm-dev libopenslide-dev libopenjp2-7-dev liblcms2-dev curl ca-certificates)
TEST_PACKAGES=(xvfb xauth xdotool imagemagick libvips-tools poppler-utils python3-onnx python3-torch python3-numpy python3-pydicom python3-tifffile python3-pil r-cran-survival slurmctld slurmd munge)

# ONNX Runtime: the official CPU build shipped inside the npm package
# onnxruntime-node, checked against these hashes.
ORT_VERSION=1.30.0
ORT_TGZ_SHA256=6e3390d6b783e7be946fad629292799da28d0b42f84856e50d2c1b0383291e75
ORT_LIB_SHA256=ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23
ORT_DIR="${XDG_DATA_HOME:-$HOME/.local/share}/tessera/onnxruntime-$ORT_VERSION"
TESSERA_DOWNLOADS="${XDG_CACHE_HOME:-$HOME/.cache}/tessera/downloads"

say() { printf 'tessera setup: %s\n' "$*" >&2; }

apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { say "need root or sudo to install: ${missing[*]}"; exit 1; }
    sudo="sudo"
  fi
  say "installing ${missing[*]}"
  if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

setup_go() {
  if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then
    export PATH="/usr/local/go/bin:$PATH"
  fi
  command -v go >/dev/null || { say "Go 1.24 or newer is needed (https://go.dev/dl/, installed at /usr/local/go)"; exit 1; }
}

sha_ok() { [ -f "$2" ] && echo "$1  $2" | sha256sum -c --quiet - >/dev/null 2>&1; }

# ort_tarball downloads the npm package onnxruntime-node (ONNX Runtime's
# official builds for Linux, Windows and macOS) once into the cache, checks
# it, and prints its path.
ort_tarball() {
  local tgz="$TESSERA_DOWNLOADS/onnxruntime-node-$ORT_VERSION.tgz"
  mkdir -p "$TESSERA_DOWNLOADS"
  if ! sha_ok "$ORT_TGZ_SHA256" "$tgz"; then
    say "downloading ONNX Runtime $ORT_VERSION (npm package onnxruntime-node, 113 MB, once)"
    curl -fsSL --retry 3 -o "$tgz.part" "https://registry.npmjs.org/onnxruntime-node/-/onnxruntime-node-$ORT_VERSION.tgz"
    sha_ok "$ORT_TGZ_SHA256" "$tgz.part" || { say "onnxruntime-node tarball checksum mismatch"; rm -f "$tgz.part"; exit 1; }
    mv "$tgz.part" "$tgz"
  fi
  echo "$tgz"
}

# setup_onnxruntime puts libonnxruntime.so.$ORT_VERSION in $ORT_DIR, where
# Tessera looks for it, downloading the npm tarball once into a cache.
setup_onnxruntime() {
  local lib="$ORT_DIR/libonnxruntime.so.$ORT_VERSION"
  sha_ok "$ORT_LIB_SHA256" "$lib" && return 0
  local tgz
  mkdir -p "$ORT_DIR"
  tgz=$(ort_tarball)
  tar -xzf "$tgz" -O package/bin/napi-v6/linux/x64/libonnxruntime.so.1 > "$lib.part"
  sha_ok "$ORT_LIB_SHA256" "$lib.part" || { say "libonnxruntime checksum mismatch"; rm -f "$lib.part"; exit 1; }
  mv "$lib.part" "$lib"
  say "ONNX Runtime $ORT_VERSION installed at $lib"
}

setup_base() {
  apt_install "${BASE_PACKAGES[@]}"
  setup_go
  setup_onnxruntime
}

setup_test() {
  apt_install "${BASE_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
  setup_go
  setup_onnxruntime
}

# Fyne cannot parse the "C" locale and logs an error at start-up; name a
# language for it without touching the character encoding.
setup_locale() {
  export LANG="${LANG:-C.UTF-8}"
  case "${LC_ALL:-${LC_MESSAGES:-$LANG}}" in
    C|C.*|POSIX) export LANGUAGE="${LANGUAGE:-en}" ;;
  esac
}
