//go:build !windows

package main

// releaseOwnConsole does nothing outside Windows (console_windows.go).
func releaseOwnConsole() {}
