// Package session is the model of the case open in the window: its slides
// in order with their results and hand-entered µm/px, the case's model,
// label, saved views and file. The UI owns one Case and reports to it
// (a slide opened, analysed, closed); the patient-level result, the case
// card, the case file and the report all read it, never the widgets. It has
// no widgets and no goroutines; not safe for concurrent use (the UI
// goroutine owns it).
package session

import (
	"bytes"
	"maps"
	"path/filepath"
	"slices"

	"tessera/annotation"
	"tessera/cases"
	"tessera/coverage"
	"tessera/inference"
)

// Slide is one slide of the open case. The UI keeps the pointer as the
// slide's identity for as long as its tab is open.
type Slide struct {
	Path   string            // absolute path of the slide file
	MPP    float64           // µm/px the user entered; 0: the slide's own
	Result *inference.Result // the result shown for it; nil until analysed
	// ModelPath is the bundle the user chose for this slide ("" is the
	// built-in model), whatever model Result came from.
	ModelPath string
	// Channels is how a fluorescence image's channels are shown, as saved
	// in the case file (nil: the file's own settings).
	Channels []cases.ChannelSetting
	// Annotations are the slide's annotations (never nil; the UI replaces
	// the collection on each change, so a reader may keep one).
	Annotations *annotation.Collection
	// AnnotationsError says why the case file's annotations for this slide
	// could not be read ("" when they could).
	AnnotationsError  string
	unreadAnnotations []byte // the case file's annotations when unreadable: written back as they were
	// SideBySide is the slide's side-by-side view as kept in the case
	// file; nil when it shows alone.
	SideBySide *cases.SideBySide
	// LeftOut is the pathologist's reason for leaving this slide out of the
	// patient-level result; "" when it counts.
	LeftOut string
	// Coverage is where the pathologist looked at 10× or more; nil until
	// the slide is open (OpenCoverage) or when the saved one could not be
	// read (it is then written back as it was).
	Coverage      *coverage.Map
	savedCoverage string // the case file's, as read
}

// OpenCoverage makes the slide's coverage map for its level-0 size (width
// × height pixels) from the case file's, or empty. When the case file's
// cannot be read (damaged, or made on a slide of another size) Coverage
// stays nil, the saved text is kept unchanged, and the error says why.
func (s *Slide) OpenCoverage(width, height int64) error {
	if s.savedCoverage == "" {
		s.Coverage = coverage.New(width, height)
		return nil
	}
	m, err := coverage.Decode(s.savedCoverage, width, height)
	if err != nil {
		return err
	}
	s.Coverage = m
	return nil
}

// coverageText is the coverage as the case file keeps it.
func (s *Slide) coverageText() string {
	if s.Coverage == nil || s.Coverage.Cells() == 0 {
		return s.savedCoverage
	}
	return s.Coverage.Encode()
}

// Case is the open case: the slides of one patient, or, until the user
// makes a case of them, a set of unrelated tabs (no patient-level result).
type Case struct {
	// IsCase is true once the slides are one patient's: opened from a case
	// file or a folder, or made into a case (labelled or saved). A set of
	// tabs opened one by one is not a patient.
	IsCase bool
	Label  string // typed by the user; never read from a slide
	Model  string // the case's bundle path; "" is the built-in model
	Path   string // the case file once saved or opened; "" before
	Views  []cases.SavedView
	// Factors are the patient's clinical factors (cases.Case.Factors).
	Factors map[string]string
	slides  []*Slide
	saved   map[string]cases.SlideRef // the case file's slides by path, for Add
	file    *cases.Case               // the case file read (nil: none), for each slide's model
}

// New returns an empty set of tabs (not yet a case).
func New() *Case { return &Case{} }

