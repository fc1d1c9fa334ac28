// Package assets holds Tessera's embedded resources: the application icon
// (and, with inference, the built-in model bundle).
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:embed icon.png
var iconPNG []byte

// Icon is Tessera's application icon: a mosaic of stained tiles.
var Icon = fyne.NewStaticResource("tessera.png", iconPNG)
