package sla

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"sportello/internal/sqldb/sqldbtest"
	"sportello/telephony"
)

// A saved view's range means the same period whatever day it is opened: the tables are the
// calendar's, with the clocks going back in October and a bimester's parity.
func TestResolveRange(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, rome) }
	now := time.Date(2026, 10, 27, 15, 30, 0, 0, rome) // the Tuesday after the clocks went back
	for _, tc := range []struct {
		rng      string
		bimester int
		from, to time.Time
	}{
		{"today", 1, d(2026, 10, 27), d(2026, 10, 28)},
		{"7d", 1, d(2026, 10, 21), d(2026, 10, 28)},
		{"30d", 1, d(2026, 9, 28), d(2026, 10, 28)},
		{"month", 1, d(2026, 10, 1), d(2026, 11, 1)},
		{"previous-month", 1, d(2026, 9, 1), d(2026, 10, 1)},
		{"bimester", 1, d(2026, 9, 1), d(2026, 11, 1)},
		{"bimester", 2, d(2026, 10, 1), d(2026, 12, 1)},
		{"bimester", 0, d(2026, 9, 1), d(2026, 11, 1)}, // unset: January–February…
		{"year", 1, d(2026, 1, 1), d(2027, 1, 1)},
	} {
		from, to, err := ResolveRange(tc.rng, time.Time{}, time.Time{}, now, rome, tc.bimester)
		if err != nil || !from.Equal(tc.from) || !to.Equal(tc.to) {
			t.Errorf("%s (bimester %d): %v – %v, %v; want %v – %v", tc.rng, tc.bimester, from, to, err, tc.from, tc.to)
		}
	}
	// The 7 days across the change of time are 7 calendar days, not 168 hours.
	if from, to, _ := ResolveRange("7d", time.Time{}, time.Time{}, now, rome, 1); to.Sub(from) != 7*24*time.Hour+time.Hour {
		t.Errorf("7 days across the change: %v", to.Sub(from))
	}
	// January: the previous month is last year's December.
	if from, to, _ := ResolveRange("previous-month", time.Time{}, time.Time{}, d(2027, 1, 3), rome, 1); !from.Equal(d(2026, 12, 1)) || !to.Equal(d(2027, 1, 1)) {
		t.Errorf("December: %v – %v", from, to)
	}
	if from, to, err := ResolveRange("custom", d(2026, 3, 1), d(2026, 3, 8), now, rome, 1); err != nil || !from.Equal(d(2026, 3, 1)) || !to.Equal(d(2026, 3, 8)) {
		t.Errorf("custom: %v – %v, %v", from, to, err)
	}
	for _, bad := range []struct {
		rng      string
		from, to time.Time
		msg      string
	}{
		{"custom", time.Time{}, d(2026, 3, 8), "vuole un inizio e una fine"},
		{"custom", d(2026, 3, 8), d(2026, 3, 1), "finisce prima di cominciare"},
		{"custom", d(2024, 1, 1), d(2026, 1, 1), "supera 370 giorni"},
		{"ieri", time.Time{}, time.Time{}, `intervallo "ieri" sconosciuto`},
	} {
		_, _, err := ResolveRange(bad.rng, bad.from, bad.to, now, rome, 1)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), bad.msg) {
			t.Errorf("%s %v–%v: %v, want %q", bad.rng, bad.from, bad.to, err, bad.msg)
		}
	}
}

