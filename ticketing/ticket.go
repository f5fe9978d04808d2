package ticketing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"sportello/internal/clock"
	"sportello/internal/sqldb"
	"sportello/internal/textfold"
)

// NewTicket is what opening a service request needs.
type NewTicket struct {
	CitizenID   int64
	Channel     Channel
	Category    string // concept IRI; may be set later
	Priority    Priority
	Subject     string
	Description string
	Actor       string // user name, or "sistema"
	Role        Capacity
	CallID      string    // the CTI call that opened it (TK-1)
	At          time.Time // when the request arrived; zero means now
	// Contact is the request's own, unverified contact (the public page, the sender of an
	// e-mail). It is stored with the ticket and never copied to a citizen's record.
	Contact Contact
	// RecordedOffline says the operator's desk recorded the contact while the server could not
	// be reached and sent it later (TK-14): At is when it was recorded, the ticket is flagged
	// and its path has a step saying so.
	RecordedOffline bool
}

// numberPattern is the ticket number the citizen quotes: RS-year-sequence.
var numberPattern = regexp.MustCompile(`RS-(\d{4})-(\d{6,})`)

// FormatNumber is the citizen-facing number of the seq-th ticket of year.
func FormatNumber(year int, seq int64) string { return fmt.Sprintf("RS-%04d-%06d", year, seq) }

const ticketColumns = `id, number, citizen_id, channel, category, priority, subject, description, state,
	resumed_state, office, assignee, created_by, pill, first_contact, call_id, created, modified,
	taken_at, solved_at, closed_at, due_take, due_solve, due_final, public_key, contact_name, contact_email,
	contact_phone, recorded_offline`

type scanner interface{ Scan(...any) error }

