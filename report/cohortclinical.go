package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/go-pdf/fpdf"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"

	"tessera/cohort"
)

// The cohort report's page on the clinical factors and the slide score,
// and its table per scanner. The PDF's core fonts have no Greek letters:
// "kappa" and "chi-square" are written out.

// table draws rows of cells of the given widths (mm); the first row bold.
func table(pdf *fpdf.Fpdf, tr func(string) string, widths []float64, rows [][]string) {
	for i, row := range rows {
		style := ""
		if i == 0 {
			style = "B"
		}
		pdf.SetFont("Helvetica", style, 9)
		for k, cell := range row {
			ln, align := 0, "L"
			if k == len(row)-1 {
				ln = 1
			}
			if k > 0 {
				align = "C"
			}
			pdf.CellFormat(widths[k], 5.5, tr(cell), "B", ln, align, false, 0, "")
		}
	}
}

func hrText(t cohort.CoxTerm) string {
	return fmt.Sprintf("%.2f (%.2f-%.2f)", t.HazardRatio, t.HRCI[0], t.HRCI[1])
}

func pShort(p float64) string {
	if p < 0.0001 {
		return "<0.0001"
	}
	return fmt.Sprintf("%.4f", p)
}

// writeClinicalPage is the page "What the slide score adds to the clinical
// factors"; nothing without clinical models.
func writeClinicalPage(pdf *fpdf.Fpdf, tr func(string) string, text func(string, float64, string), cm *cohort.ClinicalMetrics) error {
	if cm == nil {
		return nil
	}
	pdf.AddPage()
	text("B", 14, "What the slide score adds to the clinical factors")
	text("", 10, fmt.Sprintf("Models: %s. Factors: %s. Risk: probability of the event within %g months; high risk from %g %%.",
		cm.Source, strings.Join(cm.Factors, ", "), cm.HorizonMonths, 100*cm.Threshold))
	left := 0
	for _, n := range cm.Left {
		left += n
	}
	text("", 10, fmt.Sprintf("%d patients with every factor, a slide result and a time to event (%d events); %d of the statistics' patients left out here%s.",
		cm.NPatients, cm.Events, left, leftText(cm.Left)))
	if cm.Apparent {
		text("B", 10, "! These models were fitted on this cohort: the figures below are apparent (optimistic). Validate on another cohort.")
	}
	pdf.Ln(2)
	if len(cm.CombinedCox) > 0 {
		text("B", 12, "Multivariable Cox models refitted on this cohort (Efron ties)")
		rows := [][]string{{"Term", "HR without the score (95% CI)", "p", "HR with the score (95% CI)", "p"}}
		for k, comb := range cm.CombinedCox {
			row := []string{comb.Term, "-", "", hrText(comb), pShort(comb.P)}
			if k < len(cm.ClinicalCox) {
				row[1], row[2] = hrText(cm.ClinicalCox[k]), pShort(cm.ClinicalCox[k].P)
			}
			rows = append(rows, row)
		}
		table(pdf, tr, []float64{50, 45, 17, 45, 17}, rows)
		if cm.LRChi2 != nil {
			text("", 10, fmt.Sprintf("Adding the slide score: likelihood-ratio chi-square %.2f (1 df), %s.", *cm.LRChi2, PValue(cm.LRP)))
		}
		pdf.Ln(2)
	}
	if cm.CIndexDifference != nil {
		text("B", 12, "Discrimination of the declared models (Harrell's c-index)")
		table(pdf, tr, []float64{80, 94}, [][]string{
			{"Model", "c-index (95% CI)"},
			{"Clinical factors alone", figure(cm.CIndexClinical, cm.CIndexClinicalCI, "%.3f")},
			{"Clinical factors and slide score", figure(cm.CIndexCombined, cm.CIndexCombinedCI, "%.3f")},
			{"Difference (paired bootstrap)", figure(cm.CIndexDifference, cm.CIndexDifferenceCI, "%+.3f")},
		})
		pdf.Ln(2)
	}
	if r := cm.Reclassification; r != nil {
		text("B", 12, fmt.Sprintf("Reclassification at the %g %% threshold", 100*cm.Threshold))
		text("", 9, "Rows: the class by the clinical factors alone; columns: the class with the slide score added.")
		rows := [][]string{{"Without the score", "Low", "High", "Low", "High", "Low", "High"}}
		for a, name := range []string{"Low", "High"} {
			rows = append(rows, []string{name,
				fmt.Sprint(r.All[a][0]), fmt.Sprint(r.All[a][1]),
				fmt.Sprint(r.Events[a][0]), fmt.Sprint(r.Events[a][1]),
				fmt.Sprint(r.NonEvents[a][0]), fmt.Sprint(r.NonEvents[a][1])})
		}
		pdf.SetFont("Helvetica", "B", 9)
		pdf.CellFormat(36, 5.5, "", "", 0, "L", false, 0, "")
		for _, h := range []string{"All patients, with the score", fmt.Sprintf("Event by %g months", cm.HorizonMonths), fmt.Sprintf("Event-free at %g months", cm.HorizonMonths)} {
			pdf.CellFormat(48, 5.5, tr(h), "B", 0, "C", false, 0, "")
		}
		pdf.Ln(5.5)
		table(pdf, tr, []float64{36, 24, 24, 24, 24, 24, 24}, rows)
		if r.NRIEvents != nil && r.NRINonEvents != nil {
			text("", 10, fmt.Sprintf("Net reclassification: events %+.3f (moved up %d, down %d); event-free %+.3f (moved down %d, up %d).",
				*r.NRIEvents, r.Events[0][1], r.Events[1][0], *r.NRINonEvents, r.NonEvents[1][0], r.NonEvents[0][1]))
		}
		pdf.Ln(2)
	}
	if p := clinicalCalibrationPlot(cm); p != nil {
		if pdf.GetY() > 170 {
			pdf.AddPage()
		}
		text("B", 12, fmt.Sprintf("Calibration of the combined %g-month probability", cm.HorizonMonths))
		if err := placePlot(pdf, p, "clinical-calibration"); err != nil {
			return err
		}
	}
	return nil
}

