package ticketing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"sportello/internal/sqldb"
	"sportello/kb"
)

// Offices as real queues (TK-10, TK-11, TK-12, TK-15). The competent offices are the units of
// the knowledge base's directory, named by IRI; which users work for which office is kept here,
// in the operational database, because it is about who handles requests, not about what the
// Administration publishes. A ticket assigned to an office is in that office's queue; its
// members are notified by e-mail, and only they act on it (in the capacity their membership
// gives), until they solve it, ask the citizen for data or reject it — a rejection goes to
// level 3 (the supervisors), who reassign it. Every assignment, rejection (with its reason and
// suggested office) and reassignment is a step of the ticket's path.

// Member is a user's membership of an office.
type Member struct {
	Office   string    `json:"office"` // IRI of the unit in the directory
	User     string    `json:"user"`   // user name
	Capacity Capacity  `json:"capacity"`
	Added    time.Time `json:"added"`
	AddedBy  string    `json:"addedBy,omitempty"`
}

// MemberCapacities are the capacities a member may act in for an office: as one of its
// officials, as departmental support (level 2), as back office.
var MemberCapacities = []Capacity{AsOffice, AsLevel2, AsBackOffice}

// MaxUserName bounds a user name, in characters.
const MaxUserName = 100

// UserDirectory finds a user's e-mail address for the notifications to office members (the
// accounts package, through the application's glue). An unknown user is ErrNotFound; a
// disabled one, or one without an address, is "".
type UserDirectory interface {
	UserEmail(ctx context.Context, name string) (string, error)
}

func checkUserName(field, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", invalid(field, "indicare l'utente")
	}
	if utf8.RuneCountInString(name) > MaxUserName {
		return "", invalid(field, "il nome utente supera %d caratteri", MaxUserName)
	}
	for _, r := range name {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return "", invalid(field, "il nome utente %q contiene spazi o caratteri di controllo", name)
		}
	}
	return name, nil
}

// knownOffice refuses an office IRI the directory does not know, when a directory is
// configured; without one only the IRI's form is checked.
func (s *Store) knownOffice(ctx context.Context, field, iri string) error {
	if !isIRI(iri) {
		return invalid(field, "%q non è l'IRI di un ufficio", iri)
	}
	if s.offices == nil {
		return nil
	}
	if _, _, err := s.offices.OfficeContact(ctx, iri); err != nil {
		if errors.Is(err, kb.ErrNotFound) || errors.Is(err, ErrNotFound) {
			return invalid(field, "l'ufficio %s non è nella rubrica", iri)
		}
		return fmt.Errorf("ticketing: office %s: %w", iri, err)
	}
	return nil
}

// officeName is the office's name from the directory, or its IRI.
func (s *Store) officeName(ctx context.Context, iri string) string {
	if s.offices != nil {
		if name, _, err := s.offices.OfficeContact(ctx, iri); err == nil && name != "" {
			return name
		}
	}
	return iri
}

