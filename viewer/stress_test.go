package viewer

import (
	"context"
	"fmt"
	"math/rand"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tessera/internal/testslides"
	"tessera/slide"
)

// uiLoop is a UI goroutine of the test's own, like Fyne's real driver: posted
// functions run one at a time, in order, on one goroutine, after the poster
// has moved on.
type uiLoop struct{ fns chan func() }

func newUILoop(t *testing.T) *uiLoop {
	u := &uiLoop{fns: make(chan func(), 1<<16)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for fn := range u.fns {
			fn()
		}
	}()
	t.Cleanup(func() { close(u.fns); <-done })
	return u
}

func (u *uiLoop) post(fn func()) { u.fns <- fn }

// run runs fn on the loop and waits for it.
func (u *uiLoop) run(fn func()) {
	done := make(chan struct{})
	u.post(func() { fn(); close(done) })
	<-done
}

// TestNoHoleAfterOpeningSwitchingAndClosingTabs opens, zooms, pans and closes
// views of real slides sharing a tile cache while their tiles load,
// with tile arrivals reaching a single UI goroutine as in the real app.
// When the loads have settled, every view must have drawn every tile of its
// plan, and the plan must want nothing: no region left grey until the next
// zoom. Run it many times under -race (test.sh does once; the issue's
// reproduction was about one in six).
func TestNoHoleAfterOpeningSwitchingAndClosingTabs(t *testing.T) {
	// The app's default bound, and one that evicts while loading (smaller
	// ones cannot hold what the open views want at once: they thrash).
	for _, mb := range []int64{512, 128} {
		t.Run(fmt.Sprintf("%d MiB cache", mb), func(t *testing.T) { stressTabs(t, mb<<20) })
	}
}

func stressTabs(t *testing.T, cacheBytes int64) {
	dir := testslides.Dir(t)
	paths := []string{
		filepath.Join(dir, "aperio", "tcga-cr-7395-01a-01-ts1.svs"),
		filepath.Join(dir, "aperio", "CMU-1-Small-Region.svs"),
		filepath.Join(dir, "hamamatsu", "test3-DAPI-2-387.ndpi"),
	}
	test.NewTempApp(t)
	ui := newUILoop(t)
	cache := NewTileCache(cacheBytes)
	rng := rand.New(rand.NewSource(7))
	type tab struct {
		s slide.Slide
		v *SlideView
	}
	var tabs []tab
	open := func() {
		s, err := slide.Open(paths[rng.Intn(len(paths))])
		if err != nil {
			t.Fatal(err)
		}
		var v *SlideView
		ui.run(func() {
			v = NewSlideView(s, Options{Cache: cache, Workers: 2, Post: ui.post})
			v.Resize(fyne.NewSize(float32(600+rng.Intn(400)), float32(400+rng.Intn(300))))
		})
		tabs = append(tabs, tab{s, v})
	}
	closeTab := func(i int) {
		tb := tabs[i]
		ui.run(tb.v.Close)
		tb.s.Close()
		tabs = append(tabs[:i], tabs[i+1:]...)
	}
	for step := 0; step < 60; step++ {
		switch a := rng.Intn(6); {
		case len(tabs) < 2 || a == 0:
			open()
		case a == 1 && len(tabs) > 1:
			closeTab(rng.Intn(len(tabs)))
		default:
			tb := tabs[rng.Intn(len(tabs))]
			ui.run(func() {
				vp := tb.v.Viewport()
				c := Level0Point{X: rng.Float64() * vp.SlideW, Y: rng.Float64() * vp.SlideH}
				tb.v.SetView(c, vp.FitDownsample()/float64(1+rng.Intn(16)))
			})
		}
		time.Sleep(time.Duration(rng.Intn(15)) * time.Millisecond) // some loads land between steps
	}
	// Settle: loads done, their refreshes run, and those refreshes' loads
	// done, until a round changes nothing.
	deadline := time.Now().Add(30 * time.Second)
	for settled := false; !settled; {
		if time.Now().After(deadline) {
			t.Fatal("the views did not settle in 30 s")
		}
		for _, tb := range tabs {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			err := tb.v.loader.WaitIdle(ctx)
			cancel()
			if err != nil {
				t.Fatalf("%s: loads did not settle: %v", tb.s.Path(), err)
			}
		}
		ui.run(func() {
			settled = true
			for _, tb := range tabs {
				tb.v.loader.mu.Lock()
				busy := len(tb.v.loader.queue) > 0 || len(tb.v.loader.inflight) > 0
				tb.v.loader.mu.Unlock()
				if busy || tb.v.refreshQueued.Load() {
					settled = false
				}
			}
		})
	}
	for _, tb := range tabs {
		ui.run(func() {
			// What is on screen is the renderer's last frame: it must want
			// nothing once the loads have settled.
			last := tb.v.renderer.lastPlan
			if !last.Complete() || len(last.Draw) == 0 {
				t.Errorf("%s at %+v: the last frame drew %d tiles and still wants %d with nothing loading: a hole until the next zoom",
					filepath.Base(tb.s.Path()), tb.v.Viewport(), len(last.Draw), len(last.Want))
				for _, k := range last.Want {
					img, failed := tb.v.cache.Get(k)
					t.Logf("wanted %+v: cached now %v, failed %v, level count %d", k, img != nil, failed, len(tb.v.grid.Levels))
				}
				tb.v.Refresh()
				t.Logf("after one more refresh the frame wants %d", len(tb.v.renderer.lastPlan.Want))

			}
		})
	}
	for len(tabs) > 0 {
		closeTab(0)
	}
}
