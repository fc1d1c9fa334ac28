package viewer

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
)

// NewStage lays a SlideView out with optional floating panels over it:
// topLeft (e.g. a Legend) and topRight (e.g. an Overview). The app and the
// headless snapshot use the same stage, so snapshots show what the window
// shows. nil panels are left out.
func NewStage(v *SlideView, topLeft, topRight fyne.CanvasObject) *fyne.Container {
	row := container.NewHBox()
	if topLeft != nil { // in its own VBox: as tall as it needs, not as the row
		row.Add(container.NewVBox(container.NewPadded(topLeft)))
	}
	row.Add(layout.NewSpacer())
	if topRight != nil {
		row.Add(container.NewPadded(topRight))
	}
	return container.NewStack(v, container.NewVBox(row, layout.NewSpacer()))
}
