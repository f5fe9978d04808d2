package contactcenter

// The operator's desk (issue 16): one screen per contact — the caller's record and history,
// channel and time waited, call control, the knowledge search with the answer beside the
// results, the ticket of the contact — at /operatore, and its JSON API under /api/desk/. The
// rules are package contactcenter's Desk; each handler here reads the request, calls one of its
// methods and writes the answer.

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	cc "sportello/contactcenter"
	"sportello/i18n"
	"sportello/internal/role"
	"sportello/telephony"
	"sportello/ticketing"
	"sportello/web/webkit"
)

// deskOf returns the component and its desk, or a 404 when the server runs without them.
func (h *Handlers) deskOf() (*Telephony, *cc.Desk, error) {
	t, err := h.telephony()
	if err != nil {
		return nil, nil, err
	}
	if t.Desk == nil {
		return nil, nil, webkit.NotFound("desk.absent")
	}
	return t, t.Desk, nil
}

// who is the caller of a desk request and the capacity they act in on tickets.
func who(c echo.Context) (string, ticketing.Capacity) {
	return webkit.UserOf(c), ticketing.CapacityOf(webkit.RoleOf(c))
}

// deskErr answers an error of the desk: input refused with the message of each field (the
// desk shows them beside what was typed), a step the ticket or the role does not allow, a
// recording the caller may not hear.
func deskErr(c echo.Context, err error) error {
	var te *ticketing.TransitionError
	switch {
	case errors.Is(err, ticketing.ErrNotFound):
		return webkit.NotFound("desk.ticketNotFound")
	case errors.Is(err, cc.ErrNotAllowed):
		return webkit.Forbidden("not_allowed", i18n.T("desk.notAllowed"))
	case errors.Is(err, telephony.ErrNoRecording):
		return webkit.NotFound("desk.noRecording")
	case errors.Is(err, ticketing.ErrInvalid):
		fields := ticketing.Fields(err)
		var parts []string
		for _, m := range fields {
			parts = append(parts, m)
		}
		msg := i18n.T("desk.invalid", strings.Join(parts, "; "))
		return c.JSON(http.StatusBadRequest, map[string]any{"error": msg, "code": "invalid", "fields": fields})
	case errors.As(err, &te):
		msg := te.Message()
		if msg == "" {
			msg = i18n.T("desk.transition", actionLabel(te.Action), te.State.Label())
		}
		code := "state"
		if ticketing.HTTPStatus(err) == http.StatusForbidden {
			code = "role"
		}
		return &webkit.HTTPError{Status: ticketing.HTTPStatus(err), Code: code, Msg: msg, Err: err}
	}
	return webkit.Internal(err)
}

func actionLabel(a ticketing.Action) string { return i18n.Or("tk.act."+string(a), string(a)) }

// readJSON reads a JSON body of at most 256 KiB into v, refusing unknown fields.
func readJSON(c echo.Context, v any) error {
	req := c.Request()
	if !strings.HasPrefix(req.Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) {
		return webkit.BadRequest("bad_json", i18n.T("desk.jsonOnly"))
	}
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), req.Body, 256<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return webkit.BadRequest("bad_json", i18n.T("desk.emptyBody"))
		}
		return webkit.BadRequest("bad_json", i18n.T("cti.badJSON", err.Error()))
	}
	return nil
}

// TicketLine is a request as the desk lists it: the history of a caller, the contacts still to
// complete.
type TicketLine struct {
	Number       string    `json:"number"`
	URL          string    `json:"url"`
	Created      time.Time `json:"created"`
	Channel      string    `json:"channel"`
	ChannelLabel string    `json:"channelLabel"`
	State        string    `json:"state"`
	StateLabel   string    `json:"stateLabel"`
	Subject      string    `json:"subject"`
	Pill         string    `json:"pill,omitempty"`
	Offline      bool      `json:"recordedOffline,omitempty"`
}

