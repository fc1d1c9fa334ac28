package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// Side-panel controls that hand the characters they do not use to the
// slide: after a dropdown, slider or tick box was used it keeps the
// keyboard focus, and Fyne's own controls swallow every character typed
// then, so H, +/−, 1–6 would do nothing until the slide was clicked. Arrow
// keys and Space still work the control, as Fyne's do.

var (
	_ fyne.Focusable = (*keySelect)(nil)
	_ fyne.Focusable = (*keySlider)(nil)
	_ fyne.Focusable = (*keyCheck)(nil)
)

// keySelect is a widget.Select whose typed characters go to other.
type keySelect struct {
	widget.Select
	other func(rune)
}

func newKeySelect(options []string, changed func(string), other func(rune)) *keySelect {
	s := &keySelect{other: other}
	s.Options, s.OnChanged = options, changed
	s.ExtendBaseWidget(s)
	return s
}

// TypedRune hands the character to the slide.
func (s *keySelect) TypedRune(r rune) { s.other(r) }

// keySlider is a widget.Slider whose typed characters go to other.
type keySlider struct {
	widget.Slider
	other func(rune)
}

func newKeySlider(lo, hi float64, other func(rune)) *keySlider {
	s := &keySlider{other: other}
	s.Min, s.Max, s.Step = lo, hi, 1
	s.Orientation = widget.Horizontal
	s.ExtendBaseWidget(s)
	return s
}

// TypedRune hands the character to the slide.
func (s *keySlider) TypedRune(r rune) { s.other(r) }

// keyCheck is a widget.Check whose typed characters but Space go to other.
type keyCheck struct {
	widget.Check
	other func(rune)
}

func newKeyCheck(label string, changed func(bool), other func(rune)) *keyCheck {
	c := &keyCheck{other: other}
	c.Text, c.OnChanged = label, changed
	c.ExtendBaseWidget(c)
	return c
}

// TypedRune toggles on Space, like widget.Check, and hands other
// characters to the slide.
func (c *keyCheck) TypedRune(r rune) {
	if r == ' ' {
		c.Check.TypedRune(r)
		return
	}
	c.other(r)
}
