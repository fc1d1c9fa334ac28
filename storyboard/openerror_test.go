package storyboard

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"tessera/slide"
)

// Open errors become one sentence that names the file, never its folder,
// and says what to do; a DICOM object that is not an image says what it is
// (from the reader's typed error, not from its text).
func TestDescribeOpenError(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"ann.dcm", &slide.UnsupportedError{Name: "ann.dcm", Reason: "not an image (Microscopy Bulk Simple Annotations)", DICOM: true},
			"ann.dcm is a DICOM file Tessera cannot show: not an image (Microscopy Bulk Simple Annotations)"},
		{"notes.txt", &slide.UnsupportedError{Name: "notes.txt", Reason: "unknown", Unknown: true}, "notes.txt is not a slide Tessera can read; convert it"},
		{"broken.svs", &slide.UnsupportedError{Name: "broken.svs", Reason: "not a slide format Tessera knows", Unknown: true},
			"broken.svs has a slide's name (.svs) but not a slide's content"},
		{"cells.ome.tif", &slide.UnsupportedError{Name: "cells.ome.tif", Reason: "TIFF compression 34712 is not supported (JPEG, Deflate, LZW or none are)"},
			"cells.ome.tif cannot be shown: TIFF compression 34712 is not supported"},
		{"cut.svs", &slide.DamageError{Path: "/patients/DOE JOHN/cut.svs", Detail: "incomplete"}, "cut.svs: this slide is damaged and cannot be shown (incomplete)"},
		{"cut.svs", fmt.Errorf("open: %w", os.ErrNotExist), "cut.svs: no such file"},
		{"cut.svs", fmt.Errorf("open: %w", os.ErrPermission), "cut.svs: permission denied"},
	} {
		got := DescribeOpenError("/patients/DOE JOHN/"+c.name, c.err)
		if !strings.HasPrefix(got.Error(), c.want) || strings.Contains(got.Error(), "DOE JOHN") {
			t.Errorf("%v: %q, want %q…", c.err, got, c.want)
		}
		if !errors.Is(got, c.err) && !errors.Is(got, errors.Unwrap(c.err)) {
			t.Errorf("%q does not unwrap to its cause", got)
		}
	}
	other := errors.New("out of memory")
	if DescribeOpenError("/x/a.svs", other) != other {
		t.Error("a failure that is not the file's was reworded")
	}
}
