package storyboard

import (
	"context"
	"fmt"
	"image"

	"tessera/annotation"
	"tessera/cases"
	"tessera/heatmap"
	"tessera/inference"
	"tessera/report"
	"tessera/slide"
	"tessera/viewer"
)

// SlidePage is one slide of a PDF report: the slide alone and with the
// heatmap as layer l shows it, thumb being the whole slide at downsample ds
// (level-0 pixels per thumbnail pixel), with the scale and the legend. The
// window and the report command build their reports with it.
func SlidePage(name string, r *inference.Result, l *heatmap.Layer, thumb image.Image, ds float64) report.Slide {
	lg := l.Legend()
	s := report.Slide{Name: name, Result: r, Thumb: thumb, Heatmap: l.Overlaid(thumb, ds),
		Legend: report.Legend{Colors: l.LegendBar(64), Lo: lg.LoText, Hi: lg.HiText, Title: lg.Title, Note: lg.Note}}
	if r.Slide.MPP > 0 {
		s.UMPerPixel = r.Slide.MPP * ds
	}
	return s
}

// View page size, pixels (a landscape page's image at about 190 dpi).
const viewPageW, viewPageH = 1600, 1000

// ViewPage is a saved view's page of the storyboard: the view rendered
// as the window shows it (place, zoom, rotation, display, the heatmap with
// the view's look and its legend when the slide is analysed, the
// annotations unless the view hid them, the scale bar) and its caption.
// number counts from 1 of total. res and annots may be nil; typedMPP is
// the µm/px entered by hand for a slide without one (0: the slide's own),
// so that the scale bar is drawn as on screen. The window and the report
// command build the storyboard with it.
func ViewPage(ctx context.Context, s slide.Slide, v cases.SavedView, number, total int, res *inference.Result, annots *annotation.Collection, typedMPP float64, cache *viewer.TileCache) (report.ViewPage, error) {
	req := ViewRequest(v, viewPageW, viewPageH)
	req.Cache = cache
	if typedMPP > 0 {
		req.Calibration = &viewer.Calibration{MPP: slide.MPP{X: typedMPP, Y: typedMPP, Source: slide.MPPFromUser}, Objective: s.ObjectivePower()}
	}
	if res != nil {
		l := heatmap.FromResult(res)
		l.SetLook(heatmap.LookFromSaved(v.Heatmap))
		if v.Heatmap.Visible && !l.Empty() {
			req.Layers = append(req.Layers, l.ViewLayer())
			legend := l.Legend()
			req.Legend = &legend
		}
	}
	if annots != nil && len(annots.Features) > 0 && !v.AnnotationsHidden {
		req.Layers = append(req.Layers, AnnotationLayer(annots))
	}
	img, err := viewer.Snapshot(ctx, s, req)
	if err != nil {
		return report.ViewPage{}, fmt.Errorf("saved view %q: %w", v.Name, err)
	}
	page := report.ViewPage{Title: fmt.Sprintf("View %d of %d: %s", number, total, v.Name), Caption: v.CaptionText(), Image: img}
	if res != nil {
		page.Caveats = res.CaveatsShort()
	}
	return page, nil
}
