package app

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tessera/cases"
	"tessera/slide"
)

// The Channels tab of a fluorescence or multiplex slide: each channel on
// or off, and its black and white points (in the channel's own values,
// 0–255 or 0–65535), with Auto to return to the window taken from the
// histogram. Changes redraw the view at once; snapshots and exports use
// them too (they read the same slide). UI goroutine only.
type channelPanel struct {
	pane    *slidePane
	ctl     slide.Channeled
	checks  []*keyCheck
	black   []*keySlider
	white   []*keySlider
	values  []*widget.Label
	content fyne.CanvasObject
	binding bool
}

// newChannelPanel returns the panel for s, or nil when s has no channels.
func newChannelPanel(p *slidePane) *channelPanel {
	ctl, ok := slide.ChannelsOf(p.slide)
	if !ok {
		return nil
	}
	c := &channelPanel{pane: p, ctl: ctl}
	toSlide := func(r rune) { p.view.TypedRune(r) }
	rows := container.NewVBox(widget.NewLabelWithStyle("Channels", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	for i, info := range ctl.Channels() {
		i := i
		swatch := canvas.NewRectangle(info.Colour)
		swatch.SetMinSize(fyne.NewSize(14, 14))
		check := newKeyCheck(fmt.Sprintf("%s (%d-bit)", info.Name, info.Bits), func(bool) { c.apply(i) }, toSlide)
		black, white := newKeySlider(0, float64(info.Max), toSlide), newKeySlider(0, float64(info.Max), toSlide)
		black.OnChanged = func(float64) { c.apply(i) }
		white.OnChanged = func(float64) { c.apply(i) }
		value := widget.NewLabel("")
		auto := widget.NewButton("Auto", func() { c.auto(i) })
		c.checks, c.black, c.white, c.values = append(c.checks, check), append(c.black, black), append(c.white, white), append(c.values, value)
		rows.Add(container.NewBorder(nil, nil, container.NewCenter(swatch), auto, check))
		rows.Add(widget.NewForm(widget.NewFormItem("Black", black), widget.NewFormItem("White", white)))
		rows.Add(value)
		rows.Add(widget.NewSeparator())
	}
	c.bind()
	c.content = container.NewVScroll(rows)
	return c
}

// bind shows the slide's settings on the controls without feeding back.
func (c *channelPanel) bind() {
	c.binding = true
	defer func() { c.binding = false }()
	for i, info := range c.ctl.Channels() {
		c.checks[i].SetChecked(info.On)
		c.black[i].SetValue(float64(info.Lo))
		c.white[i].SetValue(float64(info.Hi))
		c.values[i].SetText(fmt.Sprintf("window %d–%d (automatic: %d–%d)", info.Lo, info.Hi, info.AutoLo, info.AutoHi))
	}
}

// apply hands channel i's controls to the slide and redraws.
func (c *channelPanel) apply(i int) {
	if c.binding {
		return
	}
	lo, hi := int(c.black[i].Value), int(c.white[i].Value)
	if hi <= lo { // keep the black point below the white one
		hi = lo + 1
		if max := c.ctl.Channels()[i].Max; hi > max {
			lo, hi = max-1, max
		}
	}
	if err := c.ctl.SetChannel(i, c.checks[i].Checked, lo, hi); err != nil {
		c.pane.ui.showError(err)
	}
	c.changed()
}

// changed shows the slide's new settings on the controls, keeps them for
// the case file and redraws.
func (c *channelPanel) changed() {
	c.bind()
	c.pane.ref.Channels = cases.ChannelSettingsOf(c.pane.slide)
	c.pane.view.Reload()
}

// auto returns channel i to the window taken from its histogram.
func (c *channelPanel) auto(i int) {
	info := c.ctl.Channels()[i]
	if err := c.ctl.SetChannel(i, info.On, info.AutoLo, info.AutoHi); err != nil {
		c.pane.ui.showError(err)
	}
	c.changed()
}

// restore shows the channels as a saved view had them.
func (c *channelPanel) restore(set []cases.ChannelSetting) {
	if err := cases.ApplyChannels(c.pane.slide, set); err != nil {
		c.pane.ui.showError(err)
	}
	c.changed()
}
