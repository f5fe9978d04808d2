// Package tickets is the web side of the CRM (issue 6): the ticket pages and API, citizens,
// callbacks, knowledge gaps and first-contact figures, and the lists' .xlsx downloads. The
// tickets, their workflow, SLA clocks and mail are package ticketing; the citizens' own page
// (/richiesta) is web/public.
package tickets

// This file is the JSON API of the CRM (issue 6, TK-1…TK-18): tickets and their Annex A path,
// first-call resolution with a pill, escalation with what was searched, "propose as knowledge",
// attachments, callbacks, figures, knowledge gaps, citizens and the citizen's public page. The
// pages are in tickets_pages.go; both call the ticketing package and map its errors with
// ticketing.HTTPStatus.

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/clock"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/ticketing"
	"sportello/web/webkit"
)

// actor is the user name recorded in the path; a caller without a name (tests, an
// authenticator that names nobody) is recorded by role so that the path still says who.
func actor(c echo.Context) string {
	if u := webkit.UserOf(c); u != "" {
		return u
	}
	return string(webkit.RoleOf(c))
}

// Err turns a ticketing error into an httpError with the status of ticketing.HTTPStatus and
// an Italian message a person can act on.
func Err(err error) error {
	if err == nil {
		return nil
	}
	var he *webkit.HTTPError
	if errors.As(err, &he) {
		return he // already mapped
	}
	st := ticketing.HTTPStatus(err)
	var inv *ticketing.InvalidError
	var dup *ticketing.DuplicateError
	var te *ticketing.TransitionError
	switch {
	case st == http.StatusNotFound:
		return &webkit.HTTPError{Status: st, Code: "not_found", Msg: i18n.T("tk.err.notFound"), Err: err}
	case errors.As(err, &inv):
		return &webkit.HTTPError{Status: st, Code: "invalid", Msg: i18n.T("tk.err.invalid", fieldName(inv.Field), inv.Msg), Err: err}
	case errors.As(err, &dup):
		return &webkit.HTTPError{Status: st, Code: "duplicate", Msg: i18n.T("tk.err.duplicate", dup.Existing, fieldName(dup.By)), Err: err}
	case errors.As(err, &te) && st == http.StatusForbidden && te.Message() != "":
		return &webkit.HTTPError{Status: st, Code: "not_member", Msg: te.Message(), Err: err}
	case errors.As(err, &te) && st == http.StatusForbidden:
		return &webkit.HTTPError{Status: st, Code: "role", Msg: i18n.T("tk.err.role", ActionLabel(te.Action)), Err: err}
	case errors.As(err, &te) && st == http.StatusConflict:
		return &webkit.HTTPError{Status: st, Code: "state", Msg: i18n.T("tk.err.state", ActionLabel(te.Action), te.State.Label()), Err: err}
	case st == http.StatusServiceUnavailable:
		return &webkit.HTTPError{Status: st, Code: "no_mail", Msg: i18n.T("tk.err.noMail"), Err: err}
	case st == http.StatusBadRequest:
		return &webkit.HTTPError{Status: st, Code: "invalid", Msg: i18n.T("tk.err.invalid", "", err.Error()), Err: err}
	}
	return webkit.Internal(err)
}

// fieldName is the Italian name of an input field, for error messages.
func fieldName(f string) string {
	return i18n.Or("tk.field."+f, f)
}

// ActionLabel is the Italian name of a ticket action, for buttons, paths and errors.
func ActionLabel(a ticketing.Action) string {
	return i18n.Or("tk.act."+string(a), string(a))
}

// findTicket reads the :id (or :number) parameter: a numeric id or an RS number.
func findTicket(ctx context.Context, st *ticketing.Store, key string) (*ticketing.Ticket, error) {
	key = strings.TrimSpace(key)
	if id, err := strconv.ParseInt(key, 10, 64); err == nil {
		return st.Ticket(ctx, id)
	}
	return st.TicketByNumber(ctx, key)
}

// paramTicket is the ticket named in the path, with the store.
func (h *Handlers) paramTicket(c echo.Context, name string) (*ticketing.Store, *ticketing.Ticket, error) {
	st, err := h.store()
	if err != nil {
		return nil, nil, err
	}
	t, err := findTicket(c.Request().Context(), st, c.Param(name))
	if err != nil {
		return nil, nil, Err(err)
	}
	return st, t, nil
}

