// Package harvest feeds the knowledge graph from remote sources (REQUIREMENTS KB-3, KB-7: one
// logical view over distributed sources): an RDF document imported from a URL, and the
// structured data that the Administration's web pages embed — JSON-LD, microdata, RDFa Lite
// (microdata.go) — harvested from the pages a sitemap lists into a named graph per source, on a
// schedule.
//
// Every fetch goes through Fetcher: only http and https, only hosts of the configured
// allow-list (redirects included), a size and a time limit, and Italian errors that name the
// URL. Harvested and imported data never touch the pills: the one writer of pills is kb's
// workflow, so this package refuses kb's own graphs and writes each source into its own graph
// (linkeddata.HarvestGraph + the source's name), replaced whole in one transaction on each
// harvest — a page that drops its JSON-LD drops its statements, a failed harvest changes
// nothing. Each harvested subject is linked to its page with prov:wasDerivedFrom <page>, and the
// page (a schema:WebPage) carries schema:name from its <title>, so that a reader (search,
// SPARQL) can link back to it.
//
// HTML is parsed with golang.org/x/net/html (the HTML5 parsing algorithm); the sitemap with
// encoding/xml; JSON-LD with kb/rdf (json-gold, no remote contexts fetched).
package harvest

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cayleygraph/quad"
	"golang.org/x/net/html"

	"sportello/kb"
	"sportello/kb/linkeddata"
	"sportello/kb/rdf"
	"sportello/ontology"
)

// Fetcher gets remote documents within the limits.
type Fetcher struct {
	// AllowHosts are the hosts that may be fetched: "www.regione.example.it", or ".example.it"
	// for every subdomain. Empty: nothing may be fetched.
	AllowHosts []string
	MaxBytes   int64         // per document; 0: 20 MiB
	Timeout    time.Duration // per document; 0: 30 s
	Client     *http.Client  // nil: a client of its own
}

const (
	defaultMaxBytes = 20 << 20
	defaultTimeout  = 30 * time.Second
)

// Error is a fetch or harvest failure; Error() is Italian, for the administrator who reads it.
type Error struct {
	URL string
	Msg string
	Err error
}

func (e *Error) Error() string { return e.URL + ": " + e.Msg }
func (e *Error) Unwrap() error { return e.Err }

func (f *Fetcher) allowed(u *url.URL) bool {
	h := strings.ToLower(u.Hostname())
	for _, a := range f.AllowHosts {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == "" {
			continue
		}
		if h == a || strings.HasPrefix(a, ".") && (strings.HasSuffix(h, a) || h == a[1:]) {
			return true
		}
	}
	return false
}

func (f *Fetcher) check(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &Error{URL: raw, Msg: "indirizzo non valido"}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, &Error{URL: raw, Msg: "sono ammessi solo indirizzi http e https"}
	}
	if u.Host == "" {
		return nil, &Error{URL: raw, Msg: "indirizzo non valido"}
	}
	if !f.allowed(u) {
		return nil, &Error{URL: raw, Msg: fmt.Sprintf("l'host %s non è tra quelli autorizzati nella configurazione", u.Hostname())}
	}
	return u, nil
}

