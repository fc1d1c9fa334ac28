package app

import (
	"sync"

	"tessera/inference"
)

// BuiltinModelLabel names the embedded bundle in the model picker.
const BuiltinModelLabel = "Built-in demonstration model"

// modelStore loads each bundle and its ONNX Runtime sessions once and shares
// them between slides (sessions are created once per model). Safe for
// concurrent use; closeAll releases everything.
type modelStore struct {
	provider inference.Provider
	mu       sync.Mutex // held while a bundle is read or sessions are made
	// bundles holds the bundles read (key: bundle path, "" for the built-in
	// one; values *inference.Bundle): written under mu, read without it by
	// loaded, so that the UI goroutine never waits for a load.
	bundles sync.Map
	models  map[string]*inference.Model
}

func newModelStore(p inference.Provider) *modelStore {
	return &modelStore{provider: p, models: map[string]*inference.Model{}}
}

// loaded returns the bundle at path if it has been read, else nil; it
// never reads one, nor waits for another goroutine's read.
func (s *modelStore) loaded(path string) *inference.Bundle {
	if b, ok := s.bundles.Load(path); ok {
		return b.(*inference.Bundle)
	}
	return nil
}

// bundle loads and checks the bundle at path ("" for the built-in one).
func (s *modelStore) bundle(path string) (*inference.Bundle, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bundleLocked(path)
}

func (s *modelStore) bundleLocked(path string) (*inference.Bundle, error) {
	if b := s.loaded(path); b != nil {
		return b, nil
	}
	b, err := inference.LoadBundleOrBuiltin(path)
	if err != nil {
		return nil, err
	}
	s.bundles.Store(path, b)
	return b, nil
}

// model returns the sessions for the bundle at path, creating them once.
func (s *modelStore) model(path string) (*inference.Model, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.models[path]; ok {
		return m, nil
	}
	b, err := s.bundleLocked(path)
	if err != nil {
		return nil, err
	}
	m, err := inference.OpenModel(b, s.provider)
	if err != nil {
		return nil, err
	}
	s.models[path] = m
	return m, nil
}

// releaseSessions closes every model's sessions (they are created again on
// the next analysis). The caller must know that no analysis is running.
func (s *modelStore) releaseSessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.models)
	for k, m := range s.models {
		m.Close()
		delete(s.models, k)
	}
	return n
}

func (s *modelStore) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, m := range s.models {
		m.Close()
		delete(s.models, k)
	}
}
