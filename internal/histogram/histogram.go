// Package histogram holds the histogram arithmetic shared by tissue
// detection (inference) and channel windowing (slide).
package histogram

// Percentile returns the bin below which fraction q of the n counted
// values lie (the last bin when they do not reach it).
func Percentile(hist []int, n int, q float64) int {
	seen := 0
	for i, c := range hist {
		seen += c
		if float64(seen) >= q*float64(n) {
			return i
		}
	}
	return len(hist) - 1
}
