// Package editorial is the web side of the pill life cycle (issue 5; KB-8, KB-12, KB-14): the
// publisher's workspace and editor, the validator's queue with the word diff, a pill's history,
// what is new, the workflow API under /api/workflow/, and the administrators' synonym lists of
// the search. The workflow itself is kb.Workflow; the synonyms are kept by kb/search.
package editorial

// This file is the JSON API of the pill life cycle (issue 5, KB-8, KB-12, KB-14) on
// kb.Workflow: publishers write drafts and submit them, validators see the queue with the diff
// and approve or reject with a reason, everyone allowed reads a pill's versions and history.
// Role checks are the routes table's (403); what the pill's state forbids is kb's (409).

import (
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/htmltext"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/kb/search"
	"sportello/web/webkit"
)

var (
	writers   = []role.Role{role.Publisher}
	reviewers = []role.Role{role.Validator}
	retirers  = []role.Role{role.Validator, role.Administrator}
	// historyReaders may read every version of a pill, drafts included.
	historyReaders = []role.Role{role.Administrator, role.Publisher, role.Validator, role.Auditor}
)

// apiRoutes are the workflow API.
func (h *Handlers) apiRoutes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/api/workflow/queue", []role.Role{role.Validator, role.Administrator, role.Auditor}, h.apiQueue),
		webkit.GET("/api/workflow/mine", writers, h.apiMine),
		webkit.POST("/api/workflow/pills", writers, h.apiCreatePill),
		webkit.GET("/api/workflow/pills/:code", historyReaders, h.apiRecord),
		webkit.GET("/api/workflow/pills/:code/diff", historyReaders, h.apiDiff),
		webkit.PUT("/api/workflow/pills/:code/draft", writers, h.apiEditPill),
		webkit.POST("/api/workflow/pills/:code/versions/:n/submit", writers, h.apiSubmit),
		webkit.POST("/api/workflow/pills/:code/versions/:n/approve", reviewers, h.apiApprove),
		webkit.POST("/api/workflow/pills/:code/versions/:n/reject", reviewers, h.apiReject),
		webkit.POST("/api/workflow/pills/:code/versions/:n/restore", writers, h.apiRestore),
		webkit.POST("/api/workflow/pills/:code/retire", retirers, h.apiRetire),
	}
}

// wfError maps the workflow's refusals: the state forbids it (409), the rules forbid this person
// (403), something is missing (400), no such version (404).
func wfError(err error) error {
	var se *kb.StateError
	var ve *kb.ValidationError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return &webkit.HTTPError{Status: http.StatusConflict, Code: "invalid_state", Msg: se.Error()}
	case errors.Is(err, kb.ErrFourEyes), errors.Is(err, kb.ErrAlreadySigned):
		return &webkit.HTTPError{Status: http.StatusForbidden, Code: "four_eyes", Msg: err.Error()}
	case errors.Is(err, kb.ErrReasonRequired):
		return webkit.BadRequest("reason_required", err.Error())
	case errors.As(err, &ve):
		return webkit.BadRequest("invalid_pill", err.Error())
	case errors.Is(err, kb.ErrNoVersion):
		return &webkit.HTTPError{Status: http.StatusNotFound, Code: "not_found", Msg: err.Error()}
	case errors.Is(err, kb.ErrNotFound):
		return webkit.NotFound("err.pillNotFound")
	}
	return webkit.Internal(err)
}

// record finds the pill named in the path (code or local id, drafts included) and its record.
func (h *Handlers) record(c echo.Context) (*kb.Workflow, *kb.PillRecord, error) {
	wf := h.workflow
	if wf == nil {
		return nil, nil, webkit.NotFound("err.workflowAbsent")
	}
	p, err := webkit.FindPill(c.Request().Context(), h.store, c.Param("code"), role.Administrator)
	if err != nil {
		return nil, nil, webkit.StoreErr(err, "err.pillNotFound")
	}
	r, err := wf.Record(c.Request().Context(), p.IRI)
	if err != nil {
		return nil, nil, wfError(err)
	}
	return wf, r, nil
}

func versionParam(c echo.Context) (int, error) {
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 1 {
		return 0, webkit.BadRequest("bad_version", i18n.T("err.badVersion"))
	}
	return n, nil
}

