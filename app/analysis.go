package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"tessera/annotation"
	"tessera/caselog"
	"tessera/heatmap"
	"tessera/inference"
	"tessera/slide"
	"tessera/storyboard"
)

// analysisPanel is a slide's Analysis side panel and its run controller:
// the model picker, the Analyze and Cancel buttons, progress, the result on
// the case card, evidence and first read; the layer controls are its
// heatmapControls (layer.go). It runs analyses in the background and brings their
// progress to the UI, coalesced, through fyne.Do. UI goroutine only, except
// where noted.
type analysisPanel struct {
	pane *slidePane

	modelChoice  *keySelect
	showingModel bool              // the picker is being set to the slide's model, not chosen by the user
	modelPaths   map[string]string // picker label → bundle path ("" built-in)
	analyzeBtn   *widget.Button
	cancelBtn    *widget.Button
	progress     *widget.ProgressBar
	progressText *widget.Label
	card         *caseCard
	factors      *factorsForm // the case's clinical factors, when the model declares them (factors.go)
	evidence     *evidencePanel
	firstRead    *firstReadBox
	blinded      bool // the result waits for the pathologist's first read
	// withheldHidden: the result shown is withheld and its scores stay
	// hidden until the pathologist asks for them (confirmReveal).
	withheldHidden bool
	// layers are the heatmap's, the tissue outline's and quality control's
	// controls (layer.go).
	layers  *heatmapControls
	content fyne.CanvasObject

	run *analysisRun

	onProgress func(done int) // tests: called after progress reaches the UI
}

// analysisRun is one background analysis. Its fields other than cancel and
// done are guarded by mu: the analysis goroutine adds events, the UI takes them.
type analysisRun struct {
	cancel context.CancelFunc
	done   chan struct{}
	// previous is the result shown before the run (UI goroutine), shown
	// again when the run fails or is cancelled before any tile: nothing lost.
	previous *inference.Result
	mu       sync.Mutex
	pending  []inference.Event
	queued   bool
}

