package viewer

import (
	"image"
	"math"
	"sort"

	"tessera/slide"
)

// TileSize is the edge of a display tile, in pixels of its level. Tiles on
// the right and bottom edges of a level are smaller.
const TileSize = 256

// TileKey addresses one display tile of one slide: column and row in the
// tile grid of a level. Slide distinguishes slides sharing one cache.
type TileKey struct {
	Slide    uint64
	Level    int
	Col, Row int
}

// TileGrid is the geometry of display tiles over a slide's pyramid.
type TileGrid struct {
	Levels []slide.Level
}

// Level0Origin returns the tile's top-left corner in level-0 pixels.
func (g TileGrid) Level0Origin(k TileKey) Level0Point {
	ds := g.Levels[k.Level].Downsample
	return Level0Point{float64(k.Col*TileSize) * ds, float64(k.Row*TileSize) * ds}
}

// PixelSize returns the tile's size in its level's pixels (smaller at edges).
func (g TileGrid) PixelSize(k TileKey) (w, h int) {
	l := g.Levels[k.Level]
	w = int(min(int64(TileSize), l.Width-int64(k.Col*TileSize)))
	h = int(min(int64(TileSize), l.Height-int64(k.Row*TileSize)))
	return w, h
}

// Columns and Rows give the number of tiles across a level.
func (g TileGrid) Columns(level int) int {
	return int((g.Levels[level].Width + TileSize - 1) / TileSize)
}

// Rows gives the number of tile rows of a level.
func (g TileGrid) Rows(level int) int {
	return int((g.Levels[level].Height + TileSize - 1) / TileSize)
}

// DeviceRect returns the tile's rectangle in device pixels under v, with
// edges snapped to whole pixels from the shared grid lines.
func (g TileGrid) DeviceRect(k TileKey, v Viewport) image.Rectangle {
	l := g.Levels[k.Level]
	// Grid line i of a level in level-0 pixels; the last is the level's edge.
	line := func(i int, size int64) float64 { return math.Min(float64(i*TileSize), float64(size)) * l.Downsample }
	return v.Level0RectToDevice(line(k.Col, l.Width), line(k.Row, l.Height), line(k.Col+1, l.Width), line(k.Row+1, l.Height))
}

// VisibleRange returns the column and row range [c0,c1)×[r0,r1) of a level's
// tiles that intersect the view.
func (g TileGrid) VisibleRange(level int, v Viewport) (c0, r0, c1, r1 int) {
	ds := g.Levels[level].Downsample
	a, b := v.VisibleLevel0()
	span := ds * TileSize
	c0 = max(0, int(math.Floor(a.X/span)))
	r0 = max(0, int(math.Floor(a.Y/span)))
	c1 = min(g.Columns(level), int(math.Ceil(b.X/span)))
	r1 = min(g.Rows(level), int(math.Ceil(b.Y/span)))
	return c0, r0, c1, r1
}

// BestLevel is the level whose resolution best serves the view: the coarsest
// level that still has at least one level pixel per device pixel.
func (g TileGrid) BestLevel(v Viewport) int {
	return slide.BestLevelForDownsample(g.Levels, v.Downsample)
}

// maxBaseTiles bounds the tiles of the always-drawn base level. A slide
// whose coarsest level needs more (a huge single-level TIFF) has no cheap
// base; it is then drawn progressively like any other level.
const maxBaseTiles = 64

// BaseLevel is the coarsest level, always drawn under finer tiles so that a
// view never shows holes while finer tiles load.
func (g TileGrid) BaseLevel() int { return len(g.Levels) - 1 }

// DrawTile is one loaded tile placed on the view.
type DrawTile struct {
	Key  TileKey
	Img  *image.RGBA
	Rect image.Rectangle // device pixels, snapped
}

// Plan is what to draw for one frame and what to load next.
type Plan struct {
	Best int        // level that best serves the view
	Draw []DrawTile // in painting order: coarse levels first, finer on top
	Want []TileKey  // tiles to load, most urgent first
}

// Complete reports whether every tile the view wants is loaded.
func (p Plan) Complete() bool { return len(p.Want) == 0 }

// TileLookup returns a loaded tile, or nil and whether the tile is known to
// be unreadable (so it is not asked for again).
type TileLookup func(TileKey) (img *image.RGBA, failed bool)

// PlanView chooses the tiles for view v. It walks levels from the base
// (coarsest) to the best level; loaded tiles are drawn coarse-to-fine so
// finer ones cover coarser ones. Loads are ranked base level first (it is
// the fallback and cheap), then best-level tiles by distance to the view
// centre. slideID fills TileKey.Slide.
func (g TileGrid) PlanView(v Viewport, slideID uint64, lookup TileLookup) Plan {
	p := Plan{Best: g.BestLevel(v)}
	if v.Width <= 0 || v.Height <= 0 || len(g.Levels) == 0 {
		return p
	}
	base := g.BaseLevel()
	if c0, r0, c1, r1 := g.VisibleRange(base, v); (c1-c0)*(r1-r0) > maxBaseTiles {
		base = p.Best
	}
	var bestWant []TileKey
	for level := base; level >= p.Best; level-- {
		c0, r0, c1, r1 := g.VisibleRange(level, v)
		for r := r0; r < r1; r++ {
			for c := c0; c < c1; c++ {
				k := TileKey{Slide: slideID, Level: level, Col: c, Row: r}
				img, failed := lookup(k)
				switch {
				case img != nil:
					p.Draw = append(p.Draw, DrawTile{Key: k, Img: img, Rect: g.DeviceRect(k, v)})
				case failed:
				case level == p.Best:
					bestWant = append(bestWant, k)
				case level == base:
					p.Want = append(p.Want, k)
				}
			}
		}
	}
	centre := v.Center
	sort.SliceStable(bestWant, func(i, j int) bool {
		return g.distance2(bestWant[i], centre) < g.distance2(bestWant[j], centre)
	})
	p.Want = append(p.Want, bestWant...)
	return p
}

// distance2 is the squared level-0 distance from a tile's centre to p.
func (g TileGrid) distance2(k TileKey, p Level0Point) float64 {
	o := g.Level0Origin(k)
	half := g.Levels[k.Level].Downsample * TileSize / 2
	dx, dy := o.X+half-p.X, o.Y+half-p.Y
	return dx*dx + dy*dy
}
