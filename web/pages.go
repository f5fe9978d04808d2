package web

import (
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/textfold"
	"sportello/kb"
	"sportello/kb/rdf"
	"sportello/ontology"
	webcc "sportello/web/contactcenter"
	"sportello/web/imports"
	"sportello/web/tickets"
	"sportello/web/webkit"
)

func (h *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// staticFiles serves the embedded assets: webkit's and each part's, under /static/.
var staticFiles = webkit.StaticHandler(webkit.Static(), staticFS, imports.Static(), webcc.Static(), tickets.Static())

func (h *Server) static(c echo.Context) error {
	// Assets are embedded and change only with the binary; an hour keeps pages quick without
	// pinning old CSS after an upgrade.
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return staticFiles(c)
}

func (h *Server) home(c echo.Context) error {
	st, err := h.store.Stats(c.Request().Context())
	if err != nil {
		return webkit.Internal(err)
	}
	if !webkit.RoleOf(c).SeesDrafts() {
		// The count on the public home page is of what the public can read.
		ps, err := h.store.Pills(c.Request().Context(), kb.PillFilter{Status: webkit.Visible(webkit.RoleOf(c))})
		if err != nil {
			return webkit.Internal(err)
		}
		st.Pills = len(ps)
	}
	return h.render(c, "home", webkit.PageData{Title: i18n.T("home.title"), Nav: "home", Data: st})
}

func (h *Server) treePage(c echo.Context) error {
	top, _, err := h.conceptTree(c.Request().Context(), webkit.RoleOf(c))
	if err != nil {
		return webkit.Internal(err)
	}
	return h.render(c, "tree", webkit.PageData{Title: i18n.T("tree.title"), Nav: "tree", Data: top})
}

type conceptPageData struct {
	Node       *conceptNode
	Breadcrumb []*conceptNode
	Pills      []kb.Pill
	AltLabels  []string
}

func (h *Server) conceptPage(c echo.Context) error {
	d, err := h.conceptData(c)
	if err != nil {
		return err
	}
	return h.render(c, "concept", webkit.PageData{Title: d.Node.Label, Nav: "tree", Data: d})
}

// conceptData gathers a concept, its path from the top and its pills, including those of
// narrower concepts (KB-6: retrieval by hierarchical navigation).
func (h *Server) conceptData(c echo.Context) (*conceptPageData, error) {
	ctx := c.Request().Context()
	con, err := h.findConcept(ctx, c.Param("id"))
	if err != nil {
		return nil, webkit.StoreErr(err, "err.conceptNotFound")
	}
	_, byIRI, err := h.conceptTree(ctx, webkit.RoleOf(c))
	if err != nil {
		return nil, webkit.Internal(err)
	}
	n := byIRI[con.IRI]
	if n == nil {
		return nil, webkit.NotFound("err.conceptNotFound")
	}
	pills, err := h.store.Pills(ctx, kb.PillFilter{Concept: con.IRI, Status: webkit.Visible(webkit.RoleOf(c))})
	if err != nil {
		return nil, webkit.Internal(err)
	}
	return &conceptPageData{Node: n, Breadcrumb: breadcrumb(n, byIRI), Pills: pills, AltLabels: con.AltLabels["it"]}, nil
}

type pillPageData struct {
	Pill       *kb.Pill
	Answer     template.HTML
	Office     *kb.Unit
	Department *kb.Unit
	Concepts   []kb.Concept
	Path       []kb.Concept // from the top concept down to the first concept of the pill
	JSONLD     template.JS
}

func (h *Server) pillPage(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := webkit.FindPill(ctx, h.store, c.Param("code"), webkit.RoleOf(c))
	if err != nil {
		return webkit.StoreErr(err, "err.pillNotFound")
	}
	d := &pillPageData{Pill: p, Answer: webkit.Sanitize(p.Answer)}
	if d.Office, err = h.optUnit(c, p.Office); err != nil {
		return err
	}
	if d.Department, err = h.optUnit(c, p.Department); err != nil {
		return err
	}
	for _, iri := range p.Concepts {
		con, err := h.store.Concept(ctx, iri)
		if errors.Is(err, kb.ErrNotFound) {
			con = &kb.Concept{IRI: iri} // a dangling subject still shows as its IRI
		} else if err != nil {
			return webkit.Internal(err)
		}
		d.Concepts = append(d.Concepts, *con)
	}
	if len(d.Concepts) > 0 {
		d.Path = h.conceptPath(c, d.Concepts[0])
	}
	ld, err := kb.PillJSONLD(p, d.Office, d.Concepts)
	if err != nil {
		return webkit.Internal(err)
	}
	d.JSONLD = template.JS(ld) // encoding/json escaped <, > and &: safe inside <script>
	pd := webkit.PageData{Title: p.Title, Nav: "tree", Data: d}
	if h.cfg.BaseURL != "" {
		pd.Canonical = strings.TrimSuffix(h.cfg.BaseURL, "/") + webkit.PillHref(*p)
	}
	return h.render(c, "pill", pd)
}

// conceptPath is c with its broader concepts, top first. A broken link ends the path early
// rather than failing the page.
func (h *Server) conceptPath(ec echo.Context, c kb.Concept) []kb.Concept {
	path := []kb.Concept{c}
	seen := map[string]bool{c.IRI: true}
	for b := c.Broader; b != "" && !seen[b] && len(path) < 20; {
		seen[b] = true
		con, err := h.store.Concept(ec.Request().Context(), b)
		if err != nil {
			break
		}
		path = append(path, *con)
		b = con.Broader
	}
	slices.Reverse(path)
	return path
}

// optUnit loads a unit the pill links to; a link to a unit that is gone shows nothing.
func (h *Server) optUnit(c echo.Context, iri string) (*kb.Unit, error) {
	if iri == "" {
		return nil, nil
	}
	u, err := h.store.Unit(c.Request().Context(), iri)
	if errors.Is(err, kb.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, webkit.Internal(err)
	}
	return u, nil
}

type directoryData struct {
	Q        string
	Office   string // selected unit id
	Units    []kb.Unit
	Tree     []*unitNode
	Searched bool
	People   []personRow
	Offices  []kb.Unit
}

type personRow struct {
	kb.Person
	UnitName string
	UnitID   string
}

func (h *Server) directoryPage(c echo.Context) error {
	d, err := h.directoryData(c)
	if err != nil {
		return err
	}
	return h.render(c, "directory", webkit.PageData{Title: i18n.T("dir.title"), Nav: "directory", Data: d})
}

// directoryData filters the phone directory (KB-13, TEL-8): q matches name, role, extension,
// phone, e-mail or office, accents and case aside; office narrows to one unit and its sub-units.
func (h *Server) directoryData(c echo.Context) (*directoryData, error) {
	ctx := c.Request().Context()
	units, err := h.store.Units(ctx)
	if err != nil {
		return nil, webkit.Internal(err)
	}
	people, err := h.store.People(ctx)
	if err != nil {
		return nil, webkit.Internal(err)
	}
	d := &directoryData{Q: strings.TrimSpace(c.QueryParam("q")), Office: c.QueryParam("ufficio")}
	if d.Office == "" {
		d.Office = c.QueryParam("office") // the API's English name
	}
	tree, byIRI := unitTree(units, people)
	d.Tree = tree
	d.Units = sortedUnits(units)
	d.Searched = d.Q != "" || d.Office != ""
	within := map[string]bool{} // units under the selected office
	if d.Office != "" {
		for iri, n := range byIRI {
			if n.ID == d.Office || iri == d.Office {
				markUnits(n, within)
			}
		}
	}
	q := textfold.Fold(d.Q)
	for _, p := range people {
		if d.Office != "" && !within[p.Unit] {
			continue
		}
		var un, uid string
		if n := byIRI[p.Unit]; n != nil {
			un, uid = n.Name, n.ID
		}
		if q == "" || p.Matches(q, un) {
			d.People = append(d.People, personRow{Person: p, UnitName: un, UnitID: uid})
		}
	}
	for _, u := range d.Units {
		if d.Office != "" && !within[u.IRI] {
			continue
		}
		if q == "" || u.Matches(q) {
			d.Offices = append(d.Offices, u)
		}
	}
	slices.SortStableFunc(d.People, func(a, b personRow) int { return comparePeople(a.Person, b.Person) })
	return d, nil
}

func markUnits(n *unitNode, set map[string]bool) {
	if set[n.IRI] {
		return
	}
	set[n.IRI] = true
	for _, ch := range n.Children {
		markUnits(ch, set)
	}
}

type unitPageData struct {
	Unit     *kb.Unit
	Path     []kb.Unit
	Children []*unitNode
	People   []kb.Person
	Pills    []kb.Pill
}

func (h *Server) unitPage(c echo.Context) error {
	d, err := h.unitData(c)
	if err != nil {
		return err
	}
	return h.render(c, "unit", webkit.PageData{Title: d.Unit.Name, Nav: "directory", Data: d})
}

func (h *Server) unitData(c echo.Context) (*unitPageData, error) {
	ctx := c.Request().Context()
	u, err := h.findUnit(ctx, c.Param("id"))
	if err != nil {
		return nil, webkit.StoreErr(err, "err.unitNotFound")
	}
	units, err := h.store.Units(ctx)
	if err != nil {
		return nil, webkit.Internal(err)
	}
	people, err := h.store.People(ctx)
	if err != nil {
		return nil, webkit.Internal(err)
	}
	_, byIRI := unitTree(units, people)
	n := byIRI[u.IRI]
	d := &unitPageData{Unit: u}
	if n != nil {
		d.Children, d.People = n.Children, n.People
		seen := map[string]bool{u.IRI: true}
		for p := byIRI[n.Parent]; p != nil && !seen[p.IRI]; p = byIRI[p.Parent] {
			seen[p.IRI] = true
			d.Path = append([]kb.Unit{p.Unit}, d.Path...)
		}
	}
	if d.Pills, err = h.store.Pills(ctx, kb.PillFilter{Office: u.IRI, Status: webkit.Visible(webkit.RoleOf(c))}); err != nil {
		return nil, webkit.Internal(err)
	}
	return d, nil
}

// exportGraph is a named graph offered for download.
type exportGraph struct {
	Name string // short name used in ?graph=
	IRI  string
}

var exportGraphs = []exportGraph{
	{"taxonomy", ontology.GraphTaxonomy},
	{"content", ontology.GraphContent},
	{"directory", ontology.GraphDirectory},
	{"ontology", ontology.GraphOntology},
	{"vocabularies", ontology.GraphVocabulary},
	{"history", ontology.GraphHistory},
}

type exportPageData struct {
	Formats []rdf.Format
	Graphs  []exportGraph
}

func (h *Server) exportPage(c echo.Context) error {
	d := exportPageData{Formats: rdf.Formats}
	for _, g := range exportGraphs {
		if g.Name == "history" && !webkit.RoleOf(c).SeesDrafts() {
			continue
		}
		d.Graphs = append(d.Graphs, g)
	}
	return h.render(c, "export", webkit.PageData{Title: i18n.T("export.title"), Nav: "export", Data: d})
}
