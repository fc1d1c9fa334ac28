#!/usr/bin/env bash
# Idempotent set-up of a Debian 12 machine for Tessera, sourced by run.sh and
# test.sh. Installs only what is missing; needs root or sudo for apt.
#
#   setup_base   compiler, Fyne's X11/GL headers, OpenSlide
#   setup_test   the above plus Xvfb, xdotool, ImageMagick, poppler, vips
set -euo pipefail

BASE_PACKAGES=(gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev
  libxinerama-dev libxi-dev libxxf86vm-dev libopenslide-dev)
TEST_PACKAGES=(xvfb xauth xdotool imagemagick libvips-tools)

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

setup_base() {
  apt_install "${BASE_PACKAGES[@]}"
  setup_go
}

setup_test() {
  apt_install "${BASE_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
  setup_go
}

# Fyne cannot parse the "C" locale and logs an error at start-up; name a
# language for it without touching the character encoding.
setup_locale() {
  export LANG="${LANG:-C.UTF-8}"
  case "${LC_ALL:-${LC_MESSAGES:-$LANG}}" in
    C|C.*|POSIX) export LANGUAGE="${LANGUAGE:-en}" ;;
  esac
}
