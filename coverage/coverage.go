// Package coverage records where on a slide the pathologist looked at a
// diagnostic magnification (MinMagnification, 10×, or more): a grid of
// cells over level 0, a cell marked once its centre has been on screen at
// that magnification. It says how much of the analysed tissue was seen,
// and which evidence regions never were, for the sign-off and the case
// log; the case file keeps it (Encode, Decode). A value type without
// widgets; not safe for concurrent use (the pane's UI goroutine owns it).
package coverage

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// MinMagnification is the magnification from which a view counts as
// looked at: 10×, the objective pathologists read a slide's tissue with
// (about 1 µm per screen pixel, viewer.Calibration's convention).
const MinMagnification = 10.0

// Grid bounds: cells are at least minCell level-0 pixels and the long side
// has at most maxCells of them (a 100,000-pixel slide: 98-pixel cells, about
// 25 µm at 0.25 µm/px; 12 KiB of bits).
const (
	minCell  = 32
	maxCells = 1024
)

// Map is the cells of one slide, level-0 pixels Cell on a side, Cols × Rows
// covering the slide from its top-left corner.
type Map struct {
	Cell       float64
	Cols, Rows int
	bits       []uint64
}

// New returns an empty map of a slide of width × height level-0 pixels.
func New(width, height int64) *Map {
	long := float64(max(width, height, 1))
	cell := math.Max(minCell, math.Ceil(long/maxCells))
	cols := int(math.Ceil(float64(max(width, 1)) / cell))
	rows := int(math.Ceil(float64(max(height, 1)) / cell))
	return &Map{Cell: cell, Cols: cols, Rows: rows, bits: make([]uint64, (cols*rows+63)/64)}
}

func (m *Map) has(c, r int) bool {
	i := r*m.Cols + c
	return m.bits[i/64]&(1<<(i%64)) != 0
}

// cellsIn returns the cells whose centres lie in the level-0 rectangle
// (x0, y0)–(x1, y1), clipped to the map: columns c0..c1-1, rows r0..r1-1.
func (m *Map) cellsIn(x0, y0, x1, y1 float64) (c0, r0, c1, r1 int) {
	clip := func(v float64, n int) int { return min(max(int(v), 0), n) }
	c0 = clip(math.Ceil(x0/m.Cell-0.5), m.Cols)
	c1 = clip(math.Floor(x1/m.Cell-0.5)+1, m.Cols)
	r0 = clip(math.Ceil(y0/m.Cell-0.5), m.Rows)
	r1 = clip(math.Floor(y1/m.Cell-0.5)+1, m.Rows)
	return
}

// Mark records the level-0 rectangle (x0, y0)–(x1, y1) as looked at: the
// cells whose centres lie in it. It returns how many were new.
func (m *Map) Mark(x0, y0, x1, y1 float64) int {
	c0, r0, c1, r1 := m.cellsIn(x0, y0, x1, y1)
	n := 0
	for r := r0; r < r1; r++ {
		for c := c0; c < c1; c++ {
			i := r*m.Cols + c
			if m.bits[i/64]&(1<<(i%64)) == 0 {
				m.bits[i/64] |= 1 << (i % 64)
				n++
			}
		}
	}
	return n
}

// Seen is the share (0–1) of the rectangle's cells looked at; a rectangle
// smaller than a cell counts the cell under its centre.
func (m *Map) Seen(x0, y0, x1, y1 float64) float64 {
	c0, r0, c1, r1 := m.cellsIn(x0, y0, x1, y1)
	if c1 <= c0 || r1 <= r0 {
		c := min(max(int((x0+x1)/2/m.Cell), 0), m.Cols-1)
		r := min(max(int((y0+y1)/2/m.Cell), 0), m.Rows-1)
		if m.has(c, r) {
			return 1
		}
		return 0
	}
	seen := 0
	for r := r0; r < r1; r++ {
		for c := c0; c < c1; c++ {
			if m.has(c, r) {
				seen++
			}
		}
	}
	return float64(seen) / float64((c1-c0)*(r1-r0))
}

// Cells is the number of cells looked at.
func (m *Map) Cells() int {
	n := 0
	for _, w := range m.bits {
		n += bits.OnesCount64(w)
	}
	return n
}

// Overlay is the map as an image, one pixel per cell (Cell level-0 pixels
// each): the cells looked at in translucent teal, the others clear.
func (m *Map) Overlay() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, m.Cols, m.Rows))
	teal := color.NRGBA{0, 150, 136, 110}
	for r := 0; r < m.Rows; r++ {
		for c := 0; c < m.Cols; c++ {
			if m.has(c, r) {
				img.SetNRGBA(c, r, teal)
			}
		}
	}
	return img
}

// encodingVersion prefixes an encoded map.
const encodingVersion = "cov1"

// Encode is the map as text for the case file: version, cell, columns,
// rows and the deflated bits in base64 (a few hundred bytes for a typical
// review).
func (m *Map) Encode() string {
	var raw bytes.Buffer
	w, _ := flate.NewWriter(&raw, flate.BestCompression)
	b := make([]byte, 8)
	for _, word := range m.bits {
		for i := range b {
			b[i] = byte(word >> (8 * i))
		}
		w.Write(b)
	}
	w.Close()
	return fmt.Sprintf("%s:%g:%d:%d:%s", encodingVersion, m.Cell, m.Cols, m.Rows, base64.StdEncoding.EncodeToString(raw.Bytes()))
}

// ErrOtherSlide is returned by Decode for a map made on a slide of
// another size.
var ErrOtherSlide = errors.New("the review coverage was recorded on a slide of another size")

// Decode reads a map Encode wrote for a slide of width × height level-0
// pixels; a map of another size is ErrOtherSlide, damaged text an error
// saying so.
func Decode(text string, width, height int64) (*Map, error) {
	parts := strings.Split(text, ":")
	if len(parts) != 5 || parts[0] != encodingVersion {
		return nil, errors.New("the review coverage is not in a form this version reads")
	}
	want := New(width, height)
	cell, err1 := strconv.ParseFloat(parts[1], 64)
	cols, err2 := strconv.Atoi(parts[2])
	rows, err3 := strconv.Atoi(parts[3])
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, fmt.Errorf("the review coverage is damaged: %w", err)
	}
	if cell != want.Cell || cols != want.Cols || rows != want.Rows {
		return nil, ErrOtherSlide
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil {
		return nil, fmt.Errorf("the review coverage is damaged: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(raw)), int64(len(want.bits))*8+1))
	if err != nil || len(b) != len(want.bits)*8 {
		return nil, errors.New("the review coverage is damaged: its cells do not fit the slide")
	}
	for i := range want.bits {
		var word uint64
		for j := 0; j < 8; j++ {
			word |= uint64(b[8*i+j]) << (8 * j)
		}
		want.bits[i] = word
	}
	return want, nil
}
