package viewer

import (
	"image"
	"image/color"
	"testing"
)

// A crop beyond the image is transparent there: the smooth heatmap fades
// out at the grid's edge instead of ending in a hard edge.
func TestCropPadsWithTransparency(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	for i := range src.Pix {
		src.Pix[i] = 200
	}
	out := crop(src, image.Rect(1, 0, 4, 3))
	if out.Bounds() != image.Rect(0, 0, 3, 3) {
		t.Fatalf("bounds %v", out.Bounds())
	}
	opaque := color.NRGBA{200, 200, 200, 200}
	for _, c := range []struct {
		x, y int
		want color.NRGBA
	}{{0, 0, opaque}, {1, 1, opaque}, {2, 0, color.NRGBA{}}, {0, 2, color.NRGBA{}}} {
		if got := out.NRGBAAt(c.x, c.y); got != c.want {
			t.Errorf("pixel (%d,%d) = %v, want %v", c.x, c.y, got, c.want)
		}
	}
}

// In smooth mode the layer's image covers one more cell on every side of
// the grid (transparent), in crisp mode exactly the grid.
func TestSmoothLayerIsPadded(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	vp := Viewport{Center: Level0Point{X: 200, Y: 200}, Downsample: 1, Width: 1000, Height: 1000, SlideW: 400, SlideH: 400}
	for _, smooth := range []bool{false, true} {
		l := newOverlayLayer()
		l.update(&Overlay{Image: img, Cell: 100, Smooth: smooth}, LayerStyle{Opacity: 1}, 1, vp, 1)
		want := 4
		if smooth {
			want = 6
		}
		if w := l.img.Image.Bounds().Dx(); w != want || l.img.Size().Width != float32(100*want) {
			t.Errorf("smooth %v: crop %d cells wide, %v canvas units; want %d cells", smooth, w, l.img.Size().Width, want)
		}
	}
}

// A style set before the layer has content is the style of its first frame
// (a heatmap hidden, or half transparent, never drawn opaque first).
func TestLayerStyleSetBeforeContentApplies(t *testing.T) {
	v, _ := newTestView(t)
	want := LayerStyle{Hidden: true, Opacity: 0.4}
	v.SetLayerStyle("heat", want)
	v.SetLayer("heat", 1, &Overlay{Image: image.NewNRGBA(image.Rect(0, 0, 2, 2)), Cell: 100})
	if got := v.layers[0].style; got != want {
		t.Errorf("first frame drawn with style %+v, want %+v", got, want)
	}
}
