package harvest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/cayleygraph/quad"
	"golang.org/x/net/html"

	"sportello/kb"
	"sportello/kb/rdf"
	"sportello/kb/search"
)

const pageURL = "https://www.regione.example.it/servizi/bollo"

// triples renders statements one per line, sorted, blank nodes named as they come.
func triples(qs []quad.Quad) []string {
	out := make([]string, 0, len(qs))
	for _, q := range qs {
		out = append(out, q.Subject.String()+" "+q.Predicate.String()+" "+q.Object.String())
	}
	sort.Strings(out)
	return out
}

func parseDoc(t testing.TB, src string) *html.Node {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestMicrodata: the W3C note's mapping on the cases pages meet: types and their vocabulary,
// itemid, nested items, itemref (and its loops), URL, meta, data, time values, languages,
// absolute property URLs, properties without a vocabulary.
func TestMicrodata(t *testing.T) {
	base, _ := url.Parse(pageURL)
	cases := []struct {
		name, html string
		want       []string
	}{
		{"typed item with nested item",
			`<div itemscope itemtype="http://schema.org/GovernmentService" itemid="#servizio" lang="it">
			  <h1 itemprop="name">Pagamento del  bollo</h1>
			  <a itemprop="url" href="/servizi/bollo">pagina</a>
			  <div itemprop="provider" itemscope itemtype="https://schema.org/GovernmentOrganization"><span itemprop="name">Regione Valdoria</span></div>
			  <meta itemprop="areaServed" content="Valdoria">
			</div>`,
			[]string{
				`<https://www.regione.example.it/servizi/bollo#servizio> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://schema.org/GovernmentService>`,
				`<https://www.regione.example.it/servizi/bollo#servizio> <https://schema.org/areaServed> "Valdoria"@it`,
				`<https://www.regione.example.it/servizi/bollo#servizio> <https://schema.org/name> "Pagamento del bollo"@it`,
				`<https://www.regione.example.it/servizi/bollo#servizio> <https://schema.org/provider> _:b1`,
				`<https://www.regione.example.it/servizi/bollo#servizio> <https://schema.org/url> <https://www.regione.example.it/servizi/bollo>`,
				`_:b1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://schema.org/GovernmentOrganization>`,
				`_:b1 <https://schema.org/name> "Regione Valdoria"@it`,
			}},
		{"itemref, data, time, absolute property",
			`<div itemscope itemtype="https://schema.org/Event" itemref="luogo"><time itemprop="startDate" datetime="2026-03-01">1 marzo</time>
			  <data itemprop="price" value="16">sedici</data><span itemprop="http://purl.org/dc/terms/subject">tributi</span></div>
			 <p id="luogo" itemprop="location">Sala consiliare</p>`,
			[]string{
				`_:b1 <http://purl.org/dc/terms/subject> "tributi"`,
				`_:b1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://schema.org/Event>`,
				`_:b1 <https://schema.org/location> "Sala consiliare"`,
				`_:b1 <https://schema.org/price> "16"`,
				`_:b1 <https://schema.org/startDate> "2026-03-01"^^<http://www.w3.org/2001/XMLSchema#date>`,
			}},
		// itemref names the item itself: its properties are not crawled again (the algorithm
		// does not descend into a root that is an item), and the loop ends.
		{"an item that refers to itself",
			`<div id="a" itemscope itemtype="https://schema.org/Thing" itemref="a b"><span itemprop="name">x</span></div><div id="b" itemprop="sameAs" itemscope itemref="a"></div>`,
			[]string{
				`_:b1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://schema.org/Thing>`,
				`_:b1 <https://schema.org/name> "x"`,
				`_:b1 <https://schema.org/sameAs> _:b2`,
			}},
		{"no type, no vocabulary: no statement but the absolute ones",
			`<div itemscope><span itemprop="name">x</span><span itemprop="https://schema.org/name">y</span></div>`,
			[]string{`_:b1 <https://schema.org/name> "y"`}},
		{"a property outside any item", `<span itemprop="name">x</span>`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			qs, _, err := microdata(parseDoc(t, c.html), base, "b")
			if err != nil {
				t.Fatal(err)
			}
			got := triples(qs)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// TestRDFaLite: vocab, typeof, property, resource, prefix and the initial context, on the page
// as first subject.
func TestRDFaLite(t *testing.T) {
	base, _ := url.Parse(pageURL)
	cases := []struct {
		name, html string
		want       []string
	}{
		{"Open Graph and Dublin Core on the page",
			`<html lang="it"><head><meta property="og:title" content="Bollo auto"><meta property="dc:subject" content="tributi"></head><body></body></html>`,
			[]string{
				`<https://www.regione.example.it/servizi/bollo> <http://ogp.me/ns#title> "Bollo auto"@it`,
				`<https://www.regione.example.it/servizi/bollo> <http://purl.org/dc/terms/subject> "tributi"@it`,
			}},
		{"vocab, typeof, nested resource",
			`<div vocab="http://schema.org/" typeof="GovernmentService" resource="#servizio">
			   <span property="name">Pagamento del bollo</span>
			   <div property="provider" typeof="GovernmentOrganization"><span property="name">Regione Valdoria</span>
			     <a property="url" href="https://www.regione.example.it/">sito</a></div>
			   <time property="validFrom" datetime="2026-01-01T08:00:00Z">dal 2026</time>
			   <span property="[nope:term]">ignorato</span>
			</div>`,
			[]string{
				`<https://www.regione.example.it/servizi/bollo#servizio> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://schema.org/GovernmentService>`,
				`<https://www.regione.example.it/servizi/bollo#servizio> <https://schema.org/name> "Pagamento del bollo"`,
				`<https://www.regione.example.it/servizi/bollo#servizio> <https://schema.org/provider> _:b1`,
				`<https://www.regione.example.it/servizi/bollo#servizio> <https://schema.org/validFrom> "2026-01-01T08:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>`,
				`_:b1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://schema.org/GovernmentOrganization>`,
				`_:b1 <https://schema.org/name> "Regione Valdoria"`,
				`_:b1 <https://schema.org/url> <https://www.regione.example.it/>`,
			}},
		{"prefix and resource as object",
			`<div prefix="sp: https://w3id.org/sportello/ontology#" resource="/uffici/tributi"><span property="sp:officeName">Tributi</span>
			   <span property="http://www.w3.org/2000/01/rdf-schema#seeAlso" resource="/altro"></span></div>`,
			[]string{
				`<https://www.regione.example.it/uffici/tributi> <http://www.w3.org/2000/01/rdf-schema#seeAlso> <https://www.regione.example.it/altro>`,
				`<https://www.regione.example.it/uffici/tributi> <https://w3id.org/sportello/ontology#officeName> "Tributi"`,
			}},
		{"plain HTML", `<p>Nessun dato <a href="/x">qui</a></p>`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			qs, _, err := rdfa(parseDoc(t, c.html), base, "b")
			if err != nil {
				t.Fatal(err)
			}
			got := triples(qs)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// TestEmbeddedBounded: a page with more statements than the bound is an error naming it.
func TestEmbeddedBounded(t *testing.T) {
	base, _ := url.Parse(pageURL)
	var b strings.Builder
	b.WriteString(`<div itemscope itemtype="https://schema.org/Thing">`)
	for range maxEmbedded + 1 {
		b.WriteString(`<span itemprop="name">x</span>`)
	}
	b.WriteString(`</div>`)
	if _, _, err := microdata(parseDoc(t, b.String()), base, "b"); err == nil || !strings.Contains(err.Error(), "più di") {
		t.Errorf("microdata: %v", err)
	}
	ra := strings.ReplaceAll(strings.ReplaceAll(b.String(), "itemprop", "property"), `itemscope itemtype="https://schema.org/Thing"`, `vocab="https://schema.org/"`)
	if _, _, err := rdfa(parseDoc(t, ra), base, "b"); err == nil {
		t.Error("rdfa: no error past the bound")
	}
}

// TestEmbeddedUnwritable: a statement no RDF syntax could write is left out and counted, for
// the harvest's report.
func TestEmbeddedUnwritable(t *testing.T) {
	base, _ := url.Parse(pageURL)
	doc := parseDoc(t, `<div itemscope itemtype="https://schema.org/Thing"><span itemprop="https://example.org/p/">x</span><span itemprop="name">y</span></div>`)
	qs, skipped, err := microdata(doc, base, "b")
	if err != nil || skipped != 1 || len(qs) != 2 {
		t.Errorf("%v skipped %d err %v", triples(qs), skipped, err)
	}
}

// FuzzEmbedded: whatever the HTML, the extractors end, never panic, and give only statements
// every RDF syntax can write.
func FuzzEmbedded(f *testing.F) {
	for _, s := range []string{
		`<div itemscope itemtype="https://schema.org/Thing" itemref="a"><span id="a" itemprop="name" itemscope itemref="a">x</span></div>`,
		`<div vocab="http://schema.org/" typeof="Thing" resource="[_:x]"><span property="name schema:alternateName" lang="it-IT">x</span></div>`,
		`<div prefix="a: b: c" property=":x" resource="::" typeof="a:"><time property="x" datetime="2026-13-45"></time></div>`,
		`<meta itemprop="name" content="x"><link itemprop="url" href="javascript:alert(1)">`,
	} {
		f.Add(s)
	}
	base, _ := url.Parse(pageURL)
	f.Fuzz(func(t *testing.T, src string) {
		doc, err := html.Parse(strings.NewReader(src))
		if err != nil {
			return
		}
		for _, extract := range []func(*html.Node, *url.URL, string) ([]quad.Quad, int, error){microdata, rdfa} {
			qs, _, err := extract(doc, base, "b")
			if err != nil {
				continue
			}
			for _, q := range qs {
				q.Label = quad.IRI("https://w3id.org/sportello/graph/harvest/fuzz")
				if err := rdf.Writable(q); err != nil {
					t.Fatalf("%q gives an unwritable statement %v: %v", src, q, err)
				}
			}
		}
	})
}

// TestHarvestMicrodataAndRDFa: pages of the local site that carry microdata or RDFa only are
// harvested into the source's graph, linked to their page, and found by search.
func TestHarvestMicrodataAndRDFa(t *testing.T) {
	ts, pages := site(t)
	(*pages)["/sitemap-embedded.xml"] = `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>BASE/servizi/mensa</loc></url><url><loc>BASE/servizi/caccia</loc></url></urlset>`
	(*pages)["/servizi/mensa"] = `<!doctype html><html lang="it"><head><title>Mensa scolastica</title></head><body>
<div itemscope itemtype="http://schema.org/GovernmentService" itemid="#servizio"><h1 itemprop="name">Iscrizione alla mensa scolastica</h1>
<p itemprop="description">Domanda di iscrizione e tariffe agevolate per la refezione.</p></div></body></html>`
	(*pages)["/servizi/caccia"] = `<!doctype html><html lang="it"><head><title>Licenza di caccia</title>
<meta property="og:description" content="Rinnovo del tesserino venatorio regionale"></head><body>
<div vocab="https://schema.org/" typeof="GovernmentService" resource="#servizio"><h1 property="name">Tesserino venatorio</h1></div></body></html>`
	ctx := context.Background()
	s, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	x, err := search.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	search.KeepIndexed(s, x, nil)
	src := Source{Name: "Sito regionale", Sitemap: ts.URL + "/sitemap-embedded.xml"}
	rep, err := Harvest(ctx, s, fetcher(ts), src)
	if err != nil || rep.Pages != 2 || rep.WithData != 2 || len(rep.Problems) != 0 {
		t.Fatalf("%+v %v", rep, err)
	}
	g := src.Graph()
	q := `SELECT ?s WHERE { GRAPH <` + g + `> { ?s a <https://schema.org/GovernmentService> ; <http://www.w3.org/ns/prov#wasDerivedFrom> ?page . ?page a <https://schema.org/WebPage> } }`
	if n := count(t, s, q); n != 2 {
		t.Errorf("services linked to their page: %d, want 2", n)
	}
	for q, want := range map[string]string{"refezione scolastica": "/servizi/mensa", "tesserino venatorio": "/servizi/caccia"} {
		hits, err := x.SearchPages(ctx, q, 3)
		if err != nil || len(hits) == 0 || hits[0].URL != ts.URL+want {
			t.Errorf("%q: %+v %v", q, hits, err)
		}
	}
}

// TestEmbeddedQuadratic: a page built to cost the square of its size — thousands of items that
// all itemref one long list, thousands of elements that each declare many prefixes — is refused
// within the work bound.
func TestEmbeddedQuadratic(t *testing.T) {
	base, _ := url.Parse(pageURL)
	var md strings.Builder
	md.WriteString(`<ul id="l">`)
	for range 5000 {
		md.WriteString(`<li>x</li>`)
	}
	md.WriteString(`</ul>`)
	for range 5000 {
		md.WriteString(`<div itemscope itemref="l"></div>`)
	}
	var ra strings.Builder
	ra.WriteString(`<div prefix="`)
	for i := range 2000 {
		fmt.Fprintf(&ra, "p%d: https://example.org/%d/ ", i, i)
	}
	ra.WriteString(`">`)
	for range 5000 {
		ra.WriteString(`<p prefix="q: https://example.org/q/">x</p>`)
	}
	for name, c := range map[string]struct {
		src     string
		extract func(*html.Node, *url.URL, string) ([]quad.Quad, int, error)
	}{"itemref": {md.String(), microdata}, "prefixes": {ra.String(), rdfa}} {
		_, _, err := c.extract(parseDoc(t, c.src), base, "b")
		if !errors.Is(err, errTooComplex) {
			t.Errorf("%s: %v, want the work bound", name, err)
		}
	}
}
