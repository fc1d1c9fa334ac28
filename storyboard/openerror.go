package storyboard

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"tessera/slide"
)

// openError is a sentence for the user about a slide that could not be
// opened; it unwraps to the cause, so callers can still tell a bad file
// (slide.ErrUnsupported, slide.ErrDamaged, fs errors) from a failure.
type openError struct {
	msg   string
	cause error
}

func (e *openError) Error() string { return e.msg }
func (e *openError) Unwrap() error { return e.cause }

// ReadableFormats says which files Tessera reads, for a dialog or a
// command's message (once, after the sentences about each file).
var ReadableFormats = "Tessera reads " + slide.SupportedFormats + "."

// DescribeOpenError turns a slide.Open error for the file at path into a
// sentence that says what happened and what to do. It names the file by its
// name only (folders may name the patient). For an unreadable format the
// sentence does not list the readable ones: say ReadableFormats once after
// all the sentences.
func DescribeOpenError(path string, err error) error {
	name := filepath.Base(path)
	var msg string
	var unsupported *slide.UnsupportedError
	switch {
	case errors.Is(err, os.ErrNotExist):
		msg = fmt.Sprintf("%s: no such file; check the path", name)
	case errors.Is(err, os.ErrPermission):
		msg = fmt.Sprintf("%s: permission denied; ask for read access to the file", name)
	case errors.As(err, &unsupported) && unsupported.DICOM:
		msg = fmt.Sprintf("%s is a DICOM file Tessera cannot show: %s", name, unsupported.Reason)
	case errors.As(err, &unsupported) && !unsupported.Unknown && unsupported.Reason != "":
		// A reader knew the format: say what in it is not supported.
		msg = fmt.Sprintf("%s cannot be shown: %s", name, unsupported.Reason)
	case errors.As(err, &unsupported) && unsupported.Unknown && slide.IsSlideName(name):
		// Named like a slide, yet no reader knows it: converting it to the
		// format it claims to be is no advice.
		msg = fmt.Sprintf("%s has a slide's name (%s) but not a slide's content (%s): it may be damaged or misnamed; copy it again from the scanner or the archive",
			name, strings.ToLower(filepath.Ext(name)), unsupported.Reason)
	case errors.Is(err, slide.ErrUnsupported):
		msg = fmt.Sprintf("%s is not a slide Tessera can read; convert it to pyramidal TIFF, SVS or OME-TIFF", name)
	case errors.Is(err, slide.ErrDamaged):
		detail := err.Error()
		var de *slide.DamageError
		if errors.As(err, &de) {
			detail = de.Detail
		}
		msg = fmt.Sprintf("%s: this slide is damaged and cannot be shown (%s). Re-export it from the scanner software, or re-scan the glass slide", name, detail)
	default:
		return err
	}
	return &openError{msg: msg, cause: err}
}
