package app

import (
	"context"
	"math"
	"tessera/internal/xvfbtest"
	"testing"

	"fyne.io/fyne/v2/test"

	"tessera/heatmap"
	"tessera/inference"
	"tessera/internal/testbundles"
	"tessera/slide/slidetest"
	"tessera/viewer"
)

// The checker bundle scores each 64-pixel tile of the synthetic slide by its
// blue value, which alternates in 64-pixel checks: the heatmap must be a
// checkerboard landing exactly on the tiles. Checked on snapshot pixels at
// the fitted view and zoomed past level 0.
func TestHeatmapAlignment(t *testing.T) {
	requireRuntime(t)
	b, err := inference.LoadBundle(testbundles.Path(t, "checker"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := inference.OpenModel(b, inference.ProviderCPU)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := slidetest.New(2048, 1536, 1, 4, 16)
	res, err := inference.Analyze(context.Background(), s, m, inference.Options{MinTissue: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	if res.Grid.Side0 != 64 || len(res.Tiles) < res.Grid.Cols*res.Grid.Rows/2 {
		t.Fatalf("grid side %v, %d tiles of %d×%d", res.Grid.Side0, len(res.Tiles), res.Grid.Cols, res.Grid.Rows)
	}
	for _, tile := range res.Tiles {
		want := float32(60.0 / 255)
		if (tile.Col+tile.Row)%2 == 0 {
			want = 200.0 / 255
		}
		if math.Abs(float64(tile.Score-want)) > 0.01 {
			t.Fatalf("tile %d,%d scores %v, want %v: the grid is not where the checks are", tile.Col, tile.Row, tile.Score, want)
		}
	}
	layer := heatmap.FromResult(res)
	look := layer.Look()
	look.Opacity, look.AutoRange, look.Lo, look.Hi = 1, false, 0, 1
	layer.SetLook(look)
	st := layer.Style(1)
	test.NewTempApp(t)
	hot, cold := st.Map.At(200.0/255), st.Map.At(60.0/255)

	for _, view := range []struct {
		name   string
		w, h   int
		center viewer.Level0Point
		umPx   float64 // 0: fit
	}{
		{"fit", 640, 480, viewer.Level0Point{X: 1024, Y: 768}, 0},
		{"zoomed past level 0", 640, 480, viewer.Level0Point{X: 700, Y: 500}, 0.2},
	} {
		t.Run(view.name, func(t *testing.T) {
			req := viewer.SnapshotRequest{Width: view.w, Height: view.h, Layers: []viewer.ViewLayer{layer.ViewLayer()}, UMPerPixel: view.umPx}
			c := view.center
			req.Center = &c
			img, err := viewer.Snapshot(context.Background(), s, req)
			if err != nil {
				t.Fatal(err)
			}
			vp := viewer.NewViewport(2048, 1536, view.w, view.h)
			if view.umPx > 0 {
				vp.Center, vp.Downsample = c, view.umPx/0.5
			}
			checked := 0
			for _, tile := range res.Tiles {
				// The centre and points 2 device pixels inside each corner.
				for _, f := range [][2]float64{{0.5, 0.5}, {0, 0}, {1, 0}, {0, 1}, {1, 1}} {
					p := vp.Level0ToDevice(viewer.Level0Point{X: tile.X + f[0]*64, Y: tile.Y + f[1]*64})
					x, y := int(p.X+2-4*f[0]), int(p.Y+2-4*f[1])
					if x < 0 || y < 0 || x >= view.w || y >= view.h || x < 260 && y < 80 || x < 170 && y > 420 {
						continue // off screen, or under the legend or the scale bar
					}
					want := cold
					if (tile.Col+tile.Row)%2 == 0 {
						want = hot
					}
					if got := xvfbtest.RGBAt(img, x, y); !xvfbtest.Near(got, want, 6) {
						t.Fatalf("tile %d,%d at device (%d,%d): colour %v, want %v", tile.Col, tile.Row, x, y, got, want)
					}
					checked++
				}
			}
			if checked < 20 {
				t.Errorf("only %d points checked", checked)
			}
		})
	}
}
