package viewer

import (
	"context"
	"image"
	"image/color"
	"image/draw"
	"testing"

	"fyne.io/fyne/v2/test"

	"tessera/slide/slidetest"
)

// halfRed paints every level-0 point left of x = 1000 red.
type halfRed struct{}

func (halfRed) Draw(dst *image.RGBA, x0, y0, ds float64) {
	right := int((1000 - x0) / ds)
	if right <= 0 {
		return
	}
	r := dst.Bounds()
	r.Max.X = min(r.Max.X, right)
	draw.Draw(dst, r, image.NewUniform(color.RGBA{255, 0, 0, 255}), image.Point{}, draw.Src)
}

// A vector layer is drawn where its content is, at every zoom and
// rotation the snapshot asks for, above the slide.
func TestVectorLayerInSnapshot(t *testing.T) {
	test.NewApp()
	s := slidetest.New(4000, 3000)
	for _, rotation := range []int{0, 2} { // the whole slide, 10 level-0 px per pixel; turned 180°
		req := SnapshotRequest{Width: 400, Height: 300, Rotation: rotation}
		req.Layers = []ViewLayer{{Name: "annotations", Z: 30, Vector: halfRed{}, Style: LayerStyle{Opacity: 1}}}
		img, err := Snapshot(context.Background(), s, req)
		if err != nil {
			t.Fatal(err)
		}
		in, out := 50, 300 // device x of level-0 x = 500 and 3000
		if rotation == 2 {
			in, out = 349, 99
		}
		red, slide := color.RGBAModel.Convert(img.At(in, 150)).(color.RGBA), color.RGBAModel.Convert(img.At(out, 150)).(color.RGBA)
		if red != (color.RGBA{255, 0, 0, 255}) || slide == red {
			t.Errorf("rotation %d: left of x = 1000 %v (want red), right %v (want the slide)", rotation, red, slide)
		}
	}
}
