package viewer

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
)

// Panels are floating panels over a SlideView, by corner; nil ones are left out.
type Panels struct {
	TopLeft     fyne.CanvasObject // e.g. a Legend
	TopRight    fyne.CanvasObject // e.g. an Overview
	BottomRight fyne.CanvasObject // e.g. a case card
}

// NewStage lays a SlideView out with floating panels over it. The app, the
// presentation mode and the headless snapshot use the same stage, so
// snapshots show what the window shows. The scale bar, drawn by the view,
// sits bottom-left.
func NewStage(v *SlideView, p Panels) *fyne.Container {
	top := container.NewHBox()
	if p.TopLeft != nil { // in its own VBox: as tall as it needs, not as the row
		top.Add(container.NewVBox(container.NewPadded(p.TopLeft)))
	}
	top.Add(layout.NewSpacer())
	if p.TopRight != nil {
		top.Add(container.NewPadded(p.TopRight))
	}
	bottom := container.NewHBox(layout.NewSpacer())
	if p.BottomRight != nil {
		bottom.Add(container.NewVBox(layout.NewSpacer(), container.NewPadded(p.BottomRight)))
	}
	return container.NewStack(v, container.NewBorder(top, bottom, nil, nil))
}
