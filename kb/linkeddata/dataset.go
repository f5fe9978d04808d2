package linkeddata

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cayleygraph/quad"

	"sportello/kb"
	"sportello/kb/rdf"
	"sportello/kb/sparql"
	"sportello/ontology"
)

// Config describes the dataset for the open-data catalogues (DCAT-AP_IT, VoID). Everything but
// BaseURL has a default, so an unconfigured server still publishes a valid description; the
// Administration sets its own name, IPA code and licence.
type Config struct {
	// BaseURL is the server's public URL ("https://sportello.regione.example.it"): the SPARQL
	// endpoint and the dumps are under it. Empty: the URL the request came to.
	BaseURL     string
	Title       string // dct:title (Italian)
	Description string // dct:description (Italian)
	// Publisher is the Administration that publishes the data (dct:publisher, and
	// dct:rightsHolder unless RightsHolder is set).
	Publisher    Agent
	RightsHolder Agent
	// License is the IRI of the licence of the data (dct:license); LicenseName its name.
	License, LicenseName string
	// Themes are codes of the EU data-theme vocabulary (dcat:theme): GOVE, SOCI…
	Themes []string
	// ContactEmail is the dataset's contact point (dcat:contactPoint); empty: none.
	ContactEmail string
	// Identifier is dct:identifier; empty: the publisher's IPA code and ":sportello".
	Identifier string
}

// Agent is an organisation of the description.
type Agent struct {
	Name string // foaf:name
	ID   string // the IPA code (dct:identifier), as DCAT-AP_IT asks of Italian administrations
	IRI  string // empty: minted under the base URL from the IPA code
}

func (c Config) withDefaults() Config {
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.Title == "" {
		c.Title = "Base di conoscenza del contact center"
	}
	if c.Description == "" {
		c.Description = "Schede informative approvate, classificazione per eventi della vita, uffici e recapiti dell'Amministrazione, pubblicati come Linked Open Data (RDF, SKOS, vCard)."
	}
	if c.Publisher.Name == "" {
		c.Publisher.Name = "Amministrazione titolare di Sportello"
	}
	if c.Publisher.ID == "" {
		c.Publisher.ID = "sportello"
	}
	if c.RightsHolder.Name == "" {
		c.RightsHolder = c.Publisher
	}
	if c.License == "" {
		c.License, c.LicenseName = "https://creativecommons.org/licenses/by/4.0/", "Creative Commons Attribuzione 4.0 Internazionale (CC BY 4.0)"
	}
	if c.LicenseName == "" {
		c.LicenseName = c.License
	}
	if len(c.Themes) == 0 {
		c.Themes = []string{"GOVE", "SOCI"}
	}
	if c.Identifier == "" {
		c.Identifier = c.Publisher.ID + ":sportello"
	}
	return c
}

// Vocabularies of the description that the ontology package does not need.
const (
	VoID     = "http://rdfs.org/ns/void#"
	DCATAPIT = "http://dati.gov.it/onto/dcatapit#"
	FOAF     = "http://xmlns.com/foaf/0.1/"
	VCardNS  = "http://www.w3.org/2006/vcard/ns#"
	// EU authority tables that DCAT-AP_IT requires for themes, formats, languages, frequency.
	euTheme     = "http://publications.europa.eu/resource/authority/data-theme/"
	euFileType  = "http://publications.europa.eu/resource/authority/file-type/"
	euLanguage  = "http://publications.europa.eu/resource/authority/language/"
	euFrequency = "http://publications.europa.eu/resource/authority/frequency/"
)

// Prefixes are the prefixes of the description's Turtle.
func Prefixes() map[string]string {
	m := map[string]string{"void": VoID, "dcatapit": DCATAPIT, "foaf": FOAF}
	for k, v := range ontology.Prefixes {
		m[k] = v
	}
	return m
}

// Dump is one download of the dataset: an export URL of the server.
type Dump struct {
	Path, MediaType, FileType, Title string
}

