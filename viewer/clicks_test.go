package viewer

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// clickRecorder is a tool that records its taps and double taps.
type clickRecorder struct {
	taps, doubles []Level0Point
}

func (c *clickRecorder) DragStart(Level0Point)   {}
func (c *clickRecorder) DragMove(Level0Point)    {}
func (c *clickRecorder) DragEnd(Level0Point)     {}
func (c *clickRecorder) Tap(p Level0Point)       { c.taps = append(c.taps, p) }
func (c *clickRecorder) DoubleTap(p Level0Point) { c.doubles = append(c.doubles, p) }
func (c *clickRecorder) click(v *SlideView, x, y float32) {
	v.MouseDown(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: fyne.NewPos(x, y)}})
}

// Two quick clicks in different places (Fyne reports them as one double
// tap) reach the tool as two taps where they were; a double click in one
// place stays a double tap.
func TestQuickClicksApartAreTwoTaps(t *testing.T) {
	v, _ := newTestView(t)
	rec := &clickRecorder{}
	v.Tool = rec
	rec.click(v, 100, 100)
	rec.click(v, 220, 160)
	v.DoubleTapped(&fyne.PointEvent{Position: fyne.NewPos(220, 160)})
	vp := v.Viewport()
	want0, want1 := vp.DeviceToLevel0(v.toDevice(fyne.NewPos(100, 100))), vp.DeviceToLevel0(v.toDevice(fyne.NewPos(220, 160)))
	if len(rec.taps) != 2 || len(rec.doubles) != 0 || rec.taps[0] != want0 || rec.taps[1] != want1 {
		t.Fatalf("clicks apart: taps %v, double taps %v; want taps at %v and %v", rec.taps, rec.doubles, want0, want1)
	}
	rec.click(v, 50, 50)
	rec.click(v, 52, 51)
	v.DoubleTapped(&fyne.PointEvent{Position: fyne.NewPos(52, 51)})
	if len(rec.doubles) != 1 || len(rec.taps) != 2 {
		t.Errorf("a double click: taps %v, double taps %v", rec.taps, rec.doubles)
	}
}
