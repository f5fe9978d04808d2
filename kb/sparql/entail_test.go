package sparql

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/cayleygraph/cayley"
	"github.com/cayleygraph/cayley/graph"

	"sportello/kb/rdf"
)

// TestEntailmentLifeEvent: a pill filed under a concept of the tree whose top concept is
// mapped (skos:closeMatch) to a national life event is found from that life event, with SKOS
// entailment (closeMatch is symmetric, broader ⊑ broaderTransitive, which is transitive) and
// not without.
func TestEntailmentLifeEvent(t *testing.T) {
	e := New(demo(t))
	q := `SELECT DISTINCT ?pill WHERE {
		le:8 skos:closeMatch ?top .
		{ ?pill dct:subject ?top } UNION { ?c skos:broaderTransitive ?top . ?pill dct:subject ?c } }`
	none := run(t, e, q, Options{})
	if len(none.Rows) != 0 {
		t.Fatalf("found without reasoning: %v", none.Rows)
	}
	// the same answer written out by hand over the stored triples
	explicit := column(run(t, e, `SELECT DISTINCT ?pill WHERE { ?top skos:closeMatch le:8 . ?c skos:broader* ?top . ?pill dct:subject ?c }`, Options{}), "pill")
	if len(explicit) == 0 {
		t.Fatal("the demo has no pill under life event 8")
	}
	for _, ent := range []Entailment{EntailSKOS, EntailFull} {
		got := column(run(t, e, q, Options{Entailment: ent}), "pill")
		sort.Strings(got)
		sort.Strings(explicit)
		if strings.Join(got, " ") != strings.Join(explicit, " ") {
			t.Errorf("%s: got %v\nwant %v", ent, got, explicit)
		}
	}
	// narrowerTransitive is the inverse of broaderTransitive
	r := run(t, e, `SELECT ?c WHERE { concept:abitare skos:narrowerTransitive ?c }`, Options{Entailment: EntailSKOS})
	d := run(t, e, `SELECT ?c WHERE { ?c skos:broader+ concept:abitare }`, Options{})
	if len(r.Rows) == 0 || len(r.Rows) != len(d.Rows) {
		t.Errorf("narrowerTransitive: %d rows, broader+ %d", len(r.Rows), len(d.Rows))
	}
	// the anonymous visibility applies to what reasoning finds
	vis := anonymous(t, e)
	all := run(t, e, q, Options{Entailment: EntailSKOS})
	pub := run(t, e, q, Options{Entailment: EntailSKOS, Visibility: vis})
	if len(pub.Rows) > len(all.Rows) {
		t.Errorf("visibility: %d > %d", len(pub.Rows), len(all.Rows))
	}
}

// TestEntailmentRDFS uses the Sportello ontology: sp:legalReference ⊑ dct:references and
// sp:competentOffice has range org:OrganizationalUnit.
func TestEntailmentRDFS(t *testing.T) {
	e := New(demo(t))
	q := `SELECT ?r WHERE { pill:CAS-001 dct:references ?r }`
	if r := run(t, e, q, Options{}); len(r.Rows) != 0 {
		t.Fatalf("dct:references without reasoning: %v", r.Rows)
	}
	if r := run(t, e, q, Options{Entailment: EntailRDFS}); len(r.Rows) == 0 {
		t.Error("sp:legalReference is not a dct:references under RDFS")
	}
	r := run(t, e, `SELECT ?t WHERE { pill:CAS-001 a ?t }`, Options{Entailment: EntailRDFS})
	types := strings.Join(column(r, "t"), " ")
	if !strings.Contains(types, "KnowledgePill") || !strings.Contains(types, "https://schema.org/Question") {
		t.Errorf("types of a pill: %s", types)
	}
}

func memStore(t *testing.T, ttl string) *Engine {
	t.Helper()
	h, err := cayley.NewMemoryGraph()
	if err != nil {
		t.Fatal(err)
	}
	r, _ := rdf.NewReader(strings.NewReader(ttl), rdf.Turtle, rdf.ReaderOptions{})
	var deltas []graph.Delta
	for {
		q, err := r.ReadQuad()
		if err != nil {
			break
		}
		deltas = append(deltas, graph.Delta{Quad: q, Action: graph.Add})
	}
	if err := h.QuadStore.ApplyDeltas(deltas, graph.IgnoreOpts{IgnoreDup: true}); err != nil {
		t.Fatal(err)
	}
	return NewQuadStore(h.QuadStore)
}

func TestEntailmentRules(t *testing.T) {
	e := memStore(t, `@prefix : <http://ex/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
		@prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
		:worksFor rdfs:domain :Person ; rdfs:range :Org ; rdfs:subPropertyOf :memberOf .
		:Person rdfs:subClassOf :Agent . :Agent rdfs:subClassOf :Thing .
		:ann :worksFor :acme . :bob a :Person .
		:acme owl:sameAs :acmeInc . :acmeInc :label "ACME" .
		:a skos:related :b . :c skos:exactMatch :d . :d skos:exactMatch :e .`)
	cases := []struct {
		q    string
		ent  Entailment
		want string
	}{
		{`SELECT ?x WHERE { ?x a <http://ex/Thing> } ORDER BY ?x`, EntailRDFS, "http://ex/ann http://ex/bob"},
		{`SELECT ?x WHERE { ?x a <http://ex/Org> }`, EntailRDFS, "http://ex/acme"},
		{`SELECT ?x WHERE { ?x <http://ex/memberOf> ?y }`, EntailRDFS, "http://ex/ann"},
		{`SELECT ?x WHERE { ?x a <http://ex/Thing> }`, EntailNone, ""},
		{`SELECT ?c WHERE { <http://ex/ann> a ?c } ORDER BY ?c`, EntailRDFS, "http://ex/Agent http://ex/Person http://ex/Thing"},
		{`SELECT ?l WHERE { <http://ex/acme> <http://ex/label> ?l }`, EntailFull, "ACME"},
		{`SELECT ?l WHERE { <http://ex/acme> <http://ex/label> ?l }`, EntailRDFS, ""},
		{`SELECT ?x WHERE { <http://ex/b> <http://www.w3.org/2004/02/skos/core#related> ?x }`, EntailSKOS, "http://ex/a"},
		{`SELECT ?x WHERE { <http://ex/e> <http://www.w3.org/2004/02/skos/core#exactMatch> ?x } ORDER BY ?x`, EntailSKOS, "http://ex/c http://ex/d http://ex/e"}, // symmetric and transitive: e matches itself
		{`SELECT ?x WHERE { <http://ex/c> <http://www.w3.org/2004/02/skos/core#closeMatch> ?x }`, EntailSKOS, "http://ex/d"},
	}
	for _, c := range cases {
		r, err := e.Query(context.Background(), c.q, Options{Entailment: c.ent})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(column(r, r.Vars[0]), " "); got != c.want {
			t.Errorf("%s (%s): got %q, want %q", c.q, c.ent, got, c.want)
		}
	}
}
