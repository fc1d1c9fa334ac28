package earlyenv

import (
	"os"
	"testing"
)

func TestNameLanguageForC(t *testing.T) {
	cases := []struct {
		lcAll, lang, language, want string
	}{
		{"", "C.UTF-8", "", "en"},
		{"", "POSIX", "", "en"},
		{"", "", "", "en"},
		{"", "fr_FR.UTF-8", "", ""},
		{"C", "fr_FR.UTF-8", "", "en"},
		{"", "C.UTF-8", "de", "de"},
	}
	for _, c := range cases {
		t.Setenv("LC_ALL", c.lcAll)
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANG", c.lang)
		t.Setenv("LANGUAGE", c.language)
		NameLanguageForC()
		if got := os.Getenv("LANGUAGE"); got != c.want {
			t.Errorf("LC_ALL=%q LANG=%q LANGUAGE=%q: LANGUAGE becomes %q, want %q", c.lcAll, c.lang, c.language, got, c.want)
		}
	}
}
