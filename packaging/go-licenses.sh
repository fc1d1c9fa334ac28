#!/usr/bin/env bash
# Prints the licence of Go and of every Go module compiled into the binary
# $1 (as `go version -m` lists them), from the module cache: the part of
# THIRD-PARTY-LICENSES for the code linked into tessera / tessera.exe.
set -euo pipefail
bin=${1:?usage: go-licenses.sh BINARY}
modcache=$(go env GOMODCACHE)
goroot=$(go env GOROOT)
licence_of() { # licence_of DIR: the first licence file in DIR
  local f
  for f in LICENSE LICENSE.md LICENSE.txt LICENCE COPYING COPYING.md COPYING.txt License LICENSE-MIT; do
    if [ -f "$1/$f" ]; then cat "$1/$f"; return 0; fi
  done
  return 1
}
cat <<HEAD

Go modules compiled into $(basename "$bin")
=============================================

HEAD
echo "------------------------------------------------------------------------"
echo "The Go standard library and runtime, $(go version -m "$bin" | head -1 | awk '{print $2}')"
echo
cat "$goroot/LICENSE"
echo
go version -m "$bin" | awk '$1 == "dep" {print $2, $3}' | sort | while read -r mod ver; do
  case "$mod" in earlyenv|tessera) continue ;; esac
  # The module cache escapes capitals as !lower.
  dir="$modcache/$(echo "$mod" | sed 's/[A-Z]/!\L&/g')@$ver"
  echo "------------------------------------------------------------------------"
  echo "$mod $ver"
  echo
  if ! licence_of "$dir"; then
    echo "go-licenses: no licence file in $dir" >&2
    exit 1
  fi
  echo
done
