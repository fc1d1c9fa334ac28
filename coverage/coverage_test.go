package coverage

import (
	"errors"
	"strings"
	"testing"

	"tessera/inference"
)

// A cell counts once its centre has been in a marked rectangle; a
// rectangle's share seen is over its cells.
func TestMarkAndSeen(t *testing.T) {
	m := New(46000, 32914) // CMU-1's size: 45-pixel cells
	if m.Cell != 45 || m.Cols != 1023 || m.Rows != 732 {
		t.Fatalf("grid %g px, %d × %d", m.Cell, m.Cols, m.Rows)
	}
	if n := m.Mark(0, 0, 450, 450); n != 100 {
		t.Errorf("marked %d cells of a 10 × 10 square, want 100", n)
	}
	if n := m.Mark(0, 0, 450, 450); n != 0 {
		t.Errorf("marked %d again", n)
	}
	if s := m.Seen(0, 0, 900, 450); s != 0.5 {
		t.Errorf("seen %g of a rectangle half marked", s)
	}
	if m.Seen(10, 10, 12, 12) != 1 || m.Seen(4000, 4000, 4001, 4001) != 0 {
		t.Error("a rectangle inside one cell")
	}
	if n := m.Mark(-1e6, -1e6, -5, -5); n != 0 || m.Cells() != 100 {
		t.Errorf("a rectangle off the slide marked %d", n)
	}
	if s := New(100, 50); s.Cell != minCell || s.Cols != 4 || s.Rows != 2 {
		t.Errorf("small slide grid %+v", s)
	}
}

// The case file keeps the map exactly; a map of another slide, or damaged
// text, is refused with a sentence.
func TestEncodeDecode(t *testing.T) {
	m := New(46000, 32914)
	m.Mark(1000, 2000, 9000, 7000)
	m.Mark(30000, 30000, 46000, 32914)
	text := m.Encode()
	if len(text) > 2000 {
		t.Errorf("encoded in %d bytes", len(text))
	}
	back, err := Decode(text, 46000, 32914)
	if err != nil {
		t.Fatal(err)
	}
	if back.Cells() != m.Cells() || back.Seen(1000, 2000, 9000, 7000) != 1 || back.Seen(10000, 10000, 20000, 20000) != 0 {
		t.Errorf("round trip: %d cells, want %d", back.Cells(), m.Cells())
	}
	if _, err := Decode(text, 2220, 2967); !errors.Is(err, ErrOtherSlide) {
		t.Errorf("another slide: %v", err)
	}
	for _, bad := range []string{"", "cov2:45:1023:732:AAAA", "cov1:45:1023:732:!!!", "cov1:45:1023:732:" + strings.Repeat("A", 40), "cov1:x:1:1:"} {
		if _, err := Decode(bad, 46000, 32914); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
}

// The review counts tissue tiles at least half seen and names the
// evidence regions never looked at.
func TestReview(t *testing.T) {
	r := &inference.Result{}
	r.Grid.Side0 = 448
	for i := 0; i < 4; i++ {
		r.Tiles = append(r.Tiles, inference.TileScore{X: float64(i) * 448, Y: 0})
	}
	r.Evidence = []inference.EvidenceRegion{{Rank: 1, X: 0, Y: 0, Width: 448, Height: 448}, {Rank: 2, X: 1344, Y: 0, Width: 448, Height: 448}}
	m := New(2000, 1000)
	m.Mark(0, 0, 900, 448)
	rv := m.Review(r)
	if rv.TilesSeen != 2 || rv.TissueShare() != 0.5 || len(rv.NeverViewed) != 1 || rv.NeverViewed[0] != 2 {
		t.Fatalf("review %+v", rv)
	}
	if got, want := rv.Text(), "viewed at 10× or more: 50 % of the analysed tissue; evidence regions viewed: 1 of 2 (never: 2)"; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
}

// Decode never panics on any text.
func FuzzDecode(f *testing.F) {
	m := New(3000, 2000)
	m.Mark(0, 0, 1000, 1000)
	f.Add(m.Encode())
	f.Add("cov1:32:94:63:")
	f.Fuzz(func(t *testing.T, text string) {
		if got, err := Decode(text, 3000, 2000); err == nil && (got.Cols != m.Cols || got.Rows != m.Rows) {
			t.Errorf("decoded a map of another size: %+v", got)
		}
	})
}
