package app

import (
	"errors"
	"fmt"
	"image"
	"strings"

	"tessera/colour"
	"tessera/slide"
)

// Colour management on screen: a slide with an embedded ICC profile is
// shown converted to sRGB (Little CMS, per tile as it is decoded), on by
// default, with "ICC" in the status line; View ▸ Use the Slide's Colour
// Profile turns it off and on for the current slide. What a model reads is
// never converted here.

// setUpColour makes the pane's colour transform from the slide's profile
// and turns it on (a profile Little CMS cannot use is said in the status
// line and ignored).
func (p *slidePane) setUpColour() {
	profile := slide.ICCProfile(p.slide)
	if len(profile) == 0 {
		return
	}
	t, err := colour.ToSRGB(profile)
	if err != nil {
		p.iccNote = ICCNote(p.slide, nil, false, err)
		return
	}
	p.icc = t
	p.setColourManaged(true)
}

// setColourManaged converts the slide's colours with its profile, or not.
func (p *slidePane) setColourManaged(on bool) {
	if p.icc == nil {
		return
	}
	if on {
		p.view.SetColourTransform(p.icc.Apply)
	} else {
		p.view.SetColourTransform(nil)
	}
	p.iccNote = ICCNote(p.slide, p.icc, !on, nil)
	p.updateStatus()
}

// toggleColourManagement flips the current slide's colour management.
func (ui *UI) toggleColourManagement() {
	p := ui.current()
	if p == nil {
		return
	}
	if p.icc == nil {
		ui.showError(errors.New("this slide has no embedded colour (ICC) profile: its colours are shown as stored"))
		return
	}
	p.setColourManaged(!p.view.ColourManaged())
}

// colourTransform is what an export of the pane applies to colours: the
// screen's (nil when the screen shows raw colours).
func (p *slidePane) colourTransform() func(*image.RGBA) {
	if p.icc != nil && p.view.ColourManaged() {
		return p.icc.Apply
	}
	return nil
}

// ColourNotes says how a view's colours were made, for exports: whether
// the slide's ICC profile converted them (iccNote, as in the status line;
// "" when the slide has none) and, for a fluorescence image, which
// channels are shown in which colour with which window.
func ColourNotes(s slide.Slide, iccNote string) []string {
	var notes []string
	if iccNote != "" {
		notes = append(notes, "Colours: "+iccNote)
	}
	ctl, ok := slide.ChannelsOf(s)
	if !ok {
		return notes
	}
	var shown, off []string
	for _, c := range ctl.Channels() {
		if !c.On {
			off = append(off, c.Name)
			continue
		}
		shown = append(shown, fmt.Sprintf("%s #%02x%02x%02x %d–%d", c.Name, c.Colour.R, c.Colour.G, c.Colour.B, c.Lo, c.Hi))
	}
	line := "Channels: " + strings.Join(shown, ", ")
	if len(shown) == 0 {
		line = "Channels: none shown"
	}
	if len(off) > 0 {
		line += "; off: " + strings.Join(off, ", ")
	}
	return append(notes, line)
}

// ICCNote says how a snapshot of s treats its ICC profile ("" when s has
// none): converted with the named profile, or raw and why.
func ICCNote(s slide.Slide, t *colour.Transform, raw bool, err error) string {
	switch {
	case len(slide.ICCProfile(s)) == 0:
		return ""
	case raw:
		return "ICC off: raw scanner colours"
	case err != nil || t == nil:
		return "ICC profile unusable: colours shown raw"
	}
	return "ICC: " + t.Description + " → sRGB"
}
