package viewer

import "slices"

// LayerStyle is how a layer is drawn: shown or hidden, and its opacity
// (0–1, multiplied with the alpha of its image's pixels).
type LayerStyle struct {
	Hidden  bool
	Opacity float64
}

// layer is one entry of a SlideView's ordered layer list.
type layer struct {
	name    string
	z       int // drawing order: higher above
	overlay *Overlay
	style   LayerStyle
	version int // bumped when overlay changes
	draw    *overlayLayer
	vector  *vectorLayer // set instead of overlay for vector content (SetVectorLayer)
}

// ViewLayer is a layer handed to a view whole (headless snapshots): its
// name, drawing order, content and style.
type ViewLayer struct {
	Name    string
	Z       int // drawing order: higher above
	Overlay *Overlay
	Vector  Drawer // instead of Overlay: vector content (annotations)
	Style   LayerStyle
}

// SetLayer shows o in the layer called name, drawn above the tiles and
// above every layer of lower z (heatmaps, tissue outlines, quality flags,
// annotations each take a layer). A new layer starts visible at opacity 1;
// an existing one keeps its style and place. nil removes the layer. Call it
// again with a new Overlay whenever the content changes. UI goroutine.
func (v *SlideView) SetLayer(name string, z int, o *Overlay) {
	i := v.layerIndex(name)
	switch {
	case o == nil && i >= 0:
		v.layers = slices.Delete(v.layers, i, i+1)
	case o == nil:
		return
	case i >= 0:
		v.layers[i].overlay = o
		v.layers[i].version++
		v.layers[i].z = z
	default:
		// The style set before the layer had content applies from its first
		// frame (drawn at the default style, a heatmap showed fully opaque,
		// or while hidden, until the next style change).
		st, ok := v.layerStyles[name]
		if !ok {
			st = LayerStyle{Opacity: 1}
		}
		v.layers = append(v.layers, &layer{name: name, z: z, overlay: o, style: st, draw: newOverlayLayer()})
	}
	sortLayers(v.layers)
	v.Refresh()
}

func sortLayers(layers []*layer) {
	slices.SortStableFunc(layers, func(a, b *layer) int { return a.z - b.z })
}

// SetLayerStyle changes how the layer called name is drawn; the style is
// kept (and applied when the layer gets content) even before the layer
// exists. UI goroutine.
func (v *SlideView) SetLayerStyle(name string, st LayerStyle) {
	if v.layerStyles == nil {
		v.layerStyles = map[string]LayerStyle{}
	}
	v.layerStyles[name] = st
	if i := v.layerIndex(name); i >= 0 {
		if v.layers[i].style == st {
			return
		}
		v.layers[i].style = st
	}
	v.Refresh()
}

// Layer returns the content of the layer called name, or nil.
func (v *SlideView) Layer(name string) *Overlay {
	if i := v.layerIndex(name); i >= 0 {
		return v.layers[i].overlay
	}
	return nil
}

// LayerStyleOf returns the style of the layer called name.
func (v *SlideView) LayerStyleOf(name string) LayerStyle {
	if st, ok := v.layerStyles[name]; ok {
		return st
	}
	return LayerStyle{Opacity: 1}
}

func (v *SlideView) layerIndex(name string) int {
	for i, l := range v.layers {
		if l.name == name {
			if st, ok := v.layerStyles[name]; ok {
				l.style = st
			}
			return i
		}
	}
	return -1
}

// setLayers replaces every layer (headless snapshots).
func (v *SlideView) setLayers(layers []ViewLayer) {
	v.layers = nil
	for _, l := range layers {
		switch {
		case l.Vector != nil:
			v.SetVectorLayer(l.Name, l.Z, l.Vector)
		case l.Overlay != nil:
			v.SetLayer(l.Name, l.Z, l.Overlay)
		default:
			continue
		}
		v.SetLayerStyle(l.Name, l.Style)
	}
}
