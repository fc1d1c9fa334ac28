package slide

import (
	"image"
	"image/color"
	"strings"
	"testing"

	"tessera/internal/testslides"
)

// Fluorescence DICOM (two optical paths, written by pydicom from the
// tifffile-made OME-TIFF pyramid of QuPath's real export) opens as one
// two-channel slide in each layout: a file per path (16-bit, two focal
// planes), both paths in one file (8-bit TILED_FULL), TILED_SPARSE with
// per-frame path identifiers and Z offsets, and lossless JPEG 2000. With
// the same windows, every level's composite equals the OME-TIFF's pixel
// for pixel; names, colours (from the illumination wavelength), µm/px,
// focal planes and the label are as written.
func TestFluorescenceDICOM(t *testing.T) {
	ref, err := Open(testslides.ChannelPyramid(t, "ome"))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	refCh, _ := ChannelsOf(ref)
	for _, mode := range []string{testslides.FluoInstances, testslides.FluoCombined, testslides.FluoSparse, testslides.FluoJ2K} {
		t.Run(mode, func(t *testing.T) {
			s, err := Open(testslides.FluorescenceDICOM(t, mode))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ch, ok := ChannelsOf(s)
			if !ok || s.Format() != "dicom" {
				t.Fatalf("format %s, channels %v", s.Format(), ok)
			}
			info := ch.Channels()
			bits := 16
			if mode == testslides.FluoCombined {
				bits = 8
			}
			// Coloured by the emission filters' pass bands: 460 and 525 nm.
			if len(info) != 2 || info[0].Name != "DAPI" || info[1].Name != "FITC" || info[0].Bits != bits ||
				info[0].Colour != (color.RGBA{0, 102, 255, 255}) || info[1].Colour != (color.RGBA{54, 255, 0, 255}) {
				t.Fatalf("channels %+v", info)
			}
			if got, want := s.Levels(), ref.Levels(); len(got) != len(want) || got[0] != want[0] || got[2] != want[2] {
				t.Fatalf("levels %+v, want %+v", got, want)
			}
			if mpp := s.MPP(); mpp.Source != MPPFromDICOM || mpp.X != 0.25 {
				t.Errorf("µm/px %+v", mpp)
			}
			planes := s.Properties()["tessera.focal-planes"]
			if wantPlanes := mode == testslides.FluoInstances || mode == testslides.FluoSparse; wantPlanes != strings.HasPrefix(planes, "2 focal planes") {
				t.Errorf("focal planes said: %q", planes)
			}
			// One channel at a time, the same window in the data's own
			// values (16-bit = 8-bit × 257): the colour component both
			// colours have at full (blue for DAPI, green for FITC) is the
			// windowed value, and must agree pixel for pixel.
			scale := 257
			if bits == 8 {
				scale = 1
			}
			refInfo := refCh.Channels()
			for shown, component := range []int{2, 1} {
				for i, c := range refInfo {
					refCh.SetChannel(i, i == shown, c.Lo, c.Hi)
					if err := ch.SetChannel(i, i == shown, c.Lo*scale, c.Hi*scale); err != nil {
						t.Fatal(err)
					}
				}
				for level, l := range ref.Levels() {
					w, h := int(l.Width), int(l.Height)
					a, b := image.NewRGBA(image.Rect(0, 0, w, h)), image.NewRGBA(image.Rect(0, 0, w, h))
					if err := ref.ReadRegion(a, level, 0, 0); err != nil {
						t.Fatal(err)
					}
					if err := s.ReadRegion(b, level, 0, 0); err != nil {
						t.Fatal(err)
					}
					for p := 0; p < w*h; p++ {
						if x, y := a.Pix[4*p+component], b.Pix[4*p+component]; x != y {
							t.Fatalf("%s, level %d differs at (%d, %d): DICOM %d, OME-TIFF %d", info[shown].Name, level, p%w, p/w, y, x)
						}
					}
				}
			}
			if mode == testslides.FluoInstances {
				label, err := s.AssociatedImage("label")
				if err != nil || label.RGBAAt(50, 30).R != 30 || strings.Join(s.AssociatedImageNames(), ",") != "label" {
					t.Errorf("label: %v %v", s.AssociatedImageNames(), err)
				}
			}
		})
	}
}

func TestWavelengthColour(t *testing.T) {
	for _, c := range []struct {
		nm      float64
		r, g, b uint8
	}{{405, 148, 0, 255}, {460, 0, 102, 255}, {488, 0, 244, 255}, {525, 54, 255, 0}, {561, 185, 255, 0}, {640, 255, 19, 0}, {700, 255, 0, 0}, {350, 255, 0, 255}} {
		if got := wavelengthColour(c.nm); got.R != c.r || got.G != c.g || got.B != c.b {
			t.Errorf("%v nm: %v, want %d %d %d", c.nm, got, c.r, c.g, c.b)
		}
	}
}
