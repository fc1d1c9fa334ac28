// Package assets holds Tessera's embedded resources: the application icon
// and the built-in demonstration model bundle. It imports no UI package, so
// the inference engine can use it.
package assets

import (
	"embed"
	_ "embed"
)

// IconPNG is Tessera's application icon (256×256): a mosaic of stained tiles.
//
//go:embed icon.png
var IconPNG []byte

// BuiltinModel holds the built-in bundle under "builtin-model/": a
// demonstration model made by tools/bundles/make_builtin.py.
//
//go:embed builtin-model
var BuiltinModel embed.FS
