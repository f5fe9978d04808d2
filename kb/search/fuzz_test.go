package search

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSearch: the query parser and builder take anything an operator can type — punctuation,
// accents, apostrophes, digits, other scripts — without panicking, and answer consistently.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{
		"", " ", "'", "''", "-", "dell'", "l'ISEE", "SAL-012", "sal012", "0874 437 500", "4312",
		"quanto pago di bollo per la macchina", "esenzione tiket", "perché più", "è", "€ 16",
		"medico di base", "case popolari", "\x00", "a\u0301", "🚗 bollo", "日本語", "bollo*", "+bollo -auto",
		`"tassa automobilistica"`, "AND OR NOT", "title:bollo", strings.Repeat("bollo ", 50),
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	x, err := OpenMemory()
	if err != nil {
		f.Fatal(err)
	}
	defer x.Close()
	src := testKB()
	if err := x.Rebuild(context.Background(), src, nil); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string, complete bool) {
		if !utf8.ValidString(q) || len(q) > 500 {
			return
		}
		r, err := x.Search(context.Background(), q, Options{Limit: 5, Complete: complete})
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		if r.Hits == nil || len(r.Hits) > 5 {
			t.Fatalf("%q: %d hits", q, len(r.Hits))
		}
		if r.Confident && len(r.Hits) == 0 {
			t.Fatalf("%q: confident without hits", q)
		}
		for _, h := range r.Hits {
			if h.Coverage < 0 || h.Coverage > 1.0001 {
				t.Fatalf("%q: coverage %v", q, h.Coverage)
			}
			if h.Kind == KindPill && h.Status != "published" {
				t.Fatalf("%q: operator sees a %s pill", q, h.Status)
			}
		}
	})
}