func paramID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, webkit.BadRequest("bad_parameter", i18n.T("err.badNumber", name))
	}
	return id, nil
}

// period is the [since, until) of figures and gaps: the query's dates, by default the last 30
// days.
func period(c echo.Context) (time.Time, time.Time, error) {
	since, err := dateParam(c, "since")
	if err != nil {
		return since, since, err
	}
	until, err := dateParam(c, "until")
	if err != nil {
		return since, until, err
	}
	if until.IsZero() {
		until = time.Now().In(clock.Rome()).Truncate(24*time.Hour).AddDate(0, 0, 1)
	} else {
		until = until.AddDate(0, 0, 1)
	}
	if since.IsZero() {
		since = until.AddDate(0, 0, -30)
	}
	return since, until, nil
}

// BindJSON decodes the request body into v with a clear 400 on bad JSON.
func BindJSON(c echo.Context, v any) error {
	if err := (&echo.DefaultBinder{}).BindBody(c, v); err != nil {
		return webkit.BadRequest("bad_json", i18n.T("tk.err.badJSON"))
	}
	return nil
}

// timeNow is the clock of the SLA states shown.
var timeNow = time.Now

// apiTickets is GET /api/tickets: one page of the tickets the filters, text and sort select
// (listQuery), with the total: {"tickets", "total", "page", "pageSize", "pages"}.
func (h *Handlers) apiTickets(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	q, _, err := listQuery(c)
	if err != nil {
		return err
	}
	pg, err := st.Search(c.Request().Context(), q, time.Now())
	if err != nil {
		return Err(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"tickets": pg.Rows, "total": pg.Total, "page": pg.Page,
		"pageSize": pg.PageSize, "pages": pg.Pages})
}

// apiTicketsExport is GET /api/tickets/export: every ticket of the same filters as a workbook.
func (h *Handlers) apiTicketsExport(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	q, _, err := listQuery(c)
	if err != nil {
		return err
	}
	rows, err := searchAll(c, st, q, func(q ticketing.Query) (*ticketing.Page, error) {
		pg, err := st.Search(c.Request().Context(), q, time.Now())
		return pg, Err(err)
	})
	if err != nil {
		return err
	}
	return writeXLSX(c, "ticket", ticketing.TicketSheet(rows))
}

// newTicketRequest is the body of POST /api/tickets. A citizen is either an existing id or
// the fields of a new record, matched first by tax code, email or phone (TK-2).
type newTicketRequest struct {
	CitizenID   int64              `json:"citizenId"`
	Citizen     *ticketing.Citizen `json:"citizen"`
	Channel     ticketing.Channel  `json:"channel"`
	Category    string             `json:"category"`
	Priority    ticketing.Priority `json:"priority"`
	Subject     string             `json:"subject"`
	Description string             `json:"description"`
	CallID      string             `json:"callId"`
}

// createTicket opens the ticket of req as the caller, registering or matching the citizen.
func (h *Handlers) createTicket(c echo.Context, st *ticketing.Store, req newTicketRequest) (*ticketing.Ticket, error) {
	ctx := c.Request().Context()
	if strings.TrimSpace(req.Subject) == "" && strings.TrimSpace(req.Description) == "" {
		// Refused before a new caller is registered: nothing is written for an empty request.
		return nil, Err(&ticketing.InvalidError{Field: "description", Msg: i18n.T("tk.err.noDescription")})
	}
	cid := req.CitizenID
	if cid == 0 && req.Citizen != nil && (req.Citizen.Name != "" || req.Citizen.TaxCode != "" ||
		len(req.Citizen.Emails) > 0 || len(req.Citizen.Phones) > 0) {
		var email, phoneNumber string
		if len(req.Citizen.Emails) > 0 {
			email = req.Citizen.Emails[0]
		}
		if len(req.Citizen.Phones) > 0 {
			phoneNumber = req.Citizen.Phones[0]
		}
		found, err := st.MatchCitizen(ctx, req.Citizen.TaxCode, email, phoneNumber)
		if err != nil {
			return nil, Err(err)
		}
		if found != nil {
			cid = found.ID
		} else {
			if err := st.CreateCitizen(ctx, req.Citizen); err != nil {
				return nil, Err(err)
			}
			cid = req.Citizen.ID
		}
	}
	if req.Channel == "" {
		req.Channel = ticketing.Phone
	}
	t, err := st.Create(ctx, ticketing.NewTicket{CitizenID: cid, Channel: req.Channel, Category: req.Category,
		Priority: req.Priority, Subject: req.Subject, Description: req.Description, Actor: actor(c),
		Role: ticketing.CapacityOf(webkit.RoleOf(c)), CallID: req.CallID})
	if err != nil {
		return nil, Err(err)
	}
	return t, nil
}

