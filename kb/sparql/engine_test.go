package sparql

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cayleygraph/quad"

	"sportello/fixtures"
	"sportello/kb"
	"sportello/ontology"
)

const prefixes = `PREFIX sp: <https://w3id.org/sportello/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX adms: <http://www.w3.org/ns/adms#>
PREFIX vcard: <http://www.w3.org/2006/vcard/ns#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX pill: <https://w3id.org/sportello/id/pill/>
PREFIX concept: <https://w3id.org/sportello/id/concept/>
PREFIX scheme: <https://w3id.org/sportello/id/scheme/>
PREFIX le: <https://w3id.org/italia/controlled-vocabulary/classifications-for-public-services/life-business-event/life-event/>
`

var (
	demoOnce  sync.Once
	demoStore *kb.Store
	demoErr   error
)

// demo is the demo knowledge base (fixtures.Load), shared by the tests that only read it.
func demo(t testing.TB) *kb.Store {
	t.Helper()
	demoOnce.Do(func() {
		demoStore, demoErr = kb.OpenMemory()
		if demoErr == nil {
			demoErr = fixtures.Load(context.Background(), demoStore)
		}
	})
	if demoErr != nil {
		t.Fatal(demoErr)
	}
	return demoStore
}

func run(t *testing.T, e *Engine, q string, opt Options) *Result {
	t.Helper()
	res, err := e.Query(context.Background(), prefixes+q, opt)
	if err != nil {
		t.Fatalf("%s\n%v", q, err)
	}
	return res
}

func column(r *Result, v string) []string {
	var out []string
	for _, row := range r.Rows {
		for i, name := range r.Vars {
			if name == v {
				out = append(out, row[i].Value)
			}
		}
	}
	return out
}

// TestPlanUsesIndexes checks the plan rules: a pattern with a bound subject or object is an
// index lookup; only a pattern with nothing bound walks the store.
func TestPlanUsesIndexes(t *testing.T) {
	e := New(demo(t))
	cases := []struct {
		name  string
		query string
		scans int
	}{
		{"pill with office and concepts", `SELECT ?title ?office ?concept WHERE {
			pill:CAS-001 dct:title ?title ; sp:competentOffice ?o ; dct:subject ?c .
			?o vcard:fn ?office . ?c skos:prefLabel ?concept }`, 0},
		{"pills of a concept, object first", `SELECT ?p WHERE { ?p a sp:KnowledgePill ; dct:subject concept:edilizia-residenziale-pubblica }`, 0},
		{"branch with a path", `SELECT ?p WHERE { ?c skos:broader* concept:abitare . ?p dct:subject ?c }`, 0},
		{"counts per branch", `SELECT ?top (COUNT(DISTINCT ?p) AS ?n) WHERE { ?top skos:topConceptOf ?scheme . ?c skos:broader* ?top . ?p dct:subject ?c } GROUP BY ?top`, 0},
		{"everything", `SELECT * WHERE { ?s ?p ?o } LIMIT 3`, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, e, c.query, Options{})
			if r.Scans != c.scans {
				t.Errorf("%d full scans, want %d (lookups s/p/o/g %v)", r.Scans, c.scans, r.Lookups)
			}
			if c.scans == 0 && len(r.Rows) == 0 {
				t.Errorf("no rows")
			}
		})
	}
}

// TestJoinOrder: the most selective pattern runs first whatever the order written, so the
// pill's own lookup drives the join rather than the list of every pill.
func TestJoinOrder(t *testing.T) {
	e := New(demo(t))
	a := run(t, e, `SELECT ?t WHERE { ?p a sp:KnowledgePill . ?p dct:identifier "CAS-001" . ?p dct:title ?t }`, Options{})
	b := run(t, e, `SELECT ?t WHERE { ?p dct:title ?t . ?p dct:identifier "CAS-001" . ?p a sp:KnowledgePill }`, Options{})
	if len(a.Rows) != 1 || len(b.Rows) != 1 || a.Lookups != b.Lookups {
		t.Errorf("rows %d/%d, lookups %v vs %v", len(a.Rows), len(b.Rows), a.Lookups, b.Lookups)
	}
	if a.Lookups[1] != 0 {
		t.Errorf("the literal's object index should start the join, not a predicate lookup: %v", a.Lookups)
	}
}

// anonymous is the visibility of an anonymous caller: public graphs (not the history) and
// published pills only. The real rule lives in kb/web; this one is for the test.
func anonymous(t *testing.T, e *Engine) Visibility {
	published := map[string]bool{}
	for _, p := range column(run(t, e, `SELECT ?p WHERE { ?p adms:status <https://w3id.org/sportello/status/published> }`, Options{}), "p") {
		published[p] = true
	}
	return Visibility{
		Graph: func(g string) bool { return g != ontology.GraphHistory && g != "" },
		Resource: func(iri string) bool {
			return !strings.HasPrefix(iri, kb.Base+"pill/") || published[iri]
		},
	}
}

