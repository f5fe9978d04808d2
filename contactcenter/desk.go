package contactcenter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"sportello/internal/phone"
	"sportello/telephony"
	"sportello/ticketing"
)

// Desk is the domain side of the operator's desk (issue 16): one screen per contact with the
// caller's record and history (KB-4, TEL-2), the ticket of the contact — opened when the
// contact is answered, by the hub — solved with a pill or escalated to level 2 with the call
// (TK-5), contacts recorded while the server could not be reached (TK-14), the recordings of
// the contact (TK-4) and the callbacks booked on tickets (TEL-7). Each web handler of the desk
// calls one of its methods.
type Desk struct {
	Tickets *ticketing.Store
	// Recordings are the call recordings (TK-4); nil: the contact center does not record.
	Recordings *telephony.Recordings
	// Finders look the caller up (citizens, then the directory), as the hub does.
	Finders []CallerFinder
	// Capacities tells the capacity each user works in, for the transfer targets (level 2
	// first); nil: unknown.
	Capacities Capacities
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	Log *slog.Logger

	mu sync.Mutex
	// escalations are the escalations to level 2 that wait for their call's transfer: the
	// ticket is escalated when the call reaches the target, not before (a failed transfer
	// leaves the ticket with the operator, as the call).
	escalations map[string]pendingEscalation
}

func (d *Desk) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Desk) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}

// ErrNotAllowed is a desk action the user may not take on this ticket (the recordings of a
// contact they did not handle).
var ErrNotAllowed = errors.New("contactcenter: not allowed")

// CallerView is who is calling: the records with the caller's number and the history of
// their previous requests (KB-4).
type CallerView struct {
	Callers []Caller
	History []ticketing.Row
}

// HistorySize is how many previous requests of a caller the desk shows.
const HistorySize = 10

// Caller looks number up: the records with that number and the previous requests of the
// citizen (or, for a caller no record names, those made from the number).
func (d *Desk) Caller(ctx context.Context, number string) (*CallerView, error) {
	v := &CallerView{Callers: []Caller{}, History: []ticketing.Row{}}
	if strings.TrimSpace(number) == "" {
		return v, nil
	}
	for _, f := range d.Finders {
		v.Callers = append(v.Callers, f.Callers(ctx, number)...)
	}
	var citizen int64
	for _, c := range v.Callers {
		if c.Kind == "citizen" {
			citizen = c.CitizenID
			break
		}
	}
	h, err := d.history(ctx, citizen, number, 0)
	if err != nil {
		return nil, err
	}
	v.History = h
	return v, nil
}

// history is the previous requests of a citizen, or made from a number, newest first, without
// the ticket exclude.
func (d *Desk) history(ctx context.Context, citizen int64, number string, exclude int64) ([]ticketing.Row, error) {
	q := ticketing.Query{PageSize: HistorySize + 1}
	switch {
	case citizen != 0:
		q.CitizenID = citizen
	default:
		n, err := phone.Normalize(number)
		if err != nil || strings.TrimSpace(number) == "" {
			return []ticketing.Row{}, nil
		}
		q.Text = n // the request's own contact is part of the searched text
	}
	page, err := d.Tickets.Search(ctx, q, d.now())
	if err != nil {
		return nil, err
	}
	out := []ticketing.Row{}
	for _, r := range page.Rows {
		if r.Ticket.ID != exclude && len(out) < HistorySize {
			out = append(out, r)
		}
	}
	return out, nil
}

// View is a ticket as the desk shows it: the ticket of the contact with the caller's record,
// their history, the path, what was searched, the callbacks and — for who may hear them — the
// recordings.
type View struct {
	Ticket    *ticketing.Ticket
	Citizen   *ticketing.Citizen
	History   []ticketing.Row
	Path      []ticketing.Event
	Queries   []string
	Callbacks []ticketing.Callback
	// SolveAction is how the user would solve it now: solve_l1 (level 1, first-contact
	// resolution when it never left level 1) or solve (level 2, an office); "" when they may not.
	SolveAction ticketing.Action
	CanEscalate bool
	// MayHear says the user may hear the contact's recordings; Recordings lists them then.
	MayHear    bool
	Recordings []telephony.Recording
}

