package ticketing

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"sportello/internal/sqldb"
	"sportello/internal/textfold"
)

// SortKey orders an inbox page.
type SortKey string

const (
	SortCreated  SortKey = "created"  // when the request arrived (the default, newest first)
	SortNumber   SortKey = "number"   // RS number: year, then sequence
	SortDeadline SortKey = "deadline" // the next SLA deadline: take in charge, then resolve; none last
	SortPriority SortKey = "priority" // urgent, high, normal, low
	SortState    SortKey = "state"    // the order of the flow (States)
	SortModified SortKey = "modified" // last change
)

// SortKeys lists the accepted sort keys.
var SortKeys = []SortKey{SortCreated, SortNumber, SortDeadline, SortPriority, SortState, SortModified}

// Page sizes of the inbox: bounded work per request whatever is asked.
const (
	DefaultPageSize = 25
	MaxPageSize     = 200
	MaxQueryText    = 200 // characters of free text
	maxQueryWords   = 8
)

// Query is what the inbox asks for: filters, free text, sort and page. The zero value is the
// first page of every ticket, newest first.
type Query struct {
	States   []State
	Channels []Channel
	// Offices keeps the tickets assigned to any of these offices (IRIs).
	Offices  []string
	Assignee string // user name; see Unassigned
	// Unassigned keeps the tickets nobody has taken in hand.
	Unassigned bool
	CitizenID  int64
	Category   string
	Since      time.Time // created at or after
	Until      time.Time // created before
	// Text is searched, case- and accent-insensitively, in the number, subject, description,
	// the request's contact and the linked citizen's name; every word must be found. A public
	// reference (RS-2026-000123-K7QF) finds its ticket.
	Text     string
	Sort     SortKey
	Desc     bool // with Sort; the zero Sort is always newest first
	Page     int  // 1-based; 0 means 1
	PageSize int  // 0 means DefaultPageSize; at most MaxPageSize

	// queue restricts to an office's queue: assigned to the offices, or waiting for the
	// citizen's data on their behalf.
	queue bool
}

// Page is one page of an inbox, with the total of the tickets the query selects.
type Page struct {
	Rows     []Row `json:"rows"`
	Total    int   `json:"total"`
	Page     int   `json:"page"`
	PageSize int   `json:"pageSize"`
	Pages    int   `json:"pages"`
}

// clean validates q, naming each refused field.
func (q *Query) clean() error {
	var p Problems
	for _, st := range q.States {
		if !contains(States, st) {
			p.addf("state", "stato %q sconosciuto", st)
		}
	}
	for _, ch := range q.Channels {
		if !ch.Valid() {
			p.addf("channel", "canale %q sconosciuto", ch)
		}
	}
	if q.Sort == "" {
		q.Sort, q.Desc = SortCreated, true
	} else if !contains(SortKeys, q.Sort) {
		p.addf("sort", "ordinamento %q sconosciuto: numero, apertura, scadenza, priorità, stato o ultima modifica", q.Sort)
	}
	if q.Page <= 0 {
		q.Page = 1
	}
	if q.Page > 1_000_000 {
		p.addf("page", "pagina %d fuori intervallo", q.Page)
	}
	switch {
	case q.PageSize == 0:
		q.PageSize = DefaultPageSize
	case q.PageSize < 0 || q.PageSize > MaxPageSize:
		p.addf("pageSize", "da 1 a %d richieste per pagina", MaxPageSize)
	}
	q.Text = strings.TrimSpace(q.Text)
	if utf8.RuneCountInString(q.Text) > MaxQueryText {
		p.addf("text", "il testo da cercare supera %d caratteri", MaxQueryText)
	} else if len(strings.Fields(q.Text)) > maxQueryWords {
		p.addf("text", "al massimo %d parole da cercare", maxQueryWords)
	}
	if len(q.Offices) > 100 {
		p.addf("office", "al massimo 100 uffici per ricerca")
	}
	return p.err()
}

