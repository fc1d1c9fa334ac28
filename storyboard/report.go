// Package storyboard is what the window (app) and the headless commands
// (cli) both put on paper or on a snapshot, without widgets: the one
// builder of a report.Case from a session.Case, the pages of a slide and of
// a saved view, the sign-offs of the case's log on a report, the overlay
// result card, ICC and channel notes, the annotation layer of a snapshot,
// a saved view's conversions, and the sentences for a slide that cannot be
// opened. Stateless: safe for concurrent use except where a function says
// otherwise.
package storyboard

import (
	"context"
	"errors"
	"fmt"
	"image"
	"path/filepath"
	"time"

	"tessera/clinical"
	"tessera/heatmap"
	"tessera/report"
	"tessera/session"
	"tessera/slide"
	"tessera/viewer"
)

// Source is one slide of a case as its report needs it.
type Source struct {
	// Slide is the slide, open; the caller owns and closes it. It may be
	// nil for a slide with a Thumb and no saved view.
	Slide slide.Slide
	// Layer is the heatmap as the window shows it (its look); nil: the
	// result's own with the default look.
	Layer *heatmap.Layer
	// Thumb is the whole slide at Downsample level-0 pixels per thumbnail
	// pixel, when the caller has it already; nil: read from Slide.
	Thumb      image.Image
	Downsample float64
}

// Options are a report's settings beyond the case.
type Options struct {
	ShowIdentifiers bool              // print slide file names
	Generated       time.Time         // the report's date
	Cache           *viewer.TileCache // tiles already decoded (nil: none)
	// Clinical is the case model's [clinical] section (nil: none), and
	// Scanner the slides' scanner ("vendor model") for its calibration.
	Clinical *clinical.Section
	Scanner  string
}

// Report builds the PDF report of the case sc, the one builder of the
// window's File ▸ Export Report and `tessera report`: a page per slide with
// a result (its thumbnail, heatmap and legend; left out of the patient
// result when the pathologist said so), the patient-level result, a page
// per saved view in order, and the sign-offs of the case's log. open gives
// slide i (sc.Slides() order) open; it is called only for slides with a
// result or a saved view. missing names the slides without a result ("slide
// 3"), which the report leaves out.
func Report(ctx context.Context, sc *session.Case, open func(i int) (Source, error), opt Options) (rc report.Case, missing []string, err error) {
	rc = report.Case{Label: sc.Label, Patient: sc.Patient(), Generated: opt.Generated, ShowIdentifiers: opt.ShowIdentifiers}
	slides := sc.Slides()
	for i, s := range slides {
		r := s.Result
		if r == nil {
			missing = append(missing, fmt.Sprintf("slide %d", i+1))
			continue
		}
		src, err := open(i)
		if err != nil {
			return rc, nil, err
		}
		thumb, ds := src.Thumb, src.Downsample
		if thumb == nil {
			if thumb, ds, err = slide.ReadThumbnail(src.Slide, heatmap.ThumbSide); err != nil {
				return rc, nil, fmt.Errorf("slide %d cannot be read for the report: %w", i+1, err)
			}
		}
		layer := src.Layer
		if layer == nil {
			layer = heatmap.FromResult(r)
		}
		page := SlidePage(filepath.Base(s.Path), r, layer, thumb, ds)
		page.LeftOut = s.LeftOut
		rc.Slides = append(rc.Slides, page)
	}
	for i, v := range sc.Views {
		if v.Slide < 0 || v.Slide >= len(slides) {
			return rc, nil, fmt.Errorf("saved view %q belongs to slide %d, which the case does not have", v.Name, v.Slide+1)
		}
		src, err := open(v.Slide)
		if err != nil {
			return rc, nil, err
		}
		if src.Slide == nil {
			return rc, nil, fmt.Errorf("saved view %q: slide %d is not open", v.Name, v.Slide+1)
		}
		s := slides[v.Slide]
		page, err := ViewPage(ctx, src.Slide, v, i+1, len(sc.Views), s.Result, s.Annotations, s.MPP, opt.Cache)
		if err != nil {
			return rc, nil, err
		}
		rc.Views = append(rc.Views, page)
	}
	if len(rc.Slides) == 0 && len(rc.Views) == 0 {
		return rc, nil, errors.New("no slide is analysed yet and no view is saved: analyse at least one (Ctrl+R) or save a view (Ctrl+D) before writing a report")
	}
	if opt.Clinical != nil {
		rc.Clinical = ClinicalLines(opt.Clinical, sc.ClinicalRisk(opt.Clinical, opt.Scanner))
	}
	AddSignOffs(&rc, sc.Path, sc.Results())
	return rc, missing, nil
}