// apiTicketCreate is POST /api/tickets.
func (h *Handlers) apiTicketCreate(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	var req newTicketRequest
	if err := BindJSON(c, &req); err != nil {
		return err
	}
	t, err := h.createTicket(c, st, req)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/api/tickets/"+t.Number)
	return c.JSON(http.StatusCreated, t)
}

// apiTicket is GET /api/tickets/:id (a numeric id or the RS number).
func (h *Handlers) apiTicket(c echo.Context) error {
	st, t, err := h.paramTicket(c, "id")
	if err != nil {
		return err
	}
	v, err := h.TicketView(c.Request().Context(), st, t, actor(c), webkit.RoleOf(c))
	if err != nil {
		return Err(err)
	}
	return c.JSON(http.StatusOK, v)
}

// apiTicketStep is POST /api/tickets/:id/steps: one step of the Annex A flow.
func (h *Handlers) apiTicketStep(c echo.Context) error {
	return ticketPost(h, c, http.StatusOK, func(st *ticketing.Store, t *ticketing.Ticket, req stepRequest) (*ticketing.Ticket, error) {
		return h.applyStep(c, st, t, req)
	})
}

// ticketPost serves a POST on /api/tickets/:id: the ticket loaded, the JSON body decoded,
// then do, whose result is the answer with status.
func ticketPost[Req, Out any](h *Handlers, c echo.Context, status int, do func(*ticketing.Store, *ticketing.Ticket, Req) (Out, error)) error {
	st, t, err := h.paramTicket(c, "id")
	if err != nil {
		return err
	}
	var req Req
	if err := BindJSON(c, &req); err != nil {
		return err
	}
	out, err := do(st, t, req)
	if err != nil {
		return err
	}
	return c.JSON(status, out)
}

// apiTicketAnswer is POST /api/tickets/:id/answer {"pill": IRI or code, "queries": [...]}:
// solved at level 1 with the pill (first-call resolution, the link rate of C.4); what was
// searched during the contact is kept and taught to the search (KB-9).
func (h *Handlers) apiTicketAnswer(c echo.Context) error {
	return ticketPost(h, c, http.StatusOK, func(st *ticketing.Store, t *ticketing.Ticket, req answerRequest) (*ticketing.Ticket, error) {
		return h.answerWithPill(c, st, t, req.Pill, req.Queries)
	})
}

// answerRequest is the body of POST /api/tickets/:id/answer and /opened.
type answerRequest struct {
	Pill    string   `json:"pill"`
	Queries []string `json:"queries"`
}

// pillIRI resolves a pill code to its IRI (the suggestions carry both), for a pill the caller
// may read.
func (h *Handlers) pillIRI(c echo.Context, pill string) (string, error) {
	pill = strings.TrimSpace(pill)
	if pill != "" && !strings.Contains(pill, ":") {
		p, err := webkit.FindPill(c.Request().Context(), h.kb, pill, webkit.RoleOf(c))
		if err != nil {
			return "", webkit.StoreErr(err, "err.pillNotFound")
		}
		pill = p.IRI
	}
	return pill, nil
}

// answerWithPill resolves the pill and solves.
func (h *Handlers) answerWithPill(c echo.Context, st *ticketing.Store, t *ticketing.Ticket, pill string, queries []string) (*ticketing.Ticket, error) {
	pill, err := h.pillIRI(c, pill)
	if err != nil {
		return nil, err
	}
	out, err := st.AnswerWithPill(c.Request().Context(), t.ID, actor(c), ticketing.CapacityOf(webkit.RoleOf(c)), pill, queries...)
	if err != nil {
		return nil, Err(err)
	}
	return out, nil
}

