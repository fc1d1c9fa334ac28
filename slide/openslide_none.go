//go:build windows || noopenslide

package slide

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
)

// This build has no OpenSlide (Windows: no OpenSlide build is reachable
// here; or built with -tags noopenslide to test that build on Linux).
// Aperio SVS is read by Tessera's own reader (svs.go); the formats only
// OpenSlide reads are named by their file name and refused with a
// sentence that says which build reads them.

// HasOpenSlide is false: vendor formats other than Aperio SVS are not read.
const HasOpenSlide = false

// SupportedFormats names the formats this build opens, for messages.
const SupportedFormats = "Aperio SVS, generic pyramidal TIFF, RGB OME-TIFF (tiled, or in strips), one-plane-per-channel fluorescence OME-TIFF and QPTIFF, DICOM WSI (JPEG, JPEG 2000 or uncompressed; a file or a folder of a series); Hamamatsu, MIRAX, Leica, Ventana and Sakura slides need Tessera's Linux build"

// openSlideOnly names the formats only OpenSlide reads, by file name.
var openSlideOnly = map[string]string{
	".ndpi": "Hamamatsu NDPI", ".vms": "Hamamatsu VMS", ".vmu": "Hamamatsu VMU", ".mrxs": "3DHISTECH MIRAX",
	".scn": "Leica SCN", ".bif": "Ventana BIF", ".svslide": "Sakura SVSlide",
}

// detectVendor names an OpenSlide-only format by the file's name ("" for
// every other file: Tessera's own readers decide by content).
func detectVendor(path string) string {
	return openSlideOnly[strings.ToLower(filepath.Ext(path))]
}

// openWithOpenSlide refuses a format only OpenSlide reads.
func openWithOpenSlide(f *fileFacts) (Slide, error) {
	return nil, &UnsupportedError{Name: filepath.Base(f.path), Reason: fmt.Sprintf(
		"%s is read through OpenSlide, which this %s build of Tessera does not include: open it with Tessera's Linux build, or convert it to OME-TIFF or DICOM",
		f.vendor, buildName())}
}

func buildName() string {
	if runtime.GOOS == "windows" {
		return "Windows"
	}
	return "no-OpenSlide"
}
