package cli

import (
	"errors"
	"fmt"
	"io"

	"tessera/annotation"
)

// Annotations runs `tessera annotations SLIDE --import IN [--export OUT]`:
// the import the window uses, headless. It prints the counts by geometry,
// object type and class, names the objects lying outside the slide (kept,
// never dropped), and writes the QuPath-compatible GeoJSON export.
func Annotations(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("annotations", stderr)
	in := fs.String("import", "", "GeoJSON (QuPath, HALO, …) or Aperio ImageScope / ASAP XML file")
	out := fs.String("export", "", "write the annotations as QuPath-compatible GeoJSON")
	path, err := parseWithOnePositional(fs, args)
	if err != nil {
		return err
	}
	if *in == "" {
		return UserError{errors.New("usage: tessera annotations SLIDE --import IN.geojson [--export OUT.geojson]")}
	}
	s, err := openSlide(path)
	if err != nil {
		return err
	}
	defer s.Close()
	c, err := annotation.Load(*in)
	if err != nil {
		return UserError{err}
	}
	n := c.Count()
	fmt.Fprintf(stdout, "%d objects\n  by geometry: %s\n  by type: %s\n  by class: %s\n", len(c.Features), annotation.Text(n.Geometry), annotation.Text(n.Object), annotation.Text(n.Class))
	l0 := s.Levels()[0]
	if outside := c.Outside(float64(l0.Width), float64(l0.Height)); len(outside) > 0 {
		fmt.Fprintf(stdout, "%d objects lie wholly or partly outside the slide (%d × %d pixels); they are kept:\n", len(outside), l0.Width, l0.Height)
		for k, i := range outside {
			if k == 10 {
				fmt.Fprintf(stdout, "  … and %d more\n", len(outside)-10)
				break
			}
			fmt.Fprintf(stdout, "  %s\n", c.Describe(i))
		}
	}
	if *out != "" {
		if err := c.Save(*out); err != nil {
			return fmt.Errorf("writing %s: %w", *out, err)
		}
		fmt.Fprintf(stdout, "wrote %s\n", *out)
	}
	return nil
}
