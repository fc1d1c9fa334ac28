package app

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
	"github.com/disintegration/imaging"

	"tessera/caselog"
	"tessera/inference"
	"tessera/slide"
	"tessera/viewer"
)

// The evidence navigator: the regions that drove a result
// (inference.Result.Evidence) as a strip of thumbnails under the case card,
// ] and [ to step through them, and a focal-tile inspector showing the tile
// as the model saw it with its score, rank, percentile and quality control.

// evidenceThumbSide is a strip thumbnail's side, pixels.
const evidenceThumbSide = 88

// greyThumb fills a thumbnail that could not be read.
var greyThumb = color.NRGBA{0x80, 0x80, 0x80, 0xff}

// stepEvidence shows the next (+1) or previous (−1) region that drove the
// slide's result, centred and whole.
func (p *slidePane) stepEvidence(delta int) {
	r := p.ref.Result
	if r == nil || len(r.Evidence) == 0 {
		p.notice = "No evidence regions: analyse the slide first (Ctrl+R)"
		p.updateStatus()
		return
	}
	if p.analysis.scoresHidden() {
		p.notice = "The evidence is hidden with the result (first read, or a withheld result: Show the withheld class… on the card)"
		p.updateStatus()
		return
	}
	n := len(r.Evidence)
	p.goToEvidence(((p.evidence-1+delta)%n+n)%n + 1)
}

// goToEvidence shows evidence region k (1-based) whole, says in the status
// line which it is and what it did, inspects its strongest tile and
// records the view in the case log.
func (p *slidePane) goToEvidence(k int) {
	r := p.ref.Result
	if r == nil || k < 1 || k > len(r.Evidence) {
		return
	}
	p.evidence = k
	e := r.Evidence[k-1]
	vp := p.view.Viewport()
	w, h := e.Width, e.Height
	if vp.Rotation&1 == 1 {
		w, h = h, w
	}
	// The region fills about two thirds of the view, but never past the
	// scan's resolution (a one-tile region would otherwise fill the view at
	// 40× on a 20× scan: magnified blur, and no context).
	ds := max(1.5*max(w/float64(max(vp.Width, 1)), h/float64(max(vp.Height, 1))), 1)
	p.view.SetView(viewer.Level0Point{X: e.X + e.Width/2, Y: e.Y + e.Height/2}, ds)
	what := "where the model looked most"
	if e.Towards != "" {
		what = fmt.Sprintf("pushed the result towards %q", e.Towards)
	}
	p.viewNote = fmt.Sprintf("evidence %d of %d: %s (tile score %.3g, %s)", k, len(r.Evidence), what, e.Score, inference.Count(e.Tiles, "tile"))
	p.updateStatus()
	p.analysis.evidence.highlight(k)
	p.inspectTile(e.FocalCol, e.FocalRow)
	note := p.viewNote
	p.desk.recordWith(func() caselog.Entry {
		return caselog.Entry{Event: caselog.EvidenceViewed, Slide: filepath.Base(r.Slide.Name), SlideIndex: p.desk.session.Index(p.ref) + 1,
			ResultHash: caselog.ResultHash(r), Detail: note}
	})
}

// evidencePanel is the strip of evidence thumbnails and the focal-tile
// inspector. UI goroutine only.
type evidencePanel struct {
	content  *fyne.Container // hidden without evidence
	strip    *fyne.Container // one stack (button under thumbnail) per region
	captions []*widget.Label

	inspector *fyne.Container // hidden until a tile is inspected
	tileTitle *widget.Label
	tileImg   *canvas.Image // the tile as scanned
	modelImg  *canvas.Image // as the model read it after stain normalisation (hidden without)
	modelBox  *fyne.Container
	tileLabel *widget.Label // over the tile as scanned, when both are shown
	modelText *widget.Label // over the normalised tile: the normaliser
	tileText  *widget.Label
}

