package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"tessera/inference"
	"tessera/internal/testruntime"
	"tessera/internal/testslides"
)

// The section computed for the built-in model from a real slide is a valid
// [reference]: it loads, its directions are unit vectors, and the slide's
// own tiles are mostly within its 99 % distance.
func TestReferenceFromARealSlide(t *testing.T) {
	slides := testslides.Dir(t)
	testruntime.Require(t)
	var out bytes.Buffer
	cmu := filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs")
	if err := run("", false, 0, []string{cmu}, &out); err != nil {
		t.Fatal(err)
	}
	var section struct {
		Reference inference.Reference `toml:"reference"`
	}
	md, err := toml.Decode(out.String(), &section)
	if err != nil || len(md.Undecoded()) > 0 {
		t.Fatalf("%v %v\n%s", err, md.Undecoded(), out.String())
	}
	ref := section.Reference
	if ref.Tiles < 30 || len(ref.Basis) != 6 || ref.Distance99 <= 0 || !strings.Contains(ref.Description, "CMU-1-Small-Region.svs") {
		t.Errorf("reference %+v", ref)
	}
	// Appending to a bundle that has one already is refused.
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "assets", "builtin-model"))); err != nil {
		t.Fatal(err)
	}
	if err := run(dir, true, 0, []string{cmu}, &out); err == nil || !strings.Contains(err.Error(), "already has") {
		t.Errorf("append over an existing reference: %v", err)
	}
}
