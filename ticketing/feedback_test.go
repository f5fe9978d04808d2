package ticketing

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestFeedbackGaps: the answers to "Ti è stata utile?" are counted per pill in the period, the
// pills with most "no" first; comments keep no e-mail address or phone number; a comment over
// the limit is refused in Italian (KB-10).
func TestFeedbackGaps(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: romeTime(2026, time.November, 2, 10, 0)}
	for name, s := range stores(t, clk, Config{}) {
		t.Run(name, func(t *testing.T) {
			const a, b, c = "https://example.org/pill/A", "https://example.org/pill/B", "https://example.org/pill/C"
			answers := []Feedback{
				{Pill: a, Useful: false, Comment: "Non dice quali documenti servono"},
				{Pill: a, Useful: false, Comment: "scrivetemi a mario.rossi@example.it o al 333 123 4567, grazie"},
				{Pill: a, Useful: true},
				{Pill: b, Useful: false},
				{Pill: b, Useful: false},
				{Pill: b, Useful: false, Comment: "La legge 104/1992 citata è cambiata il 12/03/2025"},
				{Pill: c, Useful: true},
			}
			for _, f := range answers {
				clk.Add(time.Minute)
				if err := s.RecordFeedback(ctx, f); err != nil {
					t.Fatal(err)
				}
			}
			err := s.RecordFeedback(ctx, Feedback{Pill: a, Comment: strings.Repeat("x", MaxFeedbackComment+1)})
			var inv *InvalidError
			if !errors.As(err, &inv) || inv.Field != "comment" || !strings.Contains(inv.Msg, "500") {
				t.Errorf("a long comment: %v", err)
			}
			if err := s.RecordFeedback(ctx, Feedback{Useful: true}); !errors.Is(err, ErrInvalid) {
				t.Errorf("no pill: %v", err)
			}
			gaps, err := s.FeedbackGaps(ctx, clk.Now().Add(-time.Hour), clk.Now().Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if len(gaps) != 2 || gaps[0].Pill != b || gaps[0].No != 3 || gaps[0].Yes != 0 || gaps[1].Pill != a || gaps[1].No != 2 || gaps[1].Yes != 1 {
				t.Fatalf("gaps: %+v", gaps)
			}
			if got := gaps[1].Comments; len(got) != 2 || strings.Contains(got[0], "mario") || strings.Contains(got[0], "4567") ||
				!strings.Contains(got[0], "[dato rimosso]") || got[1] != "Non dice quali documenti servono" {
				t.Errorf("comments of A, newest first, personal data masked: %q", got)
			}
			if got := gaps[0].Comments; len(got) != 1 || !strings.Contains(got[0], "104/1992") || !strings.Contains(got[0], "12/03/2025") {
				t.Errorf("a law's number and a date are not personal data: %q", got)
			}
			// Outside the period: nothing.
			if old, err := s.FeedbackGaps(ctx, clk.Now().Add(time.Hour), clk.Now().Add(2*time.Hour)); err != nil || len(old) != 0 {
				t.Errorf("another period: %+v, %v", old, err)
			}
		})
	}
}

// FuzzMaskPersonal: masking never panics, never leaves an e-mail address, and is idempotent.
func FuzzMaskPersonal(f *testing.F) {
	for _, s := range []string{"mario@example.it", "tel. +39 0544 953120", "art. 21 della L.R. 12/2014", "", "@@..", "1234567"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := maskPersonal(s)
		if again := maskPersonal(m); again != m {
			t.Errorf("not idempotent: %q → %q → %q", s, m, again)
		}
		if loc := personalRE.FindStringIndex(m); loc != nil && strings.Contains(m[loc[0]:loc[1]], "@") {
			t.Errorf("an address left in %q", m)
		}
	})
}
