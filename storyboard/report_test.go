package storyboard

import (
	"context"
	"errors"
	"image"
	"strings"
	"testing"
	"time"

	"tessera/cases"
	"tessera/inference"
	"tessera/session"
)

func fakeResult(p float64) *inference.Result {
	r := &inference.Result{Probability: p, Threshold: 0.5, Classes: []string{"low", "high"}, TilesTotal: 4, Class: "low", ClassLabel: "Low risk"}
	if p >= 0.5 {
		r.Class, r.ClassLabel = "high", "High risk"
	}
	r.Model.Name, r.Model.SHA256 = "Relapse model", strings.Repeat("ab", 32)
	r.Slide.MPP = 0.5
	r.Grid.Cols, r.Grid.Rows, r.Grid.Side0, r.Grid.TileSize = 2, 2, 448, 224
	r.Tiles = []inference.TileScore{{Col: 0, Row: 0, Score: 1}, {Col: 1, Row: 0, Score: -1}, {Col: 0, Row: 1, Score: 0.5}, {Col: 1, Row: 1, Score: 0}}
	r.CreatedAt = time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	return r
}

// The one report builder: a page per slide with a result (named by file,
// left out when the pathologist said so), the slides without one named,
// the patient line from the session, and the case's views checked against
// its slides.
func TestReportFromTheSession(t *testing.T) {
	sc := session.FromFile(&cases.Case{Label: "Board 7"}, "")
	thumb := image.NewRGBA(image.Rect(0, 0, 20, 20))
	a, _, c := sc.Add("/cases/7/a.svs", 0, ""), sc.Add("/cases/7/b.svs", 0, ""), sc.Add("/cases/7/c.svs", 0, "")
	sc.SetResult(a, fakeResult(0.8))
	sc.SetResult(c, fakeResult(0.2))
	c.LeftOut = "tangential cut"
	var opened []int
	open := func(i int) (Source, error) {
		opened = append(opened, i)
		return Source{Thumb: thumb, Downsample: 40}, nil
	}
	rc, missing, err := Report(context.Background(), sc, open, Options{Generated: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) != 1 || missing[0] != "slide 2" {
		t.Errorf("missing %q, want slide 2", missing)
	}
	if len(opened) != 2 || opened[0] != 0 || opened[1] != 2 {
		t.Errorf("opened slides %v, want only the analysed 0 and 2", opened)
	}
	if rc.Label != "Board 7" || len(rc.Slides) != 2 || rc.Slides[0].Name != "a.svs" || rc.Slides[1].LeftOut != "tangential cut" || rc.Slides[0].LeftOut != "" {
		t.Errorf("report case %+v", rc)
	}
	if rc.Slides[0].UMPerPixel != 0.5*40 || rc.Slides[0].Heatmap == nil {
		t.Errorf("slide page scale %g, heatmap %v", rc.Slides[0].UMPerPixel, rc.Slides[0].Heatmap != nil)
	}
	if rc.Patient.Total != 3 || rc.Patient.Complete() {
		t.Errorf("patient %+v: one slide of three has no result", rc.Patient)
	}

	sc.Views = []cases.SavedView{{Name: "margin", Slide: 5}}
	if _, _, err := Report(context.Background(), sc, open, Options{}); err == nil || !strings.Contains(err.Error(), `"margin" belongs to slide 6`) {
		t.Errorf("a view of a slide the case lacks: %v", err)
	}
	if _, _, err := Report(context.Background(), session.New(), open, Options{}); err == nil || !strings.Contains(err.Error(), "no slide is analysed") {
		t.Errorf("an empty case: %v", err)
	}
	broken := errors.New("disk gone")
	if _, _, err := Report(context.Background(), sc, func(int) (Source, error) { return Source{}, broken }, Options{}); !errors.Is(err, broken) {
		t.Errorf("an unreadable slide: %v", err)
	}
}
