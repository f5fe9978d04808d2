package semantic_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sportello/fixtures"
	"sportello/fixtures/testenv"
	"sportello/harvest"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/kb/linkeddata"
	"sportello/web"
)

// headerAuth lets a test call as any role (X-Test-Role).
type headerAuth struct{}

func (headerAuth) Role(r *http.Request) (string, role.Role) {
	if v := r.Header.Get("X-Test-Role"); v != "" {
		return "test", role.Role(v)
	}
	return "", role.Anonymous
}

// server is the whole web server on the demo store, over real HTTP.
func server(t *testing.T) (*httptest.Server, *kb.Store) {
	return serverWith(t, linkeddata.Limits{MaxRows: 1000})
}

func serverWith(t *testing.T, lim linkeddata.Limits) (*httptest.Server, *kb.Store) {
	t.Helper()
	s, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := fixtures.Load(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	const base = "https://sportello.valdoria.example.it"
	ld := linkeddata.New(s, linkeddata.Config{BaseURL: base}, lim)
	srv := web.New(web.Config{Auth: headerAuth{}, DataDir: t.TempDir(), BaseURL: base}, web.Deps{Store: s, LinkedData: ld})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts, s
}

type reply struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, req *http.Request, who role.Role) reply {
	t.Helper()
	if who != "" && who != role.Anonymous {
		req.Header.Set("X-Test-Role", string(who))
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, string(b)}
}

func get(t *testing.T, u, accept string, who role.Role) reply {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return do(t, req, who)
}

const pillsQuery = `PREFIX sp: <https://w3id.org/sportello/ontology#> SELECT ?p WHERE { ?p a sp:KnowledgePill }`

type srj struct {
	Head    struct{ Vars []string }
	Boolean *bool
	Results struct {
		Bindings []map[string]struct{ Type, Value string }
	}
}

func decode(t *testing.T, r reply) srj {
	t.Helper()
	var out srj
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatalf("%d %s: %v", r.status, r.body, err)
	}
	return out
}

// TestProtocol drives the three forms of the SPARQL 1.1 Protocol's query operation and the
// result formats chosen by Accept.
func TestProtocol(t *testing.T) {
	ts, _ := server(t)
	ep := ts.URL + "/sparql"

	// GET ?query=
	r := get(t, ep+"?query="+url.QueryEscape(pillsQuery), "application/sparql-results+json", role.Anonymous)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/sparql-results+json") {
		t.Fatalf("GET: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	if n := len(decode(t, r).Results.Bindings); n != 28 {
		t.Errorf("GET: %d pills for the public, want 28", n)
	}
	if !strings.Contains(r.header.Get("Vary"), "Accept") {
		t.Error("no Vary: Accept")
	}
	// POST application/sparql-query
	req, _ := http.NewRequest(http.MethodPost, ep, strings.NewReader(pillsQuery))
	req.Header.Set("Content-Type", "application/sparql-query")
	req.Header.Set("Accept", "application/sparql-results+xml")
	r = do(t, req, role.Anonymous)
	var x struct {
		Results struct {
			Result []struct{} `xml:"result"`
		} `xml:"results"`
	}
	if err := xml.Unmarshal([]byte(r.body), &x); err != nil || r.status != 200 || len(x.Results.Result) != 28 {
		t.Errorf("POST sparql-query as XML: %d %v, %d results", r.status, err, len(x.Results.Result))
	}
	// POST form, with the editorial role: the drafts too
	req, _ = http.NewRequest(http.MethodPost, ep, strings.NewReader(url.Values{"query": {pillsQuery}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/csv")
	r = do(t, req, role.Publisher)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") || strings.Count(r.body, "\n") != 35 {
		t.Errorf("POST form as CSV for a publisher: %d %s, %d lines", r.status, r.header.Get("Content-Type"), strings.Count(r.body, "\n"))
	}
	// TSV, ASK
	r = get(t, ep+"?query="+url.QueryEscape(pillsQuery), "text/tab-separated-values", role.Operator)
	if r.status != 200 || !strings.HasPrefix(r.body, "?p\n") {
		t.Errorf("TSV: %d %q", r.status, r.body[:min(len(r.body), 40)])
	}
	r = get(t, ep+"?query="+url.QueryEscape(`ASK { ?s ?p ?o }`), "", role.Anonymous)
	if b := decode(t, r).Boolean; b == nil || !*b {
		t.Errorf("ASK: %s", r.body)
	}
	// CONSTRUCT and DESCRIBE in every graph syntax
	construct := `PREFIX skos: <http://www.w3.org/2004/02/skos/core#> CONSTRUCT { ?c skos:prefLabel ?l } WHERE { ?c skos:prefLabel ?l } LIMIT 5`
	for accept, ctype := range map[string]string{
		"text/turtle": "text/turtle", "application/n-triples": "application/n-triples",
		"application/ld+json": "application/ld+json", "application/rdf+xml": "application/rdf+xml", "": "text/turtle",
	} {
		r = get(t, ep+"?query="+url.QueryEscape(construct), accept, role.Anonymous)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), ctype) || !strings.Contains(r.body, "prefLabel") {
			t.Errorf("CONSTRUCT as %q: %d %s", accept, r.status, r.header.Get("Content-Type"))
		}
	}
	// format parameter, for clients that cannot set Accept
	r = get(t, ep+"?format=tsv&query="+url.QueryEscape(pillsQuery), "application/sparql-results+json", role.Anonymous)
	if !strings.HasPrefix(r.header.Get("Content-Type"), "text/tab-separated-values") {
		t.Errorf("format=tsv: %s", r.header.Get("Content-Type"))
	}
	// A browser without a query gets the query page.
	r = get(t, ep, "text/html,application/xhtml+xml,*/*;q=0.8", role.Operator)
	if r.status != 200 || !strings.Contains(r.body, `<label for="sparql-query"`) {
		t.Errorf("query page: %d", r.status)
	}
}