func newAnalysisPanel(p *slidePane) *analysisPanel {
	a := &analysisPanel{pane: p, card: newCaseCard(), evidence: newEvidencePanel(), factors: newFactorsForm()}
	a.card.reveal.OnTapped = a.confirmReveal
	a.firstRead = newFirstReadBox(a.recordFirstRead)
	toSlide := func(r rune) { p.view.TypedRune(r) } // characters the controls do not use
	a.modelChoice = newKeySelect(nil, a.onModelChosen, toSlide)
	if path := p.ref.ModelPath; path != "" {
		a.rememberBundle(path)
	}
	a.refreshModelChoices()
	a.selectCurrentModel()
	a.analyzeBtn = widget.NewButton("Analyze (Ctrl+R)", a.start)
	a.analyzeBtn.Importance = widget.HighImportance
	a.cancelBtn = widget.NewButton("Cancel", a.cancel)
	a.cancelBtn.Disable()
	a.progress = widget.NewProgressBar()
	a.progressText = widget.NewLabel("")
	a.progressText.Wrapping = fyne.TextWrapWord

	a.layers = newHeatmapControls(p, a.scoresHidden, toSlide)

	a.content = container.NewVScroll(container.NewVBox(
		widget.NewLabelWithStyle("Model", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		a.modelChoice,
		container.NewGridWithColumns(2, a.analyzeBtn, a.cancelBtn),
		a.progress, a.progressText,
		widget.NewSeparator(),
		a.firstRead.content,
		a.card.content,
		a.factors.content,
		a.evidence.content,
		widget.NewSeparator(),
		a.layers.content,
		widget.NewSeparator(),
		p.coverage.content,
	))
	a.progress.Hide()
	a.card.addSignOff(p.desk.signOffButtons(p), p.desk.signOffButtons(nil))
	a.card.leaveOut.OnTapped = func() { p.desk.toggleLeftOut(p) }
	return a
}

// runDone returns a channel closed when the running analysis has ended (a
// closed one when none runs).
func (a *analysisPanel) runDone() <-chan struct{} {
	if a.run == nil {
		done := make(chan struct{})
		close(done)
		return done
	}
	return a.run.done
}

// running reports whether an analysis is in progress.
func (a *analysisPanel) running() bool { return a.run != nil }

// start runs the chosen model on the slide in the background.
func (a *analysisPanel) start() { a.startIn(nil) }

// startIn analyses the slide, only inside roi when it is set.
func (a *analysisPanel) startIn(roi *annotation.Region) {
	if a.running() {
		return
	}
	if a.pane.ref.MPP == 0 && !a.pane.slide.MPP().Known() {
		a.askMPP() // first, before loading the model: it starts the analysis
		return
	}
	ctx, cancel := context.WithCancel(a.pane.work.Context())
	run := &analysisRun{cancel: cancel, done: make(chan struct{}), previous: a.pane.ref.Result}
	a.run = run
	a.pane.ui.updateMemoryLimit()
	a.analyzeBtn.Disable()
	a.cancelBtn.Enable()
	a.progress.SetValue(0)
	a.progress.Show()
	a.progressText.SetText("Loading the model…")
	a.resetLayer()
	ui, s, path, mpp := a.pane.ui, a.pane.slide, a.pane.ref.ModelPath, a.pane.ref.MPP
	work := a.pane.work
	work.Go(func(context.Context) func() {
		defer close(run.done)
		defer cancel()
		m, err := ui.models.model(path)
		var res *inference.Result
		var cached bool
		var storeErr error
		if err == nil {
			work.Do(func() { a.progressText.SetText(fmt.Sprintf("Finding tissue… (running on %s)", m.Provider)) })
			res, cached, storeErr, err = inference.AnalyzeCached(ctx, ui.results, s, m, inference.Options{
				MPP:      mpp,
				Progress: func(e inference.Event) { a.post(run, e) },
				Planned: func(p inference.Plan) {
					work.Do(func() {
						if a.run == run {
							a.progressText.SetText(storyboard.UpperFirst(p.Text()) + " (running on " + string(m.Provider) + ")")
						}
					})
				},
				FeatureCache: ui.features,
				ROI:          roi,
			})
		}
		// Handed over before done closes: in Fyne's test driver fyne.Do runs
		// here, so waiting on done orders the finish before a test's reads.
		work.Do(func() { a.finish(run, res, cached, storeErr, err) })
		return nil
	})
}

// post hands an event to the UI goroutine; events arriving while one
// hand-over is queued are merged into it. Called on the analysis goroutine.
func (a *analysisPanel) post(run *analysisRun, e inference.Event) {
	run.mu.Lock()
	run.pending = append(run.pending, e)
	queue := !run.queued
	run.queued = true
	run.mu.Unlock()
	if queue {
		a.pane.work.Do(func() { a.apply(run) })
	}
}

// apply shows the events posted since the last call.
func (a *analysisPanel) apply(run *analysisRun) {
	run.mu.Lock()
	events := run.pending
	run.pending, run.queued = nil, false
	run.mu.Unlock()
	if a.run != run || len(events) == 0 {
		return // a stale run
	}
	for _, e := range events {
		if e.Grid != nil {
			meaning, classes := inference.ScoreProbability, [2]string{"low", "high"}
			if man := a.pane.ui.modelManifest(a.pane.ref.ModelPath); man != nil {
				meaning, classes = man.Scores.Meaning, [2]string{man.Output.Classes[0], man.Output.Classes[1]}
			}
			a.layers.setLayer(heatmap.NewLayer(heatmap.Grid{Cols: e.Grid.Cols, Rows: e.Grid.Rows, Side0: e.Grid.Side0}, meaning, classes))
		}
		if e.Scores != nil && a.layers.layer != nil {
			a.layers.layer.Merge(e.Scores)
		}
	}
	last := events[len(events)-1]
	a.progress.SetValue(float64(last.Done) / float64(max(last.Total, 1)))
	a.progressText.SetText(fmt.Sprintf("%d of %d tiles · %.1f tiles/s · about %s left", last.Done, last.Total, last.Rate, formatDuration(last.ETA)))
	a.layers.redraw()
	if a.onProgress != nil {
		a.onProgress(last.Done)
	}
}

// finish ends a run: show the result, a partial one, or the error.
func (a *analysisPanel) finish(run *analysisRun, res *inference.Result, cached bool, storeErr, err error) {
	if a.run != run {
		return
	}
	a.apply(run) // events still queued
	a.run = nil
	a.pane.ui.updateMemoryLimit()
	a.pane.ui.scheduleIdleRelease()
	a.analyzeBtn.Enable()
	a.cancelBtn.Disable()
	a.progress.Hide()
	ui := a.pane.ui
	switch {
	case res != nil && (err == nil || errors.Is(err, context.Canceled)):
		a.showResult(res)
		msg := fmt.Sprintf("Done: %d tiles in %.1f s on %s.", len(res.Tiles), res.Timings.TotalMS/1000, res.Runtime.Provider)
		if res.QC.Excluded > 0 {
			msg = fmt.Sprintf("Done: %d tiles scored, %d left out by quality control, in %.1f s on %s.", len(res.Tiles), res.QC.Excluded, res.Timings.TotalMS/1000, res.Runtime.Provider)
		}
		if cached {
			msg = "Shown from the result cache (same slide, model and parameters)."
		}
		if res.Partial {
			msg = fmt.Sprintf("Cancelled: the heatmap shows the %d of %d tiles scored.", len(res.Tiles), res.TilesTotal)
		}
		if storeErr != nil {
			msg += " The result could not be cached: " + storeErr.Error()
		}
		a.progressText.SetText(msg)
		how := "analysed"
		switch {
		case cached:
			how = "shown from the result cache"
		case res.Partial:
			how = fmt.Sprintf("cancelled after %d of %d tiles (partial)", len(res.Tiles), res.TilesTotal)
		}
		ui.desk.recordResult(a.pane, res, how)
	case errors.Is(err, inference.ErrNoMPP):
		a.progressText.SetText("")
		a.card.clear("This slide needs its µm/px before it can be analysed.")
		a.askMPP()
	case errors.Is(err, context.Canceled):
		a.progressText.SetText("Cancelled before any tile was scored.")
		a.card.clear("Cancelled.")
		a.showPrevious(run, "Cancelled before any tile was scored.")
	default:
		a.progressText.SetText("The analysis failed.")
		described := describeAnalysisError(err)
		first, _, _ := strings.Cut(described.Error(), "\n")
		a.card.clear(first)
		ui.showError(described)
		a.showPrevious(run, "The analysis failed.")
	}
}

// noRuntimeAdvice is what a user can do when ONNX Runtime is missing: the
// slides still open and pan; only analyses need it.
const noRuntimeAdvice = "Tessera cannot run models on this computer: the ONNX Runtime library is missing or too old. " +
	"Slides still open and pan as usual. To analyse, start Tessera once with ./run.sh from its folder (it installs the library), " +
	"or ask whoever installed Tessera to add ONNX Runtime %s."

func describeAnalysisError(err error) error {
	if errors.Is(err, inference.ErrNoRuntime) {
		return fmt.Errorf(noRuntimeAdvice+"\n\nDetails for IT: %w", inference.RuntimeVersion, err)
	}
	if errors.Is(err, inference.ErrBadBundle) {
		return err
	}
	return fmt.Errorf("the analysis failed: %w", err)
}

// askMPP asks for the µm/px of an uncalibrated slide and runs again with it.
func (a *analysisPanel) askMPP() {
	entry := widget.NewEntry()
	entry.SetPlaceHolder("e.g. 0.25 (40×) or 0.5 (20×)")
	entry.Validator = validMPP
	ui := a.pane.ui
	why := widget.NewLabel("The model reads tiles at its own µm/px, so this value sets the size of every tile it sees: it changes the result. " +
		"Take it from the scanner's documentation; the result will say it was entered by hand.")
	why.Wrapping = fyne.TextWrapWord
	items := []*widget.FormItem{widget.NewFormItem("µm per pixel", entry), widget.NewFormItem("", why)}
	d := dialog.NewForm("This slide has no µm/px", "Analyze", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		v, _ := strconv.ParseFloat(strings.TrimSpace(entry.Text), 64) // checked by validMPP
		a.setUserMPP(v)
		a.start()
	}, ui.win)
	entry.OnSubmitted = func(string) { d.Submit() } // Enter; refused while invalid
	d.Resize(fyne.NewSize(560, 300))
	ui.showDialog(d)
	ui.win.Canvas().Focus(entry)
}

