package viewer

import (
	"context"
	"errors"
	"testing"
	"time"

	"tessera/slide"
	"tessera/slide/slidetest"
)

func TestLoaderLoadsWantedTilesWithRightPixels(t *testing.T) {
	s := slidetest.New(3000, 2000)
	cache := NewTileCache(0)
	l := NewLoader(s, cache, 3, nil)
	defer l.Close()
	g := TileGrid{Levels: s.Levels()}
	keys := []TileKey{{Level: 0, Col: 3, Row: 2}, {Level: 1, Col: 2, Row: 1}, {Level: 2, Col: 0, Row: 0}}
	l.Want(keys)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		img, _ := cache.Get(k)
		if img == nil {
			t.Fatalf("tile %v not loaded", k)
		}
		w, h := g.PixelSize(k)
		if img.Bounds().Dx() != w || img.Bounds().Dy() != h {
			t.Errorf("tile %v is %v, want %d×%d", k, img.Bounds(), w, h)
		}
		// The tile's pixel (10, 20) is level-0 pixel origin + (10.5, 20.5)·ds.
		o := g.Level0Origin(k)
		ds := s.Downsamples[k.Level]
		want := slidetest.ColourAt(s.W, s.H, o.X+10.5*ds, o.Y+20.5*ds)
		if got := img.RGBAAt(10, 20); got != want {
			t.Errorf("tile %v pixel (10,20) = %v, want %v", k, got, want)
		}
	}
}

func TestLoaderDropsStaleWants(t *testing.T) {
	s := slidetest.New(100000, 100000)
	cache := NewTileCache(0)
	l := NewLoader(s, cache, 1, nil)
	defer l.Close()
	var stale []TileKey
	for i := 0; i < 200; i++ {
		stale = append(stale, TileKey{Level: 0, Col: i, Row: 0})
	}
	l.Want(stale)
	l.Want([]TileKey{{Level: 0, Col: 0, Row: 5}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if n := s.Reads.Load(); n > 3 {
		t.Errorf("%d reads: stale loads were not dropped", n)
	}
	if !cache.Has(TileKey{Level: 0, Col: 0, Row: 5}) {
		t.Error("the current want was not loaded")
	}
}

func TestLoaderRecordsFailures(t *testing.T) {
	s := slidetest.New(1000, 1000)
	s.FailLevel = 1
	cache := NewTileCache(0)
	l := NewLoader(s, cache, 2, nil)
	defer l.Close()
	k := TileKey{Level: 1}
	l.Want([]TileKey{k, {Level: 0}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l.WaitIdle(ctx)
	if _, failed := cache.Get(k); !failed {
		t.Error("failure not recorded")
	}
	if !errors.Is(l.LastError(), slide.ErrDamaged) {
		t.Errorf("last error %v", l.LastError())
	}
	if img, _ := cache.Get(TileKey{Level: 0}); img == nil {
		t.Error("a good tile was not loaded after a bad one")
	}
}

func TestLoaderWaitIdleHonoursContext(t *testing.T) {
	s := slidetest.New(100000, 100000)
	l := NewLoader(s, NewTileCache(0), 1, nil)
	defer l.Close()
	var many []TileKey
	for i := 0; i < 300; i++ {
		many = append(many, TileKey{Level: 0, Col: i, Row: 1})
	}
	l.Want(many)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	if err := l.WaitIdle(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitIdle: %v", err)
	}
}

// A read that fails once (an I/O hiccup on a network share) is tried again:
// the tile loads instead of staying a hole until the next zoom.
func TestLoaderRetriesAFlakyRead(t *testing.T) {
	s := slidetest.New(1000, 1000)
	s.FlakyReads.Store(2)
	cache := NewTileCache(0)
	l := NewLoader(s, cache, 1, nil)
	defer l.Close()
	k := TileKey{Level: 0}
	l.Want([]TileKey{k})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l.WaitIdle(ctx)
	if img, failed := cache.Get(k); img == nil || failed {
		t.Errorf("a tile whose first two reads failed was not loaded (failed %v)", failed)
	}
	if n := s.Reads.Load(); n != 3 {
		t.Errorf("%d reads, want 3", n)
	}
}

// A view that is not on screen (its tab hidden) asks for no tiles; it loads
// again once active.
func TestInactiveViewLoadsNothing(t *testing.T) {
	s := slidetest.New(4000, 3000)
	v, _ := newTestViewOf(t, s)
	v.SetActive(false)
	before := s.Reads.Load()
	v.SetView(Level0Point{500, 500}, 0.5) // a region nothing has loaded yet
	if p := v.renderer.lastPlan; len(p.Want) == 0 {
		t.Fatal("the zoomed view wants nothing: the test does not test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v.loader.WaitIdle(ctx)
	if n := s.Reads.Load() - before; n != 0 {
		t.Errorf("an inactive view read %d tiles", n)
	}
	v.SetActive(true)
	settle(t, v)
	if !v.Plan().Complete() {
		t.Error("the view did not load its tiles once active again")
	}
}
