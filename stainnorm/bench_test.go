package stainnorm

import "testing"

// BenchmarkApply is one 256-px tissue tile of CMU-1 normalised by each
// method (the fit excluded).
func BenchmarkApply(b *testing.B) {
	t := &testing.T{}
	src := tissueTiles(t, "aperio/CMU-1-Small-Region.svs", 1)[0]
	for _, method := range []string{Reinhard, Macenko, Vahadane} {
		fit, err := Fit(method, []Image{imageOf(src)}, 0)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(method, func(b *testing.B) {
			img := clone(src)
			for i := 0; i < b.N; i++ {
				copy(img.Pix, src.Pix)
				Apply(method, imageOf(img), fit, fit)
			}
		})
	}
}
