package editorial

// The classification tree kept in the browser (KB-1): publishers and administrators create
// concepts, rename them in Italian and English, move them, add synonyms (alternative labels)
// and hidden labels, map them to the embedded national vocabularies (skos:exactMatch,
// skos:closeMatch) and retire them. Every change goes through kb's typed writes
// (kb.Store.SaveConcept, RetireConcept) and is recorded in the history with who and when.

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/web/webkit"
)

// treeEditors keep the classification ted.
var treeEditors = []role.Role{role.Publisher, role.Administrator}

func (h *Handlers) treeRoutes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/redazione/albero", treeEditors, h.treePage),
		webkit.POST("/redazione/albero", treeEditors, h.treeCreateForm),
		webkit.GET("/redazione/albero/:id", treeEditors, h.conceptEditPage),
		webkit.POST("/redazione/albero/:id", treeEditors, h.conceptSaveForm),
		webkit.POST("/redazione/albero/:id/ritira", treeEditors, h.conceptRetireForm),
	}
}

type treeData struct {
	webkit.FormBase
	Concepts []webkit.ConceptChoice // for the parent picker: each concept once
	Outline  []webkit.ConceptChoice // the tree shown: a concept under each of its parents
	Notice   string
}

func (h *Handlers) treePage(c echo.Context) error {
	ctx := c.Request().Context()
	cs, err := webkit.ConceptChoices(ctx, h.store, nil)
	if err != nil {
		return webkit.Internal(err)
	}
	outline, err := webkit.ConceptOutline(ctx, h.store)
	if err != nil {
		return webkit.Internal(err)
	}
	d := treeData{FormBase: webkit.FormOf(c), Concepts: cs, Outline: outline}
	if name := c.QueryParam("ritirata"); name != "" {
		d.Notice = i18n.T("ted.retired", name)
	}
	return h.pages.Render(c, "tree_edit", webkit.PageData{Title: i18n.T("ted.title"), Nav: "workspace", Data: d})
}

// findConcept is the concept named in the path by the last segment of its IRI.
func (h *Handlers) findConcept(c echo.Context) (*kb.Concept, error) {
	id := c.Param("id")
	cs, err := h.store.Concepts(c.Request().Context())
	if err != nil {
		return nil, webkit.Internal(err)
	}
	for i := range cs {
		if webkit.LocalID(cs[i].IRI) == id {
			return &cs[i], nil
		}
	}
	return nil, webkit.NotFound("ted.notFound")
}

type mappingChoice struct {
	IRI, Label                  string
	Exact, Close, Narrow, Broad bool
}

// mappingGroup is one national vocabulary's concepts, for an <optgroup>.
type mappingGroup struct {
	Scheme   string
	Concepts []mappingChoice
}

type conceptEditData struct {
	webkit.FormBase
	Concept  kb.Concept
	ID       string
	Parents  []webkit.ConceptChoice
	Also     []webkit.ConceptChoice // further parents (several skos:broader)
	AltIt    string
	HiddenIt string
	Mappings []mappingGroup
	History  []kb.ConceptChange
	Notice   string
}

