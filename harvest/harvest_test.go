package harvest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"sportello/kb"
	"sportello/kb/sparql"
	"sportello/ontology"
)

// site is a local web site of the Administration: a sitemap index, a sitemap, pages with and
// without JSON-LD, a broken page, a slow page, a large document and RDF documents.
func site(t *testing.T) (*httptest.Server, *map[string]string) {
	t.Helper()
	pages := map[string]string{}
	mux := http.NewServeMux()
	var ts *httptest.Server
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			time.Sleep(2 * time.Second)
		case "/big.ttl":
			w.Header().Set("Content-Type", "text/turtle")
			w.Write([]byte(strings.Repeat("# padding\n", 20000)))
			return
		case "/away":
			http.Redirect(w, r, "http://elsewhere.invalid/x.ttl", http.StatusFound)
			return
		}
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		switch {
		case strings.HasSuffix(r.URL.Path, ".ttl"):
			w.Header().Set("Content-Type", "text/turtle")
		case strings.HasSuffix(r.URL.Path, ".xml"):
			w.Header().Set("Content-Type", "application/xml")
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		fmt.Fprint(w, strings.ReplaceAll(body, "BASE", ts.URL))
	})
	ts = httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	pages["/sitemap-index.xml"] = `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>BASE/sitemap.xml</loc></sitemap></sitemapindex>`
	pages["/sitemap.xml"] = `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>BASE/servizi/bollo-auto</loc></url><url><loc>BASE/servizi/nido</loc></url>
<url><loc>BASE/chi-siamo</loc></url><url><loc>BASE/rotta</loc></url><url><loc>BASE/manca</loc></url></urlset>`
	pages["/servizi/bollo-auto"] = `<!doctype html><html><head><title>Bollo auto</title>
<script type="application/ld+json">{"@context": {"@vocab": "https://schema.org/"}, "@id": "#servizio", "@type": "GovernmentService", "name": "Pagamento del bollo auto", "provider": {"@type": "GovernmentOrganization", "name": "Regione Valdoria"}}</script>
</head><body><p>Il bollo si paga…</p></body></html>`
	pages["/servizi/nido"] = `<html><head><title>Asili nido</title><script type="application/ld+json; charset=utf-8">
[{"@context": {"@vocab": "https://schema.org/"}, "@id": "BASE/servizi/nido#servizio", "@type": "GovernmentService", "name": "Iscrizione all'asilo nido"}]</script></head><body></body></html>`
	pages["/chi-siamo"] = `<html><head><title>Chi siamo</title></head><body>Nessun dato strutturato.</body></html>`
	pages["/rotta"] = `<html><head><script type="application/ld+json">{"@context": {"@vocab": "https://schema.org/"}, "name": </script></head></html>`
	pages["/dati.ttl"] = `@prefix schema: <https://schema.org/> . <BASE/dati#ufficio> a schema:GovernmentOffice ; schema:name "Ufficio tributi" .`
	pages["/rotto.ttl"] = `<a> <b> .`
	return ts, &pages
}

func fetcher(ts *httptest.Server) *Fetcher {
	u, _ := url.Parse(ts.URL)
	return &Fetcher{AllowHosts: []string{u.Hostname()}, MaxBytes: 100_000, Timeout: time.Second}
}

func count(t *testing.T, s *kb.Store, q string) int {
	t.Helper()
	res, err := sparql.New(s).Query(context.Background(), q, sparql.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Rows)
}

