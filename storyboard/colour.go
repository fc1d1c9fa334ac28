package storyboard

import (
	"fmt"
	"strings"

	"tessera/colour"
	"tessera/slide"
)

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