func lineOf(t ticketing.Ticket) TicketLine {
	return TicketLine{Number: t.Number, URL: "/ticket/" + t.Number, Created: t.Created, Channel: string(t.Channel),
		ChannelLabel: t.Channel.Label(), State: string(t.State), StateLabel: t.State.Label(), Subject: t.Subject,
		Pill: t.Pill, Offline: t.RecordedOffline}
}

func linesOf(rows []ticketing.Row) []TicketLine {
	out := []TicketLine{}
	for _, r := range rows {
		out = append(out, lineOf(r.Ticket))
	}
	return out
}

// caller is GET /api/desk/caller?number=: who is calling and their history (KB-4).
func (h *Handlers) caller(c echo.Context) error {
	_, d, err := h.deskOf()
	if err != nil {
		return err
	}
	number := strings.TrimSpace(c.QueryParam("number"))
	if len(number) > 64 {
		return webkit.BadRequest("bad_number", i18n.T("cti.badNumber"))
	}
	v, err := d.Caller(c.Request().Context(), number)
	if err != nil {
		return deskErr(c, err)
	}
	return c.JSON(http.StatusOK, map[string]any{"matches": matchesOf(v.Callers), "history": linesOf(v.History)})
}

// Step is a step of a ticket's path as the desk shows it.
type Step struct {
	At          time.Time `json:"at"`
	Actor       string    `json:"actor"`
	Role        string    `json:"role"`
	Action      string    `json:"action"`
	ActionLabel string    `json:"actionLabel"`
	Reason      string    `json:"reason,omitempty"`
}

// RecordingLine is a recording of the contact, with the address that plays it.
type RecordingLine struct {
	Name            string    `json:"name"`
	Start           time.Time `json:"start"`
	DurationSeconds int       `json:"durationSeconds"`
	URL             string    `json:"url"`
}

func recordingsOf(number string, recs []telephony.Recording) []RecordingLine {
	out := []RecordingLine{}
	for _, r := range recs {
		out = append(out, RecordingLine{Name: r.Name, Start: r.Start, DurationSeconds: int(r.Duration / time.Second),
			URL: "/api/desk/tickets/" + number + "/recordings/" + r.Name})
	}
	return out
}

// view is GET /api/desk/tickets/:number: the ticket of the contact as the desk shows it.
func (h *Handlers) view(c echo.Context) error {
	_, d, err := h.deskOf()
	if err != nil {
		return err
	}
	user, capacity := who(c)
	v, err := d.View(c.Request().Context(), c.Param("number"), user, capacity)
	if err != nil {
		return deskErr(c, err)
	}
	return c.JSON(http.StatusOK, viewOf(v))
}

func viewOf(v *cc.View) map[string]any {
	path := []Step{}
	for _, e := range v.Path {
		path = append(path, Step{At: e.At, Actor: e.Actor, Role: string(e.Role), Action: string(e.Action),
			ActionLabel: actionLabel(e.Action), Reason: e.Reason})
	}
	queries := v.Queries
	if queries == nil {
		queries = []string{}
	}
	callbacks := v.Callbacks
	if callbacks == nil {
		callbacks = []ticketing.Callback{}
	}
	return map[string]any{"ticket": v.Ticket, "line": lineOf(*v.Ticket), "citizen": v.Citizen, "history": linesOf(v.History),
		"path": path, "queries": queries, "callbacks": callbacks, "solveAction": v.SolveAction, "canEscalate": v.CanEscalate,
		"mayHear": v.MayHear, "recordings": recordingsOf(v.Ticket.Number, v.Recordings)}
}

// editBody is what the operator typed about the request; absent fields stay as they are.
type editBody struct {
	Subject     *string `json:"subject"`
	Description *string `json:"description"`
}

func (b editBody) edit() cc.Edit { return cc.Edit{Subject: b.Subject, Description: b.Description} }

