package viewer

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
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
// sits bottom-left. The panels float: the stage asks no more room than a
// small view (stageMinSize), so that a narrow view (side by side) never
// pushes the window's side panel out; panels wider than the view overlap.
func NewStage(v *SlideView, p Panels) *fyne.Container {
	l := &stageLayout{}
	objects := []fyne.CanvasObject{v}
	if p.TopLeft != nil {
		l.topLeft = container.NewPadded(p.TopLeft)
		objects = append(objects, l.topLeft)
	}
	if p.TopRight != nil {
		l.topRight = container.NewPadded(p.TopRight)
		objects = append(objects, l.topRight)
	}
	if p.BottomRight != nil {
		l.bottomRight = container.NewPadded(p.BottomRight)
		objects = append(objects, l.bottomRight)
	}
	return container.New(l, objects...)
}

// stageMinSize is the least room a stage asks for, whatever its panels.
var stageMinSize = fyne.NewSize(160, 120)

// stageLayout puts the view under the whole stage and each panel, at its
// own minimum size, in its corner.
type stageLayout struct {
	topLeft, topRight, bottomRight fyne.CanvasObject
}

func (l *stageLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	objects[0].Move(fyne.NewPos(0, 0))
	objects[0].Resize(size)
	place := func(o fyne.CanvasObject, right, bottom bool) {
		if o == nil || !o.Visible() {
			return
		}
		ms := o.MinSize()
		pos := fyne.NewPos(0, 0)
		if right {
			pos.X = size.Width - ms.Width
		}
		if bottom {
			pos.Y = size.Height - ms.Height
		}
		o.Move(pos)
		o.Resize(ms)
	}
	place(l.topLeft, false, false)
	place(l.topRight, true, false)
	place(l.bottomRight, true, true)
}

func (l *stageLayout) MinSize([]fyne.CanvasObject) fyne.Size { return stageMinSize }