// validMPP explains, inside the µm/px dialog, why a value is refused.
func validMPP(text string) error {
	v, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	if err != nil || !(v >= 0.05 && v <= 50) {
		return errors.New("a number between 0.05 and 50 (0.25 at 40×, 0.5 at 20× are common)")
	}
	return nil
}

// setUserMPP applies a µm/px the user entered to the analysis and the
// slide's scale bar (marked as user-entered).
func (a *analysisPanel) setUserMPP(v float64) {
	a.pane.ref.MPP = v
	cal := a.pane.view.Calibration()
	cal.MPP.X, cal.MPP.Y, cal.MPP.Source = v, v, slide.MPPFromUser
	a.pane.view.SetCalibration(cal)
	a.pane.updateStatus()
	a.pane.coverage.update() // a typed µm/px tells the magnification
}

// cancel stops the running analysis; its partial heatmap stays.
func (a *analysisPanel) cancel() {
	if a.run != nil {
		a.run.cancel()
		a.cancelBtn.Disable()
		a.progressText.SetText("Cancelling…")
	}
}

// confirmReveal shows a withheld result's class after the user confirmed
// that they know it is not a result.
func (a *analysisPanel) confirmReveal() {
	r := a.pane.ref.Result
	if r == nil || !r.Withheld() {
		return
	}
	recorded := "\n\nShowing it is recorded in the case log."
	if a.pane.desk.logPath() == "" {
		recorded = "\n\n(Not recorded: these slides are not a saved case.)"
	}
	d := dialog.NewConfirm("Show a withheld class?", r.VerdictText()+"\n\nThe class the model gave is not a result for this slide. Show it anyway?"+recorded,
		func(ok bool) {
			if ok && a.pane.ref.Result == r {
				a.revealWithheld(r)
				a.pane.desk.recordWith(func() caselog.Entry {
					e := caselog.AboutResult(caselog.Entry{Event: caselog.WithheldReveal}, r)
					e.Class, e.Detail = r.Class, "the withheld class was shown after a confirmation"
					return e
				})
			}
		}, a.pane.ui.win)
	d.SetConfirmText("Show it")
	a.pane.ui.showDialog(d)
}

