package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/test"

	"tessera/cases"
	"tessera/internal/testslides"
	"tessera/viewer"
)

// Presentation mode hides chrome and everything that identifies the
// patient: no file names or paths, no label or macro images.
func TestPresentationIsDeidentified(t *testing.T) {
	slides := sharedSlides(t)
	requireRuntime(t)
	ui := newTestUI(t)
	ui.results.Dir = t.TempDir()
	ui.OpenPaths([]string{filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"), filepath.Join(slides, "hamamatsu", "test3-DAPI-2-387.ndpi")})
	settle(ui)
	ui.tabs.SelectIndex(0)
	analyse(t, ui.current())
	ui.desk.session.Label = "Board case 3"
	ui.handleWindowKey(&fyne.KeyEvent{Name: fyne.KeyF5})
	if ui.presenting == nil || ui.win.MainMenu() != nil {
		t.Fatal("F5 did not enter presentation mode, or the menu is still shown")
	}
	check := func(wantSlide string) {
		t.Helper()
		markup := test.RenderToMarkup(ui.win.Canvas())
		for _, private := range []string{"CMU-1-Small-Region", "test3-DAPI", slides, "Properties", "Analyze"} {
			if strings.Contains(markup, private) {
				t.Errorf("presentation shows %q", private)
			}
		}
		for _, want := range []string{wantSlide, "Board case 3"} {
			if !strings.Contains(markup, want) {
				t.Errorf("presentation lacks %q", want)
			}
		}
		images := 0
		walk(ui.win.Content(), func(o fyne.CanvasObject) {
			if img, ok := o.(*canvas.Image); ok && img.Visible() {
				images++
			}
		})
		if images == 0 {
			t.Error("no slide tiles drawn")
		}
	}
	check("Slide 1 of 2")
	if !strings.Contains(test.RenderToMarkup(ui.win.Canvas()), "High score on the demonstration model") {
		t.Error("the card's class is not shown")
	}
	// Legible from the back of a room: the legend's and the scale bar's
	// text are at least 24 px at scale 1 (1080p).
	walk(ui.win.Content(), func(o fyne.CanvasObject) {
		if tx, ok := o.(*canvas.Text); ok && tx.Visible() && tx.Text != "" && tx.TextSize < 24 {
			t.Errorf("presentation text %q is %.0f px, want ≥ 24", tx.Text, tx.TextSize)
		}
	})
	p2 := ui.panes[ui.tabs.Items[1]]
	p2.view.SetView(viewer.Level0Point{X: 100, Y: 100}, 1) // left zoomed in
	ui.handleWindowKey(&fyne.KeyEvent{Name: fyne.KeyPageDown})
	check("Slide 2 of 2")
	if !p2.view.Viewport().Fitted {
		t.Error("the next slide is not fitted when shown")
	}
	ui.handleWindowKey(&fyne.KeyEvent{Name: fyne.KeyPageDown}) // past the last
	if ui.current() != p2 || !strings.Contains(test.RenderToMarkup(ui.win.Canvas()), "This is the last slide (2 of 2)") {
		t.Error("Page Down on the last slide did not stay and say so")
	}
	ui.showIdentifiers = true
	ui.handleWindowKey(&fyne.KeyEvent{Name: fyne.KeyPageUp})
	if !strings.Contains(test.RenderToMarkup(ui.win.Canvas()), "CMU-1-Small-Region.svs") {
		t.Error("file names not shown after the user turned them on")
	}
	ui.handleWindowKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if ui.presenting != nil || ui.win.MainMenu() == nil {
		t.Error("Esc did not leave presentation mode")
	}
}

// Saved views return to their place, zoom and heatmap look, and survive a
// case file round trip.
func TestSavedViewsAndCaseFile(t *testing.T) {
	slides := sharedSlides(t)
	ui := newTestUI(t)
	ui.OpenPaths([]string{filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"), filepath.Join(slides, "generic", "openslide-python-boxes.tiff")})
	settle(ui)
	ui.tabs.SelectIndex(0)
	p := ui.current()
	p.view.SetView(p.view.Viewport().Center, 0.5)
	p.analysis.layers.opacity.SetValue(0.3)
	p.view.SetDisplay(viewer.Display{Brightness: 0.2, Contrast: 1.1, Gamma: 1})
	ui.handleWindowRune('r') // rotated a quarter turn clockwise
	want := p.view.Viewport()
	ui.desk.saveView(p, "nerve")
	p.view.SetDisplay(viewer.Display{})
	ui.handleWindowRune('R')
	if p.view.Rotation() != 0 {
		t.Errorf("Shift+R did not turn the view back: rotation %d", p.view.Rotation())
	}
	ui.tabs.SelectIndex(1)
	ui.current().view.Fit()
	ui.handleWindowRune('n')
	if ui.current() != p || p.view.Viewport().Center != want.Center || p.view.Viewport().Downsample != want.Downsample {
		t.Errorf("N did not return to the saved view: %+v", p.view.Viewport())
	}
	if !strings.Contains(p.status.Text, `saved view "nerve" (1 of 1)`) {
		t.Errorf("N does not name the saved view: status %q", p.status.Text)
	}
	if p.view.Rotation() != 1 || !strings.Contains(p.status.Text, "rotated 90°") {
		t.Errorf("the saved view's rotation was not restored: %d, status %q", p.view.Rotation(), p.status.Text)
	}
	if d := p.view.Display(); d.Brightness != 0.2 || d.Contrast != 1.1 {
		t.Errorf("display %+v, want the saved brightness and contrast", d)
	}
	if p.analysis.layers.opacity.Value != 0.3 {
		t.Errorf("opacity %v, want the saved 0.3", p.analysis.layers.opacity.Value)
	}
	ui.desk.session.Label = "Case 9"
	path := filepath.Join(t.TempDir(), "board"+cases.Extension)
	ui.desk.saveCaseTo(path)
	if !strings.Contains(ui.current().status.Text, "Case saved to "+filepath.Base(path)) {
		t.Errorf("saving did not confirm where the case went: %q", ui.current().status.Text)
	}
	c, err := cases.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Label != "Case 9" || len(c.Slides) != 2 || len(c.Views) != 1 || c.Views[0].Name != "nerve" || c.Views[0].Heatmap.Opacity != 0.3 ||
		c.Views[0].Display == nil || c.Views[0].Display.Brightness != 0.2 {
		t.Errorf("case file %+v", c)
	}
	// Re-open as the command line (a double-click) does: slides, label and
	// views come back, as a case.
	ui.OpenArgs([]string{path})
	settle(ui)
	if len(ui.tabs.Items) != 2 || ui.desk.session.Label != "Case 9" || len(ui.desk.session.Views) != 1 || !ui.desk.session.IsCase {
		t.Errorf("re-opened case: %d slides, label %q, %d views", len(ui.tabs.Items), ui.desk.session.Label, len(ui.desk.session.Views))
	}
	// A damaged case file is reported and nothing is closed or changed.
	data, _ := os.ReadFile(path)
	os.WriteFile(path, data[:len(data)/3], 0o644)
	ui.OpenCase(path)
	settle(ui)
	if len(ui.tabs.Items) != 2 || !strings.Contains(test.RenderToMarkup(ui.win.Canvas()), "damaged") {
		t.Error("a damaged case file was not reported, or the open slides were closed")
	}
	if after, _ := os.ReadFile(path); len(after) != len(data)/3 {
		t.Error("the damaged file was changed")
	}
}

// Two tabs opened one by one are not a patient: no patient-level line. Once
// they are made a case (labelled), each card shows the patient-level result
// by the manifest's rule (the highest probability) and each slide's class;
// a slide analysed with another model withdraws it and says which is which.
func TestPatientLevelResult(t *testing.T) {
	slides := sharedSlides(t)
	requireRuntime(t)
	ui := newTestUI(t)
	ui.results.Dir = t.TempDir()
	ui.OpenPaths([]string{filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"), filepath.Join(slides, "hamamatsu", "test3-DAPI-2-387.ndpi")})
	settle(ui)
	for i := range ui.tabs.Items {
		ui.tabs.SelectIndex(i)
		analyse(t, ui.current())
	}
	card := ui.current().analysis.card.patient
	if card.Text != "" || card.Visible() {
		t.Fatalf("two unrelated tabs got a patient line: %q", card.Text)
	}
	ui.desk.session.Label, ui.desk.session.IsCase = "Board 1", true // what File ▸ Case Label… does
	ui.desk.updatePatientResult()
	text := card.Text
	// The DAPI fluorescence slide's result is withheld from the H&E model:
	// no patient result, and no probability for that slide.
	p1 := ui.panes[ui.tabs.Items[1]]
	if !p1.ref.Result.Withheld() || !strings.Contains(text, "the result of slide 2 is withheld") ||
		strings.Contains(text, fmt.Sprintf("p = %.3f", p1.ref.Result.Probability)) {
		t.Errorf("patient line with a withheld slide: %q", text)
	}
	if !strings.HasPrefix(p1.analysis.card.verdict.Text, "RESULT WITHHELD") || p1.analysis.card.reveal.Hidden ||
		strings.Contains(p1.analysis.card.detail.Text, "Probability") {
		t.Errorf("withheld card: verdict %q, detail %q", p1.analysis.card.verdict.Text, p1.analysis.card.detail.Text)
	}
	p1.analysis.confirmReveal()
	ui.dialog.(*dialog.ConfirmDialog).Confirm()
	if !strings.Contains(p1.analysis.card.class.Text, "withheld result, shown on request") {
		t.Errorf("revealed class %q", p1.analysis.card.class.Text)
	}
	// A brightfield second slide (here slide 1's result at another
	// probability): the patient result by the manifest's rule.
	p0 := ui.panes[ui.tabs.Items[0]]
	r0 := p0.ref.Result
	second := *r0
	second.Probability = r0.Probability / 2
	settle(ui) // no hand-over may run beside the widgets this test drives (Fyne's test driver)
	p1.analysis.showResult(&second)
	text = card.Text
	r1 := &second
	want := max(r0.Probability, r1.Probability)
	for _, w := range []string{"highest slide probability of 2 slides", fmt.Sprintf("p = %.3f", want), "Slide 1:", "Slide 2:", r0.Model.Name} {
		if !strings.Contains(text, w) {
			t.Errorf("patient line %q lacks %q", text, w)
		}
	}
	other := *r0
	other.Model.Name, other.Model.Version, other.Model.SHA256 = "Relapse bundle", "2.0", strings.Repeat("c", 64)
	p0.analysis.showResult(&other)
	text = card.Text
	for _, w := range []string{"No patient-level result", "slide 1 with Relapse bundle 2.0", "slide 2 with " + r1.Model.Name} {
		if !strings.Contains(text, w) {
			t.Errorf("mixed models: patient line %q lacks %q", text, w)
		}
	}
	if strings.Contains(text, fmt.Sprintf("p = %.3f\n", want)) || strings.Contains(text, "Patient (") {
		t.Errorf("mixed models still give a patient result: %q", text)
	}
}

// Opening a case over open slides asks first, and says what would be lost.
func TestOpeningACaseAsksBeforeClosingSlides(t *testing.T) {
	slides := sharedSlides(t)
	ui := newTestUI(t)
	ui.OpenPath(filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"))
	settle(ui)
	ui.current().analysis.setUserMPP(0.3)
	opened := false
	ui.confirmReplaceCase(func() { opened = true })
	if opened || !ui.dialogOpen() {
		t.Fatal("the open slides would be closed without asking")
	}
	markup := strings.Join(strings.Fields(test.RenderToMarkup(ui.win.Canvas())), " ")
	if !strings.Contains(markup, "entered by hand for slide 1 is not saved") {
		t.Errorf("the question does not warn about the hand-entered µm/px:\n%s", markup)
	}
	ui.dialog.(*dialog.ConfirmDialog).Confirm()
	if !opened {
		t.Error("confirming did not open the case")
	}
}

// Presentation mode shows the patient line under the card, and N starts
// the storyboard at view 1 whatever was shown before.
func TestPresentationPatientLineAndFirstView(t *testing.T) {
	ui, _, panes := openAnalysedCase(t, testslides.Sharp)
	ui.tabs.SelectIndex(0)
	ui.desk.saveView(panes[0], "first")
	ui.desk.saveView(panes[0], "second")
	ui.goToView(0) // the next N would go to view 2
	ui.startPresentation()
	defer ui.stopPresentation()
	markup := test.RenderToMarkup(ui.win.Canvas())
	if !strings.Contains(markup, "Patient (") || !strings.Contains(markup, "of 2 slides") {
		t.Error("presentation mode does not show the patient line")
	}
	ui.handleWindowRune('n')
	if ui.presenting.caption != ui.desk.session.Views[0].CaptionText() || ui.desk.nextView != 1 {
		t.Errorf("N in a new presentation showed %q (next %d), not view 1", ui.presenting.caption, ui.desk.nextView)
	}
}
