package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"go.uber.org/goleak"

	"tessera/cases"
	"tessera/heatmap"
	"tessera/inference"
	"tessera/internal/testbundles"
	"tessera/internal/testslides"
	"tessera/viewer"
)

// openForAnalysis opens the shared slide folder/name in a test window whose
// results go to a temporary cache, and returns the window and the pane.
func openForAnalysis(t *testing.T, folder, name string) (*UI, *slidePane) {
	t.Helper()
	slides := sharedSlides(t)
	requireRuntime(t)
	ui := newTestUI(t)
	ui.results.Dir = t.TempDir()
	ui.OpenPath(filepath.Join(slides, folder, name))
	settle(ui)
	return ui, ui.current()
}

// analyse runs the pane's analysis to the end and waits for the pane's
// background work it started. In Fyne's test driver, fyne.Do runs on the
// calling goroutine, so the run's done channel is what orders the UI
// updates before the test's reads.
func analyse(t testing.TB, p *slidePane) {
	t.Helper()
	p.analysis.start()
	run := p.analysis.run
	if run == nil {
		t.Fatal("no analysis started")
	}
	select {
	case <-run.done:
	case <-time.After(2 * time.Minute):
		t.Fatal("analysis did not finish")
	}
	p.work.wg.Wait() // the work the result started (model check, cached lookups)
}