// save is POST /api/desk/tickets/:number: what was typed, saved.
func (h *Handlers) save(c echo.Context) error {
	_, d, err := h.deskOf()
	if err != nil {
		return err
	}
	var b editBody
	if err := readJSON(c, &b); err != nil {
		return err
	}
	user, capacity := who(c)
	t, err := d.Save(c.Request().Context(), c.Param("number"), user, capacity, b.edit())
	if err != nil {
		return deskErr(c, err)
	}
	return c.JSON(http.StatusOK, map[string]any{"ticket": t, "line": lineOf(*t)})
}

// solveBody solves the ticket with the pill shown.
type solveBody struct {
	editBody
	Pill    string   `json:"pill"`
	Answer  string   `json:"answer"`
	Queries []string `json:"queries"`
}

// solve is POST /api/desk/tickets/:number/solve (one click with the pill shown).
func (h *Handlers) solve(c echo.Context) error {
	_, d, err := h.deskOf()
	if err != nil {
		return err
	}
	var b solveBody
	if err := readJSON(c, &b); err != nil {
		return err
	}
	user, capacity := who(c)
	t, err := d.Solve(c.Request().Context(), c.Param("number"), user, capacity,
		cc.Solution{Edit: b.edit(), Pill: b.Pill, Answer: b.Answer, Queries: b.Queries})
	if err != nil {
		return deskErr(c, err)
	}
	return c.JSON(http.StatusOK, map[string]any{"ticket": t, "line": lineOf(*t)})
}

// escalateBody escalates the ticket to level 2, with the call when an extension is given.
type escalateBody struct {
	editBody
	Queries   []string `json:"queries"`
	Note      string   `json:"note"`
	Extension string   `json:"extension"` // transfer the call there with the ticket (TK-5)
	Attended  bool     `json:"attended"`  // consult first, then complete or go back
	Operator  string   `json:"operator"`  // supervisors: the operator whose call it is
}

// escalate is POST /api/desk/tickets/:number/escalate: to level 2 now, or — with an
// extension — with the call: the transfer starts and the ticket is escalated when the call
// reaches the target (a failed transfer leaves both with the operator).
func (h *Handlers) escalate(c echo.Context) error {
	t, d, err := h.deskOf()
	if err != nil {
		return err
	}
	var b escalateBody
	if err := readJSON(c, &b); err != nil {
		return err
	}
	user, capacity := who(c)
	ctx := c.Request().Context()
	number := c.Param("number")
	e := cc.Escalation{Edit: b.edit(), Queries: b.Queries, Note: b.Note}
	ext := strings.TrimSpace(b.Extension)
	if ext == "" {
		tk, err := d.Escalate(ctx, number, user, capacity, e, "")
		if err != nil {
			return deskErr(c, err)
		}
		return c.JSON(http.StatusOK, map[string]any{"ticket": tk, "line": lineOf(*tk)})
	}
	if !validExtension(ext) {
		return webkit.BadRequest("bad_extension", i18n.T("cti.badExtension"))
	}
	op, err := h.operatorFor(c, t, b.Operator)
	if err != nil {
		return err
	}
	callID, err := ownCall(op, "")
	if err != nil || op.State != telephony.OnCall {
		return &webkit.HTTPError{Status: http.StatusConflict, Code: "wrong_state", Msg: i18n.T("cti.noCall")}
	}
	tk, err := d.Escalate(ctx, number, user, capacity, e, callID)
	if err != nil {
		return deskErr(c, err)
	}
	var acts []telephony.Action
	if b.Attended {
		acts, err = t.ACD.Consult(callID, ext)
	} else {
		acts, err = t.ACD.Transfer(callID, ext)
	}
	if err != nil {
		d.CancelEscalation(callID)
		return acdErr(err)
	}
	t.do(acts)
	return c.JSON(http.StatusOK, map[string]any{"ticket": tk, "line": lineOf(*tk), "pending": true})
}

func validExtension(ext string) bool {
	return ext != "" && len(ext) <= 32 && !strings.ContainsAny(ext, " \t\r\n<>\"@;")
}

