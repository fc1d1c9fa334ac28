//go:build !unix

package caselog

import "os"

// lockFile does nothing where flock is missing (Windows): two programs
// appending at the same instant could then break the chain, which Verify
// would report.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) {}
