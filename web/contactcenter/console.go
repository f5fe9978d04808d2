// Package contactcenter is the web side of the contact center: the live push of the hub's CTI
// events over Server-Sent Events with the screen pop (TEL-2, TK-1), the operator's desk (desk.go:
// one screen per contact with the caller's history, call control, the knowledge search and the
// contact's ticket), the notification script every page of an operator loads (static/notify.js),
// the supervisor's live view (TEL-3) and the IVR announcements (announcements.go). The
// statistics and the SLA reports are web/reports'. The hub, the screen pop, the caller lookup,
// the tickets of contacts and the desk's rules are package sportello/contactcenter; the ACD is
// telephony.
package contactcenter

// This file brings the contact-center core (packages telephony and contactcenter) to the
// browser: the live push of the hub's CTI events over Server-Sent Events with the screen pop
// (TEL-2, TK-1), the operator's call control (TEL-8) and the supervisor's live view (TEL-3).

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	cc "sportello/contactcenter"
	"sportello/i18n"
	"sportello/internal/phone"
	"sportello/internal/role"
	"sportello/telephony"
	"sportello/web/webkit"
	"sportello/workcal"
)

// Telephony is the contact-center component `sportello serve` attaches to the server. ACD is
// required; the other parts are optional and the features that need them answer 404 without.
type Telephony struct {
	ACD    *telephony.ACD
	Center *telephony.Center // callbacks and voicemail, for the media layer
	// Hub is the call-event hub (screen pops with the caller and the contact's ticket): the
	// live push reads it. Nil: /api/cti/events answers 503.
	Hub *cc.Hub
	// Directory is the directory's caller lookup and transfer targets; nil: no transfer
	// targets.
	Directory *cc.Directory
	// Desk is the operator's desk on the tickets (issue 16); nil: the desk shows the calls
	// without their tickets and /api/desk/ answers 404.
	Desk          *cc.Desk
	History       *telephony.WaitHistory   // waits per channel for the supervisor's chart
	Announcements *telephony.Announcements // the IVR recordings (TEL-5)
	// AnnouncementBytes is the store's size limit of a recording, shown on the page and used to
	// refuse a larger upload before reading it; 0 means 16 MiB, the store's default.
	AnnouncementBytes int64
	Zammad            *telephony.ZammadCTI    // webhook for an external PBX (TEL-1)
	Calendar          *workcal.Calendar       // time zone and opening hours, for the statistics
	Queues            []telephony.QueueConfig // service-level thresholds per queue, for the statistics
	Bands             []telephony.NamedBand   // the IVR's time bands, for activating announcements
	// Do carries out the actions the ACD returns (ring, connect, transfer…): the SIP layer. Nil
	// while no media layer is attached; the actions are then only recorded in the event log.
	Do func([]telephony.Action)
	// Terminal reports whether an operator's phone is registered, and where (the SIP adapter's
	// registrar); nil: the terminals' state is unknown and not shown.
	Terminal func(extension string) (contact string, registered bool)
	// PhoneAnswers says the operators' phones answer calls themselves (the SIP adapter): the
	// console then has no answer button and /api/cti/answer is refused, because connecting a
	// call whose phone has not answered would leave the caller with nobody.
	PhoneAnswers bool
	// Demo allows POST /api/cti/demo/call, which puts a simulated call in a queue so that the
	// console and the supervisor page can be tried without a telephone.
	Demo bool
	// KeepAlive is the interval of the SSE comment lines that keep proxies from closing an idle
	// stream; 0 means 15 s.
	KeepAlive time.Duration

	// EventStore is the saved CTI log (SLA-5): the statistics and the queue_log export of a
	// period read it, with the in-memory log's unsaved tail. Nil: the in-memory log only.
	EventStore *telephony.EventStore
}

func (t *Telephony) clock() time.Time {
	if t.Calendar != nil {
		return time.Now().In(t.Calendar.Location)
	}
	return time.Now()
}

func (t *Telephony) do(acts []telephony.Action) {
	if t.Do != nil && len(acts) > 0 {
		t.Do(acts)
	}
}

// Message is one message of the live stream, as JSON: every CTI event, and for a ringing
// event the screen pop with the caller's records and the ticket opened for the contact.
type Message struct {
	Event telephony.Event `json:"event"`
	Pop   *Pop            `json:"pop,omitempty"`
}

