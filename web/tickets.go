package web

// This file is the JSON API of the CRM (issue 6, TK-1…TK-18): tickets and their Annex A path,
// first-call resolution with a pill, escalation with what was searched, "propose as knowledge",
// attachments, callbacks, figures, knowledge gaps, citizens and the citizen's public page. The
// pages are in tickets_pages.go; both call the ticketing package and map its errors with
// ticketing.HTTPStatus.

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/internal/clock"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/ticketing"
)

// tickets returns the ticketing store, or a 404 when the server runs without it.
func (s *Server) tickets() (*ticketing.Store, error) {
	if s.Components.Tickets == nil {
		return nil, notFound("tk.absent")
	}
	return s.Components.Tickets, nil
}

// tkActor is the user name recorded in the path; a caller without a name (tests, an
// authenticator that names nobody) is recorded by role so that the path still says who.
func tkActor(c echo.Context) string {
	if u, ok := c.Get(ctxUser).(string); ok && u != "" {
		return u
	}
	return string(roleOf(c))
}

// tkErr turns a ticketing error into an httpError with the status of ticketing.HTTPStatus and
// an Italian message a person can act on.
func tkErr(err error) error {
	st := ticketing.HTTPStatus(err)
	var inv *ticketing.InvalidError
	var dup *ticketing.DuplicateError
	var te *ticketing.TransitionError
	switch {
	case st == http.StatusNotFound:
		return &httpError{Status: st, Code: "not_found", Msg: msg("tk.err.notFound"), Err: err}
	case errors.As(err, &inv):
		return &httpError{Status: st, Code: "invalid", Msg: msg("tk.err.invalid", fieldName(inv.Field), inv.Msg), Err: err}
	case errors.As(err, &dup):
		return &httpError{Status: st, Code: "duplicate", Msg: msg("tk.err.duplicate", dup.Existing, fieldName(dup.By)), Err: err}
	case errors.As(err, &te) && st == http.StatusForbidden:
		return &httpError{Status: st, Code: "role", Msg: msg("tk.err.role", actionLabel(te.Action)), Err: err}
	case errors.As(err, &te) && st == http.StatusConflict:
		return &httpError{Status: st, Code: "state", Msg: msg("tk.err.state", actionLabel(te.Action), te.State.Label()), Err: err}
	case st == http.StatusServiceUnavailable:
		return &httpError{Status: st, Code: "no_mail", Msg: msg("tk.err.noMail"), Err: err}
	case st == http.StatusBadRequest:
		return &httpError{Status: st, Code: "invalid", Msg: msg("tk.err.invalid", "", err.Error()), Err: err}
	}
	return internal(err)
}

// fieldName is the Italian name of an input field, for error messages.
func fieldName(f string) string {
	if v, ok := messages["tk.field."+f]; ok {
		return v
	}
	return f
}

// actionLabel is the Italian name of a ticket action, for buttons, paths and errors.
func actionLabel(a ticketing.Action) string {
	if v, ok := messages["tk.act."+string(a)]; ok {
		return v
	}
	return string(a)
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
func (s *Server) paramTicket(c echo.Context, name string) (*ticketing.Store, *ticketing.Ticket, error) {
	st, err := s.tickets()
	if err != nil {
		return nil, nil, err
	}
	t, err := findTicket(c.Request().Context(), st, c.Param(name))
	if err != nil {
		return nil, nil, tkErr(err)
	}
	return st, t, nil
}

func paramID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest("bad_parameter", msg("err.badNumber", name))
	}
	return id, nil
}