// The statistics' charts and aggregations on the events of a scripted day: the buckets of each
// granularity, their labels, and the supervisor's charts of the day trimmed to the hours with
// calls.
func TestFiguresChartsAndBuckets(t *testing.T) {
	day := time.Date(2026, 10, 5, 0, 0, 0, 0, rome) // a Monday
	var events []telephony.Event
	call := func(id string, at time.Time, wait time.Duration, kind telephony.EventKind) {
		events = append(events,
			telephony.Event{Time: at, Kind: telephony.EvQueued, CallID: id, Queue: "centralino", Channel: telephony.Voice},
			telephony.Event{Time: at.Add(wait), Kind: kind, CallID: id, Queue: "centralino", Channel: telephony.Voice, Wait: wait, Operator: "anna"})
		if kind == telephony.EvAnswered {
			events = append(events, telephony.Event{Time: at.Add(wait + time.Minute), Kind: telephony.EvCompleted, CallID: id, Queue: "centralino",
				Channel: telephony.Voice, Wait: wait, Talk: time.Minute, Operator: "anna"})
		}
	}
	call("a", day.Add(9*time.Hour), 10*time.Second, telephony.EvAnswered)
	call("b", day.Add(9*time.Hour+time.Minute), 45*time.Second, telephony.EvAnswered)
	call("c", day.Add(11*time.Hour), 20*time.Second, telephony.EvAbandoned)
	res := Compute(events, day, day.AddDate(0, 0, 1), Options{})
	hours := res.Buckets("hour")
	if len(hours) != 24 || hours[9].Figures.Answered != 2 || hours[11].Figures.Abandoned != 1 || BucketLabel("hour", hours[9]) != "09–10" {
		t.Errorf("hour buckets: %+v", hours[9])
	}
	if days := res.Buckets("day"); len(days) != 1 || days[0].Figures.Offered != 3 || BucketLabel("day", days[0]) != "05/10" {
		t.Errorf("day buckets: %+v", days)
	}
	if w := res.Buckets("week"); len(w) != 1 || BucketLabel("week", w[0]) != "sett. 41 (05/10)" {
		t.Errorf("week: %+v", w)
	}
	if m := res.Buckets("month"); len(m) != 1 || BucketLabel("month", m[0]) != "ottobre 2026" {
		t.Errorf("month: %+v", m)
	}
	if y := res.Buckets("year"); len(y) != 1 || BucketLabel("year", y[0]) != "2026" {
		t.Errorf("year: %+v", y)
	}
	for _, g := range Granularities {
		charts := FiguresCharts(res, g, "st-")
		if want := 5; g == "hour" {
			if len(charts) != 4 {
				t.Errorf("%s: %d charts", g, len(charts))
			}
		} else if len(charts) != want {
			t.Errorf("%s: %d charts, want %d", g, len(charts), want)
		}
		for _, c := range charts {
			wellFormed(t, c.SVG())
			wellFormed(t, c.Table())
		}
	}
	// C.2 at 9:00 is 50 %, below 90 %: the table says so in words.
	c2 := FiguresCharts(res, "hour", "st-")[1]
	if tbl := string(c2.Table()); !strings.Contains(tbl, "<th scope=\"row\">09–10</th><td>50,0 % (sotto soglia)</td>") {
		t.Errorf("C.2 by hour:\n%s", tbl)
	}
	today := TodayCharts(res)
	if len(today) != 3 {
		t.Fatalf("%d charts of the day", len(today))
	}
	for _, c := range today {
		if strings.Join(c.Categories, ",") != "09,10,11" {
			t.Errorf("%s: hours %v, want 09–11", c.ID, c.Categories)
		}
		wellFormed(t, c.SVG())
	}
	if tbl := string(today[2].Table()); !strings.Contains(tbl, "100,0 % (oltre soglia)") || !strings.Contains(today[2].Desc, "1 abbandonate su 3") {
		t.Errorf("abandoned today: %s\n%s", today[2].Desc, tbl)
	}
	if tbl := string(today[0].Table()); !strings.Contains(tbl, "<td>28 s</td><td>45 s</td>") {
		t.Errorf("waits at 9:00 (mean of 10 and 45, longest 45):\n%s", tbl)
	}
	// A day without calls: no hours, and the chart says "Nessun dato".
	empty := TodayCharts(Compute(nil, day, day.AddDate(0, 0, 1), Options{}))
	if len(empty[0].Categories) != 0 || !strings.Contains(string(empty[0].SVG()), "Nessun dato") {
		t.Errorf("empty day: %v", empty[0].Categories)
	}
}

// Reporter.Figures refuses a period longer than MaxSpan before reading anything.
func TestFiguresSpan(t *testing.T) {
	r := &Reporter{Calls: failingCalls{}}
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, rome)
	if _, err := r.Figures(context.Background(), from, from.AddDate(2, 0, 0), Filter{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("two years: %v", err)
	}
}

type failingCalls struct{}

func (failingCalls) Each(context.Context, time.Time, time.Time, func(telephony.Event) error) error {
	return errors.New("read")
}
func (failingCalls) OperatorStates(context.Context, time.Time) ([]telephony.Event, error) {
	return nil, errors.New("read")
}

// The list of reports sent, latest first, on both engines.
func TestSentReports(t *testing.T) {
	ctx := context.Background()
	for name, db := range sqldbtest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			st, err := Open(ctx, db, nil)
			if err != nil {
				t.Fatal(err)
			}
			if list, err := st.SentReports(ctx, 0); err != nil || len(list) != 0 {
				t.Fatalf("empty: %v %v", list, err)
			}
			at := time.Date(2026, 11, 2, 7, 0, 0, 0, time.UTC)
			for i, p := range []string{"mese-2026-09", "mese-2026-10", "bimestre-2026-09"} {
				if err := st.markSent(ctx, Sent{Period: p, Recipients: []string{"a@x.it", "b@x.it"}, MessageID: "<m" + p + ">", At: at.Add(time.Duration(i) * time.Hour)}); err != nil {
					t.Fatal(err)
				}
			}
			list, err := st.SentReports(ctx, 2)
			if err != nil || len(list) != 2 || list[0].Period != "bimestre-2026-09" || list[1].Period != "mese-2026-10" ||
				len(list[0].Recipients) != 2 || !list[0].At.Equal(at.Add(2*time.Hour)) {
				t.Errorf("sent: %+v, %v", list, err)
			}
		})
	}
}
