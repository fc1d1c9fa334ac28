#!/usr/bin/env bash
# Builds Tessera's release artifacts into dist/ (all set-up included):
#   tessera-VERSION-linux-x86_64.tar.xz   portable folder: unpack, ./install.sh (no root), or run bin/tessera
#   tessera_VERSION_amd64.deb             per machine, /opt/tessera, `tessera` on PATH, menu entry, file types
#   tessera-VERSION-windows-x64.zip       portable folder: unzip, double-click tessera.exe (no admin)
#   tessera-VERSION-x64.msi               per machine, Program Files; msiexec /i … /qn (packaging/windows.sh)
#   SHA256SUMS, THIRD-PARTY-LICENSES
# Reproducible: the same commit gives the same bytes (-trimpath, no build id,
# every timestamp SOURCE_DATE_EPOCH = the commit's time, sorted archives).
#
# TESSERA_BUILD_ROOT=DIR builds the binary and takes its libraries inside a
# Debian root (packaging/make-build-root.sh makes a Debian 11 one): the
# archive then runs on that root's glibc and newer (2.31: Debian 11, Ubuntu
# 20.04). Without it, the build machine's glibc is the floor.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
setup_base
command -v xz >/dev/null || apt_install xz-utils

version="$(sed -n 's/^Version = "\(.*\)"/\1/p' FyneApp.toml)+git.$(git rev-list --count HEAD)"
export SOURCE_DATE_EPOCH="$(git log -1 --format=%ct)"
name="tessera-$version-linux-x86_64"
stage="$(mktemp -d)"
root="$stage/$name"
mkdir -p "$root/bin" "$root/lib" "$root/share" dist
rm -f dist/tessera-*-linux-x86_64.tar.xz dist/tessera_*_amd64.deb dist/tessera-*-windows-x64.zip dist/tessera-*-x64.msi dist/SHA256SUMS dist/THIRD-PARTY-LICENSES

build_root=${TESSERA_BUILD_ROOT:-}
mounts=()
cleanup() {
  for ((i=${#mounts[@]}-1; i>=0; i--)); do umount "${mounts[$i]}" 2>/dev/null || true; done
  rm -rf "$stage"
}
trap cleanup EXIT
sysroot=""   # where the build's libraries are, as seen from here
build() {    # build CMD: run a shell command where the release is built
  if [ -n "$build_root" ]; then
    chroot "$build_root" env -i HOME=/root PATH=/usr/local/go/bin:/usr/bin:/bin GOFLAGS=-mod=mod GOPROXY=off \
      GOTOOLCHAIN=local CGO_ENABLED=1 LANG=C.UTF-8 sh -c "cd /src/tessera && $1"
  else
    sh -c "$1"
  fi
}
if [ -n "$build_root" ]; then
  sysroot=$build_root
  for m in "/usr/local/go:$build_root/usr/local/go" "$PWD:$build_root/src/tessera" "$(go env GOMODCACHE):$build_root/root/go/pkg/mod"; do
    mkdir -p "${m#*:}"
    mount --bind "${m%%:*}" "${m#*:}"
    mounts+=("${m#*:}")
  done
  mountpoint -q "$build_root/proc" || { mount -t proc proc "$build_root/proc"; mounts+=("$build_root/proc"); }
fi
glibc=$(build "ldd --version" 2>&1 | awk 'NR == 1 {print $NF}')

# The binary finds its libraries in ../lib (DT_RPATH, so that the bundled
# libraries find each other too) and ONNX Runtime beside it or in ../lib.
build "go build -trimpath -buildvcs=false -ldflags \"-s -w -buildid= -extldflags '-Wl,-rpath,\\\$ORIGIN/../lib -Wl,--disable-new-dtags -Wl,--build-id=none'\" -o dist/.tessera-bin ."

# Libraries a Linux desktop does not have: every shared library the binary
# needs except the C runtime, OpenGL, the core X11 libraries (cairo's
# xcb-render, xcb-shm and Xrender are bundled: a minimal desktop root lacked
# them), fonts and the compression and system libraries every distribution
# ships (same sonames since Debian 11). packaging/test-roots.sh checks it.
system_lib() {
  case "$1" in
    linux-vdso*|ld-linux*|libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|libresolv.so*) return 0 ;;
    libstdc++.so*|libgcc_s.so*) return 0 ;;
    libGL.so*|libGLX.so*|libGLdispatch.so*|libEGL.so*) return 0 ;;
    libX11.so*|libXext.so*|libXcursor.so*|libXrandr.so*|libXi.so*|libXinerama.so*|libXxf86vm.so*|libXfixes.so*|libxcb.so*|libXau.so*|libXdmcp.so*) return 0 ;;
    libfontconfig.so*|libfreetype.so*|libexpat.so*|libbrotli*.so*) return 0 ;;
    libz.so*|liblzma.so*|libzstd.so*|libbz2.so*|libmount.so*|libblkid.so*|libselinux.so*|libpcre2-8.so*|libbsd.so*|libmd.so*|libuuid.so*) return 0 ;;
  esac
  return 1
}
build "ldd dist/.tessera-bin" | awk '/=> \// {print $1, $3}' | sort | while read -r soname path; do
  system_lib "$soname" || cp -L "$sysroot$path" "$root/lib/$soname"
