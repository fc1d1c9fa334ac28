package testslides

import (
	"encoding/json"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/disintegration/imaging"
)

// DICOM copies of real tissue: CMU-1-Small-Region cut into a three-level
// pyramid of 256-pixel JPEG tiles (quality 95) and wrapped as a DICOM VL
// Whole Slide Microscopy series by pydicom (tools/dicom/make_wsi_dicom.py),
// an independent writer. Modes: "full" (TILED_FULL, with a Basic Offset
// Table), "sparse" (TILED_SPARSE with plane positions, frames in
// reverse order, every seventh tile missing, no offset table) and "j2k"
// (TILED_FULL, lossless JPEG 2000 tiles made by vips from the decoded
// slide: pixel for pixel the original's), "eot" (as full, frames indexed by
// an Extended Offset Table instead of the Basic one).
const (
	DICOMFull   = "full"
	DICOMSparse = "sparse"
	DICOMJ2K    = "j2k"
	DICOMEOT    = "eot"
)

// DICOMTile is the tile side of the DICOM copies, pixels.
const DICOMTile = 256

// DICOMCopy returns the folder of a DICOM copy of CMU-1-Small-Region,
// making it on first use ($TMPDIR/tessera-test-slides). It skips the test
// when the shared slides, vips or pydicom are missing.
func DICOMCopy(t testing.TB, mode string) string {
	t.Helper()
	src := filepath.Join(Dir(t), "aperio", "CMU-1-Small-Region.svs")
	if _, err := exec.LookPath("vips"); err != nil {
		t.Skip("vips not installed (scripts/setup.sh installs it): skipping test on a DICOM copy")
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import pydicom").Run(); err != nil {
		t.Skip("python3-pydicom not installed (scripts/setup.sh installs it): skipping test on a DICOM copy")
	}
	derivedMu.Lock()
	defer derivedMu.Unlock()
	script, out := madeBy(t, "dicom/make_wsi_dicom.py", "dicom-"+mode, "")
	if _, err := os.Stat(filepath.Join(out, "level-0.dcm")); err == nil {
		return out
	}
	work, err := os.MkdirTemp(os.TempDir(), "dicom-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(work)
	cmd := exec.Command("sh", "-c", fmt.Sprintf("vips openslideload %q raw.v && vips flatten raw.v flat.v --background 255 && vips pngsave flat.v level0.png", src))
	cmd.Dir = work
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("reading the slide for its DICOM copy: %v\n%s", err, msg)
	}
	if err := cutTiles(work, mode == DICOMJ2K); err != nil {
		t.Fatal(err)
	}
	if mode == DICOMJ2K {
		enc := exec.Command("sh", "-c", `for f in l*.png; do vips jp2ksave "$f" "${f%.png}.j2k" --lossless || exit 1; done`)
		enc.Dir = work
		if msg, err := enc.CombinedOutput(); err != nil {
			t.Fatalf("encoding JPEG 2000 tiles: %v\n%s", err, msg)
		}
	}
	tmpOut := out + ".tmp"
	os.RemoveAll(tmpOut)
	py := exec.Command("/usr/bin/python3", script, work, tmpOut, mode)
	if msg, err := py.CombinedOutput(); err != nil {
		t.Fatalf("writing the DICOM copy: %v\n%s", err, msg)
	}
	if err := os.Rename(tmpOut, out); err != nil {
		t.Fatal(err)
	}
	return out
}

