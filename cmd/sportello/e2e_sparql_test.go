package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sportello/fixtures/testenv"
)

// TestSPARQLEndpointWithClients drives `sportello serve --demo` (the built binary) with two
// real SPARQL clients over the SPARQL 1.1 Protocol: roqet (Rasqal) and Python's SPARQLWrapper
// on rdflib. Both are anonymous, so both see the 28 published pills of the demo and no draft;
// rdflib also dereferences a minted IRI (Linked Data) and reads the dataset description.
func TestSPARQLEndpointWithClients(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	roqet := testenv.Command(t, "roqet", "rasqal-utils")
	testenv.PythonModule(t, "SPARQLWrapper", "python3-sparqlwrapper")
	testenv.PythonModule(t, "rdflib", "python3-rdflib")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ld.json")
	os.WriteFile(cfg, []byte(`{"title": "Schede informative della Regione Valdoria", "publisher": {"name": "Regione Valdoria", "ipa": "r_valdo"}, "themes": ["GOVE"], "sparql": {"timeout": "10s", "maxRows": 5000}}`), 0o600)
	bin := buildSportello(t, dir)
	srv := startServe(t, bin, "serve", "--demo", "--data", filepath.Join(dir, "data"), "--addr", "127.0.0.1:0", "--linked-data", cfg)
	base := strings.TrimRight(srv.base, "/")
	ep := base + "/sparql"

	// roqet: SELECT through the protocol (it asks for SPARQL XML results).
	out, err := exec.Command(roqet, "-q", "-p", ep, "-r", "csv", "-e",
		`PREFIX sp: <https://w3id.org/sportello/ontology#> SELECT ?p WHERE { ?p a sp:KnowledgePill }`).CombinedOutput()
	if err != nil {
		t.Fatalf("roqet: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "https://w3id.org/sportello/id/pill/"); n != 28 {
		t.Errorf("roqet: %d pills, want the 28 published\n%s", n, out)
	}
	// roqet: a syntax error comes back as an error, not as an empty result.
	if out, err := exec.Command(roqet, "-q", "-p", ep, "-e", `SELECT ?x WHERE { ?x }`).CombinedOutput(); err == nil {
		t.Errorf("roqet accepted a broken query:\n%s", out)
	}

	// SPARQLWrapper: SELECT as JSON (GET and POST), ASK, CONSTRUCT into an rdflib graph; rdflib:
	// the Linked Data of a pill and the DCAT-AP_IT description.
	script := `
import sys
from SPARQLWrapper import SPARQLWrapper, JSON, XML, TURTLE, POST
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS
ep, base = sys.argv[1], sys.argv[2]
s = SPARQLWrapper(ep)
s.setQuery("PREFIX sp: <https://w3id.org/sportello/ontology#> SELECT ?p ?t WHERE { ?p a sp:KnowledgePill ; <http://purl.org/dc/terms/title> ?t }")
s.setReturnFormat(JSON)
rows = s.query().convert()["results"]["bindings"]
assert len(rows) == 28, len(rows)
s.setMethod(POST)
assert len(s.query().convert()["results"]["bindings"]) == 28
s.setQuery("ASK { ?p <http://www.w3.org/ns/adms#status> <https://w3id.org/sportello/status/draft> }")
assert s.query().convert()["boolean"] is False, "the public sees a draft"
s.setQuery("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> CONSTRUCT { ?c skos:broader ?b } WHERE { ?c skos:broader ?b }")
s.setReturnFormat(TURTLE)
g = Graph(); g.parse(data=s.query().convert(), format="turtle")
assert len(g) > 10, len(g)
pill = rows[0]["p"]["value"]
ld = Graph(); ld.parse(base + pill[len("https://w3id.org/sportello"):], format="turtle")
assert (URIRef(pill), DCTERMS.title, None) in ld, "the pill IRI does not describe it"
d = Graph(); d.parse(base + "/.well-known/void", format="turtle")
ds = URIRef(base + "/dataset")
assert str(d.value(ds, DCTERMS.title)) == "Schede informative della Regione Valdoria"
assert d.value(ds, DCAT.distribution) is not None
print("ok", len(rows), len(g), len(ld), len(d))
`
	out, err = exec.Command(testenv.Python3, "-c", script, ep, base).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("SPARQLWrapper/rdflib: %v\n%s", err, out)
	}
	t.Logf("SPARQLWrapper/rdflib: %s", out)

	// HTML clients follow the minted IRI to the pill's page.
	resp, err := http.Get(base + "/id/pill/GEN-001")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/schede/GEN-001" {
		t.Errorf("browser-like GET of a minted IRI: %d at %s\n%.200s", resp.StatusCode, resp.Request.URL, body)
	}
}
