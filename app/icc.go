package app

import (
	"errors"
	"image"

	"tessera/colour"
	"tessera/slide"
	"tessera/storyboard"
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
		p.iccNote = storyboard.ICCNote(p.slide, nil, false, err)
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
	p.iccNote = storyboard.ICCNote(p.slide, p.icc, !on, nil)
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