func TestVisibility(t *testing.T) {
	e := New(demo(t))
	all := run(t, e, `SELECT ?p WHERE { ?p a sp:KnowledgePill }`, Options{})
	vis := anonymous(t, e)
	anon := run(t, e, `SELECT ?p WHERE { ?p a sp:KnowledgePill }`, Options{Visibility: vis})
	if len(all.Rows) != 34 || len(anon.Rows) != 28 {
		t.Errorf("pills: %d for everyone, %d published; want 34 and 28", len(all.Rows), len(anon.Rows))
	}
	// a draft's answer (a node the pill owns) is hidden too, and so is the draft reached by a path
	draft := run(t, e, `SELECT ?p WHERE { ?p adms:status <https://w3id.org/sportello/status/draft> }`, Options{})
	if len(draft.Rows) == 0 {
		t.Fatal("the demo has no draft")
	}
	iri := draft.Rows[0][0].Value
	r := run(t, e, `SELECT ?x WHERE { <`+iri+`#answer> ?p ?x }`, Options{Visibility: vis})
	if len(r.Rows) != 0 {
		t.Errorf("a draft's answer is visible: %v", r.Rows)
	}
	r = run(t, e, `SELECT ?p WHERE { ?c skos:broader* ?top . ?p dct:subject ?c FILTER(?p = <`+iri+`>) }`, Options{Visibility: vis})
	if len(r.Rows) != 0 {
		t.Errorf("a draft is found by a path: %v", r.Rows)
	}
	// GRAPH ?g lists only readable graphs
	r = run(t, e, `SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }`, Options{Visibility: vis})
	for _, g := range column(r, "g") {
		if g == ontology.GraphHistory {
			t.Errorf("the history graph is listed")
		}
	}
	if len(r.Rows) < 4 {
		t.Errorf("graphs: %v", r.Rows)
	}
	// FROM a graph the caller may not read gives nothing
	r = run(t, e, `SELECT * FROM <`+ontology.GraphHistory+`> WHERE { ?s ?p ?o }`, Options{Visibility: vis})
	if len(r.Rows) != 0 {
		t.Errorf("FROM an unreadable graph: %d rows", len(r.Rows))
	}
}

// TestVisibilityStatement: the Statement rule hides one field of resources that stay readable
// (a pill's internal notes for the public), in patterns and in DESCRIBE.
func TestVisibilityStatement(t *testing.T) {
	e := New(demo(t))
	vis := anonymous(t, e)
	vis.Statement = func(g, s, p string) bool { return !(g == ontology.GraphContent && p == ontology.SKOSNote) }
	all := run(t, e, `SELECT ?p ?n WHERE { ?p a sp:KnowledgePill ; skos:note ?n }`, Options{})
	if len(all.Rows) == 0 {
		t.Fatal("the demo has no pill with a note")
	}
	r := run(t, e, `SELECT ?p ?n WHERE { ?p a sp:KnowledgePill ; skos:note ?n }`, Options{Visibility: vis})
	if len(r.Rows) != 0 {
		t.Errorf("notes visible: %v", r.Rows)
	}
	pub := run(t, e, `SELECT ?p WHERE { ?p a sp:KnowledgePill ; skos:note ?n ; adms:status <https://w3id.org/sportello/status/published> } LIMIT 1`, Options{})
	if len(pub.Rows) == 1 {
		d := run(t, e, `DESCRIBE <`+pub.Rows[0][0].Value+`>`, Options{Visibility: vis})
		if len(d.Triples) == 0 {
			t.Error("a published pill is not described")
		}
		for _, q := range d.Triples {
			if q.Predicate == quad.IRI(ontology.SKOSNote) {
				t.Errorf("DESCRIBE shows a note: %v", q)
			}
		}
	}
}

func TestLimits(t *testing.T) {
	e := New(demo(t))
	_, err := e.Query(context.Background(), `SELECT * WHERE { ?s ?p ?o }`, Options{MaxRows: 100})
	var qe *Error
	if !errors.As(err, &qe) || qe.Kind != ErrTooManyRows || !strings.Contains(qe.Italian(), "più di 100 risultati") {
		t.Errorf("row limit: %v", err)
	}
	// with LIMIT under the maximum the same query is fine
	if _, err := e.Query(context.Background(), `SELECT * WHERE { ?s ?p ?o } LIMIT 100`, Options{MaxRows: 100}); err != nil {
		t.Error(err)
	}
	// a cross product that cannot end in time
	_, err = e.Query(context.Background(), `SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }`, Options{Timeout: 200 * time.Millisecond, MaxSolutions: 1 << 40})
	if !errors.As(err, &qe) || qe.Kind != ErrTimeout || !strings.Contains(qe.Italian(), "tempo massimo") {
		t.Errorf("timeout: %v", err)
	}
	_, err = e.Query(context.Background(), `SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a`, Options{MaxSolutions: 10000})
	if !errors.As(err, &qe) || qe.Kind != ErrTooBig {
		t.Errorf("memory bound: %v", err)
	}
	_, err = e.Query(context.Background(), "SELECT * WHERE { ?s ?p }", Options{})
	if !errors.As(err, &qe) || qe.Kind != ErrSyntax || qe.Line != 1 || !strings.Contains(qe.Italian(), "riga 1") {
		t.Errorf("syntax error: %v", err)
	}
	for _, q := range []string{"INSERT DATA { <a> <b> <c> }", "SELECT * WHERE { SERVICE <http://x> { ?s ?p ?o } }"} {
		_, err = e.Query(context.Background(), q, Options{})
		if !errors.As(err, &qe) || qe.Kind != ErrUnsupported {
			t.Errorf("%s: %v", q, err)
		}
	}
}