// recordBody is a contact recorded on the desk (TK-14).
type recordBody struct {
	ID      string   `json:"id"`
	Channel string   `json:"channel"`
	From    string   `json:"from"`
	Name    string   `json:"name"`
	At      string   `json:"at"` // RFC 3339: when it was recorded; "" means now
	Notes   string   `json:"notes"`
	Pill    string   `json:"pill"`
	Queries []string `json:"queries"`
	Offline bool     `json:"offline"`
}

// record is POST /api/desk/contacts: a contact recorded on the desk — at the counter, or while
// the server could not be reached (sent when it is back, with the time it was recorded). The
// same record sent again answers 200 with its ticket; a new one 201.
func (h *Handlers) record(c echo.Context) error {
	_, d, err := h.deskOf()
	if err != nil {
		return err
	}
	var b recordBody
	if err := readJSON(c, &b); err != nil {
		return err
	}
	r := cc.Recorded{ID: b.ID, Channel: ticketing.Channel(b.Channel), From: b.From, Name: b.Name, Notes: b.Notes,
		Pill: b.Pill, Queries: b.Queries, Offline: b.Offline}
	if strings.TrimSpace(b.At) != "" {
		at, err := time.Parse(time.RFC3339, strings.TrimSpace(b.At))
		if err != nil {
			return c.JSON(http.StatusBadRequest, map[string]any{"error": i18n.T("desk.badTime"), "code": "invalid",
				"fields": map[string]string{"at": i18n.T("desk.badTime")}})
		}
		r.At = at
	}
	user, capacity := who(c)
	t, already, err := d.Record(c.Request().Context(), user, capacity, r)
	if err != nil {
		return deskErr(c, err)
	}
	status := http.StatusCreated
	if already {
		status = http.StatusOK
	}
	return c.JSON(status, map[string]any{"ticket": t, "line": lineOf(*t), "already": already})
}

// mine is GET /api/desk/mine: the caller's open requests, the contacts still to complete.
func (h *Handlers) mine(c echo.Context) error {
	_, d, err := h.deskOf()
	if err != nil {
		return err
	}
	rows, err := d.Mine(c.Request().Context(), webkit.UserOf(c))
	if err != nil {
		return deskErr(c, err)
	}
	return c.JSON(http.StatusOK, map[string]any{"items": linesOf(rows)})
}

// DueCallback is a callback due, as the desk lists it.
type DueCallback struct {
	ID       int64     `json:"id"`
	Ticket   string    `json:"ticket"`
	URL      string    `json:"url"`
	Subject  string    `json:"subject"`
	Number   string    `json:"number"`
	Due      time.Time `json:"due"`
	Attempts int       `json:"attempts"`
	Max      int       `json:"maxAttempts"`
	Outcome  string    `json:"outcome,omitempty"`
}