// Pop is a contact as JSON (cc.Pop), the records with links to their pages.
type Pop struct {
	telephony.ScreenPop
	Matches         []CallerMatch `json:"matches"`
	Ticket          string        `json:"ticket,omitempty"`
	TicketError     string        `json:"ticketError,omitempty"`
	Answered        bool          `json:"answered,omitempty"`
	TransferredFrom string        `json:"transferredFrom,omitempty"`
	Ended           string        `json:"ended,omitempty"`
	Ref             string        `json:"ref,omitempty"`
}

// CallerMatch is a record whose phone number is the caller's, as JSON.
type CallerMatch struct {
	Kind      string `json:"kind"` // "citizen", "person" or "unit"
	Name      string `json:"name"`
	Role      string `json:"role,omitempty"`
	Unit      string `json:"unit,omitempty"`
	Extension string `json:"extension,omitempty"`
	Phone     string `json:"phone,omitempty"`
	URL       string `json:"url,omitempty"`
}

func popOf(p cc.Pop) *Pop {
	return &Pop{ScreenPop: p.ScreenPop, Matches: matchesOf(p.Callers), Ticket: p.Ticket, TicketError: p.TicketError,
		Answered: p.Answered, TransferredFrom: p.TransferredFrom, Ended: string(p.Ended), Ref: p.Ref}
}

func matchesOf(callers []cc.Caller) []CallerMatch {
	out := []CallerMatch{}
	for _, c := range callers {
		m := CallerMatch{Kind: c.Kind, Name: c.Name, Role: c.Role, Unit: c.Unit, Extension: c.Extension, Phone: c.Phone}
		switch {
		case c.Kind == "citizen":
			m.URL = "/cittadini/" + strconv.FormatInt(c.CitizenID, 10)
		case c.UnitIRI != "":
			m.URL = webkit.UnitHref(c.UnitIRI)
		}
		out = append(out, m)
	}
	return out
}

func messageOf(m cc.Message) Message {
	out := Message{Event: m.Event}
	if m.Pop != nil {
		out.Pop = popOf(*m.Pop)
	}
	return out
}

// telephony returns the component or a 404 when the server runs without one.
func (h *Handlers) telephony() (*Telephony, error) {
	t := h.tel
	if t == nil || t.ACD == nil {
		return nil, webkit.NotFound("cti.absent")
	}
	return t, nil
}

// seesAll reports whether the role watches every operator (supervisor view) rather than only
// its own console.
func seesAll(r role.Role) bool {
	switch r {
	case role.Supervisor, role.Administrator, role.Auditor:
		return true
	}
	return false
}

// operatorFor is the ACD operator the caller acts as: the operator whose ID is the user name;
// a supervisor may name another with ?operatore= or the JSON field "operator" to assist them.
func (h *Handlers) operatorFor(c echo.Context, t *Telephony, asked string) (telephony.OperatorSnapshot, error) {
	id := webkit.UserOf(c)
	if asked != "" && webkit.RoleOf(c) == role.Supervisor {
		id = asked
	}
	for _, o := range t.ACD.Snapshot().Operators {
		if o.ID == id && id != "" {
			return o, nil
		}
	}
	return telephony.OperatorSnapshot{}, &webkit.HTTPError{Status: http.StatusNotFound, Code: "not_operator", Msg: i18n.T("cti.notOperator", id)}
}

