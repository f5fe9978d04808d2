package kb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cayleygraph/quad"

	"sportello/kb/rdf"
	"sportello/ontology"
)

// allQuads reads every statement of the store, through the same path as the export.
func allQuads(t testing.TB, s *Store) []quad.Quad {
	t.Helper()
	var out []quad.Quad
	if err := s.eachQuad(context.Background(), "", func(q quad.Quad) error { out = append(out, q); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func checkNoNil(t testing.TB, s *Store) {
	t.Helper()
	for _, q := range allQuads(t, s) {
		if q.Subject == nil || q.Predicate == nil || q.Object == nil || q.Label == nil {
			t.Fatalf("statement with a missing term: %v", q)
		}
	}
}

// TestBoltShrinkingWrite is cayley issue #885: a write in which a node loses more statements
// than it gains, while gaining one, left the gained statements with a nil term in cayley's
// key-value backends. Replacing a pill by a shorter version is exactly that.
func TestBoltShrinkingWrite(t *testing.T) {
	ctx := context.Background()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g := quad.IRI(ontology.GraphContent)
	a, p := quad.IRI(Base+"x/a"), func(n string) quad.IRI { return quad.IRI("https://example.org/p#" + n) }
	first := newDeltaSet()
	for _, n := range []string{"one", "two", "three"} {
		first.add(quad.Quad{Subject: a, Predicate: p(n), Object: quad.String(n), Label: g})
	}
	// The predicate "moved" is on many subjects; the next write takes it from all but one.
	for _, n := range []string{"b", "c", "d"} {
		first.add(quad.Quad{Subject: quad.IRI(Base + "x/" + n), Predicate: p("moved"), Object: quad.String(n), Label: g})
	}
	if err := s.apply(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := newDeltaSet()
	for _, n := range []string{"one", "two", "three"} {
		second.removeStored(quad.Quad{Subject: a, Predicate: p(n), Object: quad.String(n), Label: g})
	}
	second.add(quad.Quad{Subject: a, Predicate: p("four"), Object: quad.String("four"), Label: g})
	for _, n := range []string{"b", "c", "d"} {
		second.removeStored(quad.Quad{Subject: quad.IRI(Base + "x/" + n), Predicate: p("moved"), Object: quad.String(n), Label: g})
	}
	second.add(quad.Quad{Subject: a, Predicate: p("moved"), Object: quad.String("a"), Label: g})
	if err := s.apply(ctx, second); err != nil {
		t.Fatal(err)
	}
	checkNoNil(t, s)
	s.mu.RLock()
	got := s.out(ctx, a, ontology.GraphContent)
	s.mu.RUnlock()
	if len(got) != 2 {
		t.Fatalf("a has %d statements, want 2: %v", len(got), got)
	}
	// And the store still reads after a reopen, from the file.
	dir := s.kv.db.DB().Path()
	s.Close()
	s2, err := Open(strings.TrimSuffix(strings.TrimSuffix(dir, "indexes.bolt"), "/graph/"))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	checkNoNil(t, s2)
}

// TestFailedWriteLeavesNothing fails a bolt write after both of its halves (deletes, adds) were
// applied, before the commit: nothing of it may stay, and the store goes on working.
func TestFailedWriteLeavesNothing(t *testing.T) {
	ctx := context.Background()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := &Concept{PrefLabel: map[string]string{"it": "Prima"}}
	if err := s.PutConcept(ctx, c); err != nil {
		t.Fatal(err)
	}
	before := len(allQuads(t, s))
	boom := errors.New("disco pieno")
	s.failAfterApply = func() error { return boom }
	err = s.Update(ctx, func(b *Batch) error {
		if err := b.PutConcept(&Concept{IRI: c.IRI, PrefLabel: map[string]string{"it": "Cambiata"}}); err != nil {
			return err
		}
		return b.PutConcept(&Concept{PrefLabel: map[string]string{"it": "Nuova"}})
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the injected failure", err)
	}
	s.failAfterApply = nil
	if n := len(allQuads(t, s)); n != before {
		t.Fatalf("%d statements after a failed write, want %d", n, before)
	}
	got, err := s.Concept(ctx, c.IRI)
	if err != nil || got.PrefLabel["it"] != "Prima" {
		t.Fatalf("concept after a failed write: %+v %v", got, err)
	}
	// The same write now succeeds, and reads see it.
	if err := s.PutConcept(ctx, &Concept{IRI: c.IRI, PrefLabel: map[string]string{"it": "Cambiata"}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Concept(ctx, c.IRI); got.PrefLabel["it"] != "Cambiata" {
		t.Fatalf("concept after the retry: %+v", got)
	}
	checkNoNil(t, s)
}

// TestStoreRefusesUnwritable tries to write every kind of statement some RDF syntax cannot
// write: the write fails, names the problem, and leaves the store as it was.
func TestStoreRefusesUnwritable(t *testing.T) {
	ctx := context.Background()
	for _, backend := range []string{"memstore", "bolt"} {
		t.Run(backend, func(t *testing.T) {
			var s *Store
			var err error
			if backend == "bolt" {
				s, err = Open(t.TempDir())
			} else {
				s, err = OpenMemory()
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			before := len(allQuads(t, s))
			sub, pred, g := quad.IRI(Base+"x/s"), quad.IRI("https://example.org/p"), quad.IRI(ontology.GraphContent)
			cases := []struct {
				name string
				q    quad.Quad
				want string
			}{
				{"nil subject", quad.Quad{Predicate: pred, Object: quad.String("x"), Label: g}, "subject"},
				{"nil predicate", quad.Quad{Subject: sub, Object: quad.String("x"), Label: g}, "predicate"},
				{"nil object", quad.Quad{Subject: sub, Predicate: pred, Label: g}, "object"},
				{"literal subject", quad.Quad{Subject: quad.String("s"), Predicate: pred, Object: quad.String("x"), Label: g}, "subject"},
				{"literal graph", quad.Quad{Subject: sub, Predicate: pred, Object: quad.String("x"), Label: quad.String("g")}, "graph"},
				{"relative subject", quad.Quad{Subject: quad.IRI("pill/1"), Predicate: pred, Object: quad.String("x"), Label: g}, "absolute"},
				{"empty IRI object", quad.Quad{Subject: sub, Predicate: pred, Object: quad.IRI(""), Label: g}, "absolute"},
				{"space in IRI", quad.Quad{Subject: quad.IRI("https://example.org/a b"), Predicate: pred, Object: quad.String("x"), Label: g}, "cannot contain"},
				{"bad language tag", quad.Quad{Subject: sub, Predicate: pred, Object: quad.LangString{Value: "x", Lang: "it it"}, Label: g}, "language tag"},
				{"bell in a literal", quad.Quad{Subject: sub, Predicate: pred, Object: quad.String("suona\a"), Label: g}, "XML 1.0"},
				{"vertical tab in a literal", quad.Quad{Subject: sub, Predicate: pred, Object: quad.LangString{Value: "a\vb", Lang: "it"}, Label: g}, "XML 1.0"},
				{"invalid UTF-8", quad.Quad{Subject: sub, Predicate: pred, Object: quad.String("caff\xe8"), Label: g}, "UTF-8"},
				{"predicate without a local name", quad.Quad{Subject: sub, Predicate: quad.IRI("https://example.org/p/"), Object: quad.String("x"), Label: g}, "RDF/XML"},
				{"dot segments", quad.Quad{Subject: quad.IRI("https://example.org/a/../b"), Predicate: pred, Object: quad.String("x"), Label: g}, "segments"},
				{"relative datatype", quad.Quad{Subject: sub, Predicate: pred, Object: quad.TypedString{Value: "1", Type: "integer"}, Label: g}, "datatype"},
				{"empty blank node", quad.Quad{Subject: quad.BNode(""), Predicate: pred, Object: quad.String("x"), Label: g}, "blank node"},
			}
			for _, c := range cases {
				d := newDeltaSet()
				d.add(quad.Quad{Subject: sub, Predicate: pred, Object: quad.String("valid, in the same write"), Label: g})
				d.add(c.q)
				err := s.apply(ctx, d)
				var ue *UnwritableError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
					t.Errorf("%s: err = %v, want an UnwritableError about %q", c.name, err, c.want)
				}
			}
			if n := len(allQuads(t, s)); n != before {
				t.Fatalf("%d statements after refused writes, want %d", n, before)
			}
		})
	}
}

// TestBoltExportWalk: the export's direct walk of the bolt file gives the statements cayley's
// iterator gives — after rewrites and deletions, for one graph, and with a triple held in two
// graphs written once where the syntax has no graphs.
func TestBoltExportWalk(t *testing.T) {
	ctx := context.Background()
	s := openBackend(t, "bolt")
	_, cup, _ := testTree(t, s)
	for i, st := range []Status{StatusPublished, StatusDraft, StatusRetired} {
		p := fullPill(cup, "")
		p.Code, p.Status = fmt.Sprintf("W-%d", i), st
		if err := putPill(ctx, s, p); err != nil {
			t.Fatal(err)
		}
		p.Answer = "<p>Riscritta.</p>"
		p.Status = StatusPublished
		if err := putPill(ctx, s, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := deletePill(ctx, s, PillIRI("W-2")); err != nil {
		t.Fatal(err)
	}
	same := `<https://example.org/s> <https://example.org/p> "in due grafi" <https://example.org/g1> .
<https://example.org/s> <https://example.org/p> "in due grafi" <https://example.org/g2> .
`
	if _, err := s.Import(ctx, strings.NewReader(same), rdf.NQuads, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"", ontology.GraphContent, ontology.GraphHistory, "https://example.org/g2", "https://example.org/nessuno"} {
		for _, triples := range []bool{false, true} {
			var fast []quad.Quad
			err := s.boltEach(ctx, g, triples, nil, func(group []quad.Quad) error { fast = append(fast, group...); return nil })
			if err != nil {
				t.Fatal(err)
			}
			var slow []quad.Quad
			err = s.eachExport(ctx, g, triples, nil, func(q quad.Quad) error { slow = append(slow, q); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if len(fast) != len(slow) || !rdf.Isomorphic(fast, slow) {
				t.Errorf("graph %q, triples %v: the walk gives %d statements, the iterator %d", g, triples, len(fast), len(slow))
			}
		}
	}
}
