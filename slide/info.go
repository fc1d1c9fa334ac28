package slide

// Info is a JSON-ready summary of an open slide, printed by `tessera info`.
type Info struct {
	Path             string      `json:"path"`
	Format           string      `json:"format"`
	Width            int64       `json:"width"`  // level-0 pixels
	Height           int64       `json:"height"` // level-0 pixels
	Levels           []LevelInfo `json:"levels"`
	MPPX             float64     `json:"mpp_x,omitempty"` // µm per level-0 pixel
	MPPY             float64     `json:"mpp_y,omitempty"`
	MPPSource        MPPSource   `json:"mpp_source"`
	ObjectivePower   float64     `json:"objective_power,omitempty"`
	AssociatedImages []string    `json:"associated_images"`
	Background       string      `json:"background"`
	Fingerprint      string      `json:"fingerprint"`
	// ICCProfileBytes is the size of the embedded colour profile (0: none).
	ICCProfileBytes int `json:"icc_profile_bytes"`
	// Channels lists a fluorescence image's channels (absent for
	// brightfield slides).
	Channels []ChannelSummary `json:"channels,omitempty"`
	// Notes says what of the file is not shown (focal planes, time
	// points, optical paths beyond the first).
	Notes []string `json:"notes,omitempty"`
}

// ChannelSummary is one channel in Info.
type ChannelSummary struct {
	Name   string `json:"name"`
	Colour string `json:"colour"` // #rrggbb, from the metadata or the default palette
	Bits   int    `json:"bits"`
}

// notProps are the properties that say what of a file is not shown.
var notProps = []string{"tessera.focal-planes", "tessera.time-points", "tessera.optical-paths"}

// LevelInfo is one pyramid level in Info.
type LevelInfo struct {
	Width      int64   `json:"width"`
	Height     int64   `json:"height"`
	Downsample float64 `json:"downsample"`
}

// Describe summarises s.
func Describe(s Slide) Info {
	levels := s.Levels()
	info := Info{
		Path:             s.Path(),
		Format:           s.Format(),
		MPPSource:        s.MPP().Source,
		ObjectivePower:   s.ObjectivePower(),
		AssociatedImages: s.AssociatedImageNames(),
		Fingerprint:      s.Fingerprint(),
	}
	if info.AssociatedImages == nil {
		info.AssociatedImages = []string{}
	}
	if len(levels) > 0 {
		info.Width, info.Height = levels[0].Width, levels[0].Height
	}
	for _, l := range levels {
		info.Levels = append(info.Levels, LevelInfo(l))
	}
	if m := s.MPP(); m.Known() {
		info.MPPX, info.MPPY = m.X, m.Y
	}
	info.ICCProfileBytes = len(ICCProfile(s))
	if c, ok := ChannelsOf(s); ok {
		for _, ch := range c.Channels() {
			info.Channels = append(info.Channels, ChannelSummary{Name: ch.Name, Colour: hexColour(ch.Colour.R, ch.Colour.G, ch.Colour.B), Bits: ch.Bits})
		}
	}
	props := s.Properties()
	for _, k := range notProps {
		if v := props[k]; v != "" {
			info.Notes = append(info.Notes, v)
		}
	}
	bg := s.Background()
	info.Background = hexColour(bg.R, bg.G, bg.B)
	return info
}

func hexColour(r, g, b uint8) string {
	const digits = "0123456789abcdef"
	out := []byte{'#', 0, 0, 0, 0, 0, 0}
	for i, v := range []uint8{r, g, b} {
		out[1+2*i] = digits[v>>4]
		out[2+2*i] = digits[v&15]
	}
	return string(out)
}

// iccCarrier is a Slide that knows its embedded ICC profile.
type iccCarrier interface{ ICCProfile() []byte }

// ICCProfile returns the slide's embedded ICC colour profile, or nil: a
// TIFF-based file's tag 34675 (Aperio SVS, generic TIFF, OME-TIFF), a DICOM
// series' optical path profile. OpenSlide 3.4.1 does not expose profiles,
// so Tessera reads the tag itself.
func ICCProfile(s Slide) []byte {
	if c, ok := s.(iccCarrier); ok {
		return c.ICCProfile()
	}
	return nil
}
