package inference

import (
	"fmt"
	"image"
	"math"

	"github.com/disintegration/imaging"

	"tessera/slide"
)

// TileInfo is what a result says about one grid cell: its score and rank
// among the scored tiles, and what quality control found.
type TileInfo struct {
	Col, Row   int
	X, Y       float64 // level-0 pixels, top-left corner
	Scored     bool    // false: not a tissue tile, or left out of the score
	Score      float32
	Rank       int     // 1 for the highest score
	Of         int     // scored tiles
	Percentile float64 // share of scored tiles with a lower score, 0–100
	QC         QCFlags
	Focus      float32 // variance of the Laplacian (flagged tiles only; 0 otherwise)
	Distance   float32 // feature distance to the reference (flagged tiles only)
}

// TileAt returns what r says about the cell at (col, row); ok is false
// outside the grid.
func (r *Result) TileAt(col, row int) (info TileInfo, ok bool) {
	if col < 0 || row < 0 || col >= r.Grid.Cols || row >= r.Grid.Rows {
		return info, false
	}
	info = TileInfo{Col: col, Row: row, X: float64(col) * r.Grid.Side0, Y: float64(row) * r.Grid.Side0, Of: len(r.Tiles)}
	for _, t := range r.Tiles {
		if t.Col == col && t.Row == row {
			info.Scored, info.Score, info.X, info.Y = true, t.Score, t.X, t.Y
		}
	}
	if info.Scored {
		below := 0
		info.Rank = 1
		for _, t := range r.Tiles {
			if t.Score > info.Score {
				info.Rank++
			}
			if t.Score < info.Score {
				below++
			}
		}
		info.Percentile = 100 * float64(below) / float64(len(r.Tiles))
	}
	for _, q := range r.QC.Tiles {
		if q.Col == col && q.Row == row {
			info.QC, info.Focus, info.Distance = q.Flags, q.Focus, q.Distance
			info.X, info.Y = q.X, q.Y
		}
	}
	return info, true
}

// CellAt returns the grid cell of r under the level-0 point (x, y).
func (r *Result) CellAt(x, y float64) (col, row int) {
	if r.Grid.Side0 <= 0 {
		return -1, -1
	}
	return int(math.Floor(x / r.Grid.Side0)), int(math.Floor(y / r.Grid.Side0))
}

// TileImage reads the cell at (col, row) of r's grid from s as the model
// saw it: the same pyramid level and region the analysis read, converted
// with toSRGB (the slide's colour profile; nil if none) when the analysis
// applied it (r.Slide.ICC), then resized to the model's tile size, as the
// pipeline's readers do; before the per-channel normalisation, which only
// rescales values, and before stain normalisation (r.Stain.Normalised).
func TileImage(s slide.Slide, r *Result, col, row int, toSRGB func(*image.RGBA)) (image.Image, error) {
	levels := s.Levels()
	if r.Grid.Level < 0 || r.Grid.Level >= len(levels) || r.Grid.TileSize <= 0 {
		return nil, fmt.Errorf("the result's grid does not fit this slide")
	}
	info, ok := r.TileAt(col, row)
	if !ok {
		return nil, fmt.Errorf("cell (%d, %d) is outside the grid", col, row)
	}
	side := int(math.Round(r.Grid.Side0 / levels[r.Grid.Level].Downsample))
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	if err := s.ReadRegion(img, r.Grid.Level, int64(info.X+0.5), int64(info.Y+0.5)); err != nil {
		return nil, err
	}
	if r.Slide.ICC == "applied" && toSRGB != nil {
		toSRGB(img)
	}
	if side == r.Grid.TileSize {
		return img, nil
	}
	return imaging.Resize(img, r.Grid.TileSize, r.Grid.TileSize, imaging.Linear), nil
}
