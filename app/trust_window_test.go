package app

import (
	"image"
	"path/filepath"
	"testing"
	"time"

	"tessera/caselog"
	"tessera/cases"
	"tessera/internal/testslides"
	"tessera/internal/xvfbtest"
)

// TestRealWindowQualityControlAndEvidence opens a case of the pen-marked
// slide in a real window, analyses it, shows the quality-control layer (Q)
// and steps to the first evidence region (]): the magenta ink frames
// appear on screen, the view moves to the region, and the case log beside
// the case records the opening, the result and the evidence viewed, with
// its chain intact.
func TestRealWindowQualityControlAndEvidence(t *testing.T) {
	requireRuntime(t)
	pen := testslides.Derived(t, testslides.PenMarked)
	casePath := filepath.Join(t.TempDir(), "pen.tessera-case.json")
	if err := (&cases.Case{Schema: cases.Schema, Slides: []cases.SlideRef{{Path: pen}}}).Save(casePath); err != nil {
		t.Fatal(err)
	}
	scr, shots := launchApp(t, casePath)
	stage := image.Rect(10, 130, 880, 740)
	waitFor(t, scr, shots, "q1-opened.png", func(img image.Image) bool {
		return xvfbtest.TissueFraction(img, stage) > 0.08
	})
	scr.Do("key", "ctrl+r")
	cardArea := image.Rect(900, 250, 1280, 480)
	analysed := waitFor(t, scr, shots, "q2-analysed.png", func(img image.Image) bool {
		return xvfbtest.CountRed(img, cardArea) > 50 // the class line
	})
	magenta := func(img image.Image) int { return xvfbtest.CountNear(img, stage, 0xff, 0x00, 0xff) }
	before := magenta(analysed)
	scr.Do("mousemove", "450", "400", "key", "q")
	withQC := waitFor(t, scr, shots, "q3-quality-control.png", func(img image.Image) bool { return magenta(img) > before+2000 })
	if n := magenta(withQC); n <= before+2000 {
		t.Errorf("Q drew %d magenta pixels (%d before): no ink frames on screen", n, before)
	}
	scr.Do("key", "bracketright")
	time.Sleep(time.Second)
	region := waitFor(t, scr, shots, "q4-evidence.png", func(img image.Image) bool {
		return xvfbtest.ChangedFraction(withQC, img, stage) > 0.3
	})
	if c := xvfbtest.ChangedFraction(withQC, region, stage); c <= 0.3 {
		t.Errorf("] changed %.0f%% of the view: it did not go to the region", 100*c)
	}
	rep, err := caselog.Verify(caselog.PathFor(casePath))
	if err != nil || !rep.Intact() {
		t.Fatalf("case log: %v %s", err, rep.Summary())
	}
	var events []string
	for _, e := range rep.Entries {
		events = append(events, e.Event)
	}
	want := []string{caselog.CaseOpened, caselog.Analysis, caselog.EvidenceViewed}
	if len(events) != len(want) || events[0] != want[0] || events[1] != want[1] || events[2] != want[2] {
		t.Errorf("log events %v, want %v", events, want)
	}
	if !scr.Running() {
		t.Fatalf("the app exited; output:\n%s", scr.AppLog())
	}
}
