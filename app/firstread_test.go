package app

import (
	"path/filepath"
	"strings"
	"testing"

	"tessera/caselog"
	"tessera/cases"
	"tessera/heatmap"
)

// AI after first read: the result stays hidden (card, heatmap, legend,
// evidence) until the pathologist records an impression; exports wait too;
// the impression and the showing are both in the case log, in that order.
func TestAIAfterFirstRead(t *testing.T) {
	slides := sharedSlides(t)
	requireRuntime(t)
	casePath := filepath.Join(t.TempDir(), "c.tessera-case.json")
	c := &cases.Case{Schema: cases.Schema, Slides: []cases.SlideRef{{Path: filepath.Join(slides, "aperio", "CMU-1-Small-Region.svs")}}}
	if err := c.Save(casePath); err != nil {
		t.Fatal(err)
	}
	ui := newTestUI(t)
	ui.results.Dir = t.TempDir()
	ui.setFirstReadMode(true)
	if !ui.firstReadItem.Checked {
		t.Error("the menu item is not checked")
	}
	ui.OpenCase(casePath)
	settle(ui)
	p := ui.current()
	a := p.analysis
	analyse(t, p)
	r := p.ref.Result
	if !a.blinded || a.card.class.Visible() || a.card.verdict.Visible() || a.firstRead.content.Hidden {
		t.Fatalf("result not hidden: blinded %v, class visible %v", a.blinded, a.card.class.Visible())
	}
	if !p.view.LayerStyleOf(heatmap.LayerName).Hidden || a.layers.legend.Visible() || a.evidence.content.Visible() {
		t.Error("the heatmap, its legend or the evidence shows before the first read")
	}
	ui.exportReport()
	if !ui.dialogOpen() {
		t.Error("a report could be written before the first read")
	}
	ui.dialog.Hide()
	a.recordFirstRead() // nothing chosen
	if !a.blinded {
		t.Fatal("the result was shown without an impression")
	}
	ui.dialog.Hide()
	a.firstRead.impression.SetSelected(r.ClassLabels()[1])
	a.firstRead.note.SetText("dense tumour cells")
	a.recordFirstRead()
	if a.blinded || !a.card.class.Visible() || p.view.LayerStyleOf(heatmap.LayerName).Hidden || !a.firstRead.content.Hidden {
		t.Fatal("the result is still hidden after the first read")
	}
	if a.card.signOff.Hidden {
		t.Error("the sign-off section stays hidden after the first read")
	}
	rep, _ := caselog.Verify(caselog.PathFor(casePath))
	var events []string
	for _, e := range rep.Entries {
		events = append(events, e.Event)
	}
	got := strings.Join(events, ",")
	if !strings.HasSuffix(got, "first-read,analysis") {
		t.Errorf("log events %s", got)
	}
	read := rep.Entries[len(rep.Entries)-2]
	if read.Decision != r.ClassLabels()[1] || read.Reason != "dense tumour cells" || read.SlideIndex != 1 {
		t.Errorf("first read %+v", read)
	}
	// Reopened, the result read after the first read shows at once.
	ui.OpenCase(casePath)
	settle(ui)
	if again := ui.current(); again.ref.Result == nil || again.analysis.blinded {
		t.Errorf("reopened: result %v, hidden again %v", again.ref.Result != nil, again.analysis.blinded)
	}
	ui.setFirstReadMode(false)
}
