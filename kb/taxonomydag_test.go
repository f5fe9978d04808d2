package kb

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"sportello/kb/rdf"
	"sportello/ontology"
)

// TestConceptWithSeveralParents: SKOS allows several skos:broader (KB-1). An imported concept
// with two parents reads back with both, survives an export and a re-import, is listed below
// both, keeps both through an edit in Sportello, and the cycle check walks every parent.
func TestConceptWithSeveralParents(t *testing.T) {
	ctx := context.Background()
	for _, backend := range []string{"memstore", "bolt"} {
		t.Run(backend, func(t *testing.T) {
			s := openBackend(t, backend)
			doc := `@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <https://example.org/t/> .
ex:casa a skos:Concept ; skos:prefLabel "Casa"@it ; skos:topConceptOf <` + TaxonomyScheme + `> .
ex:famiglia a skos:Concept ; skos:prefLabel "Famiglia"@it ; skos:topConceptOf <` + TaxonomyScheme + `> .
ex:bonus a skos:Concept ; skos:prefLabel "Bonus affitto giovani coppie"@it ;
  skos:broader ex:famiglia, ex:casa .
ex:casa skos:narrower ex:bonus . ex:famiglia skos:narrower ex:bonus .
`
			if _, err := s.Import(ctx, strings.NewReader(doc), rdf.Turtle, ImportOptions{Graph: ontology.GraphTaxonomy}); err != nil {
				t.Fatal(err)
			}
			const casa, fam, bonus = "https://example.org/t/casa", "https://example.org/t/famiglia", "https://example.org/t/bonus"
			check := func(s *Store, when string) {
				t.Helper()
				c, err := s.Concept(ctx, bonus)
				if err != nil {
					t.Fatalf("%s: %v", when, err)
				}
				if got := c.Parents(); !slices.Equal(got, []string{casa, fam}) {
					t.Errorf("%s: parents %v", when, got)
				}
				for _, p := range []string{casa, fam} {
					if kids, _ := s.Narrower(ctx, p, false); !slices.Contains(kids, bonus) {
						t.Errorf("%s: %s does not list the concept below it: %v", when, p, kids)
					}
				}
			}
			check(s, "imported")

			var out bytes.Buffer
			if err := s.Export(ctx, &out, rdf.Turtle, ontology.GraphTaxonomy); err != nil {
				t.Fatal(err)
			}
			s2 := openBackend(t, "memstore")
			if _, err := s2.Import(ctx, bytes.NewReader(out.Bytes()), rdf.Turtle, ImportOptions{Graph: ontology.GraphTaxonomy}); err != nil {
				t.Fatal(err)
			}
			check(s2, "exported and imported again")

			// An edit in Sportello (a new synonym) keeps both parents.
			c, _ := s.Concept(ctx, bonus)
			c.AltLabels = map[string][]string{"it": {"bonus giovani"}}
			at := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
			if err := s.SaveConcept(ctx, c, "pubblicatore", at); err != nil {
				t.Fatal(err)
			}
			check(s, "after an edit")

			// A third parent below the concept itself would close a cycle through the second
			// parent: refused, and nothing changes.
			below := &Concept{PrefLabel: map[string]string{"it": "Domande"}, Broader: bonus}
			if err := s.SaveConcept(ctx, below, "pubblicatore", at.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			f, _ := s.Concept(ctx, fam)
			f.AlsoBroader = []string{below.IRI}
			var ve *ValidationError
			if err := s.SaveConcept(ctx, f, "pubblicatore", at.Add(2*time.Minute)); !errors.As(err, &ve) || ve.Field != "broader" {
				t.Fatalf("a cycle through a second parent: %v", err)
			}
			if f, _ := s.Concept(ctx, fam); len(f.Parents()) != 0 {
				t.Errorf("the refused change was written: %+v", f)
			}

			// Dropping one parent leaves the concept under the other only, and the history says so.
			c, _ = s.Concept(ctx, bonus)
			c.Broader, c.AlsoBroader = fam, nil
			if err := s.SaveConcept(ctx, c, "pubblicatore", at.Add(3*time.Minute)); err != nil {
				t.Fatal(err)
			}
			if kids, _ := s.Narrower(ctx, casa, false); slices.Contains(kids, bonus) {
				t.Errorf("the dropped parent still lists the concept: %v", kids)
			}
			if h, _ := s.ConceptHistory(ctx, bonus); len(h) == 0 || !strings.Contains(h[0].Detail, "«Famiglia»") {
				t.Errorf("history: %+v", h)
			}
			all, _ := s.Concepts(ctx)
			if len(all) != 4 {
				t.Errorf("concepts: %d, want 4", len(all))
			}
		})
	}
}