func TestAnalysisPanelCardAndControls(t *testing.T) {
	slides := sharedSlides(t)
	requireRuntime(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ui := newTestUI(t)
	ui.results.Dir = t.TempDir()
	ui.OpenPath(filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"))
	settle(ui)
	p := ui.current()
	if !p.analysis.layers.opacity.Disabled() || !p.analysis.layers.colormapSel.Disabled() {
		t.Error("heatmap controls are enabled before there is a heatmap")
	}
	analyse(t, p)
	if p.analysis.layers.opacity.Disabled() || p.analysis.layers.visible.Disabled() {
		t.Error("heatmap controls stay disabled with a heatmap")
	}
	a := p.analysis
	r := p.ref.Result
	if r == nil || r.Partial {
		t.Fatalf("result %+v; progress %q", r, a.progressText.Text)
	}
	if a.card.class.Text != r.ClassLabel || !strings.Contains(a.card.class.Text, "High score") {
		t.Errorf("card class %q, want %q", a.card.class.Text, r.ClassLabel)
	}
	if d := a.card.detail.Text; !strings.Contains(d, "Probability 0.9") || !strings.Contains(d, "threshold 0.50 (0.4") ||
		!strings.Contains(d, "above)") || !strings.Contains(d, "Intended use: DEMONSTRATION ONLY") ||
		!strings.Contains(d, r.Model.SHA256[:12]) || !strings.Contains(d, "on cpu") {
		t.Errorf("card detail %q", d)
	}
	if n := len(a.card.warnings.Objects); n != 1 {
		t.Errorf("%d warnings, want the demonstration warning only", n)
	}

	overlay := func() *viewer.Overlay { return p.view.Layer(heatmap.LayerName) }
	hidden := func() bool { return p.view.LayerStyleOf(heatmap.LayerName).Hidden }
	ov := overlay()
	if ov == nil || hidden() || ov.Cell != r.Grid.Side0 {
		t.Fatalf("overlay %+v hidden %v", ov, hidden())
	}
	tile := r.Tiles[0]
	if op := p.view.LayerStyleOf(heatmap.LayerName).Opacity; op != 0.55 {
		t.Errorf("default opacity %v", op)
	}
	a.layers.opacity.SetValue(0.2)
	if op := p.view.LayerStyleOf(heatmap.LayerName).Opacity; op != 0.2 {
		t.Errorf("opacity slider at 0.2 gives layer opacity %v", op)
	}
	before := overlay().Image.NRGBAAt(tile.Col, tile.Row)
	a.layers.colormapSel.SetSelected("jet")
	if after := overlay().Image.NRGBAAt(tile.Col, tile.Row); after == before {
		t.Error("changing the colormap did not change the layer")
	}
	countShown := func() int {
		n := 0
		for _, t := range r.Tiles {
			if overlay().Image.NRGBAAt(t.Col, t.Row).A > 0 {
				n++
			}
		}
		return n
	}
	if countShown() != len(r.Tiles) {
		t.Errorf("%d of %d tiles shown before any threshold", countShown(), len(r.Tiles))
	}
	a.layers.threshold.SetValue(0.75)
	if n := countShown(); n == 0 || n >= len(r.Tiles) {
		t.Errorf("threshold 0.75 shows %d of %d tiles", n, len(r.Tiles))
	}
	if !strings.Contains(a.layers.legend.Note, "showing scores ≥") {
		t.Errorf("legend note %q does not mention the threshold", a.layers.legend.Note)
	}
	ui.handleWindowRune('h')
	if !hidden() || a.layers.legend.Visible() {
		t.Error("H did not hide the heatmap and its legend")
	}
	ui.handleWindowRune('H')
	if hidden() || !a.layers.legend.Visible() {
		t.Error("H did not show the heatmap and its legend again")
	}
	a.layers.smooth.SetChecked(true)
	if !overlay().Smooth {
		t.Error("smooth not applied")
	}
	if !strings.Contains(a.layers.legend.Title, "tiles pushing the result towards") {
		t.Errorf("legend title %q", a.layers.legend.Title)
	}
	a.layers.outline.SetChecked(true) // detects tissue in the pane's background work
	p.work.wg.Wait()                  // the test driver runs the hand-over inside it
	if o := p.view.Layer(heatmap.OutlineName); o == nil || o.Image.Bounds().Dx() < 100 {
		t.Error("no tissue outline layer")
	}
	a.layers.outline.SetChecked(false)
	if p.view.Layer(heatmap.OutlineName) != nil {
		t.Error("the outline stayed after unticking it")
	}

	// Re-opening the slide shows the cached result at once.
	ui.closeCurrent()
	shown := make(chan struct{}, 1)
	ui.onCachedResultShown = func() { shown <- struct{}{} }
	ui.OpenPath(filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"))
	settle(ui)
	p2 := ui.current()
	select {
	case <-shown: // orders the UI updates before the reads below
	case <-time.After(10 * time.Second):
		t.Fatal("the cached result was not shown on re-opening")
	}
	if p2.view.Layer(heatmap.LayerName) == nil || !strings.Contains(p2.analysis.progressText.Text, "result cache") {
		t.Errorf("the cached result was not shown on re-opening: %q", p2.analysis.progressText.Text)
	}
}

func TestAnalysisPanelUserMPPAndCancel(t *testing.T) {
	slides := sharedSlides(t)
	requireRuntime(t)
	resnet := testbundles.Path(t, "resnet-abmil")
	ui := newTestUI(t)
	ui.results.Dir = t.TempDir()
	// A brightfield H&E slide without µm/px (the resnet bundle declares no
	// stain: it is read as an H&E model, and a fluorescence slide would be
	// withheld before it could be partial).
	ui.OpenPath(filepath.Join(slides, "aperio", "tcga-cr-7395-01a-01-ts1.svs"))
	settle(ui)
	p := ui.current()
	if _, err := ui.models.model(resnet); err != nil { // warm: sessions are not a leak
		t.Fatal(err)
	}
	p.work.wg.Wait()   // the pane's start-up work (overview, cache lookup) has ended
	ui.sessionIdle = 0 // sessions are released as soon as the analysis ends
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	defer func() {
		ui.work.wg.Wait() // the release has run
		if n := len(ui.models.models); n != 0 {
			t.Errorf("%d models keep their sessions after the idle time", n)
		}
	}()

	a := p.analysis
	p.ref.ModelPath = resnet
	a.setUserMPP(0.3) // as if typed into the µm/px dialog
	progressed := make(chan struct{}, 100)
	a.onProgress = func(done int) {
		if done >= 4 { // the small first batch is done; the next takes a while
			progressed <- struct{}{}
		}
	}
	a.start()
	run := a.run
	select {
	case <-progressed: // some tiles are scored: cancel now
	case <-run.done:
		t.Fatal("the analysis ended before it could be cancelled")
	}
	a.cancel()
	<-run.done
	r := p.ref.Result
	if r == nil || !r.Partial || len(r.Tiles) == 0 || len(r.Tiles) >= r.TilesTotal {
		t.Fatalf("after cancel: result %v; %q", r != nil, a.progressText.Text)
	}
	if !strings.Contains(a.progressText.Text, "Cancelled") || !strings.Contains(a.layers.legend.Note, "PARTIAL") {
		t.Errorf("progress %q, legend note %q", a.progressText.Text, a.layers.legend.Note)
	}
	var warnings []string
	for _, w := range r.Caveats() {
		warnings = append(warnings, w.Long)
	}
	all := strings.Join(warnings, "\n")
	for _, want := range []string{"PARTIAL RESULT", "entered by hand", "DEMONSTRATION"} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
	// A cancelled analysis is not a finding: no class headline in red or blue.
	if c := a.card.class; !strings.HasPrefix(c.Text, "Partial analysis") || c.Importance == widget.DangerImportance || c.Importance == widget.HighImportance ||
		!strings.Contains(a.card.detail.Text, "tiles scored so far only") {
		t.Errorf("partial card headline %q (importance %v), detail %q", c.Text, c.Importance, a.card.detail.Text)
	}
	if len(a.card.warnings.Objects) != 3 {
		t.Errorf("card shows %d warnings, want 3", len(a.card.warnings.Objects))
	}
	if p.view.Layer(heatmap.LayerName) == nil {
		t.Error("the partial heatmap was dropped")
	}
	if cal := p.view.Calibration(); cal.MPP.Source != "user" || cal.MPP.X != 0.3 {
		t.Errorf("scale bar calibration %+v", cal.MPP)
	}
}

// A slide analysed with a typed µm/px is shown from the result cache when
// its case is opened again (the app once looked it up without the µm/px).
func TestTypedMPPResultIsShownFromCacheOnReopen(t *testing.T) {
	ui, p := openForAnalysis(t, "aperio", "CMU-1-Small-Region.svs")
	p.analysis.setUserMPP(0.5) // as if typed into the µm/px dialog
	analyse(t, p)
	if r := p.ref.Result; r == nil || r.Params.MPPOverride != 0.5 {
		t.Fatalf("result %+v", r)
	}
	path := filepath.Join(t.TempDir(), "typed"+cases.Extension)
	ui.desk.saveCaseTo(path)
	ui.closeCurrent()

	shown := make(chan struct{}, 1)
	ui.onCachedResultShown = func() { shown <- struct{}{} }
	ui.OpenCase(path)
	settle(ui)
	select {
	case <-shown:
	case <-time.After(10 * time.Second):
		t.Fatal("the result analysed with a typed µm/px was not shown from the cache")
	}
	if r := ui.current().ref.Result; r == nil || r.Slide.MPP != 0.5 || !r.HasCaveat(inference.CaveatHandMPP) {
		t.Errorf("cached result %+v", r)
	}
}

// The µm/px of an uncalibrated slide is asked first, before the model loads;
// a bad value is explained in the dialog, which stays open; Enter submits.
func TestMPPIsAskedFirst(t *testing.T) {
	ui, p := openForAnalysis(t, "aperio", "tcga-cr-7395-01a-01-ts1.svs")
	if p.slide.MPP().Known() {
		t.Skip("this slide is calibrated now")
	}
	a := p.analysis
	a.start()
	if a.running() || !ui.dialogOpen() {
		t.Fatalf("running %v, dialog %v: the µm/px must be asked before anything starts", a.running(), ui.dialogOpen())
	}
	form := ui.dialog.(*dialog.FormDialog)
	entry, ok := ui.win.Canvas().Focused().(*widget.Entry)
	if !ok {
		t.Fatal("the µm/px entry does not have the focus")
	}
	test.Type(entry, "0,5")
	form.Submit()
	if a.running() || !ui.dialogOpen() || entry.Validate() == nil {
		t.Fatal("a bad value was accepted, or the dialog closed")
	}
	if !strings.Contains(test.RenderToMarkup(ui.win.Canvas()), "changes the result") {
		t.Error("the dialog does not say that the value changes the result")
	}
	entry.SetText("0.5")
	entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Enter submits
	if !a.running() && p.ref.Result == nil {
		t.Fatal("Enter did not start the analysis")
	}
	<-a.runDone()
	if r := p.ref.Result; r == nil || r.Slide.MPP != 0.5 {
		t.Errorf("result %+v", r)
	}
}

// The picker names models by name and version, not by folder; a result from
// another model than the chosen one says so and offers to analyse with it.
func TestModelPickerNamesAndOtherModelResult(t *testing.T) {
	_, p, checker, b := slideWithCheckerBundle(t)
	a := p.analysis
	want := b.Manifest.Name + " " + b.Manifest.Version
	if !slices.Contains(a.modelChoice.Options, want) || slices.Contains(a.modelChoice.Options, checker) {
		t.Fatalf("picker options %q: want %q, never the folder", a.modelChoice.Options, want)
	}
	analyse(t, p) // the built-in model
	a.modelChoice.SetSelected(want)
	p.work.wg.Wait() // the chosen bundle is read in the background
	if a.card.other.Hidden || !strings.Contains(a.card.otherTxt.Text, "not from the chosen model ("+want+")") {
		t.Errorf("a result of another model is not marked: %q", a.card.otherTxt.Text)
	}
	if a.analyzeBtn.Text != "Analyze with "+shortLabel(want, 24) || len([]rune(a.analyzeBtn.Text)) > len("Analyze with ")+24 {
		t.Errorf("Analyze button %q", a.analyzeBtn.Text)
	}
	a.modelChoice.SetSelected(BuiltinModelLabel)
	p.work.wg.Wait()
	if !a.card.other.Hidden || a.analyzeBtn.Text != "Analyze (Ctrl+R)" {
		t.Errorf("back on the result's model: mark %q shown %v, button %q", a.card.otherTxt.Text, !a.card.other.Hidden, a.analyzeBtn.Text)
	}
}

// Without ONNX Runtime the dialog says what a user can do, not only which
// variable to set.
func TestNoRuntimeTellsWhatToDo(t *testing.T) {
	err := describeAnalysisError(fmt.Errorf("%w: no libonnxruntime.so found", inference.ErrNoRuntime))
	if !strings.HasPrefix(err.Error(), "Tessera cannot run models on this computer") || !strings.Contains(err.Error(), "./run.sh") ||
		!strings.Contains(err.Error(), "Slides still open") || !errors.Is(err, inference.ErrNoRuntime) {
		t.Errorf("message %q", err)
	}
}

// ] and [ step through the regions that drove the result, each shown whole.
func TestEvidenceNavigator(t *testing.T) {
	ui, p := openForAnalysis(t, "aperio", "CMU-1-Small-Region.svs")
	analyse(t, p)
	ev := p.ref.Result.Evidence
	if len(ev) < 8 {
		t.Fatalf("%d evidence regions", len(ev))
	}
	ui.handleWindowRune(']')
	vp := p.view.Viewport()
	a, b := vp.VisibleLevel0()
	e := ev[0]
	if a.X > e.X || a.Y > e.Y || b.X < e.X+e.Width || b.Y < e.Y+e.Height {
		t.Errorf("region %+v not shown whole in %v–%v", e, a, b)
	}
	if !strings.Contains(p.status.Text, fmt.Sprintf("evidence 1 of %d: pushed the result towards \"high\"", len(ev))) {
		t.Errorf("status %q", p.status.Text)
	}
	for k := 1; k <= len(ev); k++ { // never past the scan's resolution, however small the region
		p.goToEvidence(k)
		if ds := p.view.Viewport().Downsample; ds < 1 {
			t.Errorf("evidence %d (%g × %g px) shown at downsample %.2f: past the scan's resolution", k, ev[k-1].Width, ev[k-1].Height, ds)
		}
	}
	p.goToEvidence(1)
	ui.handleWindowRune('[')
	if !strings.Contains(p.status.Text, fmt.Sprintf("evidence %d of %d", len(ev), len(ev))) {
		t.Errorf("[ from the first region did not go to the last: %q", p.status.Text)
	}
	p.work.wg.Wait() // thumbnails and the inspected tile are read in the background
	strip := p.analysis.evidence
	if strip.content.Hidden || len(strip.strip.Objects) != len(ev) || !strip.captions[len(ev)-1].TextStyle.Bold {
		t.Fatalf("strip: hidden %v, %d thumbnails for %d regions", strip.content.Hidden, len(strip.strip.Objects), len(ev))
	}
	// Tapping the first thumbnail goes to region 1; the inspector shows its
	// strongest tile: the model's tile size, rank 1.
	var first *widget.Button
	walk(strip.strip.Objects[0], func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok {
			first = b
		}
	})
	test.Tap(first)
	p.work.wg.Wait()
	if !strings.Contains(p.status.Text, "evidence 1 of") {
		t.Errorf("tapping thumbnail 1: status %q", p.status.Text)
	}
	if strip.inspector.Hidden || !strings.Contains(strip.tileText.Text, fmt.Sprintf("rank 1 of %d", len(p.ref.Result.Tiles))) ||
		!strings.Contains(strip.tileText.Text, "Quality control: nothing found") {
		t.Errorf("inspector: %q", strip.tileText.Text)
	}
	if b := strip.tileImg.Image.Bounds(); b.Dx() != p.ref.Result.Grid.TileSize {
		t.Errorf("inspected tile %v, want the model's %d px", b, p.ref.Result.Grid.TileSize)
	}
	// T inspects the tile under the pointer.
	tile := p.ref.Result.Tiles[len(p.ref.Result.Tiles)-1]
	p.pointer, p.pointerInside = viewer.Level0Point{X: tile.X + 10, Y: tile.Y + 10}, true
	ui.handleWindowRune('t')
	p.work.wg.Wait()
	if !strings.Contains(strip.tileText.Text, fmt.Sprintf("Tile (%d, %d)", tile.Col, tile.Row)) {
		t.Errorf("T: %q", strip.tileText.Text)
	}
}

// A withheld result hides what would show its direction: heatmap, legend,
// hover scores and evidence, until the pathologist asks for the withheld
// class; the card names the real reason (here: an IHC slide).
func TestWithheldResultHidesItsScores(t *testing.T) {
	slides := sharedSlides(t)
	requireRuntime(t)
	ui := newTestUI(t)
	ui.results.Dir = t.TempDir()
	ui.OpenPath(filepath.Join(slides, "ometiff", "OS-2-ndpi.ome.tif"))
	settle(ui)
	p := ui.current()
	analyse(t, p)
	a := p.analysis
	r := p.ref.Result
	if r == nil || !r.Withheld() || !strings.Contains(a.card.class.Text, "IHC") {
		t.Fatalf("the Ki67 slide: result %v, headline %q", r != nil, a.card.class.Text)
	}
	centre := viewer.Level0Point{X: r.Tiles[0].X + r.Grid.Side0/2, Y: r.Tiles[0].Y + r.Grid.Side0/2}
	if !p.view.LayerStyleOf(heatmap.LayerName).Hidden || !a.layers.legend.Hidden || a.layers.scoreText(centre) != "" || a.evidence.content.Visible() {
		t.Errorf("withheld: heatmap hidden %v, legend hidden %v, hover %q, evidence shown %v",
			p.view.LayerStyleOf(heatmap.LayerName).Hidden, a.layers.legend.Hidden, a.layers.scoreText(centre), a.evidence.content.Visible())
	}
	a.revealWithheld(r) // what confirmReveal's "Show it" does
	if p.view.LayerStyleOf(heatmap.LayerName).Hidden || a.layers.scoreText(centre) == "" {
		t.Errorf("revealed: heatmap hidden %v, hover %q", p.view.LayerStyleOf(heatmap.LayerName).Hidden, a.layers.scoreText(centre))
	}
}

// Ctrl+R analyses with the model chosen in the picker, not the one whose
// result is on screen (chosen from the picker's list, then the shortcut
// through the window's canvas).
func TestCtrlRUsesTheChosenModel(t *testing.T) {
	ui, p, _, b := slideWithCheckerBundle(t)
	a := p.analysis
	analyse(t, p) // the built-in model: its result is cached and shown
	a.modelChoice.SetSelected(b.Manifest.Name + " " + b.Manifest.Version)
	p.work.wg.Wait()
	ui.win.Canvas().(interface{ TypedShortcut(fyne.Shortcut) }).TypedShortcut(ctrl(fyne.KeyR))
	if run := a.run; run != nil {
		<-run.done
	}
	p.work.wg.Wait()
	r := p.ref.Result
	if r == nil {
		t.Fatal("no result after Ctrl+R")
	}
	if r.Model.SHA256 != b.SHA256 {
		t.Errorf("after choosing %s and Ctrl+R the result is from %s", b.Manifest.Name, r.Model.Name)
	}
}

// slideWithCheckerBundle opens CMU-1-Small-Region with the checker test
// bundle in the picker's list (not chosen): the window, the slide's pane,
// the bundle's folder and the bundle.
func slideWithCheckerBundle(t *testing.T) (*UI, *slidePane, string, *inference.Bundle) {
	t.Helper()
	slides := sharedSlides(t)
	requireRuntime(t)
	checker := testbundles.Path(t, "checker")
	ui := newTestUI(t)
	ui.results.Dir = t.TempDir()
	ui.OpenPath(filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"))
	settle(ui)
	p := ui.current()
	p.analysis.rememberBundle(checker)
	b, err := inference.LoadBundle(checker)
	if err != nil {
		t.Fatal(err)
	}
	return ui, p, checker, b
}

// A bundle opened in one tab is offered in every tab's picker.
func TestBundleOpenedInOneTabIsOfferedInAll(t *testing.T) {
	ui, p, _, b := slideWithCheckerBundle(t)
	ui.OpenPath(testslides.Derived(t, testslides.Sharp))
	settle(ui)
	other := ui.current()
	if other == p {
		t.Fatal("the second slide did not open")
	}
	label := b.Manifest.Name + " " + b.Manifest.Version
	if !slices.Contains(other.analysis.modelChoice.Options, label) {
		t.Fatalf("the second tab's picker %q lacks %q", other.analysis.modelChoice.Options, label)
	}
	// Chosen again from a bundle folder in the second tab: the first offers it too.
	q := testbundles.Path(t, "nan")
	other.analysis.rememberBundle(q)
	if !slices.Contains(p.analysis.modelChoice.Options, modelLabel(q)) {
		t.Errorf("the first tab's picker %q lacks the bundle opened in the second (%q)", p.analysis.modelChoice.Options, modelLabel(q))
	}
}

// A bundle the lab installed in the machine-wide folder is offered to
// every user, by its name, without being opened first.
func TestMachineWideBundleIsOffered(t *testing.T) {
	slides := sharedSlides(t)
	requireRuntime(t)
	dir := t.TempDir()
	if err := os.Symlink(testbundles.Path(t, "checker"), filepath.Join(dir, "checker")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TESSERA_BUNDLES_DIR", dir)
	ui := newTestUI(t)
	ui.OpenPath(filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs"))
	settle(ui)
	b, err := inference.LoadBundle(filepath.Join(dir, "checker"))
	if err != nil {
		t.Fatal(err)
	}
	if want := b.Manifest.Name + " " + b.Manifest.Version; !slices.Contains(ui.current().analysis.modelChoice.Options, want) {
		t.Errorf("picker %q lacks the machine-wide bundle %q", ui.current().analysis.modelChoice.Options, want)
	}
}
