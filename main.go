// Command tessera is a whole-slide image viewer for pathologists with
// on-device AI. See README.md.
//
//	tessera [SLIDE...]                 open the viewer
//	tessera info SLIDE                 print slide metadata as JSON
//	tessera snapshot SLIDE --out F.png render a view headless
//	tessera analyze SLIDE...           run a model, write results and heatmaps
//	tessera report CASE --out R.pdf    write a PDF case report
package main

import (
	"fmt"
	"os"

	"tessera/app"
)

func main() {
	args := os.Args[1:]
	var err error
	if len(args) > 0 {
		switch args[0] {
		case "info":
			err = app.Info(args[1:], os.Stdout)
		case "snapshot":
			err = app.Snapshot(args[1:], os.Stderr)
		case "analyze":
			err = app.Analyze(args[1:], os.Stdout, os.Stderr)
		case "report":
			err = app.Report(args[1:], os.Stderr)
		case "help", "-h", "--help":
			fmt.Print(app.Usage)
			return
		default:
			err = app.Run(args)
		}
	} else {
		err = app.Run(nil)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tessera:", err)
		os.Exit(app.ExitCode(err))
	}
}
