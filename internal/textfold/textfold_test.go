package textfold

import (
	"testing"
	"unicode/utf8"
)

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Città":                 "citta",
		"CITTÀ ":                "citta",
		"citta\u0300":           "citta", // decomposed, as macOS writes it
		"  Avere   un\tfiglio ": "avere un figlio",
		"L’Ufficio":             "l'ufficio",
		"l`ufficio":             "l'ufficio",
		"perche´":               "perche'",
		"Perché":                "perche",
		"SAL-012":               "sal-012",
		"Straße":                "straße",
		"Ærø":                   "ærø",
		"İstanbul":              "istanbul",
		"":                      "",
		"\u00a0x\u2007":         "x",
		"ＡＢＣ":                   "ａｂｃ", // compatibility forms are not folded (NFD, not NFKD)
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKey(t *testing.T) {
	for in, want := range map[string]string{
		"Cod. scheda":          "cod scheda",
		"Parole-chiave:":       "parole chiave",
		" Domanda (frequente)": "domanda frequente",
		"Ufficio competente":   "ufficio competente",
		"N°":                   "n",
		"dell’esenzione":       "dell esenzione",
		"---":                  "",
	} {
		if got := Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzFold: folding is idempotent, keeps valid UTF-8 and never grows upper case back.
func FuzzFold(f *testing.F) {
	for _, s := range []string{"Città", "L’Ufficio", "a\u0301\u0302", "  x  y ", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		a := Fold(s)
		if Fold(a) != a {
			t.Errorf("Fold not idempotent on %q: %q then %q", s, a, Fold(a))
		}
		if k := Key(s); Key(k) != k {
			t.Errorf("Key not idempotent on %q: %q then %q", s, k, Key(k))
		}
	})
}
