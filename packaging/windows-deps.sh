#!/usr/bin/env bash
# Cross-builds the C libraries Tessera's Windows build links statically
# (OpenJPEG for JPEG 2000 tiles, Little CMS for ICC profiles) with
# mingw-w64, from Debian's own source packages (the same versions the Linux
# build uses), checked against fixed sha256 sums. Writes
#   $OUT/include, $OUT/lib/libopenjp2.a, $OUT/lib/liblcms2.a,
#   $OUT/lib/pkgconfig/{libopenjp2,lcms2}.pc
# where cgo finds them (PKG_CONFIG_LIBDIR=$OUT/lib/pkgconfig).
#
# The libraries are compiled file by file with the cross compiler (no
# CMake or autotools run): their configuration headers are written here,
# for a little-endian x86-64 Windows target.
#
# Usage: packaging/windows-deps.sh OUT   (sources are cached in $TESSERA_DOWNLOADS)
set -euo pipefail
out=$(realpath -m "${1:?usage: windows-deps.sh OUT}")
downloads=${TESSERA_DOWNLOADS:-$HOME/.cache/tessera/downloads}
mkdir -p "$downloads" "$out/include" "$out/lib/pkgconfig"
cc=x86_64-w64-mingw32-gcc
ar=x86_64-w64-mingw32-ar
command -v "$cc" >/dev/null || { echo "windows-deps: $cc missing (apt install gcc-mingw-w64-x86-64)" >&2; exit 1; }

OPJ_VERSION=2.5.0
OPJ_SHA256=007e19d772c8b6b22e35379630b06ff3549e49ba719d96453607a36ad7b4de73
LCMS_VERSION=2.14
LCMS_SHA256=28474ea6f6591c4d4cee972123587001a4e6e353412a41b3e9e82219818d5740

fetch() { # fetch URL FILE SHA256: download once, check always
  local url=$1 file=$downloads/$2 sum=$3
  if [ ! -f "$file" ]; then
    curl -fsSL --retry 3 -o "$file.part" "$url"
    mv "$file.part" "$file"
  fi
  echo "$sum  $file" | sha256sum -c --quiet - || { echo "windows-deps: $file does not have the expected sha256" >&2; rm -f "$file"; exit 1; }
}
fetch "http://deb.debian.org/debian/pool/main/o/openjpeg2/openjpeg2_$OPJ_VERSION.orig.tar.xz" "openjpeg2_$OPJ_VERSION.orig.tar.xz" "$OPJ_SHA256"
fetch "http://deb.debian.org/debian/pool/main/l/lcms2/lcms2_$LCMS_VERSION.orig.tar.gz" "lcms2_$LCMS_VERSION.orig.tar.gz" "$LCMS_SHA256"

stamp="$out/.built-$OPJ_VERSION-$LCMS_VERSION"
[ -f "$stamp" ] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xf "$downloads/openjpeg2_$OPJ_VERSION.orig.tar.xz"
tar -C "$work" -xzf "$downloads/lcms2_$LCMS_VERSION.orig.tar.gz"
cflags=(-O2 -ffile-prefix-map="$work"=. -fno-ident)

# OpenJPEG: the core codec files (no JPIP, no tools).
src=$work/openjpeg-$OPJ_VERSION/src/lib/openjp2
IFS=. read -r major minor build <<<"$OPJ_VERSION"
cat >"$src/opj_config.h" <<EOF
#define OPJ_HAVE_STDINT_H 1
#define OPJ_VERSION_MAJOR $major
#define OPJ_VERSION_MINOR $minor
#define OPJ_VERSION_BUILD $build
EOF
cat >"$src/opj_config_private.h" <<EOF
#define OPJ_HAVE_INTTYPES_H 1
#define OPJ_PACKAGE_VERSION "$OPJ_VERSION"
#define OPJ_HAVE__ALIGNED_MALLOC 1
#define MUTEX_win32 1
EOF
objs=()
for f in thread bio cio dwt event ht_dec image invert j2k jp2 mct mqc openjpeg opj_clock opj_malloc pi t1 t2 tcd tgt function_list sparse_array; do
  "$cc" "${cflags[@]}" -DOPJ_STATIC -I"$src" -c "$src/$f.c" -o "$work/opj-$f.o"
  objs+=("$work/opj-$f.o")
done
rm -f "$out/lib/libopenjp2.a"
"$ar" rcD "$out/lib/libopenjp2.a" "${objs[@]}"
mkdir -p "$out/include/openjpeg-2.5"
cp "$src/openjpeg.h" "$src/opj_config.h" "$src/opj_stdint.h" "$out/include/openjpeg-2.5/"
cat >"$out/lib/pkgconfig/libopenjp2.pc" <<EOF
prefix=$out
Name: openjp2
Description: OpenJPEG $OPJ_VERSION, static, for Windows (packaging/windows-deps.sh)
Version: $OPJ_VERSION
Libs: -L\${prefix}/lib -lopenjp2
Cflags: -I\${prefix}/include/openjpeg-2.5 -DOPJ_STATIC
EOF

# Little CMS: every source file.
src=$work/lcms2-$LCMS_VERSION
objs=()
for f in "$src"/src/*.c; do
  o="$work/lcms-$(basename "$f" .c).o"
  "$cc" "${cflags[@]}" -I"$src/include" -c "$f" -o "$o"
  objs+=("$o")
done
rm -f "$out/lib/liblcms2.a"
"$ar" rcD "$out/lib/liblcms2.a" "${objs[@]}"
cp "$src/include/lcms2.h" "$src/include/lcms2_plugin.h" "$out/include/"
cat >"$out/lib/pkgconfig/lcms2.pc" <<EOF
prefix=$out
Name: lcms2
Description: Little CMS $LCMS_VERSION, static, for Windows (packaging/windows-deps.sh)
Version: $LCMS_VERSION
Libs: -L\${prefix}/lib -llcms2
Cflags: -I\${prefix}/include
EOF
mkdir -p "$out/licenses"
cp "$work/openjpeg-$OPJ_VERSION/LICENSE" "$out/licenses/OpenJPEG-LICENSE"
cp "$src/COPYING" "$out/licenses/LittleCMS-COPYING"
touch "$stamp"
echo "windows-deps: OpenJPEG $OPJ_VERSION and Little CMS $LCMS_VERSION built for Windows in $out"
