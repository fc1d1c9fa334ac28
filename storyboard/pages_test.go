package storyboard

import (
	"context"
	"image"
	"path/filepath"
	"testing"

	"tessera/cases"
	"tessera/internal/testslides"
	"tessera/slide"
	"tessera/viewer"
)

// A saved view of a slide without µm/px, calibrated by hand, is drawn with
// a scale bar on its storyboard page, as on screen; without the typed
// value it says "uncalibrated".
func TestViewPageOfAHandCalibratedSlide(t *testing.T) {
	s, err := slide.Open(filepath.Join(testslides.Dir(t), "aperio", "tcga-cr-7395-01a-01-ts1.svs"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	viewer.NewHeadlessApp()
	v := cases.SavedView{Name: "tumour", CenterX: 2200, CenterY: 1800, Downsample: 2}
	corner := func(mpp float64) image.Image {
		t.Helper()
		page, err := ViewPage(context.Background(), s, v, 1, 1, nil, nil, mpp, nil)
		if err != nil {
			t.Fatal(err)
		}
		b := page.Image.Bounds()
		return page.Image.(interface {
			SubImage(image.Rectangle) image.Image
		}).SubImage(image.Rect(b.Min.X, b.Max.Y-120, b.Min.X+420, b.Max.Y))
	}
	raw, typed := corner(0), corner(0.5)
	same := true
	b := raw.Bounds()
	for y := b.Min.Y; y < b.Max.Y && same; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if raw.At(x, y) != typed.At(x, y) {
				same = false
				break
			}
		}
	}
	if same {
		t.Error("the scale bar corner is the same with and without the typed µm/px")
	}
}
