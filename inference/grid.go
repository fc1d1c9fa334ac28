package inference

import (
	"fmt"
	"math"

	"tessera/slide"
)

// DefaultMinTissue is the share of a tile that must be tissue for it to be analysed.
const DefaultMinTissue = 0.5

// GridTile is one analysed tile: its place in the grid and its top-left
// corner in level-0 pixels.
type GridTile struct {
	Col, Row int
	X, Y     float64 // level-0 pixels
}

// Grid is the tiling of a slide at the model's resolution. Tiles are
// squares of Side0 level-0 pixels on a regular grid from the slide's origin;
// only tiles with enough tissue are listed.
type Grid struct {
	Side0      float64 // tile side in level-0 pixels
	Cols, Rows int     // grid size over the whole slide
	Level      int     // pyramid level read
	ReadSide   int     // tile side in pixels of that level (resized to TileSize)
	TileSize   int     // model input side, pixels
	SlideMPP   float64 // µm per level-0 pixel used
	ModelMPP   float64 // µm per pixel of the model input
	Tiles      []GridTile
}

// PlanGrid tiles s for a model taking tileSize-pixel tiles at modelMPP µm/px,
// on a slide of slideMPP µm/px, keeping tiles with at least minTissue of
// tissue in mask. It reads from the coarsest level that still has at least
// the model's resolution.
func PlanGrid(s slide.Slide, slideMPP float64, tileSize int, modelMPP float64, mask *TissueMask, minTissue float64) (Grid, error) {
	if !(slideMPP > 0) {
		return Grid{}, fmt.Errorf("slide µm/px %v is not positive", slideMPP)
	}
	levels := s.Levels()
	side0 := float64(tileSize) * modelMPP / slideMPP
	level := slide.BestLevelForDownsample(levels, side0/float64(tileSize))
	g := Grid{
		Side0:    side0,
		Cols:     int(float64(levels[0].Width) / side0),
		Rows:     int(float64(levels[0].Height) / side0),
		Level:    level,
		ReadSide: int(math.Round(side0 / levels[level].Downsample)),
		TileSize: tileSize,
		SlideMPP: slideMPP,
		ModelMPP: modelMPP,
	}
	if g.ReadSide < 1 || g.Cols == 0 || g.Rows == 0 {
		return g, fmt.Errorf("the slide (%d×%d px at %.3g µm/px) is smaller than one %d-pixel tile at %.3g µm/px", levels[0].Width, levels[0].Height, slideMPP, tileSize, modelMPP)
	}
	for r := 0; r < g.Rows; r++ {
		for c := 0; c < g.Cols; c++ {
			x, y := float64(c)*side0, float64(r)*side0
			if mask == nil || mask.Fraction(x, y, side0) >= minTissue {
				g.Tiles = append(g.Tiles, GridTile{Col: c, Row: r, X: x, Y: y})
			}
		}
	}
	return g, nil
}