// callbacks is GET /api/desk/callbacks: the callbacks due, to place from the desk.
func (h *Handlers) callbacks(c echo.Context) error {
	_, d, err := h.deskOf()
	if err != nil {
		return err
	}
	due, err := d.DueCallbacks(c.Request().Context())
	if err != nil {
		return deskErr(c, err)
	}
	out := []DueCallback{}
	for _, cb := range due {
		out = append(out, DueCallback{ID: cb.ID, Ticket: cb.Ticket, URL: "/ticket/" + cb.Ticket, Subject: cb.Subject,
			Number: cb.Number, Due: cb.Due, Attempts: cb.Attempts, Max: cb.MaxAttempts, Outcome: cb.Outcome})
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

// recordings is GET /api/desk/tickets/:number/recordings: the contact's recordings, for the
// supervisors and who handled the request (TK-4); anyone else 403.
func (h *Handlers) recordings(c echo.Context) error {
	_, d, err := h.deskOf()
	if err != nil {
		return err
	}
	user, capacity := who(c)
	recs, err := d.RecordingsOf(c.Request().Context(), c.Param("number"), user, capacity)
	if err != nil {
		return deskErr(c, err)
	}
	return c.JSON(http.StatusOK, map[string]any{"items": recordingsOf(c.Param("number"), recs)})
}

// recording is GET /api/desk/tickets/:number/recordings/:name: one recording (audio/wav, with
// ranges, so the player can seek), for the same people.
func (h *Handlers) recording(c echo.Context) error {
	_, d, err := h.deskOf()
	if err != nil {
		return err
	}
	user, capacity := who(c)
	f, err := d.OpenRecording(c.Request().Context(), c.Param("number"), c.Param("name"), user, capacity)
	if err != nil {
		return deskErr(c, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return webkit.Internal(err)
	}
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "audio/wav")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Disposition", `inline; filename="`+c.Param("number")+"-"+info.Name()+`"`)
	http.ServeContent(w, c.Request(), "", info.ModTime(), f)
	return nil
}

// dismiss is POST /api/desk/dismiss {"callId"}: the desk closed an ended contact (the next
// reload does not show it again).
func (h *Handlers) dismiss(c echo.Context) error {
	t, err := h.telephony()
	if err != nil {
		return err
	}
	var b struct {
		CallID   string `json:"callId"`
		Operator string `json:"operator"`
	}
	if err := readJSON(c, &b); err != nil {
		return err
	}
	op, err := h.operatorFor(c, t, b.Operator)
	if err != nil {
		return err
	}
	if t.Hub != nil {
		t.Hub.Dismiss(op.ID, b.CallID)
	}
	return c.NoContent(http.StatusNoContent)
}

// deskData is what the desk's page receives.
type deskData struct {
	PhoneAnswers bool
	Operator     Operator
	Asked        string // ?operatore= of a supervisor
	Queues       []string
	Channels     []ticketing.Channel // of a recorded contact
	Shortcuts    []Shortcut
	User         string
	HasDesk      bool
	webkit.FormBase
}

// Shortcut is a keyboard shortcut of the desk, listed in its help.
type Shortcut struct {
	Keys, Action string
}

// Shortcuts are the desk's keyboard shortcuts (documented in the README too). Alt+letter
// avoids the browser's own shortcuts in Chromium (Alt+F and Alt+E open its menu, Alt+D the
// address bar); "/" and "?" work when the focus is not in a text field.
func Shortcuts() []Shortcut {
	var out []Shortcut
	for _, k := range []string{"answer", "hangup", "search", "solve", "escalate", "transfer", "record", "help"} {
		out = append(out, Shortcut{Keys: i18n.T("desk.key." + k), Action: i18n.T("desk.keyAction." + k)})
	}
	return out
}

// deskPage is GET /operatore: the operator's desk.
func (h *Handlers) deskPage(c echo.Context) error {
	t, err := h.telephony()
	if err != nil {
		return err
	}
	asked := c.QueryParam("operatore")
	op, err := h.operatorFor(c, t, asked)
	if err != nil {
		return err
	}
	d := deskData{Operator: operatorOf(op), Queues: op.Queues, PhoneAnswers: t.PhoneAnswers, User: webkit.UserOf(c),
		HasDesk: t.Desk != nil, Shortcuts: Shortcuts()}
	for _, ch := range ticketing.Channels {
		if ch != ticketing.Voicemail {
			d.Channels = append(d.Channels, ch)
		}
	}
	if webkit.RoleOf(c) == role.Supervisor {
		d.Asked = asked
	}
	d.FormBase = webkit.FormOf(c)
	c.Response().Header().Set("Cache-Control", "no-store")
	return h.pages.Render(c, "desk", webkit.PageData{Title: i18n.T("desk.title"), Nav: "operator", Data: d})
}

// channelLabel is the Italian name of a ticket channel, for the recorded-contact form.
func channelLabel(ch ticketing.Channel) string { return ch.Label() }

// atoi64 reads a positive id.
func atoi64(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil && n > 0
}
