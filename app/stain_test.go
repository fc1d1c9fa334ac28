package app

import (
	"bytes"
	"image"
	"image/draw"
	"strings"
	"testing"

	"tessera/inference"
	"tessera/internal/testbundles"
	"tessera/viewer"
)

// A bundle that normalises stains: the card names the normaliser and its
// target, and the focal-tile inspector shows the tile as scanned beside
// the tile as the model read it.
func TestInspectorShowsTheNormalisedTile(t *testing.T) {
	ui, p := openForAnalysis(t, "aperio", "CMU-1-Small-Region.svs")
	dir := testbundles.WithSection(t, `
[input.stain_normalisation]
method = "macenko"
stain_matrix = [[0.5626, 0.7201, 0.4062], [0.2159, 0.8012, 0.5581]]
max_concentrations = [1.9705, 1.0308]
`)
	b, err := inference.LoadBundle(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := p.analysis
	a.rememberBundle(dir)
	a.modelChoice.SetSelected(b.Manifest.Name + " " + b.Manifest.Version)
	p.work.wg.Wait()
	analyse(t, p)
	r := p.ref.Result
	if r == nil || r.Stain == nil || r.Model.SHA256 != b.SHA256 {
		t.Fatalf("result %+v", r)
	}
	if d := a.card.detail.Text; !strings.Contains(d, "Stain normalisation: Macenko (fitted once per slide) to H (0.563, 0.720, 0.406)") {
		t.Errorf("card detail %q", d)
	}
	tile := r.Tiles[0]
	p.pointer, p.pointerInside = viewer.Level0Point{X: tile.X + 10, Y: tile.Y + 10}, true
	ui.handleWindowRune('t')
	p.work.wg.Wait()
	e := a.evidence
	if e.inspector.Hidden || e.modelBox.Hidden || e.tileLabel.Hidden || !strings.Contains(e.modelText.Text, "As the model read it (Macenko)") {
		t.Fatalf("inspector: hidden %v, model box hidden %v, %q", e.inspector.Hidden, e.modelBox.Hidden, e.modelText.Text)
	}
	scanned, normalised := rgba(e.tileImg.Image), rgba(e.modelImg.Image)
	if scanned.Rect.Dx() != r.Grid.TileSize || normalised.Rect != scanned.Rect || bytes.Equal(scanned.Pix, normalised.Pix) {
		t.Errorf("tiles %v and %v, identical %v", scanned.Rect, normalised.Rect, bytes.Equal(scanned.Pix, normalised.Pix))
	}
	// The built-in model normalises nothing: one tile, no second picture.
	a.modelChoice.SetSelected(BuiltinModelLabel)
	p.work.wg.Wait()
	analyse(t, p)
	ui.handleWindowRune('t')
	p.work.wg.Wait()
	if p.ref.Result.Stain != nil || !e.modelBox.Hidden || !e.tileLabel.Hidden {
		t.Errorf("built-in model: record %+v, model box hidden %v", p.ref.Result.Stain, e.modelBox.Hidden)
	}
}

func rgba(img image.Image) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(out, out.Rect, img, img.Bounds().Min, draw.Src)
	return out
}
