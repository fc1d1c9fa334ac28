package heatmap

import (
	"math"
	"testing"

	"tessera/inference"
	"tessera/internal/colormap"
)

func TestGridImage(t *testing.T) {
	st := Style{Map: colormap.Viridis, Lo: 0, Hi: 1, Threshold: math.Inf(-1), Opacity: 0.5}
	tiles := []inference.TileScore{{Col: 0, Row: 0, Score: 0}, {Col: 2, Row: 1, Score: 1}, {Col: 9, Row: 9, Score: 1}}
	img := GridImage(3, 2, tiles, st)
	if img.Bounds().Dx() != 3 || img.Bounds().Dy() != 2 {
		t.Fatalf("bounds %v", img.Bounds())
	}
	lo, hi := img.NRGBAAt(0, 0), img.NRGBAAt(2, 1)
	want := colormap.Viridis.At(1)
	if hi.R != want.R || hi.G != want.G || hi.B != want.B || hi.A != 128 {
		t.Errorf("top tile %v, want %v at alpha 128", hi, want)
	}
	if lo == hi || img.NRGBAAt(1, 0).A != 0 {
		t.Error("low tile not distinct, or an empty cell drawn")
	}
	st.Threshold = 0.5
	if GridImage(3, 2, tiles, st).NRGBAAt(0, 0).A != 0 {
		t.Error("a tile below the threshold is drawn")
	}
}

func TestStyleFor(t *testing.T) {
	if st := StyleFor(inference.ScoreSignedEvidence, -2, 5); st.Lo != -5 || st.Hi != 5 {
		t.Errorf("signed evidence range %v..%v, want symmetric -5..5", st.Lo, st.Hi)
	}
	if st := StyleFor(inference.ScoreAttention, 0.001, 0.25); st.Lo != 0 || st.Hi != 0.25 {
		t.Errorf("attention range %v..%v", st.Lo, st.Hi)
	}
	if st := StyleFor(inference.ScoreProbability, 0.3, 0.4); st.Lo != 0 || st.Hi != 1 {
		t.Errorf("probability range %v..%v", st.Lo, st.Hi)
	}
}

func TestTissueOutline(t *testing.T) {
	m := &inference.TissueMask{W: 5, H: 5, Downsample: 10, Tissue: make([]bool, 25)}
	for y := 1; y <= 3; y++ {
		for x := 1; x <= 3; x++ {
			m.Tissue[y*5+x] = true
		}
	}
	img := TissueOutline(m)
	if img.NRGBAAt(2, 2).A != 0 {
		t.Error("the inside of the tissue is drawn")
	}
	for _, p := range [][2]int{{1, 1}, {2, 1}, {3, 3}, {1, 2}} {
		if img.NRGBAAt(p[0], p[1]) != OutlineColour {
			t.Errorf("edge pixel %v not drawn", p)
		}
	}
	if img.NRGBAAt(0, 0).A != 0 {
		t.Error("background drawn")
	}
}
