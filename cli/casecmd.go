package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"tessera/caselog"
	"tessera/cases"
	"tessera/inference"
	"tessera/session"
)

// CaseCmd runs `tessera case new CASE.tessera-case.json SLIDE... [--label
// TEXT] [--model BUNDLE]`: a case file made from the command line, its log
// started with a case-created line; and `tessera case set` (casefactors.go).
func CaseCmd(args []string, stdout, stderr io.Writer) error {
	const usage = "usage: tessera case new CASE.tessera-case.json SLIDE... [--label TEXT] [--model BUNDLE]\n   or: " + caseSetUsage
	if len(args) > 0 && args[0] == "set" {
		return caseSet(args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "new" {
		return UserError{errors.New(usage)}
	}
	fs := newFlags("case new", stderr)
	label := fs.String("label", "", "case label (never read from the slides)")
	model := fs.String("model", "", "model bundle folder (default: the built-in model)")
	positional, err := parseWithPositionals(fs, args[1:])
	if err != nil {
		return err
	}
	if len(positional) < 2 || !strings.HasSuffix(positional[0], cases.Extension) {
		return UserError{errors.New(usage)}
	}
	path := positional[0]
	if _, err := os.Stat(path); err == nil {
		return UserError{fmt.Errorf("%s exists: a case is never overwritten from the command line (open it in the app to change it)", path)}
	}
	c := &cases.Case{Schema: cases.Schema, Label: *label}
	if *model != "" {
		if _, err := inference.LoadBundle(*model); err != nil {
			return UserError{err}
		}
		abs, _ := filepath.Abs(*model)
		c.Model = abs
	}
	for _, p := range positional[1:] {
		s, err := openSlide(p) // refuse what the app could not open
		if err != nil {
			return err
		}
		s.Close()
		abs, _ := filepath.Abs(p)
		c.Slides = append(c.Slides, cases.SlideRef{Path: abs})
	}
	if err := c.Save(path); err != nil {
		return err
	}
	n := len(c.Slides)
	if _, err := caselog.Append(caselog.PathFor(path), caselog.Entry{Event: caselog.CaseCreated,
		Detail: fmt.Sprintf("%d slide(s), from the command line", n)}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d slide(s)) and its log %s\n", path, n, filepath.Base(caselog.PathFor(path)))
	return nil
}

// SignOff runs `tessera signoff CASE (--slide N | --patient) (--agree |
// --disagree | --uncertain) --reason TEXT`: the pathologist's decision on a
// result, appended to the case log with the result it is about (model
// sha256, result hash, verdict, class). The result must be in the result
// cache (analyse first); nothing is analysed here.
func SignOff(args []string, stdout, stderr io.Writer) error {
	const usage = "usage: tessera signoff CASE.tessera-case.json (--slide N | --patient) (--agree | --disagree | --uncertain) --reason TEXT [--model BUNDLE]"
	fs := newFlags("signoff", stderr)
	slideN := fs.Int("slide", 0, "the slide signed off (1 for the first of the case)")
	patient := fs.Bool("patient", false, "sign off the patient-level result")
	agree := fs.Bool("agree", false, "agree with the result")
	disagree := fs.Bool("disagree", false, "disagree with the result")
	uncertain := fs.Bool("uncertain", false, "uncertain about the result")
	reason := fs.String("reason", "", "the reason, in words (required)")
	model := fs.String("model", "", "model bundle (default: the case's model, else the built-in one)")
	casePath, err := parseWithOnePositional(fs, args)
	if err != nil {
		return UserError{errors.New(usage)}
	}
	decision, err := oneDecision(*agree, *disagree, *uncertain)
	if err != nil {
		return UserError{fmt.Errorf("%v; %s", err, usage)}
	}
	if (*slideN > 0) == *patient {
		return UserError{fmt.Errorf("give --slide N or --patient, one of them; %s", usage)}
	}
	if strings.TrimSpace(*reason) == "" {
		return UserError{errors.New("a sign-off needs its reason: --reason TEXT")}
	}
	c, err := cases.Load(casePath)
	if err != nil {
		return UserError{err}
	}
	if *slideN > len(c.Slides) {
		return UserError{fmt.Errorf("the case has %d slides; there is no slide %d", len(c.Slides), *slideN)}
	}
	results, err := cachedResults(c, *model)
	if err != nil {
		return err
	}
	e := caselog.Entry{Event: caselog.SignOff, Decision: decision, Reason: strings.TrimSpace(*reason)}
	if *patient {
		sc := session.FromFile(c, casePath)
		for i, ref := range c.Slides {
			sc.SetResult(sc.Add(ref.Path, ref.MPP, c.ModelOf(ref)), results[i])
		}
		p := sc.Patient()
		if !p.Complete() {
			why := strings.TrimPrefix(p.Why, "No patient-level result: ")
			if why == "" {
				why = fmt.Sprintf("only %d of %d slides have a result; analyse every slide of the case first", p.Analysed, p.Total)
			}
			return UserError{fmt.Errorf("no patient-level result to sign off: %s", why)}
		}
		e = caselog.AboutPatient(e, p, results)
	} else {
		r := results[*slideN-1]
		if r == nil {
			return UserError{fmt.Errorf("slide %d (%s) has no result with this model: run tessera analyze on it first", *slideN, filepath.Base(c.Slides[*slideN-1].Path))}
		}
		e = caselog.AboutResult(e, r)
		e.Scope, e.SlideIndex = "slide", *slideN
	}
	logged, err := caselog.Append(caselog.PathFor(casePath), e)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "signed off (%s) as line %d of %s\n", decision, logged.Seq, filepath.Base(caselog.PathFor(casePath)))
	return nil
}

func oneDecision(agree, disagree, uncertain bool) (string, error) {
	var d []string
	if agree {
		d = append(d, caselog.Agree)
	}
	if disagree {
		d = append(d, caselog.Disagree)
	}
	if uncertain {
		d = append(d, caselog.Uncertain)
	}
	if len(d) != 1 {
		return "", errors.New("give one of --agree, --disagree, --uncertain")
	}
	return d[0], nil
}

// slideModel is the bundle path to use for the slide ref of c: override
// when it is not "" (--model), else the slide's own as the case file says.
func slideModel(c *cases.Case, ref cases.SlideRef, override string) string {
	if override != "" {
		return override
	}
	return c.ModelOf(ref)
}

// cachedResults returns the cached result of each slide of c with its own
// model as the case file says, or with the bundle override when it is not
// "" (nil where there is none), without analysing anything.
func cachedResults(c *cases.Case, override string) ([]*inference.Result, error) {
	bundles := map[string]*inference.Bundle{}
	cache := &inference.ResultCache{Dir: inference.DefaultResultCacheDir()}
	out := make([]*inference.Result, len(c.Slides))
	for i, ref := range c.Slides {
		path := slideModel(c, ref, override)
		b, ok := bundles[path]
		if !ok {
			var err error
			if b, err = inference.LoadBundleOrBuiltin(path); err != nil {
				return nil, UserError{err}
			}
			bundles[path] = b
		}
		s, err := openSlide(ref.Path)
		if err != nil {
			return nil, err
		}
		key := inference.ResultKey(s.Fingerprint(), b.SHA256, ref.MPP)
		s.Close()
		if r, err := cache.Load(key); err == nil {
			out[i] = r
		}
	}
	return out, nil
}

// LogCmd runs `tessera log verify CASE`: checks the case log's chain and
// says which line was altered (exit 1), or that it is intact.
func LogCmd(args []string, stdout, _ io.Writer) error {
	if len(args) != 2 || args[0] != "verify" {
		return UserError{errors.New("usage: tessera log verify CASE.tessera-case.json")}
	}
	path := caselog.PathFor(args[1])
	if _, err := os.Stat(path); err != nil {
		return UserError{fmt.Errorf("%s has no log (%s): nothing was recorded for it yet", args[1], filepath.Base(path))}
	}
	rep, err := caselog.Verify(path)
	if err != nil {
		return err
	}
	if !rep.Intact() {
		return errors.New(rep.Summary())
	}
	fmt.Fprintln(stdout, rep.Summary())
	return nil
}
