package app

import (
	"image"

	"tessera/heatmap"
	"tessera/inference"
	"tessera/report"
)

// ReportSlide is one slide of a PDF report: the slide alone and with the
// heatmap as layer l shows it, thumb being the whole slide at downsample ds
// (level-0 pixels per thumbnail pixel), with the scale and the legend. The
// window and the report command build their reports with it.
func ReportSlide(name string, r *inference.Result, l *heatmap.Layer, thumb image.Image, ds float64) report.Slide {
	lg := l.Legend()
	s := report.Slide{Name: name, Result: r, Thumb: thumb, Heatmap: l.Overlaid(thumb, ds),
		Legend: report.Legend{Colors: l.LegendBar(64), Lo: lg.LoText, Hi: lg.HiText, Title: lg.Title, Note: lg.Note}}
	if r.Slide.MPP > 0 {
		s.UMPerPixel = r.Slide.MPP * ds
	}
	return s
}
