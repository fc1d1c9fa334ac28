package inference

import "os"

// requireORT reports whether tests must fail, not skip, without ONNX Runtime.
func requireORT() bool { return os.Getenv("TESSERA_REQUIRE_ORT") == "1" }
