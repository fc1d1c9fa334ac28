package viewer

import (
	"context"
	"errors"
	"image"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"tessera/slide"
)

// Loader reads display tiles of one slide on a pool of worker goroutines
// into a TileCache. The queue holds only what the view wants now: each Want
// replaces it, so loads for tiles no longer visible are dropped before they
// start (a read already in progress inside OpenSlide runs to completion).
//
// Loader is safe for concurrent use. The owner must call Close, which waits
// for the workers to stop; it does not close the slide.
type Loader struct {
	src   slide.Slide
	grid  TileGrid
	cache *TileCache

	mu       sync.Mutex
	wake     *sync.Cond // signalled when the queue gains work or the loader closes
	idle     *sync.Cond // broadcast when the queue empties and nothing is in flight
	queue    []TileKey  // most urgent first
	inflight map[TileKey]bool
	closed   bool
	lastErr  error

	onLoaded func() // called from a worker after each tile lands; may be nil
	wg       sync.WaitGroup

	// transform, if set, converts each tile after it is read (colour
	// management); set by SlideView.SetColourTransform.
	transform atomic.Pointer[func(*image.RGBA)]
}

// NewLoader starts workers (runtime.NumCPU() when workers ≤ 0) reading src
// into cache. onLoaded, if not nil, is called from a worker goroutine after
// each tile is stored or fails; it must not block.
func NewLoader(src slide.Slide, cache *TileCache, workers int, onLoaded func()) *Loader {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	l := &Loader{src: src, grid: TileGrid{Levels: src.Levels()}, cache: cache,
		inflight: map[TileKey]bool{}, onLoaded: onLoaded}
	l.wake = sync.NewCond(&l.mu)
	l.idle = sync.NewCond(&l.mu)
	l.wg.Add(workers)
	for i := 0; i < workers; i++ {
		go l.work()
	}
	return l
}

// Want replaces the queue with keys (most urgent first), skipping tiles that
// are cached or already being read.
func (l *Loader) Want(keys []TileKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.queue = l.queue[:0]
	for _, k := range keys {
		if !l.inflight[k] && !l.cache.Has(k) {
			l.queue = append(l.queue, k)
		}
	}
	if len(l.queue) > 0 {
		l.wake.Broadcast()
	} else if len(l.inflight) == 0 {
		l.idle.Broadcast()
	}
}

// WaitIdle blocks until the queue is empty and no read is in flight, or ctx
// ends, or the loader closes.
func (l *Loader) WaitIdle(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		l.mu.Lock()
		l.idle.Broadcast()
		l.mu.Unlock()
	})
	defer stop()
	l.mu.Lock()
	defer l.mu.Unlock()
	for (len(l.queue) > 0 || len(l.inflight) > 0) && !l.closed && ctx.Err() == nil {
		l.idle.Wait()
	}
	return ctx.Err()
}

// LastError returns the most recent tile read error, or nil.
func (l *Loader) LastError() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastErr
}

// Close stops the workers and waits for them.
func (l *Loader) Close() {
	l.mu.Lock()
	l.closed = true
	l.queue = nil
	l.wake.Broadcast()
	l.idle.Broadcast()
	l.mu.Unlock()
	l.wg.Wait()
}

func (l *Loader) work() {
	defer l.wg.Done()
	for {
		l.mu.Lock()
		for len(l.queue) == 0 && !l.closed {
			l.wake.Wait()
		}
		if l.closed {
			l.mu.Unlock()
			return
		}
		k := l.queue[0]
		l.queue = l.queue[1:]
		l.inflight[k] = true
		l.mu.Unlock()

		img, err := l.readRetrying(k)
		if err != nil {
			l.cache.Fail(k, err)
		} else {
			l.cache.Put(k, img)
		}
		// Announce the tile before the loader can look idle: whoever waits
		// for idle (WaitIdle) then also sees the refresh it asked for.
		if l.onLoaded != nil {
			l.onLoaded()
		}

		l.mu.Lock()
		delete(l.inflight, k)
		if err != nil {
			l.lastErr = err
		}
		if len(l.queue) == 0 && len(l.inflight) == 0 {
			l.idle.Broadcast()
		}
		l.mu.Unlock()
	}
}

// readAttempts bounds the reads of one tile: a slide on a network share can
// fail a read now and succeed a moment later, and a tile recorded as failed
// is not asked for again (it would stay a hole until the next zoom).
var readBackoff = []time.Duration{0, 50 * time.Millisecond, 250 * time.Millisecond}

// readRetrying reads a tile, trying again after a pause when a read fails
// for a reason other than the slide being closed or the region invalid;
// it gives up early when the loader closes.
func (l *Loader) readRetrying(k TileKey) (*image.RGBA, error) {
	var err error
	for _, pause := range readBackoff {
		if pause > 0 {
			time.Sleep(pause)
			l.mu.Lock()
			closed := l.closed
			l.mu.Unlock()
			if closed {
				return nil, slide.ErrClosed
			}
		}
		var img *image.RGBA
		if img, err = l.read(k); err == nil {
			return img, nil
		}
		if errors.Is(err, slide.ErrClosed) || errors.Is(err, slide.ErrBadRegion) {
			return nil, err
		}
	}
	return nil, err
}

// read decodes one tile into a new image owned by the cache.
func (l *Loader) read(k TileKey) (*image.RGBA, error) {
	w, h := l.grid.PixelSize(k)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	o := l.grid.Level0Origin(k)
	if err := l.src.ReadRegion(img, k.Level, int64(o.X+0.5), int64(o.Y+0.5)); err != nil {
		return nil, err
	}
	if fn := l.transform.Load(); fn != nil {
		(*fn)(img)
	}
	return img, nil
}
