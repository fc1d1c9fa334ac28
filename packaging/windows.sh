#!/usr/bin/env bash
# Builds Tessera's Windows artifacts into dist/ (called by package.sh, which
# sets SOURCE_DATE_EPOCH and has run the set-up):
#   tessera-VERSION-windows-x64.zip   portable folder: unzip anywhere, double-click tessera.exe (no admin)
#   tessera-VERSION-x64.msi           per machine, to Program Files; msiexec /i … /qn installs silently
# Cross-built here with mingw-w64: OpenJPEG and Little CMS linked statically
# (packaging/windows-deps.sh), ONNX Runtime's Windows DLLs from the same npm
# package as the Linux build, no OpenSlide (Tessera's own SVS and TIFF
# readers; the formats only OpenSlide reads are refused with a sentence).
# Reproducible: every timestamp is SOURCE_DATE_EPOCH (wixl and msibuild
# run under faketime), every GUID derived from the version.
#
# Usage: packaging/windows.sh VERSION ORT_TGZ
set -euo pipefail
version=${1:?usage: windows.sh VERSION ORT_TGZ}
ort_tgz=${2:?usage: windows.sh VERSION ORT_TGZ}
: "${SOURCE_DATE_EPOCH:?windows.sh is run by package.sh}"
export TZ=UTC
deps=$PWD/dist/_windows-deps
packaging/windows-deps.sh "$deps"

name="tessera-$version-windows-x64"
stage=$(mktemp -d)
root="$stage/$name"
mkdir -p "$root"
cleanup() { rm -rf "$stage" rsrc_windows_amd64.syso; }
trap cleanup EXIT

# The version as Windows wants it: three numbers (0.1.0+git.57 → 0.1.57).
IFS=. read -r major minor _ <<<"${version%%+*}"
msi_version="$major.$minor.${version##*.}"
# guid NAME: a GUID fixed by NAME and the version (the same build gives
# the same MSI; another version is another product).
guid() {
  local h
  h=$(printf 'tessera %s %s' "$1" "${2:-$version}" | sha256sum | cut -c1-32 | tr a-f A-F)
  echo "${h:0:8}-${h:8:4}-${h:12:4}-${h:16:4}-${h:20:12}"
}