// TestProtocolDataset: default-graph-uri and named-graph-uri replace the query's dataset, and
// never open a graph the caller may not read.
func TestProtocolDataset(t *testing.T) {
	ts, _ := server(t)
	ep := ts.URL + "/sparql"
	tax := "https://w3id.org/sportello/graph/taxonomy"
	q := url.Values{"query": {pillsQuery}, "default-graph-uri": {tax}}
	r := get(t, ep+"?"+q.Encode(), "", role.Anonymous)
	if n := len(decode(t, r).Results.Bindings); r.status != 200 || n != 0 {
		t.Errorf("pills in the taxonomy graph: %d", n)
	}
	q = url.Values{"query": {`SELECT ?g WHERE { GRAPH ?g { } }`}, "named-graph-uri": {tax, "https://w3id.org/sportello/graph/history"}}
	r = get(t, ep+"?"+q.Encode(), "", role.Anonymous)
	if b := decode(t, r).Results.Bindings; len(b) != 1 || b[0]["g"].Value != tax {
		t.Errorf("named graphs for the public: %v", b)
	}
	r = get(t, ep+"?"+q.Encode(), "", role.Validator)
	if b := decode(t, r).Results.Bindings; len(b) != 2 {
		t.Errorf("named graphs for a validator: %v", b)
	}
	// Entailment: the pills under a national life event, through closeMatch and the tree.
	le := `PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX dct: <http://purl.org/dc/terms/>
SELECT DISTINCT ?p WHERE { ?top skos:closeMatch ?le . ?c skos:broaderTransitive ?top . ?p dct:subject ?c }`
	none := decode(t, get(t, ep+"?"+url.Values{"query": {le}}.Encode(), "", role.Anonymous)).Results.Bindings
	skos := decode(t, get(t, ep+"?"+url.Values{"query": {le}, "entailment": {"skos"}}.Encode(), "", role.Anonymous)).Results.Bindings
	if len(none) != 0 || len(skos) == 0 {
		t.Errorf("entailment: %d without, %d with SKOS", len(none), len(skos))
	}
}

