package slide

import (
	"fmt"
	"image"
	"math"
	"sort"

	"github.com/suyashkumar/dicom"
)

// Frames on the tile grid: where each frame of a DICOM instance goes, for
// each optical path (plane positions, TILED_FULL order, or, for files that
// declare no order, the order whose tile edges meet best).

// mapTiles places frames on the tile grid, for each optical path: by their
// plane positions whenever the frames have them (TILED_SPARSE must), the
// focal plane nearest Z offset 0 kept; else in order (TILED_FULL: row by
// row, then focal planes, then optical paths), the first focal plane kept.
// nPaths is NumberOfOpticalPaths (1 when unsaid).
func (in *dicomInstance) mapTiles(perFrame []*dicom.SequenceItemValue, org string, nPaths int) error {
	in.across = (in.width + in.tw - 1) / in.tw
	down := (in.height + in.th - 1) / in.th
	grid := func() []int {
		g := make([]int, in.across*down)
		for i := range g {
			g[i] = -1
		}
		return g
	}
	in.pathTiles = map[string][]int{}
	first := in.paths[0].id
	if len(perFrame) == len(in.frames) {
		type slot struct {
			path string
			k    int
		}
		bestZ := map[slot]float64{}
		zs := map[float64]bool{}
		placed := 0
		for i, item := range perFrame {
			pos := items(findIn(item, tagPlanePositionWSI))
			if len(pos) == 0 {
				continue
			}
			col, row := firstInt(findIn(pos[0], tagColumnInMatrix)), firstInt(findIn(pos[0], tagRowInMatrix))
			if col < 1 || row < 1 || (col-1)%in.tw != 0 || (row-1)%in.th != 0 {
				continue // off the tile grid, or outside the matrix
			}
			tx, ty := (col-1)/in.tw, (row-1)/in.th
			if tx >= in.across || ty >= down {
				continue
			}
			z := 0.0
			if v := floats(findIn(pos[0], tagZOffset)); len(v) > 0 && !math.IsNaN(v[0]) {
				z = v[0]
			}
			zs[z] = true
			path := first
			if ids := items(findIn(item, tagOpticalPathIdent)); len(ids) > 0 {
				if id := firstString(findIn(ids[0], tagOpticalPathID)); id != "" {
					path = id
				}
			}
			tiles := in.pathTiles[path]
			if tiles == nil {
				if len(in.pathTiles) >= maxOpticalPaths {
					continue
				}
				tiles = grid()
				in.pathTiles[path] = tiles
			}
			k := ty*in.across + tx
			if b, seen := bestZ[slot{path, k}]; !seen || math.Abs(z) < math.Abs(b) {
				bestZ[slot{path, k}] = z
				tiles[k] = i
				placed++
			}
		}
		if placed > 0 {
			in.frameOrder = "positions"
			in.focalPlanes = max(in.focalPlanes, len(zs))
			if in.pathTiles[first] == nil { // frames name paths the sequence does not list first
				in.paths = in.paths[:0]
				for id := range in.pathTiles {
					in.paths = append(in.paths, opticalPath{id: id})
				}
				sort.Slice(in.paths, func(a, b int) bool { return in.paths[a].id < in.paths[b].id })
				first = in.paths[0].id
			}
			in.tileFrame = in.pathTiles[first]
			return nil
		}
		in.pathTiles = map[string][]int{}
	}
	if org == "TILED_SPARSE" {
		return fmt.Errorf("TILED_SPARSE without frame positions")
	}
	perPlane := in.across * down
	if nPaths < 2 || nPaths > len(in.paths) || len(in.frames) < nPaths*in.focalPlanes*perPlane {
		nPaths = 1
	}
	for p := 0; p < nPaths; p++ {
		tiles := grid()
		base := p * in.focalPlanes * perPlane
		for i := range tiles {
			if base+i < len(in.frames) {
				tiles[i] = base + i
			}
		}
		in.pathTiles[in.paths[p].id] = tiles
	}
	in.paths = in.paths[:nPaths]
	in.tileFrame = in.pathTiles[first]
	if org == "TILED_FULL" || len(in.frames) == 1 {
		in.frameOrder = "TILED_FULL"
	}
	return nil
}

// chooseOrder places the frames of a file that declares no order (no
// DimensionOrganizationType, no positions; some converters write frames
// column by column): it compares how well neighbouring tiles' edges meet
// when the first frames are laid out row by row and column by column, and
// keeps the better. Only a few dozen frames are decoded.
func (in *dicomInstance) chooseOrder() {
	in.frameOrder = "row-major"
	down := (in.height + in.th - 1) / in.th
	if in.across < 2 || down < 2 || len(in.frames) < in.across*down {
		return
	}
	decoded := map[int]*image.RGBA{}
	frame := func(i int) *image.RGBA {
		if img, ok := decoded[i]; ok {
			return img
		}
		img, err := in.decodeFrame(i)
		if err != nil {
			img = nil
		}
		decoded[i] = img
		return img
	}
	// Mean difference across the vertical seam between left and right.
	seam := func(left, right *image.RGBA) (float64, bool) {
		if left == nil || right == nil {
			return 0, false
		}
		var sum float64
		for y := 0; y < in.th; y++ {
			a := left.Pix[y*left.Stride+4*(in.tw-1):]
			b := right.Pix[y*right.Stride:]
			for c := 0; c < 3; c++ {
				sum += math.Abs(float64(a[c]) - float64(b[c]))
			}
		}
		return sum / float64(3*in.th), true
	}
	const pairs = 12
	cost := func(rowMajor bool) float64 {
		var total float64
		n := 0
		for r := 0; r < down && n < pairs; r++ {
			for c := 0; c+1 < in.across-1 && n < pairs; c++ { // not the last column: it may be padding
				l, rt := r*in.across+c, r*in.across+c+1
				if !rowMajor {
					l, rt = c*down+r, (c+1)*down+r
				}
				if d, ok := seam(frame(l), frame(rt)); ok {
					total += d
					n++
				}
			}
		}
		if n == 0 {
			return math.Inf(1)
		}
		return total / float64(n)
	}
	if cost(false) < 0.8*cost(true) {
		in.frameOrder = "column-major"
		for r := 0; r < down; r++ {
			for c := 0; c < in.across; c++ {
				in.tileFrame[r*in.across+c] = c*down + r
			}
		}
	}
}
