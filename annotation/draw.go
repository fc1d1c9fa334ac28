package annotation

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/vector"
)

// DefaultColour draws features without a class colour.
var DefaultColour = color.RGBA{255, 210, 0, 255}

// Drawing draws a collection onto images of any part of the slide at any
// scale, crisp (vector-rasterised with anti-aliasing), through a spatial
// index; features smaller than a pixel at the scale are drawn as a dot
// (level of detail), so 100,000 cells cost little when zoomed out. Safe
// for concurrent use once made.
type Drawing struct {
	c  *Collection
	ix *Index
}

// NewDrawing prepares c for drawing (c must not change afterwards).
func NewDrawing(c *Collection) *Drawing {
	return &Drawing{c: c, ix: NewIndex(c)}
}

// Draw paints the features meeting the level-0 rectangle that dst covers:
// dst pixel (i, j) is the level-0 square at (x0 + i·ds, y0 + j·ds), ds
// level-0 pixels per dst pixel. Annotations are outlined (2 px) with a
// light fill; detections and cells filled; points drawn as dots. dst is
// premultiplied RGBA, drawn over.
func (d *Drawing) Draw(dst *image.RGBA, x0, y0, ds float64) {
	b := dst.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	pad := 6 * ds // strokes and dots reach past their geometry
	var z vector.Rasterizer
	d.ix.Query(x0-pad, y0-pad, x0+w*ds+pad, y0+h*ds+pad, func(i int) {
		f := &d.c.Features[i]
		col := DefaultColour
		if f.Colour != nil {
			col = *f.Colour
		}
		box := d.ix.Box(i)
		if (box[2]-box[0])/ds < 1.5 && (box[3]-box[1])/ds < 1.5 {
			// Level of detail: a feature under two pixels is a dot.
			dot(dst, (box[0]+box[2])/2, (box[1]+box[3])/2, x0, y0, ds, 1.2, col)
			return
		}
		g := &f.Geometry
		detection := f.ObjectType == "detection" || f.ObjectType == "cell" || f.ObjectType == "tile"
		for _, poly := range g.Polygons {
			fillAlpha := 0.12
			if detection {
				fillAlpha = 0.45
			}
			fillRings(&z, dst, poly, x0, y0, ds, withAlpha(col, fillAlpha))
			width := 2.0
			if detection {
				width = 1.0
			}
			for _, ring := range poly {
				stroke(&z, dst, ring, x0, y0, ds, width, col)
			}
		}
		if len(g.Line) > 1 {
			stroke(&z, dst, g.Line, x0, y0, ds, 2, col)
		}
		for _, p := range g.Points {
			dot(dst, p.X, p.Y, x0, y0, ds, 4, col)
		}
	})
}

func withAlpha(c color.RGBA, a float64) color.RGBA {
	k := a * float64(c.A) / 255
	return color.RGBA{uint8(float64(c.R) * k), uint8(float64(c.G) * k), uint8(float64(c.B) * k), uint8(255 * k)}
}

// fillRings fills a polygon with its holes (rings of opposite turning are
// subtracted by the rasteriser's signed coverage).
func fillRings(z *vector.Rasterizer, dst *image.RGBA, poly [][]Point, x0, y0, ds float64, col color.RGBA) {
	if col.A == 0 || len(poly) == 0 {
		return
	}
	r, ok := pathBounds(dst, poly[0], x0, y0, ds, 0)
	if !ok {
		return
	}
	z.Reset(r.Dx(), r.Dy())
	outer := shoelace(poly[0]) > 0
	for k, ring := range poly {
		reverse := k > 0 && (shoelace(ring) > 0) == outer
		addRing(z, ring, reverse, float64(r.Min.X), float64(r.Min.Y), x0, y0, ds)
	}
	z.Draw(dst, r, image.NewUniform(col), image.Point{})
}

func addRing(z *vector.Rasterizer, ring []Point, reverse bool, ox, oy, x0, y0, ds float64) {
	n := len(ring)
	at := func(k int) (float32, float32) {
		if reverse {
			k = n - 1 - k
		}
		return float32((ring[k].X-x0)/ds - ox), float32((ring[k].Y-y0)/ds - oy)
	}
	x, y := at(0)
	z.MoveTo(x, y)
	for k := 1; k < n; k++ {
		x, y = at(k)
		z.LineTo(x, y)
	}
	z.ClosePath()
}

// pathBounds is the dst rectangle a path (plus margin device pixels)
// touches, clipped to dst.
func pathBounds(dst *image.RGBA, ps []Point, x0, y0, ds, margin float64) (image.Rectangle, bool) {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range ps {
		x, y := (p.X-x0)/ds, (p.Y-y0)/ds
		minX, minY, maxX, maxY = math.Min(minX, x), math.Min(minY, y), math.Max(maxX, x), math.Max(maxY, y)
	}
	r := image.Rect(int(math.Floor(minX-margin)), int(math.Floor(minY-margin)), int(math.Ceil(maxX+margin))+1, int(math.Ceil(maxY+margin))+1).Intersect(dst.Bounds())
	return r, !r.Empty()
}

// stroke draws a path width device pixels wide, as one quad per segment.
func stroke(z *vector.Rasterizer, dst *image.RGBA, ps []Point, x0, y0, ds, width float64, col color.RGBA) {
	r, ok := pathBounds(dst, ps, x0, y0, ds, width)
	if !ok {
		return
	}
	z.Reset(r.Dx(), r.Dy())
	ox, oy := float64(r.Min.X), float64(r.Min.Y)
	half := width / 2
	for k := 0; k+1 < len(ps); k++ {
		ax, ay := (ps[k].X-x0)/ds-ox, (ps[k].Y-y0)/ds-oy
		bx, by := (ps[k+1].X-x0)/ds-ox, (ps[k+1].Y-y0)/ds-oy
		l := math.Hypot(bx-ax, by-ay)
		if l < 1e-9 {
			continue
		}
		nx, ny := -(by-ay)/l*half, (bx-ax)/l*half
		z.MoveTo(float32(ax+nx), float32(ay+ny))
		z.LineTo(float32(bx+nx), float32(by+ny))
		z.LineTo(float32(bx-nx), float32(by-ny))
		z.LineTo(float32(ax-nx), float32(ay-ny))
		z.ClosePath()
	}
	z.Draw(dst, r, image.NewUniform(col), image.Point{})
}

// dot paints a filled square of radius r device pixels at a level-0 point.
func dot(dst *image.RGBA, px, py, x0, y0, ds, r float64, col color.RGBA) {
	cx, cy := (px-x0)/ds, (py-y0)/ds
	rect := image.Rect(int(math.Floor(cx-r)), int(math.Floor(cy-r)), int(math.Ceil(cx+r)), int(math.Ceil(cy+r))).Intersect(dst.Bounds())
	if rect.Empty() {
		return
	}
	draw.Draw(dst, rect, image.NewUniform(col), image.Point{}, draw.Over)
}
