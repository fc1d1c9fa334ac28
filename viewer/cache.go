package viewer

import (
	"container/list"
	"image"
	"sync"
)

// DefaultCacheBytes is the default bound of a TileCache: 512 MiB.
const DefaultCacheBytes = 512 << 20

// MemoryLimitFor is the Go heap soft limit (runtime/debug.SetMemoryLimit)
// that keeps a process holding a full cache of cacheBytes from growing its
// heap to twice the cache between collections: the cache plus 48 MiB of
// working room. Tile pixels hold no pointers, so the collections this
// forces are cheap.
func MemoryLimitFor(cacheBytes int64) int64 { return cacheBytes + 48<<20 }

// TileCache keeps decoded tiles in memory, bounded in bytes of pixel data,
// evicting the least recently used. One cache may serve several slides
// (keys carry a slide id). It is safe for concurrent use. Tiles handed out
// must not be modified: the cache and its readers share them.
type TileCache struct {
	mu       sync.Mutex
	limit    int64
	used     int64
	lru      *list.List // front: most recently used; values are *cacheEntry
	entries  map[TileKey]*list.Element
	failures map[TileKey]error
}

type cacheEntry struct {
	key TileKey
	img *image.RGBA
}

// NewTileCache returns a cache holding at most limit bytes of pixels
// (DefaultCacheBytes when limit ≤ 0).
func NewTileCache(limit int64) *TileCache {
	if limit <= 0 {
		limit = DefaultCacheBytes
	}
	return &TileCache{limit: limit, lru: list.New(), entries: map[TileKey]*list.Element{}, failures: map[TileKey]error{}}
}

// Get returns a cached tile and marks it recently used, or nil. failed is
// true when loading the tile failed before (see Fail).
func (c *TileCache) Get(k TileKey) (img *image.RGBA, failed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok {
		c.lru.MoveToFront(e)
		return e.Value.(*cacheEntry).img, false
	}
	_, failed = c.failures[k]
	return nil, failed
}

// Has reports whether a tile is cached, without touching its recency.
func (c *TileCache) Has(k TileKey) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.entries[k]
	return ok
}

// Put stores a tile, evicting least recently used tiles to stay in bounds.
func (c *TileCache) Put(k TileKey, img *image.RGBA) {
	size := int64(len(img.Pix))
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok {
		c.used -= int64(len(e.Value.(*cacheEntry).img.Pix))
		c.lru.Remove(e)
	}
	c.entries[k] = c.lru.PushFront(&cacheEntry{key: k, img: img})
	c.used += size
	for c.used > c.limit && c.lru.Len() > 1 {
		old := c.lru.Back()
		ent := old.Value.(*cacheEntry)
		c.lru.Remove(old)
		delete(c.entries, ent.key)
		c.used -= int64(len(ent.img.Pix))
	}
}

// Fail records that a tile could not be read, so it is not asked for again.
func (c *TileCache) Fail(k TileKey, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failures[k] = err
}

// Forget drops every tile and failure of one slide (when it is closed).
func (c *TileCache) Forget(slideID uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if k.Slide == slideID {
			c.used -= int64(len(e.Value.(*cacheEntry).img.Pix))
			c.lru.Remove(e)
			delete(c.entries, k)
		}
	}
	for k := range c.failures {
		if k.Slide == slideID {
			delete(c.failures, k)
		}
	}
}

// Used returns the bytes of pixels held; Limit the bound.
func (c *TileCache) Used() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}

// Limit returns the cache bound in bytes.
func (c *TileCache) Limit() int64 { return c.limit }

// Len returns the number of cached tiles.
func (c *TileCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
