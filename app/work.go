package app

import (
	"context"
	"sync"
)

// backgroundWork owns the goroutines of one pane (or of the window): each
// runs with a context that close cancels, close waits for all of them, and
// what they bring back reaches the UI goroutine through one fyne.Do, dropped
// once the owner has closed. It is the one place where a pane's background
// work crosses into the UI.
//
// Go and close are called on the UI goroutine; the work functions run on
// their own goroutines and must not touch widgets.
type backgroundWork struct {
	post   func(func()) // hands a function to the UI goroutine: fyne.Do
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed bool // UI goroutine only
}

// newBackgroundWork returns an owner whose hand-overs go through post
// (fyne.Do; tests serialise them, see UI.post).
func newBackgroundWork(post func(func())) *backgroundWork {
	ctx, cancel := context.WithCancel(context.Background())
	return &backgroundWork{post: post, ctx: ctx, cancel: cancel}
}

// Go runs work on a new goroutine with the owner's context. The function
// work returns, if not nil, runs on the UI goroutine afterwards, unless the
// owner has closed by then.
func (w *backgroundWork) Go(work func(ctx context.Context) (onUI func())) {
	if w.closed {
		return
	}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		if onUI := work(w.ctx); onUI != nil {
			w.Do(onUI)
		}
	}()
}

// Do runs fn on the UI goroutine unless the owner has closed by then. Safe
// from any goroutine (progress from inside a work function).
func (w *backgroundWork) Do(fn func()) { w.DoOr(fn, nil) }

// DoOr is Do, with dropped run instead of fn (on the UI goroutine) when the
// owner has closed: it releases what fn would have taken over.
func (w *backgroundWork) DoOr(fn, dropped func()) {
	w.post(func() {
		switch {
		case !w.closed:
			fn()
		case dropped != nil:
			dropped()
		}
	})
}

// Context is the owner's context, cancelled by close.
func (w *backgroundWork) Context() context.Context { return w.ctx }

// close cancels every running work function, waits for them to return and
// drops whatever they still bring back. UI goroutine.
func (w *backgroundWork) close() {
	w.closed = true
	w.cancel()
	w.wg.Wait()
}
