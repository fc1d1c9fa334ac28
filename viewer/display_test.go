package viewer

import (
	"image"
	"testing"
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
