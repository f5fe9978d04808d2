package kb

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/cayleygraph/quad"

	"sportello/kb/rdf"
)

// richDoc exercises what a round trip must keep: language tags, datatypes, blank nodes (also
// nested and shared), Italian characters, quotes and line breaks in literals.
const richDoc = `@prefix ex: <http://example.org/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:comune ex:nome "Città di Sant'Agata de' Goti"@it , "City of Sant'Agata"@en , "Stadt"@de-CH ;
  ex:abitanti "01"^^xsd:integer ;
  ex:superficie "63.13"^^xsd:decimal ;
  ex:fondazione "1861-03-17"^^xsd:date ;
  ex:codice "A-01"^^<http://example.org/ns#Codice> ;
  ex:motto """Perché "così"
è sempre stato""" ;
  ex:sede [ ex:via "Piazza Municipio, 1" ; ex:cap "82019" ; ex:vicino [ ex:nome "Benevento" ] ] ;
  ex:sindaco _:s .
_:s ex:nome "Niccolò Àlvarez" ; ex:nato _:s .
`

// richStore is a store with every kind of resource and an imported document.
func richStore(t testing.TB) *Store {
	t.Helper()
	ctx := context.Background()
	s := memStore(t)
	_, cup, _ := testTree(t, s)
	u := &Unit{Name: "Ufficio Prenotazioni", Phones: []string{"0874 123456"}, Emails: []string{"cup@regione.example"},
		Address: "Via Roma 1, Campobasso", OpeningHours: "lun-ven 8:30-13:00"}
	if err := s.PutUnit(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := s.PutPerson(ctx, &Person{GivenName: "Anna", FamilyName: "Società", Unit: u.IRI, Extension: "4312"}); err != nil {
		t.Fatal(err)
	}
	if err := putPill(ctx, s, fullPill(cup, u.IRI)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(ctx, strings.NewReader(richDoc), rdf.Turtle, ImportOptions{File: "rich.ttl"}); err != nil {
		t.Fatal(err)
	}
	return s
}

func exportQuads(t testing.TB, s *Store, f rdf.Format) []quad.Quad {
	t.Helper()
	var buf bytes.Buffer
	if err := s.Export(context.Background(), &buf, f, ""); err != nil {
		t.Fatal(err)
	}
	return readAll(t, buf.Bytes(), f)
}

func readAll(t testing.TB, doc []byte, f rdf.Format) []quad.Quad {
	t.Helper()
	r, err := rdf.NewReader(bytes.NewReader(doc), f, rdf.ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	all, err := quad.ReadAll(r)
	if err != nil {
		t.Fatalf("re-reading our own %s export: %v\n%s", f, err, doc)
	}
	return all
}

// TestRoundTrip: export → import into a new store → export is isomorphic to the first export,
// in every syntax (KB-5, KB-11). Syntaxes with named graphs keep the graphs.
func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := richStore(t)
	for _, f := range rdf.Formats {
		t.Run(string(f), func(t *testing.T) {
			var doc bytes.Buffer
			if err := src.Export(ctx, &doc, f, ""); err != nil {
				t.Fatal(err)
			}
			dst := memStore(t)
			n, err := dst.Import(ctx, bytes.NewReader(doc.Bytes()), f, ImportOptions{File: "export" + f.Ext()})
			if err != nil {
				t.Fatalf("import of our own export: %v", err)
			}
			if n == 0 {
				t.Fatal("nothing imported")
			}
			check := rdf.NTriples
			if f.HasGraphs() {
				check = rdf.NQuads
			}
			a, b := exportQuads(t, src, check), exportQuads(t, dst, check)
			if !rdf.Isomorphic(a, b) {
				t.Errorf("%s round trip is not isomorphic: %d quads before, %d after", f, len(a), len(b))
			}
			if f.HasGraphs() {
				// The typed API still finds everything in its graph.
				p, err := dst.PillByCode(ctx, "SAL-012")
				if err != nil || p.Answer != fullPill("", "").Answer {
					t.Errorf("pill after %s round trip: %+v %v", f, p, err)
				}
			}
		})
	}
}

// TestImportKeepsBlankNodesApart: the same document imported twice gives two copies of its
// blank nodes, never one merged node.
func TestImportKeepsBlankNodesApart(t *testing.T) {
	ctx := context.Background()
	s := memStore(t)
	doc := `_:a <http://example.org/p> "x" .` + "\n"
	for i := 0; i < 2; i++ {
		if _, err := s.Import(ctx, strings.NewReader(doc), rdf.NTriples, ImportOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	got := readAll(t, mustExport(t, s, rdf.NQuads, ""), rdf.NQuads)
	n := 0
	for _, q := range got {
		if sameIRI(q.Predicate, "http://example.org/p") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d statements about blank nodes, want 2", n)
	}
}

func mustExport(t testing.TB, s *Store, f rdf.Format, g string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := s.Export(context.Background(), &buf, f, g); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestImportGraphs: triples go to the content graph or --graph; quads keep their graph unless
// a graph is forced.
func TestImportGraphs(t *testing.T) {
	ctx := context.Background()
	const g1, g2 = "http://example.org/g1", "http://example.org/g2"
	doc := `<http://example.org/s> <http://example.org/p> "t" .
<http://example.org/s> <http://example.org/p> "q" <` + g1 + `> .
`
	cases := []struct {
		force string
		want  map[string]int // graph → statements
	}{
		{"", map[string]int{"https://w3id.org/sportello/graph/content": 1, g1: 1}},
		{g2, map[string]int{g2: 2, g1: 0}},
	}
	for _, c := range cases {
		s := memStore(t)
		if _, err := s.Import(ctx, strings.NewReader(doc), rdf.NQuads, ImportOptions{Graph: c.force}); err != nil {
			t.Fatal(err)
		}
		for g, want := range c.want {
			got := bytes.Count(mustExport(t, s, rdf.NTriples, g), []byte("\n"))
			if got != want {
				t.Errorf("force %q: graph %s has %d statements, want %d", c.force, g, got, want)
			}
		}
	}
	s := memStore(t)
	if _, err := s.Import(ctx, strings.NewReader(doc), rdf.NQuads, ImportOptions{Graph: "relativo"}); err == nil {
		t.Error("a relative graph name was accepted")
	}
}

// FuzzImport: no input crashes an import, and a failed import writes nothing.
func FuzzImport(f *testing.F) {
	f.Add([]byte(richDoc), uint8(0))
	f.Add([]byte(`<http://a/s> <http://a/p> "x"@it <http://a/g> .`), uint8(2))
	f.Add([]byte(`<http://a/s> <http://a/p> "x .`), uint8(1))
	f.Add([]byte(`{"@id": "http://a/s", "http://a/p": "x"}`), uint8(5))
	f.Add([]byte(`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>`), uint8(4))
	s, err := OpenMemory()
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	f.Fuzz(func(t *testing.T, doc []byte, which uint8) {
		ctx := context.Background()
		format := rdf.Formats[int(which)%len(rdf.Formats)]
		before, _ := s.Stats(ctx)
		n, err := s.Import(ctx, bytes.NewReader(doc), format, ImportOptions{File: "fuzz", Graph: "http://fuzz.example/g"})
		after, _ := s.Stats(ctx)
		if err != nil && after != before {
			t.Fatalf("failed import changed the store: %+v → %+v", before, after)
		}
		if err == nil && n > 0 && after.Triples < before.Triples {
			t.Fatalf("import removed statements")
		}
	})
}

// TestExportOneGraph: one named graph exported in TriG keeps its name, so that a re-import puts
// the statements back into it.
func TestExportOneGraph(t *testing.T) {
	ctx := context.Background()
	src := richStore(t)
	doc := mustExport(t, src, rdf.TriG, "https://w3id.org/sportello/graph/taxonomy")
	dst := memStore(t)
	if _, err := dst.Import(ctx, bytes.NewReader(doc), rdf.TriG, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	a, _ := src.Concepts(ctx)
	b, _ := dst.Concepts(ctx)
	if len(a) != 3 || len(b) != len(a) {
		t.Errorf("concepts: %d exported, %d re-imported", len(a), len(b))
	}
	if bytes.Contains(doc, []byte("KnowledgePill")) {
		t.Error("the taxonomy export holds pills")
	}
}
