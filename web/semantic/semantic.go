// Package semantic is the web side of the knowledge graph's standard protocols (REQUIREMENTS
// KB-6, KB-7, KB-11): the SPARQL 1.1 Protocol endpoint /sparql, the Linked Data resolution of
// the minted IRIs under /id/ with content negotiation, and the VoID and DCAT-AP_IT description
// of the dataset at /.well-known/void and /dataset. The rules — who sees what, the limits, the
// description — are kb/linkeddata's; the engine is kb/sparql. Handlers here read the protocol's
// parameters, pick the format from Accept, call one service method and write the answer.
package semantic

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"sportello/harvest"
	"sportello/i18n"
	"sportello/kb"
	"sportello/kb/linkeddata"
	"sportello/kb/rdf"
	"sportello/kb/sparql"
	"sportello/web/webkit"
)

// Handlers serve the semantic-web routes. A nil service answers 404 (not configured).
type Handlers struct {
	svc    *linkeddata.Service
	store  *kb.Store
	remote *harvest.Fetcher
	log    *slog.Logger
	pages  *webkit.Pages
}

// New returns the handlers over the service.
func New(site *webkit.Site, svc *linkeddata.Service, log *slog.Logger) *Handlers {
	if log == nil {
		log = slog.Default()
	}
	return &Handlers{svc: svc, log: log, pages: site.Pages(templates, nil)}
}

// Routes lists the routes with their roles: the endpoint, Linked Data and the dataset
// description are public (what the public may read is decided per caller by the visibility
// rule); the query page is for staff.
func (h *Handlers) Routes() []webkit.Route {
	return append(append(h.remoteRoutes(), h.graphStoreRoutes()...),
		webkit.GET("/sparql", webkit.Everyone, h.query),
		webkit.POST("/sparql", webkit.Everyone, h.query),
		webkit.GET("/id/*", webkit.Everyone, h.resource),
		webkit.GET("/dataset", webkit.Everyone, h.dataset),
		webkit.GET("/.well-known/void", webkit.Everyone, h.dataset),
	)
}

// maxQueryBytes is the largest request body (the engine refuses longer queries too).
const maxQueryBytes = 1 << 20

// protocolRequest is a query as the SPARQL 1.1 Protocol carries it.
type protocolRequest struct {
	query          string
	defaults, name []string
	entailment     string
	format         string
}

