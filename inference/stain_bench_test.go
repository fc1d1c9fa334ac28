package inference

import (
	"context"
	"strings"
	"testing"

	"tessera/internal/testbundles"
)

// BenchmarkStainNormalisation is one analysis of CMU-1-Small-Region (46
// tissue tiles) with the ResNet-18 research bundle and no caches: without
// normalisation, and with each normaliser (bench/stain.sh gives the
// ratios, docs/BENCHMARKS.md records them).
func BenchmarkStainNormalisation(b *testing.B) {
	s := openShared(b, "aperio/CMU-1-Small-Region.svs")
	src := testbundles.Path(b, "resnet-abmil")
	vahadane := strings.Replace(macenkoSection, `"macenko"`, `"vahadane"`, 1)
	perTile := strings.Replace(macenkoSection, `method = "macenko"`, "method = \"macenko\"\nfit = \"tile\"", 1)
	for _, c := range []struct{ name, section string }{
		{"none", ""}, {"reinhard", reinhardSection}, {"macenko", macenkoSection}, {"macenko-per-tile", perTile}, {"vahadane", vahadane},
	} {
		m := modelAt(b, testbundles.WithSectionFrom(b, src, c.section))
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := Analyze(context.Background(), s, m, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
