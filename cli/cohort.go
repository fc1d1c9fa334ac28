package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"tessera/cohort"
	"tessera/heatmap"
	"tessera/inference"
	"tessera/internal/atomicfile"
	"tessera/report"
)

// CohortCmd runs `tessera cohort run|status|report|task …`.
func CohortCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return UserError{errors.New("usage: tessera cohort run COHORT.csv --out DIR | cohort status DIR | cohort report DIR --out report.pdf")}
	}
	switch args[0] {
	case "run":
		return cohortRun(args[1:], stdout, stderr)
	case "status":
		return cohortStatus(args[1:], stdout, stderr)
	case "report":
		return cohortReport(args[1:], stdout, stderr)
	case "task":
		return cohortTask(args[1:], stderr)
	case "fit":
		return cohortFit(args[1:], stdout, stderr)
	}
	return UserError{fmt.Errorf("tessera cohort %s: no such command (run, status, report, fit)", args[0])}
}

// cohortRun runs `tessera cohort run COHORT.csv --out DIR …`: every slide
// not yet done with this bundle is analysed, locally by a pool of workers
// or as a Slurm job array; then the results are merged.
func cohortRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("cohort run", stderr)
	out := fs.String("out", "", "output folder (results, tables, metrics); a second run resumes it")
	model := fs.String("model", "", "model bundle folder or .zip (default: the built-in demonstration model)")
	engine := fs.String("engine", "local", "local (this machine) or slurm (a job array on the cluster)")
	jobs := fs.Int("jobs", 0, "local: slides analysed at once (0: 2 on machines with 4 cores or fewer, else cores/4); slurm: array tasks running at once")
	ep := fs.String("ep", "auto", "execution provider: auto, cpu, cuda, tensorrt, coreml, directml")
	noCache := fs.Bool("no-cache", false, "ignore cached results (slides already done in DIR are kept; cached encoder features are used)")
	noFeatures := fs.Bool("no-feature-cache", false, "ignore cached encoder features too (implies --no-cache)")
	cacheDir := fs.String("cache", "", "cache folder, results/ and features/ in it (default: the user's cache); on a cluster, a folder every node sees")
	noWait := fs.Bool("no-wait", false, "slurm: submit and return; `tessera cohort status DIR` follows and merges")
	var so slurmOptions
	so.flags(fs)
	csvPath, err := parseWithOnePositional(fs, args)
	if err != nil {
		return err
	}
	if *out == "" {
		return UserError{errors.New("usage: tessera cohort run COHORT.csv --out DIR [--model BUNDLE] [--engine local|slurm] [--jobs N]")}
	}
	if *engine != "local" && *engine != "slurm" {
		return UserError{fmt.Errorf("--engine %q: use local or slurm", *engine)}
	}
	provider, err := inference.ParseProvider(*ep)
	if err != nil {
		return UserError{err}
	}
	c, err := cohort.Read(csvPath)
	if err != nil {
		return UserError{err}
	}
	b, err := inference.LoadBundleOrBuiltin(*model)
	if err != nil {
		return UserError{err}
	}
	abs := func(p string) string {
		if p == "" {
			return ""
		}
		a, err := filepath.Abs(p)
		if err != nil {
			return p
		}
		return a
	}
	run := cohort.Run{Cohort: abs(csvPath), Bundle: abs(*model), BundleSHA: b.SHA256, Model: b.Manifest.Name + " " + b.Manifest.Version,
		NoCache: *noCache || *noFeatures, NoFeatureCache: *noFeatures, CacheDir: abs(*cacheDir), Provider: string(provider), Engine: *engine}
	dir := abs(*out)
	fmt.Fprintf(stderr, "cohort: %d slides of %d patients, %d input problems; model %s (sha256 %.12s)%s\n",
		len(c.Rows), countPatients(c), len(c.Problems), run.Model, b.SHA256, demoNote(b))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *engine == "slurm" {
		if err := cohort.SaveRun(dir, run); err != nil {
			return err
		}
		return runSlurm(ctx, c, dir, run, *jobs, so, *noWait, stdout, stderr)
	}
	if err := cohort.SaveRun(dir, run); err != nil {
		return fmt.Errorf("output folder %s: %w", dir, err)
	}
	if err := runLocal(ctx, c, dir, run, b, *jobs, stderr); err != nil {
		return err
	}
	return mergeAndSay(c, dir, run, stdout)
}

