package cli

import (
	"context"
	"fmt"
	"io"

	"tessera/annotation"
	"tessera/inference"
	"tessera/slide"
)

// lazyModel is a bundle whose ONNX Runtime sessions are created on first
// need, once per process: a command whose slides all have cached results
// never creates them (the bundle's sha256 is all a cache lookup needs).
// Not safe for concurrent use; Close releases the sessions.
type lazyModel struct {
	bundle   *inference.Bundle
	provider inference.Provider
	stderr   io.Writer // where the execution provider is said, once
	model    *inference.Model
	// threads, if set, bounds the encoder's intra-op threads and the tile
	// readers (several models sharing the machine); 0: one per CPU.
	threads int
	// roi, if set, is the region analysed (analyze --roi).
	roi *annotation.Region
	// features is the encoder feature cache (nil: none).
	features *inference.FeatureCache
	// inCohort is true for a cohort's workers: a missing µm/px is given in
	// the cohort file, not on the command line.
	inCohort bool
}

// mppHint says where the user gives a slide's µm/px.
func (l *lazyModel) mppHint() string {
	if l.inCohort {
		return "give it in the cohort file's mpp column"
	}
	return "pass it with --mpp"
}

// loadModel loads the bundle at path (the built-in one when path is "");
// errors are sentences for the user.
func loadModel(path string, ep inference.Provider, stderr io.Writer) (*lazyModel, error) {
	b, err := inference.LoadBundleOrBuiltin(path)
	if err != nil {
		return nil, UserError{err}
	}
	return &lazyModel{bundle: b, provider: ep, stderr: stderr}, nil
}

// get returns the model's sessions, creating them the first time.
func (l *lazyModel) get() (*inference.Model, error) {
	if l.model != nil {
		return l.model, nil
	}
	if _, err := inference.InitRuntime(); err != nil {
		return nil, err
	}
	m, err := inference.OpenModelThreads(l.bundle, l.provider, l.threads)
	if err != nil {
		return nil, UserError{err}
	}
	l.model = m
	fmt.Fprintf(l.stderr, "execution provider: %s%s\n", m.Provider, noteText(m.ProviderNote))
	return m, nil
}

// Close releases the sessions, if they were created.
func (l *lazyModel) Close() {
	if l.model != nil {
		l.model.Close()
	}
}

// analyze returns the cached result for s (cached is true), or analyses it
// with the model's sessions and stores the result in cache (nil: no cache).
func (l *lazyModel) analyze(ctx context.Context, cache *inference.ResultCache, s slide.Slide, opts inference.Options) (res *inference.Result, cached bool, storeErr, err error) {
	opts.ROI = l.roi
	if cache != nil {
		if r, err := cache.Load(inference.ResultKeyFor(s.Fingerprint(), l.bundle.SHA256, opts)); err == nil {
			return r, true, nil, nil
		}
	}
	m, err := l.get()
	if err != nil {
		return nil, false, nil, err
	}
	if opts.Readers == 0 {
		opts.Readers = l.threads
	}
	opts.FeatureCache = l.features
	return inference.AnalyzeCached(ctx, cache, s, m, opts)
}