// apiTicketOpened is POST /api/tickets/:id/opened {"pill": IRI or code, "queries": [...]}: the
// operator opened the pill from the search results while handling the ticket. The searches are
// kept with the ticket and the search learns from them, less than from an answer (KB-9).
func (h *Handlers) apiTicketOpened(c echo.Context) error {
	st, t, err := h.paramTicket(c, "id")
	if err != nil {
		return err
	}
	var req answerRequest
	if err := BindJSON(c, &req); err != nil {
		return err
	}
	pill, err := h.pillIRI(c, req.Pill)
	if err != nil {
		return err
	}
	if err := st.PillOpened(c.Request().Context(), t.ID, actor(c), pill, req.Queries); err != nil {
		return Err(err)
	}
	return c.NoContent(http.StatusNoContent)
}

// apiTicketEscalate is POST /api/tickets/:id/escalate {"queries": [...], "reason": ...}:
// escalating records what the operator searched first (TK-10).
func (h *Handlers) apiTicketEscalate(c echo.Context) error {
	return ticketPost(h, c, http.StatusOK, func(st *ticketing.Store, t *ticketing.Ticket, req stepRequest) (*ticketing.Ticket, error) {
		req.Action = ticketing.ActEscalate
		return h.applyStep(c, st, t, req)
	})
}

// apiTicketAttachments is GET /api/tickets/:id/attachments.
func (h *Handlers) apiTicketAttachments(c echo.Context) error {
	st, t, err := h.paramTicket(c, "id")
	if err != nil {
		return err
	}
	list, err := st.Attachments(c.Request().Context(), t.ID)
	if err != nil {
		return Err(err)
	}
	return jsonList(c, list)
}

// apiTicketAttach is POST /api/tickets/:id/attachments, multipart with the file in "file".
func (h *Handlers) apiTicketAttach(c echo.Context) error {
	st, t, err := h.paramTicket(c, "id")
	if err != nil {
		return err
	}
	a, err := h.attach(c, st, t)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, a)
}

func (h *Handlers) attach(c echo.Context, st *ticketing.Store, t *ticketing.Ticket) (*ticketing.Attachment, error) {
	fh, err := c.FormFile("file")
	if err != nil {
		return nil, webkit.BadRequest("missing_file", i18n.T("tk.err.noFile"))
	}
	f, err := fh.Open()
	if err != nil {
		return nil, webkit.Internal(err)
	}
	defer f.Close()
	a, err := st.Attach(c.Request().Context(), t.ID, fh.Filename, f, actor(c), "upload")
	if err != nil {
		return nil, Err(err)
	}
	return a, nil
}

// apiAttachment is GET /api/attachments/:id: the file, with the headers that keep it inert.
func (h *Handlers) apiAttachment(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := st.ServeAttachment(c.Response(), c.Request(), id); err != nil {
		return Err(err)
	}
	return nil
}

// apiTicketCallbacks is GET /api/tickets/:id/callbacks.
func (h *Handlers) apiTicketCallbacks(c echo.Context) error {
	st, t, err := h.paramTicket(c, "id")
	if err != nil {
		return err
	}
	list, err := st.Callbacks(c.Request().Context(), t.ID)
	if err != nil {
		return Err(err)
	}
	return jsonList(c, list)
}

// callbackRequest is the body of POST /api/tickets/:id/callbacks; due is RFC 3339 or
// "YYYY-MM-DDTHH:MM" in Rome time (what an HTML datetime-local field sends); empty is now.
type callbackRequest struct {
	Number      string `json:"number"`
	Due         string `json:"due"`
	MaxAttempts int    `json:"maxAttempts"`
	Notes       string `json:"notes"`
}

func (h *Handlers) scheduleCallback(c echo.Context, st *ticketing.Store, t *ticketing.Ticket, req callbackRequest) (*ticketing.Callback, error) {
	due := time.Now()
	if v := strings.TrimSpace(req.Due); v != "" {
		var err error
		if due, err = time.Parse(time.RFC3339, v); err != nil {
			if due, err = time.ParseInLocation("2006-01-02T15:04", v, clock.Rome()); err != nil {
				return nil, webkit.BadRequest("invalid", i18n.T("tk.err.invalid", fieldName("due"), i18n.T("tk.err.badTime")))
			}
		}
	}
	cb, err := st.ScheduleCallback(c.Request().Context(), t.ID, ticketing.Callback{Number: req.Number, Due: due,
		MaxAttempts: req.MaxAttempts, Notes: req.Notes}, actor(c))
	if err != nil {
		return nil, Err(err)
	}
	return cb, nil
}

