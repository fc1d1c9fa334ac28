package app

import (
	"context"
	"fmt"
	"image"
	"path/filepath"
	"strings"
	"testing"

	"tessera/cases"
	"tessera/slide"
	"tessera/storyboard"
)

// The Vectra QPTIFF opens with a Channels tab: three channels, each on,
// with its automatic window; turning DAPI off takes the blue out of the
// picture, a lower white point brightens, and Auto restores the window.
func TestChannelPanel(t *testing.T) {
	slides := sharedSlides(t)
	ui := newTestUI(t)
	ui.OpenPath(filepath.Join(slides, "other", "pathml-small_vectra.qptiff"))
	settle(ui)
	p := ui.current()
	c := p.channels
	if c == nil || len(c.checks) != 3 || p.side.Selected() != p.sideTabs.channels {
		t.Fatalf("no Channels tab with three channels: %+v", c)
	}
	region := func() *image.RGBA {
		img := image.NewRGBA(image.Rect(0, 0, 300, 300))
		if err := p.slide.ReadRegion(img, 0, 800, 600); err != nil {
			t.Fatal(err)
		}
		return img
	}
	sum := func(img *image.RGBA, ch int) (s int) {
		for i := ch; i < len(img.Pix); i += 4 {
			s += int(img.Pix[i])
		}
		return s
	}
	before := region()
	info := c.ctl.Channels()
	if info[0].Name != "DAPI" || !info[0].On || info[0].Lo != info[0].AutoLo {
		t.Errorf("DAPI %+v", info[0])
	}
	c.checks[0].SetChecked(false) // DAPI, blue
	off := region()
	if sum(off, 2) >= sum(before, 2) || c.ctl.Channels()[0].On {
		t.Errorf("turning DAPI off kept the blue: %d → %d", sum(before, 2), sum(off, 2))
	}
	c.checks[0].SetChecked(true)
	c.white[1].SetValue(float64(info[1].AutoHi / 2)) // FITC, green
	if got := c.ctl.Channels()[1].Hi; got != info[1].AutoHi/2 {
		t.Errorf("white point %d, want %d", got, info[1].AutoHi/2)
	}
	if sum(region(), 1) <= sum(before, 1) {
		t.Error("a lower white point did not brighten the green")
	}
	c.auto(1)
	if got := c.ctl.Channels()[1]; got.Lo != got.AutoLo || got.Hi != got.AutoHi {
		t.Errorf("Auto left %d–%d", got.Lo, got.Hi)
	}
	// The view reads the same slide: a snapshot after a change uses it.
	if err := p.view.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ok := slide.ChannelsOf(p.slide); !ok {
		t.Error("the slide lost its channels")
	}
}

// Channel settings are kept: saved in the case file with the slide and in
// a saved view, shown again when the case is reopened and when the view is
// chosen; settings saved for another image are refused with a sentence.
func TestChannelSettingsSavedInCase(t *testing.T) {
	slides := sharedSlides(t)
	path := filepath.Join(slides, "other", "pathml-small_vectra.qptiff")
	casePath := filepath.Join(t.TempDir(), "fluo"+cases.Extension)
	if err := (&cases.Case{Schema: cases.Schema, Slides: []cases.SlideRef{{Path: path}}}).Save(casePath); err != nil {
		t.Fatal(err)
	}
	ui := newTestUI(t)
	ui.OpenCase(casePath)
	settle(ui)
	c := ui.current().channels
	auto := c.ctl.Channels()
	c.checks[0].SetChecked(false)                    // DAPI off
	c.white[1].SetValue(float64(auto[1].AutoHi / 2)) // FITC brighter
	ui.desk.saveView(ui.current(), "FITC only")
	c.checks[0].SetChecked(true) // DAPI back on, after the view
	ui.desk.saveCaseTo(casePath)

	saved, err := cases.Load(casePath)
	if err != nil {
		t.Fatal(err)
	}
	if ch := saved.Slides[0].Channels; len(ch) != 3 || !ch[0].On || ch[1].Hi != auto[1].AutoHi/2 {
		t.Fatalf("case file channels %+v", ch)
	}
	if ch := saved.Views[0].Channels; len(ch) != 3 || ch[0].On {
		t.Fatalf("saved view channels %+v", ch)
	}

	ui2 := newTestUI(t)
	ui2.OpenCase(casePath)
	settle(ui2)
	got := ui2.current().channels.ctl.Channels()
	if !got[0].On || got[1].Hi != auto[1].AutoHi/2 || got[2].Hi != auto[2].AutoHi {
		t.Errorf("reopened: %+v", got)
	}
	if ui2.current().channels.white[1].Value != float64(auto[1].AutoHi/2) {
		t.Error("the slider does not show the reopened white point")
	}
	ui2.goToView(0)
	if got := ui2.current().channels.ctl.Channels(); got[0].On {
		t.Error("the saved view did not turn DAPI off")
	}

	// Settings saved for another image change nothing and say why.
	s, err := slide.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	wrong := []cases.ChannelSetting{{Name: "CD8", On: false, Lo: 0, Hi: 10}, {Name: "FITC"}, {Name: "Cy5"}}
	if err := cases.ApplyChannels(s, wrong); err == nil || !strings.Contains(err.Error(), `"CD8"`) {
		t.Errorf("foreign settings: %v", err)
	}
	if ctl, _ := slide.ChannelsOf(s); !ctl.Channels()[0].On {
		t.Error("foreign settings changed the image")
	}
}

// Exports say how their colours were made: each channel shown with its
// colour and window, and those turned off.
func TestColourNotesNameChannels(t *testing.T) {
	s, err := slide.Open(filepath.Join(sharedSlides(t), "other", "pathml-small_vectra.qptiff"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctl, _ := slide.ChannelsOf(s)
	info := ctl.Channels()
	if err := ctl.SetChannel(0, false, info[0].Lo, info[0].Hi); err != nil {
		t.Fatal(err)
	}
	notes := storyboard.ColourNotes(s, "")
	want := fmt.Sprintf("Channels: FITC #00ff00 %d–%d, Cy3 #ffff00 %d–%d; off: DAPI", info[1].Lo, info[1].Hi, info[2].Lo, info[2].Hi)
	if len(notes) != 1 || notes[0] != want {
		t.Errorf("notes %q, want %q", notes, want)
	}
	if notes := storyboard.ColourNotes(s, "ICC off: raw scanner colours"); len(notes) != 2 || notes[0] != "Colours: ICC off: raw scanner colours" {
		t.Errorf("notes with ICC %q", notes)
	}
}
