package cases

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "b.ndpi")
	c := &Case{Label: "Tumour board 12", Slides: []SlideRef{{Path: filepath.Join(dir, "slides", "a.svs"), MPP: 0.25}, {Path: outside}},
		Views: []SavedView{{Name: "invasive front", Slide: 1, CenterX: 100, CenterY: 200, Downsample: 1.5,
			Heatmap: Layer{Visible: true, Opacity: 0.4, Colormap: "inferno", Threshold: 0.3, Smooth: true}}}}
	path := filepath.Join(dir, "case"+Extension)
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), dir+"/slides") {
		t.Errorf("a slide inside the case folder is stored with an absolute path:\n%s", data)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Label != c.Label || got.Slides[0].Path != c.Slides[0].Path || got.Slides[1].Path != outside ||
		got.Slides[0].MPP != 0.25 || len(got.Views) != 1 || !reflect.DeepEqual(got.Views[0], c.Views[0]) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, c)
	}
}

// A side by side is kept: the other slide's path relative like the slide's,
// the transform and landmarks as they were; bad ones are refused.
func TestSideBySideRoundTrip(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.svs"), filepath.Join(dir, "ihc", "b.svs")
	sb := &SideBySide{With: b, Lock: LockLandmarks, Transform: []float64{0, 1.5, 800, 200}, Landmarks: [][4]float64{{1, 2, 3, 4}, {5, 6, 7, 8}}}
	c := &Case{Slides: []SlideRef{{Path: a, SideBySide: sb}, {Path: b, SideBySide: &SideBySide{Lock: LockPosition}}}}
	path := filepath.Join(dir, "case"+Extension)
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); strings.Contains(string(data), dir) {
		t.Errorf("the other slide is stored with an absolute path:\n%s", data)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Slides[0].SideBySide, sb) || got.Slides[1].SideBySide.With != "" || sb.With != b {
		t.Errorf("round trip: %+v, want %+v", got.Slides[0].SideBySide, sb)
	}
	for _, bad := range []*SideBySide{{Lock: "glued"}, {Lock: LockOffset}, {Lock: LockLandmarks, Transform: []float64{0, 0, 1, 1}}} {
		c := &Case{Slides: []SlideRef{{Path: a, SideBySide: bad}}}
		if err := c.Save(filepath.Join(dir, "bad"+Extension)); err == nil {
			t.Errorf("%+v was saved", bad)
		}
	}
}

func TestDamagedCaseIsReportedAndKept(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "case"+Extension)
	c := &Case{Slides: []SlideRef{{Path: "/x/a.svs"}}}
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	truncated := data[:len(data)/2]
	os.WriteFile(path, truncated, 0o644)
	_, err := Load(path)
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "was not changed") {
		t.Fatalf("error %v, want ErrDamaged saying the file was kept", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(truncated) {
		t.Error("loading a damaged case changed the file")
	}
	for _, bad := range []string{`{"schema": 2, "slides": [{"path": "a"}]}`, `{"schema": 1, "slides": []}`,
		`{"schema": 1, "slides": [{"path": "a"}], "views": [{"name": "v", "slide": 3, "downsample": 1}]}`,
		`{"schema": 1, "slides": [{"path": "a"}], "patient_name": "x"}`} {
		os.WriteFile(path, []byte(bad), 0o644)
		if _, err := Load(path); !errors.Is(err, ErrDamaged) {
			t.Errorf("%s: %v, want ErrDamaged", bad, err)
		}
	}
}

func TestFromFolder(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"b.ndpi", "a.svs", "notes.txt", "c.TIFF"} {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644)
	}
	c, err := FromFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range c.Slides {
		names = append(names, filepath.Base(s.Path))
	}
	if strings.Join(names, ",") != "a.svs,b.ndpi,c.TIFF" {
		t.Errorf("slides %v", names)
	}
	if c.Label != "" {
		t.Error("a label was invented")
	}
	if _, err := FromFolder(t.TempDir()); err == nil {
		t.Error("an empty folder made a case")
	}
}

// DICOM: the .dcm files of the folder are one slide (the folder), and each
// subfolder of .dcm files is one slide; other subfolders are not slides.
func TestFromFolderGroupsDICOM(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "series2"), 0o755)
	os.Mkdir(filepath.Join(dir, "notes"), 0o755)
	for _, n := range []string{"level-0.dcm", "level-1.DCM", "a.svs", "series2/x.dcm", "notes/n.txt"} {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644)
	}
	c, err := FromFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range c.Slides {
		rel, _ := filepath.Rel(dir, s.Path)
		got = append(got, rel)
	}
	if strings.Join(got, ",") != ".,a.svs,series2" {
		t.Errorf("slides %v", got)
	}
}

// DICOM files are known by their content: a subfolder of files named by
// their UIDs (no ".dcm") is a slide; a folder of other files is not.
func TestFromFolderFindsDICOMWithoutExtension(t *testing.T) {
	dir := t.TempDir()
	dicomHeader := append(make([]byte, 128), "DICM"...)
	os.Mkdir(filepath.Join(dir, "series"), 0o755)
	os.Mkdir(filepath.Join(dir, "other"), 0o755)
	os.WriteFile(filepath.Join(dir, "series", "1.2.826.0.1.3680043.8.498.1"), dicomHeader, 0o644)
	os.WriteFile(filepath.Join(dir, "other", "IMG0001"), []byte("not dicom"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.svs"), []byte("x"), 0o644)
	c, err := FromFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range c.Slides {
		rel, _ := filepath.Rel(dir, s.Path)
		got = append(got, rel)
	}
	if strings.Join(got, ",") != "b.svs,series" {
		t.Errorf("slides %v, want b.svs and the DICOM series folder", got)
	}
}

func TestPatientProbability(t *testing.T) {
	p := []float64{0.2, 0.7, 0.4}
	if got := PatientProbability("max", p); got != 0.7 {
		t.Errorf("max %v", got)
	}
	if got := PatientProbability("", p); got != 0.7 {
		t.Errorf("default %v, want max", got)
	}
	if got := PatientProbability("mean", p); got < 0.4333 || got > 0.4334 {
		t.Errorf("mean %v", got)
	}
}
