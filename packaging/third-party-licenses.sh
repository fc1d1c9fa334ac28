#!/usr/bin/env bash
# Prints THIRD-PARTY-LICENSES for the libraries in folder $1: each library,
# the Debian package it came from with its version, and that package's
# copyright file (which names the licence); ONNX Runtime from its npm package.
# package.sh appends the Go modules compiled in (packaging/go-licenses.sh).
set -euo pipefail
lib=$1
cat <<HEAD
Third-party software distributed with Tessera
=============================================

Tessera bundles the shared libraries below, unchanged, as separate files in
lib/ (so each can be replaced; OpenSlide stays a separate shared library as
its LGPL-2.1 asks). Each entry names the file, where it came from, and its
copyright and licence terms in full.

HEAD
for f in $(cd "$lib" && ls | sort); do
  [ -L "$lib/$f" ] && continue
  case "$f" in
    libonnxruntime.so*)
      cat <<ORT
------------------------------------------------------------------------
$f
  ONNX Runtime (https://github.com/microsoft/onnxruntime), the official CPU
  build shipped in the npm package onnxruntime-node ($(sed -n 's/^ORT_VERSION=//p' scripts/setup.sh)).
  Licence: MIT.

ORT
      cat packaging/licenses/onnxruntime-MIT.txt
      continue ;;
  esac
  pkg=$(dpkg -S "*/$f" 2>/dev/null | head -1 | cut -d: -f1)
  if [ -z "$pkg" ]; then
    echo "THIRD-PARTY-LICENSES: no Debian package owns $f" >&2
    exit 1
  fi
  base=${pkg%%:*}
  echo "------------------------------------------------------------------------"
  echo "$f"
  echo "  Debian package $base $(dpkg-query -W -f='${Version}' "$pkg")"
  echo
  cat "/usr/share/doc/$base/copyright"
  echo
done
echo "------------------------------------------------------------------------"