// FromFile returns the case of a case file (or a folder made into a case)
// saved at path ("" for a folder), with no slide open yet: the UI adds
// each slide as it opens.
func FromFile(c *cases.Case, path string) *Case {
	saved := map[string]cases.SlideRef{}
	for _, ref := range c.Slides {
		saved[filepath.Clean(ref.Path)] = ref
	}
	return &Case{IsCase: true, Label: c.Label, Model: c.Model, Path: path, Views: slices.Clone(c.Views), Factors: maps.Clone(c.Factors), saved: saved, file: c}
}

// Results returns each slide's result in order (nil where there is none).
func (c *Case) Results() []*inference.Result {
	out := make([]*inference.Result, len(c.slides))
	for i, s := range c.slides {
		out[i] = s.Result
	}
	return out
}

// Add appends a slide and returns it, with the channel settings and the
// model the case file saved for it (modelPath for a slide the case file
// does not hold).
func (c *Case) Add(path string, mpp float64, modelPath string) *Slide {
	ref, saved := c.saved[filepath.Clean(path)]
	if saved && c.file != nil {
		modelPath = c.file.ModelOf(ref)
	}
	s := &Slide{Path: path, MPP: mpp, ModelPath: modelPath, Channels: ref.Channels, Annotations: &annotation.Collection{}, SideBySide: ref.SideBySide, LeftOut: ref.LeftOut, savedCoverage: ref.Coverage}
	if len(ref.Annotations) > 0 {
		if a, err := annotation.ReadGeoJSON(bytes.NewReader(ref.Annotations)); err == nil {
			s.Annotations = a
		} else {
			s.AnnotationsError, s.unreadAnnotations = err.Error(), ref.Annotations
		}
	}
	c.slides = append(c.slides, s)
	return s
}

// Remove drops s (its tab closed) with its saved views, and renumbers the
// views of the slides after it so that each still shows its own slide. It
// returns the names of the views dropped.
func (c *Case) Remove(s *Slide) (droppedViews []string) {
	i := c.Index(s)
	if i < 0 {
		return nil
	}
	c.slides = slices.Delete(c.slides, i, i+1)
	kept := c.Views[:0]
	for _, v := range c.Views {
		switch {
		case v.Slide == i:
			droppedViews = append(droppedViews, v.Name)
			continue
		case v.Slide > i:
			v.Slide--
		}
		kept = append(kept, v)
	}
	c.Views = kept
	return droppedViews
}

// Slides returns the slides in order; the caller must not modify the slice.
func (c *Case) Slides() []*Slide { return c.slides }

// Index returns the position of s, or -1.
func (c *Case) Index(s *Slide) int { return slices.Index(c.slides, s) }

// SetResult records the result shown for s (nil: none).
func (c *Case) SetResult(s *Slide, r *inference.Result) { s.Result = r }

// File returns the case file content: the slides, their typed µm/px, the
// label, the case's model and the saved views.
func (c *Case) File() *cases.Case {
	f := &cases.Case{Schema: cases.Schema, Label: c.Label, Model: c.Model, Views: slices.Clone(c.Views), Factors: maps.Clone(c.Factors)}
	for _, s := range c.slides {
		ref := cases.SlideRef{Path: s.Path, MPP: s.MPP, Channels: s.Channels, SideBySide: s.SideBySide, LeftOut: s.LeftOut, Coverage: s.coverageText()}
		switch {
		case s.ModelPath == c.Model:
		case s.ModelPath == "":
			ref.Model = cases.BuiltinModel
		default:
			ref.Model = s.ModelPath
		}
		if s.Annotations != nil && len(s.Annotations.Features) == 0 && s.unreadAnnotations != nil {
			ref.Annotations = s.unreadAnnotations // nothing lost
		} else if s.Annotations != nil && len(s.Annotations.Features) > 0 {
			var b bytes.Buffer
			if s.Annotations.WriteGeoJSON(&b) == nil {
				ref.Annotations = b.Bytes()
			}
		}
		f.Slides = append(f.Slides, ref)
	}
	return f
}
