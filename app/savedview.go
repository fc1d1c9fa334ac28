package app

import (
	"tessera/cases"
	"tessera/heatmap"
	"tessera/storyboard"
	"tessera/viewer"
)

// A saved view is everything the pane shows that a tumour board wants back:
// place, zoom, rotation, display, the heatmap's look, the channels and
// whether annotations are shown. The pane captures and applies it here and
// nowhere else; the conversions of its values are storyboard's and
// heatmap's. UI goroutine only.

// captureView is what p shows now, as saved view name of slide index.
func (p *slidePane) captureView(name string, index int) cases.SavedView {
	vp := p.view.Viewport()
	return cases.SavedView{
		Name: name, Slide: index, CenterX: vp.Center.X, CenterY: vp.Center.Y, Downsample: vp.Downsample,
		Heatmap: p.analysis.layers.look.Saved(), Rotation: p.view.Rotation(), Display: storyboard.SavedDisplay(p.view.Display()),
		Channels: cases.ChannelSettingsOf(p.slide), AnnotationsHidden: p.annots.Hidden(),
	}
}

// applyView shows saved view v in p.
func (p *slidePane) applyView(v cases.SavedView) {
	p.view.SetView(viewer.Level0Point{X: v.CenterX, Y: v.CenterY}, v.Downsample)
	p.analysis.layers.setLook(heatmap.LookFromSaved(v.Heatmap))
	p.view.SetDisplay(storyboard.DisplayFromSaved(v.Display))
	p.view.SetRotation(v.Rotation)
	if p.channels != nil && v.Channels != nil {
		p.channels.restore(v.Channels)
	}
	if p.annots.Hidden() != v.AnnotationsHidden {
		p.annots.ToggleVisible()
	}
}