// likeEscape makes s a literal for LIKE … ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// where builds the WHERE clause of q on tk_tickets t.
func (q *Query) where() (string, []any) {
	var conds []string
	var args []any
	if len(q.States) > 0 {
		conds = append(conds, "t.state IN ("+placeholders(len(q.States))+")")
		for _, st := range q.States {
			args = append(args, st)
		}
	}
	if len(q.Channels) > 0 {
		conds = append(conds, "t.channel IN ("+placeholders(len(q.Channels))+")")
		for _, ch := range q.Channels {
			args = append(args, ch)
		}
	}
	if len(q.Offices) > 0 {
		conds = append(conds, "t.office IN ("+placeholders(len(q.Offices))+")")
		for _, o := range q.Offices {
			args = append(args, o)
		}
	}
	if q.queue {
		conds = append(conds, "(t.state = ? OR (t.state = ? AND t.resumed_state = ?))")
		args = append(args, StateAssigned, StateIncomplete, StateAssigned)
	}
	if q.Unassigned {
		conds = append(conds, "t.assignee = ''")
	} else if q.Assignee != "" {
		conds = append(conds, "t.assignee = ?")
		args = append(args, q.Assignee)
	}
	if q.CitizenID != 0 {
		conds = append(conds, "t.citizen_id = ?")
		args = append(args, q.CitizenID)
	}
	if q.Category != "" {
		conds = append(conds, "t.category = ?")
		args = append(args, q.Category)
	}
	if !q.Since.IsZero() {
		conds = append(conds, "t.created >= ?")
		args = append(args, sqldb.Millis(q.Since))
	}
	if !q.Until.IsZero() {
		conds = append(conds, "t.created < ?")
		args = append(args, sqldb.Millis(q.Until))
	}
	if q.Text != "" {
		var words []string
		if number, _, ok := ParseRef(q.Text); ok {
			// A reference as the citizen quotes it: the suffix is not checked here, this is the
			// staff's search.
			words = []string{textfold.Fold(number)}
		} else {
			words = strings.Fields(textfold.Fold(q.Text))
		}
		for _, w := range words {
			like := "%" + likeEscape(w) + "%"
			conds = append(conds, `(t.search LIKE ? ESCAPE '\' OR t.citizen_id IN
				(SELECT c.id FROM tk_citizens c WHERE c.name_fold LIKE ? ESCAPE '\'))`)
			args = append(args, like, like)
		}
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// orderBy is the ORDER BY of q: the key, then the id for a stable page order.
func (q *Query) orderBy() string {
	dir := " ASC"
	if q.Desc {
		dir = " DESC"
	}
	switch q.Sort {
	case SortNumber:
		// Numbers are zero-padded per year, so their text order is their order.
		return " ORDER BY t.number" + dir + ", t.id" + dir
	case SortDeadline:
		// The deadline that matters next: taking in charge until it is taken, then resolving.
		// Tickets without deadlines (phone, counter) and solved ones come last either way.
		return ` ORDER BY CASE WHEN t.due_take = 0 OR t.solved_at <> 0 THEN 1 ELSE 0 END,
			CASE WHEN t.taken_at = 0 THEN t.due_take ELSE t.due_solve END` + dir + ", t.id" + dir
	case SortPriority:
		return ` ORDER BY CASE t.priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'normal' THEN 2 ELSE 1 END` +
			dir + ", t.created DESC, t.id DESC"
	case SortState:
		var b strings.Builder
		b.WriteString(" ORDER BY CASE t.state")
		for i, st := range States {
			fmt.Fprintf(&b, " WHEN '%s' THEN %d", st, i)
		}
		b.WriteString(" ELSE 99 END" + dir + ", t.created DESC, t.id DESC")
		return b.String()
	case SortModified:
		return " ORDER BY t.modified" + dir + ", t.id" + dir
	}
	return " ORDER BY t.created" + dir + ", t.id" + dir
}

// Search is the inbox: one page of the tickets q selects, sorted, with their SLA state at now
// and the total count. Bad filters are Problems naming each field.
func (s *Store) Search(ctx context.Context, q Query, now time.Time) (*Page, error) {
	if err := q.clean(); err != nil {
		return nil, err
	}
	where, args := q.where()
	page := &Page{Page: q.Page, PageSize: q.PageSize, Rows: []Row{}}
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM tk_tickets t`+where, args...).Scan(&page.Total); err != nil {
		return nil, err
	}
	page.Pages = (page.Total + q.PageSize - 1) / q.PageSize
	offset := (q.Page - 1) * q.PageSize
	if offset >= page.Total {
		return page, nil
	}
	// The page's ids first, then their rows: the engines sort narrow rows instead of whole
	// tickets with their descriptions (a deep page of 20,000 tickets took twice as long).
	ids, err := s.pageIDs(ctx, `SELECT t.id FROM tk_tickets t`+where+q.orderBy()+
		fmt.Sprintf(" LIMIT %d OFFSET %d", q.PageSize, offset), args...)
	if err != nil || len(ids) == 0 {
		return page, err
	}
	idArgs := make([]any, len(ids))
	pos := make(map[int64]int, len(ids))
	for i, id := range ids {
		idArgs[i], pos[id] = id, i
	}
	rows, err := s.db.Query(ctx, `SELECT `+ticketColumns+` FROM tk_tickets WHERE id IN (`+placeholders(len(ids))+`)`, idArgs...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page.Rows = make([]Row, len(ids))
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, err
		}
		page.Rows[pos[t.ID]] = Row{Ticket: *t, SLA: s.SLA(t, now)}
	}
	return page, rows.Err()
}

func (s *Store) pageIDs(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// OfficeQueue is the queue of an office (TK-11): the tickets assigned to it, and those waiting
// for the citizen's data on its behalf, with q's filters, text, sort and page.
func (s *Store) OfficeQueue(ctx context.Context, office string, q Query, now time.Time) (*Page, error) {
	q.Offices, q.queue = []string{office}, true
	return s.Search(ctx, q, now)
}

// MemberQueue is the queue of every office user belongs to, merged: what an office member
// works on. A user of no office has an empty queue.
func (s *Store) MemberQueue(ctx context.Context, user string, q Query, now time.Time) (*Page, error) {
	ms, err := s.OfficesOf(ctx, user)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		if err := q.clean(); err != nil {
			return nil, err
		}
		return &Page{Rows: []Row{}, Page: q.Page, PageSize: q.PageSize}, nil
	}
	q.Offices, q.queue = nil, true
	for _, m := range ms {
		q.Offices = append(q.Offices, m.Office)
	}
	return s.Search(ctx, q, now)
}

// QueueCount is the size of an office's queue.
type QueueCount struct {
	Office     string   `json:"office"`
	Capacity   Capacity `json:"capacity"` // the user's, in that office
	Open       int      `json:"open"`
	Unassigned int      `json:"unassigned"` // nobody has taken them in hand
}

// QueueCounts gives, for each office user belongs to, how many requests are in its queue and
// how many nobody has taken in hand: the counters of a member's start page.
func (s *Store) QueueCounts(ctx context.Context, user string) ([]QueueCount, error) {
	ms, err := s.OfficesOf(ctx, user)
	if err != nil {
		return nil, err
	}
	out := make([]QueueCount, 0, len(ms))
	for _, m := range ms {
		c := QueueCount{Office: m.Office, Capacity: m.Capacity}
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN assignee = '' THEN 1 ELSE 0 END), 0)
			FROM tk_tickets WHERE office = ? AND (state = ? OR (state = ? AND resumed_state = ?))`,
			m.Office, StateAssigned, StateIncomplete, StateAssigned).Scan(&c.Open, &c.Unassigned); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// RejectedQueue is level 3's queue (TK-12): the rejected assignments waiting to be reassigned,
// oldest first by default, each with the rejection — who, why, and the office suggested.
func (s *Store) RejectedQueue(ctx context.Context, q Query, now time.Time) (*Page, []Event, error) {
	q.States = []State{StateRejected}
	if q.Sort == "" {
		q.Sort = SortModified
	}
	page, err := s.Search(ctx, q, now)
	if err != nil {
		return nil, nil, err
	}
	rejections := make([]Event, len(page.Rows))
	for i, r := range page.Rows {
		e, err := s.lastEvent(ctx, r.ID, ActReject)
		if err != nil {
			return nil, nil, err
		}
		if e != nil {
			rejections[i] = *e
		}
	}
	return page, rejections, nil
}

// lastEvent is the latest step of action a on ticket id, or nil.
func (s *Store) lastEvent(ctx context.Context, id int64, a Action) (*Event, error) {
	rows, err := s.db.Query(ctx, `SELECT id, ticket_id, at, actor, role, action, from_state, to_state, office,
		suggested_office, reason, pill FROM tk_events WHERE ticket_id = ? AND action = ? ORDER BY id DESC LIMIT 1`, id, a)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	var e Event
	var at int64
	if err := rows.Scan(&e.ID, &e.TicketID, &at, &e.Actor, &e.Role, &e.Action, &e.From, &e.To, &e.Office,
		&e.SuggestedOffice, &e.Reason, &e.Pill); err != nil {
		return nil, err
	}
	e.At = sqldb.Time(at)
	return &e, nil
}

// backfillSearch draws the folded search texts of tickets and citizens written before they
// existed, a batch at a time (Open).
func (s *Store) backfillSearch(ctx context.Context) error {
	for {
		rows, err := s.db.Query(ctx, `SELECT `+ticketColumns+` FROM tk_tickets WHERE search = '' LIMIT 500`)
		if err != nil {
			return err
		}
		var list []*Ticket
		for rows.Next() {
			t, err := scanTicket(rows)
			if err != nil {
				rows.Close()
				return err
			}
			list = append(list, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(list) == 0 {
			break
		}
		if err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
			for _, t := range list {
				if _, err := tx.Exec(ctx, `UPDATE tk_tickets SET search = ? WHERE id = ?`, searchText(t), t.ID); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return fmt.Errorf("ticketing: search texts: %w", err)
		}
	}
	for {
		rows, err := s.db.Query(ctx, `SELECT id, name FROM tk_citizens WHERE name_fold = '' AND name <> '' LIMIT 500`)
		if err != nil {
			return err
		}
		type named struct {
			id   int64
			name string
		}
		var list []named
		for rows.Next() {
			var n named
			if err := rows.Scan(&n.id, &n.name); err != nil {
				rows.Close()
				return err
			}
			list = append(list, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(list) == 0 {
			return nil
		}
		if err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
			for _, n := range list {
				fold := textfold.Fold(n.name)
				if fold == "" {
					fold = " " // a name of only spaces: never look at it again
				}
				if _, err := tx.Exec(ctx, `UPDATE tk_citizens SET name_fold = ? WHERE id = ?`, fold, n.id); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return fmt.Errorf("ticketing: citizens' search names: %w", err)
		}
	}
}
