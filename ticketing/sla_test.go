package ticketing

import (
	"context"
	"sportello/workcal"
	"testing"
	"time"
)

// The expected instants are counted by hand on Monday–Friday 8:00–19:00 (11 working hours a
// day): 4 h take in charge, 24 h resolution, 48 h final deadline (SLA-3).
func TestCalendarDeadlinesAcrossWeekendsAndHolidays(t *testing.T) {
	s := &Store{cal: workcal.Default(), sla: SLAPolicy{}.withDefaults()}
	for _, tc := range []struct {
		name     string
		ch       Channel
		at       time.Time
		take     time.Time
		resolve  time.Time
		final    time.Time
		noClocks bool
	}{
		{name: "email on Friday afternoon: Monday morning", ch: Email, at: romeTime(2026, 5, 29, 17, 0),
			take: romeTime(2026, 6, 1, 10, 0), resolve: romeTime(2026, 6, 3, 19, 0), final: romeTime(2026, 6, 8, 10, 0)},
		{name: "email before 2 June (Festa della Repubblica): Wednesday", ch: Email, at: romeTime(2026, 6, 1, 17, 0),
			take: romeTime(2026, 6, 3, 10, 0), resolve: romeTime(2026, 6, 4, 19, 0), final: romeTime(2026, 6, 9, 10, 0)},
		// TK-16: voicemail left on Easter Saturday night is taken in charge within 4 working
		// hours of the next working day — Tuesday, because Easter Monday is a holiday.
		{name: "voicemail on Easter weekend", ch: Voicemail, at: romeTime(2026, 4, 4, 22, 0),
			take: romeTime(2026, 4, 7, 12, 0), resolve: romeTime(2026, 4, 9, 10, 0), final: romeTime(2026, 4, 13, 12, 0)},
		{name: "voicemail on Friday night before 25 April", ch: Voicemail, at: romeTime(2026, 4, 24, 20, 30),
			take: romeTime(2026, 4, 27, 12, 0), resolve: romeTime(2026, 4, 29, 10, 0), final: romeTime(2026, 5, 4, 12, 0)},
		// 25 April and 1 May 2025 are both holidays in the same window.
		{name: "fax on 25 April 2025 (a Friday holiday)", ch: Fax, at: time.Date(2025, 4, 25, 9, 0, 0, 0, rome),
			take: time.Date(2025, 4, 28, 12, 0, 0, 0, rome), resolve: time.Date(2025, 4, 30, 10, 0, 0, 0, rome), final: time.Date(2025, 5, 5, 12, 0, 0, 0, rome)},
		{name: "phone calls have no offline clock", ch: Phone, at: romeTime(2026, 6, 1, 10, 0), noClocks: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := s.Deadlines(tc.ch, tc.at)
			if tc.noClocks {
				if d != (Deadlines{}) {
					t.Fatalf("deadlines = %+v", d)
				}
				return
			}
			for _, c := range []struct {
				what      string
				got, want time.Time
			}{{"take in charge", d.TakeInCharge, tc.take}, {"resolve", d.Resolve, tc.resolve}, {"final", d.Final, tc.final}} {
				if !c.got.Equal(c.want) {
					t.Errorf("%s = %s, want %s", c.what, c.got.In(rome), c.want.In(rome))
				}
			}
		})
	}
}

func TestCalendarLocalHolidaysAndHours(t *testing.T) {
	c := workcal.Default()
	s := &Store{cal: c}
	var err error
	if c.Local, err = workcal.ParseLocalHolidays("06-24 San Giovanni; 12-07 Sant'Ambrogio"); err != nil {
		t.Fatal(err)
	}
	if c.Week[time.Monday], err = workcal.ParseHours("9:00-13:00, 14:00-17:30"); err != nil {
		t.Fatal(err)
	}
	// Wednesday 24 June 2026 is the patron saint's day: an email at 16:00 on Tuesday resolves
	// 4 working hours later on Thursday.
	if got, want := s.addWorking(romeTime(2026, 6, 23, 16, 0), 4*time.Hour), romeTime(2026, 6, 25, 9, 0); !got.Equal(want) {
		t.Errorf("across the local holiday: %s, want %s", got.In(rome), want.In(rome))
	}
	// Monday has a lunch break.
	if got, want := s.addWorking(romeTime(2026, 6, 29, 12, 0), 2*time.Hour), romeTime(2026, 6, 29, 15, 0); !got.Equal(want) {
		t.Errorf("across lunch: %s, want %s", got.In(rome), want.In(rome))
	}
	if got := c.WorkingTime(romeTime(2026, 6, 26, 18, 0), romeTime(2026, 6, 29, 10, 0)); got != 2*time.Hour {
		t.Errorf("Working over a weekend = %s, want 2h", got)
	}
	if name := c.Holiday(romeTime(2026, 12, 25, 10, 0)); name == "" {
		t.Error("Christmas is not a holiday")
	}
	for _, bad := range []string{"8-", "19:00-8:00", "8:00-12:00,11:00-13:00", "25:00-26:00"} {
		if _, err := workcal.ParseHours(bad); err == nil {
			t.Errorf("workcal.ParseHours(%q) accepted", bad)
		}
	}
	if _, err := workcal.ParseLocalHolidays("31-12 x"); err == nil {
		t.Error("bad local holiday accepted")
	}
	// Daylight saving: 29 March 2026 (Sunday) changes the clock; Monday still opens at 8:00.
	if got, want := s.nextOpen(romeTime(2026, 3, 28, 12, 0)), romeTime(2026, 3, 30, 9, 0); !got.Equal(want) {
		t.Errorf("NextOpen across DST = %s, want %s", got.In(rome), want.In(rome))
	}
}

func TestOverdueAndAtRisk(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: romeTime(2026, 6, 1, 17, 0)}
	for name, s := range stores(t, clock, Config{}) {
		t.Run(name, func(t *testing.T) {
			clock.Set(romeTime(2026, 6, 1, 17, 0))
			tk, err := s.Create(ctx, NewTicket{Channel: Email, Description: "certificato"})
			if err != nil {
				t.Fatal(err)
			}
			if want := romeTime(2026, 6, 3, 10, 0); !tk.DueTake.Equal(want) {
				t.Fatalf("due take = %s", tk.DueTake.In(rome))
			}
			for _, c := range []struct {
				at      time.Time
				overdue bool
				risk    bool
				clock   string
			}{
				{romeTime(2026, 6, 1, 18, 0), false, false, "take"},
				{romeTime(2026, 6, 2, 12, 0), false, false, "take"}, // holiday: the clock stands still
				{romeTime(2026, 6, 3, 9, 30), false, true, "take"},
				{romeTime(2026, 6, 3, 10, 30), true, false, "take"},
			} {
				got := s.SLA(tk, c.at)
				if got.Overdue != c.overdue || got.AtRisk != c.risk || got.Clock != c.clock {
					t.Errorf("at %s: %+v", c.at.In(rome), got)
				}
			}
			clock.Set(romeTime(2026, 6, 3, 9, 0))
			tk, err = s.Apply(ctx, tk.ID, Step{Action: ActTake, Actor: "bo", Role: AsBackOffice})
			if err != nil {
				t.Fatal(err)
			}
			if got := s.SLA(tk, romeTime(2026, 6, 3, 10, 30)); got.Overdue || got.Clock != "resolve" {
				t.Errorf("after taking in charge: %+v", got)
			}
		})
	}
}
