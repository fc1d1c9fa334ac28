package inference

import (
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// Bundles a lab installs for every user of a workstation live in a
// machine-wide folder; the model picker lists them beside the user's own.
// Preferences and caches stay per user.

// MachineBundleDirs are the machine-wide bundle folders, in the order they
// are listed: $TESSERA_BUNDLES_DIR when set (a lab's share, or tests),
// then on Linux /opt/tessera/bundles (the .deb's) and
// /usr/share/tessera/bundles, on Windows %ProgramData%\Tessera\bundles.
func MachineBundleDirs() []string {
	var dirs []string
	if d := os.Getenv("TESSERA_BUNDLES_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	switch runtime.GOOS {
	case "windows":
		if pd := os.Getenv("ProgramData"); pd != "" {
			dirs = append(dirs, filepath.Join(pd, "Tessera", "bundles"))
		}
	default:
		dirs = append(dirs, "/opt/tessera/bundles", "/usr/share/tessera/bundles")
	}
	return dirs
}

// MachineBundles lists the bundles in the machine-wide folders: each
// subfolder holding a manifest.toml and each .zip, sorted by path within
// a folder. Unreadable folders are skipped (most machines have none); a
// bundle that turns out broken is refused, with its reason, when chosen.
func MachineBundles() []string {
	var out []string
	for _, dir := range MachineBundleDirs() {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		var here []string
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			st, err := os.Stat(p) // a symbolic link to a bundle counts
			switch {
			case err != nil:
			case st.IsDir():
				if _, err := os.Stat(filepath.Join(p, "manifest.toml")); err == nil {
					here = append(here, p)
				}
			case strings.EqualFold(filepath.Ext(e.Name()), ".zip"):
				here = append(here, p)
			}
		}
		sort.Strings(here)
		out = append(out, here...)
	}
	return out
}