// AddMember makes user a member of office in capacity (AsOffice when empty), or changes the
// capacity of an existing membership. The office must be in the directory (when one is
// configured) and the user known to the user directory (when one is configured).
func (s *Store) AddMember(ctx context.Context, office, user string, capacity Capacity, actor string) (*Member, error) {
	var p Problems
	office = strings.TrimSpace(office)
	if office == "" {
		p.add(invalid("office", "indicare l'ufficio"))
	} else if err := s.knownOffice(ctx, "office", office); err != nil {
		var inv *InvalidError
		if !errors.As(err, &inv) {
			return nil, err
		}
		p = append(p, inv)
	}
	user, err := checkUserName("user", user)
	if err != nil {
		p.add(err)
	}
	if capacity == "" {
		capacity = AsOffice
	}
	if !contains(MemberCapacities, capacity) {
		p.add(invalid("capacity", "un membro di un ufficio agisce come ufficio, secondo livello o back office, non come %q", capacity))
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	if s.users != nil {
		if _, err := s.users.UserEmail(ctx, user); err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil, invalid("user", "l'utente %q non esiste", user)
			}
			return nil, fmt.Errorf("ticketing: user %s: %w", user, err)
		}
	}
	now := s.clock()
	m := &Member{Office: office, User: user, Capacity: capacity, Added: now, AddedBy: actor}
	err = s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO tk_office_members (office, user_name, capacity, added, added_by)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (office, user_name) DO UPDATE SET capacity = excluded.capacity`,
			office, user, capacity, sqldb.Millis(now), actor)
		if err != nil {
			return err
		}
		// The first time stays the membership's date.
		var added int64
		if err := tx.QueryRow(ctx, `SELECT added, added_by FROM tk_office_members WHERE office = ? AND user_name = ?`,
			office, user).Scan(&added, &m.AddedBy); err != nil {
			return err
		}
		m.Added = sqldb.Time(added)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// RemoveMember ends user's membership of office; ErrNotFound when there was none. Tickets the
// user had taken in hand stay in the office's queue, with nobody on them.
func (s *Store) RemoveMember(ctx context.Context, office, user, actor string) error {
	return s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM tk_office_members WHERE office = ? AND user_name = ?`, office, user)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		rows, err := tx.Query(ctx, `SELECT id FROM tk_tickets WHERE office = ? AND assignee = ? AND state = ?`,
			office, user, StateAssigned)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		now := s.clock()
		for _, id := range ids {
			if _, err := tx.Exec(ctx, `UPDATE tk_tickets SET assignee = '', modified = ? WHERE id = ?`, sqldb.Millis(now), id); err != nil {
				return err
			}
			if err := addEvent(ctx, tx, Event{TicketID: id, At: now, Actor: actor, Role: AsSystem, Action: ActUpdate,
				From: StateAssigned, To: StateAssigned, Office: office,
				Reason: fmt.Sprintf("%s non fa più parte dell'ufficio: la richiesta torna in coda", user)}); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) members(ctx context.Context, where string, args ...any) ([]Member, error) {
	rows, err := s.db.Query(ctx, `SELECT office, user_name, capacity, added, added_by FROM tk_office_members `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Member{}
	for rows.Next() {
		var m Member
		var added int64
		if err := rows.Scan(&m.Office, &m.User, &m.Capacity, &added, &m.AddedBy); err != nil {
			return nil, err
		}
		m.Added = sqldb.Time(added)
		out = append(out, m)
	}
	return out, rows.Err()
}

// Members lists the members of office, by user name.
func (s *Store) Members(ctx context.Context, office string) ([]Member, error) {
	return s.members(ctx, `WHERE office = ? ORDER BY user_name`, office)
}

// MembersAll lists every membership, by office and user name (the administrators' page).
func (s *Store) MembersAll(ctx context.Context) ([]Member, error) {
	return s.members(ctx, `ORDER BY office, user_name`)
}

// OfficesOf lists the offices user belongs to.
func (s *Store) OfficesOf(ctx context.Context, user string) ([]Member, error) {
	return s.members(ctx, `WHERE user_name = ? ORDER BY office`, user)
}

// member returns user's membership of office, or nil.
func member(ctx context.Context, q querier, office, user string) (*Member, error) {
	var m Member
	var added int64
	err := q.QueryRow(ctx, `SELECT office, user_name, capacity, added, added_by FROM tk_office_members
		WHERE office = ? AND user_name = ?`, office, user).Scan(&m.Office, &m.User, &m.Capacity, &added, &m.AddedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	m.Added = sqldb.Time(added)
	return &m, nil
}

// IsMember reports whether user belongs to office.
func (s *Store) IsMember(ctx context.Context, office, user string) (bool, error) {
	m, err := member(ctx, s.db, office, user)
	return m != nil, err
}

// officeBound reports whether t is in an office's hands: assigned to it and not yet solved,
// rejected or waiting for the citizen.
func officeBound(t *Ticket) bool { return t.State == StateAssigned && t.Office != "" }

// authorize decides whether actor, in capacity role, may take action a on t now: the state it
// leads to and the capacity the step is recorded in. On a ticket in an office's hands, a user
// acts as the member they are — in their membership's capacity — or not at all: a non-member
// is refused with ErrNotMember even when their role would allow the action elsewhere. Level 3
// (reassignments) and the system act on any ticket.
func (s *Store) authorize(ctx context.Context, q querier, t *Ticket, a Action, actor string, role Capacity) (State, Capacity, error) {
	if officeBound(t) && role != AsSupervisor && role != AsSystem {
		m, err := member(ctx, q, t.Office, actor)
		if err != nil {
			return "", "", err
		}
		if m == nil {
			if _, err := check(t, a, role); err != nil {
				return "", "", err
			}
			return "", "", &TransitionError{Ticket: t.Number, Action: a, State: t.State, Role: role, Err: &refusal{ErrNotMember,
				fmt.Sprintf("%s non fa parte dell'ufficio «%s», a cui è assegnata la richiesta %s: la lavorano solo i suoi membri",
					actor, s.officeName(ctx, t.Office), t.Number)}}
		}
		role = m.Capacity
	}
	to, err := check(t, a, role)
	return to, role, err
}

// CanAct reports whether actor, in capacity role, may take action a on the ticket now — the
// pages' buttons — with the same rule as Apply.
func (s *Store) CanAct(ctx context.Context, t *Ticket, a Action, actor string, role Capacity) bool {
	_, _, err := s.authorize(ctx, s.db, t, a, actor, role)
	return err == nil
}

// AllowedFor lists the actions actor may take on t now, membership included.
func (s *Store) AllowedFor(ctx context.Context, t *Ticket, actor string, role Capacity) []Action {
	out := []Action{}
	for _, tr := range Transitions() {
		if s.CanAct(ctx, t, tr.Action, actor, role) {
			out = append(out, tr.Action)
		}
	}
	return out
}

// officeRecipients are the addresses an assignment to office is notified to (TK-15): the
// office's own mailbox when the directory gives one, and each member's address when the user
// directory gives one, without duplicates and without the person who assigned it.
func (s *Store) officeRecipients(ctx context.Context, office, actor string) (name string, to []string, err error) {
	seen := map[string]bool{}
	add := func(addr string) {
		addr = strings.ToLower(strings.TrimSpace(addr))
		if addr != "" && !seen[addr] {
			seen[addr] = true
			to = append(to, addr)
		}
	}
	name = office
	if s.offices != nil {
		n, addr, err := s.offices.OfficeContact(ctx, office)
		if err != nil {
			return "", nil, err
		}
		if n != "" {
			name = n
		}
		add(addr)
	}
	if s.users != nil {
		members, err := s.Members(ctx, office)
		if err != nil {
			return "", nil, err
		}
		for _, m := range members {
			if m.User == actor {
				continue
			}
			addr, err := s.users.UserEmail(ctx, m.User)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return "", nil, err
			}
			add(addr)
		}
	}
	return name, to, nil
}
