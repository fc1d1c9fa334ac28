package storyboard

import (
	"testing"

	"tessera/cases"
	"tessera/viewer"
)

// A display survives a saved view's round trip, an unadjusted one is not
// written, and a view's snapshot is drawn where and how it was saved.
func TestSavedViewConversions(t *testing.T) {
	d := viewer.Display{Brightness: 0.1, Contrast: 1.3, Gamma: 0.8}
	if got := DisplayFromSaved(SavedDisplay(d)); got != d {
		t.Errorf("display round trip %+v, want %+v", got, d)
	}
	if SavedDisplay(viewer.Display{}) != nil || DisplayFromSaved(nil) != (viewer.Display{}) {
		t.Error("an unadjusted display is saved, or a missing one is not the identity")
	}
	v := cases.SavedView{CenterX: 1200, CenterY: 800, Downsample: 4, Rotation: 90, Display: SavedDisplay(d)}
	req := ViewRequest(v, 1600, 1000)
	if req.Center == nil || *req.Center != (viewer.Level0Point{X: 1200, Y: 800}) || req.Downsample != 4 || req.Rotation != 90 || req.Display != d || req.Width != 1600 || req.Height != 1000 {
		t.Errorf("snapshot request %+v", req)
	}
}
