package cohort

import (
	"fmt"
	"math"
	"sort"

	"tessera/session"
)

// ScannerMetrics are one scanner's figures: how many of its slides quality
// control and the validity verdict withheld, and the discrimination on the
// patients whose every analysed slide it scanned.
type ScannerMetrics struct {
	Scanner       string   `json:"scanner"` // "vendor model" as the slides say (slide.Scanner); "unknown" for results that do not say
	Slides        int      `json:"slides"`  // with a result
	Withheld      int      `json:"withheld"`
	ExclusionRate float64  `json:"qc_exclusion_rate"` // Withheld / Slides
	Patients      int      `json:"patients"`          // in the statistics, every slide from this scanner
	AUC           *float64 `json:"auc"`
	CIndex        *float64 `json:"c_index"`
}

// ScannerAgreement is the agreement of the patient's class between two
// scanners, on patients scanned on both (paired scans).
type ScannerAgreement struct {
	Scanners [2]string `json:"scanners"`
	Patients int       `json:"patients"`
	Agree    int       `json:"agree"`
	// Kappa is Cohen's κ; null when one class only makes it undefined.
	Kappa   *float64  `json:"kappa"`
	KappaCI []float64 `json:"kappa_ci"` // bootstrap over patients
}

const unknownScanner = "unknown"

// scanners computes the per-scanner figures and the paired agreement.
func (mt *Metrics) scanners(m *Merged) {
	by := map[string]*ScannerMetrics{}
	get := func(name string) *ScannerMetrics {
		if name == "" {
			name = unknownScanner
		}
		if by[name] == nil {
			by[name] = &ScannerMetrics{Scanner: name}
		}
		return by[name]
	}
	for _, s := range m.Slides {
		if s.Result == nil {
			continue
		}
		sm := get(s.Result.Slide.Scanner)
		sm.Slides++
		if s.Result.Withheld() {
			sm.Withheld++
		}
	}
	for _, sm := range by {
		sm.ExclusionRate = float64(sm.Withheld) / float64(sm.Slides)
		var score []float64
		var pos []bool
		var y []Surv
		var risk []float64
		for _, p := range mt.points {
			if p.scanner != sm.Scanner && !(sm.Scanner == unknownScanner && p.scanner == "") {
				continue
			}
			sm.Patients++
			if p.binary >= 0 {
				score, pos = append(score, p.p), append(pos, p.binary == 1)
			}
			if p.surv != nil {
				risk, y = append(risk, p.p), append(y, *p.surv)
			}
		}
		sm.AUC, sm.CIndex = ptr(AUC(score, pos)), ptr(CIndex(risk, y))
		mt.Scanners = append(mt.Scanners, *sm)
	}
	sort.Slice(mt.Scanners, func(a, b int) bool { return mt.Scanners[a].Scanner < mt.Scanners[b].Scanner })
	if len(mt.Scanners) > 1 {
		mt.ScannerAgreement = pairedAgreement(m)
		if len(mt.ScannerAgreement) == 0 {
			mt.Notes = append(mt.Notes, "no patient was scanned on two scanners: no agreement between scanners (Cohen's kappa)")
		}
	}
}

// pairedAgreement compares, for every pair of scanners, the class each
// gives the patients scanned on both: each scanner's slides of the patient
// combined by the bundle's rule (session, as on the case card), withheld
// results left out.
func pairedAgreement(m *Merged) []ScannerAgreement {
	var patients []string
	bySlides := map[string]map[string]*session.Case{}
	for _, s := range m.Slides {
		r := s.Result
		if r == nil || r.Withheld() || r.Slide.Scanner == "" {
			continue
		}
		id := s.Row.PatientID
		if bySlides[id] == nil {
			bySlides[id] = map[string]*session.Case{}
			patients = append(patients, id)
		}
		sc := bySlides[id][r.Slide.Scanner]
		if sc == nil {
			sc = session.New()
			sc.IsCase = true
			bySlides[id][r.Slide.Scanner] = sc
		}
		sc.SetResult(sc.Add(s.Row.Slide, s.Row.MPP, ""), r)
	}
	pairs := map[[2]string][][2]bool{}
	for _, id := range patients {
		classes := map[string]bool{} // scanner → the patient's class on it
		var names []string
		for name, sc := range bySlides[id] {
			if pr := sc.Patient(); pr.Available {
				classes[name] = pr.Positive
				names = append(names, name)
			}
		}
		sort.Strings(names)
		for i := range names {
			for j := i + 1; j < len(names); j++ {
				key := [2]string{names[i], names[j]}
				pairs[key] = append(pairs[key], [2]bool{classes[names[i]], classes[names[j]]})
			}
		}
	}
	var out []ScannerAgreement
	for key, v := range pairs {
		a := ScannerAgreement{Scanners: key, Patients: len(v)}
		for _, c := range v {
			if c[0] == c[1] {
				a.Agree++
			}
		}
		all := make([]int, len(v))
		for i := range all {
			all[i] = i
		}
		a.Kappa = ptr(cohenKappa(v, all))
		if a.Kappa != nil && len(v) >= 10 {
			a.KappaCI = interval(Bootstrap(len(v), 2000, 4, func(idx []int) float64 { return cohenKappa(v, idx) }))
		}
		out = append(out, a)
	}
	sort.Slice(out, func(a, b int) bool {
		return fmt.Sprint(out[a].Scanners) < fmt.Sprint(out[b].Scanners)
	})
	return out
}

// cohenKappa is Cohen's κ of the pairs idx: (observed − chance agreement)
// / (1 − chance agreement); NaN when chance agreement is 1.
func cohenKappa(pairs [][2]bool, idx []int) float64 {
	var agree, a1, b1 float64
	for _, i := range idx {
		if pairs[i][0] == pairs[i][1] {
			agree++
		}
		if pairs[i][0] {
			a1++
		}
		if pairs[i][1] {
			b1++
		}
	}
	n := float64(len(idx))
	po, pe := agree/n, (a1/n)*(b1/n)+(1-a1/n)*(1-b1/n)
	if pe >= 1 {
		return math.NaN()
	}
	return (po - pe) / (1 - pe)
}
