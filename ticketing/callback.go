package ticketing

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"sportello/i18n"
	"sportello/internal/clock"
	"sportello/internal/phone"
	"sportello/internal/sqldb"
)

// CallbackState is where a callback task stands.
type CallbackState string

const (
	CallbackPending CallbackState = "pending"
	CallbackDone    CallbackState = "done"   // the citizen was reached
	CallbackFailed  CallbackState = "failed" // attempts exhausted or cancelled
)

// Callback is a task to call the citizen back from inside the ticket (TK-6, TEL-7): due time,
// attempts so far out of MaxAttempts, RetryDelay between them, and the outcome.
type Callback struct {
	ID          int64         `json:"id"`
	TicketID    int64         `json:"ticketId"`
	Number      string        `json:"number"`
	Due         time.Time     `json:"due"`
	Attempts    int           `json:"attempts"`
	MaxAttempts int           `json:"maxAttempts"`
	RetryDelay  time.Duration `json:"retryDelay"`
	State       CallbackState `json:"state"`
	Outcome     string        `json:"outcome,omitempty"`
	Notes       string        `json:"notes,omitempty"`
	Operator    string        `json:"operator,omitempty"` // last operator who tried
	Created     time.Time     `json:"created"`
	Modified    time.Time     `json:"modified"`
}

