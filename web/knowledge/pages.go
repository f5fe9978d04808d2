// Package knowledge is the web side of the knowledge base (KB-1, KB-3, KB-5, KB-11, KB-13): the
// home page, the classification tree, concept and pill pages, the directory of offices and
// people, the search pages and API, the downloads in every RDF syntax and vCard, and the read
// API of the knowledge base under /api/. The knowledge graph is package kb, the index kb/search.
package knowledge

import (
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/textfold"
	"sportello/kb"
	"sportello/kb/rdf"
	"sportello/kb/search"
	"sportello/ontology"
	"sportello/web/webkit"
)

func (h *Handlers) home(c echo.Context) error {
	st, err := h.stats(c)
	if err != nil {
		return err
	}
	return h.pages.Render(c, "home", webkit.PageData{Title: i18n.T("home.title"), Nav: "home", Data: st})
}

func (h *Handlers) treePage(c echo.Context) error {
	top, _, err := h.conceptTree(c.Request().Context(), webkit.Viewer(c))
	if err != nil {
		return webkit.Internal(err)
	}
	return h.pages.Render(c, "tree", webkit.PageData{Title: i18n.T("tree.title"), Nav: "tree", Data: top})
}

type conceptPageData struct {
	Node       *conceptNode
	Breadcrumb []*conceptNode
	Pills      []kb.Pill
	AltLabels  []string
}

func (h *Handlers) conceptPage(c echo.Context) error {
	// A concept merged into another keeps its address: it leads to the survivor.
	if into, ok := h.store.ReplacedBy(c.Request().Context(), c.Param("id")); ok {
		return c.Redirect(http.StatusMovedPermanently, webkit.ConceptHref(into))
	}
	d, err := h.conceptData(c)
	if err != nil {
		return err
	}
	return h.pages.Render(c, "concept", webkit.PageData{Title: d.Node.Label, Nav: "tree", Data: d})
}

// conceptData gathers a concept, its path from the top and its pills, including those of
// narrower concepts (KB-6: retrieval by hierarchical navigation).
func (h *Handlers) conceptData(c echo.Context) (*conceptPageData, error) {
	ctx := c.Request().Context()
	con, err := h.findConcept(ctx, c.Param("id"))
	if err != nil {
		return nil, webkit.StoreErr(err, "err.conceptNotFound")
	}
	_, byIRI, err := h.conceptTree(ctx, webkit.Viewer(c))
	if err != nil {
		return nil, webkit.Internal(err)
	}
	n := byIRI[con.IRI]
	if n == nil {
		return nil, webkit.NotFound("err.conceptNotFound")
	}
	pills, err := h.store.Pills(ctx, webkit.PillFilter(c, kb.PillFilter{Concept: con.IRI}))
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
	// Phrasings are the citizens' words the search learned for the pill, for the roles that
	// curate it (nil for the others); webkit.FormBase carries the CSRF token of their forms.
	Phrasings []search.Phrasing
	Curate    bool
	webkit.FormBase
	OK, Bad string // flash of the last removal
}

func (h *Handlers) pillPage(c echo.Context) error {
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
	if h.learner != nil && curates(webkit.RoleOf(c)) {
		d.Curate, d.FormBase = true, webkit.FormOf(c)
		if d.Phrasings, err = h.learner.List(ctx, p.IRI); err != nil {
			return webkit.Internal(err)
		}
		d.OK, d.Bad = webkit.Flash(c, "pill.phrasings.")
	}
	pd := webkit.PageData{Title: p.Title, Nav: "tree", Data: d}
	pd.Canonical = h.site.Canonical(webkit.PillHref(*p))
	return h.pages.Render(c, "pill", pd)
}