// ticketFilter reads the list filters of the query string (API and pages share them): state
// (repeatable or comma-separated), channel, office, assignee, citizen, category, since and
// until (YYYY-MM-DD), limit, offset, and inbox=1 for the caller's own work list.
func ticketFilter(c echo.Context) (ticketing.Filter, error) {
	var f ticketing.Filter
	if c.QueryParam("inbox") == "1" {
		who := ticketing.CapacityOf(roleOf(c))
		if office := c.QueryParam("office"); office != "" && who == ticketing.AsLevel2 {
			// A level-2 user working for a competent office sees what is assigned to it.
			who = ticketing.AsOffice
		}
		f = ticketing.Inbox(who, c.QueryParam("office"))
	}
	// Explicit states replace the inbox's own: "my queue, only the escalated ones".
	var states []ticketing.State
	for _, v := range c.QueryParams()["state"] {
		for _, st := range strings.Split(v, ",") {
			if st = strings.TrimSpace(st); st == "" {
				continue
			}
			if !validState(ticketing.State(st)) {
				return f, badRequest("bad_parameter", msg("tk.err.badState", st))
			}
			states = append(states, ticketing.State(st))
		}
	}
	if len(states) > 0 {
		f.States = states
	}
	if ch := c.QueryParam("channel"); ch != "" {
		if !ticketing.Channel(ch).Valid() {
			return f, badRequest("bad_parameter", msg("tk.err.badChannel", ch))
		}
		f.Channel = ticketing.Channel(ch)
	}
	if v := c.QueryParam("office"); v != "" {
		f.Office = v
	}
	f.Assignee = c.QueryParam("assignee")
	f.Category = c.QueryParam("category")
	if v := c.QueryParam("citizen"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return f, badRequest("bad_parameter", msg("err.badNumber", "citizen"))
		}
		f.CitizenID = id
	}
	var err error
	if f.Since, err = dateParam(c, "since"); err != nil {
		return f, err
	}
	if f.Until, err = dateParam(c, "until"); err != nil {
		return f, err
	}
	if !f.Until.IsZero() {
		f.Until = f.Until.AddDate(0, 0, 1) // the until day is included
	}
	if f.Limit, err = intParam(c, "limit", 0); err != nil {
		return f, err
	}
	if f.Offset, err = intParam(c, "offset", 0); err != nil {
		return f, err
	}
	return f, nil
}

func validState(st ticketing.State) bool {
	for _, s := range ticketing.States {
		if s == st {
			return true
		}
	}
	return false
}

