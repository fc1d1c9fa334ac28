// Package cases groups the slides of one patient into a case: a small JSON
// file with the slides, an optional label the user typed, the model chosen
// and saved views. Nothing in a case is read from slide metadata.
package cases

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"tessera/internal/atomicfile"
	"tessera/slide"
)

// Schema is the version of the case file format.
const Schema = 1

// Extension is the case file extension.
const Extension = ".tessera-case.json"

// ErrDamaged marks a case file that cannot be read as a case.
var ErrDamaged = errors.New("the case file is damaged")

// Case is one patient's slides and what the user saved about them.
type Case struct {
	Schema int         `json:"schema"`
	Label  string      `json:"label,omitempty"` // typed by the user; may be empty
	Model  string      `json:"model,omitempty"` // bundle path; empty for the built-in model
	Slides []SlideRef  `json:"slides"`
	Views  []SavedView `json:"views,omitempty"`
	// Factors are the patient's clinical factors by the name the model's
	// [clinical] section gives them ("age": "54"), as entered; absent in
	// case files made before them.
	Factors map[string]string `json:"factors,omitempty"`
}

// SlideRef is one slide of a case.
type SlideRef struct {
	// Path is relative to the case file's folder when the slide is inside
	// it, absolute otherwise.
	Path string  `json:"path"`
	MPP  float64 `json:"mpp,omitempty"` // µm/px entered by the user for an uncalibrated slide
	// Channels is how a fluorescence image's channels were last shown;
	// absent: as the file says, windowed from the histograms.
	Channels []ChannelSetting `json:"channels,omitempty"`
	// Annotations are the slide's annotations as a GeoJSON
	// FeatureCollection (QuPath-compatible; level-0 pixels); absent: none.
	Annotations json.RawMessage `json:"annotations,omitempty"`
	// SideBySide is the slide shown beside another when the case was
	// saved; absent: alone.
	SideBySide *SideBySide `json:"side_by_side,omitempty"`
	// Model is the model chosen for this slide when it is not the case's:
	// a bundle path, or BuiltinModel; absent: the case's model. A case
	// whose slides were analysed with different models reopens with each
	// slide's own.
	Model string `json:"model,omitempty"`
	// LeftOut is the pathologist's reason for leaving the slide out of the
	// patient-level result (a withheld or off-topic slide); absent: the
	// slide counts.
	LeftOut string `json:"left_out,omitempty"`
	// Coverage is where the pathologist looked at 10× or more, as
	// coverage.Map.Encode wrote it; absent: nowhere yet.
	Coverage string `json:"coverage,omitempty"`
}

// BuiltinModel stands for the built-in bundle in a slide's Model (the
// case's Model is "" for it).
const BuiltinModel = "builtin"

// ModelOf is the bundle path chosen for the slide ref in case c ("" for
// the built-in model).
func (c *Case) ModelOf(ref SlideRef) string {
	switch ref.Model {
	case "":
		return c.Model
	case BuiltinModel:
		return ""
	}
	return ref.Model
}

// How the two views of a side by side follow each other.
const (
	LockPosition  = "position"  // the same point (µm)
	LockOffset    = "offset"    // a fixed offset (µm)
	LockLandmarks = "landmarks" // a similarity from two landmark pairs
)

// SideBySide is a slide shown beside a second view: the same slide without
// the heatmap (With empty), or another slide. Transform maps this slide's
// position to the other's: x' = a·x − b·y + tx, y' = b·x + a·y + ty, with
// [a, b, tx, ty] in µm (level-0 pixels when either slide has no µm/px);
// absent for LockPosition. Landmarks are the pairs it was made from, each
// [x, y here, x, y there] in level-0 pixels.
type SideBySide struct {
	// With is the other slide's path (relative to the case file's folder
	// when inside it, as Path); "" is the same slide.
	With      string       `json:"with,omitempty"`
	Lock      string       `json:"lock"`
	Transform []float64    `json:"transform,omitempty"`
	Landmarks [][4]float64 `json:"landmarks,omitempty"`
}