// readRequest reads the three forms of the protocol: GET with ?query=, POST of a form
// (application/x-www-form-urlencoded) and POST of the query itself (application/sparql-query,
// the graphs in the URL).
func readRequest(c echo.Context) (protocolRequest, error) {
	r := c.Request()
	urlq := r.URL.Query()
	var params url.Values
	var pr protocolRequest
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		params = urlq
	case http.MethodPost:
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		body, err := io.ReadAll(io.LimitReader(r.Body, maxQueryBytes+1))
		if err != nil {
			return pr, webkit.BadRequest("bad_body", i18n.T("sparql.err.body"))
		}
		if len(body) > maxQueryBytes {
			return pr, &webkit.HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Msg: i18n.T("sparql.err.tooLarge", maxQueryBytes>>20)}
		}
		switch mt {
		case "application/sparql-query":
			params = urlq
			if params.Has("query") {
				return pr, webkit.BadRequest("bad_request", i18n.T("sparql.err.queryTwice"))
			}
			params = cloneValues(urlq)
			params.Set("query", string(body))
		case "application/x-www-form-urlencoded":
			form, err := url.ParseQuery(string(body))
			if err != nil {
				return pr, webkit.BadRequest("bad_body", i18n.T("sparql.err.body"))
			}
			params = form
			for k, vs := range urlq { // the protocol allows the graphs in the URL too
				if k != "query" {
					params[k] = append(params[k], vs...)
				}
			}
		case "application/sparql-update":
			return pr, webkit.BadRequest("update_unsupported", i18n.T("sparql.err.update"))
		default:
			return pr, &webkit.HTTPError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Msg: i18n.T("sparql.err.contentType", mt)}
		}
	}
	if params.Has("update") {
		return pr, webkit.BadRequest("update_unsupported", i18n.T("sparql.err.update"))
	}
	switch qs := params["query"]; len(qs) {
	case 0:
		return pr, webkit.BadRequest("missing_query", i18n.T("sparql.err.noQuery"))
	case 1:
		pr.query = qs[0]
	default:
		return pr, webkit.BadRequest("bad_request", i18n.T("sparql.err.queryTwice"))
	}
	if strings.TrimSpace(pr.query) == "" {
		return pr, webkit.BadRequest("missing_query", i18n.T("sparql.err.noQuery"))
	}
	pr.defaults, pr.name = params["default-graph-uri"], params["named-graph-uri"]
	pr.entailment = params.Get("entailment")
	pr.format = params.Get("format")
	return pr, nil
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// Media types a client may ask for, by result kind, the server's preference first; several
// names map to one format (clients such as SPARQLWrapper ask for application/json, or for
// application/rdf+xml for a CONSTRUCT).
var (
	tableTypes = []string{"application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values", "application/json", "application/xml", "text/xml"}
	tableOf    = map[string]sparql.Format{
		"application/sparql-results+json": sparql.JSON, "application/json": sparql.JSON,
		"application/sparql-results+xml": sparql.XML, "application/xml": sparql.XML, "text/xml": sparql.XML,
		"text/csv": sparql.CSV, "text/tab-separated-values": sparql.TSV,
	}
	graphTypes = []string{"text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml", "application/x-turtle", "text/plain", "application/json", "application/xml", "text/xml"}
	graphOf    = map[string]rdf.Format{
		"text/turtle": rdf.Turtle, "application/x-turtle": rdf.Turtle,
		"application/n-triples": rdf.NTriples, "text/plain": rdf.NTriples,
		"application/ld+json": rdf.JSONLD, "application/json": rdf.JSONLD,
		"application/rdf+xml": rdf.RDFXML, "application/xml": rdf.RDFXML, "text/xml": rdf.RDFXML,
	}
	// formatNames are the values of the format parameter, for clients that cannot set Accept.
	formatNames = map[string]string{
		"json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv", "tsv": "text/tab-separated-values",
		"turtle": "text/turtle", "ttl": "text/turtle", "ntriples": "application/n-triples", "nt": "application/n-triples",
		"jsonld": "application/ld+json", "json-ld": "application/ld+json", "rdfxml": "application/rdf+xml",
	}
)

// query serves /sparql (SPARQL 1.1 Protocol, query operation). Errors are Italian plain text
// with the protocol's statuses: 400 for a query that does not parse (with line and column) or
// asks more than the limits, 503 when the time limit passes, 406 when Accept refuses every
// format of the result. A GET without a query from a browser shows the query page.
func (h *Handlers) query(c echo.Context) error {
	if h.svc == nil {
		return webkit.NotFound("err.notFound")
	}
	r := c.Request()
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && !r.URL.Query().Has("query") &&
		negotiate(r.Header.Get("Accept"), []string{"application/sparql-results+json", "text/html"}) == "text/html" {
		return h.queryPage(c)
	}
	pr, err := readRequest(c)
	if err != nil {
		return plainError(c, err)
	}
	ent := sparql.EntailNone
	if pr.entailment != "" {
		if ent, err = sparql.ParseEntailment(pr.entailment); err != nil {
			return plainError(c, webkit.BadRequest("bad_entailment", i18n.T("sparql.err.entailment", pr.entailment, strings.Join(sparql.Entailments, ", "))))
		}
	}
	accept := r.Header.Get("Accept")
	if pr.format != "" {
		mt, ok := formatNames[strings.ToLower(pr.format)]
		if !ok {
			return plainError(c, webkit.BadRequest("bad_format", i18n.T("sparql.err.format", pr.format)))
		}
		accept = mt
	}
	res, err := h.svc.Query(r.Context(), linkeddata.Request{
		Query: pr.query, Viewer: webkit.Viewer(c), Entailment: ent,
		DefaultGraphs: pr.defaults, NamedGraphs: pr.name,
	})
	if err != nil {
		return plainError(c, h.queryErr(c, err))
	}
	var buf bytes.Buffer
	var ctype string
	hdr := c.Response().Header()
	hdr.Set("Vary", "Accept")
	hdr.Set("Cache-Control", "private, no-store") // what a caller sees depends on who calls
	if res.Form == sparql.Construct || res.Form == sparql.Describe {
		mt := negotiate(accept, graphTypes)
		if mt == "" {
			return plainError(c, notAcceptable("text/turtle, application/n-triples, application/ld+json, application/rdf+xml"))
		}
		f := graphOf[mt]
		if err := linkeddata.WriteQuads(&buf, f, res.Triples); err != nil {
			return plainError(c, webkit.Internal(err))
		}
		ctype = f.MediaType()
	} else {
		mt := negotiate(accept, tableTypes)
		if mt == "" {
			return plainError(c, notAcceptable("application/sparql-results+json, application/sparql-results+xml, text/csv, text/tab-separated-values"))
		}
		f := tableOf[mt]
		if err := res.Write(&buf, f); err != nil {
			return plainError(c, webkit.Internal(err))
		}
		ctype = f.MediaType()
	}
	return c.Blob(http.StatusOK, ctype, buf.Bytes())
}

