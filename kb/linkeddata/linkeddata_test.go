package linkeddata

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cayleygraph/quad"

	"sportello/fixtures"
	"sportello/fixtures/testenv"
	"sportello/kb"
	"sportello/kb/rdf"
	"sportello/ontology"
)

func demo(t testing.TB) *kb.Store {
	t.Helper()
	s, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := fixtures.Load(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

func column(t *testing.T, sv *Service, q string, v kb.Viewer) []string {
	t.Helper()
	res, err := sv.Query(context.Background(), Request{Query: q, Viewer: v})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var out []string
	for _, r := range res.Rows {
		out = append(out, r[0].Value)
	}
	return out
}

const pfx = `PREFIX sp: <https://w3id.org/sportello/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX adms: <http://www.w3.org/ns/adms#> `

// TestVisibilityByViewer: the public sees published pills only, without internal fields and
// without the history; staff see the internal fields; the editorial roles see everything
// (KB-3, KB-12).
func TestVisibilityByViewer(t *testing.T) {
	s := demo(t)
	sv := New(s, Config{}, Limits{})
	pills := pfx + `SELECT ?p WHERE { ?p a sp:KnowledgePill }`
	pub, staff, all := column(t, sv, pills, kb.Anonymous), column(t, sv, pills, kb.Staff), column(t, sv, pills, kb.Editorial)
	if len(pub) != 28 || len(staff) != 28 || len(all) < 34 {
		t.Errorf("pills seen: public %d, staff %d, editorial %d; want 28, 28, ≥34", len(pub), len(staff), len(all))
	}
	notes := pfx + `SELECT ?n WHERE { ?p a sp:KnowledgePill ; skos:note ?n }`
	if n := column(t, sv, notes, kb.Anonymous); len(n) != 0 {
		t.Errorf("the public reads %d internal notes", len(n))
	}
	if n := column(t, sv, notes, kb.Staff); len(n) == 0 {
		t.Error("staff read no internal note")
	}
	// The demo's pills were written by the workflow: their history is in the graph.
	hist := `SELECT ?s WHERE { GRAPH <` + ontology.GraphHistory + `> { ?s ?p ?o } } LIMIT 1`
	if n := column(t, sv, hist, kb.Staff); len(n) != 0 {
		t.Error("staff read the history graph")
	}
	if n := column(t, sv, hist, kb.Editorial); len(n) != 1 {
		t.Error("the editorial roles do not read the history graph")
	}
	// The concepts and offices stay public.
	if n := column(t, sv, `SELECT ?c WHERE { ?c a <`+ontology.SKOSConcept+`> }`, kb.Anonymous); len(n) < 26 {
		t.Errorf("the public sees %d concepts", len(n))
	}
}

// TestValidityPeriod: a published pill whose validity has ended disappears for the public
// without any write to the store, when its bound passes.
func TestValidityPeriod(t *testing.T) {
	s := demo(t)
	sv := New(s, Config{}, Limits{})
	ctx := context.Background()
	all, err := s.Pills(ctx, kb.PillFilter{Status: []kb.Status{kb.StatusPublished}})
	if err != nil || len(all) == 0 {
		t.Fatal(err)
	}
	p := all[0]
	until := time.Now().Add(time.Hour)
	p.ValidUntil = &until
	// Through the one writer: edited, submitted and approved.
	wf := s.Workflow()
	_, ev, err := wf.Edit(ctx, p.IRI, p, "pubblicatore")
	if err == nil {
		_, _, err = wf.Submit(ctx, p.IRI, ev.Version, "pubblicatore")
	}
	if err == nil {
		_, _, err = wf.Approve(ctx, p.IRI, ev.Version, "validatore")
	}
	if err != nil {
		t.Fatal(err)
	}
	q := `ASK { <` + p.IRI + `> ?p ?o }`
	ask := func() bool {
		res, err := sv.Query(ctx, Request{Query: q, Viewer: kb.Anonymous})
		if err != nil {
			t.Fatal(err)
		}
		return res.Boolean
	}
	if !ask() {
		t.Fatal("a pill valid for another hour is hidden")
	}
	sv.gate.now = func() time.Time { return until.Add(time.Second) }
	if ask() {
		t.Error("a pill past its validity is still public")
	}
}

// TestDescribe: a minted IRI is described with its owned nodes; a draft is not found for the
// public, and its internal fields never show.
func TestDescribe(t *testing.T) {
	s := demo(t)
	sv := New(s, Config{}, Limits{})
	ctx := context.Background()
	pub, _ := s.Pills(ctx, kb.PillFilter{Status: []kb.Status{kb.StatusPublished}})
	drafts, _ := s.Pills(ctx, kb.PillFilter{Status: []kb.Status{kb.StatusDraft}})
	if len(pub) == 0 || len(drafts) == 0 {
		t.Fatal("demo without published pills or drafts")
	}
	qs, err := sv.Describe(ctx, pub[0].IRI, kb.Anonymous)
	if err != nil {
		t.Fatal(err)
	}
	answer := false
	for _, q := range qs {
		if strings.HasPrefix(string(q.Subject.(quad.IRI)), pub[0].IRI+"#answer") {
			answer = true
		}
		if p := string(q.Predicate.(quad.IRI)); p == ontology.SKOSNote || p == ontology.ExtraField {
			t.Errorf("internal field described: %v", q)
		}
	}
	if !answer {
		t.Error("the pill's answer node is not described")
	}
	if _, err := sv.Describe(ctx, drafts[0].IRI, kb.Anonymous); err != ErrNotFound {
		t.Errorf("a draft for the public: %v", err)
	}
	if _, err := sv.Describe(ctx, drafts[0].IRI, kb.Editorial); err != nil {
		t.Errorf("a draft for the editorial roles: %v", err)
	}
	if _, err := sv.Describe(ctx, kb.Base+"pill/NOPE", kb.Editorial); err != ErrNotFound {
		t.Errorf("unknown IRI: %v", err)
	}
	if _, err := sv.Describe(ctx, kb.Base+"pill/a> ?x ?y . <b", kb.Editorial); err != ErrNotFound {
		t.Errorf("an IRI that would inject SPARQL: %v", err)
	}
}

// TestDatasetDCATAPIT parses the description with rdflib (a real peer) and checks the
// properties DCAT-AP_IT requires of a dataset and its distributions, in Turtle and in JSON-LD.
func TestDatasetDCATAPIT(t *testing.T) {
	testenv.PythonModule(t, "rdflib", "python3-rdflib")
	s := demo(t)
	sv := New(s, Config{BaseURL: "https://sportello.valdoria.example.it/", Publisher: Agent{Name: "Regione Valdoria", ID: "r_valdo"}, ContactEmail: "urp@valdoria.example.it"}, Limits{})
	dir := t.TempDir()
	for _, f := range []rdf.Format{rdf.Turtle, rdf.JSONLD} {
		var buf bytes.Buffer
		if err := sv.WriteDataset(context.Background(), &buf, f, "http://127.0.0.1:1"); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, "dataset"+f.Ext())
		if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(testenv.Python3, "-c", checkDCAT, file, map[rdf.Format]string{rdf.Turtle: "turtle", rdf.JSONLD: "json-ld"}[f]).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: rdflib: %v\n%s\n%s", f, err, out, buf.String())
		}
		if !strings.Contains(string(out), "ok") {
			t.Errorf("%s: %s", f, out)
		}
	}
}

