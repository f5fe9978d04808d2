package editorial

// The pages of the pill life cycle (issue 5 item 6): the publisher's workspace and editor with
// preview, the validator's queue with the diff and approve/reject forms, and a pill's history.
// Forms post back here and carry the session's CSRF token; refusals come back as the error page
// with the workflow's Italian message (403 for the role or four eyes, 409 for the state).

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/htmltext"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/web/webkit"
)

func (h *Handlers) pageRoutes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/redazione", writers, h.workspacePage),
		webkit.GET("/redazione/nuova", writers, h.editorPage),
		webkit.POST("/redazione/nuova", writers, h.editorForm),
		webkit.GET("/redazione/schede/:code", writers, h.editorPage),
		webkit.POST("/redazione/schede/:code", writers, h.editorForm),
		webkit.GET("/validazione", []role.Role{role.Validator, role.Administrator, role.Auditor}, h.queuePage),
		webkit.POST("/validazione/:code/:n/approva", reviewers, h.approveForm),
		webkit.POST("/validazione/:code/:n/respingi", reviewers, h.rejectForm),
		webkit.GET("/schede/:code/storia", historyReaders, h.historyPage),
		webkit.GET("/novita", webkit.Staff, h.newsPage),
		webkit.GET("/api/workflow/news", webkit.Staff, h.apiNews),
		webkit.GET("/api/workflow/workspace", writers, h.apiWorkspace),
	}
}

func (h *Handlers) workflowOrAbsent() (*kb.Workflow, error) {
	if wf := h.workflow; wf != nil {
		return wf, nil
	}
	return nil, webkit.NotFound("err.workflowAbsent")
}

type workspaceData struct {
	webkit.FormBase
	*kb.Workspace
}

// workspacePage is the publisher's workspace: what needs work (kb.Workflow.Workspace).
func (h *Handlers) workspacePage(c echo.Context) error {
	wf, err := h.workflowOrAbsent()
	if err != nil {
		return err
	}
	if code := strings.TrimSpace(c.QueryParam("codice")); code != "" {
		return c.Redirect(http.StatusSeeOther, "/redazione/schede/"+url.PathEscape(code))
	}
	ws, err := wf.Workspace(c.Request().Context(), webkit.UserOf(c), wf.Now())
	if err != nil {
		return webkit.Internal(err)
	}
	return h.pages.Render(c, "workspace", webkit.PageData{Title: i18n.T("ws.title"), Nav: "workspace", Data: workspaceData{webkit.FormOf(c), ws}})
}

// apiWorkspace is GET /api/workflow/workspace: the same lists as JSON.
func (h *Handlers) apiWorkspace(c echo.Context) error {
	wf, err := h.workflowOrAbsent()
	if err != nil {
		return err
	}
	ws, err := wf.Workspace(c.Request().Context(), webkit.UserOf(c), wf.Now())
	if err != nil {
		return webkit.Internal(err)
	}
	return c.JSON(http.StatusOK, ws)
}

type editorData struct {
	webkit.FormBase
	New                             bool
	ReviewBy, ValidFrom, ValidUntil string // yyyy-mm-dd, for <input type="date">
	Code                            string // the path segment, for the form action
	Pill                            kb.Pill
	Preview                         template.HTML
	Open                            *kb.PillVersion
	Live                            int
	Keywords                        string
	Legal                           string
	Links, Forms, Audience          string
	Notice                          string
	Concepts                        []webkit.ConceptChoice
	Offices                         []webkit.UnitGroup
	Operator, Citizen               previewData
}

// editorPage shows the open version, or the live one to start a new version from.
func (h *Handlers) editorPage(c echo.Context) error {
	if _, err := h.workflowOrAbsent(); err != nil {
		return err
	}
	d := editorData{FormBase: webkit.FormOf(c), New: c.Param("code") == ""}
	if !d.New {
		_, r, err := h.record(c)
		if err != nil {
			return err
		}
		d.Code, d.Live = c.Param("code"), r.Live
		if o := r.Open(); o != nil {
			d.Open, d.Pill = o, o.Content
		} else {
			d.Pill = r.Versions[len(r.Versions)-1].Content
		}
	}
	if n, _ := strconv.Atoi(c.QueryParam("salvata")); n > 0 {
		d.Notice = i18n.T("ed.saved", n)
	}
	return h.renderEditor(c, http.StatusOK, d)
}

