package rdf

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cayleygraph/quad"
)

func parseNQ(t *testing.T, s string) []quad.Quad {
	t.Helper()
	r, _ := NewReader(strings.NewReader(s), NQuads, ReaderOptions{})
	qs, err := readAll(r)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return qs
}

func TestIsomorphic(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"empty", "", "", true},
		{"ground equal", "<http://a> <http://p> \"x\" .", "<http://a> <http://p> \"x\" .", true},
		{"ground differ", "<http://a> <http://p> \"x\" .", "<http://a> <http://p> \"y\" .", false},
		{"rename", "_:a <http://p> _:b .", "_:x <http://p> _:y .", true},
		{"self loop vs edge", "_:a <http://p> _:a .", "_:x <http://p> _:y .", false},
		{"duplicates count once", "_:a <http://p> \"x\" .\n_:a <http://p> \"x\" .", "_:z <http://p> \"x\" .", true},
		{"graph label blank", "<http://s> <http://p> <http://o> _:g .", "<http://s> <http://p> <http://o> _:h .", true},
		{"graph label vs default", "<http://s> <http://p> <http://o> _:g .", "<http://s> <http://p> <http://o> .", false},
		{"lang case", `<http://s> <http://p> "x"@EN .`, `<http://s> <http://p> "x"@en .`, true},
		{"xsd:string is plain", `<http://s> <http://p> "x"^^<http://www.w3.org/2001/XMLSchema#string> .`, `<http://s> <http://p> "x" .`, true},
		{"typed differs from plain", `<http://s> <http://p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .`, `<http://s> <http://p> "1" .`, false},
		// Two 3-cycles against one 6-cycle: every node has the same local view, so colour
		// refinement alone cannot tell them apart; the verification must.
		{"regular graphs", isoCycle("a", 3) + isoCycle("b", 3), isoCycle("c", 6), false},
		{"cycles renamed", isoCycle("a", 6), isoCycle("z", 6), true},
		{"different bnode count", "_:a <http://p> <http://o> .\n_:b <http://p> <http://o> .", "_:a <http://p> <http://o> .", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := parseNQ(t, tt.a), parseNQ(t, tt.b)
			if got := Isomorphic(a, b); got != tt.want {
				t.Errorf("Isomorphic = %v, want %v", got, tt.want)
			}
			if got := Isomorphic(b, a); got != tt.want {
				t.Errorf("Isomorphic (swapped) = %v, want %v", got, tt.want)
			}
		})
	}
}

func isoCycle(prefix string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "_:%s%d <http://p> _:%s%d .\n", prefix, i, prefix, (i+1)%n)
	}
	return b.String()
}

// TestIsomorphicLarge checks that many interchangeable blank nodes (a long list, a star of
// identical leaves) do not send the search into exponential backtracking.
func TestIsomorphicLarge(t *testing.T) {
	var a, b strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&a, "<http://hub> <http://p> _:l%d .\n_:l%d <http://q> \"same\" .\n", i, i)
		fmt.Fprintf(&b, "<http://hub> <http://p> _:m%d .\n_:m%d <http://q> \"same\" .\n", 1999-i, 1999-i)
	}
	if !Isomorphic(parseNQ(t, a.String()), parseNQ(t, b.String())) {
		t.Error("star of identical leaves: not isomorphic")
	}
}