// TestProductQueries runs the queries the product needs on the demo and checks their answers.
func TestProductQueries(t *testing.T) {
	e := New(demo(t))
	r := run(t, e, `SELECT ?title ?office ?concept WHERE {
		?p a sp:KnowledgePill ; dct:identifier "CAS-001" ; dct:title ?title ; sp:competentOffice/vcard:fn ?office ; dct:subject/skos:prefLabel ?concept .
		FILTER(lang(?concept) = "it") }`, Options{})
	if len(r.Rows) != 1 || !strings.Contains(r.Rows[0][0].Value, "edilizia residenziale") {
		t.Errorf("pill with office and concept: %v", r.Rows)
	}
	r = run(t, e, `SELECT ?top (COUNT(DISTINCT ?p) AS ?n) WHERE {
		?top skos:topConceptOf scheme:classificazione . ?c skos:broader* ?top . ?p dct:subject ?c } GROUP BY ?top ORDER BY DESC(?n) ?top`, Options{})
	total := 0
	for _, row := range r.Rows {
		n, _ := numeric(row[1])
		total += int(n.float())
	}
	if len(r.Rows) == 0 || total < 34 {
		t.Errorf("counts per branch: %v", r.Rows)
	}
	r = run(t, e, `ASK { concept:abitare skos:closeMatch ?le }`, Options{})
	if !r.Boolean {
		t.Error("abitare has no closeMatch")
	}
	r = run(t, e, `CONSTRUCT { ?p dct:title ?t } WHERE { ?p a sp:KnowledgePill ; dct:title ?t } ORDER BY ?p LIMIT 5`, Options{})
	if len(r.Triples) != 5 {
		t.Errorf("construct: %d triples", len(r.Triples))
	}
	r = run(t, e, `DESCRIBE pill:CAS-001`, Options{})
	if len(r.Triples) < 20 {
		t.Errorf("describe: %d triples", len(r.Triples))
	}
	for _, f := range []Format{Turtle, NTriples, JSONLD} {
		var b bytes.Buffer
		if err := r.Write(&b, f); err != nil || !strings.Contains(b.String(), "CAS-001") {
			t.Errorf("%s: %v %q", f, err, b.String())
		}
	}
}

func TestWriters(t *testing.T) {
	e := New(demo(t))
	r := run(t, e, `SELECT ?c ?l WHERE { ?c skos:prefLabel ?l FILTER(?c = concept:abitare) } ORDER BY ?l`, Options{})
	want := map[Format]string{
		JSON: `"l":{"type":"literal","value":"Abitare","xml:lang":"it"}`,
		XML:  `<binding name="l"><literal xml:lang="it">Abitare</literal></binding>`,
		CSV:  "c,l\r\nhttps://w3id.org/sportello/id/concept/abitare,Abitare\r\n",
		TSV:  "?c\t?l\n<https://w3id.org/sportello/id/concept/abitare>\t\"Abitare\"@it\n",
	}
	for f, w := range want {
		var b bytes.Buffer
		if err := r.Write(&b, f); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), w) {
			t.Errorf("%s: %q lacks %q", f, b.String(), w)
		}
	}
	var b bytes.Buffer
	if err := r.Write(&b, Turtle); err == nil {
		t.Error("solutions written as Turtle")
	}
}

// TestConcurrentQueries runs queries (with reasoning, regexes, paths) from several goroutines on
// one engine while the store is written; go test -race checks the engine's shared state.
func TestConcurrentQueries(t *testing.T) {
	s, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	if err := fixtures.Load(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	e := New(s)
	queries := []string{
		`SELECT ?p WHERE { ?c skos:broader* concept:abitare . ?p dct:subject ?c }`,
		`SELECT ?p WHERE { ?p dct:title ?t FILTER REGEX(?t, "domanda", "i") }`,
		`SELECT ?c WHERE { concept:abitare skos:narrowerTransitive ?c }`,
		`SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }`,
	}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				q := queries[(i+j)%len(queries)]
				if _, err := e.Query(context.Background(), prefixes+q, Options{Entailment: Entailment(j % 4)}); err != nil {
					t.Error(err)
					return
				}
			}
		}(i)
	}
	wg.Wait()
}