// ScheduleCallback puts a callback task on a ticket. MaxAttempts defaults to 3 and RetryDelay
// to 30 minutes; a retry falling outside service hours moves to the next opening.
func (s *Store) ScheduleCallback(ctx context.Context, ticketID int64, cb Callback, actor string) (*Callback, error) {
	num, err := phone.Normalize(cb.Number)
	if err != nil {
		return nil, invalid("number", "%v", err)
	}
	if cb.Due.IsZero() {
		return nil, invalid("due", "indicare quando richiamare")
	}
	if cb.MaxAttempts <= 0 {
		cb.MaxAttempts = 3
	}
	if cb.RetryDelay <= 0 {
		cb.RetryDelay = 30 * time.Minute
	}
	now := s.clock()
	cb.TicketID, cb.Number, cb.State, cb.Attempts, cb.Created, cb.Modified = ticketID, num, CallbackPending, 0, now, now
	cb.Due = cb.Due.UTC().Truncate(time.Millisecond)
	err = s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		var state State
		if err := tx.QueryRow(ctx, `SELECT state FROM tk_tickets WHERE id = ?`, ticketID).Scan(&state); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO tk_callbacks (ticket_id, number, due, attempts, max_attempts, retry_delay,
			state, notes, created, modified) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?) RETURNING id`, ticketID, cb.Number,
			sqldb.Millis(cb.Due), cb.MaxAttempts, cb.RetryDelay.Milliseconds(), cb.State, strings.TrimSpace(cb.Notes),
			sqldb.Millis(now), sqldb.Millis(now)).Scan(&cb.ID); err != nil {
			return err
		}
		return addEvent(ctx, tx, Event{TicketID: ticketID, At: now, Actor: actor, Role: AsSystem, Action: "callback",
			From: state, To: state, Reason: "richiamata prevista " + clock.DateTime(cb.Due)})
	})
	if err != nil {
		return nil, err
	}
	return &cb, nil
}

const callbackColumns = `id, ticket_id, number, due, attempts, max_attempts, retry_delay, state, outcome, notes,
	operator, created, modified`

func scanCallback(r scanner) (*Callback, error) {
	var c Callback
	var due, delay, created, modified int64
	err := r.Scan(&c.ID, &c.TicketID, &c.Number, &due, &c.Attempts, &c.MaxAttempts, &delay, &c.State, &c.Outcome,
		&c.Notes, &c.Operator, &created, &modified)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	c.Due, c.Created, c.Modified = sqldb.Time(due), sqldb.Time(created), sqldb.Time(modified)
	c.RetryDelay = time.Duration(delay) * time.Millisecond
	return &c, err
}

func (s *Store) callbacks(ctx context.Context, q string, args ...any) ([]Callback, error) {
	rows, err := s.db.Query(ctx, `SELECT `+callbackColumns+` FROM tk_callbacks `+q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Callback
	for rows.Next() {
		c, err := scanCallback(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

// DueCallbacks lists the pending callbacks due by the given time, the earliest first: the
// operators' call-back list (TK-6, TEL-7).
func (s *Store) DueCallbacks(ctx context.Context, by time.Time) ([]Callback, error) {
	return s.callbacks(ctx, `WHERE state = ? AND due <= ? ORDER BY due, id`, CallbackPending, sqldb.Millis(by))
}

// Callback returns one callback task (ErrNotFound when there is none): the desk places it and
// records its outcome by id.
func (s *Store) Callback(ctx context.Context, id int64) (*Callback, error) {
	return scanCallback(s.db.QueryRow(ctx, `SELECT `+callbackColumns+` FROM tk_callbacks WHERE id = ?`, id))
}

// Callbacks lists a ticket's callbacks.
func (s *Store) Callbacks(ctx context.Context, ticketID int64) ([]Callback, error) {
	return s.callbacks(ctx, `WHERE ticket_id = ? ORDER BY id`, ticketID)
}

// MaxOutcome bounds the outcome of a callback attempt, in characters.
const MaxOutcome = 1000

// CallbackAttempt records one try. reached means the citizen answered: the task is done with
// the outcome. Otherwise the next try is scheduled RetryDelay later (at the next opening when
// that falls out of hours), until MaxAttempts, after which the task fails. An attempt is
// something that was done: without its outcome ("non risponde", "occupato", "risolto al
// telefono") it is refused and counts for nothing.
func (s *Store) CallbackAttempt(ctx context.Context, id int64, operator string, reached bool, outcome string) (*Callback, error) {
	var p Problems
	operator, err := checkUserName("operator", operator)
	if err != nil {
		p.add(err)
	}
	outcome = strings.TrimSpace(outcome)
	if outcome == "" {
		p.add(invalid("outcome", "indicare l'esito del tentativo di richiamata"))
	} else if err := checkText("outcome", "l'esito", outcome, MaxOutcome); err != nil {
		p.add(err)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	now := s.clock()
	var out *Callback
	err = s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		c, err := scanCallback(tx.QueryRow(ctx, `SELECT `+callbackColumns+` FROM tk_callbacks WHERE id = ?`+s.forUpdate(), id))
		if err != nil {
			return err
		}
		if c.State != CallbackPending {
			return invalid("state", "richiamata già chiusa (%s)", c.State)
		}
		c.Attempts++
		c.Operator, c.Outcome, c.Modified = operator, outcome, now
		switch {
		case reached:
			c.State = CallbackDone
		case c.Attempts >= c.MaxAttempts:
			c.State = CallbackFailed
		default:
			c.Due = s.nextOpen(now.Add(c.RetryDelay))
		}
		if _, err := tx.Exec(ctx, `UPDATE tk_callbacks SET attempts = ?, state = ?, outcome = ?, operator = ?, due = ?,
			modified = ? WHERE id = ?`, c.Attempts, c.State, c.Outcome, c.Operator, sqldb.Millis(c.Due), sqldb.Millis(now), id); err != nil {
			return err
		}
		var state State
		if err := tx.QueryRow(ctx, `SELECT state FROM tk_tickets WHERE id = ?`, c.TicketID).Scan(&state); err != nil {
			return err
		}
		out = c
		return addEvent(ctx, tx, Event{TicketID: c.TicketID, At: now, Actor: operator, Role: AsOperator, Action: "callback_attempt",
			From: state, To: state, Reason: string(c.State) + ": " + c.Outcome})
	})
	return out, err
}

// Label is the callback state's Italian name.
func (s CallbackState) Label() string { return i18n.T("tk.cb." + string(s)) }