// events is the live push (GET /api/cti/events, text/event-stream). An operator's desk
// receives its own operator's events, screen pops included; supervisors, administrators and
// auditors receive everything (with mine=1 their own operator's only, as the notification
// script asks). Each message is an SSE event named "pop" (a ringing event with its screen pop),
// "contact" (an answered contact, or one transferred to the operator, with its ticket) or
// "cti" (any other event), with the event's sequence number as its id.
func (h *Handlers) events(c echo.Context) error {
	t, err := h.telephony()
	if err != nil {
		return err
	}
	if t.Hub == nil {
		return &webkit.HTTPError{Status: http.StatusServiceUnavailable, Code: "not_started", Msg: i18n.T("cti.notStarted")}
	}
	var f cc.Filter
	if seesAll(webkit.RoleOf(c)) && c.QueryParam("operatore") == "" && c.QueryParam("mine") == "" {
		f.All = true
	} else {
		op, err := h.operatorFor(c, t, c.QueryParam("operatore"))
		if err != nil {
			return err
		}
		f.Operator, f.Extension = op.ID, op.Extension
	}
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	// The stream lives longer than the server's write timeout allows a response to.
	_ = http.NewResponseController(w.Writer).SetWriteDeadline(time.Time{})
	msgs, cancel := t.Hub.Listen(f, 256)
	defer cancel()
	// Reconnect after 3 s when the connection drops; the first comment tells the browser (and
	// the tests) that the subscription is in place.
	fmt.Fprint(w, "retry: 3000\n: ok\n\n")
	w.Flush()
	every := t.KeepAlive
	if every <= 0 {
		every = 15 * time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	ctx := c.Request().Context()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return nil
			}
			w.Flush()
		case cm, ok := <-msgs:
			if !ok {
				return nil
			}
			m := messageOf(cm)
			b, err := json.Marshal(m)
			if err != nil {
				return nil
			}
			name := "cti"
			switch {
			case m.Pop != nil && m.Pop.Answered:
				name = "contact"
			case m.Pop != nil:
				name = "pop"
			}
			if _, err := fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", m.Event.Seq, name, b); err != nil {
				return nil
			}
			w.Flush()
		}
	}
}

// Operator is an operator's line in the API: the snapshot with durations in seconds.
type Operator struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Extension   string    `json:"extension"`
	Status      string    `json:"status"`
	Reason      string    `json:"reason,omitempty"`
	State       string    `json:"state"`
	CallID      string    `json:"callId,omitempty"`
	Offline     int       `json:"offline"`
	Load        float64   `json:"load"`
	Calls       int       `json:"calls"`
	TalkSeconds int       `json:"talkSeconds"`
	LastCallEnd time.Time `json:"lastCallEnd,omitzero"`
	Queues      []string  `json:"queues"`
	// Terminal is the state of the operator's phone when the registrar is known (TEL-3).
	Terminal *TerminalState `json:"terminal,omitempty"`
}

// TerminalState is whether an operator's phone is registered, and its contact.
type TerminalState struct {
	Registered bool   `json:"registered"`
	Contact    string `json:"contact,omitempty"`
}

func operatorOf(o telephony.OperatorSnapshot) Operator {
	q := o.Queues
	if q == nil {
		q = []string{}
	}
	return Operator{ID: o.ID, Name: o.Name, Extension: o.Extension, Status: string(o.Status), Reason: o.Reason,
		State: string(o.State), CallID: o.CallID, Offline: o.Offline, Load: o.Load, Calls: o.Calls,
		TalkSeconds: int(o.Talk / time.Second), LastCallEnd: o.LastCallEnd, Queues: q}
}

// me is the desk's state: the operator, the pop of the contact ringing or connected, and the
// operator's latest contact (also one ended or transferred to them, whose ticket the desk
// keeps until the next).
func (h *Handlers) me(c echo.Context) error {
	t, err := h.telephony()
	if err != nil {
		return err
	}
	op, err := h.operatorFor(c, t, c.QueryParam("operatore"))
	if err != nil {
		return err
	}
	out := map[string]any{"operator": operatorOf(op)}
	if op.CallID != "" && t.Hub != nil {
		if p, ok := t.Hub.LivePop(op.CallID); ok {
			out["pop"] = popOf(p)
		}
	}
	if t.Hub != nil {
		if p, ok := t.Hub.Current(op.ID); ok {
			out["contact"] = popOf(p)
		}
	}
	return c.JSON(http.StatusOK, out)
}

// request is the body of the call-control endpoints.
type request struct {
	Operator  string `json:"operator"` // supervisors only: act for this operator
	Action    string `json:"action"`   // status: login, logout, pause, unpause
	Reason    string `json:"reason"`
	CallID    string `json:"callId"`
	Extension string `json:"extension"`
	Number    string `json:"number"`
	Queue     string `json:"queue"`
	From      string `json:"from"`
	Channel   string `json:"channel"`
	// CallbackID is the booking a callback carries out (its ticket's callback task).
	CallbackID int64 `json:"callbackId"`
}