// View reads the ticket number as user, acting in capacity cap, sees it on the desk.
func (d *Desk) View(ctx context.Context, number, user string, cap ticketing.Capacity) (*View, error) {
	t, err := d.Tickets.TicketByNumber(ctx, number)
	if err != nil {
		return nil, err
	}
	v := &View{Ticket: t, Recordings: []telephony.Recording{}}
	if t.CitizenID != 0 {
		if v.Citizen, err = d.Tickets.Citizen(ctx, t.CitizenID); err != nil && !errors.Is(err, ticketing.ErrNotFound) {
			return nil, err
		}
	}
	from := ""
	if t.Contact != nil {
		from = t.Contact.Phone
	}
	if v.History, err = d.history(ctx, t.CitizenID, from, t.ID); err != nil {
		return nil, err
	}
	if v.Path, err = d.Tickets.Path(ctx, t.ID); err != nil {
		return nil, err
	}
	if v.Queries, err = d.Tickets.Queries(ctx, t.ID); err != nil {
		return nil, err
	}
	if v.Callbacks, err = d.Tickets.Callbacks(ctx, t.ID); err != nil {
		return nil, err
	}
	v.SolveAction = d.solveAction(ctx, t, user, cap)
	v.CanEscalate = d.Tickets.CanAct(ctx, t, ticketing.ActEscalate, user, cap)
	v.MayHear = mayHear(t, v.Path, user, cap)
	if v.MayHear && d.Recordings != nil && t.CallID != "" {
		recs, err := d.Recordings.List(t.CallID)
		if err != nil {
			return nil, err
		}
		if recs != nil {
			v.Recordings = recs
		}
	}
	return v, nil
}

// solveAction is the solving step the user may take: at level 1 while the ticket is there,
// else the solution of level 2 or of an office.
func (d *Desk) solveAction(ctx context.Context, t *ticketing.Ticket, user string, cap ticketing.Capacity) ticketing.Action {
	for _, a := range []ticketing.Action{ticketing.ActSolveL1, ticketing.ActSolve} {
		if d.Tickets.CanAct(ctx, t, a, user, cap) {
			return a
		}
	}
	return ""
}

// Edit is what the operator typed about the request: nil fields stay as they are.
type Edit struct {
	Subject     *string
	Description *string
}

func (e Edit) patch() ticketing.TicketPatch {
	return ticketing.TicketPatch{Subject: e.Subject, Description: e.Description}
}

func (e Edit) empty() bool { return e.Subject == nil && e.Description == nil }

// Save records what the operator typed about the request.
func (d *Desk) Save(ctx context.Context, number, user string, cap ticketing.Capacity, e Edit) (*ticketing.Ticket, error) {
	t, err := d.Tickets.TicketByNumber(ctx, number)
	if err != nil {
		return nil, err
	}
	if e.empty() {
		return t, nil
	}
	return d.Tickets.Update(ctx, t.ID, user, cap, e.patch())
}

// Solution is how the contact was answered: the pill read to the caller (its IRI) and/or the
// answer given, what was typed about the request, and what was searched in the knowledge base
// to find the answer (kept on the ticket as the search's evidence).
type Solution struct {
	Edit
	Pill    string
	Answer  string
	Queries []string
}

// Solve solves the ticket with the pill shown (one click on the desk): at level 1 while it is
// there — a first-contact resolution if it never left level 1 (SLA-2 C.4) — else as level 2
// or the office that has it. What was typed is saved first.
func (d *Desk) Solve(ctx context.Context, number, user string, cap ticketing.Capacity, s Solution) (*ticketing.Ticket, error) {
	t, err := d.Tickets.TicketByNumber(ctx, number)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(s.Pill) == "" && strings.TrimSpace(s.Answer) == "" {
		return nil, &ticketing.InvalidError{Field: "pill", Msg: "scegliere la scheda che ha risposto alla richiesta, o scrivere la risposta data"}
	}
	action := d.solveAction(ctx, t, user, cap)
	if action == "" {
		action = ticketing.ActSolveL1 // Apply says why not, in the ticketing's words
	}
	if !s.empty() {
		if _, err := d.Tickets.Update(ctx, t.ID, user, cap, s.patch()); err != nil {
			return nil, err
		}
	}
	return d.Tickets.Apply(ctx, t.ID, ticketing.Step{Action: action, Actor: user, Role: cap, Pill: s.Pill,
		Reason: s.Answer, Queries: s.Queries})
}