// pillInput reads the pill content a publisher sends; what the workflow owns (status, version,
// validation) is ignored, and the answer is sanitised before anything keeps it.
func pillInput(c echo.Context) (kb.Pill, error) {
	var p kb.Pill
	if err := webkit.ReadJSON(c, &p); err != nil {
		return p, err
	}
	p.Status, p.Version, p.Validated, p.ValidatedBy = "", 0, nil, ""
	p.Created, p.Modified = time.Time{}, time.Time{}
	if err := kb.CheckLinks(&p); err != nil {
		return p, unsafeLink(err)
	}
	p.Answer = htmltext.Sanitize(p.Answer)
	return p, nil
}

// unsafeLink is the refusal of a pill with a link of another scheme than http, https, mailto
// and tel (a javascript: link), in Italian, naming the field; other errors pass.
func unsafeLink(err error) error {
	var le *kb.LinkError
	if errors.As(err, &le) {
		return webkit.BadRequest("unsafe_link", i18n.T("ed.unsafeLink", le.URL, i18n.T("ed.linkField."+le.Field)))
	}
	return err
}

type recordJSON struct {
	*kb.PillRecord
	Event *kb.WorkflowEvent `json:"event,omitempty"`
}

func (h *Handlers) apiRecord(c echo.Context) error {
	_, r, err := h.record(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, recordJSON{PillRecord: r})
}

// apiDiff compares ?from= and ?to= (defaults: the live version and the newest one).
func (h *Handlers) apiDiff(c echo.Context) error {
	_, r, err := h.record(c)
	if err != nil {
		return err
	}
	from, to := r.Live, len(r.Versions)
	if v := c.QueryParam("from"); v != "" {
		from, _ = strconv.Atoi(v)
	}
	if v := c.QueryParam("to"); v != "" {
		to, _ = strconv.Atoi(v)
	}
	a, err := r.Version(from)
	if err != nil {
		return webkit.BadRequest("bad_version", i18n.T("err.badVersion"))
	}
	b, err := r.Version(to)
	if err != nil {
		return webkit.BadRequest("bad_version", i18n.T("err.badVersion"))
	}
	return c.JSON(http.StatusOK, map[string]any{"from": from, "to": to, "changes": kb.DiffPills(&a.Content, &b.Content)})
}

// queueItem is a version waiting for validators, with what it changes in the live text.
type queueItem struct {
	kb.OpenVersion
	Changes []kb.FieldDiff `json:"changes"`
}

func (h *Handlers) apiQueue(c echo.Context) error {
	wf := h.workflow
	if wf == nil {
		return webkit.NotFound("err.workflowAbsent")
	}
	ctx := c.Request().Context()
	open, err := wf.Open(ctx, kb.StatusSubmitted)
	if err != nil {
		return webkit.Internal(err)
	}
	items := make([]queueItem, 0, len(open))
	for _, o := range open {
		it := queueItem{OpenVersion: o}
		base := &kb.Pill{}
		if o.Live > 0 {
			if r, err := wf.Record(ctx, o.IRI); err == nil {
				if v, err := r.Version(o.Live); err == nil {
					base = &v.Content
				}
			}
		}
		it.Changes = kb.DiffPills(base, &o.Version.Content)
		items = append(items, it)
	}
	return c.JSON(http.StatusOK, items)
}

func (h *Handlers) apiMine(c echo.Context) error {
	wf := h.workflow
	if wf == nil {
		return webkit.NotFound("err.workflowAbsent")
	}
	mine, err := wf.EditedBy(c.Request().Context(), webkit.UserOf(c))
	if err != nil {
		return webkit.Internal(err)
	}
	if mine == nil {
		mine = []kb.OpenVersion{}
	}
	return c.JSON(http.StatusOK, mine)
}

func (h *Handlers) apiCreatePill(c echo.Context) error {
	wf := h.workflow
	if wf == nil {
		return webkit.NotFound("err.workflowAbsent")
	}
	p, err := pillInput(c)
	if err != nil {
		return err
	}
	p.IRI = ""
	if p.Code != "" {
		if _, err := h.store.PillByCode(c.Request().Context(), p.Code); err == nil {
			return &webkit.HTTPError{Status: http.StatusConflict, Code: "exists", Msg: i18n.T("err.pillExists", p.Code)}
		}
	}
	r, ev, err := wf.Create(c.Request().Context(), p, webkit.UserOf(c))
	if err != nil {
		return wfError(err)
	}
	return c.JSON(http.StatusCreated, recordJSON{r, ev})
}

