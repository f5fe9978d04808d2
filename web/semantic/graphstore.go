package semantic

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"sportello/audit"
	"sportello/i18n"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/kb/linkeddata"
	"sportello/kb/rdf"
	"sportello/web/webkit"
)

// GraphStorePath is the SPARQL 1.1 Graph Store HTTP Protocol's service (indirect graph
// identification: ?graph=IRI).
const GraphStorePath = "/rdf-graphs/service"

// graphStoreRoutes: reading and writing whole graphs is for administrators (GET answers HEAD
// too). The body limit of PUT and POST is linkeddata.MaxGraphBytes (package web's limits).
func (h *Handlers) graphStoreRoutes() []webkit.Route {
	admins := []role.Role{role.Administrator}
	return []webkit.Route{
		webkit.GET(GraphStorePath, admins, h.graphGet),
		webkit.PUT(GraphStorePath, admins, h.graphPut),
		webkit.POST(GraphStorePath, admins, h.graphPost),
		webkit.DELETE(GraphStorePath, admins, h.graphDelete),
	}
}

// bodyTypes are the syntaxes a PUT or POST may send: the triple syntaxes (the document is one
// graph); text/plain is N-Triples' old name.
var bodyTypes = map[string]rdf.Format{
	"text/turtle": rdf.Turtle, "application/x-turtle": rdf.Turtle,
	"application/n-triples": rdf.NTriples, "text/plain": rdf.NTriples,
	"application/rdf+xml": rdf.RDFXML,
	"application/ld+json": rdf.JSONLD,
}

// graphOfRequest reads ?graph=IRI. The default graph (?default) is refused: Sportello's
// default graph is the union of its named graphs for queries, not a graph of its own to
// write; kb's content graph is named like every other.
func graphOfRequest(c echo.Context) (string, error) {
	q := c.Request().URL.Query()
	gs := q["graph"]
	switch {
	case q.Has("default"):
		return "", webkit.BadRequest("default_graph", i18n.T("gsp.err.default"))
	case len(gs) == 0 || strings.TrimSpace(gs[0]) == "":
		return "", webkit.BadRequest("missing_graph", i18n.T("gsp.err.noGraph"))
	case len(gs) > 1:
		return "", webkit.BadRequest("bad_request", i18n.T("gsp.err.graphTwice"))
	}
	g := gs[0]
	if linkeddata.CheckGraphIRI(g) != nil {
		return "", webkit.BadRequest("bad_graph", i18n.T("gsp.err.iri", g))
	}
	return g, nil
}

// graphGet serves GET (and HEAD): the graph in the syntax Accept asks for, 404 when it holds
// nothing.
func (h *Handlers) graphGet(c echo.Context) error {
	if h.svc == nil {
		return webkit.NotFound("err.notFound")
	}
	g, err := graphOfRequest(c)
	if err != nil {
		return plainError(c, err)
	}
	r := c.Request()
	c.Response().Header().Set("Vary", "Accept")
	mt := negotiate(r.Header.Get("Accept"), graphTypes)
	if mt == "" {
		return plainError(c, notAcceptable("text/turtle, application/n-triples, application/ld+json, application/rdf+xml"))
	}
	ok, err := h.svc.GraphExists(r.Context(), g)
	if err != nil {
		return webkit.Internal(err)
	}
	if !ok {
		return plainError(c, &webkit.HTTPError{Status: http.StatusNotFound, Code: "not_found", Msg: i18n.T("gsp.err.notFound", g)})
	}
	f := graphOf[mt]
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentType, f.MediaType())
	hdr.Set("Cache-Control", "private, no-store")
	if r.Method == http.MethodHead {
		return c.NoContent(http.StatusOK)
	}
	c.Response().WriteHeader(http.StatusOK)
	// The graph streams: a failure half-way can only cut the document, and is logged.
	if err := h.svc.WriteGraph(r.Context(), c.Response(), f, g); err != nil && r.Context().Err() == nil {
		h.log.Error("graph store: read cut short", "graph", g, "err", err)
	}
	return nil
}

// graphPut serves PUT: the graph replaced by the document (201 when it held nothing, 204
// otherwise).
func (h *Handlers) graphPut(c echo.Context) error { return h.graphWrite(c, true) }

// graphPost serves POST: the document added to the graph (201 when it held nothing, 204
// otherwise); into the content graph, the RDF import (200 with what it did to the pills).
func (h *Handlers) graphPost(c echo.Context) error { return h.graphWrite(c, false) }