# Icon and version resource, linked into tessera.exe as a .syso.
convert assets/icon.png -strip -define png:exclude-chunks=date,time -define icon:auto-resize=256,64,48,32,16 "$stage/tessera.ico"
cat >"$stage/tessera.rc" <<RC
1 ICON "tessera.ico"
1 VERSIONINFO
FILEVERSION $major,$minor,${version##*.},0
PRODUCTVERSION $major,$minor,${version##*.},0
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904B0"
    BEGIN
      VALUE "CompanyName", "Tessera developers"
      VALUE "FileDescription", "Tessera whole-slide image viewer"
      VALUE "FileVersion", "$version"
      VALUE "ProductName", "Tessera"
      VALUE "ProductVersion", "$version"
      VALUE "OriginalFilename", "tessera.exe"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
RC
(cd "$stage" && x86_64-w64-mingw32-windres -O coff -i tessera.rc -o rsrc.syso)
cp "$stage/rsrc.syso" rsrc_windows_amd64.syso

CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc CXX=x86_64-w64-mingw32-g++ \
  PKG_CONFIG_LIBDIR="$deps/lib/pkgconfig" CGO_LDFLAGS="-Wl,--no-insert-timestamp" \
  go build -trimpath -buildvcs=false -ldflags "-s -w -buildid=" -o "$root/tessera.exe" .
rm -f rsrc_windows_amd64.syso
tar -C "$stage" -xzf "$ort_tgz" package/bin/napi-v6/win32/x64/onnxruntime.dll package/bin/napi-v6/win32/x64/DirectML.dll
mv "$stage/package/bin/napi-v6/win32/x64/"*.dll "$root/"
rm -rf "$stage/package"
mkdir -p "$root/bundles"
packaging/windows-licenses.sh "$deps/licenses" "$root/tessera.exe" >"$root/THIRD-PARTY-LICENSES.txt"
echo "$version" >"$root/VERSION.txt"
sed "s/@VERSION@/$version/" packaging/windows/README.txt | sed 's/$/\r/' >"$root/README.txt"

# Portable zip: sorted, every time the commit's, no extra attributes.
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
rm -f "dist/$name.zip"
(cd "$stage" && find "$name" | LC_ALL=C sort | zip -X -D -q -9 "$OLDPWD/dist/$name.zip" -@)

# MSI (wixl): per machine into Program Files\Tessera, a Start menu entry,
# "Open with" for slides and cases, %ProgramData%\Tessera\bundles for the
# lab's bundles; msiexec /x removes all but that folder's bundles.
files=""
for f in $(cd "$root" && ls | grep -v '^bundles$' | LC_ALL=C sort); do
  id=$(echo "$f" | tr -c 'A-Za-z0-9\n' '_')
  if [ "$f" = tessera.exe ]; then
    files+="<Component Id=\"c_$id\" Guid=\"$(guid "file $f" stable)\"><File Id=\"f_$id\" Name=\"$f\" Source=\"$name/$f\" KeyPath=\"yes\"/>
      <RegistryValue Root=\"HKLM\" Key=\"Software\\Classes\\Tessera.Slide\" Value=\"Whole-slide image\" Type=\"string\"/>
      <RegistryValue Root=\"HKLM\" Key=\"Software\\Classes\\Tessera.Slide\\DefaultIcon\" Value=\"[INSTALLDIR]tessera.exe,0\" Type=\"string\"/>
      <RegistryValue Root=\"HKLM\" Key=\"Software\\Classes\\Tessera.Slide\\shell\\open\\command\" Value=\"&quot;[INSTALLDIR]tessera.exe&quot; &quot;%1&quot;\" Type=\"string\"/>
      <RegistryValue Root=\"HKLM\" Key=\"Software\\Classes\\.svs\\OpenWithProgids\" Name=\"Tessera.Slide\" Value=\"\" Type=\"string\"/>
      <RegistryValue Root=\"HKLM\" Key=\"Software\\Classes\\.tif\\OpenWithProgids\" Name=\"Tessera.Slide\" Value=\"\" Type=\"string\"/>
      <RegistryValue Root=\"HKLM\" Key=\"Software\\Classes\\.tiff\\OpenWithProgids\" Name=\"Tessera.Slide\" Value=\"\" Type=\"string\"/>
      <RegistryValue Root=\"HKLM\" Key=\"Software\\Classes\\.qptiff\\OpenWithProgids\" Name=\"Tessera.Slide\" Value=\"\" Type=\"string\"/>
      <RegistryValue Root=\"HKLM\" Key=\"Software\\Classes\\.dcm\\OpenWithProgids\" Name=\"Tessera.Slide\" Value=\"\" Type=\"string\"/>
      <RegistryValue Root=\"HKLM\" Key=\"Software\\Classes\\.json\\OpenWithProgids\" Name=\"Tessera.Slide\" Value=\"\" Type=\"string\"/>
      <RegistryValue Root=\"HKLM\" Key=\"Software\\Microsoft\\Windows\\CurrentVersion\\App Paths\\tessera.exe\" Value=\"[INSTALLDIR]tessera.exe\" Type=\"string\"/>
    </Component>
"
  else
    files+="<Component Id=\"c_$id\" Guid=\"$(guid "file $f" stable)\"><File Id=\"f_$id\" Name=\"$f\" Source=\"$name/$f\" KeyPath=\"yes\"/></Component>
"
  fi
done
cat >"$stage/tessera.wxs" <<WXS
<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="$(guid product)" Name="Tessera" Language="1033" Version="$msi_version" Manufacturer="Tessera developers" UpgradeCode="$(guid upgrade stable)">
    <Package Id="$(guid package)" InstallerVersion="500" Compressed="yes" InstallScope="perMachine" Description="Tessera $version" Comments="Whole-slide image viewer with on-workstation AI analysis"/>
    <Media Id="1" Cabinet="tessera.cab" EmbedCab="yes"/>
    <MajorUpgrade DowngradeErrorMessage="A newer Tessera is already installed."/>
    <Property Id="ARPPRODUCTICON" Value="tessera.ico"/>
    <Icon Id="tessera.ico" SourceFile="tessera.ico"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFiles64Folder">
        <Directory Id="INSTALLDIR" Name="Tessera">
$files
        </Directory>
      </Directory>
      <Directory Id="CommonAppDataFolder">
        <Directory Id="DATADIR" Name="Tessera">
          <Directory Id="BUNDLESDIR" Name="bundles">
            <Component Id="c_bundles" Guid="$(guid bundles stable)"><CreateFolder/></Component>
          </Directory>
        </Directory>
      </Directory>
      <Directory Id="ProgramMenuFolder">
        <Component Id="c_menu" Guid="$(guid menu stable)">
          <Shortcut Id="s_menu" Name="Tessera" Description="Whole-slide image viewer" Target="[INSTALLDIR]tessera.exe" WorkingDirectory="INSTALLDIR" Icon="tessera.ico"/>
          <RegistryValue Root="HKLM" Key="Software\\Tessera" Name="menu" Value="1" Type="integer" KeyPath="yes"/>
        </Component>
      </Directory>
    </Directory>
    <Feature Id="main" Title="Tessera" Level="1">
$(cd "$root" && ls | grep -v '^bundles$' | LC_ALL=C sort | tr -c 'A-Za-z0-9\n' '_' | sed 's|.*|      <ComponentRef Id="c_&"/>|')
      <ComponentRef Id="c_bundles"/>
      <ComponentRef Id="c_menu"/>
    </Feature>
  </Product>
</Wix>
WXS
rm -f "dist/tessera-$version-x64.msi"
# wixl stamps the package with the clock and a random revision UUID:
# run it at the commit's time and set the UUID to the package GUID.
msi="$PWD/dist/tessera-$version-x64.msi"
(cd "$stage" && faketime -f "@$(date -u -d "@$SOURCE_DATE_EPOCH" '+%Y-%m-%d %H:%M:%S')" wixl -a x64 -o "$msi" tessera.wxs)
faketime -f "@$(date -u -d "@$SOURCE_DATE_EPOCH" '+%Y-%m-%d %H:%M:%S')" msibuild "$msi" -s "Tessera $version" "Tessera developers" "x64;1033" "{$(guid package)}"
echo "windows: dist/$name.zip dist/tessera-$version-x64.msi"