// step runs one workflow step on the pill in the path and answers with the record.
func (h *Handlers) step(c echo.Context, fn func(wf *kb.Workflow, r *kb.PillRecord) (*kb.PillRecord, *kb.WorkflowEvent, error)) error {
	wf, r, err := h.record(c)
	if err != nil {
		return err
	}
	r, ev, err := fn(wf, r)
	if err != nil {
		return wfError(err)
	}
	return c.JSON(http.StatusOK, recordJSON{r, ev})
}

func (h *Handlers) apiEditPill(c echo.Context) error {
	p, err := pillInput(c)
	if err != nil {
		return err
	}
	return h.step(c, func(wf *kb.Workflow, r *kb.PillRecord) (*kb.PillRecord, *kb.WorkflowEvent, error) {
		return wf.Edit(c.Request().Context(), r.IRI, p, webkit.UserOf(c))
	})
}

func (h *Handlers) versionStep(c echo.Context, fn func(wf *kb.Workflow, iri string, n int) (*kb.PillRecord, *kb.WorkflowEvent, error)) error {
	n, err := versionParam(c)
	if err != nil {
		return err
	}
	return h.step(c, func(wf *kb.Workflow, r *kb.PillRecord) (*kb.PillRecord, *kb.WorkflowEvent, error) {
		return fn(wf, r.IRI, n)
	})
}

func (h *Handlers) apiSubmit(c echo.Context) error {
	return h.versionStep(c, func(wf *kb.Workflow, iri string, n int) (*kb.PillRecord, *kb.WorkflowEvent, error) {
		return wf.Submit(c.Request().Context(), iri, n, webkit.UserOf(c))
	})
}

func (h *Handlers) apiApprove(c echo.Context) error {
	return h.versionStep(c, func(wf *kb.Workflow, iri string, n int) (*kb.PillRecord, *kb.WorkflowEvent, error) {
		return wf.Approve(c.Request().Context(), iri, n, webkit.UserOf(c))
	})
}

func (h *Handlers) apiReject(c echo.Context) error {
	var body struct {
		Reason string `json:"reason"`
	}
	if err := webkit.ReadJSON(c, &body); err != nil {
		return err
	}
	return h.versionStep(c, func(wf *kb.Workflow, iri string, n int) (*kb.PillRecord, *kb.WorkflowEvent, error) {
		return wf.Reject(c.Request().Context(), iri, n, webkit.UserOf(c), body.Reason)
	})
}

func (h *Handlers) apiRestore(c echo.Context) error {
	return h.versionStep(c, func(wf *kb.Workflow, iri string, n int) (*kb.PillRecord, *kb.WorkflowEvent, error) {
		return wf.Restore(c.Request().Context(), iri, n, webkit.UserOf(c))
	})
}

func (h *Handlers) apiRetire(c echo.Context) error {
	var body struct {
		Reason string `json:"reason"`
	}
	if err := webkit.ReadJSON(c, &body); err != nil {
		return err
	}
	return h.step(c, func(wf *kb.Workflow, r *kb.PillRecord) (*kb.PillRecord, *kb.WorkflowEvent, error) {
		return wf.Retire(c.Request().Context(), r.IRI, webkit.UserOf(c), body.Reason)
	})
}

// Routes are the editorial pages and API.
func (h *Handlers) Routes() []webkit.Route {
	return slices.Concat(h.apiRoutes(), h.pageRoutes(), h.treeRoutes(), h.synonymRoutes(), h.directoryRoutes())
}

// Handlers serve the editorial pages; without a workflow (or a search index, for the synonyms)
// the pages that need it answer 404.
type Handlers struct {
	store    *kb.Store
	workflow *kb.Workflow
	search   *search.Index
	pages    *webkit.Pages
	log      *slog.Logger
}

//go:embed templates/*.html
var templates embed.FS

//go:embed static
var static embed.FS

// Static is this package's assets (editor.js, editor.css), under static/.
func Static() fs.FS { return static }

// New returns the handlers of the editorial pages.
func New(site *webkit.Site, store *kb.Store, workflow *kb.Workflow, x *search.Index, log *slog.Logger) *Handlers {
	return &Handlers{store: store, workflow: workflow, search: x, pages: site.Pages(templates, nil), log: log}
}
