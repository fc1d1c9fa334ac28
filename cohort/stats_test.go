package cohort

import (
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fixedCohort is 80 patients with ties in time (whole months), ties in
// score (two decimals) and censoring; the positive class (score ≥ 0.5)
// has a higher hazard. The same seed gives the same data.
func fixedCohort() (score []float64, y []Surv, positive []bool) {
	r := rand.New(rand.NewPCG(42, 7))
	for i := 0; i < 80; i++ {
		s := math.Round(r.Float64()*100) / 100
		rate := 0.01
		if s >= 0.5 {
			rate = 0.03
		}
		t := math.Ceil(r.ExpFloat64() / rate)
		c := math.Ceil(r.Float64() * 90)
		ev := t <= c
		if !ev {
			t = c
		}
		score = append(score, s)
		y = append(y, Surv{Months: t, Event: ev})
		positive = append(positive, ev && t <= 60)
	}
	return score, y, positive
}

// The statistics agree with R's survival package (r-cran-survival) and
// base R's Wilcoxon statistic on the same data, with ties and censoring.
func TestStatisticsMatchR(t *testing.T) {
	if _, err := exec.LookPath("Rscript"); err != nil {
		t.Skip("Rscript not installed (scripts/setup.sh installs r-cran-survival): skipping the comparison with R")
	}
	if err := exec.Command("Rscript", "-e", "library(survival)").Run(); err != nil {
		t.Skip("R's survival package not installed (r-cran-survival): skipping the comparison with R")
	}
	score, y, positive := fixedCohort()
	dir := t.TempDir()
	data := filepath.Join(dir, "data.csv")
	f, _ := os.Create(data)
	w := csv.NewWriter(f)
	w.Write([]string{"score", "time", "event", "pos", "high"})
	for i := range score {
		w.Write([]string{strconv.FormatFloat(score[i], 'g', -1, 64), strconv.FormatFloat(y[i].Months, 'g', -1, 64), b01(y[i].Event), b01(positive[i]), b01(score[i] >= 0.5)})
	}
	w.Flush()
	f.Close()
	script := `library(survival)
d <- read.csv("` + data + `")
cat("cindex", concordance(Surv(time, event) ~ score, data = d, reverse = TRUE)$concordance, "\n")
m <- coxph(Surv(time, event) ~ high, data = d, ties = "efron")
cat("beta", coef(m), "\n")
cat("se", sqrt(vcov(m)[1, 1]), "\n")
s <- survdiff(Surv(time, event) ~ high, data = d)
cat("chisq", s$chisq, "\n")
cat("p", 1 - pchisq(s$chisq, 1), "\n")
w <- wilcox.test(d$score[d$pos == 1], d$score[d$pos == 0], exact = FALSE)$statistic
cat("auc", w / (sum(d$pos == 1) * sum(d$pos == 0)), "\n")
k <- survfit(Surv(time, event) ~ 1, data = d)
cat("km", summary(k, times = c(12, 24, 36, 60))$surv, "\n")
cat("atrisk", summary(k, times = c(12, 24, 36, 60))$n.risk, "\n")
`
	ref := runR(t, script)
	near := nearR(t)
	high := make([]bool, len(score))
	x := make([]float64, len(score))
	for i, s := range score {
		high[i] = s >= 0.5
		if high[i] {
			x[i] = 1
		}
	}
	near("c-index", CIndex(score, y), ref["cindex"][0])
	beta, se, ok := Cox(y, x)
	if !ok {
		t.Fatal("Cox did not converge")
	}
	near("Cox log hazard ratio", beta, ref["beta"][0])
	near("Cox standard error", se, ref["se"][0])
	chi2, p := LogRank(y, high)
	near("log-rank chi-square", chi2, ref["chisq"][0])
	near("log-rank p", p, ref["p"][0])
	near("AUC", AUC(score, positive), ref["auc"][0])
	km := KaplanMeier(y)
	for k, at := range []float64{12, 24, 36, 60} {
		surv := 1.0
		for _, s := range km {
			if s.Months <= at {
				surv = s.Survival
			}
		}
		near(fmt.Sprintf("KM survival at %g months", at), surv, ref["km"][k])
		near(fmt.Sprintf("at risk at %g months", at), float64(AtRisk(y, []float64{at})[0]), ref["atrisk"][k])
	}
	t.Logf("c-index %.4f, HR %.3f, log-rank p %.4g, AUC %.4f (as R)", ref["cindex"][0], math.Exp(beta), p, ref["auc"][0])
}

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// Hand-checked cases: perfect and reversed ranking, ties, no pairs.
func TestStatisticsSmallCases(t *testing.T) {
	if got := AUC([]float64{0.1, 0.2, 0.8, 0.9}, []bool{false, false, true, true}); got != 1 {
		t.Errorf("perfect AUC %v", got)
	}
	if got := AUC([]float64{0.5, 0.5}, []bool{false, true}); got != 0.5 {
		t.Errorf("tied AUC %v", got)
	}
	if got := AUC([]float64{0.5, 0.6}, []bool{true, true}); !math.IsNaN(got) {
		t.Errorf("one-class AUC %v", got)
	}
	y := []Surv{{10, true}, {20, true}, {30, false}}
	if got := CIndex([]float64{3, 2, 1}, y); got != 1 {
		t.Errorf("perfect C %v", got)
	}
	if got := CIndex([]float64{1, 2, 3}, y); got != 0 {
		t.Errorf("reversed C %v", got)
	}
	if got := CIndex([]float64{1, 2}, []Surv{{10, false}, {20, false}}); !math.IsNaN(got) {
		t.Errorf("C without events %v", got)
	}
	// Every event in one group: the hazard ratio is not estimable.
	if _, _, ok := Cox([]Surv{{1, true}, {2, true}, {3, false}, {4, false}}, []float64{1, 1, 0, 0}); ok {
		t.Error("Cox estimated an infinite hazard ratio")
	}
	lo, hi := Bootstrap(4, 500, 1, func(idx []int) float64 {
		s, p := make([]float64, len(idx)), make([]bool, len(idx))
		for k, i := range idx {
			s[k], p[k] = []float64{0.1, 0.2, 0.8, 0.9}[i], i >= 2
		}
		return AUC(s, p)
	})
	if lo != 1 || hi != 1 {
		t.Errorf("bootstrap of a perfect AUC [%v, %v]", lo, hi)
	}
	sens, spec, ppv, npv := Confusion{TP: 8, FN: 2, TN: 30, FP: 10}.Rates()
	if sens != 0.8 || spec != 0.75 || ppv != 8.0/18 || npv != 30.0/32 {
		t.Errorf("rates %v %v %v %v", sens, spec, ppv, npv)
	}
}

// runR runs an R script that prints lines "NAME value value…" and returns
// the values by name.
func runR(t *testing.T, script string) map[string][]float64 {
	t.Helper()
	out, err := exec.Command("Rscript", "-e", script).CombinedOutput()
	if err != nil {
		t.Fatalf("R: %v\n%s", err, out)
	}
	ref := map[string][]float64{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		for _, v := range f[1:] {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("R printed %q", line)
			}
			ref[f[0]] = append(ref[f[0]], x)
		}
	}
	return ref
}

// nearR compares a figure with R's to 1e-6 (relative above 1).
func nearR(t *testing.T) func(name string, got, want float64) {
	return func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Errorf("%s: Tessera %.9g, R %.9g", name, got, want)
		}
	}
}

// requireR skips the test when R or its survival package is missing.
func requireR(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("Rscript"); err != nil {
		t.Skip("Rscript not installed (scripts/setup.sh installs r-cran-survival): skipping the comparison with R")
	}
	if err := exec.Command("Rscript", "-e", "library(survival)").Run(); err != nil {
		t.Skip("R's survival package not installed (r-cran-survival): skipping the comparison with R")
	}
}
