package inference

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// Model is a bundle with its ONNX Runtime sessions, created once and reused
// for every slide. Encode and Aggregate may be called from several
// goroutines; each session runs one call at a time. Close releases the
// sessions; the caller owns the Model.
type Model struct {
	Bundle       *Bundle
	Provider     Provider // the execution provider actually used
	ProviderNote string   // why it differs from the one asked for, if it does
	// ValidatedNow is true when OpenModel checked the tensors and dry-ran the
	// model (the first time on this machine), false when it remembered.
	ValidatedNow bool

	encMu   sync.Mutex
	encoder *ort.DynamicAdvancedSession
	headMu  sync.Mutex
	head    *ort.DynamicAdvancedSession // nil for tile classifiers
}

// OpenModel creates the sessions for b on provider p (falling back to the
// CPU, with a note, when p is not available). The first time a bundle is
// opened on this machine (by its sha256 and the runtime's version) it is
// also validated: its tensors are compared with the manifest and one tile
// is dry-run through the whole model, so that a bad bundle fails here and
// not mid-slide; the validation is then remembered in the user cache, so
// that later processes create the sessions once and nothing more.
func OpenModel(b *Bundle, p Provider) (*Model, error) {
	return OpenModelThreads(b, p, 0)
}

// OpenModelThreads is OpenModel with the encoder's intra-op threads set
// (0: one per CPU): several models sharing a machine (a cohort's workers)
// split its cores between them.
func OpenModelThreads(b *Bundle, p Provider, threads int) (*Model, error) {
	info, err := InitRuntime()
	if err != nil {
		return nil, err
	}
	validated := validationRemembered(b.SHA256, info.Version)
	if !validated {
		if err := b.checkTensors(); err != nil {
			return nil, err
		}
	}
	m := &b.Manifest
	if b.encoderPath() != "" {
		if err := b.verifyOnDisk(); err != nil {
			return nil, err
		}
	}
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	enc, used, note, err := withSession(p, threads, func(o *ort.SessionOptions) (*ort.DynamicAdvancedSession, error) {
		if path := b.encoderPath(); path != "" {
			// External data, or a large encoder: ONNX Runtime reads the
			// files from the folder (no copy of the weights in Go's memory).
			return ort.NewDynamicAdvancedSession(path, []string{m.Encoder.Input}, []string{m.Encoder.Output}, o)
		}
		return ort.NewDynamicAdvancedSessionWithONNXData(b.Encoder, []string{m.Encoder.Input}, []string{m.Encoder.Output}, o)
	})
	if err != nil {
		return nil, bundleError(b.Source, "ONNX Runtime cannot load %s: %v", m.Encoder.File, firstLine(err.Error()))
	}
	model := &Model{Bundle: b, Provider: used, ProviderNote: note, encoder: enc}
	if m.HasHead() {
		// The head is small: it runs on the CPU with one thread.
		head, _, _, err := withSession(ProviderCPU, 1, func(o *ort.SessionOptions) (*ort.DynamicAdvancedSession, error) {
			return ort.NewDynamicAdvancedSessionWithONNXData(b.Head, []string{m.Head.Input}, []string{m.Head.SlideOutput, m.Head.TileOutput}, o)
		})
		if err != nil {
			model.Close()
			return nil, bundleError(b.Source, "ONNX Runtime cannot load %s: %v", m.Head.File, firstLine(err.Error()))
		}
		model.head = head
	}
	if !validated {
		if err := model.dryRun(); err != nil {
			model.Close()
			return nil, err
		}
		rememberValidation(b.SHA256, info.Version)
		model.ValidatedNow = true
	}
	return model, nil
}

// Close releases the sessions.
func (m *Model) Close() {
	if m.encoder != nil {
		m.encoder.Destroy()
		m.encoder = nil
	}
	if m.head != nil {
		m.head.Destroy()
		m.head = nil
	}
}

// dryRun encodes one plain tissue-coloured tile and aggregates it.
func (m *Model) dryRun() error {
	b, err := m.NewBatch()
	if err != nil {
		return err
	}
	defer b.Destroy()
	ts := m.Bundle.Manifest.Input.TileSize
	pink := [3]float32{200, 120, 170}
	for c := 0; c < 3; c++ {
		plane := b.Tile(0)[c*ts*ts : (c+1)*ts*ts]
		for i := range plane {
			plane[i] = m.normalise(c, pink[c])
		}
	}
	feats, err := m.Encode(b, 1)
	if err != nil {
		return bundleError(m.Bundle.Source, "a test tile through %s failed: %v", m.Bundle.Manifest.Encoder.File, err)
	}
	if _, _, err := m.Aggregate(feats, 1); err != nil {
		return bundleError(m.Bundle.Source, "a test tile through the head failed: %v", err)
	}
	return nil
}

// normalise maps a 0–255 value of channel c (in the model's channel order)
// to the model's input scale.
func (m *Model) normalise(c int, v float32) float32 {
	in := &m.Bundle.Manifest.Input
	return float32((float64(v)*in.Scale - in.Mean[c]) / in.Std[c])
}

// Batch is a reusable encoder input and output pair: BatchSize tiles of
// [3,H,W] float32 and their [BatchSize,D] features. Not safe for concurrent
// use; one goroutine fills it, then Encode reads it. Destroy releases it.
type Batch struct {
	in   *ort.Tensor[float32]
	out  *ort.Tensor[float32]
	size int // tiles
	tile int // floats per tile
}

