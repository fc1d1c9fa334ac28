package viewer

import (
	"context"
	"image"
	"image/color"
	"testing"

	"fyne.io/fyne/v2/test"

	"tessera/slide/slidetest"
)

func TestDisplayTable(t *testing.T) {
	if !(Display{}).Identity() || !(Display{Contrast: 1, Gamma: 1}).Identity() || (Display{Brightness: 0.1}).Identity() {
		t.Error("Identity")
	}
	id := (Display{}).table()
	for i, v := range id {
		if int(v) != i {
			t.Fatalf("the identity maps %d to %d", i, v)
		}
	}
	bright := (Display{Brightness: 0.2}).table()
	if bright[100] <= 100 || bright[255] != 255 {
		t.Errorf("brightness +0.2: 100 → %d, 255 → %d", bright[100], bright[255])
	}
	contrast := (Display{Contrast: 2}).table()
	if contrast[64] >= 64 || contrast[192] <= 192 || contrast[128] < 127 || contrast[128] > 129 {
		t.Errorf("contrast ×2: 64 → %d, 128 → %d, 192 → %d", contrast[64], contrast[128], contrast[192])
	}
	gamma := (Display{Gamma: 2}).table()
	if gamma[64] <= 64 || gamma[0] != 0 || gamma[255] != 255 {
		t.Errorf("gamma 2: 64 → %d", gamma[64])
	}
}

// The adjustment is the display's only: the cached tile (what is analysed
// and exported raw) is untouched, the drawn one changes.
func TestDisplayAdjustsOnlyTheScreen(t *testing.T) {
	v, _ := newTestView(t)
	v.SetDisplay(Display{Brightness: 0.3})
	settle(t, v)
	r := v.renderer
	n := 0
	for _, ti := range r.tiles {
		shown := ti.img.Image.(*image.RGBA)
		if shown == ti.src || shown.Pix[0] == ti.src.Pix[0] && ti.src.Pix[0] < 200 {
			t.Fatal("a tile is drawn without the adjustment, or the cached tile was changed")
		}
		n++
	}
	if n == 0 {
		t.Fatal("no tile drawn")
	}
	v.SetDisplay(Display{})
	for _, ti := range r.tiles {
		if ti.img.Image.(*image.RGBA) != ti.src {
			t.Fatal("without adjustment, tiles are not drawn from the cache as they are")
		}
	}
}

// A rotated view draws each slide pixel where Level0ToDevice puts it: the
// snapshot's pixels match the slide read at DeviceToLevel0.
func TestRotatedRendering(t *testing.T) {
	test.NewTempApp(t)
	s := slidetest.New(4000, 3000)
	for r := 1; r < 4; r++ {
		img, err := Snapshot(context.Background(), s, SnapshotRequest{Width: 400, Height: 300, Rotation: r})
		if err != nil {
			t.Fatal(err)
		}
		vp := Viewport{SlideW: 4000, SlideH: 3000, Width: 400, Height: 300, Rotation: r}
		vp.Fit()
		checked := 0
		for _, d := range []DevicePoint{{200, 150}, {120, 90}, {260, 200}, {180, 60}} {
			p := vp.DeviceToLevel0(DevicePoint{d.X + 0.5, d.Y + 0.5})
			if p.X < 8 || p.Y < 8 || p.X > 3992 || p.Y > 2992 {
				continue
			}
			want := image.NewRGBA(image.Rect(0, 0, 1, 1))
			if err := s.ReadRegion(want, 0, int64(p.X), int64(p.Y)); err != nil {
				t.Fatal(err)
			}
			gr, gg, gb, _ := img.At(int(d.X), int(d.Y)).RGBA()
			if absDiff8(gr>>8, uint32(want.Pix[0])) > 40 || absDiff8(gg>>8, uint32(want.Pix[1])) > 40 || absDiff8(gb>>8, uint32(want.Pix[2])) > 40 {
				t.Errorf("rotation %d at %v: drew (%d,%d,%d), the slide has %v at %v", r, d, gr>>8, gg>>8, gb>>8, want.Pix[:3], p)
			}
			checked++
		}
		if checked < 3 {
			t.Errorf("rotation %d: only %d points checked", r, checked)
		}
	}
}

func absDiff8(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// Layers turn with the view: each overlay cell is drawn where
// Level0ToDevice puts its centre.
func TestRotatedLayerAlignment(t *testing.T) {
	test.NewTempApp(t)
	s := slidetest.New(4000, 3000)
	ov := image.NewNRGBA(image.Rect(0, 0, 4, 3))
	colours := map[[2]int]color.NRGBA{}
	for y := 0; y < 3; y++ {
		for x := 0; x < 4; x++ {
			c := color.NRGBA{uint8(40 + 60*x), uint8(40 + 80*y), 255, 255}
			ov.SetNRGBA(x, y, c)
			colours[[2]int{x, y}] = c
		}
	}
	for r := 0; r < 4; r++ {
		img, err := Snapshot(context.Background(), s, SnapshotRequest{Width: 400, Height: 300, Rotation: r,
			Layers: []ViewLayer{{Name: "test", Overlay: &Overlay{Image: ov, Cell: 1000}, Style: LayerStyle{Opacity: 1}}}})
		if err != nil {
			t.Fatal(err)
		}
		vp := Viewport{SlideW: 4000, SlideH: 3000, Width: 400, Height: 300, Rotation: r}
		vp.Fit()
		for cell, want := range colours {
			d := vp.Level0ToDevice(Level0Point{X: float64(cell[0])*1000 + 500, Y: float64(cell[1])*1000 + 500})
			if d.X < 190 && d.Y > 240 { // under the scale bar
				continue
			}
			gr, gg, gb, _ := img.At(int(d.X), int(d.Y)).RGBA()
			if absDiff8(gr>>8, uint32(want.R)) > 3 || absDiff8(gg>>8, uint32(want.G)) > 3 || absDiff8(gb>>8, uint32(want.B)) > 3 {
				t.Errorf("rotation %d: cell %v drawn (%d,%d,%d) at %v, want %v", r, cell, gr>>8, gg>>8, gb>>8, d, want)
			}
		}
	}
}
