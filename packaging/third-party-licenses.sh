#!/usr/bin/env bash
# Prints THIRD-PARTY-LICENSES for the libraries in folder $1: each library,
# the Debian package it came from with its version, and that package's
# copyright file (which names the licence); ONNX Runtime from its npm package.
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

MIT License

Copyright (c) Microsoft Corporation

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.

ORT
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
echo "Tessera's Go dependencies are compiled into bin/tessera; see go.sum for their versions."