func (h *Handlers) graphWrite(c echo.Context, replace bool) error {
	if h.svc == nil {
		return webkit.NotFound("err.notFound")
	}
	g, err := graphOfRequest(c)
	if err != nil {
		return plainError(c, err)
	}
	r := c.Request()
	ct := r.Header.Get(echo.HeaderContentType)
	mt, _, _ := mime.ParseMediaType(ct)
	f, ok := bodyTypes[mt]
	if !ok {
		return plainError(c, &webkit.HTTPError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Msg: i18n.T("gsp.err.contentType", ct)})
	}
	actor := "web:" + webkit.UserOf(c)
	var res linkeddata.GraphWrite
	if replace {
		res, err = h.svc.ReplaceGraph(r.Context(), g, r.Body, f, actor)
	} else {
		res, err = h.svc.AddToGraph(r.Context(), g, r.Body, f, actor)
	}
	if err != nil {
		return plainError(c, h.graphErr(g, f, err))
	}
	detail := i18n.T("gsp.audit.add", res.Statements)
	if replace {
		detail = i18n.T("gsp.audit.replace", res.Statements)
	}
	if n := len(res.Pills); n > 0 {
		detail += "; " + i18n.N("gsp.audit.pills", n)
		if k := res.Conflicts(); k > 0 {
			detail += "; " + i18n.N("gsp.audit.conflicts", k)
		}
	}
	webkit.Audit(c, audit.ImportRun, i18n.T("gsp.audit.graph", g), detail)
	if len(res.Pills) > 0 {
		out := map[string]any{"graph": g, "statements": res.Statements, "pills": res.Pills}
		return c.JSON(http.StatusOK, out)
	}
	if res.Created {
		c.Response().Header().Set(echo.HeaderLocation, GraphStorePath+"?graph="+url.QueryEscape(g))
		return c.NoContent(http.StatusCreated)
	}
	return c.NoContent(http.StatusNoContent)
}

// graphDelete serves DELETE: the graph dropped (204), 404 when it held nothing.
func (h *Handlers) graphDelete(c echo.Context) error {
	if h.svc == nil {
		return webkit.NotFound("err.notFound")
	}
	g, err := graphOfRequest(c)
	if err != nil {
		return plainError(c, err)
	}
	if err := h.svc.DropGraph(c.Request().Context(), g); err != nil {
		return plainError(c, h.graphErr(g, "", err))
	}
	webkit.Audit(c, audit.Delete, i18n.T("gsp.audit.graph", g), i18n.T("gsp.audit.drop"))
	return c.NoContent(http.StatusNoContent)
}

// graphErr maps the service's errors to the protocol's statuses with an Italian message: 400
// for a document that does not parse (line and column), 403 for kb's own graphs, 404 for a
// graph that holds nothing, 422 for a pill the import cannot take.
func (h *Handlers) graphErr(g string, f rdf.Format, err error) error {
	var pe *rdf.ParseError
	var ue *kb.UnwritableError
	var mbe *http.MaxBytesError
	var npe *linkeddata.NotAPillError
	switch {
	case errors.As(err, &mbe):
		return webkit.TooLarge(mbe.Limit) // the server's body limit turns this into its 413
	case errors.Is(err, linkeddata.ErrTooLarge):
		return webkit.TooLarge(linkeddata.MaxGraphBytes)
	case errors.As(err, &npe):
		return &webkit.HTTPError{Status: http.StatusUnprocessableEntity, Code: "not_a_pill", Msg: npe.Error() + ".", Err: err}
	case errors.Is(err, linkeddata.ErrNoGraph):
		return &webkit.HTTPError{Status: http.StatusNotFound, Code: "not_found", Msg: i18n.T("gsp.err.notFound", g)}
	case errors.Is(err, linkeddata.ErrReservedGraph), errors.Is(err, kb.ErrOwnGraph):
		return webkit.Forbidden("reserved_graph", i18n.T("gsp.err.reserved", g))
	case errors.Is(err, linkeddata.ErrGraphIRI):
		return webkit.BadRequest("bad_graph", i18n.T("gsp.err.iri", g))
	case errors.As(err, &pe):
		if pe.Line > 0 {
			return &webkit.HTTPError{Status: http.StatusBadRequest, Code: "syntax_error", Msg: i18n.T("gsp.err.syntaxAt", formatName(f), pe.Line, pe.Col, pe.Msg), Err: err}
		}
		return &webkit.HTTPError{Status: http.StatusBadRequest, Code: "syntax_error", Msg: i18n.T("gsp.err.syntax", formatName(f), pe.Msg), Err: err}
	case errors.As(err, &ue):
		return &webkit.HTTPError{Status: http.StatusBadRequest, Code: "syntax_error", Msg: i18n.T("gsp.err.syntax", formatName(f), ue.Error()), Err: err}
	}
	if strings.HasPrefix(err.Error(), "kb: import") {
		// The import's refusals of a pill are Italian already (a property Sportello does not
		// manage, a history that does not match).
		return &webkit.HTTPError{Status: http.StatusUnprocessableEntity, Code: "import_refused", Msg: strings.TrimPrefix(err.Error(), "kb: "), Err: err}
	}
	return webkit.Internal(err)
}

// formatName is the syntax's name for messages.
func formatName(f rdf.Format) string {
	switch f {
	case rdf.Turtle:
		return "Turtle"
	case rdf.NTriples:
		return "N-Triples"
	case rdf.RDFXML:
		return "RDF/XML"
	case rdf.JSONLD:
		return "JSON-LD"
	}
	return fmt.Sprint(f)
}
