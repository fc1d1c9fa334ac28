package viewer

import (
	"errors"
	"image"
	"testing"
)

func tileOf(bytes int) *image.RGBA { return image.NewRGBA(image.Rect(0, 0, bytes/4, 1)) }

func TestCacheStaysWithinByteBound(t *testing.T) {
	c := NewTileCache(10 << 10)
	for i := 0; i < 100; i++ {
		c.Put(TileKey{Col: i}, tileOf(1<<10))
		if c.Used() > c.Limit() {
			t.Fatalf("after %d puts: %d bytes used, limit %d", i+1, c.Used(), c.Limit())
		}
	}
	if c.Len() != 10 {
		t.Errorf("%d tiles kept, want 10", c.Len())
	}
}

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := NewTileCache(3 << 10)
	for i := 0; i < 3; i++ {
		c.Put(TileKey{Col: i}, tileOf(1<<10))
	}
	c.Get(TileKey{Col: 0}) // now most recent
	c.Put(TileKey{Col: 3}, tileOf(1<<10))
	if img, _ := c.Get(TileKey{Col: 1}); img != nil {
		t.Error("tile 1 (least recently used) was kept")
	}
	if img, _ := c.Get(TileKey{Col: 0}); img == nil {
		t.Error("tile 0 (recently used) was evicted")
	}
}

func TestCacheReplaceAndForget(t *testing.T) {
	c := NewTileCache(1 << 20)
	c.Put(TileKey{Slide: 1}, tileOf(1000))
	c.Put(TileKey{Slide: 1}, tileOf(2000))
	if c.Used() != 2000 {
		t.Errorf("used %d after replacing, want 2000", c.Used())
	}
	c.Put(TileKey{Slide: 2}, tileOf(400))
	c.Fail(TileKey{Slide: 1, Col: 9}, errors.New("bad"))
	c.Forget(1)
	if c.Used() != 400 || c.Len() != 1 {
		t.Errorf("after Forget: %d bytes, %d tiles", c.Used(), c.Len())
	}
	if _, failed := c.Get(TileKey{Slide: 1, Col: 9}); failed {
		t.Error("failure of a forgotten slide kept")
	}
}

func TestCacheFailures(t *testing.T) {
	c := NewTileCache(0)
	if c.Limit() != DefaultCacheBytes {
		t.Errorf("default limit %d", c.Limit())
	}
	k := TileKey{Level: 2}
	c.Fail(k, errors.New("bogus marker"))
	if img, failed := c.Get(k); img != nil || !failed {
		t.Errorf("failed tile: img %v failed %v", img, failed)
	}
}
