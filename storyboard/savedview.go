package storyboard

import (
	"tessera/cases"
	"tessera/viewer"
)

// A saved view (cases.SavedView) is kept in the case file as plain values;
// these are its conversions to and from what a view shows, the one home
// for them (the heatmap's look is heatmap.LookFromSaved and Look.Saved).

// DisplayFromSaved is the display adjustment a saved view keeps (nil: none).
func DisplayFromSaved(d *cases.Display) viewer.Display {
	if d == nil {
		return viewer.Display{}
	}
	return viewer.Display{Brightness: d.Brightness, Contrast: d.Contrast, Gamma: d.Gamma}
}

// SavedDisplay is d as a saved view keeps it: nil when d changes nothing.
func SavedDisplay(d viewer.Display) *cases.Display {
	if d.Identity() {
		return nil
	}
	return &cases.Display{Brightness: d.Brightness, Contrast: d.Contrast, Gamma: d.Gamma}
}

// ViewRequest is the snapshot of saved view v at w×h pixels: its place,
// zoom, rotation and display (layers are the caller's: they need the
// slide's result and annotations).
func ViewRequest(v cases.SavedView, w, h int) viewer.SnapshotRequest {
	centre := viewer.Level0Point{X: v.CenterX, Y: v.CenterY}
	return viewer.SnapshotRequest{Width: w, Height: h, Center: &centre, Downsample: v.Downsample, Rotation: v.Rotation, Display: DisplayFromSaved(v.Display)}
}