// dateParam reads a YYYY-MM-DD query parameter as midnight in Rome.
func dateParam(c echo.Context, name string) (time.Time, error) {
	v := c.QueryParam(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", v, clock.Rome())
	if err != nil {
		return time.Time{}, badRequest("bad_parameter", msg("tk.err.badDate", name))
	}
	return t, nil
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

// bindJSON decodes the request body into v with a clear 400 on bad JSON.
func bindJSON(c echo.Context, v any) error {
	if err := (&echo.DefaultBinder{}).BindBody(c, v); err != nil {
		return badRequest("bad_json", msg("tk.err.badJSON"))
	}
	return nil
}

// ticketView is a ticket with everything its page shows.
type ticketView struct {
	Ticket      *ticketing.Ticket      `json:"ticket"`
	SLA         ticketing.SLAState     `json:"sla"`
	Citizen     *ticketing.Citizen     `json:"citizen,omitempty"`
	Path        []ticketing.Event      `json:"path"`
	Queries     []string               `json:"queries"`
	Attachments []ticketing.Attachment `json:"attachments"`
	Callbacks   []ticketing.Callback   `json:"callbacks"`
	Messages    []ticketing.Message    `json:"messages"`
	Allowed     []ticketing.Action     `json:"allowed"` // what the caller may do now
}

func (s *Server) ticketView(ctx context.Context, st *ticketing.Store, t *ticketing.Ticket, who role.Role) (*ticketView, error) {
	v := &ticketView{Ticket: t, SLA: st.SLA(t, time.Now()), Allowed: ticketing.Allowed(t.State, ticketing.CapacityOf(who))}
	var err error
	if t.CitizenID != 0 {
		if v.Citizen, err = st.Citizen(ctx, t.CitizenID); err != nil && !errors.Is(err, ticketing.ErrNotFound) {
			return nil, err
		}
	}
	if v.Path, err = st.Path(ctx, t.ID); err != nil {
		return nil, err
	}
	if v.Queries, err = st.Queries(ctx, t.ID); err != nil {
		return nil, err
	}
	if v.Attachments, err = st.Attachments(ctx, t.ID); err != nil {
		return nil, err
	}
	if v.Callbacks, err = st.Callbacks(ctx, t.ID); err != nil {
		return nil, err
	}
	if v.Messages, err = st.Messages(ctx, t.ID); err != nil {
		return nil, err
	}
	if v.Allowed == nil {
		v.Allowed = []ticketing.Action{}
	}
	return v, nil
}

// apiTickets is GET /api/tickets: the rows the filters select, overdue and at-risk first.
func (s *Server) apiTickets(c echo.Context) error {
	st, err := s.tickets()
	if err != nil {
		return err
	}
	f, err := ticketFilter(c)
	if err != nil {
		return err
	}
	rows, err := st.Rows(c.Request().Context(), f, time.Now())
	if err != nil {
		return tkErr(err)
	}
	if rows == nil {
		rows = []ticketing.Row{}
	}
	return c.JSON(http.StatusOK, map[string]any{"tickets": rows, "total": len(rows)})
}

// apiTicketsExport is GET /api/tickets/export: the same list as a workbook.
func (s *Server) apiTicketsExport(c echo.Context) error {
	st, err := s.tickets()
	if err != nil {
		return err
	}
	f, err := ticketFilter(c)
	if err != nil {
		return err
	}
	rows, err := st.Rows(c.Request().Context(), f, time.Now())
	if err != nil {
		return tkErr(err)
	}
	return writeXLSX(c, "ticket", ticketSheet(rows))
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
func (s *Server) createTicket(c echo.Context, st *ticketing.Store, req newTicketRequest) (*ticketing.Ticket, error) {
	ctx := c.Request().Context()
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
			return nil, tkErr(err)
		}
		if found != nil {
			cid = found.ID
		} else {
			if err := st.CreateCitizen(ctx, req.Citizen); err != nil {
				return nil, tkErr(err)
			}
			cid = req.Citizen.ID
		}
	}
	if req.Channel == "" {
		req.Channel = ticketing.Phone
	}
	t, err := st.Create(ctx, ticketing.NewTicket{CitizenID: cid, Channel: req.Channel, Category: req.Category,
		Priority: req.Priority, Subject: req.Subject, Description: req.Description, Actor: tkActor(c),
		Role: ticketing.CapacityOf(roleOf(c)), CallID: req.CallID})
	if err != nil {
		return nil, tkErr(err)
	}
	return t, nil
}

// apiTicketCreate is POST /api/tickets.
func (s *Server) apiTicketCreate(c echo.Context) error {
	st, err := s.tickets()
	if err != nil {
		return err
	}
	var req newTicketRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	t, err := s.createTicket(c, st, req)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/api/tickets/"+t.Number)
	return c.JSON(http.StatusCreated, t)
}

// apiTicket is GET /api/tickets/:id (a numeric id or the RS number).
func (s *Server) apiTicket(c echo.Context) error {
	st, t, err := s.paramTicket(c, "id")
	if err != nil {
		return err
	}
	v, err := s.ticketView(c.Request().Context(), st, t, roleOf(c))
	if err != nil {
		return tkErr(err)
	}
	return c.JSON(http.StatusOK, v)
}

// stepRequest is the body of POST /api/tickets/:id/steps.
type stepRequest struct {
	Action          ticketing.Action `json:"action"`
	Reason          string           `json:"reason"`
	Office          string           `json:"office"`
	SuggestedOffice string           `json:"suggestedOffice"`
	Pill            string           `json:"pill"`
	Queries         []string         `json:"queries"`
}

// applyStep runs one step as the caller. request_data and final_reminder go through the email
// of TK-13 when outbound email is configured; without it they are plain transitions.
func (s *Server) applyStep(c echo.Context, st *ticketing.Store, t *ticketing.Ticket, req stepRequest) (*ticketing.Ticket, error) {
	ctx := c.Request().Context()
	who, rl := tkActor(c), ticketing.CapacityOf(roleOf(c))
	var out *ticketing.Ticket
	var err error
	switch req.Action {
	case ticketing.ActRequestData:
		out, err = st.RequestData(ctx, t.ID, who, rl, req.Reason)
		if errors.Is(err, ticketing.ErrNoMail) {
			out, err = st.Apply(ctx, t.ID, ticketing.Step{Action: req.Action, Actor: who, Role: rl, Reason: req.Reason})
		}
	case ticketing.ActFinalReminder:
		out, err = st.FinalReminder(ctx, t.ID, who, rl)
		if errors.Is(err, ticketing.ErrNoMail) {
			out, err = st.Apply(ctx, t.ID, ticketing.Step{Action: req.Action, Actor: who, Role: rl, Reason: req.Reason})
		}
	case "":
		return nil, badRequest("invalid", msg("tk.err.invalid", fieldName("action"), msg("tk.err.noAction")))
	default:
		out, err = st.Apply(ctx, t.ID, ticketing.Step{Action: req.Action, Actor: who, Role: rl, Reason: req.Reason,
			Office: req.Office, SuggestedOffice: req.SuggestedOffice, Pill: req.Pill, Queries: req.Queries})
	}
	if err != nil {
		return nil, tkErr(err)
	}
	return out, nil
}

// apiTicketStep is POST /api/tickets/:id/steps: one step of the Annex A flow.
func (s *Server) apiTicketStep(c echo.Context) error {
	return ticketPost(s, c, http.StatusOK, func(st *ticketing.Store, t *ticketing.Ticket, req stepRequest) (*ticketing.Ticket, error) {
		return s.applyStep(c, st, t, req)
	})
}

// ticketPost serves a POST on /api/tickets/:id: the ticket loaded, the JSON body decoded,
// then do, whose result is the answer with status.
func ticketPost[Req, Out any](s *Server, c echo.Context, status int, do func(*ticketing.Store, *ticketing.Ticket, Req) (Out, error)) error {
	st, t, err := s.paramTicket(c, "id")
	if err != nil {
		return err
	}
	var req Req
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	out, err := do(st, t, req)
	if err != nil {
		return err
	}
	return c.JSON(status, out)
}

// apiTicketAnswer is POST /api/tickets/:id/answer {"pill": IRI or code}: solved at level 1
// with the pill (first-call resolution, the link rate of C.4).
func (s *Server) apiTicketAnswer(c echo.Context) error {
	return ticketPost(s, c, http.StatusOK, func(st *ticketing.Store, t *ticketing.Ticket, req answerRequest) (*ticketing.Ticket, error) {
		return s.answerWithPill(c, st, t, req.Pill)
	})
}

// answerRequest is the body of POST /api/tickets/:id/answer.
type answerRequest struct {
	Pill string `json:"pill"`
}

// answerWithPill resolves a pill code to its IRI (the suggestions carry both) and solves.
func (s *Server) answerWithPill(c echo.Context, st *ticketing.Store, t *ticketing.Ticket, pill string) (*ticketing.Ticket, error) {
	ctx := c.Request().Context()
	pill = strings.TrimSpace(pill)
	if pill != "" && !strings.Contains(pill, ":") {
		p, err := s.findPill(ctx, pill, roleOf(c))
		if err != nil {
			return nil, storeErr(err, "err.pillNotFound")
		}
		pill = p.IRI
	}
	out, err := st.AnswerWithPill(ctx, t.ID, tkActor(c), ticketing.CapacityOf(roleOf(c)), pill)
	if err != nil {
		return nil, tkErr(err)
	}
	return out, nil
}

// apiTicketEscalate is POST /api/tickets/:id/escalate {"queries": [...], "reason": ...}:
// escalating records what the operator searched first (TK-10).
func (s *Server) apiTicketEscalate(c echo.Context) error {
	return ticketPost(s, c, http.StatusOK, func(st *ticketing.Store, t *ticketing.Ticket, req stepRequest) (*ticketing.Ticket, error) {
		req.Action = ticketing.ActEscalate
		return s.applyStep(c, st, t, req)
	})
}

// apiTicketPropose is POST /api/tickets/:id/propose: a draft pill, or a new draft version of
// the linked pill, prefilled from the solved ticket (KB-2, KB-9).
func (s *Server) apiTicketPropose(c echo.Context) error {
	st, t, err := s.paramTicket(c, "id")
	if err != nil {
		return err
	}
	p, err := s.propose(c, st, t)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, p)
}

