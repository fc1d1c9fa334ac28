// Package testbundles generates the model bundles used by tests and
// benchmarks with the Python generators in tools/bundles, once per
// generator version, into the user's cache folder.
package testbundles

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Python is Debian's interpreter, which sees python3-torch and python3-onnx.
const Python = "/usr/bin/python3"

var generators = map[string]string{
	"resnet-abmil": "make_resnet_abmil.py",
	"nan":          "make_test_bundles.py",
	"checker":      "make_test_bundles.py",
	// ViT-S/16 encoders exporting tokens: 4 registers pooled by the patch
	// mean; class token and patch mean concatenated, weights in external data.
	"vit-s-registers": "make_vit.py",
	"vit-s-external":  "make_vit.py",
}

// generatorArgs are the further arguments of the generators that write
// one bundle into their first argument (after it).
var generatorArgs = map[string][]string{
	"vit-s-registers": {"s", "--registers", "4", "--pooling", "mean_patch"},
	"vit-s-external":  {"s", "--pooling", "cls_mean_patch", "--external"},
}

var mu sync.Mutex

// RepoRoot finds the module root (the folder with go.mod) above the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Generate returns the folder of bundle name, generating it if needed.
func Generate(name string) (string, error) {
	mu.Lock()
	defer mu.Unlock()
	script, ok := generators[name]
	if !ok {
		return "", fmt.Errorf("unknown test bundle %q", name)
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	scriptPath := filepath.Join(root, "tools", "bundles", script)
	src, err := os.ReadFile(scriptPath)
	if err != nil {
		return "", err
	}
	lib, err := os.ReadFile(filepath.Join(root, "tools", "bundles", "bundlelib.py"))
	if err != nil {
		return "", err
	}
	if strings.Contains(string(src), "from milhead import") {
		head, err := os.ReadFile(filepath.Join(root, "tools", "bundles", "milhead.py"))
		if err != nil {
			return "", err
		}
		lib = append(lib, head...)
	}
	key := append(append(append(src, lib...), referenceVersion...), strings.Join(generatorArgs[name], " ")...)
	sum := sha256.Sum256(key) // a new generator version regenerates
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	// Each script writes one bundle into its argument, or several into
	// named subfolders of it; either way bundle name ends up in out/name.
	out := filepath.Join(cache, "tessera", "test-bundles", script+"-"+hex.EncodeToString(sum[:6]))
	dir := filepath.Join(out, name)
	if _, err := os.Stat(filepath.Join(dir, "manifest.toml")); err == nil {
		return dir, nil
	}
	target := out
	if _, own := generatorArgs[name]; own || name == "resnet-abmil" {
		target = dir
	}
	cmd := exec.Command(Python, append([]string{scriptPath, target}, generatorArgs[name]...)...)
	cmd.Dir = filepath.Dir(scriptPath) // the generators import bundlelib
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("generating test bundle %s with %s: %v\n%s", name, script, err, b)
	}
	if name == "resnet-abmil" {
		if err := addReference(root, dir); err != nil {
			os.RemoveAll(dir)
			return "", err
		}
	}
	return dir, nil
}

// referenceVersion names how the ResNet bundle's [reference] is made (part
// of the cache key).
const referenceVersion = "reference 2: tools/reference (cross-fitted) on CMU-1-Small-Region"

// addReference appends the [reference] section computed by tools/reference
// on CMU-1-Small-Region to the bundle at dir, when the shared slides are
// beside the repository (without them the bundle has none).
func addReference(root, dir string) error {
	cmu := filepath.Join(root, "..", "shared", "slides", "aperio", "CMU-1-Small-Region.svs")
	if v := os.Getenv("TESSERA_SHARED_SLIDES"); v != "" {
		cmu = filepath.Join(v, "aperio", "CMU-1-Small-Region.svs")
	}
	if _, err := os.Stat(cmu); err != nil {
		return nil
	}
	cmd := exec.Command("go", "run", "./tools/reference", "-model", dir, "-append", cmu)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("computing the test bundle's reference: %v\n%s", err, b)
	}
	return nil
}

// Path returns the folder of bundle name for a test, or skips the test (fails
// under TESSERA_REQUIRE_ORT=1) when the generator cannot run here.
func Path(t testing.TB, name string) string {
	t.Helper()
	dir, err := Generate(name)
	if err != nil {
		if os.Getenv("TESSERA_REQUIRE_ORT") == "1" {
			t.Fatal(err)
		}
		t.Skipf("test bundle unavailable (needs python3-onnx and python3-torch; ./test.sh installs them): %v", err)
	}
	return dir
}

// WithOtherHead returns a copy of the bundle at src whose head's weights
// are scaled by factor (tools/bundles/vary_head.py): the same encoder
// bytes, another head, another bundle sha256. Made once per source and
// factor in t's temporary folder; skips like Path when python3-onnx is
// missing.
func WithOtherHead(t testing.TB, src string, factor float64) string {
	t.Helper()
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "other-head")
	cmd := exec.Command(Python, filepath.Join(root, "tools", "bundles", "vary_head.py"), src, out, fmt.Sprint(factor))
	if b, err := cmd.CombinedOutput(); err != nil {
		if os.Getenv("TESSERA_REQUIRE_ORT") == "1" {
			t.Fatalf("making a bundle with another head: %v\n%s", err, b)
		}
		t.Skipf("a bundle with another head cannot be made here (needs python3-onnx): %v\n%s", err, b)
	}
	return out
}
