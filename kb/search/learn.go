package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"sportello/internal/textfold"
	"strings"
	"time"
	"unicode/utf8"

	"sportello/internal/sqldb"
	"sportello/kb"
)

// Learning from use (REQUIREMENTS KB-2, KB-9): every contact solved with a pill teaches the
// index the citizen's words. What the operator searched while handling the contact, and the
// ticket's description, become weighted evidence for that pill — "come lo chiedono i
// cittadini" — indexed with it in a field of its own.
//
// The phrasings are kept in the operational SQL database (internal/sqldb, table
// search_phrasings), not in the knowledge graph: they are operational records written on every
// contact, they come from citizens and may hold personal data (so they are scrubbed, bounded
// and removable one by one, and never published with the pills' RDF), and the graph's writes
// go through the approval workflow with its history, which is for editorial content. The index
// is rebuilt from the graph and this table together, so a reindex keeps what was learned.
//
// One odd call cannot hijack a pill: a word becomes evidence for a pill — counted in the
// coverage that makes an answer sure — only when at least MinContacts different contacts used
// it for that pill; a word of a single contact goes in a weaker field that can move the pill up
// a little among the candidates but never makes it sure. Evidence decays with a half-life
// (HalfLife), so phrasings of a season fade; opening a pill counts less than solving with it;
// and both fields weigh less than the pill's own title and question.

// Evidence is how a contact used a pill.
type Evidence string

const (
	// Solved: the contact was solved with the pill (the strongest evidence).
	Solved Evidence = "solved"
	// Opened: the operator opened the pill from the results while handling the contact.
	Opened Evidence = "opened"
)

// weight of each kind of evidence.
func (e Evidence) weight() float64 {
	switch e {
	case Solved:
		return 1
	case Opened:
		return 0.4
	}
	return 0
}

// Phrasing is one learned entry: words a contact used for a pill.
type Phrasing struct {
	ID       int64     `json:"id"`
	Pill     string    `json:"pill"` // IRI
	Text     string    `json:"text"`
	Evidence Evidence  `json:"evidence"`
	Source   string    `json:"source,omitempty"` // e.g. "ticket:T-2026-000123"
	Created  time.Time `json:"created"`
}

// Limits of what one call may teach.
const (
	maxPhrasingRunes = 300
	maxTextsPerCall  = 20
)

// Defaults of the learning rule.
const (
	// MinContacts is how many different contacts must use a word for a pill before it counts.
	MinContacts = 2
	// HalfLife is the time after which a phrasing's evidence weighs half.
	HalfLife = 180 * 24 * time.Hour
	// maxRepeat bounds how strongly one word is learned (its repetitions in the field).
	maxRepeat = 3
)

// PhrasingStore keeps learned phrasings in the operational database.
type PhrasingStore struct {
	db  *sqldb.DB
	Now func() time.Time // time.Now when nil
}

var phrasingMigrations = []sqldb.Migration{
	{Version: 1, SQL: `
CREATE TABLE search_phrasings (
	id {{ID}},
	pill TEXT NOT NULL,
	text TEXT NOT NULL,
	evidence TEXT NOT NULL,
	source TEXT NOT NULL DEFAULT '',
	created BIGINT NOT NULL
);
CREATE INDEX search_phrasings_pill ON search_phrasings (pill, id)`},
}

// NewPhrasingStore runs the table's migrations and returns the store.
func NewPhrasingStore(ctx context.Context, db *sqldb.DB) (*PhrasingStore, error) {
	if err := db.Migrate(ctx, "search", phrasingMigrations); err != nil {
		return nil, err
	}
	return &PhrasingStore{db: db}, nil
}

func (s *PhrasingStore) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

var (
	emailRE   = regexp.MustCompile(`\S+@\S+`)
	taxCodeRE = regexp.MustCompile(`(?i)\b[a-z]{6}\d{2}[a-z]\d{2}[a-z]\d{3}[a-z]\b`)
	numberRE  = regexp.MustCompile(`\d[\d\s./-]{3,}\d`)
	urlRE     = regexp.MustCompile(`(?i)\bhttps?://\S+`)
)

// scrub removes what identifies a person rather than a need: e-mail addresses, tax codes,
// phone and document numbers, links. Names cannot be told from words; MinContacts keeps them
// out of the index (a name is in one contact), and publishers can remove an entry.
func scrub(text string) string {
	for _, re := range []*regexp.Regexp{urlRE, emailRE, taxCodeRE, numberRE} {
		text = re.ReplaceAllString(text, " ")
	}
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) > maxPhrasingRunes {
		r := []rune(text)
		text = string(r[:maxPhrasingRunes])
	}
	return text
}