// TestProtocolErrors: Italian messages and the protocol's statuses.
func TestProtocolErrors(t *testing.T) {
	ts, _ := server(t)
	ep := ts.URL + "/sparql"
	cases := []struct {
		name, method, ctype, body, query, accept string
		status                                   int
		want                                     string
	}{
		{"syntax", "GET", "", "", "SELECT ?x WHERE { ?x ?y }", "", 400, "riga 1, colonna"},
		{"no query", "GET", "", "", "", "application/sparql-results+json", 400, "Manca la query"},
		{"update", "POST", "application/sparql-update", "DELETE WHERE { ?s ?p ?o }", "", "", 400, "solo interrogazioni"},
		{"update form", "POST", "application/x-www-form-urlencoded", "update=CLEAR+ALL", "", "", 400, "solo interrogazioni"},
		{"content type", "POST", "text/plain", "SELECT * {}", "", "", 415, "non accettato"},
		{"entailment", "GET", "", "", "ASK {}&entailment=owl2", "", 400, "Regime di inferenza"},
		{"accept", "GET", "", "", "ASK {}", "image/png", 406, "Accept"},
		{"service", "GET", "", "", "SELECT * { SERVICE <http://example.org/> { ?s ?p ?o } }", "", 400, "non supportata"},
		{"too many rows", "GET", "", "", "SELECT * { ?s ?p ?o }", "", 400, "più di 1000 risultati"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := ep
			if c.query != "" {
				q, rest, _ := strings.Cut(c.query, "&")
				u += "?query=" + url.QueryEscape(q)
				if rest != "" {
					u += "&" + rest
				}
			}
			req, _ := http.NewRequest(c.method, u, strings.NewReader(c.body))
			if c.ctype != "" {
				req.Header.Set("Content-Type", c.ctype)
			}
			if c.accept != "" {
				req.Header.Set("Accept", c.accept)
			}
			r := do(t, req, role.Anonymous)
			if r.status != c.status || !strings.Contains(r.body, c.want) {
				t.Errorf("%d %.300q; want %d with %q", r.status, r.body, c.status, c.want)
			}
		})
	}
}

// TestLinkedData: a minted IRI's local path answers by content negotiation — 303 to the page
// for a browser, the description for RDF clients — and what the caller may not see is 404.
func TestLinkedData(t *testing.T) {
	ts, s := server(t)
	ctx := context.Background()
	pub, _ := s.Pills(ctx, kb.PillFilter{Status: []kb.Status{kb.StatusPublished}})
	drafts, _ := s.Pills(ctx, kb.PillFilter{Status: []kb.Status{kb.StatusDraft}})
	path := strings.TrimPrefix(pub[0].IRI, "https://w3id.org/sportello")
	r := get(t, ts.URL+path, "text/html,application/xhtml+xml,*/*;q=0.8", role.Anonymous)
	if r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/schede/") || !strings.Contains(r.header.Get("Vary"), "Accept") {
		t.Errorf("HTML: %d %s", r.status, r.header.Get("Location"))
	}
	if page := get(t, ts.URL+r.header.Get("Location"), "text/html", role.Anonymous); page.status != 200 {
		t.Errorf("the page the IRI redirects to: %d", page.status)
	}
	for accept, ctype := range map[string]string{"text/turtle": "text/turtle", "application/ld+json": "application/ld+json",
		"application/rdf+xml": "application/rdf+xml", "application/n-triples": "application/n-triples"} {
		r = get(t, ts.URL+path, accept, role.Anonymous)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), ctype) || !strings.Contains(r.body, pub[0].IRI) {
			t.Errorf("%s: %d %s", accept, r.status, r.header.Get("Content-Type"))
		}
		if strings.Contains(r.body, "skos/core#note") || strings.Contains(r.body, "extraField") {
			t.Errorf("%s: internal fields for the public", accept)
		}
	}
	dpath := strings.TrimPrefix(drafts[0].IRI, "https://w3id.org/sportello")
	if r = get(t, ts.URL+dpath, "text/turtle", role.Anonymous); r.status != 404 {
		t.Errorf("a draft for the public: %d", r.status)
	}
	if r = get(t, ts.URL+dpath, "text/turtle", role.Publisher); r.status != 200 {
		t.Errorf("a draft for a publisher: %d", r.status)
	}
	for _, p := range []string{"/id/concept/abitare", "/id/unit/ufficio-relazioni-con-il-pubblico"} {
		if r = get(t, ts.URL+p, "text/html", role.Anonymous); r.status != 303 {
			t.Errorf("%s: %d", p, r.status)
		} else if page := get(t, ts.URL+r.header.Get("Location"), "text/html", role.Anonymous); page.status != 200 {
			t.Errorf("%s → %s: %d", p, r.header.Get("Location"), page.status)
		}
	}
	if r = get(t, ts.URL+"/id/pill/NON-ESISTE", "text/turtle", role.Anonymous); r.status != 404 {
		t.Errorf("unknown: %d", r.status)
	}
}