func countPatients(c *cohort.Cohort) int {
	seen := map[string]bool{}
	for _, r := range c.Rows {
		seen[r.PatientID] = true
	}
	return len(seen)
}

// todo is the rows without a result for this bundle in dir.
func todo(c *cohort.Cohort, dir string, run cohort.Run) []cohort.Row {
	var out []cohort.Row
	for _, r := range c.Rows {
		if !cohort.Done(dir, r, run.BundleSHA) {
			out = append(out, r)
		}
	}
	return out
}

// defaultJobs is the local pool's size: two slides at once keep a small
// machine's cores busy while one slide is opened and its tissue found.
func defaultJobs() int {
	if n := runtime.NumCPU(); n > 4 {
		return n / 4
	}
	return 2
}

// runLocal analyses the rows not yet done with a pool of workers, each
// with its own sessions (created once) and a share of the cores. ctx's end
// stops them; finished slides stay done.
func runLocal(ctx context.Context, c *cohort.Cohort, dir string, run cohort.Run, b *inference.Bundle, jobs int, stderr io.Writer) error {
	rows := todo(c, dir, run)
	if len(rows) == 0 {
		fmt.Fprintln(stderr, "cohort: every slide is done already")
		return nil
	}
	if jobs <= 0 {
		jobs = defaultJobs()
	}
	jobs = min(jobs, len(rows))
	threads := max(1, runtime.NumCPU()/jobs)
	fmt.Fprintf(stderr, "cohort: %d slides to analyse (%d done before), %d at once, %d threads each\n", len(rows), len(c.Rows)-len(rows), jobs, threads)
	cache := resultCache(run)
	next := make(chan cohort.Row)
	var wg sync.WaitGroup
	var mu sync.Mutex // serialises progress lines
	done := 0
	for w := 0; w < jobs; w++ {
		m := &lazyModel{bundle: b, provider: inference.Provider(run.Provider), stderr: io.Discard, threads: threads, inCohort: true, features: featureCache(run)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer m.Close()
			for row := range next {
				line := analyzeCohortSlide(ctx, dir, row, m, cache)
				mu.Lock()
				done++
				fmt.Fprintf(stderr, "[%d/%d] %s\n", done, len(rows), line)
				mu.Unlock()
			}
		}()
	}
feed:
	for _, r := range rows {
		select {
		case next <- r:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if ctx.Err() != nil {
		return fmt.Errorf("stopped: %d of %d slides analysed this run; run the same command again to finish", done, len(rows))
	}
	return nil
}

// resultCache is the run's result cache (nil with --no-cache).
func resultCache(run cohort.Run) *inference.ResultCache {
	if run.NoCache {
		return nil
	}
	dir := inference.DefaultResultCacheDir()
	if run.CacheDir != "" {
		dir = filepath.Join(run.CacheDir, "results")
	}
	return &inference.ResultCache{Dir: dir}
}

// featureCache is the run's encoder feature cache (nil with
// --no-feature-cache).
func featureCache(run cohort.Run) *inference.FeatureCache {
	if run.NoFeatureCache {
		return nil
	}
	if run.CacheDir != "" {
		return inference.NewFeatureCache(filepath.Join(run.CacheDir, "features"))
	}
	return inference.NewFeatureCache("")
}

// analyzeCohortSlide analyses one row and records its result or error in
// dir; it returns a line for the progress log. A stopped analysis records
// nothing (the slide is not done).
func analyzeCohortSlide(ctx context.Context, dir string, row cohort.Row, m *lazyModel, cache *inference.ResultCache) string {
	name := filepath.Base(row.Slide)
	start := time.Now()
	res, thumb, ds, err := analyzeSlide(ctx, row.Slide, m, cache, row.MPP, io.Discard)
	if err != nil {
		if ctx.Err() != nil {
			return name + ": stopped"
		}
		reason := err.Error()
		if !strings.HasPrefix(reason, name) {
			reason = name + ": " + reason
		}
		if e := cohort.SaveError(dir, row.Slide, cohort.SlideError{BundleSHA: m.bundle.SHA256, Reason: reason, BadInput: ExitCode(err) == ExitBadInput}); e != nil {
			return fmt.Sprintf("%s (and the error could not be recorded: %v)", reason, e)
		}
		return reason
	}
	err = cohort.SaveResult(dir, row.Slide, res, func(path string) error {
		return atomicfile.WritePNG(path, heatmap.FromResult(res).Compose(thumb, ds))
	})
	if err != nil {
		return fmt.Sprintf("%s: the result could not be written: %v", name, err)
	}
	verdict := string(res.Validity.Verdict)
	if res.Withheld() {
		return fmt.Sprintf("%s: withheld (%s)", name, res.VerdictText())
	}
	return fmt.Sprintf("%s: %s p=%.3f %s (%.1f s)", name, res.Class, res.Probability, verdict, time.Since(start).Seconds())
}

// mergeAndSay merges dir's results, writes the tables and prints a summary.
func mergeAndSay(c *cohort.Cohort, dir string, run cohort.Run, stdout io.Writer) error {
	m := cohort.Merge(c, dir, run)
	if err := m.Write(dir); err != nil {
		return fmt.Errorf("writing the cohort tables: %w", err)
	}
	counts := map[string]int{}
	for _, s := range m.Slides {
		counts[s.Status]++
	}
	in := 0
	for _, p := range m.Patients {
		if p.InMetrics {
			in++
		}
	}
	var parts []string
	for _, k := range []string{"ok", "flag", "withheld", "failed", "not analysed"} {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
	}
	fmt.Fprintf(stdout, "slides: %s; patients: %d, %d in the metrics; input problems: %d\n", strings.Join(parts, ", "), len(m.Patients), in, len(m.Problems))
	fmt.Fprintf(stdout, "wrote %s, %s, %s\n", filepath.Join(dir, "slides.csv"), filepath.Join(dir, "patients.csv"), filepath.Join(dir, "problems.csv"))
	if m.Pending > 0 {
		return fmt.Errorf("%d slides have no result yet", m.Pending)
	}
	return nil
}

// cohortStatus runs `tessera cohort status DIR`: how far the run is, and
// the merge once every slide is done or failed.
func cohortStatus(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("cohort status", stderr)
	dir, err := parseWithOnePositional(fs, args)
	if err != nil {
		return err
	}
	run, c, err := loadCohortRun(dir)
	if err != nil {
		return err
	}
	if run.SlurmJobID != "" {
		if running, err := slurmRunning(run.SlurmJobID); err == nil {
			fmt.Fprintf(stdout, "Slurm job %s: %d array tasks queued or running\n", run.SlurmJobID, running)
		} else {
			fmt.Fprintf(stdout, "Slurm job %s: %v\n", run.SlurmJobID, err)
		}
	}
	return mergeAndSay(c, dir, run, stdout)
}

// cohortTask runs `tessera cohort task DIR --task I --tasks T`: one Slurm
// array task, which analyses the rows I, I+T, I+2T… not yet done, one
// after the other, with the cores Slurm gave it.
func cohortTask(args []string, stderr io.Writer) error {
	fs := newFlags("cohort task", stderr)
	task := fs.Int("task", -1, "this task's index (SLURM_ARRAY_TASK_ID)")
	tasks := fs.Int("tasks", 0, "number of tasks")
	dir, err := parseWithOnePositional(fs, args)
	if err != nil {
		return err
	}
	if *task < 0 || *tasks <= 0 || *task >= *tasks {
		return UserError{fmt.Errorf("--task %d --tasks %d: need 0 ≤ task < tasks", *task, *tasks)}
	}
	run, c, err := loadCohortRun(dir)
	if err != nil {
		return err
	}
	b, err := inference.LoadBundleOrBuiltin(run.Bundle)
	if err != nil {
		return UserError{err}
	}
	if b.SHA256 != run.BundleSHA {
		return UserError{fmt.Errorf("the bundle %s changed since the run started (sha256 %.12s, was %.12s): start the run again", run.Bundle, b.SHA256, run.BundleSHA)}
	}
	threads := 0
	if v := os.Getenv("SLURM_CPUS_PER_TASK"); v != "" {
		fmt.Sscan(v, &threads)
	}
	m := &lazyModel{bundle: b, provider: inference.Provider(run.Provider), stderr: stderr, threads: threads, inCohort: true, features: featureCache(run)}
	defer m.Close()
	cache := resultCache(run)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	for i, row := range c.Rows {
		if i%*tasks != *task || cohort.Done(dir, row, run.BundleSHA) {
			continue
		}
		fmt.Fprintln(stderr, analyzeCohortSlide(ctx, dir, row, m, cache))
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

// cohortReport runs `tessera cohort report DIR --out report.pdf`: the
// merge, DIR/metrics.json and the PDF.
func cohortReport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("cohort report", stderr)
	out := fs.String("out", "", "the PDF to write")
	horizon := fs.Float64("horizon", cohort.HorizonMonths, "months: without a label column, an event within this time is the positive binary outcome")
	factors := fs.String("factors", "", "when the bundle declares no [clinical] model: COHORT.csv columns to fit one on (apparent figures), as `cohort fit` takes them")
	dir, err := parseWithOnePositional(fs, args)
	if err != nil {
		return err
	}
	if *out == "" {
		return UserError{errors.New("usage: tessera cohort report DIR --out report.pdf [--horizon MONTHS] [--factors NAME,NAME[:category],...]")}
	}
	if *horizon <= 0 {
		return UserError{fmt.Errorf("--horizon %g: give a number of months above 0", *horizon)}
	}
	run, c, err := loadCohortRun(dir)
	if err != nil {
		return err
	}
	m := cohort.Merge(c, dir, run)
	if err := m.Write(dir); err != nil {
		return fmt.Errorf("writing the cohort tables: %w", err)
	}
	demo := false
	for _, s := range m.Slides {
		demo = demo || (s.Result != nil && s.Result.Model.Demonstration)
	}
	mt := cohort.Compute(m, *horizon, run.Model, demo)
	if mt.Clinical, err = clinicalMetrics(m, run, *factors, *horizon); err != nil {
		return err
	}
	if mt.Clinical != nil {
		for _, n := range mt.Clinical.Notes {
			mt.Notes = append(mt.Notes, "clinical: "+n)
		}
	}
	if m.Pending > 0 {
		mt.Notes = append([]string{fmt.Sprintf("PARTIAL: %d of %d slides have no result yet (the run is not finished); their patients are left out or counted on fewer slides", m.Pending, len(m.Slides))}, mt.Notes...)
	}
	if err := writeJSON(filepath.Join(dir, "metrics.json"), mt); err != nil {
		return fmt.Errorf("writing metrics.json: %w", err)
	}
	rep := report.CohortReport{Metrics: mt, Cohort: filepath.Base(run.Cohort), Generated: time.Now()}
	if err := report.WriteCohortPDF(*out, rep); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d patients in the statistics (%d left out): AUC %s, c-index %s, hazard ratio %s, log-rank %s\n",
		mt.NPatients, mt.NExcluded, short(mt.AUC), short(mt.CIndex), short(mt.HazardRatio), short(mt.LogrankP))
	if cm := mt.Clinical; cm != nil && cm.CIndexDifference != nil {
		fmt.Fprintf(stdout, "clinical factors (%s): c-index %s alone, %s with the slide score (difference %s); likelihood-ratio χ² %s, %s\n",
			strings.Join(cm.Factors, ", "), short(cm.CIndexClinical), short(cm.CIndexCombined), short(cm.CIndexDifference), short(cm.LRChi2), report.PValue(cm.LRP))
	}
	fmt.Fprintf(stdout, "wrote %s and %s\n", filepath.Join(dir, "metrics.json"), *out)
	for _, n := range mt.Notes {
		fmt.Fprintln(stderr, "cohort: ! "+n)
	}
	return nil
}

func short(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.3g", *v)
}

// loadCohortRun reads an output folder's run.json and the cohort file it
// names.
func loadCohortRun(dir string) (cohort.Run, *cohort.Cohort, error) {
	run, err := cohort.LoadRun(dir)
	if err != nil {
		return run, nil, UserError{err}
	}
	c, err := cohort.Read(run.Cohort)
	if err != nil {
		return run, nil, UserError{err}
	}
	return run, c, nil
}