// conceptPath is c with its broader concepts, top first. A broken link ends the path early
// rather than failing the page.
func (h *Handlers) conceptPath(ec echo.Context, c kb.Concept) []kb.Concept {
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
func (h *Handlers) optUnit(c echo.Context, iri string) (*kb.Unit, error) {
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

func (h *Handlers) directoryPage(c echo.Context) error {
	d, err := h.directoryData(c)
	if err != nil {
		return err
	}
	return h.pages.Render(c, "directory", webkit.PageData{Title: i18n.T("dir.title"), Nav: "directory", Data: d})
}

// directoryData filters the phone directory (KB-13, TEL-8): q matches name, role, extension,
// phone, e-mail or office, accents and case aside; office narrows to one unit and its sub-units.
func (h *Handlers) directoryData(c echo.Context) (*directoryData, error) {
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

func (h *Handlers) unitPage(c echo.Context) error {
	d, err := h.unitData(c)
	if err != nil {
		return err
	}
	return h.pages.Render(c, "unit", webkit.PageData{Title: d.Unit.Name, Nav: "directory", Data: d})
}

func (h *Handlers) unitData(c echo.Context) (*unitPageData, error) {
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
	if d.Pills, err = h.store.Pills(ctx, webkit.PillFilter(c, kb.PillFilter{Office: u.IRI})); err != nil {
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

func (h *Handlers) exportPage(c echo.Context) error {
	d := exportPageData{Formats: rdf.Formats}
	for _, g := range exportGraphs {
		if g.Name == "history" && !webkit.Viewer(c).Drafts {
			continue
		}
		d.Graphs = append(d.Graphs, g)
	}
	return h.pages.Render(c, "export", webkit.PageData{Title: i18n.T("export.title"), Nav: "export", Data: d})
}

// Routes are the knowledge base's pages, downloads, search and read API.
func (h *Handlers) Routes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/", webkit.Everyone, h.home),
		webkit.GET("/albero", webkit.Everyone, h.treePage),
		webkit.GET("/concetti/:id", webkit.Everyone, h.conceptPage),
		webkit.GET("/schede/:code", webkit.Everyone, h.pillPage),
		webkit.POST("/schede/:code/frasi/:id/rimuovi", curators, h.phrasingRemove),
		webkit.GET("/rubrica", webkit.Everyone, h.directoryPage),
		webkit.GET("/rubrica/uffici/:id", webkit.Everyone, h.unitPage),
		webkit.GET("/esporta", webkit.Everyone, h.exportPage),
		webkit.GET("/export/:format", webkit.Everyone, h.export),
		webkit.GET("/api/concepts", webkit.Everyone, h.apiConcepts),
		webkit.GET("/api/concepts/:id", webkit.Everyone, h.apiConcept),
		webkit.GET("/api/pills", webkit.Everyone, h.apiPills),
		webkit.GET("/api/pills/:code", webkit.Everyone, h.apiPill),
		webkit.GET("/api/units", webkit.Everyone, h.apiUnits),
		webkit.GET("/api/units/:id", webkit.Everyone, h.apiUnit),
		webkit.GET("/api/people", webkit.Everyone, h.apiPeople),
		webkit.GET("/api/stats", webkit.Everyone, h.apiStats),
		webkit.GET("/api/whoami", webkit.Everyone, h.apiWhoami),
		webkit.GET("/cerca", webkit.Everyone, h.searchPage),
		webkit.GET("/cerca/schede/:code", webkit.Everyone, h.searchPane),
		webkit.GET("/api/search", webkit.Everyone, h.apiSearch),
	}
}

// WithLearner gives the pill page the phrasings the search learned from contacts, for the
// roles that curate them.
func (h *Handlers) WithLearner(l *search.Learner) *Handlers {
	h.learner = l
	return h
}

// Handlers serve the knowledge pages; without a search index the search pages answer 404.
type Handlers struct {
	store   *kb.Store
	search  *search.Index
	learner *search.Learner // the phrasings learned from contacts; nil: none shown
	exports *webkit.Gate    // the RDF exports running at once
	site    *webkit.Site
	pages   *webkit.Pages
	log     *slog.Logger
}

//go:embed templates/*.html
var templates embed.FS

//go:embed static
var static embed.FS

// Static is this package's assets (search.js), under static/.
func Static() fs.FS { return static }

// New returns the handlers of the knowledge pages; maxExports bounds the RDF exports running
// at once (0: DefaultMaxExports).
func New(site *webkit.Site, store *kb.Store, x *search.Index, maxExports int, log *slog.Logger) *Handlers {
	if maxExports <= 0 {
		maxExports = DefaultMaxExports
	}
	return &Handlers{store: store, search: x, exports: webkit.NewGate(maxExports, ExportRetry, "export.busy"),
		site: site, pages: site.Pages(templates, funcs), log: log}
}
