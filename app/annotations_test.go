package app

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tessera/annotation"
	"tessera/cases"
	"tessera/inference"
	"tessera/storyboard"
	"tessera/viewer"
)

// Import, the layer, undo/redo, the ruler (µm on a calibrated slide, kept
// with Enter as an annotation with its length), and the case file keeping
// the annotations.
func TestAnnotationsInTheApp(t *testing.T) {
	slides := sharedSlides(t)
	path := filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs")
	casePath := filepath.Join(t.TempDir(), "a"+cases.Extension)
	if err := (&cases.Case{Schema: cases.Schema, Slides: []cases.SlideRef{{Path: path}}}).Save(casePath); err != nil {
		t.Fatal(err)
	}
	ui := newTestUI(t)
	ui.OpenCase(casePath)
	settle(ui)
	p := ui.current()
	if err := p.annots.ImportFile(filepath.Join("..", "annotation", "testdata", "qupath-variants.geojson")); err != nil {
		t.Fatal(err)
	}
	// The file holds a point off the slide: the import's result says so in
	// a dialog, not only on the status line.
	if !ui.dialogOpen() || !strings.Contains(test.RenderToMarkup(ui.win.Canvas()), "outside the slide") {
		t.Error("the import's result does not say that an object lies outside the slide")
	}
	ui.dialog.Hide()
	if len(p.ref.Annotations.Features) != 7 || p.view.LayerStyleOf(storyboard.AnnotationLayerName).Hidden || !strings.Contains(p.status.Text, "7 annotations") {
		t.Fatalf("after import: %d features, status %q", len(p.ref.Annotations.Features), p.status.Text)
	}
	ui.handleWindowRune('a')
	if !strings.Contains(p.status.Text, "hidden") {
		t.Errorf("A did not hide the annotations: %q", p.status.Text)
	}
	ui.handleWindowRune('a')

	// The ruler: 1000 level-0 pixels at 0.499 µm/px.
	ui.handleWindowRune('m')
	if p.view.Tool == nil {
		t.Fatal("M did not turn the ruler on")
	}
	p.view.Tool.DragStart(viewer.Level0Point{X: 100, Y: 100})
	p.view.Tool.DragMove(viewer.Level0Point{X: 700, Y: 900})
	p.view.Tool.DragEnd(viewer.Level0Point{X: 700, Y: 900})
	if !strings.Contains(p.status.Text, "Ruler: 499.0 µm") {
		t.Errorf("status %q, want the ruler's 499.0 µm", p.status.Text)
	}
	p.annots.PinRuler()
	last := p.ref.Annotations.Features[len(p.ref.Annotations.Features)-1]
	if len(p.ref.Annotations.Features) != 8 || last.Measurements[0].Name != "Length µm" || last.Measurements[0].Value < 498.9 || last.Measurements[0].Value > 499.1 {
		t.Errorf("kept ruler %+v", last)
	}
	p.annots.UndoLast()
	if len(p.ref.Annotations.Features) != 7 {
		t.Error("undo did not remove the kept ruler")
	}
	p.annots.RedoLast()
	if len(p.ref.Annotations.Features) != 8 {
		t.Error("redo did not bring it back")
	}
	ui.handleWindowRune('m')
	if p.view.Tool != nil {
		t.Error("M did not turn the ruler off")
	}

	ui.desk.saveCaseTo(casePath)
	ui2 := newTestUI(t)
	ui2.OpenCase(casePath)
	settle(ui2)
	if got := len(ui2.current().ref.Annotations.Features); got != 8 {
		t.Errorf("reopened case: %d annotations, want 8", got)
	}
}