// propose is open to the levels that solve tickets past level 1: the front office answers
// from the knowledge base, it does not write it.
func (s *Server) propose(c echo.Context, st *ticketing.Store, t *ticketing.Ticket) (*ticketing.Proposal, error) {
	switch roleOf(c) {
	case role.Backoffice, role.Level2, role.Supervisor:
	default:
		return nil, &httpError{Status: http.StatusForbidden, Code: "role", Msg: msg("tk.err.role", actionLabel(ticketing.ActPropose))}
	}
	// Proposals go through the store's workflow, the one writer of pills (KB-2, KB-9).
	p, err := st.ProposeKnowledge(c.Request().Context(), t.ID, tkActor(c), s.store.Workflow())
	var se *kb.StateError
	if errors.As(err, &se) {
		return nil, &httpError{Status: http.StatusConflict, Code: "state", Msg: se.Error(), Err: err}
	}
	if err != nil {
		return nil, tkErr(err)
	}
	return p, nil
}

// apiTicketAttachments is GET /api/tickets/:id/attachments.
func (s *Server) apiTicketAttachments(c echo.Context) error {
	st, t, err := s.paramTicket(c, "id")
	if err != nil {
		return err
	}
	list, err := st.Attachments(c.Request().Context(), t.ID)
	if err != nil {
		return tkErr(err)
	}
	return jsonList(c, list)
}