func newEvidencePanel() *evidencePanel {
	e := &evidencePanel{strip: container.NewHBox(), tileText: widget.NewLabel("")}
	e.tileText.Wrapping = fyne.TextWrapWord
	e.tileImg = canvas.NewImageFromImage(nil)
	e.tileImg.FillMode = canvas.ImageFillContain
	e.tileImg.ScaleMode = canvas.ImageScalePixels
	e.tileImg.SetMinSize(fyne.NewSize(160, 160))
	e.modelImg = canvas.NewImageFromImage(nil)
	e.modelImg.FillMode = canvas.ImageFillContain
	e.modelImg.ScaleMode = canvas.ImageScalePixels
	e.modelImg.SetMinSize(fyne.NewSize(160, 160))
	e.modelText = widget.NewLabel("")
	e.modelBox = container.NewVBox(e.modelText, e.modelImg)
	e.tileLabel = widget.NewLabel("As scanned")
	e.tileTitle = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	e.tileTitle.Wrapping = fyne.TextWrapWord
	e.inspector = container.NewVBox(e.tileTitle,
		container.NewHBox(container.NewVBox(e.tileLabel, e.tileImg), e.modelBox), e.tileText)
	e.inspector.Hide()
	scroll := container.NewHScroll(e.strip)
	scroll.SetMinSize(fyne.NewSize(evidenceThumbSide, evidenceThumbSide+40))
	e.content = container.NewVBox(
		widget.NewLabelWithStyle("Evidence (] and [ step through it)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		scroll, e.inspector)
	e.content.Hide()
	return e
}

// clear empties the strip and hides the inspector (a new analysis).
func (e *evidencePanel) clear() {
	e.strip.RemoveAll()
	e.captions = nil
	e.content.Hide()
	e.inspector.Hide()
}

// show lays out the thumbnails of r's regions; tapping one goes to it.
func (e *evidencePanel) show(r *inference.Result, thumbs []image.Image, goTo func(k int)) {
	e.clear()
	for i, region := range r.Evidence {
		k := i + 1
		img := canvas.NewImageFromImage(thumbs[i])
		img.FillMode = canvas.ImageFillContain
		img.SetMinSize(fyne.NewSize(evidenceThumbSide, evidenceThumbSide))
		button := widget.NewButton("", func() { goTo(k) })
		button.Importance = widget.LowImportance
		caption := widget.NewLabel(evidenceCaption(region))
		caption.Alignment = fyne.TextAlignCenter
		e.captions = append(e.captions, caption)
		e.strip.Add(container.NewVBox(container.NewStack(button, container.NewPadded(img)), caption))
	}
	e.content.Show()
}

// evidenceCaption is a thumbnail's caption: its rank and direction.
func evidenceCaption(e inference.EvidenceRegion) string {
	switch e.Towards {
	case "":
		return fmt.Sprintf("%d", e.Rank)
	default:
		return fmt.Sprintf("%d → %s", e.Rank, e.Towards)
	}
}

// highlight marks region k's caption as the one shown.
func (e *evidencePanel) highlight(k int) {
	for i, c := range e.captions {
		c.TextStyle.Bold = i == k-1
		c.Refresh()
	}
}

// showTile puts an inspected tile and its description in the inspector:
// the tile as scanned, and when the bundle normalises stains, beside it as
// the model read it (normalised nil: no normalisation).
func (e *evidencePanel) showTile(img, normalised image.Image, normaliser string, text string) {
	e.tileImg.Image = img
	e.tileImg.Refresh()
	if normalised == nil {
		e.tileTitle.SetText("Focal tile, as the model saw it (T: the tile under the pointer)")
		e.tileLabel.Hide()
		e.modelBox.Hide()
	} else {
		e.tileTitle.SetText("Focal tile (T: the tile under the pointer)")
		e.tileLabel.Show() // before normalisation: with the colour profile applied if the bundle asks for it
		e.modelText.SetText("As the model read it (" + normaliser + ")")
		e.modelImg.Image = normalised
		e.modelImg.Refresh()
		e.modelBox.Show()
	}
	e.tileText.SetText(text)
	e.inspector.Show()
	e.content.Show()
}

// loadEvidence reads the thumbnails of r's evidence regions in the
// background and shows the strip.
func (p *slidePane) loadEvidence(r *inference.Result) {
	p.analysis.evidence.clear()
	if len(r.Evidence) == 0 {
		return
	}
	s := p.slide
	p.work.Go(func(context.Context) func() {
		thumbs := make([]image.Image, len(r.Evidence))
		for i, e := range r.Evidence {
			thumbs[i] = regionThumbnail(s, e)
		}
		return func() {
			if p.ref.Result != r {
				return // another result since
			}
			p.analysis.evidence.show(r, thumbs, p.goToEvidence)
			if p.analysis.scoresHidden() {
				p.analysis.evidence.content.Hide() // shown with the result: after the first read, or when a withheld one is revealed
			}
		}
	})
}

// regionThumbnail reads an evidence region at a level that shows it in
// about evidenceThumbSide pixels (a grey square if it cannot be read).
func regionThumbnail(s slide.Slide, e inference.EvidenceRegion) image.Image {
	levels := s.Levels()
	ds := max(e.Width, e.Height) / evidenceThumbSide
	level := slide.BestLevelForDownsample(levels, ds)
	l := levels[level]
	w, h := max(int(e.Width/l.Downsample), 1), max(int(e.Height/l.Downsample), 1)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	if err := s.ReadRegion(img, level, int64(e.X), int64(e.Y)); err != nil {
		return imaging.New(evidenceThumbSide, evidenceThumbSide, greyThumb)
	}
	return imaging.Fit(img, evidenceThumbSide, evidenceThumbSide, imaging.Linear)
}

// inspectTile shows grid cell (col, row) of the result in the inspector:
// the tile read as the model read it, its score, rank and percentile, and
// what quality control found.
func (p *slidePane) inspectTile(col, row int) {
	r := p.ref.Result
	if r == nil {
		return
	}
	info, ok := r.TileAt(col, row)
	if !ok {
		return
	}
	s := p.slide
	var toSRGB func(*image.RGBA)
	if p.icc != nil {
		toSRGB = p.icc.Apply
	}
	p.work.Go(func(context.Context) func() {
		img, err := inference.TileImage(s, r, col, row, toSRGB)
		var normalised image.Image
		normaliser := ""
		if err == nil && r.Stain != nil {
			normalised, normaliser = r.Stain.Normalised(img), r.Stain.Spec.Name()
		}
		return func() {
			if p.ref.Result != r {
				return
			}
			if err != nil {
				img = imaging.New(r.Grid.TileSize, r.Grid.TileSize, greyThumb)
			}
			p.analysis.evidence.showTile(img, normalised, normaliser, tileText(r, info, p.view.Calibration()))
		}
	})
}

// inspectPointer inspects the tile under the pointer (the T key).
func (p *slidePane) inspectPointer() {
	r := p.ref.Result
	if r == nil || !p.pointerInside {
		p.notice = "Point at a tile of an analysed slide, then press T"
		p.updateStatus()
		return
	}
	if p.analysis.scoresHidden() {
		p.notice = "Tile scores are hidden with the result (first read, or a withheld result: Show the withheld class… on the card)"
		p.updateStatus()
		return
	}
	col, row := r.CellAt(p.pointer.X, p.pointer.Y)
	if _, ok := r.TileAt(col, row); !ok {
		return
	}
	p.inspectTile(col, row)
}

// tileText describes an inspected tile in words.
func tileText(r *inference.Result, t inference.TileInfo, cal viewer.Calibration) string {
	where := fmt.Sprintf("Tile (%d, %d) at %s, %d px at %.3g µm/px.", t.Col, t.Row,
		formatPosition(viewer.Level0Point{X: t.X, Y: t.Y}, cal), r.Grid.TileSize, r.Slide.MPP*r.Grid.Side0/float64(r.Grid.TileSize))
	score := "Not scored: not a tissue tile of the analysis."
	switch {
	case t.Scored:
		score = fmt.Sprintf("Score %.3g (%s): rank %d of %d, above %.0f %% of the slide's tiles.", t.Score, r.Model.ScoreMeaning, t.Rank, t.Of, t.Percentile)
	case t.QC&^inference.QCOutlier != 0:
		score = "Not scored: quality control left it out of the score."
	}
	qc := "Quality control: nothing found."
	if !r.QC.Checked {
		qc = "Quality control: not run on this slide."
	} else if t.QC != 0 {
		qc = "Quality control: " + t.QC.Words() + "."
		if t.Distance > 0 {
			qc += fmt.Sprintf(" Feature distance to the reference %.2f.", t.Distance)
		}
	}
	return where + "\n" + score + "\n" + qc
}