// Get fetches url and returns its body and media type. A body larger than MaxBytes, a fetch
// slower than Timeout, a status other than 200, a host or a redirect outside the allow-list are
// errors.
func (f *Fetcher) Get(ctx context.Context, raw string) ([]byte, string, error) {
	u, err := f.check(raw)
	if err != nil {
		return nil, "", err
	}
	timeout, max := f.Timeout, f.MaxBytes
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	if max <= 0 {
		max = defaultMaxBytes
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := f.Client
	if client == nil {
		client = &http.Client{}
	}
	c := *client
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return &Error{URL: raw, Msg: "troppi reindirizzamenti"}
		}
		if _, err := f.check(req.URL.String()); err != nil {
			return err
		}
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", &Error{URL: raw, Msg: "indirizzo non valido", Err: err}
	}
	req.Header.Set("Accept", "text/turtle, application/ld+json, application/rdf+xml;q=0.9, application/n-triples;q=0.9, text/html;q=0.8, application/xml;q=0.7, */*;q=0.1")
	req.Header.Set("User-Agent", "Sportello-harvest/1")
	resp, err := c.Do(req)
	if err != nil {
		var he *Error
		if errors.As(err, &he) {
			return nil, "", he
		}
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
			return nil, "", &Error{URL: raw, Msg: fmt.Sprintf("il server non ha risposto entro %s", timeout), Err: err}
		}
		return nil, "", &Error{URL: raw, Msg: "impossibile scaricare il documento: " + err.Error(), Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", &Error{URL: raw, Msg: fmt.Sprintf("il server ha risposto %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))}
	}
	if resp.ContentLength > max {
		return nil, "", &Error{URL: raw, Msg: fmt.Sprintf("il documento supera la dimensione massima di %d byte", max)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, "", &Error{URL: raw, Msg: fmt.Sprintf("il server non ha risposto entro %s", timeout), Err: err}
		}
		return nil, "", &Error{URL: raw, Msg: "lettura interrotta: " + err.Error(), Err: err}
	}
	if int64(len(body)) > max {
		return nil, "", &Error{URL: raw, Msg: fmt.Sprintf("il documento supera la dimensione massima di %d byte", max)}
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return body, mt, nil
}

// kbGraphs are the graphs kb owns: the workflow, the taxonomy editor and the directory write
// them. A remote source may not.
var kbGraphs = map[string]bool{
	ontology.GraphOntology: true, ontology.GraphVocabulary: true, ontology.GraphTaxonomy: true,
	ontology.GraphContent: true, ontology.GraphDirectory: true, ontology.GraphHistory: true,
}

// ErrReservedGraph refuses a write to one of kb's own graphs.
var ErrReservedGraph = errors.New("harvest: reserved graph")

// ImportURL imports the RDF document at url into named graph g (required, not one of kb's own
// graphs) in one transaction, and returns the number of statements. The syntax comes from the
// media type, else from the URL's extension.
func ImportURL(ctx context.Context, s *kb.Store, f *Fetcher, raw, g string) (int, error) {
	if g == "" {
		return 0, &Error{URL: raw, Msg: "indicare il grafo in cui importare i dati"}
	}
	if kbGraphs[g] {
		return 0, &Error{URL: raw, Msg: fmt.Sprintf("il grafo %s è gestito da Sportello: schede, classificazione e rubrica si modificano con il flusso di approvazione o con l'importazione da file, non da un indirizzo remoto", g), Err: ErrReservedGraph}
	}
	if _, err := url.Parse(g); err != nil || !strings.Contains(g, ":") {
		return 0, &Error{URL: raw, Msg: fmt.Sprintf("il nome del grafo %q non è un IRI", g)}
	}
	body, mt, err := f.Get(ctx, raw)
	if err != nil {
		return 0, err
	}
	format, ok := formatOf(mt, raw)
	if !ok {
		return 0, &Error{URL: raw, Msg: fmt.Sprintf("il tipo di contenuto %q non è un formato RDF riconosciuto (Turtle, N-Triples, N-Quads, TriG, RDF/XML, JSON-LD)", mt)}
	}
	n, err := s.Import(ctx, bytes.NewReader(body), format, kb.ImportOptions{Graph: g, File: raw})
	if err != nil {
		return 0, &Error{URL: raw, Msg: "il documento non è RDF valido: " + err.Error(), Err: err}
	}
	return n, nil
}

func formatOf(mt, raw string) (rdf.Format, bool) {
	switch mt {
	case "text/turtle", "application/x-turtle":
		return rdf.Turtle, true
	case "application/n-triples":
		return rdf.NTriples, true
	case "application/n-quads":
		return rdf.NQuads, true
	case "application/trig":
		return rdf.TriG, true
	case "application/rdf+xml":
		return rdf.RDFXML, true
	case "application/ld+json":
		return rdf.JSONLD, true
	}
	u, err := url.Parse(raw)
	if err == nil {
		if f, ok := rdf.FormatFromExt(u.Path); ok {
			return f, true
		}
	}
	return "", false
}