func notAcceptable(offers string) error {
	return &webkit.HTTPError{Status: http.StatusNotAcceptable, Code: "not_acceptable", Msg: i18n.T("sparql.err.accept", offers)}
}

// queryErr maps the engine's errors to the protocol's statuses, with the engine's Italian
// message (which names line and column of a syntax error).
func (h *Handlers) queryErr(c echo.Context, err error) error {
	var qe *sparql.Error
	if !errors.As(err, &qe) {
		return webkit.Internal(err)
	}
	he := &webkit.HTTPError{Status: http.StatusBadRequest, Msg: qe.Italian(), Err: err}
	switch qe.Kind {
	case sparql.ErrSyntax:
		he.Code = "syntax_error"
	case sparql.ErrUnsupported:
		he.Code = "unsupported"
	case sparql.ErrTooManyRows, sparql.ErrTooBig:
		he.Code = "too_many_results"
	case sparql.ErrTimeout:
		he.Status, he.Code = http.StatusServiceUnavailable, "timeout"
		c.Response().Header().Set("Retry-After", "60")
	default:
		if c.Request().Context().Err() != nil {
			return he // the client went away
		}
		return webkit.Internal(err)
	}
	return he
}

// plainError writes an error of the endpoint as Italian plain text — the protocol leaves the
// body free, and SPARQL clients show text to their users — or JSON for clients that ask for
// JSON results.
func plainError(c echo.Context, err error) error {
	he := webkit.As(err)
	if he.Status >= 500 && he.Code == "internal" {
		return err // logged by the server's error handler
	}
	c.Response().Header().Set("Vary", "Accept")
	if c.Request().Method == http.MethodHead {
		return c.NoContent(he.Status)
	}
	if strings.Contains(c.Request().Header.Get("Accept"), "json") {
		return c.JSON(he.Status, map[string]string{"error": he.Msg, "code": he.Code})
	}
	return c.Blob(he.Status, "text/plain; charset=utf-8", []byte(he.Msg+"\n"))
}

// ldTypes are the representations of a minted IRI, HTML first (browsers).
var ldTypes = []string{"text/html", "application/xhtml+xml", "text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples", "application/x-turtle", "text/plain", "application/json", "application/xml"}

