package inference

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/disintegration/imaging"

	"tessera/colour"
	"tessera/internal/testslides"
	"tessera/slide"
)

// Quality control on real tissue made faulty: every tile of the blurred
// slide is out of focus, the pen strokes are found as ink (and nothing
// else is), the sharp slide has no finding; the verdicts follow.
func TestQualityControlOnDerivedSlides(t *testing.T) {
	m := builtinModel(t)
	cases := []struct {
		kind     string
		verdict  Verdict
		flag     string  // the flag expected
		minShare float64 // of tissue tiles flagged with it
		reason   string
	}{
		{testslides.Sharp, VerdictOK, "", 0, ""},
		{testslides.Blurred, VerdictWithheld, "blur", 0.9, ReasonArtefacts},
		{testslides.PenMarked, VerdictFlag, "ink", 0.3, ReasonArtefacts},
		{testslides.NearEmpty, VerdictWithheld, "", 0, ReasonTooLittleTissue},
		{testslides.Greyscale, VerdictWithheld, "outlier", 0.5, ReasonOutliers},
	}
	for _, c := range cases {
		t.Run(c.kind, func(t *testing.T) {
			s, err := slide.Open(testslides.Derived(t, c.kind))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			r, err := Analyze(context.Background(), s, m, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !r.QC.Checked {
				t.Fatal("quality control did not run on a brightfield slide")
			}
			if r.Validity.Verdict != c.verdict {
				t.Errorf("verdict %s, want %s: %s", r.Validity.Verdict, c.verdict, r.VerdictText())
			}
			if c.reason != "" && !hasReason(r.Validity, c.reason) {
				t.Errorf("no %s reason: %s", c.reason, r.VerdictText())
			}
			for code, n := range r.QC.Counts {
				if code != c.flag && code != "outlier" && c.kind != testslides.Greyscale { // grey nuclei pass for black ink
					t.Errorf("%d tiles flagged %s, want only %q flags", n, code, c.flag)
				}
			}
			if c.flag != "" && c.flag != "outlier" {
				share := float64(r.QC.Counts[c.flag]) / float64(r.TilesTotal)
				if share < c.minShare {
					t.Errorf("%.0f %% of %d tiles flagged %s, want at least %.0f %%", 100*share, r.TilesTotal, c.flag, 100*c.minShare)
				}
				// The model leaves artefacts out: scored tiles are the others
				// (all of them when every tile is flagged: the result is
				// withheld, and the heatmap still shows the slide).
				all := r.QC.Artefacts() == r.TilesTotal
				if len(r.Tiles)+r.QC.Excluded != r.TilesTotal || all != (r.QC.Excluded == 0) {
					t.Errorf("%d scored + %d excluded, %d tissue tiles, %d flagged", len(r.Tiles), r.QC.Excluded, r.TilesTotal, r.QC.Flagged())
				}
			}
			b, _ := json.Marshal(r.QC)
			var back QCSummary
			if err := json.Unmarshal(b, &back); err != nil || len(back.Tiles) != len(r.QC.Tiles) {
				t.Errorf("QC does not round-trip through JSON: %v", err)
			}
		})
	}
}

func hasReason(v Validity, code string) bool {
	for _, r := range v.Reasons {
		if r.Code == code {
			return true
		}
	}
	return false
}

// The pen strokes lie where they were drawn: green across the top, black
// across the bottom; the flagged tiles' names say so in JSON.
func TestInkFlagsFollowTheStrokes(t *testing.T) {
	s, err := slide.Open(testslides.Derived(t, testslides.PenMarked))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := Analyze(context.Background(), s, builtinModel(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range r.QC.Tiles {
		if q.Flags&QCInk == 0 {
			continue // an outlier only
		}
		cy := q.Y + r.Grid.Side0/2
		// The strokes are 150 px wide around y 300–700, 1300–1500 and
		// 2400–2700 (level 0); a flagged tile's centre is within a tile of one.
		near := func(y0, y1 float64) bool { return cy > y0-75-r.Grid.Side0 && cy < y1+75+r.Grid.Side0 }
		if !near(300, 700) && !near(1300, 1500) && !near(2400, 2700) {
			t.Errorf("tile at (%.0f, %.0f) flagged %v, far from every stroke", q.X, q.Y, q.Flags.Codes())
		}
	}
	b, _ := json.Marshal(r.QC.Tiles[0])
	if !strings.Contains(string(b), `"flags":["ink"`) {
		t.Errorf("flags in JSON: %s", b)
	}
	var f QCFlags
	if err := json.Unmarshal([]byte(`["ink","fold"]`), &f); err == nil {
		t.Error("an unknown flag was accepted")
	}
}

// Without quality control (the benchmark's baseline) the result says so.
func TestSkipQC(t *testing.T) {
	r, err := Analyze(context.Background(), openShared(t, "aperio/CMU-1-Small-Region.svs"), builtinModel(t), Options{SkipQC: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.QC.Checked {
		t.Error("QC says it was checked")
	}
}

// BenchmarkMeasureQC is quality control of one 224-pixel tile of real
// tissue, against the cost of reading and normalising that tile
// (BenchmarkReadTile): it must stay a small fraction of it.
func BenchmarkMeasureQC(b *testing.B) {
	img := readSharedTile(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		measureQC(img.Pix, img.Stride, 224)
	}
}

func BenchmarkReadTile(b *testing.B) {
	s := openShared(b, "aperio/CMU-1-Small-Region.svs")
	m := builtinModel(b)
	mask, _ := DetectTissue(s)
	g, _ := PlanGrid(s, s.MPP().Mean(), 224, 0.5, mask, DefaultMinTissue)
	tr := NewTileReader(s, &g, m)
	dst := make([]float32, 3*224*224)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := tr.Read(g.Tiles[i%len(g.Tiles)], dst); err != nil {
			b.Fatal(err)
		}
	}
}

func readSharedTile(b *testing.B) *image.RGBA {
	s := openShared(b, "aperio/CMU-1-Small-Region.svs")
	img := image.NewRGBA(image.Rect(0, 0, 224, 224))
	if err := s.ReadRegion(img, 0, 1000, 1000); err != nil {
		b.Fatal(err)
	}
	return img
}

// The built-in bundle's reference: CMU-1-Small-Region is like it (few
// outliers, its stain inside the reference's range); the greyscale copy of
// the same tissue is not (checked above).
func TestReferenceOnRealSlides(t *testing.T) {
	r, err := Analyze(context.Background(), openShared(t, "aperio/CMU-1-Small-Region.svs"), builtinModel(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := r.QC.Counts["outlier"]; float64(n) > 0.05*float64(r.TilesTotal) {
		t.Errorf("%d of %d tiles of a reference slide are outliers", n, r.TilesTotal)
	}
	if r.QC.StainOD[1] == 0 || hasReason(r.Validity, ReasonStainUnlike) || hasReason(r.Validity, ReasonOutliers) {
		t.Errorf("stain %v, validity %+v", r.QC.StainOD, r.Validity)
	}
}

// Each measure on single real tiles at the model's resolution: glass from
// the corner of CMU-1-Small-Region, tissue from its middle, the same
// tissue blurred, and a tile under the black marker stroke.
func TestMeasureQCOnRealTiles(t *testing.T) {
	tile := func(s slide.Slide, x, y int64) TileQC {
		t.Helper()
		img := image.NewRGBA(image.Rect(0, 0, 224, 224))
		if err := s.ReadRegion(img, 0, x, y); err != nil {
			t.Fatal(err)
		}
		return measureQC(img.Pix, img.Stride, 224)
	}
	open := func(kind string) slide.Slide {
		s, err := slide.Open(testslides.Derived(t, kind))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	sharp, blurred, pen := open(testslides.Sharp), open(testslides.Blurred), open(testslides.PenMarked)
	cases := []struct {
		name string
		q    TileQC
		want QCFlags
	}{
		{"glass", tile(sharp, 0, 0), QCEmpty},
		{"tissue", tile(sharp, 1000, 1800), 0},
		{"blurred tissue", tile(blurred, 1000, 1800), QCBlur},
		{"black marker", tile(pen, 1000, 2460), QCInk},
		{"green marker", tile(pen, 1000, 420), QCInk},
	}
	for _, c := range cases {
		if c.q.Flags != c.want {
			t.Errorf("%s: flags %v (focus %.0f, ink %.2f, glass %.2f, dark %.2f), want %v", c.name, c.q.Flags.Codes(), c.q.Focus, c.q.Ink, c.q.Empty, c.q.Dark, c.want.Codes())
		}
	}
	if cases[1].q.OD[1] <= cases[0].q.OD[1] {
		t.Errorf("tissue's optical density %v is not above glass's %v", cases[1].q.OD, cases[0].q.OD)
	}
}

// A bundle that asks for the slide's ICC profile gets converted tiles; the
// default reads raw pixels; the result says which, and a slide without a
// profile says "none".
func TestBundleICCInput(t *testing.T) {
	requireSlide := testslides.AdobeRGBCopy(t)
	s, err := slide.Open(requireSlide)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	raw, err := Analyze(context.Background(), s, builtinModel(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "assets", "builtin-model"))); err != nil {
		t.Fatal(err)
	}
	man, _ := os.ReadFile(filepath.Join(dir, "manifest.toml"))
	os.WriteFile(filepath.Join(dir, "manifest.toml"), []byte(strings.Replace(string(man), "batch_size = 16", "batch_size = 16\nicc = \"apply\"", 1)), 0o644)
	m := modelAt(t, dir)
	managed, err := Analyze(context.Background(), s, m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if raw.Slide.ICC != "ignored" || managed.Slide.ICC != "applied" {
		t.Errorf("icc: %q and %q", raw.Slide.ICC, managed.Slide.ICC)
	}
	if raw.Probability == managed.Probability {
		t.Error("converting the tiles' colours changed nothing in the result")
	}
	// The inspector's tile is the pipeline's: converted only when the
	// analysis converted, before the resize, as the readers do.
	profile := slide.ICCProfile(s)
	toSRGB, err := colour.ToSRGB(profile)
	if err != nil {
		t.Fatal(err)
	}
	defer toSRGB.Close()
	tile := managed.Tiles[0]
	shown, err := TileImage(s, managed, tile.Col, tile.Row, toSRGB.Apply)
	if err != nil {
		t.Fatal(err)
	}
	g := Grid{Level: managed.Grid.Level, TileSize: managed.Grid.TileSize, ReadSide: int(math.Round(managed.Grid.Side0 / s.Levels()[managed.Grid.Level].Downsample))}
	tr := newTileReader(s, &g, nil, false)
	tr.colour = toSRGB.Apply
	pix, _, err := tr.pixels(GridTile{X: tile.X, Y: tile.Y})
	if err != nil {
		t.Fatal(err)
	}
	if got := imaging.Clone(shown).Pix; !bytes.Equal(got, pix[:len(got)]) {
		t.Error("the inspected tile is not the tile the model read")
	}
	unconverted, _ := TileImage(s, raw, tile.Col, tile.Row, toSRGB.Apply)
	if bytes.Equal(imaging.Clone(unconverted).Pix, imaging.Clone(shown).Pix) {
		t.Error("a result that ignored the profile shows a converted tile")
	}
	plain, err := Analyze(context.Background(), openShared(t, "aperio/CMU-1-Small-Region.svs"), builtinModel(t), Options{})
	if err != nil || plain.Slide.ICC != "none" {
		t.Errorf("a slide without a profile: %q %v", plain.Slide.ICC, err)
	}
	os.WriteFile(filepath.Join(dir, "manifest.toml"), []byte(strings.Replace(string(man), "batch_size = 16", "batch_size = 16\nicc = \"yes\"", 1)), 0o644)
	if _, err := LoadBundle(dir); err == nil || !strings.Contains(err.Error(), "input.icc") {
		t.Errorf("icc = \"yes\" accepted: %v", err)
	}
}

// Thin pen lines crossing the tissue (15 µm wide: a few percent of each
// tile they cross) are found on every tile they cross through its middle,
// left out of the score, never evidence, and the share said is the share
// flagged.
func TestInkLinesCrossingTilesAreFlagged(t *testing.T) {
	var grid *Grid
	r, err := Analyze(context.Background(), openDerived(t, testslides.PenLines), builtinModel(t), Options{
		Features: func(g *Grid, _ []float32, _ int, _ []TileQC) { grid = g }})
	if err != nil {
		t.Fatal(err)
	}
	flagged := map[[2]int]bool{}
	for _, q := range r.QC.Tiles {
		if q.Flags&QCInk != 0 {
			flagged[[2]int{q.Col, q.Row}] = true
		}
	}
	crossed := 0
	for _, tile := range grid.Tiles {
		cx, cy := tile.X+grid.Side0/2, tile.Y+grid.Side0/2
		for _, s := range testslides.PenLineSegments {
			if segmentDistance(cx, cy, s) < grid.Side0/3 {
				crossed++
				if !flagged[[2]int{tile.Col, tile.Row}] {
					t.Errorf("tile (%d, %d) is crossed by a pen line through its middle and not flagged ink (%v)", tile.Col, tile.Row, flagged)
				}
			}
		}
	}
	if crossed < 6 {
		t.Fatalf("only %d tiles crossed: the test slide is not what it should be", crossed)
	}
	for _, s := range r.Tiles {
		if flagged[[2]int{s.Col, s.Row}] {
			t.Errorf("ink tile (%d, %d) was scored", s.Col, s.Row)
		}
	}
	for _, e := range r.Evidence {
		if flagged[[2]int{e.FocalCol, e.FocalRow}] {
			t.Errorf("evidence region %d is an ink tile", e.Rank)
		}
	}
	want := percentText(r.QC.Counts["ink"], len(grid.Tiles)) + " of tissue tiles are covered by pen or marker ink"
	if !strings.Contains(r.VerdictText(), want) {
		t.Errorf("verdict %q does not say %q", r.VerdictText(), want)
	}
	t.Logf("%d of %d tiles flagged ink (%d crossed through the middle): %s", r.QC.Counts["ink"], len(grid.Tiles), crossed, r.VerdictText())
}

// segmentDistance is the distance from (x, y) to the segment s (x0, y0, x1, y1).
func segmentDistance(x, y float64, s [4]float64) float64 {
	dx, dy := s[2]-s[0], s[3]-s[1]
	u := ((x-s[0])*dx + (y-s[1])*dy) / (dx*dx + dy*dy)
	u = math.Max(0, math.Min(1, u))
	return math.Hypot(x-s[0]-u*dx, y-s[1]-u*dy)
}

// Evidence never lists a tile quality control found to be an artefact,
// even when the model scored it (a bundle that does not leave them out).
func TestEvidenceSkipsArtefactTiles(t *testing.T) {
	r := &Result{Classes: []string{"low", "high"}}
	r.Grid.Side0 = 100
	r.Model.ScoreMeaning = ScoreSignedEvidence
	for c := 0; c < 10; c++ {
		r.Tiles = append(r.Tiles, TileScore{Col: 3 * c, Row: 0, Score: float32(10 - c)})
	}
	r.QC.Tiles = []QCTile{{Col: 0, Row: 0, Flags: QCInk}, {Col: 3, Row: 0, Flags: QCBlur | QCOutlier}, {Col: 6, Row: 0, Flags: QCOutlier}}
	ev := Evidence(r)
	if len(ev) == 0 || ev[0].FocalCol != 6 {
		t.Fatalf("evidence %+v: want the strongest non-artefact tile (col 6) first", ev)
	}
	for _, e := range ev {
		if e.FocalCol == 0 || e.FocalCol == 3 {
			t.Errorf("artefact tile at col %d is evidence", e.FocalCol)
		}
	}
}

// A slide whose tissue pieces are all smaller than a tile is no error the
// user made: it gets a withheld result with a sentence that says why, no
// tiles, no class, and nothing null in its JSON.
func TestTissuePiecesTooSmallAreWithheld(t *testing.T) {
	m := builtinModel(t)
	s, err := slide.Open(testslides.Derived(t, testslides.Specks))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := Analyze(context.Background(), s, m, Options{})
	if err != nil {
		t.Fatalf("an error instead of a withheld result: %v", err)
	}
	if !r.Withheld() || !hasReason(r.Validity, ReasonNoTissueTile) || len(r.Tiles) != 0 || r.Class != "" {
		t.Fatalf("verdict %s, %d tiles, class %q: %s", r.Validity.Verdict, len(r.Tiles), r.Class, r.VerdictText())
	}
	if got := r.Validity.Reasons[0].Text; !strings.Contains(got, "Tissue was found") || !strings.Contains(got, "too small to analyse") {
		t.Errorf("reason %q", got)
	}
	if h := r.Headline(); !strings.Contains(h, "tissue pieces too small") {
		t.Errorf("headline %q", h)
	}
	b, _ := json.Marshal(r)
	if strings.Contains(string(b), "null") {
		t.Errorf("null in the result's JSON: %s", b)
	}
}
