package ticketing

import (
	"context"
	"testing"

	"sportello/fixtures"
	"sportello/kb"
)

func TestSeedDemo(t *testing.T) {
	ctx := context.Background()
	base, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	if err := fixtures.Load(ctx, base); err != nil {
		t.Fatal(err)
	}
	pills, err := base.Pills(ctx, kb.PillFilter{})
	if err != nil {
		t.Fatal(err)
	}
	units, err := base.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: romeTime(2026, 6, 3, 11, 0)}
	for name, s := range stores(t, clock, Config{}) {
		t.Run(name, func(t *testing.T) {
			for i := 0; i < 2; i++ { // the second run leaves the data alone
				if err := SeedDemo(ctx, s, pills, units); err != nil {
					t.Fatal(err)
				}
			}
			all, _ := s.List(ctx, Filter{})
			if len(all) != 8 {
				t.Fatalf("%d demo tickets", len(all))
			}
			f, _ := s.Figures(ctx, romeTime(2026, 1, 1, 0, 0), romeTime(2027, 1, 1, 0, 0))
			if f.FirstContact != 5 || f.WithPill != 3 {
				t.Fatalf("demo figures = %+v", f)
			}
			gaps, _ := s.Gaps(ctx, romeTime(2026, 1, 1, 0, 0), romeTime(2027, 1, 1, 0, 0))
			if len(gaps) == 0 || gaps[0].Count != 2 {
				t.Fatalf("demo gaps = %+v", gaps)
			}
			rows, _ := s.Rows(ctx, Filter{Channel: Voicemail}, clock.Now())
			if len(rows) != 1 || !rows[0].SLA.Overdue {
				t.Fatalf("demo voicemail = %+v", rows)
			}
			if due, _ := s.DueCallbacks(ctx, clock.Now()); len(due) != 1 {
				t.Fatalf("demo callbacks = %+v", due)
			}
			if rej, _ := s.List(ctx, Filter{States: []State{StateSolved}}); len(rej) != 1 {
				t.Fatalf("solved demo tickets = %d", len(rej))
			}
			if m, _ := s.OfficesOf(ctx, "secondolivello"); len(m) != 2 {
				t.Fatalf("demo memberships = %+v", m)
			}
			if c, _ := s.CannedAnswers(ctx); len(c) != 2 {
				t.Fatalf("demo canned answers = %+v", c)
			}
		})
	}
}
