package inference

import (
	"errors"
	"strings"
	"testing"
)

// DirectML's failure without a DirectX 12 adapter (as ONNX Runtime's
// Windows build reports it under Wine) is said in words, its DXGI code kept;
// other failures keep their first line, bounded.
func TestProviderFailureInWords(t *testing.T) {
	dml := errors.New(`N:\_work\1\s\onnxruntime\core\providers\dml\dml_provider_factory.cc(512)\onnxruntime.dll!000000018068CBD0: (caller: 000000018068CF0A) Exception(1) tid(24) 887A0004 The specified device interface or feature level is not supported on this system.`)
	if got := providerFailure(ProviderDirectML, dml); got != "no DirectX 12 graphics adapter could be used (DXGI error 0x887A0004)" {
		t.Errorf("%q", got)
	}
	long := errors.New(strings.Repeat("x", 500) + "\nsecond line")
	if got := providerFailure(ProviderCUDA, long); len(got) > 210 || strings.Contains(got, "second") {
		t.Errorf("%d bytes: %q", len(got), got)
	}
}
