package inference

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"tessera/internal/testslides"
	"tessera/slide"
)

// A slide's thumbnail is read once and then comes from the cache with the
// same bits; a damaged file is read again and replaced; clearing the cache
// removes it.
func TestThumbnailCache(t *testing.T) {
	s, err := slide.Open(filepath.Join(testslides.Dir(t), "aperio", "CMU-1-Small-Region.svs"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := &ResultCache{Dir: t.TempDir()}
	want, wantDS, err := slide.ReadThumbnail(s, 700)
	if err != nil {
		t.Fatal(err)
	}
	first, ds1, err := c.Thumbnail(s, 700)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(c.Dir, "thumb-*-700.png"))
	if len(files) != 1 {
		t.Fatalf("kept %v", files)
	}
	second, ds2, err := c.Thumbnail(s, 700)
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []struct {
		pix []byte
		ds  float64
	}{{first.Pix, ds1}, {second.Pix, ds2}} {
		if !bytes.Equal(got.pix, want.Pix) || got.ds != wantDS {
			t.Fatal("a cached thumbnail differs from reading the slide")
		}
	}
	os.WriteFile(files[0], []byte("\x89PNG damaged"), 0o644)
	again, _, err := c.Thumbnail(s, 700)
	if err != nil || !bytes.Equal(again.Pix, want.Pix) {
		t.Fatalf("after damage: %v", err)
	}
	if n, _, _ := c.Usage(); n != 1 {
		t.Errorf("usage counts %d files", n)
	}
	if err := c.Clear(); err != nil {
		t.Fatal(err)
	}
	if files, _ := filepath.Glob(filepath.Join(c.Dir, "*")); len(files) != 0 {
		t.Errorf("left after clearing: %v", files)
	}
}
