package app

import (
	"context"
	"image"
	"os/exec"
	"path/filepath"
	"strings"
	"tessera/internal/xvfbtest"
	"testing"

	"tessera/report"
)

func TestExportsFromTheWindow(t *testing.T) {
	slides := sharedSlides(t)
	requireRuntime(t)
	ui := newTestUI(t)
	ui.results.Dir = t.TempDir()
	ui.OpenPaths([]string{filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"), filepath.Join(slides, "generic", "openslide-python-boxes.tiff")})
	settle(ui)
	if _, _, err := ui.reportCase(); err == nil || !strings.Contains(err.Error(), "no slide is analysed") {
		t.Errorf("report without results: %v", err)
	}
	ui.tabs.SelectIndex(0)
	p := ui.current()
	analyse(t, p)

	img, err := ui.annotatedSnapshot(context.Background(), p, 800, 600)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != image.Rect(0, 0, 800, 600) {
		t.Fatalf("snapshot size %v", img.Bounds())
	}
	if xvfbtest.CountRed(img, image.Rect(300, 400, 800, 600)) < 30 {
		t.Error("no case card burned into the snapshot")
	}
	if xvfbtest.CountNear(img, image.Rect(0, 0, 300, 90), 0xfd, 0xe7, 0x25) < 10 {
		t.Error("no legend burned into the snapshot")
	}

	ui.desk.session.Label = "Export test"
	rc, missing, err := ui.reportCase()
	if err != nil || len(rc.Slides) != 1 || len(missing) != 1 || missing[0] != "slide 2" {
		t.Fatalf("report case: %d slides, missing %v, %v", len(rc.Slides), missing, err)
	}
	out := filepath.Join(t.TempDir(), "r.pdf")
	if err := report.WritePDF(out, rc); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		text, _ := exec.Command("pdftotext", out, "-").Output()
		if !strings.Contains(string(text), "Export test") || strings.Contains(string(text), slides) {
			t.Error("report from the window lacks the label or leaks a path")
		}
	}
}