// Escalation is the hand-over of a request to level 2: what was searched first (required),
// a note for level 2, what was typed about the request.
type Escalation struct {
	Edit
	Queries []string
	Note    string
}

type pendingEscalation struct {
	ticket  int64
	number  string
	actor   string
	cap     ticketing.Capacity
	queries []string
	note    string
	at      time.Time
}

// maxPending bounds the escalations waiting for a transfer: each ends with its transfer's
// outcome; a transfer whose outcome never comes is dropped after pendingTTL.
const (
	maxPending = 10000
	pendingTTL = time.Hour
)

// Escalate escalates the ticket to level 2. Without a call it is done at once. With callID —
// the call of this ticket, connected to the operator, which the desk is about to transfer —
// the escalation waits for the transfer: when the call reaches the target the ticket is
// escalated and travels with it (TK-5, EscalateTransferred); if the transfer fails the ticket
// stays with the operator like the call. Either way what was searched is required, and what
// was typed is saved now.
func (d *Desk) Escalate(ctx context.Context, number, user string, cap ticketing.Capacity, e Escalation, callID string) (*ticketing.Ticket, error) {
	t, err := d.Tickets.TicketByNumber(ctx, number)
	if err != nil {
		return nil, err
	}
	var queries []string
	for _, q := range e.Queries {
		if q = strings.TrimSpace(q); q != "" {
			queries = append(queries, q)
		}
	}
	if !e.empty() {
		if t, err = d.Tickets.Update(ctx, t.ID, user, cap, e.patch()); err != nil {
			return nil, err
		}
	}
	if callID == "" {
		return d.Tickets.Escalate(ctx, t.ID, user, cap, queries, e.Note)
	}
	if t.CallID != callID {
		return nil, &ticketing.InvalidError{Field: "callId", Msg: fmt.Sprintf("la richiesta %s non è quella di questa chiamata", t.Number)}
	}
	if len(queries) == 0 {
		return nil, &ticketing.InvalidError{Field: "queries", Msg: "indicare che cosa è stato cercato nella base di conoscenza prima di inoltrare"}
	}
	if !d.Tickets.CanAct(ctx, t, ticketing.ActEscalate, user, cap) {
		return d.Tickets.Escalate(ctx, t.ID, user, cap, queries, e.Note) // refused: says why
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.escalations == nil {
		d.escalations = map[string]pendingEscalation{}
	}
	now := d.now()
	for id, p := range d.escalations {
		if now.Sub(p.at) > pendingTTL {
			delete(d.escalations, id)
		}
	}
	if len(d.escalations) >= maxPending {
		return nil, fmt.Errorf("contactcenter: %d escalations wait for their transfer", len(d.escalations))
	}
	d.escalations[callID] = pendingEscalation{ticket: t.ID, number: t.Number, actor: user, cap: cap, queries: queries,
		note: e.Note, at: now}
	return t, nil
}

// CancelEscalation forgets the escalation waiting for callID's transfer (the transfer could
// not start, failed or was cancelled).
func (d *Desk) CancelEscalation(callID string) {
	d.mu.Lock()
	delete(d.escalations, callID)
	d.mu.Unlock()
}

// EscalateTransferred escalates the ticket of a call that reached its transfer target, when
// the operator asked for it; it reports the ticket's number ("" when nothing waited).
func (d *Desk) EscalateTransferred(ctx context.Context, callID string) (string, error) {
	d.mu.Lock()
	p, ok := d.escalations[callID]
	delete(d.escalations, callID)
	d.mu.Unlock()
	if !ok {
		return "", nil
	}
	_, err := d.Tickets.Escalate(ctx, p.ticket, p.actor, p.cap, p.queries, p.note)
	return p.number, err
}

// Recorded is a contact the desk recorded by hand (TK-14): a visit at the counter, a call
// taken while the server could not be reached. ID is the browser's id of the record, so that
// sending it twice (a retry whose answer was lost) records it once.
type Recorded struct {
	ID      string
	Channel ticketing.Channel
	From    string // the caller's number, as typed
	Name    string // the caller's name, as said
	At      time.Time
	Notes   string
	Pill    string // IRI of the pill read to the caller: the contact is solved with it
	Queries []string
	Offline bool // recorded while the server could not be reached
}

var recordedID = regexp.MustCompile(`^[A-Za-z0-9-]{8,64}$`)

// MaxOfflineAge is how old a contact recorded offline may be when it arrives: older records
// are refused rather than written with a time nobody can check.
const MaxOfflineAge = 30 * 24 * time.Hour

// RecordedContactID is the contact id of a recorded contact.
func RecordedContactID(id string) string { return "desk-" + id }

// Record writes a contact recorded on the desk as its ticket, in user's hands: solved at first
// contact with the pill chosen, or left in progress to be completed. A record already received
// (the same ID) is answered with its ticket and already true. Offline records keep the time
// they were recorded, are flagged and say so in their path.
func (d *Desk) Record(ctx context.Context, user string, cap ticketing.Capacity, r Recorded) (t *ticketing.Ticket, already bool, err error) {
	var p ticketing.Problems
	if !recordedID.MatchString(r.ID) {
		p = append(p, &ticketing.InvalidError{Field: "id", Msg: "identificativo del contatto registrato non valido (8-64 lettere, cifre o trattini)"})
	}
	contact := RecordedContactID(r.ID)
	if len(p) == 0 {
		if t, err := d.Tickets.ContactTicket(ctx, contact); err != nil || t != nil {
			return t, t != nil, err
		}
	}
	if r.Channel == "" {
		r.Channel = ticketing.Phone
	}
	if !r.Channel.Valid() || r.Channel == ticketing.Voicemail {
		p = append(p, &ticketing.InvalidError{Field: "channel", Msg: fmt.Sprintf("canale %q non valido per un contatto registrato", r.Channel)})
	}
	now := d.now()
	switch {
	case r.At.IsZero() && r.Offline:
		p = append(p, &ticketing.InvalidError{Field: "at", Msg: "manca l'ora in cui il contatto è stato registrato"})
	case r.At.After(now.Add(5 * time.Minute)):
		p = append(p, &ticketing.InvalidError{Field: "at", Msg: "l'ora del contatto è nel futuro: controllare l'orologio della postazione"})
	case !r.At.IsZero() && now.Sub(r.At) > MaxOfflineAge:
		p = append(p, &ticketing.InvalidError{Field: "at", Msg: "contatto registrato più di 30 giorni fa: inserirlo come richiesta a mano"})
	}
	r.Notes, r.Pill, r.Name = strings.TrimSpace(r.Notes), strings.TrimSpace(r.Pill), strings.TrimSpace(r.Name)
	if r.Notes == "" && r.Pill == "" {
		p = append(p, &ticketing.InvalidError{Field: "notes", Msg: "descrivere la richiesta o scegliere la scheda usata"})
	}
	var ct ticketing.Contact
	ct.Name = r.Name
	if from := strings.TrimSpace(r.From); from != "" {
		n, err := phone.Normalize(from)
		if err != nil {
			p = append(p, &ticketing.InvalidError{Field: "from", Msg: err.Error()})
		}
		ct.Phone = n
	}
	if len(p) > 0 {
		return nil, false, p
	}
	n := ticketing.NewTicket{Channel: r.Channel, Actor: user, Role: cap, CallID: contact, At: r.At, Contact: ct,
		Description: r.Notes, Subject: recordedSubject(r, ct), RecordedOffline: r.Offline}
	if ct.Phone != "" {
		if cit, err := d.Tickets.MatchCitizen(ctx, "", "", ct.Phone); err != nil {
			return nil, false, err
		} else if cit != nil {
			n.CitizenID = cit.ID
		}
	}
	t, err = d.Tickets.Create(ctx, n)
	if err != nil {
		// The same record sent twice at once: the other request wrote it.
		if got, _ := d.Tickets.ContactTicket(ctx, contact); got != nil {
			return got, true, nil
		}
		return nil, false, err
	}
	if t, err = d.Tickets.Take(ctx, t.ID, user, cap); err != nil {
		return nil, false, err
	}
	if r.Pill != "" {
		solved, err := d.Tickets.Apply(ctx, t.ID, ticketing.Step{Action: ticketing.ActSolveL1, Actor: user, Role: cap, Pill: r.Pill, Queries: r.Queries})
		if err != nil {
			// The contact is recorded and stays in the operator's hands: the pill is chosen
			// again on the desk.
			d.log().Warn("desk: recorded contact not solved with its pill", "ticket", t.Number, "err", err)
			return t, false, nil
		}
		t = solved
	}
	return t, false, nil
}

func recordedSubject(r Recorded, ct ticketing.Contact) string {
	who := ct.Name
	if who == "" {
		who = ct.Phone
	}
	switch {
	case r.Channel == ticketing.Counter && who != "":
		return "Contatto allo sportello: " + who
	case r.Channel == ticketing.Counter:
		return "Contatto allo sportello"
	case who != "":
		return "Contatto registrato: " + who
	}
	if r.Notes != "" {
		return firstLine(r.Notes, 80)
	}
	return "Contatto registrato"
}

func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > n {
		return string([]rune(s)[:n-1]) + "…"
	}
	return s
}