// revealWithheld shows a withheld result's class, heatmap and evidence, as
// the pathologist asked (the caller records it).
func (a *analysisPanel) revealWithheld(r *inference.Result) {
	a.card.revealWithheld(r)
	a.withheldHidden = false
	if len(r.Evidence) > 0 && len(a.evidence.strip.Objects) > 0 && !a.blinded {
		a.evidence.content.Show()
	}
	a.layers.redraw()
	a.pane.coverage.update()
}

// showResult shows a complete or partial result on the card and the layer.
func (a *analysisPanel) showResult(r *inference.Result) {
	a.pane.desk.session.SetResult(a.pane.ref, r)
	a.withheldHidden = r.Withheld()
	a.layers.setLayer(heatmap.FromResult(r))
	a.card.show(r)
	if a.pane.desk.firstReadMode() && !r.Partial && !a.pane.desk.readFirst(r) {
		a.blind(r)
	} else if a.blinded {
		a.unblind()
	}
	a.checkResultModel()
	a.pane.desk.updatePatientResult()
	a.layers.showQC()
	a.pane.loadEvidence(r)
	if r.Slide.MPPSource == slide.MPPFromUser && a.pane.ref.MPP == 0 {
		a.setUserMPP(r.Slide.MPP)
	}
	a.layers.redraw()
	a.pane.coverage.update()
}

// showPrevious shows again the result the failed or cancelled run had
// replaced, if any, saying so after what happened.
func (a *analysisPanel) showPrevious(run *analysisRun, what string) {
	if run.previous == nil || a.pane.ref.Result != nil {
		return
	}
	a.showResult(run.previous)
	a.progressText.SetText(what + " The previous result is shown again.")
}

// resetLayer clears the heatmap and the card before a new run.
func (a *analysisPanel) resetLayer() {
	a.pane.desk.session.SetResult(a.pane.ref, nil)
	a.layers.layer, a.withheldHidden = nil, false
	a.checkResultModel()
	a.layers.enableLayerControls(false)
	a.card.clear("Analysing…")
	a.pane.view.SetLayer(heatmap.LayerName, heatmap.LayerZ, nil)
	a.layers.legend.Hide()
	a.layers.showQC()
	a.evidence.clear()
	a.pane.coverage.update()
}

// loadCached shows a cached result of the chosen model for this slide at
// once, if there is one. The lookup runs in the background.
func (a *analysisPanel) loadCached() {
	ui, s, path, mpp := a.pane.ui, a.pane.slide, a.pane.ref.ModelPath, a.pane.ref.MPP
	a.pane.work.Go(func(context.Context) func() {
		b, err := ui.models.bundle(path)
		if err != nil {
			return nil // no runtime or bad bundle: the user will learn when analysing
		}
		key := inference.ResultKey(s.Fingerprint(), b.SHA256, mpp)
		res, err := ui.results.Load(key)
		if err != nil {
			return nil
		}
		return func() {
			if a.running() || a.pane.ref.Result != nil {
				return
			}
			a.showResult(res)
			ui.desk.recordResult(a.pane, res, "shown from the result cache on opening")
			a.progressText.SetText("Shown from the result cache: " + filepath.Base(res.Slide.Name) + " was analysed before with this model.")
			if ui.onCachedResultShown != nil {
				ui.onCachedResultShown()
			}
		}
	})
}

// scoresHidden reports whether the tile scores (heatmap, legend, range,
// evidence) are hidden: the result waits for the pathologist's first read,
// or it is withheld and its direction has not been asked for ("Show the
// withheld class…"): the heatmap shows which way the model leant as much
// as the class does.

func (a *analysisPanel) scoresHidden() bool { return a.blinded || a.withheldHidden }
