package knowledge

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/kb"
	"sportello/web/webkit"
)

// The JSON API (web/API.md). Field names are English; error messages are Italian, for the
// person reading them.

func (h *Handlers) apiConcepts(c echo.Context) error {
	top, _, err := h.conceptTree(c.Request().Context(), webkit.Viewer(c))
	if err != nil {
		return webkit.Internal(err)
	}
	if top == nil {
		top = []*conceptNode{}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": top})
}

type apiConceptResponse struct {
	*conceptNode
	Breadcrumb []crumb       `json:"breadcrumb"`
	Pills      []pillSummary `json:"pills"`
}

type crumb struct {
	IRI   string `json:"iri"`
	ID    string `json:"id"`
	Label string `json:"label"`
}

// pillSummary is a pill in a list: enough to show and link it.
type pillSummary struct {
	IRI      string    `json:"iri"`
	Code     string    `json:"code,omitempty"`
	Title    string    `json:"title"`
	Question string    `json:"question,omitempty"`
	Status   kb.Status `json:"status"`
	Office   string    `json:"office,omitempty"`
	URL      string    `json:"url"`
}

func summarize(ps []kb.Pill) []pillSummary {
	out := make([]pillSummary, 0, len(ps))
	for _, p := range ps {
		out = append(out, pillSummary{IRI: p.IRI, Code: p.Code, Title: p.Title, Question: p.Question,
			Status: p.Status, Office: p.Office, URL: webkit.PillHref(p)})
	}
	return out
}

func (h *Handlers) apiConcept(c echo.Context) error {
	d, err := h.conceptData(c)
	if err != nil {
		return err
	}
	r := apiConceptResponse{conceptNode: d.Node, Breadcrumb: []crumb{}, Pills: summarize(d.Pills)}
	for _, b := range d.Breadcrumb {
		r.Breadcrumb = append(r.Breadcrumb, crumb{IRI: b.IRI, ID: b.ID, Label: b.Label})
	}
	return c.JSON(http.StatusOK, r)
}

// apiPills lists pills: ?concept= (id or IRI; narrower concepts included), ?status= (comma
// separated), ?office=, ?limit= and ?offset=. Roles that read published pills only get an
// error when they ask for another status, rather than a silently empty list.
func (h *Handlers) apiPills(c echo.Context) error {
	ctx := c.Request().Context()
	f := webkit.PillFilter(c, kb.PillFilter{})
	if v := c.QueryParam("status"); v != "" {
		var want []kb.Status
		for _, st := range strings.Split(v, ",") {
			st := kb.Status(strings.TrimSpace(st))
			switch st {
			case kb.StatusDraft, kb.StatusSubmitted, kb.StatusPublished, kb.StatusRejected, kb.StatusRetired:
			default:
				return webkit.BadRequest("bad_status", i18n.T("err.badStatus"))
			}
			if !f.Viewer.Drafts && st != kb.StatusPublished {
				return &webkit.HTTPError{Status: http.StatusForbidden, Code: "status_forbidden", Msg: i18n.T("err.statusDenied")}
			}
			want = append(want, st)
		}
		f.Status = want
	}
	if v := c.QueryParam("concept"); v != "" {
		con, err := h.findConcept(ctx, v)
		if err != nil {
			return webkit.StoreErr(err, "err.conceptNotFound")
		}
		f.Concept = con.IRI
	}
	if v := c.QueryParam("office"); v != "" {
		u, err := h.findUnit(ctx, v)
		if err != nil {
			return webkit.StoreErr(err, "err.unitNotFound")
		}
		f.Office = u.IRI
	}
	var err error
	if f.Limit, err = webkit.IntParam(c, "limit", 100); err != nil {
		return err
	}
	if f.Offset, err = webkit.IntParam(c, "offset", 0); err != nil {
		return err
	}
	f.Limit = min(f.Limit, 1000)
	ps, err := h.store.Pills(ctx, f)
	if err != nil {
		return webkit.Internal(err)
	}
	items := make([]kb.Pill, 0, len(ps))
	for _, p := range ps {
		p.Answer = string(webkit.Sanitize(p.Answer))
		items = append(items, p)
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items, "limit": f.Limit, "offset": f.Offset})
}

