package inference

import (
	"strings"
	"testing"

	"tessera/slide"
)

func TestCaveats(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(r *Result)
		kinds []CaveatKind
	}{
		{"validated, scanner µm/px, complete", func(r *Result) { r.Model.Validated = true }, nil},
		{"demonstration", func(r *Result) { r.Model.Demonstration = true }, []CaveatKind{CaveatDemonstration}},
		{"not validated", func(r *Result) {}, []CaveatKind{CaveatNotValidated}},
		{"hand µm/px and partial", func(r *Result) {
			r.Model.Validated = true
			r.Slide.MPPSource, r.Slide.MPP = slide.MPPFromUser, 0.25
			r.Partial, r.TilesTotal, r.Tiles = true, 10, make([]TileScore, 4)
		}, []CaveatKind{CaveatHandMPP, CaveatPartial}},
	}
	for _, c := range cases {
		r := &Result{Classes: []string{"low", "high"}, Class: "high"}
		r.Slide.MPPSource = slide.MPPFromVendor
		c.edit(r)
		got := r.Caveats()
		if len(got) != len(c.kinds) {
			t.Errorf("%s: caveats %v, want kinds %v", c.name, got, c.kinds)
			continue
		}
		for i, k := range c.kinds {
			if got[i].Kind != k || got[i].Long == "" || got[i].Short == "" || !r.HasCaveat(k) {
				t.Errorf("%s: caveat %d = %+v, want kind %s with both texts", c.name, i, got[i], k)
			}
		}
		if !r.Positive() {
			t.Errorf("%s: class high is not positive", c.name)
		}
	}
	r := &Result{Classes: []string{"low", "high"}, Class: "low", Partial: true, TilesTotal: 9, Tiles: make([]TileScore, 3)}
	if r.Positive() {
		t.Error("class low is positive")
	}
	if c := r.Caveats(); !strings.Contains(c[len(c)-1].Short, "3 of 9") {
		t.Errorf("partial caveat does not count tiles: %+v", c)
	}
}

func TestResultKeyIncludesTypedMPP(t *testing.T) {
	a, b := ResultKey("fp", "sha", 0), ResultKey("fp", "sha", 0.5)
	if a == b {
		t.Error("a typed µm/px does not change the key")
	}
	if a != cacheKey("fp", "sha", Params{MinTissue: DefaultMinTissue, TissueSide: TissueMaskSide}) {
		t.Error("ResultKey differs from the key of a default analysis")
	}
}
