package ticketing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html"
	"sort"
	"strings"
	"time"
	"unicode"

	"sportello/internal/clock"
	"sportello/internal/sqldb"
	"sportello/internal/textfold"
	"sportello/kb"
)

// KnowledgeBase is what the first-call-resolution loop needs of the knowledge graph: reading a
// pill, and proposing knowledge through the approval workflow, the one writer of pills
// (*kb.Workflow satisfies it). A proposal never touches what operators read: it is a draft for
// the publishers, who complete it and send it to the validators.
type KnowledgeBase interface {
	Pill(ctx context.Context, iri string) (*kb.Pill, error)
	// ProposePill writes p as a new draft pill by actor, recording source (the ticket) in the
	// history; it sets p.IRI and p.Version.
	ProposePill(ctx context.Context, p *kb.Pill, actor, source string) error
	// ProposeRevision adds note to the open draft of pill iri, or to a new draft version; the
	// published version stays live. It returns the draft.
	ProposeRevision(ctx context.Context, iri, note, actor, source string) (*kb.Pill, error)
}

// ActPropose marks in a ticket's path that its answer was proposed as knowledge (KB-2, KB-9).
const ActPropose Action = "propose_knowledge"

// AnswerWithPill solves a ticket at level 1 with the answer of a pill: the ticket links to the
// pill, and counts for first-contact resolution (SLA-2 C.4) and the link rate. queries are what
// was searched while handling the contact: kept with the ticket and, with its description,
// taught to the search as the citizen's words for the pill (Config.Learner).
func (s *Store) AnswerWithPill(ctx context.Context, id int64, actor string, role Capacity, pill string, queries ...string) (*Ticket, error) {
	if pill == "" {
		return nil, invalid("pill", "scegliere la scheda che ha risposto alla richiesta")
	}
	return s.Apply(ctx, id, Step{Action: ActSolveL1, Actor: actor, Role: role, Pill: pill, Queries: queries})
}

// Proposal is the draft pill made from a solved ticket.
type Proposal struct {
	Pill     *kb.Pill `json:"pill"`
	Revision bool     `json:"revision"` // a new version of the pill linked to the ticket
	Written  bool     `json:"written"`  // stored in the knowledge base as a draft
}

// ProposalInput is what level 2 writes in the short "propose as knowledge" form: the question in
// the citizen's words, the answer that solved the request, its category and office. Empty
// fields are left as the ticket prefills them.
type ProposalInput struct {
	Title    string `json:"title"`
	Question string `json:"question"`
	Answer   string `json:"answer"` // plain text: paragraphs separated by blank lines
	Category string `json:"category"`
	Office   string `json:"office"`
}

// ProposalDraft is the form's prefill from ticket id: its subject as title, the citizen's words
// as question, the recorded solution as answer, its category and office; and the pill the
// ticket was answered with, if any (the proposal is then a revision of it).
func (s *Store) ProposalDraft(ctx context.Context, id int64) (in ProposalInput, pill string, err error) {
	t, err := s.Ticket(ctx, id)
	if err != nil {
		return in, "", err
	}
	answer, err := s.solution(ctx, id)
	if err != nil {
		return in, "", err
	}
	in = ProposalInput{Title: t.Subject, Question: strings.TrimSpace(t.Description), Answer: answer, Category: t.Category, Office: t.Office}
	if in.Title == "" {
		in.Title = firstWords(t.Description, 12)
	}
	return in, t.Pill, nil
}

// ProposeKnowledge turns a solved ticket into knowledge (the KCS loop of KB-2 and KB-9) with
// the ticket's own prefill (ProposalDraft); ProposeKnowledgeAs takes what level 2 wrote.
func (s *Store) ProposeKnowledge(ctx context.Context, id int64, actor string, base KnowledgeBase) (*Proposal, error) {
	return s.ProposeKnowledgeAs(ctx, id, actor, base, ProposalInput{})
}

