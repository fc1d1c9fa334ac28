package viewer

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// NewHeadlessApp makes the Fyne app that headless rendering (Snapshot)
// needs when no window will ever open: the current app with an in-memory
// driver, theme and preferences, and no display. It is the one place that
// touches Fyne's test package: Fyne's own off-screen renderer
// (fyne.io/fyne/v2/driver/software) is built on it, and Fyne offers no
// other app without a display. Call it once per process, before Snapshot.
func NewHeadlessApp() fyne.App { return test.NewApp() }
