package editorial

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/role"
	"sportello/kb/search"
	"sportello/web/webkit"
)

// synonymRoutes are the administrators' synonym lists (issue 4): the page and its API.
func (h *Handlers) synonymRoutes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/sinonimi", []role.Role{role.Administrator}, h.synonymsPage),
		webkit.POST("/sinonimi", []role.Role{role.Administrator}, h.synonymsAdd),
		webkit.POST("/sinonimi/elimina", []role.Role{role.Administrator}, h.synonymsRemove),
		webkit.GET("/api/synonyms", []role.Role{role.Administrator}, h.apiSynonyms),
		webkit.POST("/api/synonyms", []role.Role{role.Administrator}, h.apiSynonymAdd),
		webkit.DELETE("/api/synonyms/:id", []role.Role{role.Administrator}, h.apiSynonymRemove),
	}
}

// index returns the search index, or a 404 when the server runs without search.
func (h *Handlers) index() (*search.Index, error) {
	if h.search == nil {
		return nil, webkit.NotFound("search.absent")
	}
	return h.search, nil
}

// synonymsData is what /sinonimi renders.
type synonymsData struct {
	Builtin []search.SynonymGroup
	Admin   []search.SynonymGroup
	Notice  string
	Error   string
	Terms   string // what the administrator typed, kept after an error
	CSRF    string
	Field   string
}

// synonymsPage is /sinonimi: the administrators' synonym lists (issue 4 §2).
func (h *Handlers) synonymsPage(c echo.Context) error {
	x, err := h.index()
	if err != nil {
		return err
	}
	d := h.synonymsData(c, x)
	switch c.QueryParam("fatto") {
	case "aggiunto":
		d.Notice = i18n.T("syn.added")
	case "eliminato":
		d.Notice = i18n.T("syn.removed")
	}
	return h.pages.Render(c, "synonyms", webkit.PageData{Title: i18n.T("syn.title"), Nav: "synonyms", Data: d})
}

func (h *Handlers) synonymsData(c echo.Context, x *search.Index) *synonymsData {
	d := &synonymsData{Field: webkit.CSRFField}
	if sess := webkit.FromContext(c.Request().Context()); sess != nil {
		d.CSRF = sess.CSRF
	}
	for _, g := range x.Synonyms().List() {
		if g.Builtin {
			d.Builtin = append(d.Builtin, g)
		} else {
			d.Admin = append(d.Admin, g)
		}
	}
	return d
}

// splitTerms reads a list of terms typed one per line or separated by commas.
func splitTerms(s string) []string {
	var out []string
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// synonymsAdd is POST /sinonimi (form field termini).
func (h *Handlers) synonymsAdd(c echo.Context) error {
	x, err := h.index()
	if err != nil {
		return err
	}
	terms := c.FormValue("termini")
	if _, err := x.Synonyms().Add(splitTerms(terms)); err != nil {
		d := h.synonymsData(c, x)
		d.Error, d.Terms = synonymError(err), terms
		return h.pages.RenderStatus(c, http.StatusBadRequest, "synonyms", webkit.PageData{Title: i18n.T("syn.title"), Nav: "synonyms", Data: d})
	}
	return c.Redirect(http.StatusSeeOther, "/sinonimi?fatto=aggiunto")
}

// synonymsRemove is POST /sinonimi/elimina (form field id).
func (h *Handlers) synonymsRemove(c echo.Context) error {
	x, err := h.index()
	if err != nil {
		return err
	}
	if err := x.Synonyms().Remove(c.FormValue("id")); err != nil {
		d := h.synonymsData(c, x)
		d.Error = synonymError(err)
		return h.pages.RenderStatus(c, http.StatusBadRequest, "synonyms", webkit.PageData{Title: i18n.T("syn.title"), Nav: "synonyms", Data: d})
	}
	return c.Redirect(http.StatusSeeOther, "/sinonimi?fatto=eliminato")
}

// synonymError is the Italian message for an error of search.Synonyms, which speaks English.
func synonymError(err error) string {
	e := err.Error()
	switch {
	case strings.Contains(e, "at least two"):
		return i18n.T("syn.tooFew")
	case strings.Contains(e, "built in"):
		return i18n.T("syn.isBuiltin")
	case strings.Contains(e, "not found"):
		return i18n.T("syn.notFound")
	}
	return i18n.T("err.internal")
}

// apiSynonyms is GET /api/synonyms: every group, built-in ones marked.
func (h *Handlers) apiSynonyms(c echo.Context) error {
	x, err := h.index()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": x.Synonyms().List()})
}

// apiSynonymAdd is POST /api/synonyms with {"terms": [...]}; it answers the group, 201.
func (h *Handlers) apiSynonymAdd(c echo.Context) error {
	x, err := h.index()
	if err != nil {
		return err
	}
	var body struct {
		Terms []string `json:"terms"`
	}
	if err := webkit.ReadJSON(c, &body); err != nil {
		return err
	}
	g, err := x.Synonyms().Add(body.Terms)
	if err != nil {
		return synonymHTTPError(err)
	}
	return c.JSON(http.StatusCreated, g)
}

// apiSynonymRemove is DELETE /api/synonyms/:id; 204.
func (h *Handlers) apiSynonymRemove(c echo.Context) error {
	x, err := h.index()
	if err != nil {
		return err
	}
	if err := x.Synonyms().Remove(c.Param("id")); err != nil {
		return synonymHTTPError(err)
	}
	return c.NoContent(http.StatusNoContent)
}

func synonymHTTPError(err error) error {
	m := synonymError(err)
	switch m {
	case i18n.T("syn.notFound"):
		return &webkit.HTTPError{Status: http.StatusNotFound, Code: "not_found", Msg: m}
	case i18n.T("syn.tooFew"), i18n.T("syn.isBuiltin"):
		return webkit.BadRequest("bad_synonyms", m)
	}
	return webkit.Internal(errors.Join(err))
}