// ProposeKnowledgeAs writes a new draft pill from a solved ticket — title, question, answer,
// category and office from in, or from the ticket where in leaves them empty; keywords are the
// question's significant words, whole (never stems) — or, when the ticket was answered with a
// pill, adds the new answer to a draft version of that pill, in its notes for the publisher.
// Either way the draft waits in the publishers' workspace, linked to the ticket, and the
// ticket's path records the proposal.
func (s *Store) ProposeKnowledgeAs(ctx context.Context, id int64, actor string, base KnowledgeBase, in ProposalInput) (*Proposal, error) {
	t, err := s.Ticket(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.SolvedAt.IsZero() {
		return nil, &TransitionError{t.Number, ActPropose, t.State, "", ErrState}
	}
	pre, _, err := s.ProposalDraft(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		dst *string
		v   string
	}{
		{&in.Title, pre.Title}, {&in.Question, pre.Question}, {&in.Answer, pre.Answer}, {&in.Category, pre.Category}, {&in.Office, pre.Office},
	} {
		if *f.dst = strings.TrimSpace(*f.dst); *f.dst == "" {
			*f.dst = f.v
		}
	}
	now := s.clock()
	note := fmt.Sprintf("Proposta da %s dal ticket %s (%s).", actor, t.Number, clock.Date(now))
	source := kb.TicketSource + t.Number
	prop := &Proposal{}
	if t.Pill != "" && base != nil {
		old, err := base.Pill(ctx, t.Pill)
		if err != nil && !errors.Is(err, kb.ErrNotFound) {
			return nil, err
		}
		if old != nil {
			draft, err := base.ProposeRevision(ctx, old.IRI, note+"\nRisposta data: "+in.Answer, actor, source)
			if err != nil {
				return nil, err
			}
			prop.Pill, prop.Revision, prop.Written = draft, true, true
		}
	}
	if prop.Pill == nil {
		p := &kb.Pill{Title: in.Title, Question: in.Question, Answer: paragraphs(in.Answer),
			Keywords: topTerms(words(in.Title+" "+in.Question), 6), Lang: "it", Office: in.Office,
			Status: kb.StatusDraft, Created: now, Modified: now, Notes: note}
		if in.Category != "" {
			p.Concepts = []string{in.Category}
		}
		prop.Pill = p
		if base != nil {
			if err := base.ProposePill(ctx, p, actor, source); err != nil {
				return nil, err
			}
			prop.Written = true
		}
	}
	err = s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		return addEvent(ctx, tx, Event{TicketID: t.ID, At: now, Actor: actor, Role: AsLevel2, Action: ActPropose,
			From: t.State, To: t.State, Pill: prop.Pill.IRI, Reason: "bozza di scheda: " + prop.Pill.Title})
	})
	return prop, err
}

// paragraphs turns plain text into the answer's HTML: a paragraph per block, line breaks kept.
func paragraphs(text string) string {
	var b strings.Builder
	for _, block := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if block = strings.TrimSpace(block); block == "" {
			continue
		}
		b.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(block), "\n", "<br>") + "</p>")
	}
	return b.String()
}

// solution is the answer recorded when the ticket was solved (the reason of the last solve).
func (s *Store) solution(ctx context.Context, id int64) (string, error) {
	var reason string
	err := s.db.QueryRow(ctx, `SELECT reason FROM tk_events WHERE ticket_id = ? AND action IN (?, ?)
		ORDER BY id DESC LIMIT 1`, id, ActSolve, ActSolveL1).Scan(&reason)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	return reason, nil
}

func firstWords(s string, n int) string {
	w := strings.Fields(s)
	if len(w) > n {
		return strings.Join(w[:n], " ") + "…"
	}
	return strings.Join(w, " ")
}