// apiTicketAttach is POST /api/tickets/:id/attachments, multipart with the file in "file".
func (s *Server) apiTicketAttach(c echo.Context) error {
	st, t, err := s.paramTicket(c, "id")
	if err != nil {
		return err
	}
	a, err := s.attach(c, st, t)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, a)
}

func (s *Server) attach(c echo.Context, st *ticketing.Store, t *ticketing.Ticket) (*ticketing.Attachment, error) {
	fh, err := c.FormFile("file")
	if err != nil {
		return nil, badRequest("missing_file", msg("tk.err.noFile"))
	}
	f, err := fh.Open()
	if err != nil {
		return nil, internal(err)
	}
	defer f.Close()
	a, err := st.Attach(c.Request().Context(), t.ID, fh.Filename, f, tkActor(c), "upload")
	if err != nil {
		return nil, tkErr(err)
	}
	return a, nil
}

// apiAttachment is GET /api/attachments/:id: the file, with the headers that keep it inert.
func (s *Server) apiAttachment(c echo.Context) error {
	st, err := s.tickets()
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := st.ServeAttachment(c.Response(), c.Request(), id); err != nil {
		return tkErr(err)
	}
	return nil
}

// apiTicketCallbacks is GET /api/tickets/:id/callbacks.
func (s *Server) apiTicketCallbacks(c echo.Context) error {
	st, t, err := s.paramTicket(c, "id")
	if err != nil {
		return err
	}
	list, err := st.Callbacks(c.Request().Context(), t.ID)
	if err != nil {
		return tkErr(err)
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

func (s *Server) scheduleCallback(c echo.Context, st *ticketing.Store, t *ticketing.Ticket, req callbackRequest) (*ticketing.Callback, error) {
	due := time.Now()
	if v := strings.TrimSpace(req.Due); v != "" {
		var err error
		if due, err = time.Parse(time.RFC3339, v); err != nil {
			if due, err = time.ParseInLocation("2006-01-02T15:04", v, clock.Rome()); err != nil {
				return nil, badRequest("invalid", msg("tk.err.invalid", fieldName("due"), msg("tk.err.badTime")))
			}
		}
	}
	cb, err := st.ScheduleCallback(c.Request().Context(), t.ID, ticketing.Callback{Number: req.Number, Due: due,
		MaxAttempts: req.MaxAttempts, Notes: req.Notes}, tkActor(c))
	if err != nil {
		return nil, tkErr(err)
	}
	return cb, nil
}

// apiCallbackSchedule is POST /api/tickets/:id/callbacks (TK-6, TEL-7).
func (s *Server) apiCallbackSchedule(c echo.Context) error {
	return ticketPost(s, c, http.StatusCreated, func(st *ticketing.Store, t *ticketing.Ticket, req callbackRequest) (*ticketing.Callback, error) {
		return s.scheduleCallback(c, st, t, req)
	})
}

// apiCallbacksDue is GET /api/callbacks/due[?by=RFC3339]: the callbacks operators owe now.
func (s *Server) apiCallbacksDue(c echo.Context) error {
	st, err := s.tickets()
	if err != nil {
		return err
	}
	by := time.Now()
	if v := c.QueryParam("by"); v != "" {
		if by, err = time.Parse(time.RFC3339, v); err != nil {
			return badRequest("bad_parameter", msg("tk.err.badTime"))
		}
	}
	list, err := st.DueCallbacks(c.Request().Context(), by)
	if err != nil {
		return tkErr(err)
	}
	return jsonList(c, list)
}

// apiCallbackAttempt is POST /api/callbacks/:id/attempts {"reached": bool, "outcome": …}.
func (s *Server) apiCallbackAttempt(c echo.Context) error {
	st, err := s.tickets()
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
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	cb, err := st.CallbackAttempt(c.Request().Context(), id, tkActor(c), req.Reached, req.Outcome)
	if err != nil {
		return tkErr(err)
	}
	return c.JSON(http.StatusOK, cb)
}

// apiTicketFigures is GET /api/tickets/figures?since&until: first-contact rate, link rate,
// new vs known (SLA-2 C.4, KB-10).
func (s *Server) apiTicketFigures(c echo.Context) error {
	f, _, _, err := s.ticketFigures(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, f)
}

// apiTicketGaps is GET /api/tickets/gaps?since&until: requests solved without a pill, by topic.
func (s *Server) apiTicketGaps(c echo.Context) error {
	g, _, _, err := s.ticketGaps(c)
	if err != nil {
		return err
	}
	return jsonList(c, g)
}

// ticketFigures computes the figures of the period asked for; the API and /ticket/indicatori
// both answer with it.
func (s *Server) ticketFigures(c echo.Context) (*ticketing.Figures, time.Time, time.Time, error) {
	st, err := s.tickets()
	if err != nil {
		return nil, time.Time{}, time.Time{}, err
	}
	since, until, err := period(c)
	if err != nil {
		return nil, time.Time{}, time.Time{}, err
	}
	f, err := st.Figures(c.Request().Context(), since, until)
	if err != nil {
		return nil, time.Time{}, time.Time{}, tkErr(err)
	}
	return f, since, until, nil
}

// ticketGaps lists the knowledge gaps (KB-10) of the period asked for, for the API and /lacune.
func (s *Server) ticketGaps(c echo.Context) ([]ticketing.Gap, time.Time, time.Time, error) {
	st, err := s.tickets()
	if err != nil {
		return nil, time.Time{}, time.Time{}, err
	}
	since, until, err := period(c)
	if err != nil {
		return nil, time.Time{}, time.Time{}, err
	}
	g, err := st.Gaps(c.Request().Context(), since, until)
	if err != nil {
		return nil, time.Time{}, time.Time{}, tkErr(err)
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
func (s *Server) apiCitizens(c echo.Context) error {
	st, err := s.tickets()
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.QueryParam("q"))
	if q == "" {
		return badRequest("missing_query", msg("tk.err.noQuery"))
	}
	list, err := st.FindCitizen(c.Request().Context(), q)
	if err != nil {
		return tkErr(err)
	}
	return jsonList(c, list)
}

// apiCitizenCreate is POST /api/citizens; a duplicate answers 409 naming the existing record.
func (s *Server) apiCitizenCreate(c echo.Context) error {
	st, err := s.tickets()
	if err != nil {
		return err
	}
	var ct ticketing.Citizen
	if err := bindJSON(c, &ct); err != nil {
		return err
	}
	if err := st.CreateCitizen(c.Request().Context(), &ct); err != nil {
		return tkErr(err)
	}
	return c.JSON(http.StatusCreated, ct)
}

// citizenView is a citizen with every interaction (TK-2).
type citizenView struct {
	Citizen *ticketing.Citizen `json:"citizen"`
	Tickets []ticketing.Row    `json:"tickets"`
}

func (s *Server) citizenView(c echo.Context) (*citizenView, error) {
	st, err := s.tickets()
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
		return nil, tkErr(err)
	}
	rows, err := st.Rows(ctx, ticketing.Filter{CitizenID: ct.ID, Limit: 1 << 20}, time.Now())
	if err != nil {
		return nil, tkErr(err)
	}
	if rows == nil {
		rows = []ticketing.Row{}
	}
	return &citizenView{ct, rows}, nil
}

// apiCitizen is GET /api/citizens/:id.
func (s *Server) apiCitizen(c echo.Context) error {
	v, err := s.citizenView(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// apiCitizenMerge is POST /api/citizens/:id/merge {"drop": id}: the other record's contacts
// and tickets move to this one.
func (s *Server) apiCitizenMerge(c echo.Context) error {
	st, err := s.tickets()
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
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	ct, err := st.Merge(c.Request().Context(), keep, req.Drop, tkActor(c))
	if err != nil {
		return tkErr(err)
	}
	return c.JSON(http.StatusOK, ct)
}

// publicRequest is the body of POST /api/public/requests (TK-18).
type publicRequest struct {
	Name        string `json:"name"`
	Email       string `json:"email"`
	Phone       string `json:"phone"`
	Subject     string `json:"subject"`
	Description string `json:"description"`
}

// apiPublicSubmit is POST /api/public/requests: anyone may file a request; the answer is only
// the number, never anything about the citizen record it was matched to.
func (s *Server) apiPublicSubmit(c echo.Context) error {
	st, err := s.tickets()
	if err != nil {
		return err
	}
	var req publicRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	t, err := st.SubmitWeb(c.Request().Context(), ticketing.WebRequest{Name: req.Name, Email: req.Email,
		Phone: req.Phone, Subject: req.Subject, Description: req.Description})
	if err != nil {
		return tkErr(err)
	}
	return c.JSON(http.StatusCreated, map[string]string{"number": t.PublicRef, "state": t.State.Label()})
}

// publicStatus is what the citizen may read of their request: number, state, dates and the
// steps' states, without names of staff or internal reasons.
type publicStatus struct {
	Number  string       `json:"number"`
	State   string       `json:"state"`
	Subject string       `json:"subject,omitempty"`
	Created time.Time    `json:"created"`
	Solved  time.Time    `json:"solved,omitempty"`
	Steps   []publicStep `json:"steps"`
}

type publicStep struct {
	At    time.Time `json:"at"`
	State string    `json:"state"`
}

func (s *Server) publicStatus(c echo.Context, number, email string) (*publicStatus, error) {
	st, err := s.tickets()
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(number) == "" || strings.TrimSpace(email) == "" {
		return nil, badRequest("invalid", msg("tk.public.both"))
	}
	t, events, err := st.PublicStatus(c.Request().Context(), number, email)
	if err != nil {
		if ticketing.HTTPStatus(err) == http.StatusNotFound {
			// The same answer for a wrong number and a wrong email: the page must not confirm
			// that a number exists to someone who does not know the address.
			return nil, &httpError{Status: http.StatusNotFound, Code: "not_found", Msg: msg("tk.public.notFound")}
		}
		return nil, tkErr(err)
	}
	ps := &publicStatus{Number: t.PublicRef, State: t.State.Label(), Subject: t.Subject, Created: t.Created,
		Solved: t.SolvedAt, Steps: []publicStep{}}
	for _, e := range events {
		if e.To != "" && e.To != e.From || e.Action == ticketing.ActCreate {
			ps.Steps = append(ps.Steps, publicStep{At: e.At, State: e.To.Label()})
		}
	}
	return ps, nil
}

// apiPublicStatus is GET /api/public/status?number&email.
func (s *Server) apiPublicStatus(c echo.Context) error {
	ps, err := s.publicStatus(c, c.QueryParam("number"), c.QueryParam("email"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ps)
}

// describeSLA is the Italian text of a row's SLA state for lists and exports.
func describeSLA(sla ticketing.SLAState) string {
	switch {
	case sla.Overdue:
		return msg("tk.sla.overdue")
	case sla.AtRisk:
		return msg("tk.sla.atRisk")
	}
	return ""
}
