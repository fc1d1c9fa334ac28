// Package testruntime lets tests that need ONNX Runtime skip with the
// reason where it is missing, or fail where TESSERA_REQUIRE_ORT=1 (test.sh).
package testruntime

import (
	"os"
	"testing"

	"tessera/inference"
)

// Require skips tb (or fails it under TESSERA_REQUIRE_ORT=1) when the ONNX
// Runtime library cannot be loaded.
func Require(tb testing.TB) {
	tb.Helper()
	if _, err := inference.InitRuntime(); err != nil {
		if os.Getenv("TESSERA_REQUIRE_ORT") == "1" {
			tb.Fatal(err)
		}
		tb.Skip(err)
	}
}