// cutTiles writes manifest.json, the tiles of three levels (1, 1/2, 1/4)
// and a label into dir, from dir/level0.png: JPEG tiles, or PNG tiles to be
// encoded as JPEG 2000 (named .j2k in the manifest).
func cutTiles(dir string, forJ2K bool) error {
	f, err := os.Open(filepath.Join(dir, "level0.png"))
	if err != nil {
		return err
	}
	src, err := png.Decode(f)
	f.Close()
	if err != nil {
		return err
	}
	type tile struct {
		Col  int    `json:"col"`
		Row  int    `json:"row"`
		File string `json:"file"`
	}
	type level struct {
		Width  int    `json:"width"`
		Height int    `json:"height"`
		Tile   int    `json:"tile"`
		Tiles  []tile `json:"tiles"`
	}
	m := struct {
		MPP    float64        `json:"mpp"`
		Levels []level        `json:"levels"`
		Label  map[string]any `json:"label"`
	}{MPP: 0.499}
	b := src.Bounds()
	for li, scale := range []int{1, 2, 4} {
		img := imaging.Resize(src, b.Dx()/scale, b.Dy()/scale, imaging.Box)
		if scale == 1 {
			img = imaging.Clone(src)
		}
		l := level{Width: img.Bounds().Dx(), Height: img.Bounds().Dy(), Tile: DICOMTile}
		for row := 0; row*DICOMTile < l.Height; row++ {
			for col := 0; col*DICOMTile < l.Width; col++ {
				t := image.NewRGBA(image.Rect(0, 0, DICOMTile, DICOMTile))
				draw.Draw(t, t.Rect, image.White, image.Point{}, draw.Src) // edge tiles padded with white
				draw.Draw(t, t.Rect, img, image.Pt(col*DICOMTile, row*DICOMTile), draw.Src)
				name := fmt.Sprintf("l%d-%d-%d.jpg", li, row, col)
				if forJ2K {
					name = fmt.Sprintf("l%d-%d-%d.png", li, row, col)
				}
				out, err := os.Create(filepath.Join(dir, name))
				if err != nil {
					return err
				}
				if forJ2K {
					err = png.Encode(out, t)
					name = strings.TrimSuffix(name, ".png") + ".j2k"
				} else {
					err = jpeg.Encode(out, t, &jpeg.Options{Quality: 95})
				}
				out.Close()
				if err != nil {
					return err
				}
				l.Tiles = append(l.Tiles, tile{col, row, name})
			}
		}
		m.Levels = append(m.Levels, l)
	}
	label := imaging.Resize(src, 120, 0, imaging.Box) // a stand-in label image
	raw := make([]byte, 0, 3*label.Bounds().Dx()*label.Bounds().Dy())
	for i := 0; i < len(label.Pix); i += 4 {
		raw = append(raw, label.Pix[i], label.Pix[i+1], label.Pix[i+2])
	}
	if err := os.WriteFile(filepath.Join(dir, "label.rgb"), raw, 0o644); err != nil {
		return err
	}
	m.Label = map[string]any{"width": label.Bounds().Dx(), "height": label.Bounds().Dy(), "file": "label.rgb"}
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "manifest.json"), data, 0o644)
}

// Fluorescence DICOM series (tools/dicom/make_fluorescence_dicom.py, by
// pydicom) of the tifffile-made two-channel pyramid ChannelPyramid(t,
// "ome"): optical paths DAPI and FITC. Modes: one file per path per level,
// 16-bit, two focal planes at full size ("instances", with a label); both
// paths in one file per level, 8-bit, TILED_FULL ("combined"); both paths
// in one file, TILED_SPARSE with per-frame path identifiers and Z offsets
// ("sparse"); lossless JPEG 2000 16-bit frames ("j2k").
const (
	FluoInstances = "instances"
	FluoCombined  = "combined"
	FluoSparse    = "sparse"
	FluoJ2K       = "j2k"
)

// FluorescenceDICOM returns the folder of a fluorescence DICOM series made
// on first use ($TMPDIR/tessera-test-slides); it skips the test when
// pydicom (or, for j2k, vips or PIL) is missing.
func FluorescenceDICOM(t testing.TB, mode string) string {
	t.Helper()
	src := ChannelPyramid(t, "ome")
	check := "import pydicom, tifffile, numpy"
	if mode == FluoJ2K {
		check += ", PIL"
		if _, err := exec.LookPath("vips"); err != nil {
			t.Skip("vips not installed (scripts/setup.sh installs it): skipping test on a JPEG 2000 DICOM copy")
		}
	}
	if err := exec.Command("/usr/bin/python3", "-c", check).Run(); err != nil {
		t.Skipf("python3 modules missing (%s; scripts/setup.sh installs them): skipping test on a fluorescence DICOM copy", check)
	}
	derivedMu.Lock()
	defer derivedMu.Unlock()
	shared, err := os.ReadFile(filepath.Join(moduleRoot(), "tools", "dicom", "make_wsi_dicom.py")) // its instance header
	if err != nil {
		t.Fatal(err)
	}
	script, out := madeBy(t, "dicom/make_fluorescence_dicom.py", "dicom-fluo-"+mode, "", src, string(shared))
	if _, err := os.Stat(out); err == nil {
		return out
	}
	tmpOut := out + ".tmp"
	os.RemoveAll(tmpOut)
	if msg, err := exec.Command("/usr/bin/python3", script, src, tmpOut, mode).CombinedOutput(); err != nil {
		t.Fatalf("writing the fluorescence DICOM copy: %v\n%s", err, msg)
	}
	if err := os.Rename(tmpOut, out); err != nil {
		t.Fatal(err)
	}
	return out
}
