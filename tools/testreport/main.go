// Command testreport reads `go test -json` on standard input and prints
// what `go test` would without -v (each package's ok/FAIL line, and the
// output of failing tests), then the slowest tests of the run with their
// share of their package's -timeout. test.sh pipes the suite through it;
// its exit status is 1 when a test or a build failed.
//
//	go test -json -timeout 10m ./... | go run ./tools/testreport -timeout 10m
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

// event is one line of test2json's output.
type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64 // seconds
	Output  string
}

type timing struct {
	name    string
	seconds float64
}

func main() {
	timeout := flag.Duration("timeout", 10*time.Minute, "the -timeout the tests ran with, for the share column")
	top := flag.Int("top", 15, "how many of the slowest tests and packages to list")
	flag.Parse()
	failed := false
	output := map[string][]string{} // package/test → lines, kept until the test ends
	var tests, packages []timing
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 16<<20)
	for in.Scan() {
		var e event
		if json.Unmarshal(in.Bytes(), &e) != nil {
			fmt.Println(in.Text()) // not JSON: a build error from go test itself
			continue
		}
		key := e.Package + "/" + e.Test
		switch e.Action {
		case "output":
			output[key] = append(output[key], e.Output)
		case "pass", "skip":
			delete(output, key)
			if e.Test == "" {
				packages = append(packages, timing{e.Package, e.Elapsed})
				fmt.Printf("ok  \t%s\t%.1fs\n", e.Package, e.Elapsed)
			} else if !strings.Contains(e.Test, "/") {
				tests = append(tests, timing{e.Package + "." + e.Test, e.Elapsed})
			}
		case "build-output":
			fmt.Print(e.Output)
		case "build-fail":
			failed = true
		case "fail":
			failed = true
			if e.Test == "" {
				// Tests that never ended (a timeout's panic) print here.
				for k, lines := range output {
					if strings.HasPrefix(k, e.Package+"/") && k != key {
						fmt.Print(strings.Join(lines, ""))
						delete(output, k)
					}
				}
			}
			fmt.Print(strings.Join(output[key], "")) // a package's ends with go test's own FAIL line
			delete(output, key)
		}
	}
	for _, t := range [][]timing{packages, tests} {
		sort.Slice(t, func(i, j int) bool { return t[i].seconds > t[j].seconds })
	}
	fmt.Printf("\nSlowest packages (share of -timeout %s):\n", *timeout)
	for _, p := range packages[:min(*top, len(packages))] {
		fmt.Printf("  %7.1fs  %3.0f %%  %s\n", p.seconds, 100*p.seconds/timeout.Seconds(), p.name)
	}
	fmt.Println("Slowest tests:")
	for _, t := range tests[:min(*top, len(tests))] {
		fmt.Printf("  %7.1fs  %s\n", t.seconds, t.name)
	}
	if failed {
		os.Exit(1)
	}
}