// Dumps are the whole-dataset exports the description lists (web/knowledge serves them).
var Dumps = []Dump{
	{"/export/turtle", "text/turtle", "RDF_TURTLE", "Turtle"},
	{"/export/ntriples", "application/n-triples", "RDF_N_TRIPLES", "N-Triples"},
	{"/export/rdfxml", "application/rdf+xml", "RDF_XML", "RDF/XML"},
	{"/export/jsonld", "application/ld+json", "JSON_LD", "JSON-LD"},
	{"/export/trig", "application/trig", "RDF_TRIG", "TriG"},
}

// Dataset returns the VoID and DCAT-AP_IT description of the dataset as the public sees it:
// a dcat:Catalog holding one dcat:Dataset (also a void:Dataset, with its SPARQL endpoint, dumps,
// URI space, triple counts and one void:subset per readable graph), its distributions (one per
// dump), publisher, rights holder, licence and contact point.
//
// base is the URL the request came to, used when the configuration has no BaseURL.
func (sv *Service) Dataset(ctx context.Context, base string) ([]quad.Quad, error) {
	st, err := sv.stats.get(ctx, sv)
	if err != nil {
		return nil, err
	}
	c := sv.cfg
	if c.BaseURL == "" {
		c.BaseURL = strings.TrimRight(base, "/")
	}
	for _, a := range []*Agent{&c.Publisher, &c.RightsHolder} {
		if a.IRI == "" {
			a.IRI = c.BaseURL + "/dataset#" + kb.Slug(a.ID)
		}
	}
	ds := quad.IRI(c.BaseURL + "/dataset")
	var out []quad.Quad
	add := func(s quad.Value, p string, o quad.Value) {
		out = append(out, quad.Quad{Subject: s, Predicate: quad.IRI(p), Object: o})
	}
	it := func(s string) quad.Value { return quad.LangString{Value: quad.String(s), Lang: "it"} }
	typed := func(s, dt string) quad.Value { return quad.TypedString{Value: quad.String(s), Type: quad.IRI(dt)} }
	typ := ontology.RDFType

	catalog := quad.IRI(c.BaseURL + "/dataset#catalogo")
	add(catalog, typ, quad.IRI(ontology.DCAT+"Catalog"))
	add(catalog, typ, quad.IRI(DCATAPIT+"Catalog"))
	add(catalog, ontology.DCTTitle, it("Catalogo dei dati di "+c.Publisher.Name))
	add(catalog, ontology.DCT+"description", it("Dati aperti pubblicati dal contact center."))
	add(catalog, ontology.DCT+"publisher", quad.IRI(c.Publisher.IRI))
	add(catalog, ontology.DCTModified, typed(st.modified.Format("2006-01-02"), ontology.XSD+"date"))
	add(catalog, ontology.DCAT+"dataset", ds)
	add(catalog, FOAF+"homepage", quad.IRI(c.BaseURL+"/"))

	add(ds, typ, quad.IRI(ontology.DCAT+"Dataset"))
	add(ds, typ, quad.IRI(DCATAPIT+"Dataset"))
	add(ds, typ, quad.IRI(VoID+"Dataset"))
	add(ds, ontology.DCTTitle, it(c.Title))
	add(ds, ontology.DCT+"description", it(c.Description))
	add(ds, ontology.DCTIdentifier, quad.String(c.Identifier))
	add(ds, ontology.DCT+"publisher", quad.IRI(c.Publisher.IRI))
	add(ds, ontology.DCT+"rightsHolder", quad.IRI(c.RightsHolder.IRI))
	add(ds, ontology.DCT+"license", quad.IRI(c.License))
	add(ds, ontology.DCTModified, typed(st.modified.Format("2006-01-02"), ontology.XSD+"date"))
	add(ds, ontology.DCT+"language", quad.IRI(euLanguage+"ITA"))
	add(ds, ontology.DCT+"accrualPeriodicity", quad.IRI(euFrequency+"IRREG"))
	for _, t := range c.Themes {
		add(ds, ontology.DCAT+"theme", quad.IRI(euTheme+strings.ToUpper(t)))
	}
	add(ds, ontology.DCAT+"landingPage", quad.IRI(c.BaseURL+"/"))
	add(ds, ontology.DCAT+"keyword", it("contact center"))
	add(ds, ontology.DCAT+"keyword", it("schede informative"))
	add(ds, ontology.DCAT+"keyword", it("eventi della vita"))
	add(ds, VoID+"sparqlEndpoint", quad.IRI(c.BaseURL+"/sparql"))
	add(ds, VoID+"uriSpace", quad.String(kb.Base))
	add(ds, VoID+"triples", typed(strconv.FormatInt(st.total, 10), ontology.XSD+"integer"))
	for _, v := range []string{ontology.SKOS, ontology.VCard, ontology.ORG, ontology.DCT, ontology.Schema, ontology.NS} {
		add(ds, VoID+"vocabulary", quad.IRI(v))
	}
	for i, g := range st.graphs {
		sub := quad.IRI(fmt.Sprintf("%s/dataset#grafo-%d", c.BaseURL, i+1))
		add(ds, VoID+"subset", sub)
		add(sub, typ, quad.IRI(VoID+"Dataset"))
		add(sub, ontology.DCTTitle, quad.String(g.iri))
		add(sub, VoID+"triples", typed(strconv.FormatInt(g.n, 10), ontology.XSD+"integer"))
		add(sub, VoID+"sparqlEndpoint", quad.IRI(c.BaseURL+"/sparql"))
	}
	for _, d := range Dumps {
		dist := quad.IRI(c.BaseURL + "/dataset#" + strings.ToLower(d.FileType))
		add(ds, VoID+"dataDump", quad.IRI(c.BaseURL+d.Path))
		add(ds, ontology.DCAT+"distribution", dist)
		add(dist, typ, quad.IRI(ontology.DCAT+"Distribution"))
		add(dist, typ, quad.IRI(DCATAPIT+"Distribution"))
		add(dist, ontology.DCTTitle, it("Esportazione completa in "+d.Title))
		add(dist, ontology.DCT+"description", it("Tutti i dati pubblici della base di conoscenza in "+d.Title+"."))
		add(dist, ontology.DCT+"format", quad.IRI(euFileType+d.FileType))
		add(dist, ontology.DCAT+"mediaType", quad.String(d.MediaType))
		add(dist, ontology.DCAT+"accessURL", quad.IRI(c.BaseURL+d.Path))
		add(dist, ontology.DCAT+"downloadURL", quad.IRI(c.BaseURL+d.Path))
		add(dist, ontology.DCT+"license", quad.IRI(c.License))
		add(dist, ontology.DCTModified, typed(st.modified.Format("2006-01-02"), ontology.XSD+"date"))
	}
	lic := quad.IRI(c.License)
	add(lic, typ, quad.IRI(ontology.DCT+"LicenseDocument"))
	add(lic, typ, quad.IRI(DCATAPIT+"LicenseDocument"))
	add(lic, FOAF+"name", quad.String(c.LicenseName))
	for _, a := range []Agent{c.Publisher, c.RightsHolder} {
		ag := quad.IRI(a.IRI)
		add(ag, typ, quad.IRI(FOAF+"Agent"))
		add(ag, typ, quad.IRI(DCATAPIT+"Agent"))
		add(ag, FOAF+"name", it(a.Name))
		add(ag, ontology.DCTIdentifier, quad.String(a.ID))
	}
	if c.ContactEmail != "" {
		cp := quad.IRI(c.BaseURL + "/dataset#contatto")
		add(ds, ontology.DCAT+"contactPoint", cp)
		add(cp, typ, quad.IRI(DCATAPIT+"Organization"))
		add(cp, typ, quad.IRI(VCardNS+"Organization"))
		add(cp, VCardNS+"fn", quad.String(c.Publisher.Name))
		add(cp, VCardNS+"hasEmail", quad.IRI("mailto:"+c.ContactEmail))
	}
	return dedupe(out), nil
}

