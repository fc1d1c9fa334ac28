package app

import (
	"context"
	"image"
	"path/filepath"
	"testing"

	"tessera/slide"
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