// Mine lists the open requests in user's hands, latest change first: the contacts still to
// complete after their call (the desk's "da completare").
func (d *Desk) Mine(ctx context.Context, user string) ([]ticketing.Row, error) {
	page, err := d.Tickets.Search(ctx, ticketing.Query{Assignee: user, PageSize: 20, Sort: ticketing.SortModified, Desc: true,
		States: []ticketing.State{ticketing.StateNew, ticketing.StateInProgress, ticketing.StateEscalated}}, d.now())
	if err != nil {
		return nil, err
	}
	return page.Rows, nil
}

// mayHear is the rule of the recordings (TK-4): the supervisors hear every contact's; the
// operators, back office and level 2 hear the recordings of the requests they handled — who
// answered the call, who had it transferred, who acted on the request or has it in hand.
// Nobody else (administrators, auditors, publishers): a recording is a conversation with a
// citizen, not a record of the Administration's work.
func mayHear(t *ticketing.Ticket, path []ticketing.Event, user string, cap ticketing.Capacity) bool {
	switch cap {
	case ticketing.AsSupervisor:
		return true
	case ticketing.AsOperator, ticketing.AsBackOffice, ticketing.AsLevel2:
	default:
		return false
	}
	if user == "" {
		return false
	}
	if t.Assignee == user || t.CreatedBy == user {
		return true
	}
	for _, e := range path {
		if e.Actor == user {
			return true
		}
	}
	return false
}

