package linkeddata

import (
	"context"
	"errors"
	"strings"
	"testing"

	"sportello/kb/rdf"
	"sportello/ontology"
)

// TestOnlyPills: into the content graph the Graph Store takes pills, the nodes they own and the
// blank nodes they reach, and nothing else.
func TestOnlyPills(t *testing.T) {
	const head = "@prefix sp: <https://w3id.org/sportello/ontology#> . @prefix s: <https://schema.org/> .\n"
	cases := []struct {
		name, doc string
		bad       int // the statement refused; 0: accepted
	}{
		{"a pill, its answer node and blank nodes", `<https://x.it/p/1> a sp:KnowledgePill ; s:acceptedAnswer [ s:text "r" ; s:about [ s:name "n" ] ] .
<https://x.it/p/1#answer> s:text "r" .`, 0},
		{"a statement about another pill", `<https://x.it/p/1> a sp:KnowledgePill . <https://x.it/p/2> s:name "x" .`, 2},
		{"a loose blank node", `<https://x.it/p/1> a sp:KnowledgePill . [] s:name "x" .`, 2},
		{"no pill at all", `<https://x.it/u/1> s:name "Ufficio" .`, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, err := readGraph(context.Background(), strings.NewReader(head+c.doc), rdf.Turtle, ontology.GraphContent)
			if err != nil {
				t.Fatal(err)
			}
			err = onlyPills(doc)
			var npe *NotAPillError
			switch {
			case c.bad == 0 && err != nil:
				t.Errorf("refused: %v", err)
			case c.bad > 0 && (!errors.As(err, &npe) || npe.N != c.bad):
				t.Errorf("%v, want statement %d refused", err, c.bad)
			}
		})
	}
}
