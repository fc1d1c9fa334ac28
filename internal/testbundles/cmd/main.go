// Command cmd prints the folder of a generated test bundle, generating it
// if needed: go run ./internal/testbundles/cmd resnet-abmil
package main

import (
	"fmt"
	"os"

	"tessera/internal/testbundles"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: cmd BUNDLE (resnet-abmil, nan, checker)")
		os.Exit(2)
	}
	dir, err := testbundles.Generate(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(dir)
}