func (h *Handlers) conceptEditPage(c echo.Context) error {
	con, err := h.findConcept(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	all, err := webkit.ConceptChoices(ctx, h.store, []string{con.Broader})
	if err != nil {
		return webkit.Internal(err)
	}
	// A concept cannot move under itself or its descendants: they are left out of the choice.
	below, err := h.store.Narrower(ctx, con.IRI, true)
	if err != nil {
		return webkit.Internal(err)
	}
	d := conceptEditData{FormBase: webkit.FormOf(c), Concept: *con, ID: webkit.LocalID(con.IRI),
		AltIt: strings.Join(con.AltLabels["it"], "\n"), HiddenIt: strings.Join(con.HiddenLabels["it"], "\n")}
	for _, x := range all {
		if x.IRI != con.IRI && !slices.Contains(below, x.IRI) {
			d.Parents = append(d.Parents, x)
			x.Checked = slices.Contains(con.AlsoBroader, x.IRI)
			d.Also = append(d.Also, x)
		}
	}
	vocab, err := h.store.VocabularyConcepts(ctx)
	if err != nil {
		return webkit.Internal(err)
	}
	groups := map[string]int{}
	for _, v := range vocab {
		scheme := schemeName(v.IRI)
		i, ok := groups[scheme]
		if !ok {
			i = len(d.Mappings)
			groups[scheme] = i
			d.Mappings = append(d.Mappings, mappingGroup{Scheme: scheme})
		}
		d.Mappings[i].Concepts = append(d.Mappings[i].Concepts, mappingChoice{IRI: v.IRI, Label: v.Label("it"),
			Exact: slices.Contains(con.ExactMatch, v.IRI), Close: slices.Contains(con.CloseMatch, v.IRI),
			Narrow: slices.Contains(con.NarrowMatch, v.IRI), Broad: slices.Contains(con.BroadMatch, v.IRI)})
	}
	if d.History, err = h.store.ConceptHistory(ctx, con.IRI); err != nil {
		return webkit.Internal(err)
	}
	if c.QueryParam("salvata") != "" {
		d.Notice = i18n.T("ted.saved")
	}
	return h.pages.Render(c, "concept_edit", webkit.PageData{Title: i18n.T("ted.editTitle", con.Label("it")), Nav: "workspace", Data: d})
}

// schemeName names the national vocabulary a mapping target belongs to.
func schemeName(iri string) string {
	switch {
	case strings.Contains(iri, "life-event") || strings.Contains(iri, "LifeEvent"):
		return i18n.T("ted.scheme.life")
	case strings.Contains(iri, "business-event") || strings.Contains(iri, "BusinessEvent"):
		return i18n.T("ted.scheme.business")
	}
	return i18n.T("ted.scheme.subjects")
}

// readConcept fills c from the form: labels, parent, synonyms and mappings. Languages other than
// Italian and English, and their synonyms, are kept as they were.
func (h *Handlers) readConceptForm(c echo.Context, con *kb.Concept) error {
	form, err := c.FormParams()
	if err != nil {
		return webkit.BadRequest("bad_form", i18n.T("err.badForm"))
	}
	if con.PrefLabel == nil {
		con.PrefLabel = map[string]string{}
	}
	it, en := strings.TrimSpace(c.FormValue("labelIt")), strings.TrimSpace(c.FormValue("labelEn"))
	if it == "" {
		return webkit.BadRequest("label_required", i18n.T("ted.labelRequired"))
	}
	con.PrefLabel["it"] = it
	if en != "" {
		con.PrefLabel["en"] = en
	} else {
		delete(con.PrefLabel, "en")
	}
	con.Broader = strings.TrimSpace(c.FormValue("parent"))
	if _, sent := form["alsoSent"]; sent {
		con.AlsoBroader = nil
		for _, p := range form["also"] {
			if p = strings.TrimSpace(p); p != "" && p != con.Broader {
				con.AlsoBroader = append(con.AlsoBroader, p)
			}
		}
	}
	if _, sent := form["altIt"]; sent {
		if con.AltLabels == nil {
			con.AltLabels = map[string][]string{}
		}
		con.AltLabels["it"] = splitList(c.FormValue("altIt"), "\n")
	}
	if _, sent := form["hiddenIt"]; sent {
		if con.HiddenLabels == nil {
			con.HiddenLabels = map[string][]string{}
		}
		con.HiddenLabels["it"] = splitList(c.FormValue("hiddenIt"), "\n")
	}
	// Mappings: only concepts of the national vocabularies, each target under one relation
	// (the first of exact, close, narrow, broad that names it).
	vocab, err := h.store.VocabularyConcepts(c.Request().Context())
	if err != nil {
		return webkit.Internal(err)
	}
	known := make(map[string]bool, len(vocab))
	for _, v := range vocab {
		known[v.IRI] = true
	}
	taken := map[string]bool{}
	for _, rel := range []struct {
		field string
		to    *[]string
	}{{"exact", &con.ExactMatch}, {"close", &con.CloseMatch}, {"narrow", &con.NarrowMatch}, {"broad", &con.BroadMatch}} {
		// A multiple select with nothing chosen sends nothing: the editor's form says it sent
		// the four lists; a form without that mark (the new-concept form) keeps narrow and broad.
		if _, all := form["mappingsSent"]; !all && rel.field != "exact" && rel.field != "close" {
			continue
		}
		*rel.to = nil
		for _, iri := range form[rel.field] {
			if !known[iri] {
				return webkit.BadRequest("bad_mapping", i18n.T("ted.badMapping", iri))
			}
			if !taken[iri] {
				taken[iri] = true
				*rel.to = append(*rel.to, iri)
			}
		}
	}
	return nil
}

func conceptError(err error) error {
	var ve *kb.ValidationError
	switch {
	case errors.As(err, &ve) && ve.Field == "broader":
		return webkit.BadRequest("bad_parent", i18n.T("ted.badParent"))
	case errors.As(err, &ve) && ve.Field == "narrower":
		return &webkit.HTTPError{Status: http.StatusConflict, Code: "has_children", Msg: i18n.T("ted.hasChildren")}
	case errors.As(err, &ve) && ve.Field == "pills":
		return &webkit.HTTPError{Status: http.StatusConflict, Code: "has_pills", Msg: i18n.T("ted.hasPills")}
	case errors.As(err, &ve):
		return webkit.BadRequest("invalid_concept", i18n.T("ted.invalid", ve.Error()))
	case errors.Is(err, kb.ErrNotFound):
		return webkit.NotFound("ted.notFound")
	}
	return webkit.Internal(err)
}

func (h *Handlers) treeCreateForm(c echo.Context) error {
	con := kb.Concept{}
	if err := h.readConceptForm(c, &con); err != nil {
		return err
	}
	if err := h.store.SaveConcept(c.Request().Context(), &con, webkit.UserOf(c), time.Now()); err != nil {
		return conceptError(err)
	}
	return c.Redirect(http.StatusSeeOther, "/redazione/albero/"+url.PathEscape(webkit.LocalID(con.IRI))+"?salvata=1")
}

func (h *Handlers) conceptSaveForm(c echo.Context) error {
	con, err := h.findConcept(c)
	if err != nil {
		return err
	}
	if err := h.readConceptForm(c, con); err != nil {
		return err
	}
	if err := h.store.SaveConcept(c.Request().Context(), con, webkit.UserOf(c), time.Now()); err != nil {
		return conceptError(err)
	}
	return c.Redirect(http.StatusSeeOther, "/redazione/albero/"+url.PathEscape(webkit.LocalID(con.IRI))+"?salvata=1")
}

func (h *Handlers) conceptRetireForm(c echo.Context) error {
	con, err := h.findConcept(c)
	if err != nil {
		return err
	}
	if err := h.store.RetireConcept(c.Request().Context(), con.IRI, webkit.UserOf(c), time.Now()); err != nil {
		return conceptError(err)
	}
	return c.Redirect(http.StatusSeeOther, "/redazione/albero?ritirata="+url.QueryEscape(con.Label("it")))
}
