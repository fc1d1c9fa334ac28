package slide

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// What a slide file is: one rule for file dialogs, folders and case
// folders. A file is a slide when its name carries one of Extensions; a
// DICOM series is one slide however many files it has (known by content,
// with or without ".dcm").

// Extensions are the file name endings of the formats Open reads (lower
// case): the union of every reader's (a test checks it).
var Extensions = []string{".svs", ".ndpi", ".vms", ".vmu", ".mrxs", ".scn", ".bif", ".svslide", ".tif", ".tiff", ".qptiff", ".dcm"}

// IsSlideName reports whether a file name carries a slide extension.
func IsSlideName(name string) bool {
	return slices.Contains(Extensions, strings.ToLower(filepath.Ext(name)))
}

// UnsupportedError says that a file is not a slide Tessera can read, and
// why. It names the file by its name only (folders may name the patient)
// and unwraps to ErrUnsupported.
type UnsupportedError struct {
	Name   string // the file's name, without its folder
	Reason string // why, in words ("not an image (Microscopy Bulk Simple Annotations …)")
	// DICOM is true when the file (or folder) is DICOM, only not something
	// Tessera shows; Reason then says what it is instead.
	DICOM bool
	// Unknown is true when no reader recognised the file at all (Reason is
	// then generic): converting it is the advice; otherwise a reader knew
	// the format and Reason says what in it is not supported.
	Unknown bool
}

func (e *UnsupportedError) Error() string {
	if e.DICOM {
		return e.Name + ": " + ErrUnsupported.Error() + ": a DICOM file, but " + e.Reason
	}
	return e.Name + ": " + ErrUnsupported.Error() + ": " + e.Reason
}

// Unwrap makes errors.Is(err, ErrUnsupported) true.
func (e *UnsupportedError) Unwrap() error { return ErrUnsupported }

// UnsupportedReason is why err says a file is unsupported ("" when err
// carries no reason).
func UnsupportedReason(err error) string {
	var u *UnsupportedError
	if errors.As(err, &u) {
		return u.Reason
	}
	return ""
}

// SlidesIn lists the slides directly in dir, sorted by path: each slide
// file (by name); the DICOM files of dir as one slide (dir itself, which
// opens as its series); and each subfolder holding DICOM files as one
// slide (a DICOM series is usually a folder of many files).
func SlidesIn(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	dicomHere := false
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		ext := strings.ToLower(filepath.Ext(e.Name()))
		switch {
		case e.IsDir():
			if hasDICOM(p) {
				out = append(out, p)
			}
		case IsSlideName(e.Name()) && ext != ".dcm":
			out = append(out, p)
		default:
			dicomHere = dicomHere || isDICOMEntry(p, e.Name())
		}
	}
	if dicomHere {
		out = append(out, dir)
	}
	sort.Strings(out)
	return out, nil
}

// hasDICOM reports whether dir holds a DICOM file.
func hasDICOM(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if !e.IsDir() && isDICOMEntry(filepath.Join(dir, e.Name()), e.Name()) {
			return true
		}
	}
	return false
}

// isDICOMEntry reports whether the file at path is DICOM: named ".dcm",
// or, for a name that is neither a slide's nor one of the files a case
// folder is known to hold, by its content.
func isDICOMEntry(path, name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".dcm" || (!IsSlideName(name) && !knownOtherExt(ext) && IsDICOMFile(path))
}

// knownOtherExt is an extension of files a case folder holds that are
// never DICOM (not worth opening to look): Tessera's own files, images,
// documents.
func knownOtherExt(ext string) bool {
	switch ext {
	case ".json", ".jsonl", ".csv", ".txt", ".md", ".pdf", ".png", ".jpg", ".jpeg", ".geojson", ".xml", ".log", ".onnx", ".toml":
		return true
	}
	return false
}
