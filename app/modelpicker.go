package app

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"

	"tessera/inference"
)

const openBundleLabel = "Open model bundle…"
const recentBundlesKey = "recent-bundles"

// The analysis panel's model picker: the built-in bundle, the bundles the
// lab installed for every user (inference.MachineBundles), bundles this
// user opened before and "Open model bundle…", each named by the
// manifest's name and version (the folder only where two would read the
// same).

// refreshModelChoices lists the models by name and version.
func (a *analysisPanel) refreshModelChoices() {
	a.modelPaths = map[string]string{BuiltinModelLabel: ""}
	opts := []string{BuiltinModelLabel}
	paths := inference.MachineBundles()
	for _, p := range a.pane.ui.app.Preferences().StringList(recentBundlesKey) {
		if !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	for _, path := range paths {
		label := modelLabel(path)
		if _, taken := a.modelPaths[label]; taken {
			label = fmt.Sprintf("%s (%s)", label, filepath.Base(path))
		}
		a.modelPaths[label] = path
		opts = append(opts, label)
	}
	a.modelChoice.Options = append(opts, openBundleLabel)
	a.modelChoice.Refresh()
}

// modelLabel names the bundle at path by its manifest ("Name version"), or
// by its file name when the manifest cannot be read.
func modelLabel(path string) string {
	if path == "" {
		return BuiltinModelLabel
	}
	if name, version, err := inference.PeekBundleName(path); err == nil {
		return name + " " + version
	}
	return filepath.Base(path)
}

// labelOf is the picker's label of the bundle at path.
func (a *analysisPanel) labelOf(path string) string {
	for label, p := range a.modelPaths {
		if p == path {
			return label
		}
	}
	return modelLabel(path)
}

func (a *analysisPanel) onModelChosen(label string) {
	if a.showingModel {
		return // the picker shows the slide's model: nothing was chosen
	}
	defer a.pane.ui.focusSlide()
	if label == openBundleLabel {
		a.chooseBundle()
		return
	}
	path, ok := a.modelPaths[label]
	if !ok {
		return
	}
	a.pane.ref.ModelPath = path
	a.pane.desk.session.Model = path
	a.checkResultModel()
}

// chooseBundle asks for a bundle folder (a .zip can be given on the command
// line) and opens its sessions, which checks it.
func (a *analysisPanel) chooseBundle() {
	ui := a.pane.ui
	d := dialog.NewFolderOpen(func(dir fyne.ListableURI, err error) {
		if err != nil {
			ui.showError(err)
		}
		if dir == nil {
			a.selectCurrentModel()
			return
		}
		path := dir.Path()
		a.pane.work.Go(func(context.Context) func() {
			_, err := ui.models.model(path) // sessions once, tensors checked
			return func() {
				if err != nil {
					ui.showError(err)
					a.selectCurrentModel()
					return
				}
				a.rememberBundle(path)
				a.modelChoice.SetSelected(a.labelOf(path))
			}
		})
	}, ui.win)
	d.SetTitleText("Open model bundle (a folder with manifest.toml)")
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}

// selectCurrentModel shows the slide's model in the picker without
// choosing it: a pane being built or a cancelled bundle dialog must not
// change the case's model for new slides.
func (a *analysisPanel) selectCurrentModel() {
	a.showingModel = true
	defer func() { a.showingModel = false }()
	a.modelChoice.SetSelected(a.labelOf(a.pane.ref.ModelPath))
}

func (a *analysisPanel) rememberBundle(path string) {
	prefs := a.pane.ui.app.Preferences()
	list := []string{path}
	for _, p := range prefs.StringList(recentBundlesKey) {
		if p != path && len(list) < maxRecent {
			list = append(list, p)
		}
	}
	prefs.SetStringList(recentBundlesKey, list)
	for _, q := range a.pane.ui.openPanes() { // every tab offers it
		q.analysis.refreshModelChoices()
	}
	a.refreshModelChoices() // this pane, while it is still being built
}

// checkResultModel marks the result shown as another model's when it did not
// come from the chosen bundle, and names the chosen model on the Analyze
// button. The bundle is read in the background (once per bundle).
func (a *analysisPanel) checkResultModel() {
	r, path, ui := a.pane.ref.Result, a.pane.ref.ModelPath, a.pane.ui
	label := a.labelOf(path)
	if r == nil {
		a.showModelMismatch("", label)
		return
	}
	a.pane.work.Go(func(context.Context) func() {
		b, err := ui.models.bundle(path)
		return func() {
			if a.pane.ref.Result != r || a.pane.ref.ModelPath != path {
				return // changed meanwhile: a newer check follows
			}
			if err == nil && b.Manifest.Clinical != nil {
				a.pane.desk.updatePatientResult() // the combined risk needed the bundle read
			}
			if err == nil && b.SHA256 == r.Model.SHA256 {
				a.showModelMismatch("", label)
				return
			}
			a.showModelMismatch(fmt.Sprintf("This result is from %s %s, not from the chosen model (%s).", r.Model.Name, r.Model.Version, label), label)
		}
	})
}

// showModelMismatch shows why the result is another model's ("" for none)
// and labels the Analyze button accordingly.
func (a *analysisPanel) showModelMismatch(why, chosen string) {
	if a.analyzeBtn == nil {
		return // the panel is being built: nothing is shown yet
	}
	a.card.setOtherModel(why)
	if why == "" {
		a.analyzeBtn.SetText("Analyze (Ctrl+R)")
	} else {
		a.analyzeBtn.SetText("Analyze with " + shortLabel(chosen, 24))
	}
}

// shortLabel cuts s to at most n characters with an ellipsis, so that a
// long bundle name does not widen the side panel (the picker above shows it
// whole).
func shortLabel(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