// Source is a web site to harvest: the pages its sitemap lists.
type Source struct {
	Name    string // short name; the graph is linkeddata.HarvestGraph + Slug(Name)
	Sitemap string // the sitemap's URL (a sitemap index is followed one level)
	// MaxPages bounds the pages of one harvest; 0: 1,000.
	MaxPages int
}

// Graph is the named graph of the source.
func (src Source) Graph() string { return linkeddata.HarvestGraph + kb.Slug(src.Name) }

// Report is what a harvest did; Problems lists the pages left out and why (Italian). A page that
// fails does not stop the harvest, and is reported, never dropped quietly.
type Report struct {
	Source     string
	Pages      int // pages read
	WithData   int // pages that embed structured data (JSON-LD, microdata, RDFa)
	Statements int
	Problems   []string
}

// Harvest reads the source's sitemap and every page it lists, takes the structured data of each
// page (<script type="application/ld+json"> blocks, microdata, RDFa Lite) and replaces the
// source's graph with them in one transaction. A sitemap that cannot be read is an error and changes nothing.
func Harvest(ctx context.Context, s *kb.Store, f *Fetcher, src Source) (Report, error) {
	rep := Report{Source: src.Name}
	if strings.TrimSpace(src.Name) == "" {
		return rep, &Error{URL: src.Sitemap, Msg: "la fonte non ha un nome"}
	}
	max := src.MaxPages
	if max <= 0 {
		max = 1000
	}
	pages, err := sitemap(ctx, f, src.Sitemap, 1)
	if err != nil {
		return rep, err
	}
	if len(pages) > max {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%s: la mappa elenca %d pagine, lette le prime %d", src.Sitemap, len(pages), max))
		pages = pages[:max]
	}
	g := quad.IRI(src.Graph())
	var all []quad.Quad
	for i, page := range pages {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		qs, title, skipped, err := pageData(ctx, f, page, fmt.Sprintf("b%d_", i))
		rep.Pages++
		if err != nil {
			rep.Problems = append(rep.Problems, err.Error())
			continue
		}
		if skipped > 0 {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %d dichiarazioni di microdati o RDFa lasciate fuori: proprietà o indirizzi che nessuna sintassi RDF può scrivere", page, skipped))
		}
		if len(qs) == 0 {
			continue
		}
		rep.WithData++
		pg := quad.IRI(page)
		subjects := map[quad.Value]bool{}
		for _, q := range qs {
			q.Label = g
			all = append(all, q)
			if iri, ok := q.Subject.(quad.IRI); ok && iri != pg && !subjects[iri] {
				subjects[iri] = true
				all = append(all, quad.Quad{Subject: iri, Predicate: quad.IRI(ontology.PROV + "wasDerivedFrom"), Object: pg, Label: g})
			}
		}
		all = append(all, quad.Quad{Subject: pg, Predicate: quad.IRI(ontology.RDFType), Object: quad.IRI(ontology.Schema + "WebPage"), Label: g})
		if title != "" {
			all = append(all, quad.Quad{Subject: pg, Predicate: quad.IRI(ontology.Schema + "name"), Object: quad.String(title), Label: g})
		}
	}
	err = s.Update(ctx, func(b *kb.Batch) error {
		if err := b.ClearGraph(string(g)); err != nil {
			return err
		}
		return b.AddQuads(all)
	})
	if err != nil {
		return rep, err
	}
	rep.Statements = len(all)
	return rep, nil
}

