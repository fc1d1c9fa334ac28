package inference

import (
	"context"
	"testing"
)

func TestEvidenceMergesAndRanks(t *testing.T) {
	r := &Result{Classes: []string{"low", "high"}}
	r.Model.ScoreMeaning = ScoreSignedEvidence
	r.Grid.Side0 = 100
	// A strong 2×1 pair, a weaker single tile far away, a strongly negative tile.
	r.Tiles = []TileScore{{Col: 1, Row: 1, Score: 5}, {Col: 2, Row: 1, Score: 4}, {Col: 8, Row: 8, Score: 2},
		{Col: 5, Row: 5, Score: -6}, {Col: 0, Row: 9, Score: 0.1}}
	ev := Evidence(r)
	if len(ev) < 3 {
		t.Fatalf("evidence %+v", ev)
	}
	first := ev[0]
	if first.Rank != 1 || first.X != 100 || first.Y != 100 || first.Width != 200 || first.Height != 100 || first.Score != 5 || first.Towards != "high" || first.Tiles != 2 {
		t.Errorf("strongest region %+v, want the merged pair at columns 1–2 of row 1", first)
	}
	for _, e := range ev {
		if e.Towards == "high" && e.Score <= 0 {
			t.Errorf("a region with score %v is listed as pushing towards high", e.Score)
		}
	}
	var against *EvidenceRegion
	for i := range ev {
		if ev[i].Towards == "low" {
			against = &ev[i]
			break
		}
	}
	if against == nil || against.Score != -6 || against.X != 500 || against.Y != 500 {
		t.Errorf("no region for the strongest evidence against: %+v", ev)
	}
	attention := &Result{Classes: []string{"low", "high"}, Tiles: r.Tiles}
	attention.Model.ScoreMeaning = ScoreAttention
	attention.Grid.Side0 = 100
	for _, e := range Evidence(attention) {
		if e.Towards != "" {
			t.Errorf("an attention map's region claims a direction: %+v", e)
		}
	}
}

// On a real slide there are at least 8 regions (for and against) when the
// slide has that many tiles, none larger than 3 × 3 tiles.
func TestEvidenceOnARealSlide(t *testing.T) {
	m := builtinModel(t)
	r, err := Analyze(context.Background(), openShared(t, "aperio/CMU-1-Small-Region.svs"), m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pro, contra := 0, 0
	for _, e := range r.Evidence {
		switch e.Towards {
		case r.Classes[1]:
			pro++
		case r.Classes[0]:
			contra++
		}
		if e.Tiles > 9 || e.Width > 3*r.Grid.Side0 || e.Height > 3*r.Grid.Side0 {
			t.Errorf("region %+v larger than 3 × 3 tiles", e)
		}
	}
	if pro+contra < 8 || pro == 0 || contra == 0 || r.Evidence[0].Rank != 1 || r.Evidence[0].Towards != r.Classes[1] {
		t.Errorf("%d regions for, %d against in %d tiles: %+v", pro, contra, len(r.Tiles), r.Evidence)
	}
}