// NewBatch allocates a batch of the manifest's batch size.
func (m *Model) NewBatch() (*Batch, error) {
	return m.NewBatchOfSize(m.Bundle.Manifest.Input.BatchSize)
}

// NewBatchOfSize allocates a batch of size tiles.
func (m *Model) NewBatchOfSize(size int) (*Batch, error) {
	in := &m.Bundle.Manifest.Input
	n, ts := int64(size), int64(in.TileSize)
	input, err := ort.NewEmptyTensor[float32](ort.NewShape(n, 3, ts, ts))
	if err != nil {
		return nil, err
	}
	output, err := ort.NewEmptyTensor[float32](ort.NewShape(m.Bundle.Manifest.EncoderOutputShape(n)...))
	if err != nil {
		input.Destroy()
		return nil, err
	}
	return &Batch{in: input, out: output, size: int(n), tile: int(3 * ts * ts)}, nil
}

// Size is the number of tiles a batch holds.
func (b *Batch) Size() int { return b.size }

// Tile returns the float slots of tile i ([3,H,W], channel-major) to fill.
func (b *Batch) Tile(i int) []float32 { return b.in.GetData()[i*b.tile : (i+1)*b.tile] }

// Destroy releases the tensors.
func (b *Batch) Destroy() {
	b.in.Destroy()
	b.out.Destroy()
}

// Encode runs the encoder on the first n tiles of b (the rest are ignored)
// and returns n×D features, copied out of the batch.
func (m *Model) Encode(b *Batch, n int) ([]float32, error) {
	m.encMu.Lock()
	err := m.encoder.Run([]ort.Value{b.in}, []ort.Value{b.out})
	m.encMu.Unlock()
	if err != nil {
		return nil, err
	}
	man := &m.Bundle.Manifest
	d := man.Encoder.FeatureDim
	var out []float32
	if man.Encoder.Pooling != "" {
		if out, err = man.pool(b.out.GetData(), n); err != nil {
			return nil, err
		}
	} else {
		out = append([]float32(nil), b.out.GetData()[:n*d]...)
	}
	for i, v := range out {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("%s output %q is not finite (%v at tile %d)", m.Bundle.Manifest.Encoder.File, m.Bundle.Manifest.Encoder.Output, v, i/d)
		}
	}
	return out, nil
}

// Aggregate turns the features of n tiles into the slide probability of the
// positive class and one score per tile (meaning per the manifest).
func (m *Model) Aggregate(features []float32, n int) (float64, []float32, error) {
	man := &m.Bundle.Manifest
	if n == 0 {
		return 0, nil, fmt.Errorf("no tiles to aggregate")
	}
	if !man.HasHead() {
		return aggregateTiles(man, features[:n])
	}
	d := man.Encoder.FeatureDim
	in, err := ort.NewTensor(ort.NewShape(1, int64(n), int64(d)), features[:n*d])
	if err != nil {
		return 0, nil, err
	}
	defer in.Destroy()
	outs := []ort.Value{nil, nil}
	m.headMu.Lock()
	err = m.head.Run([]ort.Value{in}, outs)
	m.headMu.Unlock()
	if err != nil {
		return 0, nil, err
	}
	defer outs[0].Destroy()
	defer outs[1].Destroy()
	slide, ok1 := outs[0].(*ort.Tensor[float32])
	tiles, ok2 := outs[1].(*ort.Tensor[float32])
	if !ok1 || !ok2 {
		return 0, nil, fmt.Errorf("%s outputs are not float32 tensors", man.Head.File)
	}
	if len(slide.GetData()) != 1 {
		return 0, nil, fmt.Errorf("%s output %q has %d values, want 1", man.Head.File, man.Head.SlideOutput, len(slide.GetData()))
	}
	scores := append([]float32(nil), tiles.GetData()...)
	if len(scores) != n {
		return 0, nil, fmt.Errorf("%s output %q has %d values for %d tiles", man.Head.File, man.Head.TileOutput, len(scores), n)
	}
	p := float64(slide.GetData()[0])
	if man.Head.SlideOutputKind == "logit" {
		p = sigmoid(p)
	}
	if math.IsNaN(p) || p < 0 || p > 1 {
		return 0, nil, fmt.Errorf("%s output %q gives probability %v, not in [0,1]", man.Head.File, man.Head.SlideOutput, p)
	}
	for i, s := range scores {
		if math.IsNaN(float64(s)) || math.IsInf(float64(s), 0) {
			return 0, nil, fmt.Errorf("%s output %q is not finite (%v at tile %d)", man.Head.File, man.Head.TileOutput, s, i)
		}
	}
	return p, scores, nil
}

// aggregateTiles is the slide probability of a tile classifier: the mean of
// the tile probabilities, or the mean of the top k.
func aggregateTiles(man *Manifest, values []float32) (float64, []float32, error) {
	probs := make([]float32, len(values))
	for i, v := range values {
		p := float64(v)
		if man.Encoder.OutputKind == "logit" {
			p = sigmoid(p)
		}
		probs[i] = float32(p)
	}
	sorted := append([]float32(nil), probs...)
	if man.Head.Kind == HeadTileTopK {
		sort.Slice(sorted, func(i, j int) bool { return sorted[i] > sorted[j] })
		sorted = sorted[:min(man.Head.TopK, len(sorted))]
	}
	var sum float64
	for _, p := range sorted {
		sum += float64(p)
	}
	return sum / float64(len(sorted)), probs, nil
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