// readRequest reads a JSON body (or a form, for the page without script) of at most 16 KiB.
func readRequest(c echo.Context) (request, error) {
	var r request
	req := c.Request()
	if strings.HasPrefix(req.Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) {
		dec := json.NewDecoder(http.MaxBytesReader(c.Response(), req.Body, 16<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			return r, webkit.BadRequest("bad_json", i18n.T("cti.badJSON", err.Error()))
		}
		return r, nil
	}
	r = request{Operator: c.FormValue("operator"), Action: c.FormValue("action"), Reason: c.FormValue("reason"),
		CallID: c.FormValue("callId"), Extension: c.FormValue("extension"), Number: c.FormValue("number"),
		Queue: c.FormValue("queue"), From: c.FormValue("from"), Channel: c.FormValue("channel")}
	if id, ok := atoi64(c.FormValue("callbackId")); ok {
		r.CallbackID = id
	}
	return r, nil
}

// acdErr maps the ACD's errors: unknown call or queue 404, wrong state 409.
func acdErr(err error) error {
	switch {
	case errors.Is(err, telephony.ErrUnknownCall):
		return &webkit.HTTPError{Status: http.StatusNotFound, Code: "unknown_call", Msg: i18n.T("cti.unknownCall"), Err: err}
	case errors.Is(err, telephony.ErrUnknownQueue):
		return &webkit.HTTPError{Status: http.StatusNotFound, Code: "unknown_queue", Msg: i18n.T("cti.unknownQueue"), Err: err}
	case errors.Is(err, telephony.ErrUnknownOperator):
		return &webkit.HTTPError{Status: http.StatusNotFound, Code: "not_operator", Msg: i18n.T("cti.notOperator", ""), Err: err}
	case errors.Is(err, telephony.ErrWrongState):
		return &webkit.HTTPError{Status: http.StatusConflict, Code: "wrong_state", Msg: i18n.T("cti.wrongState"), Err: err}
	}
	return webkit.BadRequest("cti", err.Error())
}

// done answers a call-control request with the operator's new state.
func (h *Handlers) done(c echo.Context, t *Telephony, opID string) error {
	for _, o := range t.ACD.Snapshot().Operators {
		if o.ID == opID {
			return c.JSON(http.StatusOK, map[string]any{"operator": operatorOf(o)})
		}
	}
	return c.JSON(http.StatusOK, map[string]any{})
}

// begin is how every operator CTI command begins: telephony configured, the request read,
// and the operator it acts for (the caller, or the one a supervisor names).
func (h *Handlers) begin(c echo.Context) (*Telephony, request, telephony.OperatorSnapshot, error) {
	t, err := h.telephony()
	if err != nil {
		return nil, request{}, telephony.OperatorSnapshot{}, err
	}
	r, err := readRequest(c)
	if err != nil {
		return nil, request{}, telephony.OperatorSnapshot{}, err
	}
	op, err := h.operatorFor(c, t, r.Operator)
	if err != nil {
		return nil, request{}, telephony.OperatorSnapshot{}, err
	}
	return t, r, op, nil
}

// finish ends every operator CTI command the same way: the ACD's refusal as an error, or
// its actions carried out and the operator's new state as the answer.
func (h *Handlers) finish(c echo.Context, t *Telephony, opID string, acts []telephony.Action, err error) error {
	if err != nil {
		return acdErr(err)
	}
	t.do(acts)
	return h.done(c, t, opID)
}

// status changes the operator's status: log in to their queues, log out, pause with a
// reason, unpause.
func (h *Handlers) status(c echo.Context) error {
	t, r, op, err := h.begin(c)
	if err != nil {
		return err
	}
	var acts []telephony.Action
	switch r.Action {
	case "login":
		acts, err = t.ACD.Login(op.ID)
	case "logout":
		acts, err = t.ACD.Logout(op.ID)
	case "pause":
		reason := strings.TrimSpace(r.Reason)
		if reason == "" {
			reason = i18n.T("cti.pauseDefault")
		}
		if len(reason) > 80 {
			return webkit.BadRequest("bad_reason", i18n.T("cti.reasonTooLong"))
		}
		acts, err = t.ACD.Pause(op.ID, reason)
	case "unpause":
		acts, err = t.ACD.Unpause(op.ID)
	default:
		return webkit.BadRequest("bad_action", i18n.T("cti.badAction"))
	}
	return h.finish(c, t, op.ID, acts, err)
}

// answer answers the call ringing the operator (CTI answer: the phone goes off hook).
func (h *Handlers) answer(c echo.Context) error {
	t, r, op, err := h.begin(c)
	if err != nil {
		return err
	}
	if t.PhoneAnswers {
		return &webkit.HTTPError{Status: http.StatusConflict, Code: "answer_on_phone", Msg: i18n.T("cti.answerOnPhone")}
	}
	if r.CallID == "" {
		r.CallID = op.CallID
	}
	acts, err := t.ACD.OperatorAnswered(r.CallID, op.ID)
	return h.finish(c, t, op.ID, acts, err)
}

// ownCall checks that callID is the operator's ringing or connected call, so that an operator
// cannot hang up a colleague's call by guessing its ID.
func ownCall(op telephony.OperatorSnapshot, callID string) (string, error) {
	if callID == "" {
		callID = op.CallID
	}
	if callID == "" || callID != op.CallID {
		return "", &webkit.HTTPError{Status: http.StatusConflict, Code: "wrong_state", Msg: i18n.T("cti.noCall")}
	}
	return callID, nil
}

// transfer hands the operator's connected call to an extension found in the directory or to
// another operator (TEL-8): blind (POST /api/cti/transfer) or attended (POST /api/cti/consult,
// then /api/cti/transfer/complete or /api/cti/transfer/cancel). The contact's ticket follows
// the call to an operator of the contact center (TK-5, the hub).
func (h *Handlers) transfer(c echo.Context) error { return h.startTransfer(c, false) }

func (h *Handlers) consult(c echo.Context) error { return h.startTransfer(c, true) }

func (h *Handlers) startTransfer(c echo.Context, attended bool) error {
	t, r, op, err := h.begin(c)
	if err != nil {
		return err
	}
	id, err := ownCall(op, r.CallID)
	if err != nil {
		return err
	}
	ext := strings.TrimSpace(r.Extension)
	if !validExtension(ext) {
		return webkit.BadRequest("bad_extension", i18n.T("cti.badExtension"))
	}
	var acts []telephony.Action
	if attended {
		acts, err = t.ACD.Consult(id, ext)
	} else {
		acts, err = t.ACD.Transfer(id, ext)
	}
	return h.finish(c, t, op.ID, acts, err)
}

// completeTransfer hands the caller to the extension consulted; cancelTransfer goes back to
// the caller.
func (h *Handlers) completeTransfer(c echo.Context) error { return h.attendedStep(c, true) }

func (h *Handlers) cancelTransfer(c echo.Context) error { return h.attendedStep(c, false) }

func (h *Handlers) attendedStep(c echo.Context, complete bool) error {
	t, r, op, err := h.begin(c)
	if err != nil {
		return err
	}
	id, err := ownCall(op, r.CallID)
	if err != nil {
		return err
	}
	var acts []telephony.Action
	if complete {
		acts, err = t.ACD.CompleteTransfer(id)
	} else {
		acts, err = t.ACD.CancelTransfer(id)
	}
	return h.finish(c, t, op.ID, acts, err)
}

// hangup ends the operator's connected call, or declines the call ringing them (which then
// keeps its place in the queue and rings someone else).
func (h *Handlers) hangup(c echo.Context) error {
	t, r, op, err := h.begin(c)
	if err != nil {
		return err
	}
	id, err := ownCall(op, r.CallID)
	if err != nil {
		return err
	}
	var acts []telephony.Action
	if op.State == telephony.Ringing {
		acts, err = t.ACD.OperatorNoAnswer(id, op.ID)
	} else {
		acts, err = t.ACD.Hangup(id, telephony.ByOperator)
	}
	return h.finish(c, t, op.ID, acts, err)
}

var callbackSeq atomic.Uint64

// callback makes the operator call a citizen back (TEL-7): the ACD puts the operator on
// the callback channel and the media layer dials the number. With callbackId the call carries
// out that booking of a ticket: its number is the booking's, the booking is the call's
// reference (ACD.PlaceCallbackFor), the desk shows the booking's ticket and the outcome is
// recorded on the booking (the hub).
func (h *Handlers) callback(c echo.Context) error {
	t, r, op, err := h.begin(c)
	if err != nil {
		return err
	}
	ref := ""
	if r.CallbackID != 0 {
		if t.Desk == nil {
			return webkit.NotFound("desk.absent")
		}
		number, cbRef, err := t.Desk.CallbackToPlace(c.Request().Context(), r.CallbackID)
		if err != nil {
			return deskErr(c, err)
		}
		r.Number, ref = number, cbRef
	}
	number := strings.TrimSpace(r.Number)
	if k := phone.Key(number); k == "" || len(k) > 20 || strings.Trim(number, "+0123456789 ./-()") != "" {
		return webkit.BadRequest("bad_number", i18n.T("cti.badNumber"))
	}
	queue := r.Queue
	if queue == "" && len(op.Queues) > 0 {
		queue = op.Queues[0]
	}
	id := fmt.Sprintf("cb-%s-%d-%d", op.ID, time.Now().UnixNano(), callbackSeq.Add(1))
	acts, err := t.ACD.PlaceCallbackFor(op.ID, id, number, queue, ref)
	return h.finish(c, t, op.ID, acts, err)
}

// DirectoryEntry is a transfer target (TEL-8): an operator of the contact center, or an
// office or person of the directory.
type DirectoryEntry struct {
	Kind      string `json:"kind"` // operator, person or unit
	Name      string `json:"name"`
	Role      string `json:"role,omitempty"`
	Unit      string `json:"unit,omitempty"`
	Extension string `json:"extension"`
	// Operators: the capacity they work in (level2, backoffice…), their status and state.
	Level  string `json:"level,omitempty"`
	Status string `json:"status,omitempty"`
	State  string `json:"state,omitempty"`
}

// directory searches the transfer targets: the other operators of the contact center (level
// 2 first), then the directory's offices and people (cc.Directory.Targets).
func (h *Handlers) directory(c echo.Context) error {
	t, err := h.telephony()
	if err != nil {
		return err
	}
	q := c.QueryParam("q")
	if len(q) > 200 {
		return webkit.BadRequest("bad_query", i18n.T("desk.queryTooLong"))
	}
	out := []DirectoryEntry{}
	var caps cc.Capacities
	if t.Desk != nil {
		caps = t.Desk.Capacities
	}
	for _, o := range cc.Colleagues(c.Request().Context(), caps, t.ACD.Snapshot().Operators, webkit.UserOf(c), q) {
		if len(out) == 10 {
			break
		}
		out = append(out, DirectoryEntry{Kind: "operator", Name: o.Name, Extension: o.Extension, Level: string(o.Capacity),
			Status: string(o.Status), State: string(o.State), Role: i18n.Or("desk.level."+string(o.Capacity), "")})
	}
	if t.Directory != nil {
		for _, e := range t.Directory.Targets(q, 20) {
			out = append(out, DirectoryEntry{Kind: e.Kind, Name: e.Name, Role: e.Role, Unit: e.Unit, Extension: e.Extension})
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

// Queue is a queue's line of the supervisor's view (TEL-3).
type Queue struct {
	Name              string         `json:"name"`
	Strategy          string         `json:"strategy"`
	Open              bool           `json:"open"`
	Waiting           int            `json:"waiting"`
	OldestWaitSeconds int            `json:"oldestWaitSeconds"`
	LoggedIn          int            `json:"loggedIn"`
	Paused            int            `json:"paused"`
	Operators         map[string]int `json:"operators"` // logged-in members by state
}

type Snapshot struct {
	At        time.Time  `json:"at"`
	Queues    []Queue    `json:"queues"`
	Operators []Operator `json:"operators"`
	History   []History  `json:"history"`
	Interval  int        `json:"intervalSeconds,omitempty"`
}

// History is the waiting history of one channel, sampled at the configured interval.
type History struct {
	Channel string      `json:"channel"`
	Samples []WaitPoint `json:"samples"`
}

type WaitPoint struct {
	At                time.Time `json:"at"`
	Waiting           int       `json:"waiting"`
	OldestWaitSeconds int       `json:"oldestWaitSeconds"`
}

func (t *Telephony) snapshot() Snapshot {
	sn := t.ACD.Snapshot()
	out := Snapshot{At: sn.At, Queues: []Queue{}, Operators: []Operator{}, History: []History{}}
	for _, q := range sn.Queues {
		qj := Queue{Name: q.Name, Strategy: string(q.Strategy), Open: q.Open, Waiting: q.Waiting,
			OldestWaitSeconds: int(q.OldestWait / time.Second), LoggedIn: q.LoggedIn, Paused: q.Paused, Operators: map[string]int{}}
		for _, st := range []telephony.State{telephony.Idle, telephony.Ringing, telephony.OnCall, telephony.WrapUp} {
			qj.Operators[string(st)] = q.Operators[st]
		}
		out.Queues = append(out.Queues, qj)
	}
	for _, o := range sn.Operators {
		oj := operatorOf(o)
		if t.Terminal != nil && o.Extension != "" {
			contact, ok := t.Terminal(o.Extension)
			oj.Terminal = &TerminalState{Registered: ok, Contact: contact}
		}
		out.Operators = append(out.Operators, oj)
	}
	if t.History != nil {
		out.Interval = int(t.History.Interval / time.Second)
		for _, ch := range t.History.Channels() {
			h := History{Channel: string(ch), Samples: []WaitPoint{}}
			for _, w := range t.History.Samples(ch) {
				h.Samples = append(h.Samples, WaitPoint{At: w.At, Waiting: w.Waiting, OldestWaitSeconds: int(w.OldestWait / time.Second)})
			}
			out.History = append(out.History, h)
		}
	}
	return out
}

// snapshotAPI is the supervisor's live view as JSON: the page fetches it when an event arrives
// and every few seconds, for the growing waits.
func (h *Handlers) snapshotAPI(c echo.Context) error {
	t, err := h.telephony()
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, t.snapshot())
}

var demoSeq atomic.Uint64

// demoCall puts a simulated call in a queue, as if an INVITE had arrived (demo only): the
// way to try the console and the live view without a telephone, and the end-to-end test's
// caller.
func (h *Handlers) demoCall(c echo.Context) error {
	t, err := h.telephony()
	if err != nil {
		return err
	}
	if !t.Demo {
		return webkit.NotFound("cti.noDemo")
	}
	r, err := readRequest(c)
	if err != nil {
		return err
	}
	from := strings.TrimSpace(r.From)
	if from == "" {
		from = "+39 0544 000000"
	}
	ch := telephony.Channel(r.Channel)
	if ch == "" {
		ch = telephony.Voice
	}
	if !ch.Valid() {
		return webkit.BadRequest("bad_channel", i18n.T("cti.badChannel"))
	}
	id := "demo-" + strconv.FormatUint(demoSeq.Add(1), 10) + "-" + strconv.FormatInt(time.Now().UnixNano()%1e9, 10)
	acts, err := t.ACD.Arrive(telephony.ContactInfo{CallID: id, Channel: ch, From: from, To: r.Queue}, r.Queue)
	if err != nil {
		return acdErr(err)
	}
	t.do(acts)
	return c.JSON(http.StatusOK, map[string]any{"callId": id})
}

// zammad is Zammad's generic CTI webhook (TEL-1), the handler of package telephony; the
// token in the path is its credential.
func (h *Handlers) zammad(c echo.Context) error {
	t, err := h.telephony()
	if err != nil {
		return err
	}
	if t.Zammad == nil {
		return webkit.NotFound("cti.noZammad")
	}
	if t.Zammad.Token == "" {
		// Without a configured secret anybody could write the call log.
		return &webkit.HTTPError{Status: http.StatusForbidden, Code: "forbidden", Msg: i18n.T("cti.noToken")}
	}
	t.Zammad.ServeHTTP(c.Response(), c.Request())
	return nil
}

// supervisorData is what the supervisor's page receives.
type supervisorData struct {
	Snapshot Snapshot
	Demo     bool
	CanDemo  bool
	Today    template.HTML // the charts of the day (web/reports), outside the live part
	webkit.FormBase
}

func (h *Handlers) supervisorPage(c echo.Context) error {
	t, err := h.telephony()
	if err != nil {
		return err
	}
	d := supervisorData{Snapshot: t.snapshot(), Demo: t.Demo}
	d.CanDemo = t.Demo && (webkit.RoleOf(c) == role.Supervisor || webkit.RoleOf(c) == role.Administrator)
	d.FormBase = webkit.FormOf(c)
	if h.Today != nil {
		d.Today = h.Today(c)
	}
	return h.pages.Render(c, "supervisor", webkit.PageData{Title: i18n.T("cti.sup.title"), Nav: "supervisor", Data: d})
}

// Who may use which part of the contact center. The pages need the Telephony component
// (without it they answer 404).
var (
	consoleRoles    = []role.Role{role.Operator, role.Backoffice, role.Level2, role.Supervisor} // the operator's desk
	supervisorRoles = []role.Role{role.Supervisor, role.Administrator, role.Auditor}            // live view and SLA (TEL-3)
	listenerRoles   = []role.Role{role.Operator, role.Backoffice, role.Level2, role.Supervisor, role.Administrator, role.Auditor}
	managerRoles    = []role.Role{role.Supervisor, role.Administrator} // may inject a demo call
	adminRoles      = []role.Role{role.Administrator}                  // announcements (TEL-5)
)

// Routes are the contact-center pages and API.
func (h *Handlers) Routes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/operatore", consoleRoles, h.deskPage),
		webkit.GET("/supervisore", supervisorRoles, h.supervisorPage),
		webkit.GET("/annunci", adminRoles, h.announcementsPage),
		webkit.POST("/annunci", adminRoles, h.announcementUpload),
		webkit.GET("/annunci/backup", adminRoles, h.announcementBackup),
		webkit.POST("/annunci/ripristina", adminRoles, h.announcementRestore),
		webkit.POST("/annunci/attiva", adminRoles, h.announcementActivate),
		webkit.POST("/annunci/elimina", adminRoles, h.announcementDelete),
		webkit.GET("/annunci/file/:name", adminRoles, h.announcementFile),

		webkit.GET("/api/cti/events", listenerRoles, h.events),
		webkit.GET("/api/cti/me", consoleRoles, h.me),
		webkit.POST("/api/cti/status", consoleRoles, h.status),
		webkit.POST("/api/cti/answer", consoleRoles, h.answer),
		webkit.POST("/api/cti/transfer", consoleRoles, h.transfer),
		webkit.POST("/api/cti/consult", consoleRoles, h.consult),
		webkit.POST("/api/cti/transfer/complete", consoleRoles, h.completeTransfer),
		webkit.POST("/api/cti/transfer/cancel", consoleRoles, h.cancelTransfer),
		webkit.POST("/api/cti/hangup", consoleRoles, h.hangup),
		webkit.POST("/api/cti/callback", consoleRoles, h.callback),
		webkit.GET("/api/cti/directory", consoleRoles, h.directory),
		webkit.GET("/api/cti/snapshot", supervisorRoles, h.snapshotAPI),
		webkit.POST("/api/cti/demo/call", managerRoles, h.demoCall),

		// The operator's desk (issue 16). The recordings answer 403 to the roles listed here
		// who did not handle the request (cc.Desk.RecordingsOf).
		webkit.GET("/api/desk/caller", consoleRoles, h.caller),
		webkit.GET("/api/desk/mine", consoleRoles, h.mine),
		webkit.GET("/api/desk/callbacks", consoleRoles, h.callbacks),
		webkit.POST("/api/desk/contacts", consoleRoles, h.record),
		webkit.POST("/api/desk/dismiss", consoleRoles, h.dismiss),
		webkit.GET("/api/desk/tickets/:number", consoleRoles, h.view),
		webkit.POST("/api/desk/tickets/:number", consoleRoles, h.save),
		webkit.POST("/api/desk/tickets/:number/solve", consoleRoles, h.solve),
		webkit.POST("/api/desk/tickets/:number/escalate", consoleRoles, h.escalate),
		webkit.GET("/api/desk/tickets/:number/recordings", consoleRoles, h.recordings),
		webkit.GET("/api/desk/tickets/:number/recordings/:name", consoleRoles, h.recording),

		// Zammad's generic CTI webhook for an external PBX (TEL-1): machine to machine, so open to
		// every caller here and checked by the secret token in the path instead.
		webkit.POST("/api/v1/cti/:token", webkit.Everyone, h.zammad),
	}
}

// Handlers serve the contact-center pages and API.
type Handlers struct {
	tel   *Telephony // nil: every page answers 404
	pages *webkit.Pages
	// Today renders the supervisor's charts of the day (the service levels' web part, which
	// reads them from package sla); nil: none.
	Today func(echo.Context) template.HTML
}

//go:embed templates/*.html
var templates embed.FS

//go:embed static
var static embed.FS

// Static is this package's assets (cti.js, cti.css), under static/.
func Static() fs.FS { return static }

// New returns the handlers of the contact-center pages on tel (nil: not configured).
func New(site *webkit.Site, tel *Telephony) *Handlers {
	return &Handlers{tel: tel, pages: site.Pages(templates, funcs)}
}