done
mv dist/.tessera-bin "$root/bin/tessera"
cp -L "$ORT_DIR/libonnxruntime.so.$ORT_VERSION" "$root/lib/"
ln -s "libonnxruntime.so.$ORT_VERSION" "$root/lib/libonnxruntime.so.1"

cp assets/icon.png "$root/share/tessera.png"
cp packaging/linux/tessera.desktop packaging/linux/tessera-mime.xml "$root/share/"
cp packaging/linux/install.sh "$root/install.sh"
echo "$version" > "$root/VERSION"
cp -a "$root/lib" dist/.lib
build "packaging/third-party-licenses.sh dist/.lib" > "$root/THIRD-PARTY-LICENSES"
packaging/go-licenses.sh "$root/bin/tessera" >> "$root/THIRD-PARTY-LICENSES"
rm -rf dist/.lib
cp "$root/THIRD-PARTY-LICENSES" dist/THIRD-PARTY-LICENSES

# Portable archive: sorted, owned by root, every time the commit's.
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -C "$stage" -cf - "$name" | xz -T1 -6 > "dist/$name.tar.xz"

# Debian package: the same folder under /opt/tessera.
deb="$stage/deb"
mkdir -p "$deb/DEBIAN" "$deb/opt" "$deb/usr/bin" "$deb/usr/share/applications" "$deb/usr/share/mime/packages" "$deb/usr/share/icons/hicolor/256x256/apps"
cp -a "$root" "$deb/opt/tessera"
rm "$deb/opt/tessera/install.sh"
mkdir -p "$deb/opt/tessera/bundles" # the lab's bundles for every user (the model picker lists them)
ln -s /opt/tessera/bin/tessera "$deb/usr/bin/tessera"
sed -e "s|@EXEC@|/opt/tessera/bin/tessera|" -e "s|@ICON@|org.tessera.viewer|" packaging/linux/tessera.desktop > "$deb/usr/share/applications/org.tessera.viewer.desktop"
cp packaging/linux/tessera-mime.xml "$deb/usr/share/mime/packages/org.tessera.viewer.xml"
cp assets/icon.png "$deb/usr/share/icons/hicolor/256x256/apps/org.tessera.viewer.png"
size=$(du -sk --apparent-size "$deb/opt" "$deb/usr" | awk '{s+=$1} END {print s}')
cat > "$deb/DEBIAN/control" <<CONTROL
Package: tessera
Version: $version
Architecture: amd64
Maintainer: Tessera developers <tessera@localhost>
Installed-Size: $size
Depends: libc6 (>= $glibc), libstdc++6, libgl1, libx11-6, libfontconfig1, libfreetype6
Section: science
Priority: optional
Description: whole-slide image viewer with on-workstation AI analysis
 Tessera opens digitized whole-slide images (SVS, NDPI, MIRAX, OME-TIFF,
 DICOM WSI and more), pans and zooms them, and runs AI models on this
 workstation, offline, with heatmaps, quality control and a case log.
 OpenSlide, ONNX Runtime and the libraries they need are in /opt/tessera.
CONTROL
find "$deb" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
dpkg-deb --root-owner-group -Zxz --build "$deb" "dist/tessera_${version}_amd64.deb" >/dev/null

# Windows: cross-built here (mingw-w64, wixl).
for tool in x86_64-w64-mingw32-gcc wixl msibuild faketime convert zip; do
  command -v "$tool" >/dev/null || { apt_install gcc-mingw-w64-x86-64 wixl msitools faketime imagemagick zip; break; }
done
packaging/windows.sh "$version" "$(ort_tarball)"

(cd dist && sha256sum "$name.tar.xz" "tessera_${version}_amd64.deb" "tessera-$version-windows-x64.zip" "tessera-$version-x64.msi" THIRD-PARTY-LICENSES > SHA256SUMS)
ls -l dist
