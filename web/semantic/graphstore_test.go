package semantic_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sportello/audit"
	"sportello/fixtures"
	"sportello/fixtures/testenv"
	"sportello/internal/role"
	"sportello/internal/sqldb"
	"sportello/kb"
	"sportello/kb/linkeddata"
	"sportello/ontology"
	"sportello/web"
)

// gspServer is the whole web server on the demo store with the audit log, over real HTTP.
func gspServer(t *testing.T) (*httptest.Server, *kb.Store, *audit.Store) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqldb.Open("", dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log, err := audit.Open(ctx, db, audit.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := fixtures.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	ld := linkeddata.New(s, linkeddata.Config{}, linkeddata.Limits{MaxRows: 1000})
	srv := web.New(web.Config{Auth: headerAuth{}, DataDir: dir}, web.Deps{Store: s, LinkedData: ld, Audit: log})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts, s, log
}

const (
	tributi  = "https://dati.valdoria.example.it/grafo/tributi"
	ttlOne   = "@prefix schema: <https://schema.org/> .\n<https://dati.valdoria.example.it/ufficio/1> a schema:GovernmentOffice ; schema:name \"Ufficio tributi\" .\n"
	ttlTwo   = "@prefix schema: <https://schema.org/> .\n<https://dati.valdoria.example.it/ufficio/2> schema:name \"Ufficio anagrafe\" .\n"
	ttlBroke = "@prefix schema: <https://schema.org/> .\n<https://dati.valdoria.example.it/ufficio/3> schema:name \"Ufficio\" .\n<https://dati.valdoria.example.it/ufficio/4> schema:name \"senza fine\n"
)

// statements counts the statements of graph g.
func statements(t *testing.T, s *kb.Store, g string) int {
	t.Helper()
	var b strings.Builder
	if err := s.Export(context.Background(), &b, "ntriples", g); err != nil {
		t.Fatal(err)
	}
	return strings.Count(b.String(), " .\n")
}

// TestGraphStoreProtocol walks the protocol's operations in order on one graph, as an
// administrator and as every other role, with the statuses the W3C recommendation gives:
// 201 on creating, 204 on changing, 404 for a graph that holds nothing, 415, 400 with line and
// column, 403 for kb's own graphs.
func TestGraphStoreProtocol(t *testing.T) {
	ts, s, log := gspServer(t)
	svc := ts.URL + "/rdf-graphs/service"
	gq := "?graph=" + url.QueryEscape(tributi)
	call := func(method, query, ctype, body, accept string, who role.Role) reply {
		var req *http.Request
		if body != "" {
			req, _ = http.NewRequest(method, svc+query, strings.NewReader(body))
		} else {
			req, _ = http.NewRequest(method, svc+query, nil)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		return do(t, req, who)
	}
	steps := []struct {
		name                string
		method, query       string
		ctype, body, accept string
		who                 role.Role
		status              int
		want                string // in the body or the Content-Type
		graph               int    // statements in the graph afterwards (-1: not checked)
	}{
		{"read an unknown graph", "GET", gq, "", "", "", role.Administrator, 404, "non esiste", 0},
		{"anonymous write", "PUT", gq, "text/turtle", ttlOne, "", role.Anonymous, 401, "", 0},
		{"publisher write", "PUT", gq, "text/turtle", ttlOne, "", role.Publisher, 403, "", 0},
		{"validator read", "GET", gq, "", "", "", role.Validator, 403, "", 0},
		{"create with PUT", "PUT", gq, "text/turtle; charset=utf-8", ttlOne, "", role.Administrator, 201, "", 2},
		{"read as Turtle", "GET", gq, "", "", "text/turtle", role.Administrator, 200, "Ufficio tributi", 2},
		{"read as N-Triples", "GET", gq, "", "", "application/n-triples", role.Administrator, 200, "<https://dati.valdoria.example.it/ufficio/1> <https://schema.org/name> \"Ufficio tributi\" .", 2},
		{"read as JSON-LD", "GET", gq, "", "", "application/ld+json", role.Administrator, 200, "application/ld+json", 2},
		{"read as RDF/XML", "GET", gq, "", "", "application/rdf+xml", role.Administrator, 200, "application/rdf+xml", 2},
		{"HEAD", "HEAD", gq, "", "", "text/turtle", role.Administrator, 200, "text/turtle", 2},
		{"nothing acceptable", "GET", gq, "", "", "image/png", role.Administrator, 406, "", 2},
		{"add with POST", "POST", gq, "text/turtle", ttlTwo, "", role.Administrator, 204, "", 3},
		{"add N-Triples", "POST", gq, "application/n-triples", "<https://dati.valdoria.example.it/ufficio/5> <https://schema.org/name> \"Ufficio 5\" .\n", "", role.Administrator, 204, "", 4},
		{"broken document", "PUT", gq, "text/turtle", ttlBroke, "", role.Administrator, 400, "riga 3", 4},
		{"broken document added", "POST", gq, "text/turtle", ttlBroke, "", role.Administrator, 400, "non è stato modificato", 4},
		{"unsupported type", "PUT", gq, "application/pdf", "%PDF", "", role.Administrator, 415, "application/pdf", 4},
		{"replace with PUT", "PUT", gq, "application/ld+json", `{"@id": "https://dati.valdoria.example.it/ufficio/9", "https://schema.org/name": "Ufficio unico"}`, "", role.Administrator, 204, "", 1},
		{"no graph", "GET", "", "", "", "", role.Administrator, 400, "parametro graph", -1},
		{"default graph", "GET", "?default", "", "", "", role.Administrator, 400, "predefinito", -1},
		{"relative graph", "PUT", "?graph=tributi", "text/turtle", ttlOne, "", role.Administrator, 400, "IRI assoluto", -1},
		{"replace the content graph", "PUT", "?graph=" + url.QueryEscape(ontology.GraphContent), "text/turtle", ttlOne, "", role.Administrator, 403, "bozza da approvare", -1},
		{"drop the history", "DELETE", "?graph=" + url.QueryEscape(ontology.GraphHistory), "", "", "", role.Administrator, 403, "gestito da Sportello", -1},
		{"add to the taxonomy", "POST", "?graph=" + url.QueryEscape(ontology.GraphTaxonomy), "text/turtle", ttlOne, "", role.Administrator, 403, "gestito da Sportello", -1},
		{"publisher drop", "DELETE", gq, "", "", "", role.Publisher, 403, "", 1},
		{"drop", "DELETE", gq, "", "", "", role.Administrator, 204, "", 0},
		{"drop again", "DELETE", gq, "", "", "", role.Administrator, 404, "non esiste", 0},
		{"create with POST", "POST", gq, "application/rdf+xml", `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:s="https://schema.org/"><rdf:Description rdf:about="https://dati.valdoria.example.it/ufficio/7"><s:name>Ufficio sette</s:name></rdf:Description></rdf:RDF>`, "", role.Administrator, 201, "", 1},
	}
	for _, st := range steps {
		contentBefore := statements(t, s, ontology.GraphContent)
		r := call(st.method, st.query, st.ctype, st.body, st.accept, st.who)
		if r.status != st.status {
			t.Fatalf("%s: %d, want %d: %s", st.name, r.status, st.status, r.body)
		}
		if st.want != "" && !strings.Contains(r.body, st.want) && !strings.Contains(r.header.Get("Content-Type"), st.want) {
			t.Errorf("%s: %q (%s) lacks %q", st.name, r.body, r.header.Get("Content-Type"), st.want)
		}
		if st.graph >= 0 {
			if n := statements(t, s, tributi); n != st.graph {
				t.Errorf("%s: the graph holds %d statements, want %d", st.name, n, st.graph)
			}
		}
		if n := statements(t, s, ontology.GraphContent); n != contentBefore {
			t.Errorf("%s: the content graph changed (%d → %d statements)", st.name, contentBefore, n)
		}
		if st.status == 201 && r.header.Get("Location") == "" {
			t.Errorf("%s: 201 without Location", st.name)
		}
	}
	// Every write that succeeded is in the audit log, by whom, on which graph; no refusal is.
	entries, err := log.List(context.Background(), audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, e := range entries {
		if strings.Contains(e.Object, tributi) {
			acts = append(acts, string(e.Action)+" "+e.Actor+" "+e.Detail)
		}
	}
	want := []string{"import.run test sostituito con 2", "import.run test aggiunte 1", "import.run test aggiunte 1", "import.run test sostituito con 1", "delete test eliminato", "import.run test aggiunte 1"}
	if len(acts) != len(want) {
		t.Fatalf("audit log: %q, want %d entries", acts, len(want))
	}
	for _, w := range want { // newest first or oldest first: compare as a set of prefixes
		found := false
		for _, a := range acts {
			if strings.HasPrefix(a, w) {
				found = true
			}
		}
		if !found {
			t.Errorf("audit log %q lacks %q", acts, w)
		}
	}
}

// TestGraphStorePills: a POST into the content graph is the RDF import — each pill the document
// describes becomes a draft for the workflow, never a published pill — and a pill the import
// refuses leaves the store as it was.
func TestGraphStorePills(t *testing.T) {
	ts, s, log := gspServer(t)
	u := ts.URL + "/rdf-graphs/service?graph=" + url.QueryEscape(ontology.GraphContent)
	pill := `@prefix sp: <https://w3id.org/sportello/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix schema: <https://schema.org/> .
<https://dati.valdoria.example.it/schede/42> a sp:KnowledgePill ; dct:identifier "EXT-42" ; dct:title "Contributo per la mensa"@it ;
    schema:acceptedAnswer [ schema:text "<p>Si chiede al Comune.</p>"@it ] .
`
	post := func(body string) reply {
		req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
		req.Header.Set("Content-Type", "text/turtle")
		return do(t, req, role.Administrator)
	}
	before := statements(t, s, ontology.GraphContent)
	bad := strings.Replace(pill, `dct:identifier "EXT-42" ;`, `dct:identifier "EXT-42" ; <https://example.org/voto> 5 ;`, 1)
	if r := post(bad); r.status != 422 || !strings.Contains(r.body, "voto") {
		t.Errorf("a property Sportello does not manage: %d %s", r.status, r.body)
	}
	if n := statements(t, s, ontology.GraphContent); n != before {
		t.Fatalf("a refused import wrote: %d → %d", before, n)
	}
	// A statement about a pill the document does not describe — a second title slipped into a
	// published pill — would bypass the workflow: refused, nothing written.
	ps, err := s.Pills(context.Background(), kb.PillFilter{})
	if err != nil || len(ps) == 0 {
		t.Fatal(err)
	}
	sneak := pill + "<" + ps[0].IRI + "> <http://purl.org/dc/terms/title> \"Titolo cambiato\"@it .\n"
	if r := post(sneak); r.status != 422 || !strings.Contains(r.body, "non è una scheda descritta nel documento") {
		t.Errorf("a statement about another pill: %d %s", r.status, r.body)
	}
	if n := statements(t, s, ontology.GraphContent); n != before {
		t.Fatalf("a refused import wrote: %d → %d", before, n)
	}
	r := post(pill)
	if r.status != 200 || !strings.Contains(r.body, `"outcome":"created"`) {
		t.Fatalf("pill import: %d %s", r.status, r.body)
	}
	p, err := s.Pill(context.Background(), "https://dati.valdoria.example.it/schede/42")
	if err != nil || p.Status != kb.StatusDraft {
		t.Fatalf("the imported pill: %+v %v, want a draft", p, err)
	}
	rec, _ := s.Workflow().Record(context.Background(), p.IRI)
	if len(rec.Events) != 1 || rec.Events[0].Action != kb.ActionImport || rec.Events[0].Actor != "web:test" {
		t.Errorf("history: %+v", rec.Events)
	}
	entries, _ := log.List(context.Background(), audit.Filter{Action: audit.ImportRun})
	if len(entries) != 1 || !strings.Contains(entries[0].Detail, "1 scheda al flusso di approvazione") {
		t.Errorf("audit: %+v", entries)
	}
}

// TestGraphStoreTooLarge: a document over the limit is refused with 413, whether its length is
// declared or it comes in chunks, and the graph stays as it was.
func TestGraphStoreTooLarge(t *testing.T) {
	ts, s, _ := gspServer(t)
	u := ts.URL + "/rdf-graphs/service?graph=" + url.QueryEscape(tributi)
	line := "<https://dati.valdoria.example.it/x> <https://schema.org/name> \"" + strings.Repeat("x", 1000) + "\" .\n"
	big := strings.Repeat(line, linkeddata.MaxGraphBytes/len(line)+10)
	for _, chunked := range []bool{false, true} {
		req, _ := http.NewRequest(http.MethodPut, u, strings.NewReader(big))
		if chunked {
			req, _ = http.NewRequest(http.MethodPut, u, struct{ *strings.Reader }{strings.NewReader(big)})
			req.ContentLength = -1
		}
		req.Header.Set("Content-Type", "application/n-triples")
		r := do(t, req, role.Administrator)
		if r.status != 413 || !strings.Contains(r.body, "limite") {
			t.Errorf("chunked %v: %d %.200s", chunked, r.status, r.body)
		}
		if n := statements(t, s, tributi); n != 0 {
			t.Errorf("chunked %v: %d statements written", chunked, n)
		}
	}
}

// TestGraphStoreWithCurlAndRdflib drives the service with standard clients: curl writes (PUT
// of a file, POST, DELETE) and rdflib reads the graph back in each syntax.
func TestGraphStoreWithCurlAndRdflib(t *testing.T) {
	curl := testenv.Command(t, "curl", "curl")
	testenv.PythonModule(t, "rdflib", "python3-rdflib")
	ts, _, _ := gspServer(t)
	u := ts.URL + "/rdf-graphs/service?graph=" + url.QueryEscape(tributi)
	dir := t.TempDir()
	file := filepath.Join(dir, "tributi.ttl")
	if err := os.WriteFile(file, []byte(ttlOne), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		args = append([]string{"-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "X-Test-Role: administrator"}, args...)
		out, err := exec.Command(curl, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("curl %q: %v %s", args, err, out)
		}
		return string(out)
	}
	if code := run("-T", file, "-H", "Content-Type: text/turtle", u); code != "201" {
		t.Fatalf("curl PUT: %s", code)
	}
	two := filepath.Join(dir, "anagrafe.ttl")
	if err := os.WriteFile(two, []byte(ttlTwo), 0o600); err != nil {
		t.Fatal(err)
	}
	if code := run("--data-binary", "@"+two, "-H", "Content-Type: text/turtle", u); code != "204" {
		t.Fatalf("curl POST: %s", code)
	}
	script := `
import sys, urllib.request, rdflib
url, = sys.argv[1:]
for mt, fmt in [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")]:
    req = urllib.request.Request(url, headers={"Accept": mt, "X-Test-Role": "administrator"})
    with urllib.request.urlopen(req) as resp:
        g = rdflib.Graph().parse(data=resp.read(), format=fmt)
    names = sorted(str(o) for o in g.objects(None, rdflib.URIRef("https://schema.org/name")))
    print(fmt, len(g), "|".join(names))
`
	out, err := exec.Command(testenv.Python3, "-c", script, u).CombinedOutput()
	if err != nil {
		t.Fatalf("rdflib: %v\n%s", err, out)
	}
	for _, f := range []string{"turtle", "nt", "json-ld", "xml"} {
		if !strings.Contains(string(out), f+" 3 Ufficio anagrafe|Ufficio tributi") {
			t.Errorf("rdflib read %s: %s", f, out)
		}
	}
	if code := run("-X", "DELETE", u); code != "204" {
		t.Fatalf("curl DELETE: %s", code)
	}
	if code := run(u); code != "404" {
		t.Fatalf("curl GET after DELETE: %s", code)
	}
}
