package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"tessera/cohort"
)

// slurmOptions are what a lab sets for its cluster: where and how big each
// array task is. Empty values are left to the cluster's defaults.
type slurmOptions struct {
	partition, account, timeLimit, mem, gpus string
	cpus, tasks                              int
}

func (o *slurmOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.partition, "partition", "", "slurm: partition (sbatch --partition)")
	fs.StringVar(&o.account, "account", "", "slurm: account to charge (sbatch --account)")
	fs.StringVar(&o.timeLimit, "time", "", "slurm: time limit per task, e.g. 4:00:00 (sbatch --time)")
	fs.StringVar(&o.mem, "mem", "", "slurm: memory per task, e.g. 16G (sbatch --mem)")
	fs.StringVar(&o.gpus, "gpus", "", "slurm: GPUs per task, e.g. 1 or a100:1 (sbatch --gpus-per-task); use --ep cuda with it")
	fs.IntVar(&o.cpus, "cpus-per-task", 0, "slurm: cores per task (sbatch --cpus-per-task)")
	fs.IntVar(&o.tasks, "tasks", 0, "slurm: array tasks the slides are split into (0: one per 4 slides, at most 1000)")
}

// slurmPoll is how often a waiting run asks Slurm about its job.
var slurmPoll = 2 * time.Second

// runSlurm submits the rows not yet done as one job array (sbatch
// --array=0-N%K; each task runs `tessera cohort task`), then waits for it
// and merges, or returns at once with noWait.
func runSlurm(ctx context.Context, c *cohort.Cohort, dir string, run cohort.Run, maxRunning int, o slurmOptions, noWait bool, stdout, stderr io.Writer) error {
	rows := todo(c, dir, run)
	if len(rows) == 0 {
		fmt.Fprintln(stderr, "cohort: every slide is done already")
		return mergeAndSay(c, dir, run, stdout)
	}
	if _, err := exec.LookPath("sbatch"); err != nil {
		return UserError{errors.New("--engine slurm: sbatch is not on PATH (run on a Slurm login node, or use --engine local)")}
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	tasks := o.tasks
	if tasks <= 0 {
		tasks = min(1000, (len(c.Rows)+3)/4)
	}
	tasks = max(1, min(tasks, len(c.Rows)))
	script, err := writeSlurmScript(dir, exe, tasks, o)
	if err != nil {
		return err
	}
	array := fmt.Sprintf("0-%d", tasks-1)
	if maxRunning > 0 {
		array += "%" + strconv.Itoa(maxRunning)
	}
	cmd := exec.CommandContext(ctx, "sbatch", "--parsable", "--array="+array, script)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("sbatch refused the job: %s", strings.TrimSpace(string(out)))
	}
	jobID := strings.TrimSpace(strings.Split(strings.TrimSpace(string(out)), ";")[0])
	run.SlurmJobID, run.SlurmTasks = jobID, tasks
	if err := cohort.SaveRun(dir, run); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "cohort: submitted Slurm job array %s (%d tasks over %d slides to analyse; logs in %s)\n", jobID, tasks, len(rows), filepath.Join(dir, "slurm"))
	if noWait {
		fmt.Fprintf(stdout, "submitted job %s; follow it with: tessera cohort status %s\n", jobID, dir)
		return nil
	}
	last := -1
	for {
		running, err := slurmRunning(jobID)
		if err != nil {
			return err
		}
		if running == 0 {
			break
		}
		if running != last {
			fmt.Fprintf(stderr, "cohort: %d array tasks queued or running\n", running)
			last = running
		}
		select {
		case <-ctx.Done():
			fmt.Fprintf(stderr, "cohort: stopped waiting; the job goes on. Follow it with: tessera cohort status %s (scancel %s stops it)\n", dir, jobID)
			return ctx.Err()
		case <-time.After(slurmPoll):
		}
	}
	return mergeAndSay(c, dir, run, stdout)
}

// writeSlurmScript writes DIR/slurm/cohort.sbatch, the batch script every
// array task runs.
func writeSlurmScript(dir, exe string, tasks int, o slurmOptions) (string, error) {
	sd := filepath.Join(dir, "slurm")
	if err := os.MkdirAll(sd, 0o755); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	b.WriteString("#SBATCH --job-name=tessera-cohort\n")
	fmt.Fprintf(&b, "#SBATCH --output=%s\n", filepath.Join(sd, "task-%a.log"))
	for _, kv := range [][2]string{{"partition", o.partition}, {"account", o.account}, {"time", o.timeLimit}, {"mem", o.mem}, {"gpus-per-task", o.gpus}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, "#SBATCH --%s=%s\n", kv[0], kv[1])
		}
	}
	if o.cpus > 0 {
		fmt.Fprintf(&b, "#SBATCH --cpus-per-task=%d\n", o.cpus)
	}
	b.WriteString("# Written by tessera cohort run: each array task analyses every\n# tasks-th slide of the cohort not yet done, into the folder below.\n")
	fmt.Fprintf(&b, "exec %s cohort task %s --task \"$SLURM_ARRAY_TASK_ID\" --tasks %d\n", shellQuote(exe), shellQuote(dir), tasks)
	path := filepath.Join(sd, "cohort.sbatch")
	return path, os.WriteFile(path, []byte(b.String()), 0o755)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// slurmRunning counts the array tasks of job still queued or running.
func slurmRunning(jobID string) (int, error) {
	out, err := exec.Command("squeue", "--noheader", "--array", "--jobs="+jobID, "--format=%i").CombinedOutput()
	text := strings.TrimSpace(string(out))
	if err != nil {
		if strings.Contains(text, "Invalid job id") {
			return 0, nil // finished and forgotten
		}
		return 0, fmt.Errorf("squeue: %s", text)
	}
	if text == "" {
		return 0, nil
	}
	return len(strings.Split(text, "\n")), nil
}