func (h *Handlers) apiPill(c echo.Context) error {
	p, err := webkit.FindPill(c.Request().Context(), h.store, c.Param("code"), webkit.RoleOf(c))
	if err != nil {
		return webkit.StoreErr(err, "err.pillNotFound")
	}
	p.Answer = string(webkit.Sanitize(p.Answer))
	return c.JSON(http.StatusOK, p)
}

type apiUnit struct {
	kb.Unit
	ID string `json:"id"`
}

func (h *Handlers) apiUnits(c echo.Context) error {
	units, err := h.store.Units(c.Request().Context())
	if err != nil {
		return webkit.Internal(err)
	}
	items := make([]apiUnit, 0, len(units))
	for _, u := range sortedUnits(units) {
		items = append(items, apiUnit{Unit: u, ID: webkit.LocalID(u.IRI)})
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}

func (h *Handlers) apiUnit(c echo.Context) error {
	d, err := h.unitData(c)
	if err != nil {
		return err
	}
	people := d.People
	if people == nil {
		people = []kb.Person{}
	}
	var sub []apiUnit
	for _, ch := range d.Children {
		sub = append(sub, apiUnit{Unit: ch.Unit, ID: ch.ID})
	}
	// The opening hours as read (schema.org openingHoursSpecification) and whether the office
	// is open now, Italian holidays counted; openNow is absent when the hours cannot be read.
	hours := d.Unit.Hours()
	type openNow struct {
		Open  bool       `json:"open"`
		Label string     `json:"label"`
		Next  *time.Time `json:"next,omitempty"`
	}
	var now *openNow
	if st := webkit.OpenStatus(d.Unit, time.Now()); st.Known {
		now = &openNow{Open: st.Open, Label: st.Label}
		if _, next := webkit.OpenAt(hours, time.Now()); !next.IsZero() {
			now.Next = &next
		}
	}
	return c.JSON(http.StatusOK, map[string]any{
		"unit": apiUnit{Unit: *d.Unit, ID: webkit.LocalID(d.Unit.IRI)}, "children": sub,
		"people": people, "pills": summarize(d.Pills),
		"hours":   map[string]any{"specification": hours.Specification(), "notes": hours.Notes, "problems": hours.Problems},
		"openNow": now,
	})
}

// apiPeople searches the directory: ?q= matches name, role, extension, phone, e-mail or office;
// ?office= narrows to a unit and its sub-units.
func (h *Handlers) apiPeople(c echo.Context) error {
	d, err := h.directoryData(c)
	if err != nil {
		return err
	}
	type row struct {
		kb.Person
		UnitName string `json:"unitName,omitempty"`
	}
	items := make([]row, 0, len(d.People))
	for _, p := range d.People {
		items = append(items, row{p.Person, p.UnitName})
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}

func (h *Handlers) apiStats(c echo.Context) error {
	st, err := h.stats(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

// stats are the store's figures with the pills the caller may see (the home page and
// /api/stats say the same).
func (h *Handlers) stats(c echo.Context) (kb.Stats, error) {
	ctx := c.Request().Context()
	st, err := h.store.Stats(ctx)
	if err != nil {
		return st, webkit.Internal(err)
	}
	if st.Pills, err = h.store.CountPills(ctx, webkit.PillFilter(c, kb.PillFilter{})); err != nil {
		return st, webkit.Internal(err)
	}
	return st, nil
}

func (h *Handlers) apiWhoami(c echo.Context) error {
	user := webkit.UserOf(c)
	who := webkit.RoleOf(c)
	return c.JSON(http.StatusOK, map[string]any{"user": user, "role": who, "seesDrafts": webkit.ViewerOf(who).Drafts})
}