// apiCallbackSchedule is POST /api/tickets/:id/callbacks (TK-6, TEL-7).
func (h *Handlers) apiCallbackSchedule(c echo.Context) error {
	return ticketPost(h, c, http.StatusCreated, func(st *ticketing.Store, t *ticketing.Ticket, req callbackRequest) (*ticketing.Callback, error) {
		return h.scheduleCallback(c, st, t, req)
	})
}

// apiCallbacksDue is GET /api/callbacks/due[?by=RFC3339]: the callbacks operators owe now.
func (h *Handlers) apiCallbacksDue(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	by := time.Now()
	if v := c.QueryParam("by"); v != "" {
		if by, err = time.Parse(time.RFC3339, v); err != nil {
			return webkit.BadRequest("bad_parameter", i18n.T("tk.err.badTime"))
		}
	}
	list, err := st.DueCallbacks(c.Request().Context(), by)
	if err != nil {
		return Err(err)
	}
	return jsonList(c, list)
}

// apiCallbackAttempt is POST /api/callbacks/:id/attempts {"reached": bool, "outcome": …}.
func (h *Handlers) apiCallbackAttempt(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var req struct {
		Reached bool   `json:"reached"`
		Outcome string `json:"outcome"`
	}
	if err := BindJSON(c, &req); err != nil {
		return err
	}
	cb, err := st.CallbackAttempt(c.Request().Context(), id, actor(c), req.Reached, req.Outcome)
	if err != nil {
		return Err(err)
	}
	return c.JSON(http.StatusOK, cb)
}

// apiTicketFigures is GET /api/tickets/figures?since&until: first-contact rate, link rate,
// new vs known (SLA-2 C.4, KB-10).
func (h *Handlers) apiTicketFigures(c echo.Context) error {
	f, _, _, err := h.ticketFigures(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, f)
}

// apiTicketGaps is GET /api/tickets/gaps?since&until: requests solved without a pill, by topic.
func (h *Handlers) apiTicketGaps(c echo.Context) error {
	g, _, _, err := h.ticketGaps(c)
	if err != nil {
		return err
	}
	return jsonList(c, g)
}

// apiFeedbackGaps is GET /api/tickets/feedback?since&until: the pills the portal's readers
// answered "no" to "Ti è stata utile?", the most "no" first (KB-10).
func (h *Handlers) apiFeedbackGaps(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	since, until, err := period(c)
	if err != nil {
		return err
	}
	fb, err := st.FeedbackGaps(c.Request().Context(), since, until)
	if err != nil {
		return Err(err)
	}
	return jsonList(c, fb)
}

// ticketFigures computes the figures of the period asked for; the API and /ticket/indicatori
// both answer with it.
func (h *Handlers) ticketFigures(c echo.Context) (*ticketing.Figures, time.Time, time.Time, error) {
	st, err := h.store()
	if err != nil {
		return nil, time.Time{}, time.Time{}, err
	}
	since, until, err := period(c)
	if err != nil {
		return nil, time.Time{}, time.Time{}, err
	}
	f, err := st.Figures(c.Request().Context(), since, until)
	if err != nil {
		return nil, time.Time{}, time.Time{}, Err(err)
	}
	return f, since, until, nil
}

// ticketGaps lists the knowledge gaps (KB-10) of the period asked for, for the API and /lacune.
func (h *Handlers) ticketGaps(c echo.Context) ([]ticketing.Gap, time.Time, time.Time, error) {
	st, err := h.store()
	if err != nil {
		return nil, time.Time{}, time.Time{}, err
	}
	since, until, err := period(c)
	if err != nil {
		return nil, time.Time{}, time.Time{}, err
	}
	g, err := st.Gaps(c.Request().Context(), since, until)
	if err != nil {
		return nil, time.Time{}, time.Time{}, Err(err)
	}
	return g, since, until, nil
}

// jsonList answers a list; a nil one goes out as [] rather than null, which clients would
// have to special-case.
func jsonList[T any](c echo.Context, list []T) error {
	if list == nil {
		list = []T{}
	}
	return c.JSON(http.StatusOK, list)
}

