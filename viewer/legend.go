package viewer

import (
	"image"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"

	"tessera/internal/colormap"
)

var _ fyne.Widget = (*Legend)(nil)

// Legend explains an overlay: a colour bar with the values at its ends and
// a line saying what the values mean. UI goroutine only.
type Legend struct {
	widget.BaseWidget
	LegendContent
	// TextScale enlarges the legend (text, bar and padding) for a room;
	// 0 or 1 is the normal size.
	TextScale float32
}

// LegendContent is what a legend says, as a value (layers produce it; a
// Legend widget shows it).
type LegendContent struct {
	Map    colormap.Map
	LoText string // value at the left end
	HiText string // value at the right end
	Title  string // what the values mean, e.g. "signed evidence for high risk"
	Note   string // optional second line, e.g. "partial: 120 of 400 tiles"
}

// NewLegend returns an empty legend; fill it with SetContent.
func NewLegend() *Legend {
	l := &Legend{LegendContent: LegendContent{Map: colormap.Viridis}}
	l.ExtendBaseWidget(l)
	return l
}

// SetContent shows c. UI goroutine.
func (l *Legend) SetContent(c LegendContent) {
	l.LegendContent = c
	l.Refresh()
}

// CreateRenderer implements fyne.Widget.
func (l *Legend) CreateRenderer() fyne.WidgetRenderer {
	r := &legendRenderer{l: l,
		bg:    canvas.NewRectangle(color.NRGBA{255, 255, 255, 225}),
		bar:   canvas.NewImageFromImage(nil),
		lo:    canvas.NewText("", color.Black),
		hi:    canvas.NewText("", color.Black),
		title: canvas.NewText("", color.Black),
		note:  canvas.NewText("", color.NRGBA{150, 0, 0, 255}),
	}
	r.bg.CornerRadius = 4
	r.bar.ScaleMode = canvas.ImageScaleFastest
	r.bar.FillMode = canvas.ImageFillStretch
	for _, t := range []*canvas.Text{r.lo, r.hi, r.title, r.note} {
		t.TextSize = legendText
	}
	r.title.TextStyle.Bold = true
	r.Refresh()
	return r
}

const (
	legendPad  = 6
	legendBarW = 200
	legendBarH = 12
	legendText = 12
)

// scale is the legend's size factor (TextScale, at least 1).
func (l *Legend) scale() float32 { return max(l.TextScale, 1) }

type legendRenderer struct {
	l                   *Legend
	bg                  *canvas.Rectangle
	bar                 *canvas.Image
	lo, hi, title, note *canvas.Text
	mapName             string
}

func (r *legendRenderer) Destroy() {}

func (r *legendRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.bg, r.bar, r.lo, r.hi, r.title, r.note}
}

func (r *legendRenderer) textWidth(t *canvas.Text) float32 {
	return fyne.MeasureText(t.Text, t.TextSize, t.TextStyle).Width
}

func (r *legendRenderer) MinSize() fyne.Size {
	s := r.l.scale()
	lineH := fyne.MeasureText("Ag", legendText*s, fyne.TextStyle{}).Height
	w := max(legendBarW*s, r.textWidth(r.title), r.textWidth(r.note)) + 2*legendPad*s
	h := 2*legendPad*s + lineH + 2 + legendBarH*s + 2 + lineH
	if r.l.Note != "" {
		h += lineH
	}
	return fyne.NewSize(w, h)
}

func (r *legendRenderer) Layout(size fyne.Size) {
	s := r.l.scale()
	pad, barW := legendPad*s, legendBarW*s
	lineH := fyne.MeasureText("Ag", legendText*s, fyne.TextStyle{}).Height
	r.bg.Resize(size)
	y := pad
	r.title.Move(fyne.NewPos(pad, y))
	y += lineH + 2
	r.bar.Move(fyne.NewPos(pad, y))
	r.bar.Resize(fyne.NewSize(barW, legendBarH*s))
	y += legendBarH*s + 2
	r.lo.Move(fyne.NewPos(pad, y))
	r.hi.Move(fyne.NewPos(pad+barW-r.textWidth(r.hi), y))
	y += lineH
	r.note.Move(fyne.NewPos(pad, y))
}

func (r *legendRenderer) Refresh() {
	l := r.l
	if r.mapName != l.Map.Name || r.bar.Image == nil {
		bar := image.NewNRGBA(image.Rect(0, 0, 256, 1))
		for x := 0; x < 256; x++ {
			bar.SetNRGBA(x, 0, l.Map.At(float64(x)/255))
		}
		r.bar.Image = bar
		r.mapName = l.Map.Name
		r.bar.Refresh()
	}
	r.lo.Text, r.hi.Text, r.title.Text, r.note.Text = l.LoText, l.HiText, l.Title, l.Note
	r.note.Hidden = l.Note == ""
	for _, t := range []*canvas.Text{r.lo, r.hi, r.title, r.note} {
		t.TextSize = legendText * l.scale()
		t.Refresh()
	}
	r.Layout(r.l.Size())
}