// ChannelSetting is how one channel of a fluorescence or multiplex image is
// shown: on or off, and its window in the channel's own values (0–255 or
// 0–65535). Name is the channel's name when saved, checked on reload.
type ChannelSetting struct {
	Name string `json:"name"`
	On   bool   `json:"on"`
	Lo   int    `json:"black"`
	Hi   int    `json:"white"`
}

// ChannelSettingsOf returns how s's channels are shown now (nil for a
// slide without channels).
func ChannelSettingsOf(s slide.Slide) []ChannelSetting {
	ctl, ok := slide.ChannelsOf(s)
	if !ok {
		return nil
	}
	var out []ChannelSetting
	for _, c := range ctl.Channels() {
		out = append(out, ChannelSetting{Name: c.Name, On: c.On, Lo: c.Lo, Hi: c.Hi})
	}
	return out
}

// ApplyChannels shows s's channels as set says. Settings saved for
// another image (other channel count or names) are refused with a
// sentence and change nothing; none (nil) is no change.
func ApplyChannels(s slide.Slide, set []ChannelSetting) error {
	if len(set) == 0 {
		return nil
	}
	ctl, ok := slide.ChannelsOf(s)
	if !ok {
		return errors.New("channel settings were saved for this slide, but it has no channels now: shown as it is")
	}
	now := ctl.Channels()
	if len(now) != len(set) {
		return fmt.Errorf("the saved channel settings are for %d channels and the image has %d: shown with its own settings", len(set), len(now))
	}
	for i, c := range set {
		if c.Name != now[i].Name {
			return fmt.Errorf("the saved channel %d is %q and the image's is %q: shown with its own settings", i+1, c.Name, now[i].Name)
		}
	}
	for i, c := range set {
		if err := ctl.SetChannel(i, c.On, c.Lo, c.Hi); err != nil {
			return fmt.Errorf("saved channel settings: %w", err)
		}
	}
	return nil
}

// SavedView is a named region of interest: which slide, where, how close,
// and how the heatmap looked.
type SavedView struct {
	Name       string  `json:"name"`
	Slide      int     `json:"slide"`      // index into Slides
	CenterX    float64 `json:"center_x"`   // level-0 pixels
	CenterY    float64 `json:"center_y"`   // level-0 pixels
	Downsample float64 `json:"downsample"` // level-0 pixels per screen pixel
	Heatmap    Layer   `json:"heatmap"`
	// Display is the screen's brightness, contrast and gamma; absent: none.
	Display *Display `json:"display,omitempty"`
	// Rotation turns the view by Rotation × 90° clockwise (0–3).
	Rotation int `json:"rotation,omitempty"`
	// Channels is how a fluorescence image's channels looked; absent:
	// the view leaves them as they are.
	Channels []ChannelSetting `json:"channels,omitempty"`
	// Caption is what the tumour board reads under the view (storyboard);
	// absent (case files before captions): the name serves.
	Caption string `json:"caption,omitempty"`
	// AnnotationsHidden is true when the view was saved with the
	// annotations hidden.
	AnnotationsHidden bool `json:"annotations_hidden,omitempty"`
}

// CaptionText is the view's caption, or its name when it has none.
func (v SavedView) CaptionText() string {
	if v.Caption != "" {
		return v.Caption
	}
	return v.Name
}

// Display is a saved view's display adjustment (screen only, never what is
// analysed): brightness added (−1…1), contrast and gamma factors (1: none).
type Display struct {
	Brightness float64 `json:"brightness"`
	Contrast   float64 `json:"contrast"`
	Gamma      float64 `json:"gamma"`
}

// Layer is the heatmap's look in a saved view.
type Layer struct {
	Visible   bool    `json:"visible"`
	Opacity   float64 `json:"opacity"`
	Colormap  string  `json:"colormap"`
	Threshold float64 `json:"threshold"` // 0–1 of the range; 0 shows every tile
	Smooth    bool    `json:"smooth"`
	// Range is the colour range [lo, hi] in score units; absent: fitted to
	// the scores.
	Range []float64 `json:"range,omitempty"`
	Rank  bool      `json:"rank,omitempty"` // colours by rank within the slide
}