// ErrNoPhrasing is returned by Remove for an unknown entry.
var ErrNoPhrasing = errors.New("search: no such learned phrasing")

// Add stores the texts a contact used for a pill; empty texts and duplicates within the call
// are dropped. It returns what was stored.
func (s *PhrasingStore) Add(ctx context.Context, pill string, texts []string, ev Evidence, source string) ([]Phrasing, error) {
	if pill == "" {
		return nil, errors.New("search: learning needs a pill")
	}
	if ev.weight() == 0 {
		return nil, fmt.Errorf("search: unknown evidence %q", ev)
	}
	if len(texts) > maxTextsPerCall {
		return nil, fmt.Errorf("search: %d texts in one call, at most %d", len(texts), maxTextsPerCall)
	}
	now := s.now()
	var out []Phrasing
	seen := map[string]bool{}
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		for _, t := range texts {
			t = scrub(t)
			if t == "" || seen[textfold.Fold(t)] || len(splitWords(t)) == 0 {
				continue
			}
			seen[textfold.Fold(t)] = true
			p := Phrasing{Pill: pill, Text: t, Evidence: ev, Source: source, Created: now.UTC()}
			if err := tx.QueryRow(ctx, `INSERT INTO search_phrasings (pill, text, evidence, source, created)
				VALUES (?, ?, ?, ?, ?) RETURNING id`, pill, t, string(ev), source, sqldb.Millis(now)).Scan(&p.ID); err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// List returns a pill's phrasings, newest first, for the publishers' page.
func (s *PhrasingStore) List(ctx context.Context, pill string) ([]Phrasing, error) {
	rows, err := s.db.Query(ctx, `SELECT id, pill, text, evidence, source, created FROM search_phrasings
		WHERE pill = ? ORDER BY id DESC`, pill)
	if err != nil {
		return nil, err
	}
	return scanPhrasings(rows)
}

// All returns every phrasing by pill, for a rebuild of the index.
func (s *PhrasingStore) All(ctx context.Context) (map[string][]Phrasing, error) {
	rows, err := s.db.Query(ctx, `SELECT id, pill, text, evidence, source, created FROM search_phrasings ORDER BY id`)
	if err != nil {
		return nil, err
	}
	ps, err := scanPhrasings(rows)
	if err != nil {
		return nil, err
	}
	out := map[string][]Phrasing{}
	for _, p := range ps {
		out[p.Pill] = append(out[p.Pill], p)
	}
	return out, nil
}

// Remove deletes one entry and returns it (the caller re-indexes its pill).
func (s *PhrasingStore) Remove(ctx context.Context, id int64) (Phrasing, error) {
	var p Phrasing
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		var created int64
		var ev string
		err := tx.QueryRow(ctx, `SELECT id, pill, text, evidence, source, created FROM search_phrasings WHERE id = ?`, id).
			Scan(&p.ID, &p.Pill, &p.Text, &ev, &p.Source, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNoPhrasing
		}
		if err != nil {
			return err
		}
		p.Evidence, p.Created = Evidence(ev), sqldb.Time(created)
		_, err = tx.Exec(ctx, `DELETE FROM search_phrasings WHERE id = ?`, id)
		return err
	})
	return p, err
}

func scanPhrasings(rows *sql.Rows) ([]Phrasing, error) {
	defer rows.Close()
	var out []Phrasing
	for rows.Next() {
		var p Phrasing
		var ev string
		var created int64
		if err := rows.Scan(&p.ID, &p.Pill, &p.Text, &ev, &p.Source, &created); err != nil {
			return nil, err
		}
		p.Evidence, p.Created = Evidence(ev), sqldb.Time(created)
		out = append(out, p)
	}
	return out, rows.Err()
}

// PhrasingSource is what the index reads learned phrasings from. *PhrasingStore satisfies it.
type PhrasingSource interface {
	List(ctx context.Context, pill string) ([]Phrasing, error)
	All(ctx context.Context) (map[string][]Phrasing, error)
}

var _ PhrasingSource = (*PhrasingStore)(nil)

// learnRule is the rule that turns phrasings into indexed words.
type learnRule struct {
	minContacts int
	halfLife    time.Duration
}

