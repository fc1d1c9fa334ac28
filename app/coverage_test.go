package app

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tessera/caselog"
	"tessera/coverage"
	"tessera/internal/testslides"
)

// Where did I look: going to an evidence region at 10× or more marks it
// seen; the panel says how much of the analysed tissue and which regions
// were viewed; X shows the layer; the sign-off warns about the regions
// never viewed and the log records the coverage; the case file keeps it.
func TestWhereDidILook(t *testing.T) {
	ui, casePath, panes := openAnalysedCase(t, testslides.Sharp)
	p := panes[0]
	ui.tabs.SelectIndex(0)
	ev := p.ref.Result.Evidence
	if len(ev) < 3 {
		t.Fatalf("%d evidence regions", len(ev))
	}
	if got := p.coverage.text.Text; !strings.HasPrefix(got, "Viewed at 10× or more: 0 % of the analysed tissue; evidence regions viewed: 0 of") {
		t.Fatalf("before looking: %q", got)
	}
	p.view.SetView(p.view.Viewport().Center, p.view.Calibration().DownsampleFor(5)) // 5×: not a read
	if p.ref.Coverage.Cells() != 0 {
		t.Fatalf("a view at 5× was counted: %d cells", p.ref.Coverage.Cells())
	}
	ui.handleWindowRune(']') // region 1, at the magnification that shows it whole
	vp := p.view.Viewport()
	if mag := p.view.Calibration().Magnification(vp.Downsample); mag < coverage.MinMagnification {
		t.Fatalf("evidence region 1 shown at %.1f×", mag)
	}
	rv := p.ref.Coverage.Review(p.ref.Result)
	if rv.TilesSeen == 0 || len(rv.NeverViewed) == len(ev) || slices.Contains(rv.NeverViewed, 1) {
		t.Fatalf("after going to region 1: %+v", rv)
	}
	if got := p.coverage.text.Text; !strings.Contains(got, "evidence regions viewed: ") || strings.Contains(got, " 0 %") {
		t.Errorf("panel after looking: %q", got)
	}
	ui.handleWindowRune('x')
	if p.view.Layer(coverageLayer) == nil {
		t.Error("X did not show where I looked")
	}
	ui.handleWindowRune('x')
	if p.view.Layer(coverageLayer) != nil {
		t.Error("X did not hide the layer again")
	}

	ui.desk.askSignOff(p, caselog.Agree)
	form, ok := ui.dialog.(*dialog.FormDialog)
	if !ok {
		t.Fatalf("no sign-off dialog: %T", ui.dialog)
	}
	if !strings.Contains(test.RenderToMarkup(ui.win.Canvas()), "You have not viewed") {
		t.Error("the sign-off does not warn about evidence regions never viewed")
	}
	entry := ui.win.Canvas().Focused().(*widget.Entry)
	entry.SetText("read at 20x")
	form.Submit()
	rep, err := caselog.Verify(caselog.PathFor(casePath))
	if err != nil {
		t.Fatal(err)
	}
	last := rep.Entries[len(rep.Entries)-1]
	if last.Event != caselog.SignOff || last.Coverage != rv.Text() {
		t.Errorf("sign-off line %+v, want coverage %q", last, rv.Text())
	}

	cells := p.ref.Coverage.Cells()
	ui.desk.saveCaseTo(casePath)
	ui.OpenCase(casePath)
	settle(ui)
	again := ui.panes[ui.tabs.Items[0]]
	if again.ref.Coverage == nil || again.ref.Coverage.Cells() != cells {
		t.Errorf("reopened coverage %+v, want %d cells", again.ref.Coverage, cells)
	}
}
