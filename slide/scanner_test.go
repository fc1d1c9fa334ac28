package slide

import (
	"path/filepath"
	"testing"
)

func TestScannerNamesVendorAndModel(t *testing.T) {
	dir := sharedSlides(t)
	for file, want := range map[string]string{
		"hamamatsu/test3-DAPI-2-387.ndpi": "hamamatsu C9600-12", // hamamatsu.Product
		"aperio/CMU-1-Small-Region.svs":   "aperio",             // no model in the file
		"ometiff/OS-1-detail.ome.tif":     "ome-tiff",
		// DICOM: Manufacturer and Manufacturer's Model Name, or the format.
		"dicom/highdicom-sm":           "Test Manufacturer Test Model",
		"dicom/openslide-python-boxes": "Leica Biosystems Aperio converted by com.pixelmed.convert.TIFFToDicom",
		"dicom/google-camelyon-jpeg":   "dicom",
	} {
		s, err := Open(filepath.Join(dir, file))
		if !HasOpenSlide && filepath.Ext(file) == ".ndpi" {
			continue // read through OpenSlide only
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := Scanner(s); got != want {
			t.Errorf("%s: Scanner = %q, want %q", file, got, want)
		}
		s.Close()
	}
}
