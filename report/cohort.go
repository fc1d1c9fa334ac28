package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"tessera/cohort"
)

// CohortReport is what a cohort validation report contains.
type CohortReport struct {
	Metrics   *cohort.Metrics
	Cohort    string // the cohort file's name (no folders)
	Generated time.Time
}

// Colours of the predicted classes in the plots (negative, positive) and
// of the outcomes.
var classColours = [2]color.NRGBA{{40, 90, 200, 255}, {210, 60, 40, 255}}

// WriteCohortPDF writes the validation report: the figures with their
// intervals, counts of verdicts and exclusions, then the plots (survival by
// predicted class with numbers at risk, ROC, calibration, score
// distributions), drawn by gonum/plot.
func WriteCohortPDF(path string, r CohortReport) error {
	m := r.Metrics
	pdf, tr, text := newDocument("Tessera cohort validation report")
	gap := func() { pdf.Ln(3) }

	pdf.AddPage()
	text("B", 18, "Tessera cohort validation report")
	text("", 11, "Cohort: "+r.Cohort)
	text("", 11, fmt.Sprintf("Model: %s (sha256 %.12s)", m.Model, m.ModelSHA256))
	text("", 11, "Generated: "+r.Generated.Format("2006-01-02 15:04 MST"))
	if m.Demonstration {
		gap()
		text("B", 12, "DEMONSTRATION MODEL - these figures say nothing about clinical performance.")
	}
	gap()
	text("B", 13, "Patients")
	text("", 11, fmt.Sprintf("%d patients in the statistics, %d left out.", m.NPatients, m.NExcluded))
	for _, k := range sortedKeys(m.Exclusions) {
		text("", 10, fmt.Sprintf("  %d left out: %s", m.Exclusions[k], k))
	}
	text("", 10, "Patient verdicts: "+countsText(m.Verdicts)+". Slides: "+countsText(m.SlideStatus)+".")
	gap()
	text("B", 13, "Discrimination and survival")
	text("", 10, fmt.Sprintf("Binary outcome: %s; %d patients have one.", m.Outcome, m.NBinary))
	rows := [][2]string{
		{"AUC", figure(m.AUC, m.AUCCI, "%.3f")},
		{"Harrell's c-index (time to event)", figure(m.CIndex, m.CIndexCI, "%.3f") + fmt.Sprintf("  (%d patients, %d events)", m.NSurvival, m.Events)},
		{fmt.Sprintf("Hazard ratio, %s vs %s (Cox)", m.Classes[1], m.Classes[0]), figure(m.HazardRatio, m.HazardRatioCI, "%.2f")},
		{"Log-rank test", PValue(m.LogrankP)},
	}
	if c := m.Confusion; c != nil {
		rows = append(rows,
			[2]string{fmt.Sprintf("Sensitivity at threshold %.2f", m.Threshold), figure(m.Sens, m.SensCI, "%.3f") + fmt.Sprintf("  (%d/%d)", c.TP, c.TP+c.FN)},
			[2]string{"Specificity", figure(m.Spec, m.SpecCI, "%.3f") + fmt.Sprintf("  (%d/%d)", c.TN, c.TN+c.FP)},
			[2]string{"Positive predictive value", figure(m.PPV, m.PPVCI, "%.3f") + fmt.Sprintf("  (%d/%d)", c.TP, c.TP+c.FP)},
			[2]string{"Negative predictive value", figure(m.NPV, m.NPVCI, "%.3f") + fmt.Sprintf("  (%d/%d)", c.TN, c.TN+c.FN)})
	}
	pdf.SetFont("Helvetica", "", 10)
	for _, row := range rows {
		pdf.CellFormat(80, 6, tr(row[0]), "B", 0, "L", false, 0, "")
		pdf.CellFormat(100, 6, tr(row[1]), "B", 1, "L", false, 0, "")
	}
	gap()
	text("", 9, fmt.Sprintf("Intervals are 95 %%: AUC and c-index by bootstrap over patients (%d resamples, percentile), hazard ratio from the Cox model's standard error (Efron ties), proportions by Wilson's score interval. Ties in score count one half. Patients are combined from their slides by the model's rule, as on the case card.", m.BootstrapReps))
	for _, n := range m.Notes {
		text("B", 10, "! "+n)
	}
	writeScanners(pdf, tr, text, m)
	if err := writeClinicalPage(pdf, tr, text, m.Clinical); err != nil {
		return fmt.Errorf("cohort report: %w", err)
	}

	plots := []struct {
		title string
		p     *plot.Plot
		after func()
	}{
		{"Survival by predicted class (Kaplan-Meier)", kmPlot(m), func() { atRiskTable(pdf, tr, m) }},
		{"ROC curve", rocPlot(m), nil},
		{"Calibration: predicted probability against observed outcome, by decile", calibrationPlot(m), nil},
		{"Patient probabilities by outcome", distributionPlot(m), nil},
	}
	for i, pl := range plots {
		if pl.p == nil {
			continue
		}
		if i%2 == 0 {
			pdf.AddPage()
		} else {
			pdf.Ln(6)
		}
		text("B", 12, pl.title)
		if err := placePlot(pdf, pl.p, fmt.Sprintf("plot%d", i)); err != nil {
			return fmt.Errorf("cohort report: %w", err)
		}
		if pl.after != nil {
			pl.after()
		}
	}
	return save(pdf, path, "cohort report")
}