func scanTicket(r scanner) (*Ticket, error) {
	var t Ticket
	var first, offline int
	var created, modified, taken, solved, closed, dt, ds, df int64
	var key string
	var ct Contact
	err := r.Scan(&t.ID, &t.Number, &t.CitizenID, &t.Channel, &t.Category, &t.Priority, &t.Subject,
		&t.Description, &t.State, &t.ResumedState, &t.Office, &t.Assignee, &t.CreatedBy, &t.Pill, &first,
		&t.CallID, &created, &modified, &taken, &solved, &closed, &dt, &ds, &df, &key, &ct.Name, &ct.Email, &ct.Phone, &offline)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	t.FirstContact = first != 0
	t.RecordedOffline = offline != 0
	t.Created, t.Modified = sqldb.Time(created), sqldb.Time(modified)
	t.TakenAt, t.SolvedAt, t.ClosedAt = sqldb.Time(taken), sqldb.Time(solved), sqldb.Time(closed)
	t.DueTake, t.DueSolve, t.DueFinal = sqldb.Time(dt), sqldb.Time(ds), sqldb.Time(df)
	if key != "" {
		t.PublicRef = t.Number + "-" + key
	}
	if !ct.IsZero() {
		t.Contact = &ct
	}
	return &t, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Create opens a ticket: it allocates the next number of the year, computes the SLA clocks of
// offline channels and records the creation as the first step of the path. A ticket says what
// was asked and how the request came: without a channel, or with neither subject nor
// description, nothing is written and the error names each missing field (Problems).
func (s *Store) Create(ctx context.Context, n NewTicket) (*Ticket, error) {
	if err := n.clean(); err != nil {
		return nil, err
	}
	var t *Ticket
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		var err error
		if t, err = s.insertTicket(ctx, tx, n); err != nil {
			return err
		}
		if n.CallID == "" || n.Channel == Voicemail {
			return nil
		}
		// A ticket opened by hand for a call is that contact's ticket: a contact has one.
		var got string
		err = tx.QueryRow(ctx, `INSERT INTO tk_contacts (contact_id, ticket_id, channel, answered, operator)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (contact_id) DO NOTHING RETURNING contact_id`,
			n.CallID, t.ID, t.Channel, sqldb.Millis(t.Created), "").Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			var number string
			tx.QueryRow(ctx, `SELECT t.number FROM tk_contacts c JOIN tk_tickets t ON t.id = c.ticket_id
				WHERE c.contact_id = ?`, n.CallID).Scan(&number)
			return invalid("callId", "il contatto ha già la richiesta %s: lavorare quella", orDash(number))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// clean validates and normalises a new ticket, collecting every problem.
func (n *NewTicket) clean() error {
	var p Problems
	switch {
	case n.Channel == "":
		p.add(invalid("channel", "indicare il canale da cui è arrivata la richiesta"))
	case !n.Channel.Valid():
		p.add(invalid("channel", "canale %q sconosciuto", n.Channel))
	}
	if n.Priority == "" {
		n.Priority = Normal
	}
	if !n.Priority.Valid() {
		p.add(invalid("priority", "priorità %q sconosciuta", n.Priority))
	}
	if n.Category != "" && !isIRI(n.Category) {
		p.add(invalid("category", "%q non è l'IRI di un concetto della classificazione", n.Category))
	}
	n.Description = strings.TrimSpace(n.Description)
	n.Subject = strings.TrimSpace(n.Subject)
	p.add(checkText("subject", "l'oggetto", n.Subject, MaxSubject))
	p.add(checkText("description", "la descrizione", n.Description, MaxDescription))
	if n.Subject == "" && n.Description == "" {
		p.add(invalid("description", "descrivere la richiesta (almeno l'oggetto o la descrizione)"))
	}
	if len(n.CallID) > MaxContactID {
		p.add(invalid("callId", "l'identificativo della chiamata supera %d caratteri", MaxContactID))
	}
	if err := n.Contact.clean(); err != nil {
		p.add(err)
	}
	if n.Role == "" {
		n.Role = AsSystem
	}
	if n.Actor == "" {
		n.Actor = "sistema"
	}
	return p.err()
}

// insertTicket writes the ticket n (already cleaned) in tx: number, clocks, search text and
// the first step of the path.
func (s *Store) insertTicket(ctx context.Context, tx *sqldb.Tx, n NewTicket) (*Ticket, error) {
	now := s.clock()
	at := n.At
	if at.IsZero() || at.After(now) {
		at = now
	}
	at = at.UTC().Truncate(time.Millisecond)
	dl := s.Deadlines(n.Channel, at)
	t := &Ticket{CitizenID: n.CitizenID, Channel: n.Channel, Category: n.Category, Priority: n.Priority,
		Subject: n.Subject, Description: n.Description, State: StateNew, CreatedBy: n.Actor, CallID: n.CallID,
		Created: at, Modified: now, DueTake: dl.TakeInCharge, DueSolve: dl.Resolve, DueFinal: dl.Final,
		RecordedOffline: n.RecordedOffline}
	if !n.Contact.IsZero() {
		ct := n.Contact
		t.Contact = &ct
	}
	key := newPublicKey()
	if n.CitizenID != 0 {
		var merged int64
		if err := tx.QueryRow(ctx, `SELECT merged_into FROM tk_citizens WHERE id = ?`, n.CitizenID).Scan(&merged); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil, invalid("citizen", "cittadino %d inesistente", n.CitizenID)
			}
			return nil, err
		}
		if merged != 0 {
			t.CitizenID = merged
		}
	}
	year := at.In(s.cal.Location).Year()
	var seq int64
	// One statement allocates the number on both engines: PostgreSQL locks the year's row,
	// SQLite's immediate transactions serialise writers.
	if err := tx.QueryRow(ctx, `INSERT INTO tk_ticket_seq (year, last) VALUES (?, 1)
		ON CONFLICT (year) DO UPDATE SET last = tk_ticket_seq.last + 1 RETURNING last`, year).Scan(&seq); err != nil {
		return nil, fmt.Errorf("ticket number: %w", err)
	}
	t.Number = FormatNumber(year, seq)
	t.PublicRef = t.Number + "-" + key
	if err := tx.QueryRow(ctx, `INSERT INTO tk_tickets (number, citizen_id, channel, category, priority,
		subject, description, state, created_by, call_id, created, modified, due_take, due_solve, due_final,
		public_key, contact_name, contact_email, contact_phone, search, recorded_offline)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		t.Number, t.CitizenID, t.Channel, t.Category, t.Priority, t.Subject, t.Description, t.State,
		t.CreatedBy, t.CallID, sqldb.Millis(t.Created), sqldb.Millis(now), sqldb.Millis(t.DueTake),
		sqldb.Millis(t.DueSolve), sqldb.Millis(t.DueFinal), key, n.Contact.Name, n.Contact.Email,
		n.Contact.Phone, searchText(t), b2i(t.RecordedOffline)).Scan(&t.ID); err != nil {
		return nil, err
	}
	if err := addEvent(ctx, tx, Event{TicketID: t.ID, At: now, Actor: n.Actor, Role: n.Role, Action: ActCreate,
		To: StateNew, Reason: "canale " + n.Channel.Label()}); err != nil {
		return nil, err
	}
	if t.RecordedOffline {
		if err := addEvent(ctx, tx, Event{TicketID: t.ID, At: now, Actor: n.Actor, Role: n.Role, Action: ActRecordedOffline,
			From: StateNew, To: StateNew, Reason: fmt.Sprintf("contatto registrato senza collegamento al server il %s, ricevuto il %s",
				clock.DateTime(at), clock.DateTime(now))}); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// searchText is what the inbox's free-text search looks into, folded (internal/textfold): the
// number, subject, description and the request's own contact. The citizen's name is matched
// through tk_citizens.name_fold, so renaming a citizen needs no ticket rewritten.
func searchText(t *Ticket) string {
	parts := []string{t.Number, t.Subject, t.Description}
	if t.Contact != nil {
		parts = append(parts, t.Contact.Name, t.Contact.Email, t.Contact.Phone)
	}
	return textfold.Fold(strings.Join(parts, "\n"))
}

func addEvent(ctx context.Context, tx *sqldb.Tx, e Event) error {
	_, err := tx.Exec(ctx, `INSERT INTO tk_events (ticket_id, at, actor, role, action, from_state, to_state,
		office, suggested_office, reason, pill) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.TicketID, sqldb.Millis(e.At), e.Actor, e.Role, e.Action, e.From, e.To, e.Office, e.SuggestedOffice,
		e.Reason, e.Pill)
	return err
}

