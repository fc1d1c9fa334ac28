package slide

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Every reader's file names are slide names, and every slide name is some
// reader's: one list for dialogs, folders and the dispatcher.
func TestEveryReadersFormatsAreSlideNames(t *testing.T) {
	var union []string
	for _, r := range readers {
		for _, ext := range r.extensions {
			if !IsSlideName("x" + ext) {
				t.Errorf("%s reads %s files, which are not in Extensions", r.name, ext)
			}
			union = append(union, filepath.Ext(ext))
		}
	}
	for _, ext := range Extensions {
		if !slices.Contains(union, ext) {
			t.Errorf("%s is in Extensions but no reader reads it", ext)
		}
	}
}

// Every shared slide that opens is a slide by name, and every folder of
// them lists it (a DICOM series once, the QPTIFF included); a broken file
// gives an error that names it without its folder.
func TestSlideFilesAreFoundAndNamed(t *testing.T) {
	dir := sharedSlides(t)
	folders, _ := os.ReadDir(dir)
	for _, folder := range folders {
		if !folder.IsDir() {
			continue
		}
		sub := filepath.Join(dir, folder.Name())
		listed, err := SlidesIn(sub)
		if err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join(sub, "*"))
		for _, f := range files {
			if st, err := os.Stat(f); err != nil || st.IsDir() {
				continue
			}
			s, err := Open(f)
			if err != nil {
				if folder.Name() != "broken" && !errors.Is(err, ErrUnsupported) {
					t.Errorf("%s: %v", f, err)
				}
				if strings.Contains(err.Error(), dir) {
					t.Errorf("the error about %s names its folder: %v", filepath.Base(f), err)
				}
				continue
			}
			s.Close()
			if IsDICOMFile(f) {
				if !slices.Contains(listed, sub) {
					t.Errorf("%s: the DICOM file opens but its folder is not listed as a slide: %v", f, listed)
				}
				continue
			}
			if !IsSlideName(f) || !slices.Contains(listed, f) {
				t.Errorf("%s opens but is not listed as a slide file (%v)", filepath.Base(f), listed)
			}
		}
	}
	// A series is one slide: the folder of two DICOM files is listed once
	// from its parent.
	parent, _ := SlidesIn(filepath.Join(dir, "dicom"))
	if n := len(slices.DeleteFunc(slices.Clone(parent), func(p string) bool { return filepath.Base(p) != "openslide-python-boxes" })); n != 1 {
		t.Errorf("the two-file DICOM series listed %d times from its parent: %v", n, parent)
	}
}

// A slide cut short (a copy interrupted) is damaged, said as incomplete.
func TestCutShortSlideIsIncomplete(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sharedSlides(t), "aperio", "CMU-1-Small-Region.svs"))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.svs")
	os.WriteFile(cut, data[:len(data)/2], 0o644)
	_, err = Open(cut)
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "incomplete") || strings.Contains(err.Error(), filepath.Dir(cut)) {
		t.Errorf("a slide cut in half: %v", err)
	}
}
