// Package earlyenv keeps Fyne quiet under the C locale. Fyne's lang
// package looks up the user's language in its init and logs "Error parsing
// user locale C" when the locale is C or POSIX (Debian's default
// LANG=C.UTF-8): an error that is not one, printed by every command of the
// binary. Naming a language for messages, without touching the character
// encoding, avoids it, but only if it happens before lang's init.
//
// This is a module of its own, imported blank by main, for that reason:
// Go initialises, among the packages whose imports are ready, the first by
// import path (the Go spec, "Package initialization", since Go 1.21), and
// "earlyenv" sorts before "fyne.io/...", so this init runs as soon as "os"
// and "strings" have, well before Fyne's.
package earlyenv

import (
	"os"
	"strings"
)

func init() { NameLanguageForC() }

// NameLanguageForC sets LANGUAGE=en when the locale that decides messages
// (LC_ALL, else LC_MESSAGES, else LANG) is C or POSIX and LANGUAGE is not
// set.
func NameLanguageForC() {
	if os.Getenv("LANGUAGE") != "" {
		return
	}
	if isC(messagesLocale()) {
		os.Setenv("LANGUAGE", "en")
	}
}

func messagesLocale() string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return ""
}

// isC reports whether a locale name is the C or POSIX locale (C.UTF-8
// included); an empty name is C too.
func isC(name string) bool {
	base, _, _ := strings.Cut(name, ".")
	return base == "" || base == "C" || base == "POSIX"
}