func figure(v *float64, ci []float64, format string) string {
	if v == nil {
		return "not computable (see the notes)"
	}
	s := fmt.Sprintf(format, *v)
	if len(ci) == 2 {
		s += fmt.Sprintf(" (95 %% CI "+format+" - "+format+")", ci[0], ci[1])
	}
	return s
}

// PValue writes a p-value as the report does ("p < 0.0001", "p = 0.0123").
func PValue(p *float64) string {
	switch {
	case p == nil:
		return "not computable (see the notes)"
	case *p < 0.0001:
		return "p < 0.0001"
	}
	return fmt.Sprintf("p = %.4f", *p)
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func countsText(m map[string]int) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// placePlot draws p as a 180 × 100 mm image at the current position.
func placePlot(pdf *fpdf.Fpdf, p *plot.Plot, name string) error {
	const wMM, hMM = 180.0, 100.0
	c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(vg.Length(wMM)*vg.Millimeter, vg.Length(hMM)*vg.Millimeter), vgimg.UseDPI(150))}
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return err
	}
	pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, &buf)
	pdf.ImageOptions(name, 15, pdf.GetY()+2, wMM, hMM, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	pdf.SetY(pdf.GetY() + hMM + 4)
	return nil
}

func newPlot(x, y string) *plot.Plot {
	p := plot.New()
	p.X.Label.Text, p.Y.Label.Text = x, y
	p.Legend.Top = true
	return p
}

func kmPlot(m *cohort.Metrics) *plot.Plot {
	if m.NSurvival == 0 {
		return nil
	}
	p := newPlot("months", "event-free survival")
	p.Y.Min, p.Y.Max = 0, 1.02
	for k, class := range m.Classes {
		steps := m.KM[class]
		pts := plotter.XYs{{X: 0, Y: 1}}
		for _, s := range steps {
			pts = append(pts, plotter.XY{X: s.Months, Y: s.Survival})
		}
		if len(m.AtRiskMonths) > 0 {
			last := pts[len(pts)-1]
			pts = append(pts, plotter.XY{X: math.Max(last.X, m.AtRiskMonths[len(m.AtRiskMonths)-1]), Y: last.Y})
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			continue
		}
		l.StepStyle = plotter.PostStep
		l.Color, l.Width = classColours[k], vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("predicted %s (n = %d)", class, countAtStart(m.AtRisk[class])), l)
	}
	return p
}

func countAtStart(v []int) int {
	if len(v) == 0 {
		return 0
	}
	return v[0]
}

// atRiskTable prints the numbers at risk under the survival plot.
func atRiskTable(pdf *fpdf.Fpdf, tr func(string) string, m *cohort.Metrics) {
	if len(m.AtRiskMonths) == 0 {
		return
	}
	pdf.SetFont("Helvetica", "B", 9)
	pdf.CellFormat(40, 5, tr("Number at risk, months:"), "", 0, "L", false, 0, "")
	shown := m.AtRiskMonths[:min(len(m.AtRiskMonths), 12)]
	w := 140.0 / float64(len(shown))
	for _, t := range shown {
		pdf.CellFormat(w, 5, fmt.Sprintf("%g", t), "", 0, "C", false, 0, "")
	}
	pdf.Ln(5)
	pdf.SetFont("Helvetica", "", 9)
	for _, class := range m.Classes {
		pdf.CellFormat(40, 5, tr(class), "", 0, "L", false, 0, "")
		for k := range shown {
			pdf.CellFormat(w, 5, fmt.Sprint(m.AtRisk[class][k]), "", 0, "C", false, 0, "")
		}
		pdf.Ln(5)
	}
}

