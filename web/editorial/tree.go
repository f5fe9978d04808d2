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
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/web/webkit"
)

// treeEditors keep the classification tree.
var treeEditors = []role.Role{role.Publisher, role.Administrator}

func (h *Handlers) treeRoutes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/redazione/albero", treeEditors, h.treePage),
		webkit.POST("/redazione/albero", treeEditors, h.treeCreateForm),
		webkit.GET("/redazione/albero/:id", treeEditors, h.conceptEditPage),
		webkit.POST("/redazione/albero/:id", treeEditors, h.conceptSaveForm),
		webkit.POST("/redazione/albero/:id/ritira", treeEditors, h.conceptRetireForm),
		webkit.POST("/redazione/albero/:id/unisci", treeEditors, h.conceptMergeForm),
		webkit.GET("/redazione/riordino", treeEditors, h.foldPage),
		webkit.POST("/redazione/riordino", treeEditors, h.foldForm),
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
	if into, ok := h.store.ReplacedBy(c.Request().Context(), c.Param("id")); ok {
		return c.Redirect(http.StatusSeeOther, "/redazione/albero/"+url.PathEscape(webkit.LocalID(into)))
	}
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
	if name := c.QueryParam("unita"); name != "" {
		d.Notice = i18n.T("ted.merged", name)
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
	case errors.As(err, &ve) && slices.Contains([]string{"merge", "move", "concept", "match", "steps", "action"}, ve.Field):
		// The tree plans' own refusals are Italian sentences naming the concepts.
		return webkit.BadRequest("bad_plan", i18n.T("ted.badPlan", ve.Msg))
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

// conceptMergeForm merges the concept into the one chosen (kb.Store.MergeConcepts): its
// narrower concepts, pills, labels and mappings go there, its address leads there.
func (h *Handlers) conceptMergeForm(c echo.Context) error {
	con, err := h.findConcept(c)
	if err != nil {
		return err
	}
	into := strings.TrimSpace(c.FormValue("into"))
	if into == "" {
		return webkit.BadRequest("merge_target_required", i18n.T("ted.mergeRequired"))
	}
	if err := h.store.MergeConcepts(c.Request().Context(), con.IRI, into, webkit.UserOf(c), time.Now()); err != nil {
		return conceptError(err)
	}
	return c.Redirect(http.StatusSeeOther, "/redazione/albero/"+url.PathEscape(webkit.LocalID(into))+"?unita="+url.QueryEscape(con.Label("it")))
}

// The wizard that folds imported legacy categories into the life-event tree (KB-1): the top
// concepts that are not life-event branches, each with a proposal (kb.Store.FoldPlan) the
// publisher confirms or changes — move under, merge into, map to a national concept, or leave —
// and applies in one submit, one transaction (kb.Store.ApplyTreePlan).

type foldRow struct {
	N        int
	Concept  kb.Concept
	ID       string
	Pills    int
	Action   string // proposed: move, merge or ""
	Target   string
	Why      string
	Proposal string // the proposal in words
}

type foldData struct {
	webkit.FormBase
	Branches []kb.Concept
	Rows     []foldRow
	Targets  []webkit.ConceptChoice // concepts of the life-event branches
	National []mappingGroup
	Notice   string
}

func (h *Handlers) foldPage(c echo.Context) error {
	ctx := c.Request().Context()
	branches, props, err := h.store.FoldPlan(ctx)
	if err != nil {
		return webkit.Internal(err)
	}
	d := foldData{FormBase: webkit.FormOf(c), Branches: branches}
	isBranch := map[string]bool{}
	for _, b := range branches {
		isBranch[b.IRI] = true
	}
	choices, err := webkit.ConceptChoices(ctx, h.store, nil)
	if err != nil {
		return webkit.Internal(err)
	}
	root := ""
	for _, x := range choices {
		if x.Depth == 0 {
			root = x.IRI
		}
		if isBranch[root] {
			d.Targets = append(d.Targets, x)
		}
	}
	labels := map[string]string{}
	for _, x := range choices {
		labels[x.IRI] = x.Label
	}
	for i, p := range props {
		row := foldRow{N: i, Concept: p.Concept, ID: webkit.LocalID(p.Concept.IRI), Pills: p.Pills,
			Action: string(p.Action), Target: p.Target, Why: p.Why}
		switch p.Action {
		case kb.TreeMerge:
			row.Proposal = i18n.T("fold.proposeMerge", labels[p.Target])
		case kb.TreeMove:
			row.Proposal = i18n.T("fold.proposeMove", labels[p.Target])
		default:
			row.Proposal = i18n.T("fold.proposeNone")
		}
		d.Rows = append(d.Rows, row)
	}
	vocab, err := h.store.VocabularyConcepts(ctx)
	if err != nil {
		return webkit.Internal(err)
	}
	groups := map[string]int{}
	for _, v := range vocab {
		scheme := schemeName(v.IRI)
		if scheme == i18n.T("ted.scheme.subjects") {
			continue // the wizard folds into life and business events
		}
		i, ok := groups[scheme]
		if !ok {
			i = len(d.National)
			groups[scheme] = i
			d.National = append(d.National, mappingGroup{Scheme: scheme})
		}
		d.National[i].Concepts = append(d.National[i].Concepts, mappingChoice{IRI: v.IRI, Label: v.Label("it")})
	}
	if n := c.QueryParam("fatte"); n != "" {
		d.Notice = i18n.T("fold.done", n)
	}
	return h.pages.Render(c, "fold", webkit.PageData{Title: i18n.T("fold.title"), Nav: "workspace", Data: d})
}

// foldForm reads one row per category (c0, a0, t0, m0, r0, c1 …) and applies them together.
func (h *Handlers) foldForm(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return webkit.BadRequest("bad_form", i18n.T("err.badForm"))
	}
	ctx := c.Request().Context()
	var steps []kb.TreeStep
	for i := 0; i < 2000; i++ {
		k := strconv.Itoa(i)
		iri := strings.TrimSpace(form.Get("c" + k))
		if iri == "" {
			break
		}
		name := iri
		if con, err := h.store.Concept(ctx, iri); err == nil {
			name = con.Label("it")
		}
		target := strings.TrimSpace(form.Get("t" + k))
		switch a := form.Get("a" + k); a {
		case "":
			continue
		case string(kb.TreeMove), string(kb.TreeMerge):
			if target == "" {
				return webkit.BadRequest("fold_target_required", i18n.T("fold.targetRequired", name))
			}
			steps = append(steps, kb.TreeStep{Concept: iri, Action: kb.TreeAction(a), Target: target})
		case string(kb.TreeMap):
			national := strings.TrimSpace(form.Get("m" + k))
			if national == "" {
				return webkit.BadRequest("fold_national_required", i18n.T("fold.nationalRequired", name))
			}
			steps = append(steps, kb.TreeStep{Concept: iri, Action: kb.TreeMap, Target: national, Relation: form.Get("r" + k)})
		default:
			return webkit.BadRequest("fold_bad_action", i18n.T("fold.badAction", name))
		}
	}
	if len(steps) == 0 {
		return webkit.BadRequest("fold_nothing", i18n.T("fold.nothing"))
	}
	if err := h.store.ApplyTreePlan(ctx, steps, webkit.UserOf(c), time.Now()); err != nil {
		return conceptError(err)
	}
	return c.Redirect(http.StatusSeeOther, "/redazione/riordino?fatte="+strconv.Itoa(len(steps)))
}
