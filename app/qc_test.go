package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"tessera/heatmap"
	"tessera/internal/testslides"
)

// The pen-marked slide: the card flags the result with the ink reason, the
// quality-control box lists the ink tiles, and Q draws a magenta frame
// around each flagged tile (and takes it away again).
func TestQualityControlLayerOnPenMarkedSlide(t *testing.T) {
	requireRuntime(t)
	path := testslides.Derived(t, testslides.PenMarked)
	ui := newTestUI(t)
	ui.results.Dir = t.TempDir()
	ui.OpenPath(path)
	settle(ui)
	p := ui.current()
	a := p.analysis
	if !a.layers.qcCheck.Disabled() {
		t.Error("the quality-control box is enabled before any result")
	}
	analyse(t, p)
	r := p.ref.Result
	if r == nil || r.QC.Counts["ink"] == 0 {
		t.Fatalf("no ink found: %+v", r)
	}
	if v := a.card.verdict.Text; !strings.HasPrefix(v, "FLAGGED") || !strings.Contains(v, "pen or marker ink") {
		t.Errorf("card verdict %q", v)
	}
	if a.layers.qcCheck.Disabled() {
		t.Fatal("the quality-control box stays disabled with flagged tiles")
	}
	var legend []string
	walk(a.layers.qcLegend, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			legend = append(legend, l.Text)
		}
	})
	if got := strings.Join(legend, " | "); !strings.Contains(got, "covered by pen or marker ink: ") || !strings.Contains(got, "left out of the score") {
		t.Errorf("legend %q", got)
	}
	if p.view.Layer(heatmap.QCName) != nil {
		t.Error("the quality-control layer shows before it is asked for")
	}
	ui.handleWindowRune('q')
	ov := p.view.Layer(heatmap.QCName)
	if ov == nil {
		t.Fatal("Q did not show the quality-control layer")
	}
	q := r.QC.Tiles[0]
	frame := ov.Image.NRGBAAt(q.Col*16, q.Row*16)
	if frame != heatmap.QCColour(q.Flags) || frame.A != 0xff {
		t.Errorf("frame of flagged tile (%d,%d) is %v, want %v", q.Col, q.Row, frame, heatmap.QCColour(q.Flags))
	}
	if ov.Cell*16 != r.Grid.Side0 {
		t.Errorf("overlay cell %v for tiles of %v", ov.Cell, r.Grid.Side0)
	}
	ui.handleWindowRune('Q')
	if p.view.Layer(heatmap.QCName) != nil {
		t.Error("Q again did not hide the layer")
	}
}
