package ticketing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"sportello/internal/phone"
	"sportello/internal/sqldb"
)

// One ticket per contact (TK-1, TK-5, SLA-2 C.4). A contact is one conversation with a citizen
// — a call the telephony names by its id — and it has exactly one ticket: the contact center
// asks for it when a person ANSWERS (not when a phone rings, and not for calls abandoned in the
// queue), the operator solves that same ticket at first contact, and a transfer of the call to
// another person — level 2 (TK-5) — keeps it. tk_contacts holds contact → ticket with the
// contact's id as primary key, so two requests for the same contact, even on two servers at
// once, can only ever find or create one ticket.

// MaxContactID bounds a contact's id as the telephony gives it, in bytes.
const MaxContactID = 200

// AnsweredContact is what the contact center knows of an answered contact.
type AnsweredContact struct {
	Channel  Channel   // Phone when empty; Voicemail is refused (nobody answered)
	From     string    // the caller's number as the network gave it: unverified, may be empty
	Operator string    // the user who answered; empty for a contact the software handled (IVR)
	Role     Capacity  // the capacity of who answered; AsOperator when empty
	Queue    string    // the queue the contact came through, for the path
	At       time.Time // when it was answered; zero means now
}

// errContactTaken is a contact registered meanwhile by someone else (PostgreSQL only: SQLite's
// writers are serialised): the transaction is undone and done again, finding it.
var errContactTaken = errors.New("ticketing: contact registered concurrently")

// ForContact returns the ticket of contact contactID, opening it when the contact has none
// yet: channel, the caller's number as the request's contact (and the citizen whose record has
// that number, which the operator confirms or changes), a subject saying so, and — when a person
// answered — taken in hand by them. Asked again for the same contact by the same person it
// changes nothing; asked by another person, the contact was transferred: the ticket goes with
// it to them, and the transfer is a step of the path (to level 2, it no longer counts as solved
// at first contact).
func (s *Store) ForContact(ctx context.Context, contactID string, c AnsweredContact) (*Ticket, error) {
	contactID = strings.TrimSpace(contactID)
	var p Problems
	switch {
	case contactID == "":
		p.addf("contact", "manca l'identificativo del contatto")
	case len(contactID) > MaxContactID:
		p.addf("contact", "l'identificativo del contatto supera %d caratteri", MaxContactID)
	}
	if c.Channel == "" {
		c.Channel = Phone
	}
	switch {
	case !c.Channel.Valid():
		p.addf("channel", "canale %q sconosciuto", c.Channel)
	case c.Channel == Voicemail:
		p.addf("channel", "un messaggio in segreteria non è un contatto risposto: apre la sua richiesta come messaggio")
	}
	actor, role := "sistema", AsSystem
	if strings.TrimSpace(c.Operator) != "" {
		var err error
		if actor, err = checkUserName("operator", c.Operator); err != nil {
			p.add(err)
		}
		role = c.Role
		if role == "" {
			role = AsOperator
		}
		if role != AsOperator && role != AsBackOffice && role != AsLevel2 && role != AsSupervisor {
			p.addf("role", "chi risponde a un contatto agisce come operatore, back office, secondo livello o supervisore, non come %q", role)
		}
	}
	if len(c.Queue) > 200 {
		p.addf("queue", "il nome della coda supera 200 caratteri")
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	// Asked again by the same person (the desk reloaded, the screen pop and the desk both
	// asking): one read, no transaction.
	var known int64
	var last string
	err := s.db.QueryRow(ctx, `SELECT ticket_id, operator FROM tk_contacts WHERE contact_id = ?`, contactID).Scan(&known, &last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if err == nil && (role == AsSystem || last == actor) {
		return s.Ticket(ctx, known)
	}
	var ct Contact
	if num, err := phone.Normalize(c.From); err == nil && strings.TrimSpace(c.From) != "" {
		ct.Phone = num
	}
	n := NewTicket{Channel: c.Channel, Actor: actor, Role: role, CallID: contactID, At: c.At, Contact: ct}
	switch {
	case c.Channel == Counter:
		n.Subject = "Contatto allo sportello"
	case c.Channel != Phone:
		n.Subject = "Contatto via " + c.Channel.Label()
	case ct.Phone != "":
		n.Subject = "Chiamata da " + ct.Phone
	default:
		n.Subject = "Chiamata senza numero"
	}
	if ct.Phone != "" {
		cit, err := s.MatchCitizen(ctx, "", "", ct.Phone)
		if err != nil {
			return nil, err
		}
		if cit != nil {
			n.CitizenID = cit.ID
		}
	}
	if err := n.clean(); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		t, err := s.forContact(ctx, contactID, n, strings.TrimSpace(c.Queue))
		if errors.Is(err, errContactTaken) && attempt < 3 {
			continue
		}
		return t, err
	}
}

func (s *Store) forContact(ctx context.Context, contactID string, n NewTicket, queue string) (*Ticket, error) {
	var out *Ticket
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		var id int64
		var last string
		err := tx.QueryRow(ctx, `SELECT ticket_id, operator FROM tk_contacts WHERE contact_id = ?`+s.forUpdate(),
			contactID).Scan(&id, &last)
		if err == nil {
			out, err = s.passContact(ctx, tx, id, contactID, last, n.Actor, n.Role, queue)
			return err
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		t, err := s.insertTicket(ctx, tx, n)
		if err != nil {
			return err
		}
		operator := ""
		if n.Role != AsSystem {
			operator = n.Actor
		}
		var got string
		err = tx.QueryRow(ctx, `INSERT INTO tk_contacts (contact_id, ticket_id, channel, answered, operator)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (contact_id) DO NOTHING RETURNING contact_id`,
			contactID, t.ID, t.Channel, sqldb.Millis(t.Created), operator).Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			return errContactTaken
		}
		if err != nil {
			return err
		}
		if operator != "" {
			if err := s.takeForContact(ctx, tx, t, operator, n.Role, queue); err != nil {
				return err
			}
		}
		out = t
		return nil
	})
	return out, err
}

