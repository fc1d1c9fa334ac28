package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// docs/ARCHITECTURE.md's package table is the map of the code: every
// package has a row, and a package imports only packages of rows below its
// own (or of its own row's folder). The test helpers under internal/ may
// import anything (testruntime needs inference).
func TestArchitectureMapIsTrue(t *testing.T) {
	doc, err := os.ReadFile("docs/ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	rowRE := regexp.MustCompile("(?m)^\\| `([a-z.]+/?)` \\|")
	rank := map[string]int{} // row name ("cli", "main.go") → position
	for i, m := range rowRE.FindAllStringSubmatch(string(doc), -1) {
		rank[strings.TrimSuffix(m[1], "/")] = i
	}
	if len(rank) < 10 {
		t.Fatalf("found %d rows in the package table", len(rank))
	}
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	rowOf := func(pkg string) string {
		if pkg == "tessera" {
			return "main.go"
		}
		return strings.SplitN(strings.TrimPrefix(pkg, "tessera/"), "/", 2)[0]
	}
	helper := regexp.MustCompile(`^tessera/internal/(test\w*|xvfbtest)$`)
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, row := fields[0], rowOf(fields[0])
		from, ok := rank[row]
		if !ok {
			t.Errorf("%s has no row in docs/ARCHITECTURE.md's package table", pkg)
			continue
		}
		if helper.MatchString(pkg) {
			continue
		}
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, "tessera/") {
				continue
			}
			to := rank[rowOf(imp)]
			if to < from {
				t.Errorf("%s imports %s, a package listed above it in docs/ARCHITECTURE.md", pkg, imp)
			}
		}
	}
}
