// Command tessera is a whole-slide image viewer for pathologists with
// on-device AI. See README.md.
//
//	tessera [SLIDE... | CASE]          open the viewer
//	tessera info SLIDE                 print slide metadata as JSON
//	tessera snapshot SLIDE --out F.png render a view headless
//	tessera analyze SLIDE...           run a model, write results and heatmaps
//	tessera report CASE --out R.pdf    write a PDF case report
package main

import (
	"fmt"
	"os"

	_ "earlyenv" // first: keeps Fyne quiet under LANG=C.UTF-8 (see its doc)
	"tessera/app"
	"tessera/cli"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 {
		switch args[0] {
		case "help", "-h", "--help":
			fmt.Print(cli.Usage)
			return
		case "commands": // for run.sh: the names that need no display
			for _, n := range cli.HeadlessNames() {
				fmt.Println(n)
			}
			return
		}
		if cmd, ok := cli.Commands[args[0]]; ok {
			if err := cmd(args[1:], os.Stdout, os.Stderr); err != nil {
				fmt.Fprintln(os.Stderr, "tessera:", err)
				os.Exit(cli.ExitCode(err))
			}
			return
		}
	}
	releaseOwnConsole()
	if err := app.Run(args); err != nil {
		fmt.Fprintln(os.Stderr, "tessera:", err)
		os.Exit(1)
	}
}
