package slide

import "strings"

// scannerModelKeys are the properties that name the scanner's model, most
// specific first: Hamamatsu's product code, the TIFF Model tag, DICOM's
// Manufacturer's Model Name.
var scannerModelKeys = []string{"hamamatsu.Product", "tiff.Model", "dicom.ManufacturerModelName"}

// Scanner names the scanner that made s as "vendor model" (e.g.
// "hamamatsu C9600-12"), or the vendor alone when the file does not name
// its model ("aperio"). A DICOM file names its manufacturer, which stands
// for the vendor ("Leica Biosystems GT 450"). Per-scanner calibrations
// ([clinical] scanners) and per-scanner cohort figures are keyed by it.
func Scanner(s Slide) string {
	name := s.Format()
	props := s.Properties()
	if m := props["dicom.Manufacturer"]; m != "" {
		name = m
	}
	for _, k := range scannerModelKeys {
		if v := strings.Join(strings.Fields(props[k]), " "); v != "" {
			if !strings.Contains(strings.ToLower(v), strings.ToLower(name)) {
				return name + " " + v
			}
			return v
		}
	}
	return name
}