// takeForContact puts a new or waiting ticket in the hands of the person who answered.
func (s *Store) takeForContact(ctx context.Context, tx *sqldb.Tx, t *Ticket, who string, role Capacity, queue string) error {
	now := s.clock()
	from := t.State
	reason := "contatto risposto"
	if queue != "" {
		reason += " (coda " + queue + ")"
	}
	if from == StateNew {
		t.State, t.TakenAt = StateInProgress, now
	}
	t.Assignee, t.Modified = who, now
	if _, err := tx.Exec(ctx, `UPDATE tk_tickets SET state = ?, assignee = ?, taken_at = ?, modified = ? WHERE id = ?`,
		t.State, t.Assignee, sqldb.Millis(t.TakenAt), sqldb.Millis(now), t.ID); err != nil {
		return err
	}
	return addEvent(ctx, tx, Event{TicketID: t.ID, At: now, Actor: who, Role: role, Action: ActTake, From: from,
		To: t.State, Reason: reason})
}

// passContact is ForContact on a contact that has its ticket: nothing when the same person (or
// the software) asks again; the first answer of a contact the software opened; or a transfer.
func (s *Store) passContact(ctx context.Context, tx *sqldb.Tx, id int64, contactID, last, who string, role Capacity, queue string) (*Ticket, error) {
	t, err := scanTicket(tx.QueryRow(ctx, `SELECT `+ticketColumns+` FROM tk_tickets WHERE id = ?`+s.forUpdate(), id))
	if err != nil {
		return nil, err
	}
	if role == AsSystem || who == last {
		return t, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE tk_contacts SET operator = ? WHERE contact_id = ?`, who, contactID); err != nil {
		return nil, err
	}
	// A solved, closed or office-held ticket keeps its hands: the transfer is only recorded.
	movable := t.State == StateNew || t.State == StateInProgress || t.State == StateEscalated
	if last == "" {
		if movable {
			return t, s.takeForContact(ctx, tx, t, who, role, queue)
		}
		return t, nil
	}
	now := s.clock()
	from := t.State
	if movable {
		if t.State == StateNew {
			t.TakenAt = now
			t.State = StateInProgress
		}
		t.Assignee, t.Modified = who, now
		if _, err := tx.Exec(ctx, `UPDATE tk_tickets SET state = ?, assignee = ?, taken_at = ?, modified = ? WHERE id = ?`,
			t.State, t.Assignee, sqldb.Millis(t.TakenAt), sqldb.Millis(now), t.ID); err != nil {
			return nil, err
		}
	}
	return t, addEvent(ctx, tx, Event{TicketID: t.ID, At: now, Actor: who, Role: role, Action: ActTransfer,
		From: from, To: t.State, Reason: fmt.Sprintf("contatto trasferito da %s a %s", last, who)})
}

// ContactTicket returns the ticket of a contact, or nil, nil when the contact has none.
func (s *Store) ContactTicket(ctx context.Context, contactID string) (*Ticket, error) {
	var id int64
	err := s.db.QueryRow(ctx, `SELECT ticket_id FROM tk_contacts WHERE contact_id = ?`, strings.TrimSpace(contactID)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.Ticket(ctx, id)
}
