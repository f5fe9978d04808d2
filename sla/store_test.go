package sla

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"sportello/internal/sqldb/sqldbtest"
	"sportello/workcal"
)

// SLA-1: beats make intervals; a failed check is a gap; availability splits service time (a
// Monday, 8–19) from the rest; a component never seen is "not measured", not down.
func TestAvailability(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 10, 5, 0, 0, 0, 0, rome) // Monday
	for name, db := range sqldbtest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			now := day.Add(48 * time.Hour)
			st, err := Open(ctx, db, func() time.Time { return now })
			if err != nil {
				t.Fatal(err)
			}
			clock := day.Add(6 * time.Hour)
			down := false
			h := &Heartbeat{Store: st, Component: ComponentACD, Every: time.Minute, Now: func() time.Time { return clock },
				Check: func(context.Context) error {
					if down {
						return errors.New("no tick")
					}
					return nil
				}}
			// Up 6:00–12:00, down 12:00–12:30 (checks fail), up 12:30–22:00.
			for ; clock.Before(day.Add(22 * time.Hour)); clock = clock.Add(time.Minute) {
				down = !clock.Before(day.Add(12*time.Hour)) && clock.Before(day.Add(12*time.Hour+30*time.Minute))
				if err := h.Beat(ctx); (err != nil) != down {
					t.Fatalf("%v: beat %v (down %v)", clock, err, down)
				}
			}
			// A second process overlapping the first for an hour (a restart) counts once.
			h2 := &Heartbeat{Store: st, Component: ComponentACD, Every: time.Minute, Now: func() time.Time { return clock }}
			for clock = day.Add(21 * time.Hour); !clock.After(day.Add(23 * time.Hour)); clock = clock.Add(time.Minute) {
				if err := h2.Beat(ctx); err != nil {
					t.Fatal(err)
				}
			}
			var rows int
			db.QueryRow(ctx, `SELECT COUNT(*) FROM sla_uptime`).Scan(&rows)
			if rows != 3 {
				t.Errorf("%d uptime rows, want 3", rows)
			}
			av, err := st.Availability(ctx, ComponentACD, day, day.Add(24*time.Hour), workcal.New(rome))
			if err != nil {
				t.Fatal(err)
			}
			// Measured from the first beat at 6:00. Up 6:00–11:59 (the last beat before the gap),
			// 12:30–23:00. Service time 8–19: down 11:59–12:30 = 31 min of 11 h. Other: 6–8 and
			// 19–24, 7 h, up 2 h + 4 h.
			if av.ServiceTotal != 11*time.Hour || av.ServiceUp != 11*time.Hour-31*time.Minute ||
				av.OtherTotal != 7*time.Hour || av.OtherUp != 6*time.Hour || !av.Measured || !av.Since.Equal(day.Add(6*time.Hour)) {
				t.Errorf("availability %+v", av)
			}
			if v := *av.Service(); math.Abs(v-(11*60-31)/660.0) > 1e-9 {
				t.Errorf("service share %v", v)
			}
			// Before the first beat the measure has not started: only 6:00 onwards counts.
			if av, _ := st.Availability(ctx, ComponentACD, day.AddDate(0, 0, -1), day.Add(24*time.Hour), nil); av.ServiceTotal != 18*time.Hour {
				t.Errorf("measured from the first beat: %+v", av)
			}
			if av, _ := st.Availability(ctx, ComponentIVR, day, day.Add(24*time.Hour), nil); av.Measured || av.All() != nil {
				t.Errorf("IVR never seen: %+v", av)
			}
		})
	}
}

func TestNotesViewsSettings(t *testing.T) {
	ctx := context.Background()
	for name, db := range sqldbtest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			st, err := Open(ctx, db, nil)
			if err != nil {
				t.Fatal(err)
			}
			p := Month(2026, 10, rome)
			if err := st.SetNote(ctx, p.Key(), "  Picco di chiamate per il bando «Casa»  ", "gestore"); err != nil {
				t.Fatal(err)
			}
			n, err := st.Note(ctx, p.Key())
			if err != nil || n == nil || n.Text != "Picco di chiamate per il bando «Casa»" || n.Author != "gestore" {
				t.Fatalf("note %+v %v", n, err)
			}
			if err := st.SetNote(ctx, p.Key(), strings.Repeat("x", MaxNote+1), "gestore"); !errors.Is(err, ErrInvalid) {
				t.Errorf("long note: %v", err)
			}
			st.SetNote(ctx, p.Key(), "", "gestore")
			if n, _ := st.Note(ctx, p.Key()); n != nil {
				t.Errorf("note not removed: %+v", n)
			}

			v := View{Owner: "sara", Name: "Numero verde, settimana", Range: "7d", Granularity: "hour",
				Filter: Filter{Queues: []string{"numero verde"}}, SLAs: []string{"C.2", "C.3"}}
			if err := st.SaveView(ctx, v); err != nil {
				t.Fatal(err)
			}
			v.Granularity = "day"
			if err := st.SaveView(ctx, v); err != nil { // same name: replaced
				t.Fatal(err)
			}
			views, err := st.Views(ctx, "sara")
			if err != nil || len(views) != 1 || views[0].Granularity != "day" || views[0].Filter.Queues[0] != "numero verde" {
				t.Fatalf("views %+v %v", views, err)
			}
			for _, bad := range []View{{Owner: "sara", Range: "7d"}, {Owner: "sara", Name: "x", Range: "sempre"},
				{Owner: "sara", Name: "x", Range: "custom"}, {Owner: "sara", Name: "x", Range: "7d", SLAs: []string{"Z.9"}}} {
				if err := st.SaveView(ctx, bad); !errors.Is(err, ErrInvalid) {
					t.Errorf("%+v saved: %v", bad, err)
				}
			}
			if ok, _ := st.DeleteView(ctx, "sara", v.Name); !ok {
				t.Error("view not deleted")
			}

			s, err := st.Settings(ctx)
			if err != nil || s.Planned != DefaultPlanned || !s.Monthly || s.Day != 2 {
				t.Fatalf("default settings %+v %v", s, err)
			}
			s.Recipients = []string{"Gestore <gestore@regione.example.it>", " dec@regione.example.it "}
			s.Planned = 220000
			if err := st.SaveSettings(ctx, s); err != nil {
				t.Fatal(err)
			}
			if s, _ = st.Settings(ctx); len(s.Recipients) != 2 || s.Recipients[0] != "gestore@regione.example.it" || s.Planned != 220000 {
				t.Errorf("settings %+v", s)
			}
			s.Recipients = []string{"non un indirizzo"}
			if err := st.SaveSettings(ctx, s); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "non valido") {
				t.Errorf("bad address: %v", err)
			}
		})
	}
}