// TestDatasetDescription: /.well-known/void and /dataset in Turtle and JSON-LD, parsed by rdflib.
func TestDatasetDescription(t *testing.T) {
	testenv.PythonModule(t, "rdflib", "python3-rdflib")
	ts, _ := server(t)
	dir := t.TempDir()
	for _, c := range []struct{ path, accept, format string }{
		{"/.well-known/void", "text/turtle", "turtle"}, {"/dataset", "application/ld+json", "json-ld"}, {"/dataset", "", "turtle"},
	} {
		r := get(t, ts.URL+c.path, c.accept, role.Anonymous)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", c.path, r.status, r.body)
		}
		f := filepath.Join(dir, "d")
		os.WriteFile(f, []byte(r.body), 0o600)
		script := `import sys
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, RDF
g = Graph(); g.parse(sys.argv[1], format=sys.argv[2])
ds = URIRef("https://sportello.valdoria.example.it/dataset")
assert (ds, RDF.type, DCAT.Dataset) in g
print(len(g))`
		out, err := exec.Command(testenv.Python3, "-c", script, f, c.format).CombinedOutput()
		if err != nil {
			t.Errorf("%s %s: %v %s", c.path, c.accept, err, out)
		}
	}
}

// TestProtocolTimeout: a query past the time limit is a 503 with an Italian message and
// Retry-After.
func TestProtocolTimeout(t *testing.T) {
	ts, _ := serverWith(t, linkeddata.Limits{Timeout: time.Microsecond})
	r := get(t, ts.URL+"/sparql?query="+url.QueryEscape(`SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?o ?q ?x }`), "", role.Anonymous)
	if r.status != 503 || !strings.Contains(r.body, "tempo massimo") || r.header.Get("Retry-After") == "" {
		t.Errorf("%d %.200q", r.status, r.body)
	}
}

// TestRemoteImport: an administrator imports RDF from an allowed host into a named graph while
// the server runs; other roles are refused, and so are kb's own graphs.
func TestRemoteImport(t *testing.T) {
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/turtle")
		w.Write([]byte(`<https://dati.example.it/ufficio/1> <https://schema.org/name> "Ufficio tributi" .`))
	}))
	defer remote.Close()
	u, _ := url.Parse(remote.URL)
	s, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv := web.New(web.Config{Auth: headerAuth{}, DataDir: t.TempDir()}, web.Deps{Store: s, Remote: &harvest.Fetcher{AllowHosts: []string{u.Hostname()}}})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	post := func(body string, who role.Role) reply {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/remote/import", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return do(t, req, who)
	}
	body := `{"url": "` + remote.URL + `/dati.ttl", "graph": "https://w3id.org/sportello/graph/tributi"}`
	if r := post(body, role.Operator); r.status != 403 {
		t.Errorf("operator: %d", r.status)
	}
	if r := post(body, role.Administrator); r.status != 200 || !strings.Contains(r.body, `"statements":1`) {
		t.Errorf("administrator: %d %s", r.status, r.body)
	}
	q := url.Values{"query": {`SELECT ?n WHERE { GRAPH <https://w3id.org/sportello/graph/tributi> { ?s ?p ?n } }`}}
	if r := get(t, ts.URL+"/sparql?"+q.Encode(), "text/csv", role.Administrator); !strings.Contains(r.body, "Ufficio tributi") {
		t.Errorf("the imported graph is not queryable: %s", r.body)
	}
	r := post(`{"url": "`+remote.URL+`/dati.ttl", "graph": "https://w3id.org/sportello/graph/content"}`, role.Administrator)
	if r.status != 403 || !strings.Contains(r.body, "flusso di approvazione") {
		t.Errorf("content graph: %d %s", r.status, r.body)
	}
	r = post(`{"url": "http://example.org/x.ttl", "graph": "https://w3id.org/sportello/graph/x"}`, role.Administrator)
	if r.status != 422 || !strings.Contains(r.body, "autorizzati") {
		t.Errorf("host outside the allow-list: %d %s", r.status, r.body)
	}
}