// stopwords are Italian function words and words every request contains.
var stopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a ad al allo ai agli all alla alle anche che chi ci come con col cui da dal dallo dai dagli
	dall dalla dalle del dello dei degli dell della delle di e ed gli ha hanno ho i il in io la le lei lo loro lui ma mi mia mio ne
	nel nello nei negli nell nella nelle no non o per perché più poi quale quali quando quanto quella quello questa questo se sei
	si sia sono su sul sullo sui sugli sull sulla sulle ti tra fra tu un una uno vi voi è era essere fare fatto già può posso
	devo vorrei volevo sapere buongiorno buonasera salve grazie cordiali saluti gentile gentili richiesta informazioni
	informazione chiedo chiede cittadino signor signora mio mia miei mie suo sua`) {
		stopwords[textfold.Fold(w)] = true
	}
}

// terms are the significant words of a text: folded, no stopwords, at least 3 letters, cut to
// a crude stem (the first 6 letters) so that "rimborso" and "rimborsi" meet.
func terms(text string) map[string]int {
	out := map[string]int{}
	for _, w := range strings.FieldsFunc(textfold.Fold(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len(w) < 3 || stopwords[w] {
			continue
		}
		if len(w) > 6 {
			w = w[:6]
		}
		out[w]++
	}
	return out
}

// words are the significant words of a text as written (lower case, accents kept), never cut:
// keywords a person reads and the search matches (KB-2).
func words(text string) map[string]int {
	out := map[string]int{}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len([]rune(w)) < 3 || stopwords[textfold.Fold(w)] {
			continue
		}
		out[w]++
	}
	return out
}

func topTerms(m map[string]int, n int) []string {
	type kv struct {
		k string
		v int
	}
	var list []kv
	for k, v := range m {
		list = append(list, kv{k, v})
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].v != list[j].v {
			return list[i].v > list[j].v
		}
		return list[i].k < list[j].k
	})
	var out []string
	for i := 0; i < len(list) && i < n; i++ {
		out = append(out, list[i].k)
	}
	return out
}

// Gap is a cluster of requests solved without any pill: a topic the knowledge base does not
// cover yet (KB-10).
type Gap struct {
	Category string    `json:"category,omitempty"`
	Terms    []string  `json:"terms"` // the words the requests share, most frequent first
	Count    int       `json:"count"`
	Tickets  []string  `json:"tickets"` // numbers
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
}

// Gaps groups the tickets solved in [since, until) without a pill by topic. The clustering is
// meant to be explained to the Administration in one sentence: requests of the same category
// fall in the same group when they share at least two significant words with the group (one,
// for requests that have only one); groups are listed by size.
func (s *Store) Gaps(ctx context.Context, since, until time.Time) ([]Gap, error) {
	rows, err := s.db.Query(ctx, `SELECT number, category, subject, description, solved_at FROM tk_tickets
		WHERE solved_at >= ? AND solved_at < ? AND pill = '' ORDER BY solved_at, id`,
		sqldb.Millis(since), sqldb.Millis(until))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type cluster struct {
		gap   Gap
		terms map[string]int
	}
	var clusters []*cluster
	for rows.Next() {
		var number, cat, subj, desc string
		var at int64
		if err := rows.Scan(&number, &cat, &subj, &desc, &at); err != nil {
			return nil, err
		}
		words := terms(subj + " " + desc)
		need := 2
		if len(words) < 2 {
			need = len(words)
		}
		var best *cluster
		bestShared := 0
		for _, c := range clusters {
			if c.gap.Category != cat {
				continue
			}
			shared := 0
			for w := range words {
				if c.terms[w] > 0 {
					shared++
				}
			}
			if shared >= need && shared > bestShared {
				best, bestShared = c, shared
			}
		}
		if best == nil {
			best = &cluster{gap: Gap{Category: cat, First: sqldb.Time(at)}, terms: map[string]int{}}
			clusters = append(clusters, best)
		}
		for w, n := range words {
			best.terms[w] += n
		}
		best.gap.Count++
		best.gap.Tickets = append(best.gap.Tickets, number)
		best.gap.Last = sqldb.Time(at)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Gap, 0, len(clusters))
	for _, c := range clusters {
		g := c.gap
		// Terms shared by the group: those seen in more than one request, or all for a single one.
		shared := map[string]int{}
		for w, n := range c.terms {
			if n > 1 || g.Count == 1 {
				shared[w] = n
			}
		}
		g.Terms = topTerms(shared, 5)
		out = append(out, g)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out, nil
}

// Figures are the first-call-resolution figures of a period.
type Figures struct {
	Since, Until time.Time
	Tickets      int `json:"tickets"`
	// Contacts are phone and counter requests, the base of SLA-2 C.4; FirstContact those of
	// them solved at level 1 in the contact itself.
	Contacts     int     `json:"contacts"`
	FirstContact int     `json:"firstContact"`
	FCRRate      float64 `json:"fcrRate"` // FirstContact / Contacts (target ≥ 0.80)
	Solved       int     `json:"solved"`
	WithPill     int     `json:"withPill"` // solved with a pill: "known" requests
	LinkRate     float64 `json:"linkRate"` // WithPill / Solved
	Known        int     `json:"known"`    // = WithPill
	New          int     `json:"new"`      // solved without a pill: knowledge gaps
	Escalated    int     `json:"escalated"`
	// Offline requests and their SLA-3 clocks: taken in charge in time (O.1, ≥ 80%), resolved
	// in time (O.2, ≥ 80%), resolved within the final deadline (O.3, 100%). A clock still
	// running — not done, deadline not reached yet — is pending: neither met nor missed, and
	// out of that clock's base (O1 = TakenInTime / (Offline − PendingTake)).
	Offline       int     `json:"offline"`
	TakenInTime   int     `json:"takenInTime"`
	SolvedInTime  int     `json:"solvedInTime"`
	SolvedInFinal int     `json:"solvedInFinal"`
	PendingTake   int     `json:"pendingTake"`
	PendingSolve  int     `json:"pendingSolve"`
	PendingFinal  int     `json:"pendingFinal"`
	O1            float64 `json:"o1"`
	O2            float64 `json:"o2"`
	O3            float64 `json:"o3"`
}

// Figures computes the figures of the tickets created in [since, until).
func (s *Store) Figures(ctx context.Context, since, until time.Time) (*Figures, error) {
	rows, err := s.db.Query(ctx, `SELECT t.channel, t.first_contact, t.pill, t.solved_at, t.taken_at, t.due_take,
		t.due_solve, t.due_final, (SELECT COUNT(*) FROM tk_events e WHERE e.ticket_id = t.id AND e.action = ?), t.call_id
		FROM tk_tickets t WHERE t.created >= ? AND t.created < ?`, ActEscalate, sqldb.Millis(since), sqldb.Millis(until))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	f := &Figures{Since: since, Until: until}
	now := sqldb.Millis(s.clock())
	// C.4 counts contacts, each once: tickets that share a call (two opened for one call
	// before a contact had one ticket) are one contact, solved at first contact when any was.
	calls := map[string]bool{}
	for rows.Next() {
		var ch Channel
		var first int
		var pill, call string
		var solved, taken, dt, ds, df int64
		var esc int
		if err := rows.Scan(&ch, &first, &pill, &solved, &taken, &dt, &ds, &df, &esc, &call); err != nil {
			return nil, err
		}
		f.Tickets++
		if ch == Phone || ch == Counter {
			fcr, seen := calls[call]
			switch {
			case call == "":
				f.Contacts++
				if first != 0 {
					f.FirstContact++
				}
			case !seen:
				f.Contacts++
				calls[call] = first != 0
				if first != 0 {
					f.FirstContact++
				}
			case !fcr && first != 0:
				calls[call] = true
				f.FirstContact++
			}
		}
		if solved != 0 {
			f.Solved++
			if pill != "" {
				f.WithPill++
			} else {
				f.New++
			}
		}
		if esc > 0 {
			f.Escalated++
		}
		if ch.Offline() && dt != 0 {
			f.Offline++
			if taken != 0 && taken <= dt {
				f.TakenInTime++
			} else if taken == 0 && now < dt {
				f.PendingTake++
			}
			if solved != 0 && solved <= ds {
				f.SolvedInTime++
			} else if solved == 0 && now < ds {
				f.PendingSolve++
			}
			if solved != 0 && solved <= df {
				f.SolvedInFinal++
			} else if solved == 0 && now < df {
				f.PendingFinal++
			}
		}
	}
	f.Known = f.WithPill
	ratio := func(a, b int) float64 {
		if b == 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	f.FCRRate, f.LinkRate = ratio(f.FirstContact, f.Contacts), ratio(f.WithPill, f.Solved)
	f.O1 = ratio(f.TakenInTime, f.Offline-f.PendingTake)
	f.O2 = ratio(f.SolvedInTime, f.Offline-f.PendingSolve)
	f.O3 = ratio(f.SolvedInFinal, f.Offline-f.PendingFinal)
	return f, rows.Err()
}

// UnitSource reads organisational units; *kb.Store satisfies it.
type UnitSource interface {
	Unit(ctx context.Context, iri string) (*kb.Unit, error)
}

// OfficesFromKB resolves offices through the knowledge graph's directory: the unit's name and
// its first email address (its PEC when it has no other).
func OfficesFromKB(u UnitSource) OfficeDirectory { return kbOffices{u} }

type kbOffices struct{ u UnitSource }

func (k kbOffices) OfficeContact(ctx context.Context, iri string) (string, string, error) {
	unit, err := k.u.Unit(ctx, iri)
	if err != nil {
		return "", "", err
	}
	addr := unit.PEC
	if len(unit.Emails) > 0 {
		addr = unit.Emails[0]
	}
	return unit.Name, strings.TrimPrefix(addr, "mailto:"), nil
}