var defaultLearnRule = learnRule{minContacts: MinContacts, halfLife: HalfLife}

// learnedText is what a pill's phrasings put in its learned fields: in strong, each word that
// at least minContacts contacts used, repeated by its decayed evidence (at most maxRepeat
// times); in weak, the words of fewer contacts.
func (r learnRule) learnedText(ps []Phrasing, now time.Time) (strong, weak string) {
	type acc struct {
		contacts int
		weight   float64
	}
	words := map[string]*acc{}
	for _, p := range ps {
		age := now.Sub(p.Created)
		if age < 0 {
			age = 0
		}
		w := p.Evidence.weight() * math.Pow(0.5, float64(age)/float64(r.halfLife))
		seen := map[string]bool{}
		for _, word := range splitWords(p.Text) {
			if seen[word] || fillers[word] || foldedStops[word] || directoryVerbs[word] || utf8.RuneCountInString(word) < 2 {
				continue
			}
			seen[word] = true
			a := words[word]
			if a == nil {
				a = &acc{}
				words[word] = a
			}
			a.contacts++
			a.weight += w
		}
	}
	var keys []string
	for w, a := range words {
		if a.weight >= 0.25 {
			keys = append(keys, w)
		}
	}
	sort.Strings(keys)
	var sb, wb strings.Builder
	for _, k := range keys {
		a := words[k]
		if a.contacts < r.minContacts || a.weight < 0.5 {
			wb.WriteString(k)
			wb.WriteString(" ")
			continue
		}
		n := min(maxRepeat, max(1, int(math.Round(a.weight))))
		for i := 0; i < n; i++ {
			sb.WriteString(k)
			sb.WriteString(" ")
		}
	}
	return strings.TrimSpace(sb.String()), strings.TrimSpace(wb.String())
}

// joinLearned packs the two learned fields in one string for the document's fingerprint.
func joinLearned(strong, weak string) string {
	if strong == "" && weak == "" {
		return ""
	}
	return strong + "\x00" + weak
}

func splitLearned(s string) (strong, weak string) {
	strong, weak, _ = strings.Cut(s, "\x00")
	return strong, weak
}

// SetPhrasings gives the index the learned phrasings: read at every rebuild and whenever a pill
// is indexed (nil: none).
func (x *Index) SetPhrasings(src PhrasingSource) {
	x.mu.Lock()
	x.phr = src
	x.mu.Unlock()
}

// learned is the learned field of a pill as the index's phrasing source has it now.
func (x *Index) learned(ctx context.Context, iri string) (string, error) {
	if x.phr == nil {
		return "", nil
	}
	ps, err := x.phr.List(ctx, iri)
	if err != nil {
		return "", err
	}
	return joinLearned(x.learnRule.learnedText(ps, time.Now())), nil
}

// Learner records what contacts teach and keeps the index in step (the ticket's answer, the
// operator's console).
type Learner struct {
	Store *PhrasingStore
	Index *Index
	// Pill reads a pill to re-index it; *kb.Store's Pill does.
	Pill func(ctx context.Context, iri string) (*kb.Pill, error)
}

// Learn records that a contact used texts (what was searched, the ticket's description) for
// a pill, and re-indexes the pill.
func (l *Learner) Learn(ctx context.Context, pill string, texts []string, ev Evidence, source string) ([]Phrasing, error) {
	ps, err := l.Store.Add(ctx, pill, texts, ev, source)
	if err != nil || len(ps) == 0 {
		return ps, err
	}
	return ps, l.reindex(ctx, pill)
}

// Forget removes one learned phrasing (a publisher's decision) and re-indexes its pill.
func (l *Learner) Forget(ctx context.Context, id int64) (Phrasing, error) {
	p, err := l.Store.Remove(ctx, id)
	if err != nil {
		return p, err
	}
	return p, l.reindex(ctx, p.Pill)
}

// List is the pill's phrasings, for the publishers' page.
func (l *Learner) List(ctx context.Context, pill string) ([]Phrasing, error) {
	return l.Store.List(ctx, pill)
}

func (l *Learner) reindex(ctx context.Context, iri string) error {
	p, err := l.Pill(ctx, iri)
	if errors.Is(err, kb.ErrNotFound) {
		return nil // learned for a pill deleted since: kept, harmless, removable
	}
	if err != nil {
		return err
	}
	return l.Index.Index(p)
}
