package ticketing

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"sportello/internal/sqldb"
)

// Internal notes are how the levels work together on a request (TK-5, TK-15): what was tried,
// who was called, what the office said. They are for staff only: they are never part of an
// e-mail (replies, notifications, acknowledgements are built without them) and never shown on
// the citizens' status page; the path records that a note was added, not what it says.

// MaxNote bounds a note, in characters.
const MaxNote = 4000

// Note is an internal note on a ticket.
type Note struct {
	ID       int64     `json:"id"`
	TicketID int64     `json:"ticketId"`
	At       time.Time `json:"at"`
	Author   string    `json:"author"`
	Role     Capacity  `json:"role"`
	Body     string    `json:"body"`
}

// AddNote adds an internal note to a ticket by author, in capacity role (staff only: the
// software and the roles that only read do not write notes). Any member of the staff may add
// one to any ticket, an office's included: notes are how the others tell the office something.
func (s *Store) AddNote(ctx context.Context, ticketID int64, author string, role Capacity, body string) (*Note, error) {
	var p Problems
	author, err := checkUserName("author", author)
	if err != nil {
		p.add(err)
	}
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	if body == "" {
		p.add(invalid("body", "scrivere il testo della nota"))
	} else if err := checkText("body", "la nota", body, MaxNote); err != nil {
		p.add(err)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	n := &Note{TicketID: ticketID, Author: author, Role: role, Body: body}
	err = s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		var number string
		var state State
		if err := tx.QueryRow(ctx, `SELECT number, state FROM tk_tickets WHERE id = ?`, ticketID).Scan(&number, &state); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		if err := staffOnly(&Ticket{Number: number, State: state}, ActNote, role); err != nil {
			return err
		}
		n.At = s.clock()
		if err := tx.QueryRow(ctx, `INSERT INTO tk_notes (ticket_id, at, author, role, body) VALUES (?, ?, ?, ?, ?)
			RETURNING id`, ticketID, sqldb.Millis(n.At), author, role, body).Scan(&n.ID); err != nil {
			return err
		}
		return addEvent(ctx, tx, Event{TicketID: ticketID, At: n.At, Actor: author, Role: role, Action: ActNote,
			From: state, To: state, Reason: "nota interna"})
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// Notes lists a ticket's internal notes, oldest first.
func (s *Store) Notes(ctx context.Context, ticketID int64) ([]Note, error) {
	rows, err := s.db.Query(ctx, `SELECT id, ticket_id, at, author, role, body FROM tk_notes WHERE ticket_id = ?
		ORDER BY id`, ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Note{}
	for rows.Next() {
		var n Note
		var at int64
		if err := rows.Scan(&n.ID, &n.TicketID, &at, &n.Author, &n.Role, &n.Body); err != nil {
			return nil, err
		}
		n.At = sqldb.Time(at)
		out = append(out, n)
	}
	return out, rows.Err()
}