// dedupe drops repeated statements (the publisher is also the rights holder by default).
func dedupe(qs []quad.Quad) []quad.Quad {
	seen := map[quad.Quad]bool{}
	out := qs[:0]
	for _, q := range qs {
		if !seen[q] {
			seen[q] = true
			out = append(out, q)
		}
	}
	return out
}

// WriteDataset writes the description in format f (Turtle, JSON-LD, N-Triples, RDF/XML).
func (sv *Service) WriteDataset(ctx context.Context, w io.Writer, f rdf.Format, base string) error {
	qs, err := sv.Dataset(ctx, base)
	if err != nil {
		return err
	}
	return WriteQuads(w, f, qs)
}

// WriteQuads writes triples in format f with the description's prefixes.
func WriteQuads(w io.Writer, f rdf.Format, qs []quad.Quad) error {
	qw, err := rdf.NewWriter(w, f, rdf.WriterOptions{Prefixes: Prefixes()})
	if err != nil {
		return err
	}
	if _, err := qw.WriteQuads(qs); err != nil {
		qw.Close()
		return err
	}
	return qw.Close()
}

// statsCache keeps the triple counts of the description until the store changes: counting is
// a walk of every quad, too slow to repeat on every request at a million triples.
type statsCache struct {
	mu    sync.Mutex
	valid bool
	st    datasetStats
}