// Ticket returns a ticket by id.
func (s *Store) Ticket(ctx context.Context, id int64) (*Ticket, error) {
	return scanTicket(s.db.QueryRow(ctx, `SELECT `+ticketColumns+` FROM tk_tickets WHERE id = ?`, id))
}

// TicketByNumber returns the ticket staff look up by its number ("RS-2026-000123", any case;
// a public reference with its suffix, "RS-2026-000123-K7QF", names the same ticket — the
// suffix is not checked here: this is the staff's lookup, not the citizens', see PublicStatus).
func (s *Store) TicketByNumber(ctx context.Context, number string) (*Ticket, error) {
	n, _, _ := ParseRef(number)
	if n == "" {
		n = strings.ToUpper(strings.TrimSpace(number))
	}
	return scanTicket(s.db.QueryRow(ctx, `SELECT `+ticketColumns+` FROM tk_tickets WHERE number = ?`, n))
}

// Filter selects tickets for the inboxes and lists. The zero value selects every ticket.
type Filter struct {
	States    []State
	Channel   Channel
	Office    string
	Assignee  string
	CitizenID int64
	Category  string
	Since     time.Time // created at or after
	Until     time.Time // created before
	Limit     int       // 0 means 500
	Offset    int
}

// List returns the tickets that match f, newest first.
func (s *Store) List(ctx context.Context, f Filter) ([]Ticket, error) {
	var where []string
	var args []any
	if len(f.States) > 0 {
		ph := make([]string, len(f.States))
		for i, st := range f.States {
			ph[i] = "?"
			args = append(args, st)
		}
		where = append(where, "state IN ("+strings.Join(ph, ", ")+")")
	}
	for _, c := range []struct {
		col string
		v   any
		set bool
	}{
		{"channel = ?", f.Channel, f.Channel != ""},
		{"office = ?", f.Office, f.Office != ""},
		{"assignee = ?", f.Assignee, f.Assignee != ""},
		{"citizen_id = ?", f.CitizenID, f.CitizenID != 0},
		{"category = ?", f.Category, f.Category != ""},
		{"created >= ?", sqldb.Millis(f.Since), !f.Since.IsZero()},
		{"created < ?", sqldb.Millis(f.Until), !f.Until.IsZero()},
	} {
		if c.set {
			where = append(where, c.col)
			args = append(args, c.v)
		}
	}
	q := `SELECT ` + ticketColumns + ` FROM tk_tickets`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Limit <= 0 {
		f.Limit = 500
	}
	q += fmt.Sprintf(" ORDER BY created DESC, id DESC LIMIT %d OFFSET %d", f.Limit, max(f.Offset, 0))
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Ticket
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

// Path returns the steps of a ticket in order: who, when, what and why (TK-12).
func (s *Store) Path(ctx context.Context, id int64) ([]Event, error) {
	rows, err := s.db.Query(ctx, `SELECT id, ticket_id, at, actor, role, action, from_state, to_state, office,
		suggested_office, reason, pill FROM tk_events WHERE ticket_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.ID, &e.TicketID, &at, &e.Actor, &e.Role, &e.Action, &e.From, &e.To, &e.Office,
			&e.SuggestedOffice, &e.Reason, &e.Pill); err != nil {
			return nil, err
		}
		e.At = sqldb.Time(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// addQueries keeps the searches of a ticket that it does not have yet: the desk sends what was
// searched with each pill opened and again with the answer, and the same search is one search
// on the ticket (and one text to learn from).
func addQueries(ctx context.Context, tx *sqldb.Tx, id int64, at time.Time, actor string, queries []string) error {
	if len(queries) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT query FROM tk_queries WHERE ticket_id = ?`, id)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for rows.Next() {
		var q string
		if err := rows.Scan(&q); err != nil {
			rows.Close()
			return err
		}
		have[q] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, q := range queries {
		if have[q] {
			continue
		}
		have[q] = true
		if _, err := tx.Exec(ctx, `INSERT INTO tk_queries (ticket_id, at, actor, query) VALUES (?, ?, ?, ?)`,
			id, sqldb.Millis(at), actor, q); err != nil {
			return err
		}
	}
	return nil
}

// Queries returns what was searched in the knowledge base before escalating the ticket.
func (s *Store) Queries(ctx context.Context, id int64) ([]string, error) {
	rows, err := s.db.Query(ctx, `SELECT query FROM tk_queries WHERE ticket_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var q string
		if err := rows.Scan(&q); err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// Step is a request to move a ticket along the flow.
type Step struct {
	Action          Action
	Actor           string // user name
	Role            Capacity
	Reason          string   // why (required to reject, reopen, ask for data; the answer on solve)
	Office          string   // assign, reassign: the competent office's IRI
	SuggestedOffice string   // reject: the office that should have it, when known (TK-12)
	Pill            string   // solve_l1, solve: the pill the answer came from
	Queries         []string // escalate, solve: what was searched in the knowledge base (kept with the ticket)
}

// MaxReason bounds the free text of a step (a reason, an answer), in characters.
const MaxReason = 8000

// clean checks that the step carries what its action needs, and only well-formed references;
// every missing field is named.
func (st *Step) clean() ([]string, error) {
	st.Reason = strings.TrimSpace(st.Reason)
	st.Office = strings.TrimSpace(st.Office)
	st.SuggestedOffice = strings.TrimSpace(st.SuggestedOffice)
	st.Pill = strings.TrimSpace(st.Pill)
	var p Problems
	if st.Actor == "" {
		p.add(invalid("actor", "manca l'utente che esegue l'azione"))
	}
	p.add(checkText("reason", "il testo", st.Reason, MaxReason))
	var queries []string
	for _, q := range st.Queries {
		if q = strings.TrimSpace(q); q != "" {
			if utf8.RuneCountInString(q) > MaxSubject {
				p.add(invalid("queries", "una ricerca supera %d caratteri", MaxSubject))
				break
			}
			queries = append(queries, q)
		}
	}
	if len(queries) > 50 {
		p.add(invalid("queries", "al massimo 50 ricerche per inoltro"))
	}
	switch st.Action {
	case ActAssign, ActReassign:
		if st.Office == "" {
			p.add(invalid("office", "indicare l'ufficio competente"))
		} else if !isIRI(st.Office) {
			p.add(invalid("office", "%q non è l'IRI di un ufficio", st.Office))
		}
	case ActReject:
		if st.Reason == "" {
			p.add(invalid("reason", "indicare la motivazione del rifiuto"))
		}
		if st.SuggestedOffice != "" && !isIRI(st.SuggestedOffice) {
			p.add(invalid("suggestedOffice", "%q non è l'IRI di un ufficio", st.SuggestedOffice))
		}
	case ActEscalate:
		if len(queries) == 0 && st.Role != AsSystem {
			p.add(invalid("queries", "indicare che cosa è stato cercato nella base di conoscenza prima di inoltrare"))
		}
	case ActRequestData:
		if st.Reason == "" {
			p.add(invalid("reason", "indicare i dati mancanti"))
		}
	case ActSolveL1, ActSolve:
		// A solution says what the citizen was told: the pill it came from, or the answer.
		if st.Pill == "" && st.Reason == "" {
			p.add(invalid("reason", "indicare la risposta data al cittadino o la scheda usata"))
		}
	case ActReopen:
		if st.Reason == "" && st.Role != AsSystem {
			p.add(invalid("reason", "indicare perché la richiesta viene riaperta"))
		}
	}
	if st.Pill != "" && !isIRI(st.Pill) {
		p.add(invalid("pill", "%q non è l'IRI di una scheda", st.Pill))
	}
	return queries, p.err()
}

// Apply moves the ticket one step along the Annex A flow, recording who, when and why. A
// refused step returns a *TransitionError (ErrState, ErrRole or ErrNotMember), an
// *InvalidError or Problems, and changes nothing. A ticket assigned to an office is worked by
// the office's members only, in the capacity their membership gives (offices.go); level 3 and
// the system act on any.
func (s *Store) Apply(ctx context.Context, id int64, st Step) (*Ticket, error) {
	queries, err := st.clean()
	if err != nil {
		return nil, err
	}
	for _, o := range []struct{ field, iri string }{{"office", st.Office}, {"suggestedOffice", st.SuggestedOffice}} {
		if o.iri == "" || (o.field == "office" && st.Action != ActAssign && st.Action != ActReassign) {
			continue
		}
		if err := s.knownOffice(ctx, o.field, o.iri); err != nil {
			return nil, err
		}
	}
	var out *Ticket
	var from State
	var acted Capacity // the capacity the step was taken in: the membership's on an office's ticket
	err = s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		t, err := scanTicket(tx.QueryRow(ctx, `SELECT `+ticketColumns+` FROM tk_tickets WHERE id = ?`+s.forUpdate(), id))
		if err != nil {
			return err
		}
		to, role, err := s.authorize(ctx, tx, t, st.Action, st.Actor, st.Role)
		if err != nil {
			return err
		}
		acted = role
		officeStep := officeBound(t)
		now := s.clock()
		from = t.State
		if t.TakenAt.IsZero() && from == StateNew {
			t.TakenAt = now
		}
		switch st.Action {
		case ActTake, ActClaim:
			t.Assignee = st.Actor
		case ActSolveL1:
			t.SolvedAt = now
			t.Pill = st.Pill
			// First-contact resolution (C.4): solved at level 1 without ever leaving level 1.
			t.FirstContact = !everLeftLevel1(ctx, tx, t.ID)
			if t.Assignee == "" {
				t.Assignee = st.Actor
			}
		case ActEscalate:
			t.Assignee = ""
		case ActAssign, ActReassign:
			t.Office = st.Office
			t.Assignee = ""
		case ActRequestData:
			t.ResumedState = from
		case ActResume:
			t.ResumedState = ""
		case ActFinalReminder:
			t.SolvedAt = now
			t.FirstContact = false
		case ActSolve:
			t.SolvedAt = now
			if st.Pill != "" {
				t.Pill = st.Pill
			}
			t.FirstContact = false
			t.Assignee = st.Actor
		case ActReopen:
			t.SolvedAt = time.Time{}
			t.FirstContact = false
		case ActClose:
			t.ClosedAt = now
		}
		t.State, t.Modified = to, now
		if _, err := tx.Exec(ctx, `UPDATE tk_tickets SET state = ?, resumed_state = ?, office = ?, assignee = ?,
			pill = ?, first_contact = ?, modified = ?, taken_at = ?, solved_at = ?, closed_at = ? WHERE id = ?`,
			t.State, t.ResumedState, t.Office, t.Assignee, t.Pill, b2i(t.FirstContact), sqldb.Millis(now),
			sqldb.Millis(t.TakenAt), sqldb.Millis(t.SolvedAt), sqldb.Millis(t.ClosedAt), t.ID); err != nil {
			return err
		}
		if err := addQueries(ctx, tx, t.ID, now, st.Actor, queries); err != nil {
			return err
		}
		ev := Event{TicketID: t.ID, At: now, Actor: st.Actor, Role: role, Action: st.Action, From: from, To: to,
			Office: st.Office, SuggestedOffice: st.SuggestedOffice, Reason: st.Reason, Pill: st.Pill}
		if officeStep && ev.Office == "" {
			ev.Office = t.Office // the office that acted (rejected, solved, asked for data)
		}
		if err := addEvent(ctx, tx, ev); err != nil {
			return err
		}
		out = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	st.Role = acted
	s.notify(ctx, out, st)
	if (st.Action == ActSolveL1 || st.Action == ActSolve) && st.Pill != "" {
		s.teach(ctx, out, st.Pill, UsedToSolve)
	}
	return out, nil
}

// everLeftLevel1 reports whether the ticket was escalated, waited for the citizen, was
// reopened or went with its call to level 2 before: then solving it is no longer first-contact
// resolution.
func everLeftLevel1(ctx context.Context, tx *sqldb.Tx, id int64) bool {
	var n int
	tx.QueryRow(ctx, `SELECT COUNT(*) FROM tk_events WHERE ticket_id = ? AND (action IN (?, ?, ?)
		OR (action = ? AND role IN (?, ?)))`,
		id, ActEscalate, ActRequestData, ActReopen, ActTransfer, AsLevel2, AsOffice).Scan(&n)
	return n > 0
}

// forUpdate is the row-lock clause of the dialect: PostgreSQL needs it to serialise two
// transitions of one ticket; SQLite's immediate transactions already do.
func (s *Store) forUpdate() string {
	if s.db.Dialect == sqldb.Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// TicketPatch changes the classification of a ticket (TK-2); nil fields stay as they are.
type TicketPatch struct {
	Category    *string
	Priority    *Priority
	Subject     *string
	Description *string
	CitizenID   *int64
}

// Update applies p and records it in the path.
func (s *Store) Update(ctx context.Context, id int64, actor string, role Capacity, p TicketPatch) (*Ticket, error) {
	if p.Category != nil && *p.Category != "" && !isIRI(*p.Category) {
		return nil, invalid("category", "%q non è l'IRI di un concetto della classificazione", *p.Category)
	}
	if p.Priority != nil && !p.Priority.Valid() {
		return nil, invalid("priority", "priorità %q sconosciuta", *p.Priority)
	}
	if p.Subject != nil {
		if err := checkText("subject", "l'oggetto", *p.Subject, MaxSubject); err != nil {
			return nil, err
		}
	}
	if p.Description != nil {
		if err := checkText("description", "la descrizione", *p.Description, MaxDescription); err != nil {
			return nil, err
		}
	}
	var out *Ticket
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		t, err := scanTicket(tx.QueryRow(ctx, `SELECT `+ticketColumns+` FROM tk_tickets WHERE id = ?`+s.forUpdate(), id))
		if err != nil {
			return err
		}
		// An office's ticket is edited by its members (and level 3, the system) only.
		if officeBound(t) && role != AsSupervisor && role != AsSystem {
			m, err := member(ctx, tx, t.Office, actor)
			if err != nil {
				return err
			}
			if m == nil {
				return &TransitionError{t.Number, ActUpdate, t.State, role, &refusal{ErrNotMember,
					fmt.Sprintf("%s non fa parte dell'ufficio «%s», a cui è assegnata la richiesta %s: la modificano solo i suoi membri",
						actor, s.officeName(ctx, t.Office), t.Number)}}
			}
			role = m.Capacity
		}
		var changed []string
		if p.Category != nil && *p.Category != t.Category {
			t.Category = *p.Category
			changed = append(changed, "categoria")
		}
		if p.Priority != nil && *p.Priority != t.Priority {
			t.Priority = *p.Priority
			changed = append(changed, "priorità")
		}
		if p.Subject != nil && strings.TrimSpace(*p.Subject) != t.Subject {
			t.Subject = strings.TrimSpace(*p.Subject)
			changed = append(changed, "oggetto")
		}
		if p.Description != nil && strings.TrimSpace(*p.Description) != t.Description {
			t.Description = strings.TrimSpace(*p.Description)
			changed = append(changed, "descrizione")
		}
		if p.CitizenID != nil && *p.CitizenID != t.CitizenID {
			if *p.CitizenID != 0 {
				var n int
				tx.QueryRow(ctx, `SELECT COUNT(*) FROM tk_citizens WHERE id = ? AND merged_into = 0`, *p.CitizenID).Scan(&n)
				if n == 0 {
					return invalid("citizen", "cittadino %d inesistente", *p.CitizenID)
				}
			}
			t.CitizenID = *p.CitizenID
			changed = append(changed, "cittadino")
		}
		out = t
		if len(changed) == 0 {
			return nil
		}
		if t.Subject == "" && t.Description == "" {
			return invalid("description", "descrivere la richiesta (almeno l'oggetto o la descrizione)")
		}
		now := s.clock()
		t.Modified = now
		if _, err := tx.Exec(ctx, `UPDATE tk_tickets SET category = ?, priority = ?, subject = ?, description = ?,
			citizen_id = ?, modified = ?, search = ? WHERE id = ?`, t.Category, t.Priority, t.Subject, t.Description,
			t.CitizenID, sqldb.Millis(now), searchText(t), t.ID); err != nil {
			return err
		}
		return addEvent(ctx, tx, Event{TicketID: t.ID, At: now, Actor: actor, Role: role, Action: ActUpdate,
			From: t.State, To: t.State, Reason: "modificati: " + strings.Join(changed, ", ")})
	})
	return out, err
}

// isIRI accepts absolute http(s) and urn IRIs without spaces: what a concept, office or pill
// reference looks like.
func isIRI(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t\n<>\"{}|\\^`") {
		return false
	}
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "urn:")
}

// TicketByCall finds the ticket a telephone call (or voicemail) already opened on channel ch:
// nil, nil when it has none, so that a call never opens two tickets (TK-1).
func (s *Store) TicketByCall(ctx context.Context, callID string, ch Channel) (*Ticket, error) {
	if callID == "" {
		return nil, nil
	}
	t, err := scanTicket(s.db.QueryRow(ctx, `SELECT `+ticketColumns+` FROM tk_tickets WHERE call_id = ? AND channel = ?
		ORDER BY id DESC LIMIT 1`, callID, ch))
	if errors.Is(err, ErrNotFound) || errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return t, err
}
