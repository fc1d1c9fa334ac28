package app

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// showDisplayDialog adjusts brightness, contrast and gamma of the current
// slide on screen, live (never what a model reads); saved views keep them.
func (ui *UI) showDisplayDialog() {
	p := ui.current()
	if p == nil {
		return
	}
	d := p.view.Display()
	if d.Contrast == 0 {
		d.Contrast = 1
	}
	if d.Gamma == 0 {
		d.Gamma = 1
	}
	slider := func(lo, hi, step, value float64, set func(float64)) (*widget.Slider, *widget.Label) {
		s := widget.NewSlider(lo, hi)
		s.Step = step
		s.SetValue(value)
		l := widget.NewLabel(fmt.Sprintf("%.2f", value))
		s.OnChanged = func(v float64) {
			l.SetText(fmt.Sprintf("%.2f", v))
			set(v)
			p.view.SetDisplay(d)
		}
		return s, l
	}
	bs, bl := slider(-0.5, 0.5, 0.01, d.Brightness, func(v float64) { d.Brightness = v })
	cs, cl := slider(0.5, 2, 0.01, d.Contrast, func(v float64) { d.Contrast = v })
	gs, gl := slider(0.4, 2.5, 0.01, d.Gamma, func(v float64) { d.Gamma = v })
	reset := widget.NewButton("Reset", func() {
		bs.SetValue(0)
		cs.SetValue(1)
		gs.SetValue(1)
	})
	row := func(s *widget.Slider, l *widget.Label) fyne.CanvasObject {
		return container.NewBorder(nil, nil, nil, l, s)
	}
	form := widget.NewForm(
		widget.NewFormItem("Brightness", row(bs, bl)),
		widget.NewFormItem("Contrast", row(cs, cl)),
		widget.NewFormItem("Gamma", row(gs, gl)),
	)
	note := widget.NewLabel("For the screen and exported views only: the analysis always reads the scanner's pixels. Saved views keep these settings.")
	note.Wrapping = fyne.TextWrapWord
	dlg := dialog.NewCustom("Display adjustments", "Close", container.NewVBox(form, reset, note), ui.win)
	dlg.Resize(fyne.NewSize(520, 320))
	ui.showDialog(dlg)
}
