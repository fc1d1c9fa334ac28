package coverage

import (
	"fmt"
	"strings"

	"tessera/inference"
)

// evidenceSeen is the share of an evidence region's area that must have
// been looked at for the region to count as viewed.
const evidenceSeen = 0.5

// Review is what a review covered of a slide's analysed tissue.
type Review struct {
	Tiles       int   // the result's scored tissue tiles
	TilesSeen   int   // of which at least half was looked at
	Evidence    int   // evidence regions
	NeverViewed []int // ranks of the evidence regions not looked at (under half their area)
}

// Review says what m covers of result r: the tissue tiles (a tile counts
// when at least half of it was looked at) and the evidence regions.
func (m *Map) Review(r *inference.Result) Review {
	rv := Review{Tiles: len(r.Tiles), Evidence: len(r.Evidence)}
	side := r.Grid.Side0
	for _, t := range r.Tiles {
		if m.Seen(t.X, t.Y, t.X+side, t.Y+side) >= 0.5 {
			rv.TilesSeen++
		}
	}
	for _, e := range r.Evidence {
		if m.Seen(e.X, e.Y, e.X+e.Width, e.Y+e.Height) < evidenceSeen {
			rv.NeverViewed = append(rv.NeverViewed, e.Rank)
		}
	}
	return rv
}

// TissueShare is the share (0–1) of the tissue tiles looked at.
func (rv Review) TissueShare() float64 {
	if rv.Tiles == 0 {
		return 0
	}
	return float64(rv.TilesSeen) / float64(rv.Tiles)
}

// Text is the review in one line, for the status line, the sign-off and
// the case log: "viewed at 10× or more: 42 % of the analysed tissue;
// evidence regions viewed: 5 of 7 (never: 2, 6)".
func (rv Review) Text() string {
	s := fmt.Sprintf("viewed at %g× or more: %.0f %% of the analysed tissue", MinMagnification, 100*rv.TissueShare())
	if rv.Evidence > 0 {
		s += fmt.Sprintf("; evidence regions viewed: %d of %d", rv.Evidence-len(rv.NeverViewed), rv.Evidence)
		if len(rv.NeverViewed) > 0 {
			ranks := make([]string, len(rv.NeverViewed))
			for i, r := range rv.NeverViewed {
				ranks[i] = fmt.Sprint(r)
			}
			s += " (never: " + strings.Join(ranks, ", ") + ")"
		}
	}
	return s
}