// FromFolder makes a case of the slides directly in dir, in the order
// slide.SlidesIn gives (by path): each slide file, the DICOM files of dir
// as one slide, each subfolder holding a DICOM series as one slide.
func FromFolder(dir string) (*Case, error) {
	paths, err := slide.SlidesIn(dir)
	if err != nil {
		return nil, fmt.Errorf("open case folder %s: %w", filepath.Base(dir), err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("the folder %s has no slide files (%s, or a DICOM series)", filepath.Base(dir), strings.Join(slide.Extensions, " "))
	}
	c := &Case{Schema: Schema}
	for _, p := range paths {
		c.Slides = append(c.Slides, SlideRef{Path: p})
	}
	return c, nil
}

// unwrapPath drops the path a file error carries (folders may name the
// patient; the message names the file itself).
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Load reads a case file; slide paths come back absolute. A file that is
// not a case gives an error wrapping ErrDamaged that says so.
func Load(path string) (*Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("the case file %s cannot be opened: %w", filepath.Base(path), unwrapPath(err))
	}
	var c Case
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %w (%v); it was not changed. Restore it from a backup, or open the slides again and save a new case", filepath.Base(path), ErrDamaged, err)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w (%v); it was not changed", filepath.Base(path), ErrDamaged, err)
	}
	base := filepath.Dir(path)
	for i := range c.Slides {
		if !filepath.IsAbs(c.Slides[i].Path) {
			c.Slides[i].Path = filepath.Join(base, c.Slides[i].Path)
		}
		if sb := c.Slides[i].SideBySide; sb != nil && sb.With != "" && !filepath.IsAbs(sb.With) {
			sb.With = filepath.Join(base, sb.With)
		}
	}
	return &c, nil
}

func (c *Case) validate() error {
	if c.Schema != Schema {
		return fmt.Errorf("format version %d, want %d", c.Schema, Schema)
	}
	if len(c.Slides) == 0 {
		return errors.New("no slides")
	}
	for i, s := range c.Slides {
		if s.Path == "" {
			return fmt.Errorf("slide %d has no path", i+1)
		}
		if sb := s.SideBySide; sb != nil {
			switch {
			case sb.Lock != LockPosition && sb.Lock != LockOffset && sb.Lock != LockLandmarks:
				return fmt.Errorf("slide %d is side by side with an unknown lock %q", i+1, sb.Lock)
			case sb.Lock != LockPosition && (len(sb.Transform) != 4 || sb.Transform[0] == 0 && sb.Transform[1] == 0):
				return fmt.Errorf("slide %d is side by side without a usable transform", i+1)
			}
		}
	}
	for _, v := range c.Views {
		if v.Slide < 0 || v.Slide >= len(c.Slides) || !(v.Downsample > 0) {
			return fmt.Errorf("saved view %q points at no slide or has no zoom", v.Name)
		}
	}
	return nil
}

// Save writes the case atomically: a failure (a full disk) leaves any
// previous file intact. Slide paths inside the case file's folder are
// stored relative to it, so the folder can be moved as a whole.
func (c *Case) Save(path string) error {
	out := *c
	out.Schema = Schema
	if err := out.validate(); err != nil {
		return fmt.Errorf("save case: %w", err)
	}
	base := filepath.Dir(path)
	out.Slides = make([]SlideRef, len(c.Slides))
	relative := func(path string) string {
		if rel, err := filepath.Rel(base, path); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
		return path
	}
	for i, s := range c.Slides {
		out.Slides[i] = s
		out.Slides[i].Path = relative(s.Path)
		if sb := s.SideBySide; sb != nil && sb.With != "" {
			cp := *sb
			cp.With = relative(sb.With)
			out.Slides[i].SideBySide = &cp
		}
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(&out)
	})
}

// PatientProbability combines the slides' probabilities by rule: "max"
// (the default: the most suspicious slide decides) or "mean".
func PatientProbability(rule string, probs []float64) float64 {
	if len(probs) == 0 {
		return 0
	}
	if rule == "mean" {
		var s float64
		for _, p := range probs {
			s += p
		}
		return s / float64(len(probs))
	}
	m := probs[0]
	for _, p := range probs[1:] {
		m = max(m, p)
	}
	return m
}