func TestHarvest(t *testing.T) {
	ts, pages := site(t)
	s, _ := kb.OpenMemory()
	defer s.Close()
	ctx := context.Background()
	src := Source{Name: "Sito regionale", Sitemap: ts.URL + "/sitemap-index.xml"}
	rep, err := Harvest(ctx, s, fetcher(ts), src)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Pages != 5 || rep.WithData != 2 || len(rep.Problems) != 2 {
		t.Errorf("report: %+v", rep)
	}
	for _, p := range rep.Problems {
		if !strings.Contains(p, "/rotta") && !strings.Contains(p, "/manca") {
			t.Errorf("unexpected problem: %s", p)
		}
	}
	g := src.Graph()
	q := `SELECT ?s ?name ?page ?title WHERE { GRAPH <` + g + `> { ?s a <https://schema.org/GovernmentService> ; <https://schema.org/name> ?name ;
	  <` + ontology.PROV + `wasDerivedFrom> ?page . ?page <https://schema.org/name> ?title } }`
	if n := count(t, s, q); n != 2 {
		t.Errorf("services with their page: %d, want 2", n)
	}
	// relative @id resolved against the page
	if n := count(t, s, `SELECT ?p WHERE { GRAPH <`+g+`> { <`+ts.URL+`/servizi/bollo-auto#servizio> a ?p } }`); n != 1 {
		t.Error("the relative @id is not resolved against the page")
	}
	// The next harvest replaces the graph: a page that loses its data loses its statements.
	(*pages)["/servizi/nido"] = `<html><head><title>Asili nido</title></head></html>`
	if _, err := Harvest(ctx, s, fetcher(ts), src); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, q); n != 1 {
		t.Errorf("after the page dropped its data: %d services, want 1", n)
	}
	// A sitemap that cannot be read changes nothing.
	(*pages)["/sitemap.xml"] = `not xml`
	if _, err := Harvest(ctx, s, fetcher(ts), src); err == nil || !strings.Contains(err.Error(), "XML") {
		t.Errorf("broken sitemap: %v", err)
	}
	if n := count(t, s, q); n != 1 {
		t.Errorf("a failed harvest changed the graph: %d", n)
	}
}

func TestImportURL(t *testing.T) {
	ts, _ := site(t)
	s, _ := kb.OpenMemory()
	defer s.Close()
	ctx := context.Background()
	f := fetcher(ts)
	g := "https://w3id.org/sportello/graph/tributi"
	n, err := ImportURL(ctx, s, f, ts.URL+"/dati.ttl", g)
	if err != nil || n != 2 {
		t.Fatalf("import: %d %v", n, err)
	}
	if c := count(t, s, `SELECT ?n WHERE { GRAPH <`+g+`> { ?o <https://schema.org/name> ?n } }`); c != 1 {
		t.Errorf("imported: %d", c)
	}
	cases := []struct {
		name, url, graph, want string
	}{
		{"pills graph", ts.URL + "/dati.ttl", ontology.GraphContent, "flusso di approvazione"},
		{"history graph", ts.URL + "/dati.ttl", ontology.GraphHistory, "gestito da Sportello"},
		{"no graph", ts.URL + "/dati.ttl", "", "indicare il grafo"},
		{"host not allowed", "http://example.org/x.ttl", g, "non è tra quelli autorizzati"},
		{"scheme", "file:///etc/passwd", g, "solo indirizzi http e https"},
		{"redirect away", ts.URL + "/away", g, "elsewhere.invalid"},
		{"too big", ts.URL + "/big.ttl", g, "dimensione massima"},
		{"too slow", ts.URL + "/slow", g, "non ha risposto entro"},
		{"404", ts.URL + "/manca.ttl", g, "404"},
		{"syntax", ts.URL + "/rotto.ttl", g, "non è RDF valido"},
		{"not RDF", ts.URL + "/chi-siamo", g, "non è un formato RDF"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ImportURL(ctx, s, f, c.url, c.graph)
			var he *Error
			if !errors.As(err, &he) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v; want an error with %q", err, c.want)
			}
		})
	}
	if c := count(t, s, `SELECT ?s WHERE { GRAPH <`+ontology.GraphContent+`> { ?s <https://schema.org/name> "Ufficio tributi" } }`); c != 0 {
		t.Error("remote data reached the content graph")
	}
}
