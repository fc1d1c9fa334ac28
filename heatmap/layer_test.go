package heatmap

import (
	"image"
	"math"
	"strings"
	"testing"

	"tessera/cases"
	"tessera/inference"
)

func fakeResult() *inference.Result {
	r := &inference.Result{Classes: []string{"low", "high"}, Class: "high", Partial: true, TilesTotal: 4}
	r.Model.ScoreMeaning = inference.ScoreSignedEvidence
	r.Model.Demonstration = true
	r.Grid.Cols, r.Grid.Rows, r.Grid.Side0 = 3, 2, 100
	r.Tiles = []inference.TileScore{{Col: 0, Row: 0, Score: -2}, {Col: 2, Row: 1, Score: 1}}
	return r
}

func TestLayerStreamsAndShowsResult(t *testing.T) {
	l := NewLayer(Grid{Cols: 3, Rows: 2, Side0: 100}, inference.ScoreSignedEvidence, [2]string{"low", "high"})
	if !l.Empty() || l.Overlay() != nil {
		t.Fatal("a new layer is not empty")
	}
	l.Merge([]inference.TileScore{{Col: 1, Row: 1, Score: 0.5}})
	l.Merge([]inference.TileScore{{Col: 1, Row: 1, Score: 0.7}, {Col: 0, Row: 1, Score: -0.1}})
	if n := len(l.Tiles()); n != 2 {
		t.Errorf("%d tiles after merging a repeated tile, want 2", n)
	}
	if s, ok := l.ScoreAt(150, 120); !ok || s != 0.7 {
		t.Errorf("score at (150,120) = %v %v, want the merged 0.7", s, ok)
	}
	if _, ok := l.ScoreAt(250, 10); ok {
		t.Error("a score where no tile was scored")
	}
	if lg := l.Legend(); !strings.Contains(lg.Note, "analysing: 2 tiles") || !strings.Contains(lg.Title, `towards "high"`) || !strings.Contains(lg.Title, `towards "low"`) {
		t.Errorf("streaming legend %+v", lg)
	}
	ov := l.Overlay()
	if ov.Cell != 100 || ov.Image.Bounds() != image.Rect(0, 0, 3, 2) || ov.Image.NRGBAAt(1, 1).A != 255 {
		t.Errorf("overlay cell %v bounds %v alpha %d: want one opaque pixel per cell (the view applies opacity)",
			ov.Cell, ov.Image.Bounds(), ov.Image.NRGBAAt(1, 1).A)
	}
	if lo, hi := l.Range(); math.Abs(lo+0.7) > 1e-6 || math.Abs(hi-0.7) > 1e-6 {
		t.Errorf("signed evidence auto range %v..%v, want symmetric ±0.7", lo, hi)
	}

	l.SetResult(fakeResult())
	if l.Result() == nil || len(l.Tiles()) != 2 {
		t.Fatal("SetResult did not replace the scores")
	}
	if lg := l.Legend(); !strings.Contains(lg.Note, "PARTIAL: 2 of 4") || !strings.Contains(lg.Note, "DEMONSTRATION") {
		t.Errorf("result legend note %q lacks the caveats", lg.Note)
	}
}

func TestLookThresholdRangeAndSavedViews(t *testing.T) {
	l := FromResult(fakeResult())
	look := l.Look()
	look.AutoRange, look.Lo, look.Hi, look.Threshold, look.Colormap, look.Smooth = false, -4, 4, 0.5, "jet", true
	l.SetLook(look)
	ov := l.Overlay()
	if ov.Image.NRGBAAt(0, 0).A != 0 || ov.Image.NRGBAAt(2, 1).A == 0 || !ov.Smooth {
		t.Error("threshold at the middle of -4..4 should hide -2 and keep 1, smooth on")
	}
	if lg := l.Legend(); lg.LoText != "-4" || lg.HiText != "4" || lg.Map.Name != "jet" || !strings.Contains(lg.Note, "showing scores ≥ 0") {
		t.Errorf("legend %+v", lg)
	}
	if st := l.ViewStyle(); st.Hidden || st.Opacity != look.Opacity {
		t.Errorf("view style %+v", st)
	}
	back := LookFromSaved(look.Saved())
	if back != look {
		t.Errorf("saved look %+v comes back as %+v", look, back)
	}
	old := LookFromSaved(cases.Layer{Visible: true, Colormap: "no-such-map"}) // an older case file
	if !old.AutoRange || old.Colormap != DefaultLook().Colormap || old.Opacity != DefaultLook().Opacity {
		t.Errorf("older saved view gives %+v", old)
	}
}

// Attention maps colour tiles by rank within the slide, so that an untrained
// model's near-equal weights still show their structure, and the legend says
// so and that attention is not a tumour map.
func TestAttentionIsRankedAndExplained(t *testing.T) {
	l := NewLayer(Grid{Cols: 4, Rows: 1, Side0: 10}, inference.ScoreAttention, [2]string{"low", "high"})
	l.Merge([]inference.TileScore{{Col: 0, Score: 0.2500}, {Col: 1, Score: 0.2501}, {Col: 2, Score: 0.2502}, {Col: 3, Score: 0.2503}})
	if !l.Look().Rank {
		t.Fatal("attention is not ranked by default")
	}
	img := l.Overlay().Image
	lo, hi := img.NRGBAAt(0, 0), img.NRGBAAt(3, 0)
	if lo == hi || lo != l.Style(1).Map.At(0) || hi != l.Style(1).Map.At(1) {
		t.Errorf("near-equal weights painted %v and %v: want the two ends of the colour map", lo, hi)
	}
	lg := l.Legend()
	if !strings.Contains(lg.Title, "not a tumour map") || !strings.Contains(lg.Note, "rank the tiles within this slide") || lg.HiText != "highest" {
		t.Errorf("attention legend %+v", lg)
	}
	look := l.Look()
	look.Rank = false
	l.SetLook(look)
	if lg := l.Legend(); !strings.Contains(lg.Note, "raw attention weights") {
		t.Errorf("unranked attention legend note %q", lg.Note)
	}
	if r := RankScores([]inference.TileScore{{Score: 3}, {Score: 1}, {Score: 3}, {Score: 2}}); r[0].Score != r[2].Score || r[1].Score != 0 || r[3].Score <= 0 {
		t.Errorf("ranks %+v", r)
	}
}