func leftText(left map[string]int) string {
	var parts []string
	for _, k := range sortedKeys(left) {
		parts = append(parts, fmt.Sprintf("%d: %s", left[k], k))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

func clinicalCalibrationPlot(cm *cohort.ClinicalMetrics) *plot.Plot {
	var pts plotter.XYs
	top := 0.0
	for _, b := range cm.Calibration {
		if b.Observed != nil {
			pts = append(pts, plotter.XY{X: b.MeanPredicted, Y: *b.Observed})
			top = math.Max(top, math.Max(b.MeanPredicted, *b.Observed))
		}
	}
	if len(pts) == 0 {
		return nil
	}
	p := newPlot("mean predicted probability (combined model)", "observed risk (Kaplan-Meier)")
	top = math.Min(1, math.Ceil(top*10+0.5)/10)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, top, 0, top
	lp, sc, _ := plotter.NewLinePoints(pts)
	lp.Color, sc.Color = classColours[1], classColours[1]
	sc.Shape = draw.CircleGlyph{}
	d := diagonal()
	d.XYs = plotter.XYs{{X: 0, Y: 0}, {X: top, Y: top}}
	p.Add(lp, sc, d)
	p.Legend.Add(fmt.Sprintf("this cohort, %d groups by predicted risk", len(cm.Calibration)), lp, sc)
	p.Legend.Left = true
	return p
}

// writeScanners is the table per scanner and the agreement on paired
// scans; nothing when every slide is from one scanner.
func writeScanners(pdf *fpdf.Fpdf, tr func(string) string, text func(string, float64, string), m *cohort.Metrics) {
	if len(m.Scanners) < 2 {
		return
	}
	pdf.Ln(3)
	text("B", 13, "By scanner")
	rows := [][]string{{"Scanner", "Slides", "Withheld (QC)", "Patients", "AUC", "c-index"}}
	for _, s := range m.Scanners {
		rows = append(rows, []string{s.Scanner, fmt.Sprint(s.Slides), fmt.Sprintf("%d (%.1f %%)", s.Withheld, 100*s.ExclusionRate),
			fmt.Sprint(s.Patients), optional(s.AUC), optional(s.CIndex)})
	}
	table(pdf, tr, []float64{54, 18, 30, 22, 25, 25}, rows)
	text("", 9, "Patients: those whose every analysed slide comes from this scanner.")
	for _, a := range m.ScannerAgreement {
		k := "not computable (one class only)"
		if a.Kappa != nil {
			k = fmt.Sprintf("%.3f", *a.Kappa)
			if len(a.KappaCI) == 2 {
				k += fmt.Sprintf(" (95 %% CI %.3f-%.3f)", a.KappaCI[0], a.KappaCI[1])
			}
		}
		text("", 10, fmt.Sprintf("Paired scans, %s vs %s: %d patients, same class for %d; Cohen's kappa %s.", a.Scanners[0], a.Scanners[1], a.Patients, a.Agree, k))
	}
}

func optional(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.3f", *v)
}
