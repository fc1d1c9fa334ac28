package slide

import (
	"image"
	"testing"
)

// The decoded-tile cache drops the least recently used tile, not the oldest.
func TestDecodedTilesIsLRU(t *testing.T) {
	c := newDecodedTiles(2)
	a, b, d := image.NewRGBA(image.Rect(0, 0, 1, 1)), image.NewRGBA(image.Rect(0, 0, 1, 1)), image.NewRGBA(image.Rect(0, 0, 1, 1))
	c.put([2]int{0, 1}, a)
	c.put([2]int{0, 2}, b)
	if c.get([2]int{0, 1}) != a { // a is now the most recently used
		t.Fatal("tile 1 not cached")
	}
	c.put([2]int{0, 3}, d)
	if c.get([2]int{0, 1}) != a {
		t.Error("the most recently used tile was dropped (a FIFO, not an LRU)")
	}
	if c.get([2]int{0, 2}) != nil {
		t.Error("the least recently used tile was kept beyond the bound")
	}
	if c.get([2]int{0, 3}) != d {
		t.Error("the new tile is missing")
	}
}
