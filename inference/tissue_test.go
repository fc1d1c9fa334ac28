package inference

import (
	"image"
	"image/color"
	"testing"
)

// paint returns a w×h image of bg with a centred square of fg covering
// about a quarter of it.
func paint(w, h int, bg, fg color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := bg
			if x >= w/4 && x < 3*w/4 && y >= h/4 && y < 3*h/4 {
				c = fg
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func TestTissueDetectionAcrossStains(t *testing.T) {
	cases := []struct {
		name   string
		bg, fg color.RGBA
	}{
		{"H&E pink on white glass", color.RGBA{244, 244, 246, 255}, color.RGBA{220, 140, 190, 255}},
		{"pale IHC counterstain on glass", color.RGBA{232, 232, 236, 255}, color.RGBA{170, 190, 205, 255}},
		{"fluorescence on black", color.RGBA{2, 2, 4, 255}, color.RGBA{20, 30, 200, 255}},
	}
	for _, c := range cases {
		m := TissueFromImage(paint(200, 160, c.bg, c.fg), 10)
		inside := m.Fraction(60*10, 50*10, 60*10) // level-0 square inside the tissue
		outside := m.Fraction(0, 0, 30*10)        // a corner of glass
		if inside < 0.95 || outside > 0.05 {
			t.Errorf("%s: tissue %.2f inside, %.2f outside", c.name, inside, outside)
		}
	}
	if m := TissueFromImage(paint(100, 100, color.RGBA{240, 240, 240, 255}, color.RGBA{240, 240, 240, 255}), 1); m.Fraction(0, 0, 100) > 0.01 {
		t.Error("blank glass taken for tissue")
	}
}
