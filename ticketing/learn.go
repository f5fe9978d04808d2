package ticketing

import (
	"context"
	"log"
	"strings"

	"sportello/internal/sqldb"
)

// Learning from contacts (REQUIREMENTS KB-2, KB-9): a contact solved with a pill teaches the
// search the citizen's words for it — what the operator searched while handling the contact
// and the ticket's description. The rule of what a contact teaches lives here, in one place:
// every way of solving with a pill (the ticket API, the ticket pages, the console's form)
// goes through Apply, and opening a result while handling a ticket goes through PillOpened.
// How the words are weighed, bounded, scrubbed and indexed is the Learner's business
// (kb/search's Learner, wired by app); this package does not depend on the search index.

// Usage is how a contact used a pill.
type Usage string

const (
	// UsedToSolve: the ticket was solved with the pill (the strongest evidence).
	UsedToSolve Usage = "solved"
	// UsedOpened: the operator opened the pill from the search results while handling the
	// ticket (weaker evidence: opening is not answering).
	UsedOpened Usage = "opened"
)

// Learner records what a contact used for a pill. app wires it to kb/search's Learner, with
// Usage mapped to the search's evidence.
type Learner interface {
	Learn(ctx context.Context, pill string, texts []string, u Usage, source string) error
}

// maxLearnTexts bounds what one contact teaches: the description and the most recent searches
// (kb/search takes at most 20 texts a call).
const maxLearnTexts = 20

// LearnSource is the source a ticket's phrasings are recorded under: one contact, so that the
// searches and the description of one ticket count as one contact, however many they are.
func LearnSource(number string) string { return "ticket:" + number }

// learnTexts is what a ticket teaches: its description and the searches recorded on it (the
// most recent first when they are too many).
func (s *Store) learnTexts(ctx context.Context, t *Ticket) ([]string, error) {
	qs, err := s.Queries(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	var texts []string
	if d := strings.TrimSpace(t.Description); d != "" {
		texts = append(texts, d)
	}
	for i := len(qs) - 1; i >= 0 && len(texts) < maxLearnTexts; i-- {
		texts = append(texts, qs[i])
	}
	return texts, nil
}

// teach tells the learner what the ticket taught about pill. It runs after the step is
// committed: a failure to learn does not undo an answer given to a citizen, so it is logged
// (the ticket stays as solved) rather than returned.
func (s *Store) teach(ctx context.Context, t *Ticket, pill string, u Usage) {
	if s.learner == nil || pill == "" {
		return
	}
	texts, err := s.learnTexts(ctx, t)
	if err == nil && len(texts) > 0 {
		err = s.learner.Learn(ctx, pill, texts, u, LearnSource(t.Number))
	}
	if err != nil {
		log.Printf("ticketing: %s: learning the citizen's words for %s failed: %v", t.Number, pill, err)
	}
}

// PillOpened records that the operator opened pill from the search results while handling the
// ticket, with what had been searched (kept with the ticket like the searches before an
// escalation, TK-10), and tells the learner: weaker evidence than solving with it.
func (s *Store) PillOpened(ctx context.Context, id int64, actor, pill string, queries []string) error {
	st := Step{Action: ActOpenPill, Actor: actor, Pill: pill, Queries: queries}
	clean, err := st.clean()
	if err != nil {
		return err
	}
	if st.Pill == "" {
		return invalid("pill", "indicare la scheda aperta")
	}
	t, err := s.Ticket(ctx, id)
	if err != nil {
		return err
	}
	if !t.ClosedAt.IsZero() {
		return &TransitionError{t.Number, ActOpenPill, t.State, "", ErrState}
	}
	now := s.clock()
	if err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		return addQueries(ctx, tx, t.ID, now, actor, clean)
	}); err != nil {
		return err
	}
	s.teach(ctx, t, st.Pill, UsedOpened)
	return nil
}

// ActOpenPill names opening a pill in errors; it is not a step of the flow and leaves no event.
const ActOpenPill Action = "open_pill"
