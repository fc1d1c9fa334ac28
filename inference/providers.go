package inference

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	ort "github.com/yalue/onnxruntime_go"
)

// Provider names an ONNX Runtime execution provider.
type Provider string

// Execution providers Tessera can ask for. ProviderAuto tries the
// accelerators this OS may have and falls back to the CPU.
const (
	ProviderAuto     Provider = "auto"
	ProviderCPU      Provider = "cpu"
	ProviderCUDA     Provider = "cuda"
	ProviderTensorRT Provider = "tensorrt"
	ProviderCoreML   Provider = "coreml"
	ProviderDirectML Provider = "directml"
)

// ParseProvider validates a --ep value.
func ParseProvider(s string) (Provider, error) {
	switch p := Provider(strings.ToLower(strings.TrimSpace(s))); p {
	case ProviderAuto, ProviderCPU, ProviderCUDA, ProviderTensorRT, ProviderCoreML, ProviderDirectML:
		return p, nil
	case "":
		return ProviderAuto, nil
	}
	return "", fmt.Errorf("unknown execution provider %q: use auto, cpu, cuda, tensorrt, coreml or directml", s)
}

// candidates lists the providers to try for a request, best first; the CPU
// is always last.
func (p Provider) candidates() []Provider {
	if p != ProviderAuto {
		if p == ProviderCPU {
			return []Provider{ProviderCPU}
		}
		return []Provider{p, ProviderCPU}
	}
	switch runtime.GOOS {
	case "darwin":
		return []Provider{ProviderCoreML, ProviderCPU}
	case "windows":
		return []Provider{ProviderCUDA, ProviderDirectML, ProviderCPU}
	}
	return []Provider{ProviderCUDA, ProviderCPU}
}

// providerMissing says why provider p cannot work with the loaded runtime
// library, or "" when it may. CUDA and TensorRT live in plugin libraries
// beside libonnxruntime (absent from the CPU build); CoreML exists only on
// macOS and DirectML only on Windows. Checking first keeps ONNX Runtime from
// logging load failures for providers that cannot be there.
func providerMissing(p Provider) string {
	info, _ := InitRuntime()
	dir := filepath.Dir(info.Path)
	plugin := func(base string) string {
		name := "libonnxruntime_providers_" + base + ".so"
		if runtime.GOOS == "windows" {
			name = "onnxruntime_providers_" + base + ".dll"
		}
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return fmt.Sprintf("this ONNX Runtime build has no %s provider (%s not found beside %s)", base, name, filepath.Base(info.Path))
		}
		return ""
	}
	switch p {
	case ProviderCUDA:
		return plugin("cuda")
	case ProviderTensorRT:
		return plugin("tensorrt")
	case ProviderCoreML:
		if runtime.GOOS != "darwin" {
			return "CoreML exists only on macOS"
		}
	case ProviderDirectML:
		if runtime.GOOS != "windows" {
			return "DirectML exists only on Windows"
		}
	}
	return ""
}

// sessionOptions builds session options that attach provider p, with
// intra-op threads fitted to the machine. The caller owns the options and
// must Destroy them.
func sessionOptions(p Provider, threads int) (*ort.SessionOptions, error) {
	o, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*ort.SessionOptions, error) {
		o.Destroy()
		return nil, err
	}
	if threads > 0 {
		if err := o.SetIntraOpNumThreads(threads); err != nil {
			return fail(err)
		}
		if err := o.SetInterOpNumThreads(1); err != nil {
			return fail(err)
		}
	}
	// Idle ORT threads sleep instead of spinning: the tile readers need the
	// same cores while the encoder waits for the next batch.
	if err := o.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"); err != nil {
		return fail(err)
	}
	switch p {
	case ProviderCUDA:
		cuda, err := ort.NewCUDAProviderOptions()
		if err != nil {
			return fail(err)
		}
		defer cuda.Destroy()
		if err := o.AppendExecutionProviderCUDA(cuda); err != nil {
			return fail(err)
		}
	case ProviderTensorRT:
		trt, err := ort.NewTensorRTProviderOptions()
		if err != nil {
			return fail(err)
		}
		defer trt.Destroy()
		if err := o.AppendExecutionProviderTensorRT(trt); err != nil {
			return fail(err)
		}
	case ProviderCoreML:
		if err := o.AppendExecutionProviderCoreMLV2(map[string]string{}); err != nil {
			return fail(err)
		}
	case ProviderDirectML:
		if err := o.AppendExecutionProviderDirectML(0); err != nil {
			return fail(err)
		}
	}
	return o, nil
}

// withSession creates a session through the first provider among p's
// candidates that works; it returns the provider used and, when that is not
// what was asked for, a note saying why (shown to the user and stored in
// results). create receives options the caller must not keep.
func withSession[S any](p Provider, threads int, create func(*ort.SessionOptions) (S, error)) (S, Provider, string, error) {
	var zero S
	var notes []string
	for _, c := range p.candidates() {
		if why := providerMissing(c); why != "" {
			notes = append(notes, fmt.Sprintf("%s unavailable: %s", c, why))
			continue
		}
		o, err := sessionOptions(c, threads)
		if err == nil {
			var s S
			s, err = create(o)
			o.Destroy()
			if err == nil {
				note := ""
				switch {
				case len(notes) > 0 && p == ProviderAuto:
					note = "no GPU execution provider available; running on the CPU"
				case len(notes) > 0:
					note = strings.Join(notes, "; ") + "; running on the CPU"
				}
				return s, c, note, nil
			}
		}
		if c == ProviderCPU {
			return zero, "", "", err
		}
		notes = append(notes, fmt.Sprintf("%s unavailable: %s", c, providerFailure(c, err)))
	}
	return zero, "", "", fmt.Errorf("no execution provider could run the model")
}

// providerFailure says in words why a provider could not make a session.
// DirectML reports a missing or unusable DirectX 12 adapter as a source
// path, an address and a DXGI code (0x887A…): said as what it means, with
// the code kept for IT.
func providerFailure(p Provider, err error) string {
	full := err.Error()
	if p == ProviderDirectML {
		if i := strings.Index(full, "887A"); i >= 0 && i+8 <= len(full) {
			return "no DirectX 12 graphics adapter could be used (DXGI error 0x" + full[i:i+8] + ")"
		}
	}
	return firstLine(full)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
