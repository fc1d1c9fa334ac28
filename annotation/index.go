package annotation

import "math"

// Index finds the features near a rectangle fast: a uniform grid of
// buckets over their bounding boxes (features spanning very many buckets
// are kept apart and always checked). Built once; safe for concurrent
// queries.
type Index struct {
	c          *Collection
	boxes      [][4]float64 // each feature's bounding box
	cell       float64      // bucket side, level-0 pixels
	cols, rows int
	minX, minY float64
	buckets    [][]int32
	big        []int32
}

// maxBucketsPerFeature sends features covering more buckets to the list
// that every query checks.
const maxBucketsPerFeature = 64

// NewIndex indexes c's features (c must not change afterwards).
func NewIndex(c *Collection) *Index {
	ix := &Index{c: c, boxes: make([][4]float64, len(c.Features))}
	if len(c.Features) == 0 {
		return ix
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	var sumW float64
	for i := range c.Features {
		x0, y0, x1, y1 := c.Features[i].Bounds()
		ix.boxes[i] = [4]float64{x0, y0, x1, y1}
		minX, minY, maxX, maxY = math.Min(minX, x0), math.Min(minY, y0), math.Max(maxX, x1), math.Max(maxY, y1)
		sumW += math.Max(x1-x0, y1-y0)
	}
	// Buckets a few times the typical feature, and at most ~1M of them.
	ix.cell = math.Max(4*sumW/float64(len(c.Features)), 64)
	span := math.Max(maxX-minX, maxY-minY)
	ix.cell = math.Max(ix.cell, span/1024)
	ix.minX, ix.minY = minX, minY
	ix.cols, ix.rows = int((maxX-minX)/ix.cell)+1, int((maxY-minY)/ix.cell)+1
	ix.buckets = make([][]int32, ix.cols*ix.rows)
	for i, b := range ix.boxes {
		c0, r0, c1, r1 := ix.span(b[0], b[1], b[2], b[3])
		if (c1-c0+1)*(r1-r0+1) > maxBucketsPerFeature {
			ix.big = append(ix.big, int32(i))
			continue
		}
		for r := r0; r <= r1; r++ {
			for c := c0; c <= c1; c++ {
				k := r*ix.cols + c
				ix.buckets[k] = append(ix.buckets[k], int32(i))
			}
		}
	}
	return ix
}

func (ix *Index) span(x0, y0, x1, y1 float64) (c0, r0, c1, r1 int) {
	clamp := func(v, n int) int { return min(max(v, 0), n-1) }
	c0, r0 = clamp(int((x0-ix.minX)/ix.cell), ix.cols), clamp(int((y0-ix.minY)/ix.cell), ix.rows)
	c1, r1 = clamp(int((x1-ix.minX)/ix.cell), ix.cols), clamp(int((y1-ix.minY)/ix.cell), ix.rows)
	return
}

// Query calls fn once for each feature whose bounding box meets the
// rectangle [x0, x1] × [y0, y1] (level-0 pixels), in no set order.
func (ix *Index) Query(x0, y0, x1, y1 float64, fn func(i int)) {
	if len(ix.boxes) == 0 {
		return
	}
	meets := func(i int32) bool {
		b := ix.boxes[i]
		return b[0] <= x1 && b[2] >= x0 && b[1] <= y1 && b[3] >= y0
	}
	for _, i := range ix.big {
		if meets(i) {
			fn(int(i))
		}
	}
	c0, r0, c1, r1 := ix.span(x0, y0, x1, y1)
	if x1 < ix.minX || y1 < ix.minY {
		return
	}
	single := c0 == c1 && r0 == r1
	var seen map[int32]bool
	if !single {
		seen = map[int32]bool{}
	}
	for r := r0; r <= r1; r++ {
		for c := c0; c <= c1; c++ {
			for _, i := range ix.buckets[r*ix.cols+c] {
				if !meets(i) {
					continue
				}
				if seen != nil {
					if seen[i] {
						continue
					}
					seen[i] = true
				}
				fn(int(i))
			}
		}
	}
}

// Box is feature i's bounding box.
func (ix *Index) Box(i int) [4]float64 { return ix.boxes[i] }