// resource serves /id/… — the minted IRIs https://w3id.org/sportello/id/… land here through the
// w3id redirect. A browser (text/html) is sent with 303 See Other to the page of the resource;
// an RDF client gets the description in the syntax it asks for. What the caller may not see is
// not found.
func (h *Handlers) resource(c echo.Context) error {
	if h.svc == nil {
		return webkit.NotFound("err.notFound")
	}
	r := c.Request()
	rest := strings.TrimPrefix(r.URL.EscapedPath(), "/id/")
	if rest == "" || strings.Contains(rest, "..") {
		return webkit.NotFound("ld.err.notFound")
	}
	iri := kb.Base + rest
	c.Response().Header().Set("Vary", "Accept")
	mt := negotiate(r.Header.Get("Accept"), ldTypes)
	if mt == "" {
		return notAcceptable("text/html, text/turtle, application/ld+json, application/rdf+xml, application/n-triples")
	}
	triples, err := h.svc.Describe(r.Context(), iri, webkit.Viewer(c))
	switch {
	case errors.Is(err, linkeddata.ErrNotFound):
		return webkit.NotFound("ld.err.notFound")
	case err != nil:
		return h.queryErr(c, err)
	}
	if mt == "text/html" || mt == "application/xhtml+xml" {
		if page := pageOf(rest); page != "" {
			return c.Redirect(http.StatusSeeOther, page)
		}
		mt = "text/turtle" // no page for this kind of resource: its description
	}
	f := graphOf[mt]
	if mt == "application/x-turtle" {
		f = rdf.Turtle
	}
	var buf bytes.Buffer
	if err := linkeddata.WriteQuads(&buf, f, triples); err != nil {
		return webkit.Internal(err)
	}
	c.Response().Header().Set("Link", "<"+iri+">; rel=\"canonical\"")
	return c.Blob(http.StatusOK, f.MediaType(), buf.Bytes())
}

// pageOf is the page of a minted resource (path after /id/, still escaped); "" when it has
// none.
func pageOf(rest string) string {
	kind, id, _ := strings.Cut(rest, "/")
	if id == "" || strings.Contains(id, "/") {
		return ""
	}
	switch kind {
	case "pill":
		return "/schede/" + id
	case "concept":
		return "/concetti/" + id
	case "unit":
		return "/rubrica/uffici/" + id
	case "person":
		return "/rubrica?q=" + url.QueryEscape(strings.ReplaceAll(unescape(id), "-", " "))
	case "scheme":
		return "/albero"
	}
	return ""
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// describeTypes are the syntaxes of the dataset description, Turtle first.
var describeTypes = []string{"text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples", "application/json", "text/plain", "application/xml", "text/html"}

// dataset serves the VoID and DCAT-AP_IT description at /dataset and /.well-known/void (the
// VoID well-known URI, RFC 5785). A browser gets the Turtle too: the description has no page.
func (h *Handlers) dataset(c echo.Context) error {
	if h.svc == nil {
		return webkit.NotFound("err.notFound")
	}
	c.Response().Header().Set("Vary", "Accept")
	mt := negotiate(c.Request().Header.Get("Accept"), describeTypes)
	if mt == "" {
		return notAcceptable("text/turtle, application/ld+json, application/rdf+xml, application/n-triples")
	}
	f, ok := graphOf[mt]
	if !ok {
		f = rdf.Turtle
	}
	var buf bytes.Buffer
	ctx, cancel := context.WithCancel(c.Request().Context())
	defer cancel()
	if err := h.svc.WriteDataset(ctx, &buf, f, c.Scheme()+"://"+c.Request().Host); err != nil {
		return webkit.Internal(err)
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, f.MediaType(), buf.Bytes())
}

//go:embed templates/*.html
var templates embed.FS

// example is the query the page starts with: the pills of a life event, through the
// classification tree (run it with SKOS reasoning to follow the mappings).
const example = `PREFIX sp: <https://w3id.org/sportello/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?scheda ?titolo ?voce WHERE {
  ?scheda a sp:KnowledgePill ; dct:title ?titolo ; dct:subject ?c .
  ?c skos:prefLabel ?voce .
  FILTER(LANG(?voce) = "it")
}
ORDER BY ?titolo
LIMIT 20`

type queryPageData struct {
	Example       string
	Seconds, Rows int
}

// queryPage is the form that sends a query to the endpoint (GET /sparql from a browser).
func (h *Handlers) queryPage(c echo.Context) error {
	lim := h.svc.Limits()
	return h.pages.Render(c, "query", webkit.PageData{Title: i18n.T("sparql.page.title"),
		Data: queryPageData{Example: example, Seconds: int(lim.Timeout.Seconds()), Rows: lim.MaxRows}})
}