// apiCitizens is GET /api/citizens?q=: caller lookup by phone, email, tax code or name.
func (h *Handlers) apiCitizens(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.QueryParam("q"))
	if q == "" {
		return webkit.BadRequest("missing_query", i18n.T("tk.err.noQuery"))
	}
	list, err := st.FindCitizen(c.Request().Context(), q)
	if err != nil {
		return Err(err)
	}
	return jsonList(c, list)
}

// apiCitizenCreate is POST /api/citizens; a duplicate answers 409 naming the existing record.
func (h *Handlers) apiCitizenCreate(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	var ct ticketing.Citizen
	if err := BindJSON(c, &ct); err != nil {
		return err
	}
	if err := st.CreateCitizen(c.Request().Context(), &ct); err != nil {
		return Err(err)
	}
	return c.JSON(http.StatusCreated, ct)
}

// CitizenView is a citizen with every interaction (TK-2).
type CitizenView struct {
	Citizen *ticketing.Citizen `json:"citizen"`
	Tickets []ticketing.Row    `json:"tickets"`
}

func (h *Handlers) CitizenView(c echo.Context) (*CitizenView, error) {
	st, err := h.store()
	if err != nil {
		return nil, err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	ct, err := st.Citizen(ctx, id)
	if err != nil {
		return nil, Err(err)
	}
	rows, err := st.Rows(ctx, ticketing.Filter{CitizenID: ct.ID, Limit: webkit.MaxPage}, time.Now()) // the newest; a page is bounded
	if err != nil {
		return nil, Err(err)
	}
	if rows == nil {
		rows = []ticketing.Row{}
	}
	return &CitizenView{ct, rows}, nil
}

// apiCitizen is GET /api/citizens/:id.
func (h *Handlers) apiCitizen(c echo.Context) error {
	v, err := h.CitizenView(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// apiCitizenMerge is POST /api/citizens/:id/merge {"drop": id}: the other record's contacts
// and tickets move to this one.
func (h *Handlers) apiCitizenMerge(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	keep, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var req struct {
		Drop int64 `json:"drop"`
	}
	if err := BindJSON(c, &req); err != nil {
		return err
	}
	ct, err := st.Merge(c.Request().Context(), keep, req.Drop, actor(c))
	if err != nil {
		return Err(err)
	}
	return c.JSON(http.StatusOK, ct)
}

// writeXLSX sends sh as an .xlsx download named name-YYYYMMDD.xlsx (the date in Rome).
func writeXLSX(c echo.Context, name string, sh ticketing.Sheet) error {
	b, err := sh.XLSX()
	if err != nil {
		return webkit.Internal(err)
	}
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.xlsx"`, name, time.Now().In(clock.Rome()).Format("20060102")))
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b)
}

// tickets (issue 6): service requests, citizens and the first-call-resolution loop, handlers in
// tickets*.go. They need the Tickets component (without it they answer 404), so they have their
// citizen's public page (TK-18): anyone may file a request and read its status with the number
// and the email address given.
var (
	workers       = []role.Role{role.Operator, role.Backoffice, role.Level2, role.Supervisor}                                   // act on tickets
	readers       = []role.Role{role.Operator, role.Backoffice, role.Level2, role.Supervisor, role.Administrator, role.Auditor} // read them
	figureReaders = []role.Role{role.Supervisor, role.Administrator, role.Auditor, role.Publisher, role.Validator}              // KB-10, C.4
	mergers       = []role.Role{role.Backoffice, role.Level2, role.Supervisor, role.Administrator}                              // citizen merge
)

// Routes are the ticket pages and API, the offices' queues, the memberships and the canned
// answers.
func (h *Handlers) Routes() []webkit.Route {
	return slices.Concat(h.ticketRoutes(), h.ticketAPIRoutes(), h.officeRoutes())
}

func (h *Handlers) ticketRoutes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/ticket", readers, h.ticketInboxPage),
		webkit.GET("/ticket/nuovo", workers, h.ticketNewPage),
		webkit.POST("/ticket/nuovo", workers, h.ticketNewForm),
		webkit.GET("/ticket/indicatori", figureReaders, h.ticketFiguresPage),
		webkit.GET("/ticket/richiamate", readers, h.callbacksPage),
		webkit.POST("/ticket/richiamate/:id/tentativo", workers, h.callbackAttemptForm),
		webkit.GET("/ticket/:number", readers, h.ticketPage),
		webkit.POST("/ticket/:number/azione", workers, h.ticketActionForm),
		webkit.POST("/ticket/:number/note", workers, h.ticketNoteForm),
		webkit.POST("/ticket/:number/rispondi", workers, h.ticketReplyForm),
		webkit.POST("/ticket/:number/contatto/collega", workers, h.ticketLinkForm),
		webkit.POST("/ticket/:number/contatto/registra", workers, h.ticketRegisterForm),
		webkit.POST("/ticket/:number/allegati", workers, h.ticketAttachForm),
		webkit.POST("/ticket/:number/richiamate", workers, h.ticketCallbackForm),
		webkit.GET("/ticket/:number/proponi", proposers, h.proposePage),
		webkit.POST("/ticket/:number/proponi", proposers, h.ticketProposeForm),
		webkit.GET("/lacune", figureReaders, h.gapsPage),
		webkit.GET("/cittadini", readers, h.citizensPage),
		webkit.GET("/cittadini/:id", readers, h.citizenPage),
		webkit.POST("/cittadini/:id/unisci", mergers, h.citizenMergeForm),

		webkit.GET("/api/tickets", readers, h.apiTickets),
		webkit.POST("/api/tickets", workers, h.apiTicketCreate),
		webkit.GET("/api/tickets/export", readers, h.apiTicketsExport),
		webkit.GET("/api/tickets/figures", figureReaders, h.apiTicketFigures),
		webkit.GET("/api/tickets/gaps", figureReaders, h.apiTicketGaps),
		webkit.GET("/api/tickets/feedback", figureReaders, h.apiFeedbackGaps),
		webkit.GET("/api/tickets/:id", readers, h.apiTicket),
		webkit.POST("/api/tickets/:id/steps", workers, h.apiTicketStep),
		webkit.POST("/api/tickets/:id/answer", workers, h.apiTicketAnswer),
		webkit.POST("/api/tickets/:id/opened", workers, h.apiTicketOpened),
		webkit.POST("/api/tickets/:id/escalate", workers, h.apiTicketEscalate),
		webkit.POST("/api/tickets/:id/propose", proposers, h.apiTicketPropose),
		webkit.GET("/api/tickets/:id/attachments", readers, h.apiTicketAttachments),
		webkit.POST("/api/tickets/:id/attachments", workers, h.apiTicketAttach),
		webkit.GET("/api/attachments/:id", readers, h.apiAttachment),
		webkit.GET("/api/tickets/:id/callbacks", readers, h.apiTicketCallbacks),
		webkit.POST("/api/tickets/:id/callbacks", workers, h.apiCallbackSchedule),
		webkit.GET("/api/callbacks/due", readers, h.apiCallbacksDue),
		webkit.POST("/api/callbacks/:id/attempts", workers, h.apiCallbackAttempt),
		webkit.GET("/api/citizens", readers, h.apiCitizens),
		webkit.POST("/api/citizens", workers, h.apiCitizenCreate),
		webkit.GET("/api/citizens/:id", readers, h.apiCitizen),
		webkit.POST("/api/citizens/:id/merge", mergers, h.apiCitizenMerge),
	}
}

// Handlers serve the ticket pages and API; without a ticket store they answer 404.
type Handlers struct {
	tickets *ticketing.Store
	kb      *kb.Store
	pages   *webkit.Pages
	log     *slog.Logger
}

//go:embed templates/*.html
var templates embed.FS

//go:embed static
var static embed.FS

// Static is this package's assets (tickets.js, tickets.css), under static/.
func Static() fs.FS { return static }

// New returns the handlers of the ticket pages.
func New(site *webkit.Site, tickets *ticketing.Store, store *kb.Store, log *slog.Logger) *Handlers {
	return &Handlers{tickets: tickets, kb: store, pages: site.Pages(templates, funcs), log: log}
}

// store returns the ticket store, or a 404 when the server runs without tickets.
func (h *Handlers) store() (*ticketing.Store, error) {
	if h.tickets == nil {
		return nil, webkit.NotFound("tk.absent")
	}
	return h.tickets, nil
}
