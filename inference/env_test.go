package inference

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
)

// requireORT reports whether tests must fail, not skip, without ONNX Runtime.
func requireORT() bool { return os.Getenv("TESSERA_REQUIRE_ORT") == "1" }

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