// sitemap returns the page URLs of a sitemap (sitemaps.org 0.9), following a sitemap index
// down depth more levels.
func sitemap(ctx context.Context, f *Fetcher, raw string, depth int) ([]string, error) {
	body, _, err := f.Get(ctx, raw)
	if err != nil {
		return nil, err
	}
	var doc struct {
		XMLName xml.Name
		URLs    []struct {
			Loc string `xml:"loc"`
		} `xml:"url"`
		Maps []struct {
			Loc string `xml:"loc"`
		} `xml:"sitemap"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, &Error{URL: raw, Msg: "la mappa del sito non è XML valido: " + err.Error(), Err: err}
	}
	switch doc.XMLName.Local {
	case "urlset":
		var out []string
		for _, u := range doc.URLs {
			if l := strings.TrimSpace(u.Loc); l != "" {
				out = append(out, l)
			}
		}
		return out, nil
	case "sitemapindex":
		if depth <= 0 {
			return nil, &Error{URL: raw, Msg: "indice di mappe annidato troppo in profondità"}
		}
		var out []string
		for _, m := range doc.Maps {
			pages, err := sitemap(ctx, f, strings.TrimSpace(m.Loc), depth-1)
			if err != nil {
				return nil, err
			}
			out = append(out, pages...)
		}
		return out, nil
	}
	return nil, &Error{URL: raw, Msg: fmt.Sprintf("non è una mappa del sito (elemento radice <%s>, attesi <urlset> o <sitemapindex>)", doc.XMLName.Local)}
}

// pageData fetches a page and reads its structured data — JSON-LD blocks, microdata and RDFa
// Lite (microdata.go) — relative IRIs resolved against the page; blank nodes get the prefix bn
// so that two pages never share one.
func pageData(ctx context.Context, f *Fetcher, page, bn string) ([]quad.Quad, string, int, error) {
	body, _, err := f.Get(ctx, page)
	if err != nil {
		return nil, "", 0, err
	}
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, "", 0, &Error{URL: page, Msg: "la pagina non si può leggere come HTML", Err: err}
	}
	var blocks []string
	var title string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script":
				for _, a := range n.Attr {
					if a.Key == "type" && strings.EqualFold(strings.TrimSpace(strings.Split(a.Val, ";")[0]), "application/ld+json") && n.FirstChild != nil {
						blocks = append(blocks, n.FirstChild.Data)
					}
				}
			case "title":
				if title == "" && n.FirstChild != nil {
					title = strings.TrimSpace(n.FirstChild.Data)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	var out []quad.Quad
	base, _ := url.Parse(page)
	md, skipMD, err := microdata(doc, base, bn+"md_")
	if err != nil {
		return nil, "", 0, &Error{URL: page, Msg: err.Error(), Err: err}
	}
	ra, skipRDFa, err := rdfa(doc, base, bn+"rdfa_")
	if err != nil {
		return nil, "", 0, &Error{URL: page, Msg: err.Error(), Err: err}
	}
	out = append(append(out, md...), ra...)
	for i, b := range blocks {
		r, err := rdf.NewReader(strings.NewReader(b), rdf.JSONLD, rdf.ReaderOptions{Base: page, File: page})
		if err != nil {
			return nil, "", 0, &Error{URL: page, Msg: err.Error(), Err: err}
		}
		for {
			q, err := r.ReadQuad()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, "", 0, &Error{URL: page, Msg: fmt.Sprintf("il blocco JSON-LD n. %d non è valido: %v", i+1, err), Err: err}
			}
			q.Subject, q.Object = relabel(q.Subject, bn, i), relabel(q.Object, bn, i)
			q.Label = nil
			out = append(out, q)
		}
	}
	return out, title, skipMD + skipRDFa, nil
}

func relabel(v quad.Value, prefix string, block int) quad.Value {
	if b, ok := v.(quad.BNode); ok {
		return quad.BNode(fmt.Sprintf("%s%d_%s", prefix, block, string(b)))
	}
	return v
}

// Schedule harvests every source now and then every Every, until ctx ends: the background job
// app starts. Each harvest's report goes to report (problems included), failures too; a
// failure does not stop the schedule.
type Schedule struct {
	Store   *kb.Store
	Fetcher *Fetcher
	Sources []Source
	Every   time.Duration // 0: 24 h
	Report  func(Report, error)
}

// Run is the job.
func (sc *Schedule) Run(ctx context.Context) error {
	every := sc.Every
	if every <= 0 {
		every = 24 * time.Hour
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for _, src := range sc.Sources {
			rep, err := Harvest(ctx, sc.Store, sc.Fetcher, src)
			if ctx.Err() != nil {
				return nil
			}
			if sc.Report != nil {
				sc.Report(rep, err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