// Recordings lists the recordings of the ticket's contact for who may hear them (mayHear);
// ErrNotAllowed for anyone else. Deleted recordings (the retention) are not listed.
func (d *Desk) RecordingsOf(ctx context.Context, number, user string, cap ticketing.Capacity) ([]telephony.Recording, error) {
	t, err := d.hearable(ctx, number, user, cap)
	if err != nil {
		return nil, err
	}
	if d.Recordings == nil || t.CallID == "" {
		return []telephony.Recording{}, nil
	}
	recs, err := d.Recordings.List(t.CallID)
	if recs == nil {
		recs = []telephony.Recording{}
	}
	return recs, err
}

// OpenRecording opens one recording of the ticket's contact for who may hear it; a name that
// is not one of them (or was deleted) is telephony.ErrNoRecording.
func (d *Desk) OpenRecording(ctx context.Context, number, name, user string, cap ticketing.Capacity) (*os.File, error) {
	t, err := d.hearable(ctx, number, user, cap)
	if err != nil {
		return nil, err
	}
	if d.Recordings == nil || t.CallID == "" {
		return nil, telephony.ErrNoRecording
	}
	return d.Recordings.Open(t.CallID, name)
}

func (d *Desk) hearable(ctx context.Context, number, user string, cap ticketing.Capacity) (*ticketing.Ticket, error) {
	t, err := d.Tickets.TicketByNumber(ctx, number)
	if err != nil {
		return nil, err
	}
	path, err := d.Tickets.Path(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	if !mayHear(t, path, user, cap) {
		return nil, ErrNotAllowed
	}
	return t, nil
}

// Callback references: a callback placed from the desk carries its booking as the call's
// reference (telephony.ACD.PlaceCallbackFor), so that its outcome is recorded on the ticket.
const callbackRefPrefix = "tk-callback:"

// CallbackRef is the call reference of callback task id.
func CallbackRef(id int64) string { return callbackRefPrefix + strconv.FormatInt(id, 10) }

func parseCallbackRef(ref string) (int64, bool) {
	s, ok := strings.CutPrefix(ref, callbackRefPrefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// DueCallback is a callback due, with its ticket.
type DueCallback struct {
	ticketing.Callback
	Ticket  string
	Subject string
}

// DueCallbacks lists the callbacks due now, earliest first, at most 50.
func (d *Desk) DueCallbacks(ctx context.Context) ([]DueCallback, error) {
	cbs, err := d.Tickets.DueCallbacks(ctx, d.now())
	if err != nil {
		return nil, err
	}
	out := []DueCallback{}
	for _, cb := range cbs {
		if len(out) == 50 {
			break
		}
		t, err := d.Tickets.Ticket(ctx, cb.TicketID)
		if err != nil {
			return nil, err
		}
		out = append(out, DueCallback{Callback: cb, Ticket: t.Number, Subject: t.Subject})
	}
	return out, nil
}

// CallbackToPlace returns the number and the call reference of a pending callback task, for
// ACD.PlaceCallbackFor.
func (d *Desk) CallbackToPlace(ctx context.Context, id int64) (number, ref string, err error) {
	cb, err := d.Tickets.Callback(ctx, id)
	if err != nil {
		return "", "", err
	}
	if cb.State != ticketing.CallbackPending {
		return "", "", &ticketing.InvalidError{Field: "callbackId", Msg: fmt.Sprintf("la richiamata è già chiusa (%s)", cb.State.Label())}
	}
	return cb.Number, CallbackRef(cb.ID), nil
}

// CallbackTicket is the number of the ticket a placed callback belongs to ("" for a callback
// placed without a booking).
func (d *Desk) CallbackTicket(ctx context.Context, ref string) (string, error) {
	id, ok := parseCallbackRef(ref)
	if !ok {
		return "", nil
	}
	cb, err := d.Tickets.Callback(ctx, id)
	if err != nil {
		return "", err
	}
	t, err := d.Tickets.Ticket(ctx, cb.TicketID)
	if err != nil {
		return "", err
	}
	return t.Number, nil
}

// CallbackOutcome records the outcome of a placed callback on its booking (TEL-7): reached
// closes it, anything else is a failed attempt (retried later, until its attempts run out).
// A callback placed without a booking has nothing to record.
func (d *Desk) CallbackOutcome(ctx context.Context, ref, operator, outcome string) error {
	id, ok := parseCallbackRef(ref)
	if !ok {
		return nil
	}
	if operator == "" {
		operator = "sistema"
	}
	reached := outcome == "reached"
	_, err := d.Tickets.CallbackAttempt(ctx, id, operator, reached, callbackOutcomeText(outcome))
	return err
}

// callbackOutcomeText is the Italian outcome of a placed callback, as the media layer reports
// it (reached, busy, no-answer, failed: …).
func callbackOutcomeText(o string) string {
	switch {
	case o == "reached":
		return "cittadino raggiunto (richiamata dalla scrivania)"
	case o == "busy":
		return "occupato"
	case o == "no-answer":
		return "non risponde"
	case strings.HasPrefix(o, "failed"):
		return "chiamata non riuscita: " + strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(o, "failed"), ":"))
	case o == "":
		return "esito non riportato"
	}
	return o
}
