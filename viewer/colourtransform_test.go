package viewer

import (
	"image"
	"testing"
)

// A colour transform converts the tiles as they are read (the cached tile
// is the converted one), and taking it away reads raw tiles again.
func TestColourTransformConvertsTiles(t *testing.T) {
	v, _ := newTestView(t)
	settle(t, v)
	raw := map[TileKey]uint8{}
	for k, ti := range v.renderer.tiles {
		raw[TileKey{Level: k.Level, Col: k.Col, Row: k.Row}] = ti.src.Pix[0]
	}
	if len(raw) == 0 {
		t.Fatal("no tile drawn")
	}
	invert := func(img *image.RGBA) {
		for i := 0; i < len(img.Pix); i += 4 {
			img.Pix[i], img.Pix[i+1], img.Pix[i+2] = 255-img.Pix[i], 255-img.Pix[i+1], 255-img.Pix[i+2]
		}
	}
	v.SetColourTransform(invert)
	if !v.ColourManaged() {
		t.Error("not colour-managed after the transform was set")
	}
	settle(t, v)
	checked := 0
	for k, ti := range v.renderer.tiles {
		if r, ok := raw[TileKey{Level: k.Level, Col: k.Col, Row: k.Row}]; ok {
			if ti.src.Pix[0] != 255-r {
				t.Fatalf("tile %v: %d, want %d (converted)", k, ti.src.Pix[0], 255-r)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no converted tile drawn")
	}
	v.SetColourTransform(nil)
	settle(t, v)
	for k, ti := range v.renderer.tiles {
		if r, ok := raw[TileKey{Level: k.Level, Col: k.Col, Row: k.Row}]; ok && ti.src.Pix[0] != r {
			t.Fatalf("tile %v still converted after the transform was removed", k)
		}
	}
}