type datasetStats struct {
	total    int64
	graphs   []graphCount
	modified time.Time
}

type graphCount struct {
	iri string
	n   int64
}

func newStatsCache(s *kb.Store) *statsCache {
	c := &statsCache{}
	s.OnChange(func(context.Context, kb.Change) {
		c.mu.Lock()
		c.valid = false
		c.mu.Unlock()
	})
	return c
}

// statsTimeout bounds the counting walk (it is cached, so it is paid once per change).
const statsTimeout = 2 * time.Minute

func (c *statsCache) get(ctx context.Context, sv *Service) (datasetStats, error) {
	c.mu.Lock()
	defer c.mu.Unlock() // one count at a time: concurrent requests wait for the first
	if c.valid {
		return c.st, nil
	}
	vis, err := sv.gate.visibility(ctx, kb.Anonymous)
	if err != nil {
		return datasetStats{}, err
	}
	opt := sparql.Options{Timeout: statsTimeout, Visibility: vis}
	res, err := sv.engine.Query(ctx, `SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g`, opt)
	if err != nil {
		return datasetStats{}, err
	}
	st := datasetStats{modified: time.Now().UTC()}
	for _, row := range res.Rows {
		n, _ := strconv.ParseInt(row[1].Value, 10, 64)
		st.graphs = append(st.graphs, graphCount{row[0].Value, n})
	}
	sort.Slice(st.graphs, func(i, j int) bool { return st.graphs[i].iri < st.graphs[j].iri })
	res, err = sv.engine.Query(ctx, `SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }`, opt)
	if err != nil {
		return datasetStats{}, err
	}
	if len(res.Rows) == 1 {
		st.total, _ = strconv.ParseInt(res.Rows[0][0].Value, 10, 64)
	}
	// The last modification of a public pill dates the dataset; without one, today.
	res, err = sv.engine.Query(ctx, `SELECT (MAX(?m) AS ?last) WHERE { ?p a <`+ontology.KnowledgePill+`> ; <`+ontology.DCTModified+`> ?m }`, opt)
	if err == nil && len(res.Rows) == 1 {
		if t, err := time.Parse(time.RFC3339, res.Rows[0][0].Value); err == nil {
			st.modified = t
		} else if t, err := time.Parse("2006-01-02", res.Rows[0][0].Value); err == nil {
			st.modified = t
		}
	}
	c.st, c.valid = st, true
	return st, nil
}
