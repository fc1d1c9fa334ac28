package inference

import (
	"cmp"
	"encoding/json"
	"fmt"
	"image/color"
	"slices"

	"tessera/annotation"
)

// EvidenceRegion is a region that drove a result: adjacent tiles among the
// slide's strongest, merged. Coordinates are level-0 pixels.
type EvidenceRegion struct {
	Rank   int     `json:"rank"` // 1 is the strongest
	X      float64 `json:"x"`
	Y      float64 `json:"y"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	Score  float32 `json:"score"` // the region's strongest tile score
	// Towards is the class the region pushed the result towards (signed
	// evidence: the positive class for high scores, the negative for low);
	// "" for attention and probability maps (where the model looked).
	Towards string `json:"towards,omitempty"`
	Tiles   int    `json:"tiles"`
	// FocalCol and FocalRow are the grid cell of the region's strongest
	// tile (the one a tile inspector shows).
	FocalCol int `json:"focal_col"`
	FocalRow int `json:"focal_row"`
}

// Evidence list sizes: regions per direction, and the side of the largest
// region in tiles (3 × 3), so that one large area does not swallow the list.
const (
	evidenceRegions    = 8
	evidenceRegionSide = 3
)

// Evidence lists the regions that drove r, strongest first: its highest
// scoring tiles grouped with adjacent strong tiles (at most 3 × 3 tiles a
// region), 8 regions, or as many as the slide has; for signed evidence
// only tiles that pushed towards the positive class, then as many regions
// of the strongest evidence against (the most negative tiles). Tiles that
// quality control found to be artefacts (pen ink, blur, glass, folds) are
// never evidence, whether or not the model scored them: a region that
// drove a result is tissue.
func Evidence(r *Result) []EvidenceRegion {
	if len(r.Tiles) == 0 || r.Grid.Side0 <= 0 {
		return nil
	}
	artefact := map[[2]int]bool{}
	for _, q := range r.QC.Tiles {
		if q.Flags&artefactFlags != 0 {
			artefact[[2]int{q.Col, q.Row}] = true
		}
	}
	sorted := make([]TileScore, 0, len(r.Tiles))
	for _, t := range r.Tiles {
		if !artefact[[2]int{t.Col, t.Row}] {
			sorted = append(sorted, t)
		}
	}
	slices.SortStableFunc(sorted, func(a, b TileScore) int { return cmp.Compare(b.Score, a.Score) })
	if len(r.Classes) != 2 || r.Model.ScoreMeaning != ScoreSignedEvidence {
		return ranked(regionsOf(sorted, r.Grid.Side0, ""))
	}
	var pro, contra []TileScore
	for _, t := range sorted {
		if t.Score > 0 {
			pro = append(pro, t)
		}
	}
	for i := len(sorted) - 1; i >= 0 && sorted[i].Score < 0; i-- {
		contra = append(contra, sorted[i])
	}
	return ranked(append(regionsOf(pro, r.Grid.Side0, r.Classes[1]), regionsOf(contra, r.Grid.Side0, r.Classes[0])...))
}

func ranked(regions []EvidenceRegion) []EvidenceRegion {
	for i := range regions {
		regions[i].Rank = i + 1
	}
	return regions
}

// regionsOf groups tiles, strongest first, into up to evidenceRegions
// regions: a tile joins a neighbouring region when the region stays within
// 3 × 3 tiles, is skipped when it would not (it belongs to an area already
// listed), and starts a region otherwise.
func regionsOf(tiles []TileScore, side0 float64, towards string) []EvidenceRegion {
	type region struct {
		c0, r0, c1, r1, n int
		best              float32
		focal             [2]int
	}
	var regions []*region
	owner := map[[2]int]*region{}
	for _, t := range tiles {
		if len(regions) == evidenceRegions {
			break
		}
		var near *region
		for dy := -1; dy <= 1 && near == nil; dy++ {
			for dx := -1; dx <= 1 && near == nil; dx++ {
				near = owner[[2]int{t.Col + dx, t.Row + dy}]
			}
		}
		fits := near != nil && max(near.c1, t.Col)-min(near.c0, t.Col) < evidenceRegionSide &&
			max(near.r1, t.Row)-min(near.r0, t.Row) < evidenceRegionSide
		switch {
		case fits:
			near.c0, near.r0, near.c1, near.r1 = min(near.c0, t.Col), min(near.r0, t.Row), max(near.c1, t.Col), max(near.r1, t.Row)
			near.n++
			owner[[2]int{t.Col, t.Row}] = near
		case near != nil: // next to a full region: part of an area already listed
		default:
			g := &region{c0: t.Col, r0: t.Row, c1: t.Col, r1: t.Row, n: 1, best: t.Score, focal: [2]int{t.Col, t.Row}}
			regions = append(regions, g)
			owner[[2]int{t.Col, t.Row}] = g
		}
	}
	out := make([]EvidenceRegion, len(regions))
	for i, g := range regions {
		out[i] = EvidenceRegion{X: float64(g.c0) * side0, Y: float64(g.r0) * side0, Width: float64(g.c1-g.c0+1) * side0,
			Height: float64(g.r1-g.r0+1) * side0, Score: g.best, Towards: towards, Tiles: g.n, FocalCol: g.focal[0], FocalRow: g.focal[1]}
	}
	return out
}

// EvidenceAnnotations are the result's evidence regions as annotations, to
// take into QuPath (evidence.geojson): one rectangle per region, class "AI
// evidence", named by rank and the class it pushed towards, with the
// region's score, rank and tile count as measurements, and the model and
// its caveats as properties (a result is never shown as more than it is,
// in any export).
func EvidenceAnnotations(r *Result) *annotation.Collection {
	c := &annotation.Collection{}
	orange := color.RGBA{255, 140, 0, 255}
	model, _ := json.Marshal(fmt.Sprintf("%s %s (sha256 %.12s)", r.Model.Name, r.Model.Version, r.Model.SHA256))
	caveats, _ := json.Marshal(r.CaveatsShort())
	verdict, _ := json.Marshal(string(r.Validity.Verdict))
	for _, e := range r.Evidence {
		x0, y0, x1, y1 := e.X, e.Y, e.X+e.Width, e.Y+e.Height
		name := fmt.Sprintf("AI evidence %d", e.Rank)
		if e.Towards != "" {
			name += " (towards " + e.Towards + ")"
		}
		c.Features = append(c.Features, annotation.Feature{
			ObjectType: "annotation", Class: "AI evidence", Colour: &orange, Name: name, Locked: true,
			Geometry:     annotation.Geometry{Type: annotation.Polygon, Polygons: [][][]annotation.Point{{{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}, {X: x0, Y: y0}}}}},
			Measurements: []annotation.Measurement{{Name: "AI score", Value: float64(e.Score)}, {Name: "AI evidence rank", Value: float64(e.Rank)}, {Name: "AI tiles", Value: float64(e.Tiles)}},
			Properties:   map[string]json.RawMessage{"tesseraModel": model, "tesseraCaveats": caveats, "tesseraVerdict": verdict},
		})
	}
	return c
}