// The drawing tools keep shapes as annotations of the current class with
// their area (µm² on a calibrated slide); points are counted per class;
// Delete removes the annotation under the pointer; all undoable.
func TestDrawingTools(t *testing.T) {
	slides := sharedSlides(t)
	ui := newTestUI(t)
	ui.OpenPath(filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs")) // 0.499 µm/px
	settle(ui)
	p := ui.current()
	count := func() int { return len(p.ref.Annotations.Features) }

	ui.handleWindowRune('b')
	tool := p.view.Tool
	tool.DragStart(viewer.Level0Point{X: 100, Y: 100})
	tool.DragMove(viewer.Level0Point{X: 600, Y: 400})
	tool.DragEnd(viewer.Level0Point{X: 1100, Y: 700})
	f := p.ref.Annotations.Features[0]
	wantArea := 1000 * 600 * 0.499 * 0.499
	if count() != 1 || f.Class != "Tumor" || f.Measurements[0].Name != "Area µm^2" || math.Abs(f.Measurements[0].Value-wantArea) > 1 {
		t.Fatalf("rectangle: %+v", f)
	}
	if !strings.Contains(p.status.Text, "Kept Tumor rectangle: 149401 µm²") {
		t.Errorf("status %q", p.status.Text)
	}

	ui.handleWindowRune('c') // Stroma
	ui.handleWindowRune('g')
	for _, q := range []viewer.Level0Point{{X: 1500, Y: 1500}, {X: 1900, Y: 1500}, {X: 1900, Y: 1900}} {
		p.view.Tool.Tap(q)
	}
	ui.handleWindowKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if count() != 2 || p.ref.Annotations.Features[1].Class != "Stroma" || p.ref.Annotations.Features[1].Geometry.Area() != 400*400/2 {
		t.Fatalf("polygon: %+v", p.ref.Annotations.Features[1])
	}

	// A double click adds the last corner and closes the polygon.
	p.view.Tool.Tap(viewer.Level0Point{X: 100, Y: 2000})
	p.view.Tool.Tap(viewer.Level0Point{X: 300, Y: 2000})
	p.view.Tool.DoubleTap(viewer.Level0Point{X: 300, Y: 2200})
	if count() != 3 || len(p.ref.Annotations.Features[2].Geometry.Polygons[0][0]) != 4 {
		t.Fatalf("double-click polygon: %d features", count())
	}
	p.annots.UndoLast()

	ui.handleWindowRune('.')
	p.view.Tool.Tap(viewer.Level0Point{X: 50, Y: 50})
	p.view.Tool.Tap(viewer.Level0Point{X: 60, Y: 60})
	if count() != 3 || len(p.ref.Annotations.Features[2].Geometry.Points) != 2 || !strings.Contains(p.status.Text, "Points: Stroma 2") {
		t.Fatalf("points: %d features, status %q", count(), p.status.Text)
	}
	ui.handleWindowKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if p.view.Tool != nil {
		t.Error("Esc did not stop the tool")
	}

	p.pointer, p.pointerInside = viewer.Level0Point{X: 500, Y: 300}, true // inside the rectangle
	ui.handleWindowKey(&fyne.KeyEvent{Name: fyne.KeyDelete})
	if count() != 2 || p.ref.Annotations.Features[0].Class != "Stroma" {
		t.Fatalf("delete: %d features", count())
	}
	p.annots.UndoLast()
	if count() != 3 {
		t.Error("undo did not bring the rectangle back")
	}
}

// The storyboard in the window: a view saved with a caption and the
// annotations hidden shows its caption in presentation mode and restores
// the annotations' visibility; views can be reordered; the PDF report gets
// a page per view.
func TestStoryboard(t *testing.T) {
	ui, p := annotatedPane(t)
	ui.desk.saveView(p, "First")
	ui.desk.session.Views[0].Caption = "Look at the margin"
	p.annots.ToggleVisible() // hidden
	ui.desk.saveView(p, "Second")
	p.annots.ToggleVisible() // shown again
	if !ui.desk.session.Views[1].AnnotationsHidden || ui.desk.session.Views[0].AnnotationsHidden {
		t.Fatalf("views %+v", ui.desk.session.Views)
	}
	ui.goToView(1)
	if !p.annots.Hidden() {
		t.Error("the second view did not hide the annotations")
	}
	ui.desk.moveView(-1) // the second becomes the first
	if ui.desk.session.Views[0].Name != "Second" || ui.desk.session.Views[1].Name != "First" {
		t.Errorf("order %q, %q", ui.desk.session.Views[0].Name, ui.desk.session.Views[1].Name)
	}
	ui.startPresentation()
	ui.goToView(1)
	if ui.presenting == nil || ui.presenting.caption != "Look at the margin" {
		t.Errorf("presentation caption %+v", ui.presenting)
	}
	ui.stopPresentation()
	rc, _, err := ui.reportCase()
	if err != nil {
		t.Fatal(err)
	}
	if len(rc.Views) != 2 || rc.Views[1].Caption != "Look at the margin" || rc.Views[0].Caption != "Second" || rc.Views[0].Image == nil {
		t.Errorf("report views %+v", rc.Views)
	}
}

// Analysis inside the annotations: only the tiles inside the polygons are
// scored, and the card says the result describes that region only.
func TestAnalyzeInsideAnnotations(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ui, p := openForAnalysis(t, "aperio", "CMU-1-Small-Region.svs")
	if err := p.annots.ImportFile(filepath.Join("..", "annotation", "testdata", "qupath-variants.geojson")); err != nil {
		t.Fatal(err)
	}
	p.analyzeInside()
	if p.region == nil || !ui.dialogOpen() {
		t.Fatal("no dialog asks which annotations")
	}
	p.region.form.Submit() // all of them, the default
	run := p.analysis.run
	if run == nil {
		t.Fatal("no analysis started")
	}
	<-run.done
	p.work.wg.Wait()
	r := p.ref.Result
	if r == nil || r.Params.ROI == "" || !r.HasCaveat(inference.CaveatRegion) {
		t.Fatalf("result %+v", r)
	}
	for _, tile := range r.Tiles {
		cx, cy := tile.X+r.Grid.Side0/2, tile.Y+r.Grid.Side0/2
		inside := (cx >= 1000 && cx <= 2000 && cy >= 1000 && cy <= 2000 && !(cx > 1400 && cx < 1600 && cy > 1400 && cy < 1600)) ||
			(cx >= 3000 && cy >= 3000) || (cx <= 20 && cy <= 20)
		if !inside {
			t.Errorf("a tile centred at (%.0f, %.0f) is outside the annotations", cx, cy)
		}
	}
}

// Analysis inside chosen annotations: the classes ticked, or the one
// selected in the Annotations tab; nothing ticked is refused.
func TestAnalyzeInsideChosenAnnotations(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ui, p := openForAnalysis(t, "aperio", "CMU-1-Small-Region.svs")
	if err := p.annots.ImportFile(filepath.Join("..", "annotation", "testdata", "qupath-variants.geojson")); err != nil {
		t.Fatal(err)
	}
	analyse := func(choose func(d *regionDialog)) *inference.Result {
		t.Helper()
		p.analyzeInside()
		d := p.region
		choose(d)
		d.form.Submit()
		run := p.analysis.run
		if run == nil {
			t.Fatal("no analysis started")
		}
		<-run.done
		p.work.wg.Wait()
		return p.ref.Result
	}
	only := func(r *inference.Result, inside func(cx, cy float64) bool, what string) {
		t.Helper()
		if r == nil || !r.HasCaveat(inference.CaveatRegion) || len(r.Tiles) == 0 {
			t.Fatalf("%s: result %+v", what, r)
		}
		for _, tile := range r.Tiles {
			if cx, cy := tile.X+r.Grid.Side0/2, tile.Y+r.Grid.Side0/2; !inside(cx, cy) {
				t.Errorf("%s: a tile centred at (%.0f, %.0f) is outside", what, cx, cy)
			}
		}
	}
	tumour := func(cx, cy float64) bool { // the square with a hole
		return cx >= 1000 && cx <= 2000 && cy >= 1000 && cy <= 2000 && !(cx > 1400 && cx < 1600 && cy > 1400 && cy < 1600)
	}
	r := analyse(func(d *regionDialog) {
		d.mode.SetSelected(regionClasses)
		if d.classes.Disabled() {
			t.Error("the classes stay disabled when chosen")
		}
		d.classes.SetSelected([]string{"Tumor"})
	})
	only(r, tumour, "class Tumor")
	tumourTiles := len(r.Tiles)

	p.annots.List().Select(0) // the tumour square
	r = analyse(func(d *regionDialog) {
		for _, o := range d.mode.Options {
			if strings.HasPrefix(o, regionSelected) {
				d.mode.SetSelected(o)
			}
		}
	})
	only(r, tumour, "the selected annotation")
	if len(r.Tiles) != tumourTiles {
		t.Errorf("the selected tumour square gave %d tiles, its class %d", len(r.Tiles), tumourTiles)
	}

	p.analyzeInside()
	p.region.mode.SetSelected(regionClasses)
	p.region.form.Submit()
	if !ui.dialogOpen() || p.analysis.running() {
		t.Error("no class ticked: an analysis started, or nothing was said")
	}
}

// annotatedPane opens CMU-1-Small-Region with the test annotations
// imported.
func annotatedPane(t *testing.T) (*UI, *slidePane) {
	t.Helper()
	ui, p := smallRegionPane(t)
	if err := p.annots.ImportFile(filepath.Join("..", "annotation", "testdata", "qupath-variants.geojson")); err != nil {
		t.Fatal(err)
	}
	return ui, p
}

// smallRegionPane opens CMU-1-Small-Region in a test UI.
func smallRegionPane(t *testing.T) (*UI, *slidePane) {
	t.Helper()
	ui := newTestUI(t)
	ui.OpenPath(filepath.Join(sharedSlides(t), "aperio", "CMU-1-Small-Region.svs"))
	settle(ui)
	return ui, ui.current()
}

// squareToMove draws the rectangle (100, 100)–(500, 500) on
// CMU-1-Small-Region and turns the move tool on.
func squareToMove(t *testing.T) *slidePane {
	t.Helper()
	ui, p := smallRegionPane(t)
	ui.handleWindowRune('b')
	p.view.Tool.DragStart(viewer.Level0Point{X: 100, Y: 100})
	p.view.Tool.DragEnd(viewer.Level0Point{X: 500, Y: 500})
	ui.handleWindowRune('v')
	return p
}

// The move tool: a corner dragged moves alone (the ring stays closed, the
// area measurement follows), a drag inside moves the whole annotation, a
// locked one stays; each drag is one undo step; a click selects.
func TestMoveTool(t *testing.T) {
	p := squareToMove(t)
	m := p.view.Tool
	m.DragStart(viewer.Level0Point{X: 501, Y: 499}) // the corner at (500, 500)
	m.DragMove(viewer.Level0Point{X: 601, Y: 599})
	m.DragEnd(viewer.Level0Point{X: 701, Y: 699})
	ring := p.ref.Annotations.Features[0].Geometry.Polygons[0][0]
	if ring[2] != (annotation.Point{X: 700, Y: 700}) || ring[0] != ring[len(ring)-1] || ring[1] != (annotation.Point{X: 500, Y: 100}) {
		t.Fatalf("corner drag: %v", ring)
	}
	area := p.ref.Annotations.Features[0].Measurements[0].Value
	if want := p.ref.Annotations.Features[0].Geometry.Area() * 0.499 * 0.499; math.Abs(area-want) > 1 {
		t.Errorf("area measurement %v, want %v", area, want)
	}
	undoBefore := p.annots.UndoSteps()
	m.DragStart(viewer.Level0Point{X: 200, Y: 200}) // inside: the whole shape
	m.DragMove(viewer.Level0Point{X: 250, Y: 200})
	m.DragEnd(viewer.Level0Point{X: 300, Y: 250})
	ring = p.ref.Annotations.Features[0].Geometry.Polygons[0][0]
	if ring[0] != (annotation.Point{X: 200, Y: 150}) || p.annots.UndoSteps() != undoBefore+1 {
		t.Fatalf("whole move: %v, %d undo steps added", ring, p.annots.UndoSteps()-undoBefore)
	}
	p.annots.UndoLast()
	if p.ref.Annotations.Features[0].Geometry.Polygons[0][0][0] != (annotation.Point{X: 100, Y: 100}) {
		t.Error("undo did not undo the whole drag")
	}
	p.ref.Annotations.Features[0].Locked = true
	m.DragStart(viewer.Level0Point{X: 200, Y: 200})
	m.DragEnd(viewer.Level0Point{X: 900, Y: 900})
	if p.ref.Annotations.Features[0].Geometry.Polygons[0][0][0] != (annotation.Point{X: 100, Y: 100}) {
		t.Error("a locked annotation moved")
	}
	m.Tap(viewer.Level0Point{X: 200, Y: 200})
	if p.annots.List().Selected() != 0 {
		t.Error("a click did not select the annotation")
	}
}

// The move tool's double click: on an edge it adds a corner, on a corner it
// removes it, never below three corners; each is one undo step and the
// area measurement follows.
func TestMoveToolCorners(t *testing.T) {
	p := squareToMove(t)
	m := p.view.Tool
	ring := func() []annotation.Point { return p.ref.Annotations.Features[0].Geometry.Polygons[0][0] }
	m.DoubleTap(viewer.Level0Point{X: 300, Y: 101}) // the top edge
	if r := ring(); len(r) != 6 || r[1] != (annotation.Point{X: 300, Y: 101}) {
		t.Fatalf("corner not added on the top edge: %v", r)
	}
	m.DoubleTap(viewer.Level0Point{X: 300, Y: 101}) // the new corner
	if r := ring(); len(r) != 5 || r[1] != (annotation.Point{X: 500, Y: 100}) {
		t.Fatalf("corner not removed: %v", r)
	}
	undoBefore := p.annots.UndoSteps()
	m.DoubleTap(viewer.Level0Point{X: 100, Y: 100}) // the first corner: the ring stays closed
	r := ring()
	if len(r) != 4 || r[0] != r[3] || r[0] != (annotation.Point{X: 500, Y: 100}) {
		t.Fatalf("first corner removed badly: %v", r)
	}
	area := p.ref.Annotations.Features[0].Measurements[0].Value
	if want := 400 * 400 / 2 * 0.499 * 0.499; math.Abs(area-want) > 1 {
		t.Errorf("area after removing a corner %v, want %v", area, want)
	}
	m.DoubleTap(viewer.Level0Point{X: 500, Y: 100}) // a triangle keeps its corners
	if len(ring()) != 4 || p.annots.UndoSteps() != undoBefore+1 {
		t.Errorf("a triangle lost a corner: %v (%d undo steps)", ring(), p.annots.UndoSteps()-undoBefore)
	}
	p.annots.UndoLast()
	if len(ring()) != 5 {
		t.Errorf("undo did not bring the corner back: %v", ring())
	}
}

// A region analysis that finds no tissue fails with a sentence, and the
// whole-slide result shown before is shown again: nothing lost.
func TestFailedRegionAnalysisKeepsThePreviousResult(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ui, p := openForAnalysis(t, "aperio", "CMU-1-Small-Region.svs")
	analyse(t, p)
	before := p.ref.Result
	if before == nil {
		t.Fatal("no whole-slide result")
	}
	blank := annotation.Feature{ObjectType: "annotation", Geometry: annotation.Geometry{Type: annotation.Polygon,
		Polygons: [][][]annotation.Point{{{{X: 0, Y: 0}, {X: 60, Y: 0}, {X: 60, Y: 60}, {X: 0, Y: 60}, {X: 0, Y: 0}}}}}}
	roi, _ := annotation.RegionOf(&annotation.Collection{Features: []annotation.Feature{blank}})
	p.analysis.startIn(roi)
	<-p.analysis.run.done
	p.work.wg.Wait()
	if !ui.dialogOpen() || p.ref.Result != before || !strings.Contains(p.analysis.progressText.Text, "previous result is shown again") {
		t.Errorf("dialog %v, result kept %v, progress %q", ui.dialogOpen(), p.ref.Result == before, p.analysis.progressText.Text)
	}
}

// The brush (W): a drag paints a band of the current class; a stroke
// started inside an annotation adds to it (one shape, its area measured
// again), one undo step each.
func TestBrush(t *testing.T) {
	ui, p := smallRegionPane(t)
	p.view.SetView(viewer.Level0Point{X: 1000, Y: 1000}, 1) // 12 level-0 pixels each side
	ui.handleWindowRune('w')
	tool := p.view.Tool
	tool.DragStart(viewer.Level0Point{X: 500, Y: 500})
	tool.DragMove(viewer.Level0Point{X: 600, Y: 500})
	tool.DragEnd(viewer.Level0Point{X: 700, Y: 500})
	fs := p.ref.Annotations.Features
	if len(fs) != 1 || fs[0].Class != "Tumor" || fs[0].Geometry.Type != annotation.Polygon || !fs[0].Geometry.Contains(annotation.Point{X: 650, Y: 510}) ||
		fs[0].Geometry.Contains(annotation.Point{X: 650, Y: 530}) {
		t.Fatalf("brush stroke: %+v", fs)
	}
	before := fs[0].Measurements[0].Value
	tool.DragStart(viewer.Level0Point{X: 690, Y: 500}) // inside: paints onto it
	tool.DragMove(viewer.Level0Point{X: 690, Y: 600})
	tool.DragEnd(viewer.Level0Point{X: 690, Y: 700})
	fs = p.ref.Annotations.Features
	if len(fs) != 1 || len(fs[0].Geometry.Polygons) != 1 || !fs[0].Geometry.Contains(annotation.Point{X: 690, Y: 680}) || fs[0].Measurements[0].Value <= before {
		t.Fatalf("painting onto the stroke: %d annotations, area %v (was %v)", len(fs), fs[0].Measurements[0].Value, before)
	}
	if p.annots.UndoSteps() != 2 {
		t.Errorf("%d undo steps for two strokes", p.annots.UndoSteps())
	}
	p.annots.UndoLast()
	if p.ref.Annotations.Features[0].Geometry.Contains(annotation.Point{X: 690, Y: 680}) {
		t.Error("undo did not take the second stroke away")
	}

	// The eraser (Shift+W): across the band it cuts it in two; over all
	// of it (started off it), it removes the annotation; reaching none, it
	// says so.
	ui.handleWindowRune('W')
	eraser := p.view.Tool
	eraser.DragStart(viewer.Level0Point{X: 600, Y: 480}) // on the edge, within the eraser's reach
	eraser.DragEnd(viewer.Level0Point{X: 600, Y: 530})
	g := p.ref.Annotations.Features[0].Geometry
	if g.Type != annotation.MultiPolygon || g.Contains(annotation.Point{X: 600, Y: 500}) || !g.Contains(annotation.Point{X: 520, Y: 500}) {
		t.Fatalf("erased across the band: %s with %d polygons", g.Type, len(g.Polygons))
	}
	eraser.DragStart(viewer.Level0Point{X: 400, Y: 900}) // nowhere
	eraser.DragEnd(viewer.Level0Point{X: 450, Y: 900})
	if !strings.Contains(p.status.Text, "did not reach one") {
		t.Errorf("an eraser stroke on nothing: %q", p.status.Text)
	}
	eraser.DragStart(viewer.Level0Point{X: 440, Y: 500}) // off it: the first annotation it reaches
	eraser.DragMove(viewer.Level0Point{X: 600, Y: 500})
	eraser.DragEnd(viewer.Level0Point{X: 710, Y: 500})
	if n := len(p.ref.Annotations.Features); n != 0 {
		t.Errorf("erasing all of it left %d annotations", n)
	}
}

// '/' and ',' step through the Annotations tab from the window.
func TestAnnotationListKeys(t *testing.T) {
	ui, p := annotatedPane(t)
	ui.handleWindowRune('/')
	if p.annots.List().Selected() != 0 {
		t.Errorf("/ selected %d, want the first", p.annots.List().Selected())
	}
	ui.handleWindowRune(',')
	if p.annots.List().Selected() != 6 {
		t.Errorf(", selected %d, want the last (wrapping round)", p.annots.List().Selected())
	}
}
