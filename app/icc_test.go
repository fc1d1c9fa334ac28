package app

import (
	"context"
	"image"
	"image/draw"
	"strings"
	"testing"

	"tessera/internal/testslides"
	"tessera/viewer"
)

// A slide with an embedded wide-gamut profile (real tissue, the profile
// written into the TIFF by vips) is shown converted to sRGB by default,
// says so in the status line, and the View menu's toggle shows raw colours.
func TestICCProfileOnScreen(t *testing.T) {
	withICC := testslides.AdobeRGBCopy(t)
	ui := newTestUI(t)
	ui.OpenPath(withICC)
	settle(ui)
	p := ui.current()
	if p == nil || p.icc == nil || !p.view.ColourManaged() {
		t.Fatal("the slide's ICC profile is not applied")
	}
	if !strings.Contains(p.status.Text, "ICC: Adobe RGB (1998) test profile → sRGB") {
		t.Errorf("status %q", p.status.Text)
	}
	shot := func() []byte {
		t.Helper()
		if err := p.view.Settle(context.Background()); err != nil {
			t.Fatal(err)
		}
		img, err := viewer.Snapshot(context.Background(), p.slide, viewer.SnapshotRequest{Width: 200, Height: 200, ColourTransform: p.colourTransform()})
		if err != nil {
			t.Fatal(err)
		}
		return imgBytes(img)
	}
	managed := shot()
	ui.toggleColourManagement()
	if p.view.ColourManaged() || !strings.Contains(p.status.Text, "ICC off") {
		t.Fatalf("toggle: managed %v, status %q", p.view.ColourManaged(), p.status.Text)
	}
	raw := shot()
	diff := 0
	for i := range raw {
		if raw[i] != managed[i] {
			diff++
		}
	}
	if diff < len(raw)/10 {
		t.Errorf("only %d of %d bytes differ between managed and raw colours", diff, len(raw))
	}
}

// imgBytes returns img's pixels as RGBA bytes.
func imgBytes(img image.Image) []byte {
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Rect, img, img.Bounds().Min, draw.Src)
	return rgba.Pix
}