func rocPlot(m *cohort.Metrics) *plot.Plot {
	prob, pos := m.BinaryScores()
	fpr, tpr := cohort.ROC(prob, pos)
	if len(fpr) == 0 {
		return nil
	}
	p := newPlot("1 - specificity", "sensitivity")
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	pts := make(plotter.XYs, len(fpr))
	for i := range fpr {
		pts[i] = plotter.XY{X: fpr[i], Y: tpr[i]}
	}
	l, _ := plotter.NewLine(pts)
	l.Color, l.Width = classColours[1], vg.Points(1.5)
	p.Add(l, diagonal())
	if m.AUC != nil {
		p.Legend.Add(fmt.Sprintf("AUC %.3f", *m.AUC), l)
	}
	return p
}

func diagonal() *plotter.Line {
	d, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	d.Color, d.Dashes = color.NRGBA{150, 150, 150, 255}, []vg.Length{vg.Points(4), vg.Points(3)}
	return d
}

func calibrationPlot(m *cohort.Metrics) *plot.Plot {
	if len(m.Calibration) == 0 {
		return nil
	}
	p := newPlot("mean predicted probability", "observed share with the outcome")
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	pts := make(plotter.XYs, len(m.Calibration))
	for i, b := range m.Calibration {
		pts[i] = plotter.XY{X: b.MeanPredicted, Y: b.Observed}
	}
	lp, sc, _ := plotter.NewLinePoints(pts)
	lp.Color, sc.Color = classColours[1], classColours[1]
	sc.Shape = draw.CircleGlyph{}
	p.Add(lp, sc, diagonal())
	p.Legend.Add(fmt.Sprintf("this cohort, by group of %d-%d patients", minN(m.Calibration), maxN(m.Calibration)), lp, sc)
	if bc := m.BundleCalibration; len(bc) > 0 {
		pts := make(plotter.XYs, len(bc))
		for i, c := range bc {
			pts[i] = plotter.XY{X: c.Probability, Y: c.Risk}
		}
		l, _ := plotter.NewLine(pts)
		l.Color, l.Width = classColours[0], vg.Points(1.5)
		p.Add(l)
		p.Legend.Add("the bundle's calibration (its event risk)", l)
	}
	p.Legend.Left = true
	return p
}

func minN(b []cohort.CalibrationBin) int {
	n := b[0].N
	for _, v := range b {
		n = min(n, v.N)
	}
	return n
}

func maxN(b []cohort.CalibrationBin) int {
	n := 0
	for _, v := range b {
		n = max(n, v.N)
	}
	return n
}

func distributionPlot(m *cohort.Metrics) *plot.Plot {
	prob, pos := m.BinaryScores()
	if len(prob) == 0 {
		return nil
	}
	p := newPlot("patient probability", "patients")
	p.Legend.Left = true
	for k, want := range []bool{false, true} {
		var v plotter.Values
		for i := range prob {
			if pos[i] == want {
				v = append(v, prob[i])
			}
		}
		if len(v) == 0 {
			continue
		}
		h := sharedBins(v, 20)
		c := classColours[k]
		c.A = 140
		h.FillColor, h.LineStyle.Color = c, classColours[k]
		p.Add(h)
		name := "outcome negative"
		if want {
			name = "outcome positive"
		}
		p.Legend.Add(fmt.Sprintf("%s (n = %d)", name, len(v)), h)
	}
	return p
}

// sharedBins is a histogram of probabilities over [0, 1] in n equal bins,
// the same for every group so that the groups' bars line up.
func sharedBins(v plotter.Values, n int) *plotter.Histogram {
	w := 1.0 / float64(n)
	bins := make([]plotter.HistogramBin, n)
	for i := range bins {
		bins[i] = plotter.HistogramBin{Min: float64(i) * w, Max: float64(i+1) * w}
	}
	for _, x := range v {
		i := min(n-1, max(0, int(x/w)))
		bins[i].Weight++
	}
	return &plotter.Histogram{Bins: bins, Width: w, LineStyle: plotter.DefaultLineStyle}
}
