package inference

import (
	"context"
	"strings"
	"testing"
	"time"
)

// The plan's sentence, rounded as a person says it.
func TestPlanText(t *testing.T) {
	p := Plan{Tiles: 2310, Rate: 2.7, Estimate: 855 * time.Second}
	if got := p.Text(); got != "about 14 min for 2,310 tissue tiles at 2.7 tiles/s on this machine" {
		t.Errorf("%q", got)
	}
	if got := (Plan{Tiles: 46}).Text(); !strings.Contains(got, "measured on the first tiles") {
		t.Errorf("no rate yet: %q", got)
	}
	if got := (Plan{Tiles: 46, FromCache: true}).Text(); !strings.Contains(got, "features cached") {
		t.Errorf("cached: %q", got)
	}
	for d, want := range map[time.Duration]string{2 * time.Second: "1 s", 42 * time.Second: "40 s", 90 * time.Minute: "1 h 30 min"} {
		if got := roughDuration(d); got != want {
			t.Errorf("roughDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// An analysis remembers its speed for this encoder on this machine; the
// next one's plan says how long it will take, at that speed.
func TestPlanRemembersSpeed(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	s := openShared(t, "aperio/CMU-1-Small-Region.svs")
	m := builtinModel(t)
	var plans []Plan
	for i := 0; i < 2; i++ {
		if _, err := Analyze(context.Background(), s, m, Options{Planned: func(p Plan) { plans = append(plans, p) }}); err != nil {
			t.Fatal(err)
		}
	}
	if len(plans) != 2 || plans[0].Rate != 0 || plans[1].Rate <= 0 || plans[1].Tiles != plans[0].Tiles ||
		!strings.HasPrefix(plans[1].Text(), "about ") {
		t.Errorf("plans %+v; second says %q", plans, plans[len(plans)-1].Text())
	}
}
