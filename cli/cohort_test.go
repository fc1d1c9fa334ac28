package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"tessera/cohort"
	"tessera/internal/testslides"
	"tessera/internal/testslurm"
)

// TestMain lets the test binary stand in for the tessera command: with
// TESSERA_TEST_RUN_CLI=1 it runs the command in its arguments (a cohort run
// killed by a test, a Slurm array task) and exits.
func TestMain(m *testing.M) {
	if os.Getenv("TESSERA_TEST_RUN_CLI") == "1" && len(os.Args) > 1 {
		if cmd, ok := Commands[os.Args[1]]; ok {
			err := cmd(os.Args[2:], os.Stdout, os.Stderr)
			if err != nil {
				fmt.Fprintln(os.Stderr, "tessera:", err)
			}
			os.Exit(ExitCode(err))
		}
	}
	os.Exit(m.Run())
}

// cohortBundle is a copy of the built-in bundle with another threshold, so
// that the demonstration model's probabilities (0.5–0.95 on CMU-1 pieces)
// fall on both sides of it.
func cohortBundle(t *testing.T, threshold float64) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "assets", "builtin-model"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "bundle")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"encoder.onnx", "head.onnx", "manifest.toml"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "manifest.toml" {
			s := strings.Replace(string(b), "\nthreshold = 0.5\n", fmt.Sprintf("\nthreshold = %g\n", threshold), 1)
			if s == string(b) {
				t.Fatal("the built-in manifest has no threshold = 0.5 line to change")
			}
			b = []byte(s)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// writeCohort writes a cohort file; rows are patient_id,slide[,event,time_months,label].
func writeCohort(t *testing.T, path string, header string, rows [][]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write(strings.Split(header, ","))
	w.WriteAll(rows)
	f.Close()
}

func readTable(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// A cohort of real slides (CMU-1 pieces, the OS-1 OME-TIFF, a fluorescence
// NDPI, a broken and a missing file, a duplicated row) with synthetic
// outcomes that follow the predicted class: every slide done or listed with
// its reason, patients combined by the bundle's rule, a second run that
// analyses nothing, and metrics that R's survival package reproduces from
// patients.csv.
func TestCohortLocalEndToEnd(t *testing.T) {
	requireRuntime(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	slides := sharedSlides(t)
	pieces := testslides.CohortSlides(t, 24)
	bundle := cohortBundle(t, 0.85)
	work := t.TempDir()
	cache := filepath.Join(work, "cache")
	out := filepath.Join(work, "out")

	// Patients P01…P20: P01–P04 have two pieces each, the others one.
	var rows [][]string
	patientOf := map[string]string{}
	for i, p := range pieces {
		id := fmt.Sprintf("P%02d", i+1)
		if i >= 20 {
			id = fmt.Sprintf("P%02d", i-19)
		}
		rows = append(rows, []string{id, p})
		patientOf[p] = id
	}
	rows = append(rows,
		[]string{"P21", filepath.Join(slides, "ometiff", "OS-1-detail.ome.tif")},
		[]string{"P22", filepath.Join(slides, "hamamatsu", "test3-DAPI-2-387.ndpi")},
		[]string{"P23", filepath.Join(slides, "broken", "histolab-broken.svs")},
		[]string{"P24", filepath.Join(work, "missing.svs")},
		[]string{"P01", pieces[0]})
	plain := filepath.Join(work, "plain.csv")
	writeCohort(t, plain, "patient_id,slide", rows)
	var stdout, stderr bytes.Buffer
	err := CohortCmd([]string{"run", plain, "--out", out, "--model", bundle, "--cache", cache, "--ep", "cpu"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}

	// Outcomes from the predicted patient probability (higher: earlier
	// events), with censoring and ties (whole months).
	prob := map[string]float64{}
	for _, p := range readTable(t, filepath.Join(out, "patients.csv")) {
		if p["probability"] != "" {
			prob[p["patient_id"]], _ = strconv.ParseFloat(p["probability"], 64)
		}
	}
	r := rand.New(rand.NewPCG(3, 9))
	outcome := map[string][]string{}
	ids := slices.Sorted(maps.Keys(prob))
	for _, id := range ids {
		p := prob[id]
		rate := 0.005 + 0.06*math.Max(0, p-0.6)
		tm := math.Ceil(r.ExpFloat64() / rate)
		censor := math.Ceil(24 + r.Float64()*72)
		ev := "1"
		if tm > censor {
			tm, ev = censor, "0"
		}
		outcome[id] = []string{ev, strconv.FormatFloat(tm, 'f', 0, 64)}
	}
	var withOutcome [][]string
	for _, row := range rows {
		o, ok := outcome[row[0]]
		if !ok {
			o = []string{"0", "80"}
		}
		withOutcome = append(withOutcome, append(append([]string{}, row...), o...))
	}
	full := filepath.Join(work, "cohort.csv")
	writeCohort(t, full, "patient_id,slide,event,time_months", withOutcome)
	stdout.Reset()
	stderr.Reset()
	start := time.Now()
	err = CohortCmd([]string{"run", full, "--out", out, "--model", bundle, "--cache", cache, "--ep", "cpu"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if n := strings.Count(stderr.String(), " ok ("); n != 0 {
		t.Errorf("the second run analysed %d slides again:\n%s", n, stderr.String())
	}
	t.Logf("second run: %v", time.Since(start))

	slidesCSV := readTable(t, filepath.Join(out, "slides.csv"))
	status := map[string]string{}
	for _, s := range slidesCSV {
		status[filepath.Base(s["slide"])] = s["verdict"]
	}
	if len(slidesCSV) != len(rows)-1 || status["test3-DAPI-2-387.ndpi"] != "withheld" || status["histolab-broken.svs"] != "failed" ||
		status["missing.svs"] != "failed" || status["OS-1-detail.ome.tif"] != "ok" {
		t.Errorf("slides.csv: %d rows, %v", len(slidesCSV), status)
	}
	problems, _ := os.ReadFile(filepath.Join(out, "problems.csv"))
	for _, want := range []string{"the same slide as line 2", "histolab-broken.svs has a slide's name", "missing.svs: no such file"} {
		if !strings.Contains(string(problems), want) {
			t.Errorf("problems.csv lacks %q:\n%s", want, problems)
		}
	}
	patients := readTable(t, filepath.Join(out, "patients.csv"))
	byID := map[string]map[string]string{}
	for _, p := range patients {
		byID[p["patient_id"]] = p
	}
	// P01's first piece (slide-000) holds only tissue fragments smaller than
	// a tile: a withheld slide, not a failure, so the patient is withheld
	// and left out of the statistics.
	if p := byID["P01"]; p["n_slides"] != "2" || p["verdict"] != "withheld" || p["in_metrics"] != "false" {
		t.Errorf("P01 (two slides, one withheld) %v", p)
	}
	if status["slide-000.tif"] != "withheld" {
		t.Errorf("slide-000.tif (tissue pieces smaller than a tile): %q", status["slide-000.tif"])
	}
	if p := byID["P22"]; p["verdict"] != "withheld" || p["in_metrics"] != "false" || p["probability"] != "" {
		t.Errorf("the fluorescence patient %v", p)
	}

	pdf := filepath.Join(work, "report.pdf")
	stdout.Reset()
	if err := CohortCmd([]string{"report", out, "--out", pdf}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var mt cohort.Metrics
	b, err := os.ReadFile(filepath.Join(out, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &mt); err != nil {
		t.Fatal(err)
	}
	// 24 patients: the fluorescence, broken and missing ones are left out,
	// and so are pieces of CMU-1 that quality control withholds (mostly glass).
	if mt.NPatients+mt.NExcluded != 24 || mt.NExcluded < 3 || mt.NPatients < 15 || mt.AUC == nil || mt.CIndex == nil || mt.HazardRatio == nil || len(mt.CIndexCI) != 2 || !mt.Demonstration {
		t.Fatalf("metrics %s", b)
	}
	t.Logf("%s", stdout.String())
	checkMetricsWithR(t, filepath.Join(out, "patients.csv"), &mt)
	if _, err := exec.LookPath("pdftotext"); err == nil {
		txt, err := exec.Command("pdftotext", pdf, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"DEMONSTRATION MODEL", "Harrell's c-index", "Hazard ratio", "Number at risk", "Kaplan-Meier", "left out"} {
			if !strings.Contains(string(txt), want) {
				t.Errorf("the report lacks %q", want)
			}
		}
	}
}

// checkMetricsWithR recomputes the c-index, the hazard ratio, the log-rank
// p-value and the AUC from patients.csv with R.
func checkMetricsWithR(t *testing.T, patients string, mt *cohort.Metrics) {
	t.Helper()
	if err := exec.Command("Rscript", "-e", "library(survival)").Run(); err != nil {
		t.Log("R's survival package is not installed: metrics not checked against R")
		return
	}
	script := fmt.Sprintf(`library(survival)
d <- read.csv(%q)
d <- d[d$in_metrics == "true", ]
d$high <- as.integer(d$probability >= %g)
cat(concordance(Surv(time_months, event) ~ probability, data = d, reverse = TRUE)$concordance,
    exp(coef(coxph(Surv(time_months, event) ~ high, data = d))),
    1 - pchisq(survdiff(Surv(time_months, event) ~ high, data = d)$chisq, 1),
    nrow(d), "\n")
pos <- d$event == 1 & d$time_months <= 60
neg <- d$time_months >= 60 & !pos
w <- wilcox.test(d$probability[pos], d$probability[neg], exact = FALSE)$statistic
cat(w / (sum(pos) * sum(neg)), "\n")
`, patients, mt.Threshold)
	out, err := exec.Command("Rscript", "-e", script).CombinedOutput()
	if err != nil {
		t.Fatalf("R: %v\n%s", err, out)
	}
	f := strings.Fields(string(out))
	if len(f) != 5 {
		t.Fatalf("R printed %q", out)
	}
	want := make([]float64, 5)
	for i := range f {
		want[i], _ = strconv.ParseFloat(f[i], 64)
	}
	got := []float64{*mt.CIndex, *mt.HazardRatio, *mt.LogrankP, float64(mt.NPatients), *mt.AUC}
	names := []string{"c-index", "hazard ratio", "log-rank p", "patients", "AUC"}
	for i := range got {
		// patients.csv rounds probabilities to 6 decimals.
		if math.Abs(got[i]-want[i]) > 1e-4*math.Max(1, math.Abs(want[i])) {
			t.Errorf("%s: Tessera %.6g, R %.6g", names[i], got[i], want[i])
		}
	}
}

// A cohort run killed (SIGKILL) half-way and run again finishes without
// analysing again what was done, and writes the same tables as a run that
// was never stopped.
func TestCohortKillAndResume(t *testing.T) {
	requireRuntime(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // nothing from (or to) the user's caches, here or in the subprocess
	pieces := testslides.CohortSlides(t, 12)
	work := t.TempDir()
	var rows [][]string
	for i, p := range pieces {
		rows = append(rows, []string{fmt.Sprintf("K%02d", i/2), p, strconv.Itoa(i % 2), strconv.Itoa(10 + i)})
	}
	csvPath := filepath.Join(work, "cohort.csv")
	writeCohort(t, csvPath, "patient_id,slide,event,time_months", rows)
	out := filepath.Join(work, "killed")
	cache := filepath.Join(work, "cache")
	cmd := exec.Command(os.Args[0], "cohort", "run", csvPath, "--out", out, "--cache", cache, "--jobs", "1", "--ep", "cpu")
	cmd.Env = append(os.Environ(), "TESSERA_TEST_RUN_CLI=1")
	var log bytes.Buffer
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	results := func() []string {
		m, _ := filepath.Glob(filepath.Join(out, "slides", "*", "result.json"))
		return m
	}
	deadline := time.Now().Add(2 * time.Minute)
	for len(results()) < 4 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the run made no progress:\n%s", log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	done := results()
	if len(done) >= len(pieces) {
		t.Fatalf("the run finished before it was killed (%d results)", len(done))
	}
	before := map[string]time.Time{}
	for _, p := range done {
		st, _ := os.Stat(p)
		before[p] = st.ModTime()
	}
	var stdout, stderr bytes.Buffer
	if err := CohortCmd([]string{"run", csvPath, "--out", out, "--cache", t.TempDir(), "--ep", "cpu"}, &stdout, &stderr); err != nil {
		t.Fatalf("resumed: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), fmt.Sprintf("(%d done before)", len(done))) {
		t.Errorf("the resumed run did not keep the %d finished slides:\n%s", len(done), stderr.String())
	}
	for p, mt := range before {
		if st, _ := os.Stat(p); !st.ModTime().Equal(mt) {
			t.Errorf("%s was written again", p)
		}
	}
	fresh := filepath.Join(work, "fresh")
	// Computed afresh like the others (cached half-precision features may
	// move a probability by up to 1e-3; they are tested elsewhere).
	if err := CohortCmd([]string{"run", csvPath, "--out", fresh, "--no-feature-cache", "--ep", "cpu"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"slides.csv", "patients.csv", "problems.csv"} {
		a, _ := os.ReadFile(filepath.Join(out, f))
		b, _ := os.ReadFile(filepath.Join(fresh, f))
		if !bytes.Equal(bytes.ReplaceAll(a, []byte(out), nil), bytes.ReplaceAll(b, []byte(fresh), nil)) || len(a) == 0 {
			t.Errorf("%s differs between the resumed and the uninterrupted run:\n%s\n---\n%s", f, a, b)
		}
	}
	t.Logf("killed after %d of %d slides; resumed and matched", len(done), len(pieces))
}

// On a real single-node Slurm: the cohort runs as a job array of `tessera
// cohort task` (the test binary standing in for tessera), waited for and
// merged into the same tables as a local run; --no-wait returns at once
// and `cohort status` merges once the array is done.
func TestCohortOnSlurm(t *testing.T) {
	requireRuntime(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	pieces := testslides.CohortSlides(t, 6)
	testslurm.Start(t)
	t.Setenv("TESSERA_TEST_RUN_CLI", "1")
	old := slurmPoll
	slurmPoll = 200 * time.Millisecond
	defer func() { slurmPoll = old }()
	work := t.TempDir()
	var rows [][]string
	for i, p := range pieces {
		rows = append(rows, []string{fmt.Sprintf("S%d", i), p, strconv.Itoa(i % 2), strconv.Itoa(12 * (i + 1))})
	}
	rows = append(rows, []string{"S9", filepath.Join(work, "missing.svs"), "1", "3"})
	csvPath := filepath.Join(work, "cohort.csv")
	writeCohort(t, csvPath, "patient_id,slide,event,time_months", rows)
	cache := filepath.Join(work, "cache")

	slurmOut := filepath.Join(work, "slurm")
	var stdout, stderr bytes.Buffer
	err := CohortCmd([]string{"run", csvPath, "--out", slurmOut, "--engine", "slurm", "--tasks", "3", "--jobs", "2", "--cache", cache,
		"--cpus-per-task", "1", "--ep", "cpu"}, &stdout, &stderr)
	if err != nil {
		logs, _ := filepath.Glob(filepath.Join(slurmOut, "slurm", "task-*.log"))
		var text string
		for _, l := range logs {
			b, _ := os.ReadFile(l)
			text += l + ":\n" + string(b)
		}
		t.Fatalf("%v\n%s\n%s", err, stderr.String(), text)
	}
	if !strings.Contains(stderr.String(), "submitted Slurm job array") {
		t.Errorf("no job array submitted:\n%s", stderr.String())
	}
	script, _ := os.ReadFile(filepath.Join(slurmOut, "slurm", "cohort.sbatch"))
	if !strings.Contains(string(script), "#SBATCH --cpus-per-task=1") || !strings.Contains(string(script), "cohort task") {
		t.Errorf("batch script:\n%s", script)
	}
	logs, _ := filepath.Glob(filepath.Join(slurmOut, "slurm", "task-*.log"))
	if len(logs) != 3 {
		t.Errorf("%d task logs, want 3 (one per array task)", len(logs))
	}
	local := filepath.Join(work, "local")
	if err := CohortCmd([]string{"run", csvPath, "--out", local, "--cache", t.TempDir(), "--ep", "cpu"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"slides.csv", "patients.csv"} {
		a, _ := os.ReadFile(filepath.Join(slurmOut, f))
		b, _ := os.ReadFile(filepath.Join(local, f))
		if !bytes.Equal(a, b) || len(a) == 0 {
			t.Errorf("%s differs between Slurm and local runs:\n%s\n---\n%s", f, a, b)
		}
	}

	// --no-wait, then status.
	later := filepath.Join(work, "later")
	stdout.Reset()
	if err := CohortCmd([]string{"run", csvPath, "--out", later, "--engine", "slurm", "--no-wait", "--cache", cache, "--ep", "cpu"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "tessera cohort status") {
		t.Errorf("--no-wait said %q", stdout.String())
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		stdout.Reset()
		err := CohortCmd([]string{"status", later}, &stdout, &stderr)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status never complete: %v\n%s", err, stdout.String())
		}
		time.Sleep(300 * time.Millisecond)
	}
	if !strings.Contains(stdout.String(), "patients: 7,") || strings.Contains(stdout.String(), "not analysed") {
		t.Errorf("status: %s", stdout.String())
	}
}