// checkDCAT is the rdflib check: the dataset's required DCAT-AP_IT properties, each
// distribution's format and access URL, the triple counts and the endpoint (VoID).
const checkDCAT = `
import sys
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF, DCTERMS as DCT, DCAT
VOID = Namespace("http://rdfs.org/ns/void#")
g = Graph(); g.parse(sys.argv[1], format=sys.argv[2])
ds = URIRef("https://sportello.valdoria.example.it/dataset")
assert (ds, RDF.type, DCAT.Dataset) in g, "no dcat:Dataset"
missing = [p for p in (DCT.title, DCT.description, DCT.publisher, DCT.identifier, DCAT.distribution, DCT.license, DCAT.theme, DCT.modified, DCT.rightsHolder) if g.value(ds, p) is None]
assert not missing, "missing: %s" % missing
dists = list(g.objects(ds, DCAT.distribution))
assert len(dists) >= 4, dists
for d in dists:
    assert g.value(d, DCT.format) is not None, "distribution without dct:format: %s" % d
    assert g.value(d, DCAT.accessURL) is not None, "distribution without dcat:accessURL: %s" % d
    assert str(g.value(d, DCAT.accessURL)).startswith("https://sportello.valdoria.example.it/export/"), d
assert str(g.value(ds, VOID.sparqlEndpoint)) == "https://sportello.valdoria.example.it/sparql"
assert int(g.value(ds, VOID.triples)) > 1000, g.value(ds, VOID.triples)
pub = g.value(ds, DCT.publisher)
assert str(g.value(pub, DCT.identifier)) == "r_valdo"
assert any(g.triples((None, DCAT.dataset, ds))), "no catalog lists the dataset"
print("ok")
`
