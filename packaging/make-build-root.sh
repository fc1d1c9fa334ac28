#!/usr/bin/env bash
# Makes the Debian 11 root a release is built in, so that the portable
# archive runs on glibc 2.31 and newer (Debian 11, Ubuntu 20.04 and later):
#   packaging/make-build-root.sh [DIR]        (default dist/_build-bullseye; root, network for Debian's mirror)
#   TESSERA_BUILD_ROOT=DIR ./package.sh
# The root holds the compiler and the -dev packages of the libraries the
# binary links; Go and the module cache are mounted in from this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-$PWD/dist/_build-bullseye} # "_": the go tool skips it (a Debian root holds Go files)
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
[ -x "$dir/usr/bin/gcc" ] && { echo "$dir is ready"; exit 0; }
debootstrap --variant=minbase \
  --include=gcc,libc6-dev,pkg-config,libgl1-mesa-dev,libx11-dev,libxcursor-dev,libxrandr-dev,libxinerama-dev,libxi-dev,libxxf86vm-dev,libopenslide-dev,libopenjp2-7-dev,liblcms2-dev,ca-certificates \
  bullseye "$dir" http://deb.debian.org/debian
echo "made $dir: TESSERA_BUILD_ROOT=$dir ./package.sh"