func (h *Handlers) renderEditor(c echo.Context, status int, d editorData) error {
	ctx := c.Request().Context()
	d.Preview = webkit.Sanitize(d.Pill.Answer)
	d.Keywords = strings.Join(d.Pill.Keywords, ", ")
	d.Legal = strings.Join(d.Pill.LegalRefs, "\n")
	d.Links, d.Forms, d.Audience = formatLinks(d.Pill.Links), formatLinks(d.Pill.Forms), strings.Join(d.Pill.Audience, ", ")
	var err error
	if d.Concepts, err = webkit.ConceptChoices(ctx, h.store, d.Pill.Concepts); err != nil {
		return webkit.Internal(err)
	}
	if d.Offices, err = webkit.UnitChoices(ctx, h.store, d.Pill.Office); err != nil {
		return webkit.Internal(err)
	}
	d.Operator, d.Citizen = h.previews(ctx, d.Pill)
	d.ReviewBy, d.ValidFrom, d.ValidUntil = isoDate(d.Pill.ReviewBy), isoDate(d.Pill.ValidFrom), isoDate(d.Pill.ValidUntil)
	title := i18n.T("ed.title")
	if d.New {
		title = i18n.T("ed.newTitle")
	}
	return h.pages.RenderStatus(c, status, "editor", webkit.PageData{Title: title, Nav: "workspace", Data: d})
}

// editorForm saves the form as the open version; with action=submit it also sends it to the
// validators. A field the form does not send (a client of an older page) is kept from the
// version the editor started from; the answer comes from the rich-text editor and is sanitised
// here whatever it holds.
func (h *Handlers) editorForm(c echo.Context) error {
	wf, err := h.workflowOrAbsent()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var p kb.Pill
	var r *kb.PillRecord
	if c.Param("code") != "" {
		if _, r, err = h.record(c); err != nil {
			return err
		}
		if o := r.Open(); o != nil {
			p = o.Content
		} else {
			p = r.Versions[len(r.Versions)-1].Content
		}
		// A pill without a code (a proposal from a ticket) gets one from the publisher.
		if code := strings.TrimSpace(c.FormValue("code")); p.Code == "" && code != "" {
			if _, err := h.store.PillByCode(ctx, code); err == nil {
				return &webkit.HTTPError{Status: http.StatusConflict, Code: "exists", Msg: i18n.T("err.pillExists", code)}
			}
			p.Code = code
		}
	} else {
		p.Code = strings.TrimSpace(c.FormValue("code"))
	}
	p.Title = strings.TrimSpace(c.FormValue("title"))
	p.Question = strings.TrimSpace(c.FormValue("question"))
	p.Answer = c.FormValue("answer")
	if err := h.readEditorFields(c, &p); err != nil {
		return err
	}
	if err := kb.CheckLinks(&p); err != nil {
		return unsafeLink(err)
	}
	p.Answer = htmltext.Sanitize(p.Answer)
	p.Notes = strings.TrimSpace(c.FormValue("notes"))
	p.Keywords = splitList(c.FormValue("keywords"), ",")
	p.LegalRefs = splitList(c.FormValue("legal"), "\n")
	p.Status, p.Version, p.Validated, p.ValidatedBy = "", 0, nil, ""
	for _, f := range []struct {
		field, label string
		dst          **time.Time
	}{
		{"reviewBy", i18n.T("ed.f.reviewBy"), &p.ReviewBy},
		{"validFrom", i18n.T("ed.f.validFrom"), &p.ValidFrom},
		{"validUntil", i18n.T("ed.f.validUntil"), &p.ValidUntil},
	} {
		v := strings.TrimSpace(c.FormValue(f.field))
		if v == "" {
			*f.dst = nil
			continue
		}
		d, err := time.Parse("2006-01-02", v)
		if err != nil {
			return webkit.BadRequest("bad_date", i18n.T("ed.badDate", f.label, v))
		}
		*f.dst = &d
	}
	if p.ValidFrom != nil && p.ValidUntil != nil && p.ValidUntil.Before(*p.ValidFrom) {
		return webkit.BadRequest("bad_date", i18n.T("ed.datesOrder"))
	}

	var ev *kb.WorkflowEvent
	if r == nil {
		if p.Code != "" {
			if _, err := h.store.PillByCode(ctx, p.Code); err == nil {
				return &webkit.HTTPError{Status: http.StatusConflict, Code: "exists", Msg: i18n.T("err.pillExists", p.Code)}
			}
		}
		r, ev, err = wf.Create(ctx, p, webkit.UserOf(c))
	} else {
		r, ev, err = wf.Edit(ctx, r.IRI, p, webkit.UserOf(c))
	}
	if err != nil {
		return wfError(err)
	}
	code := c.Param("code")
	if code == "" {
		code = webkit.PillID(kb.Pill{IRI: r.IRI, Code: p.Code})
	}
	if c.FormValue("action") == "submit" {
		if _, _, err := wf.Submit(ctx, r.IRI, ev.Version, webkit.UserOf(c)); err != nil {
			return wfError(err)
		}
		return c.Redirect(http.StatusSeeOther, "/redazione")
	}
	return c.Redirect(http.StatusSeeOther, "/redazione/schede/"+url.PathEscape(code)+"?salvata="+strconv.Itoa(ev.Version))
}

func isoDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02")
}

func splitList(s, sep string) []string {
	var out []string
	for _, part := range strings.Split(s, sep) {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// shownDiff is a field's change as the validator reads it: the answer's HTML is compared as
// text, so the diff shows words, not tags.
type shownDiff struct {
	Label string
	Words []kb.WordOp
	Old   string
	New   string
}

type queueEntry struct {
	kb.OpenVersion
	ID      string // code or local id, for URLs
	Changes []shownDiff
	// Needed is how many signatures the version needs (two where the second-approval policy
	// applies, KB-12); FirstBy who signed first when one is still missing; SignedByMe hides the
	// approve button from whoever signed already (the rules refuse a second signature of theirs).
	Needed     int
	FirstBy    string
	SignedByMe bool
}

type queueData struct {
	webkit.FormBase
	CanDecide bool
	Items     []queueEntry
}

func (h *Handlers) queuePage(c echo.Context) error {
	wf, err := h.workflowOrAbsent()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	open, err := wf.Open(ctx, kb.StatusSubmitted)
	if err != nil {
		return webkit.Internal(err)
	}
	d := queueData{FormBase: webkit.FormOf(c), CanDecide: webkit.RoleOf(c) == role.Validator}
	me := webkit.UserOf(c)
	for _, o := range open {
		base := &kb.Pill{}
		if o.Live > 0 {
			if r, err := wf.Record(ctx, o.IRI); err == nil {
				if v, err := r.Version(o.Live); err == nil {
					base = &v.Content
				}
			}
		}
		e := queueEntry{OpenVersion: o, ID: webkit.PillID(kb.Pill{IRI: o.IRI, Code: o.Version.Content.Code}),
			Changes: h.showDiff(ctx, kb.DiffPills(base, &o.Version.Content)),
			Needed:  wf.Policy().SignaturesNeeded(&o.Version.Content)}
		if n := len(o.Version.Signatures); n > 0 && n < e.Needed {
			e.FirstBy = o.Version.Signatures[0].By
		}
		for _, sig := range o.Version.Signatures {
			if sig.By == me {
				e.SignedByMe = true
			}
		}
		d.Items = append(d.Items, e)
	}
	return h.pages.Render(c, "queue", webkit.PageData{Title: i18n.T("q.title"), Nav: "queue", Data: d})
}

func (h *Handlers) approveForm(c echo.Context) error {
	n, err := versionParam(c)
	if err != nil {
		return err
	}
	wf, r, err := h.record(c)
	if err != nil {
		return err
	}
	if _, _, err := wf.Approve(c.Request().Context(), r.IRI, n, webkit.UserOf(c)); err != nil {
		return wfError(err)
	}
	return c.Redirect(http.StatusSeeOther, "/validazione")
}

func (h *Handlers) rejectForm(c echo.Context) error {
	n, err := versionParam(c)
	if err != nil {
		return err
	}
	wf, r, err := h.record(c)
	if err != nil {
		return err
	}
	if _, _, err := wf.Reject(c.Request().Context(), r.IRI, n, webkit.UserOf(c), c.FormValue("reason")); err != nil {
		return wfError(err)
	}
	return c.Redirect(http.StatusSeeOther, "/validazione")
}

type historyVersion struct {
	kb.PillVersion
	IsLive  bool
	Changes []shownDiff
}

type historyData struct {
	IRI      string
	Title    string
	Versions []historyVersion
	Events   []kb.WorkflowEvent
}

func (h *Handlers) historyPage(c echo.Context) error {
	_, r, err := h.record(c)
	if err != nil {
		return err
	}
	d := historyData{IRI: r.IRI, Events: r.Events}
	prev := &kb.Pill{}
	for i := range r.Versions {
		v := r.Versions[i]
		d.Versions = append(d.Versions, historyVersion{PillVersion: v, IsLive: v.Number == r.Live, Changes: h.showDiff(c.Request().Context(), kb.DiffPills(prev, &v.Content))})
		prev = &r.Versions[i].Content
		d.Title = v.Content.Title
	}
	// Newest first: that is what people look for.
	for i, j := 0, len(d.Versions)-1; i < j; i, j = i+1, j-1 {
		d.Versions[i], d.Versions[j] = d.Versions[j], d.Versions[i]
	}
	return h.pages.Render(c, "history", webkit.PageData{Title: i18n.T("h.title"), Data: d})
}

// newsDays is how far back the "novità" list goes by default.
const newsDays = 14

// publications is the "novità" list since ?dal= (yyyy-mm-dd), by default the last two weeks.
func (h *Handlers) publications(c echo.Context) ([]kb.Publication, time.Time, error) {
	wf, err := h.workflowOrAbsent()
	if err != nil {
		return nil, time.Time{}, err
	}
	since := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -newsDays)
	for _, name := range []string{"dal", "since"} {
		if v := c.QueryParam(name); v != "" {
			d, err := time.Parse("2006-01-02", v)
			if err != nil {
				return nil, since, webkit.BadRequest("bad_date", i18n.T("err.badDate", name, v))
			}
			since = d
		}
	}
	news, err := wf.Publications(c.Request().Context(), since)
	if err != nil {
		return nil, since, webkit.Internal(err)
	}
	return news, since, nil
}

type newsItem struct {
	kb.Publication
	ID      string
	Changes []shownDiff
}

// newsPage is the "novità" list (issue 5 item 4, KB-12): what went live recently and what
// changed, for operators to read before their shift.
func (h *Handlers) newsPage(c echo.Context) error {
	news, since, err := h.publications(c)
	if err != nil {
		return err
	}
	items := make([]newsItem, 0, len(news))
	for _, n := range news {
		items = append(items, newsItem{Publication: n, ID: webkit.PillID(kb.Pill{IRI: n.IRI, Code: n.Code}), Changes: h.showDiff(c.Request().Context(), n.Changes)})
	}
	return h.pages.Render(c, "news", webkit.PageData{Title: i18n.T("news.title"), Nav: "news", Data: map[string]any{"Items": items, "Since": since}})
}

func (h *Handlers) apiNews(c echo.Context) error {
	news, since, err := h.publications(c)
	if err != nil {
		return err
	}
	if news == nil {
		news = []kb.Publication{}
	}
	return c.JSON(http.StatusOK, map[string]any{"since": since.Format("2006-01-02"), "publications": news})
}
