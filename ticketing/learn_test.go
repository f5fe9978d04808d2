package ticketing

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

// learnCall is one call of the learner.
type learnCall struct {
	pill   string
	texts  []string
	usage  Usage
	source string
}

// recordingLearner keeps what it was told; fail makes it refuse.
type recordingLearner struct {
	calls []learnCall
	fail  error
}

func (r *recordingLearner) Learn(_ context.Context, pill string, texts []string, u Usage, source string) error {
	r.calls = append(r.calls, learnCall{pill, append([]string(nil), texts...), u, source})
	return r.fail
}

// TestLearnFromContacts: a ticket solved with a pill teaches its description and what was
// searched while handling it (KB-9), under the ticket as one contact; opening a result teaches
// less; a failing learner does not undo the answer; a ticket solved without a pill teaches
// nothing.
func TestLearnFromContacts(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: romeTime(2026, 3, 2, 9, 0)}
	l := &recordingLearner{}
	const pill = "https://w3id.org/sportello/id/pill/tri-001"
	for name, s := range stores(t, clock, Config{Learner: l}) {
		t.Run(name, func(t *testing.T) {
			l.calls, l.fail = nil, nil
			open := func(desc string) *Ticket {
				t.Helper()
				tk, err := s.Create(ctx, NewTicket{Channel: Phone, Description: desc, Actor: "mario", Role: AsOperator})
				if err != nil {
					t.Fatal(err)
				}
				return tk
			}
			tk := open("Devo pagare il bollo della macchina, come faccio?")
			// The desk sends the searches with every pill opened and again with the answer: the
			// same search is kept once.
			for range 2 {
				if err := s.PillOpened(ctx, tk.ID, "mario", pill, []string{"bollo macchina", "  "}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.AnswerWithPill(ctx, tk.ID, "mario", AsOperator, pill, "bollo macchina", "pagare bollo auto"); err != nil {
				t.Fatal(err)
			}
			opened := learnCall{pill, []string{"Devo pagare il bollo della macchina, come faccio?", "bollo macchina"}, UsedOpened, "ticket:" + tk.Number}
			want := []learnCall{opened, opened,
				{pill, []string{"Devo pagare il bollo della macchina, come faccio?", "pagare bollo auto", "bollo macchina"}, UsedToSolve, "ticket:" + tk.Number},
			}
			if !reflect.DeepEqual(l.calls, want) {
				t.Errorf("learner told\n%+v\nwant\n%+v", l.calls, want)
			}
			// The searches are kept with the ticket (TK-10), those of the answer too.
			if qs, err := s.Queries(ctx, tk.ID); err != nil || !reflect.DeepEqual(qs, []string{"bollo macchina", "pagare bollo auto"}) {
				t.Errorf("queries kept: %v, %v", qs, err)
			}

			// Solved without a pill: nothing to learn.
			l.calls = nil
			plain := open("Orari dello sportello")
			if _, err := s.Apply(ctx, plain.ID, Step{Action: ActSolveL1, Actor: "mario", Role: AsOperator, Reason: "dalle 9 alle 12"}); err != nil {
				t.Fatal(err)
			}
			if len(l.calls) != 0 {
				t.Errorf("a ticket solved without a pill taught %+v", l.calls)
			}

			// A learner that fails does not undo the answer given to the citizen.
			l.fail = errors.New("index closed")
			other := open("Bollo auto scaduto")
			got, err := s.AnswerWithPill(ctx, other.ID, "mario", AsOperator, pill)
			if err != nil || got.SolvedAt.IsZero() || got.Pill != pill {
				t.Errorf("answer with a failing learner: %+v, %v", got, err)
			}

			// Refused: no pill, a pill that is not an IRI, a closed ticket.
			if err := s.PillOpened(ctx, other.ID, "mario", "", nil); !errors.Is(err, ErrInvalid) {
				t.Errorf("opened without a pill: %v", err)
			}
			if err := s.PillOpened(ctx, other.ID, "mario", "TRI-001", nil); !errors.Is(err, ErrInvalid) {
				t.Errorf("opened with a code: %v", err)
			}
			if _, err := s.Apply(ctx, other.ID, Step{Action: ActClose, Actor: "mario", Role: AsOperator}); err != nil {
				t.Fatal(err)
			}
			if err := s.PillOpened(ctx, other.ID, "mario", pill, nil); !errors.Is(err, ErrState) {
				t.Errorf("opened on a closed ticket: %v", err)
			}
		})
	}
}
