package app

import (
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tessera/inference"
)

// The verdict is green only within a domain the model declared: an ok
// verdict of a bundle that declares none says what was checked, in the
// card's plain colour.
func TestVerdictColourFollowsTheDeclaredDomain(t *testing.T) {
	test.NewTempApp(t)
	c := newCaseCard()
	r := &inference.Result{}
	r.Validity = inference.Validity{Verdict: inference.VerdictOK, Reasons: []inference.Reason{}, DomainDeclared: true}
	c.showVerdict(r)
	if c.verdict.Importance != widget.SuccessImportance {
		t.Errorf("declared domain, ok: importance %v, want success", c.verdict.Importance)
	}
	r.Validity.DomainDeclared = false
	c.showVerdict(r)
	if c.verdict.Importance == widget.SuccessImportance || c.verdict.Text != r.VerdictText() {
		t.Errorf("no domain declared, ok: importance %v (green), text %q", c.verdict.Importance, c.verdict.Text)
	}
}
