#!/usr/bin/env bash
# Prints THIRD-PARTY-LICENSES.txt of the Windows build: the libraries linked
# into tessera.exe (OpenJPEG, Little CMS: their licence files, copied by
# windows-deps.sh into $1), the DLLs beside it (ONNX Runtime, DirectML),
# then the Go modules compiled in ($2, packaging/go-licenses.sh).
set -euo pipefail
licences=${1:?usage: windows-licenses.sh LICENCES_DIR TESSERA_EXE}
exe=${2:?usage: windows-licenses.sh LICENCES_DIR TESSERA_EXE}
ort=$(sed -n 's/^ORT_VERSION=//p' scripts/setup.sh)
cat <<HEAD
Third-party software distributed with Tessera for Windows
==========================================================

------------------------------------------------------------------------
OpenJPEG 2.5.0 (https://www.openjpeg.org), linked into tessera.exe
(built from Debian's source package openjpeg2 2.5.0 by packaging/windows-deps.sh).
Licence: BSD 2-clause.

HEAD
cat "$licences/OpenJPEG-LICENSE"
cat <<LCMS

------------------------------------------------------------------------
Little CMS 2.14 (https://www.littlecms.com), linked into tessera.exe
(built from Debian's source package lcms2 2.14 by packaging/windows-deps.sh).
Licence: MIT.

LCMS
cat "$licences/LittleCMS-COPYING"
cat <<ORT

------------------------------------------------------------------------
onnxruntime.dll: ONNX Runtime $ort (https://github.com/microsoft/onnxruntime),
the official Windows x64 build shipped in Microsoft's npm package
onnxruntime-node $ort, unchanged. Licence: MIT.

ORT
cat packaging/licenses/onnxruntime-MIT.txt
cat <<DML

------------------------------------------------------------------------
DirectML.dll: Microsoft DirectML, as Microsoft ships it beside onnxruntime.dll
in the npm package onnxruntime-node $ort, unchanged. It is Microsoft's
redistributable DirectML library, under Microsoft's DirectML licence terms
(published with the Microsoft.AI.DirectML package); the npm package carries
no separate licence file for it. Tessera loads it only for the DirectML
execution provider; the CPU path does not use it.

------------------------------------------------------------------------
The C runtime startup code of mingw-w64 is linked into tessera.exe
(public domain / ZPL, https://www.mingw-w64.org).
DML
packaging/go-licenses.sh "$exe"
