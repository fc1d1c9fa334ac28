package storyboard

import (
	"tessera/annotation"
	"tessera/viewer"
)

// The annotation layer's name and drawing order: above the heatmap and
// quality flags, below the window's ruler.
const (
	AnnotationLayerName = "annotations"
	AnnotationLayerZ    = 30
)

// AnnotationLayer is c as the annotation layer of a snapshot or a saved
// view's page (exports, reports, tessera snapshot --annotations); the
// window draws the same layer live.
func AnnotationLayer(c *annotation.Collection) viewer.ViewLayer {
	return viewer.ViewLayer{Name: AnnotationLayerName, Z: AnnotationLayerZ, Vector: annotation.NewDrawing(c), Style: viewer.LayerStyle{Opacity: 1}}
}
