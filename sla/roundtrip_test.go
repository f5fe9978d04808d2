package sla

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"sportello/internal/sqldb"
	"sportello/telephony"
	"sportello/workcal"
)

// simulateDay drives the real ACD through four busy hours with random callers (patient or
// not, some choosing the callback), operators who answer late or not at all, pauses,
// transfers and a full queue, on a manual clock. It returns the CTI log.
func simulateDay(t *testing.T, seed uint64) []telephony.Event {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	start := time.Date(2026, 10, 5, 8, 0, 0, 0, rome) // a Monday
	clk := telephony.NewManualClock(start)
	log := telephony.NewEventLog()
	a := telephony.New(telephony.Config{Clock: clk, Log: log})
	cal := workcal.New(rome)
	for _, q := range []telephony.QueueConfig{
		{Name: "centralino", Strategy: telephony.LongestIdle, Calendar: cal, MaxLen: 4, RingTimeout: 12 * time.Second},
		{Name: "numero verde", Strategy: telephony.RoundRobin, Calendar: cal, RingTimeout: 12 * time.Second},
	} {
		if err := a.AddQueue(q); err != nil {
			t.Fatal(err)
		}
	}
	ops := []string{"anna", "bruno", "carla", "dario"}
	for i, id := range ops {
		m := []telephony.Membership{{Queue: "centralino"}, {Queue: "numero verde"}}
		if err := a.AddOperator(telephony.OperatorConfig{ID: id, Extension: fmt.Sprint(201 + i), Queues: m}); err != nil {
			t.Fatal(err)
		}
	}
	type call struct {
		patience  time.Time // hangs up if still waiting then
		talkUntil time.Time // hangs up then once answered
		answered  bool
		transfer  bool
		callback  bool
	}
	calls := map[string]*call{}
	answerAt := map[string]struct {
		op string
		at time.Time
	}{}
	handle := func(acts []telephony.Action) {
		for _, x := range acts {
			if x.Kind == telephony.ActRing && r.IntN(10) < 8 { // 2 rings in 10 go unanswered
				answerAt[x.CallID] = struct {
					op string
					at time.Time
				}{x.Operator, clk.Now().Add(time.Duration(1+r.IntN(8)) * time.Second)}
			}
		}
	}
	for _, id := range ops[:3] {
		acts, _ := a.Login(id)
		handle(acts)
	}
	n := 0
	end := start.Add(4 * time.Hour)
	for clk.Now().Before(end.Add(30 * time.Minute)) {
		now := clk.Now()
		switch now.Sub(start) {
		case 30 * time.Minute:
			acts, _ := a.Login("dario")
			handle(acts)
		case time.Hour:
			a.Pause("bruno", "pausa")
		case time.Hour + 15*time.Minute:
			acts, _ := a.Unpause("bruno")
			handle(acts)
		case 2 * time.Hour:
			a.Logout("carla")
		}
		if now.Before(end) && r.IntN(25) == 0 {
			n++
			id := fmt.Sprintf("sim-%d", n)
			q := "centralino"
			if r.IntN(3) == 0 {
				q = "numero verde"
			}
			c := &call{patience: now.Add(time.Duration(3+r.IntN(150)) * time.Second), transfer: r.IntN(15) == 0, callback: r.IntN(12) == 0}
			calls[id] = c
			acts, err := a.Arrive(telephony.ContactInfo{CallID: id, Channel: telephony.Voice, From: fmt.Sprintf("06%06d", n)}, q)
			if err != nil {
				t.Fatal(err)
			}
			handle(acts)
		}
		for id, x := range answerAt {
			if !now.Before(x.at) {
				delete(answerAt, id)
				if acts, err := a.OperatorAnswered(id, x.op); err == nil {
					calls[id].answered = true
					calls[id].talkUntil = now.Add(time.Duration(20+r.IntN(400)) * time.Second)
					handle(acts)
				}
			}
		}
		for id, c := range calls {
			switch {
			case c.answered && !now.Before(c.talkUntil):
				delete(calls, id)
				var acts []telephony.Action
				if c.transfer {
					acts, _ = a.Transfer(id, "305")
				} else {
					acts, _ = a.Hangup(id, telephony.ByCaller)
				}
				handle(acts)
			case !c.answered && c.callback && now.Sub(c.patience) > -100*time.Second:
				delete(calls, id)
				if _, acts, err := a.AcceptCallback(id); err == nil {
					handle(acts)
				}
				acts, _ := a.Hangup(id, telephony.ByCaller)
				handle(acts)
			case !c.answered && !now.Before(c.patience):
				delete(calls, id)
				acts, _ := a.Hangup(id, telephony.ByCaller)
				handle(acts)
			}
		}
		clk.Advance(time.Second)
		handle(a.Tick())
	}
	for _, id := range ops {
		a.Logout(id)
	}
	return log.Events(time.Time{}, time.Time{})
}

// The round trip of the issue: Sportello's own log, exported as a queue_log and imported into
// another store, gives the same figures; imported back into the same store, it adds nothing.
func TestQueueLogRoundTrip(t *testing.T) {
	ctx := context.Background()
	events := simulateDay(t, 1)
	day := time.Date(2026, 10, 5, 0, 0, 0, 0, rome)
	figures := func(db *sqldb.DB, s *telephony.EventStore) *Result {
		t.Helper()
		rp := &Reporter{Calls: s, Options: Options{Calendar: workcal.New(rome)}, Now: func() time.Time { return day.AddDate(0, 0, 2) }}
		res, err := rp.Figures(ctx, day, day.AddDate(0, 0, 1), Filter{})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	open := func() (*sqldb.DB, *telephony.EventStore) {
		db, err := sqldb.Open("", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		s, err := telephony.OpenEventStore(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		return db, s
	}
	db1, own := open()
	if err := own.Save(ctx, events); err != nil {
		t.Fatal(err)
	}
	want := figures(db1, own)
	o := want.Overall
	if o.Offered < 300 || o.Answered == 0 || o.Abandoned == 0 || o.Overflowed == 0 || o.Blocked == 0 || o.Transferred == 0 ||
		o.OverflowKey == 0 || o.AnsweredOverMax == 0 && o.AnsweredUnder == o.Answered || o.StaffedSeconds == 0 {
		t.Fatalf("the simulation missed a case: %+v", o.Counts)
	}
	var ql bytes.Buffer
	if err := telephony.WriteQueueLog(&ql, events); err != nil {
		t.Fatal(err)
	}
	db2, other := open()
	rep, err := other.ImportQueueLog(ctx, bytes.NewReader(ql.Bytes()), rome)
	if err != nil || rep.Damaged != 0 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	got := figures(db2, other)
	// What a queue_log does not carry: calls that never asked for a queue, voicemails and
	// bookings, where an overflow sent the caller, wrap-up.
	strip := func(c Counts) Counts {
		c.IVROnly, c.OutOfHours, c.Voicemails, c.CallbacksBooked, c.OverflowCallback, c.OverflowVoice, c.WrapUpSeconds = 0, 0, 0, 0, 0, 0, 0
		return c
	}
	if strip(got.Overall.Counts) != strip(want.Overall.Counts) {
		t.Errorf("after the round trip:\n got %+v\nwant %+v", got.Overall.Counts, want.Overall.Counts)
	}
	for _, x := range []struct {
		name      string
		got, want *float64
	}{{"C.1", got.Overall.C1, want.Overall.C1}, {"C.2", got.Overall.C2, want.Overall.C2}, {"C.3", got.Overall.C3, want.Overall.C3},
		{"SLA-7", got.Overall.SLA7, want.Overall.SLA7}, {"mean talk", got.Overall.MeanTalk, want.Overall.MeanTalk}} {
		if x.got == nil || x.want == nil || *x.got != *x.want {
			t.Errorf("%s: %v after the round trip, %v before", x.name, deref(x.got), deref(x.want))
		}
	}
	for i := range want.Hours {
		if strip(got.Hours[i].Counts) != strip(want.Hours[i].Counts) {
			t.Errorf("hour %d differs", i)
		}
	}
	for i := range want.ByQueue {
		if got.ByQueue[i].Name != want.ByQueue[i].Name || strip(got.ByQueue[i].Figures.Counts) != strip(want.ByQueue[i].Figures.Counts) {
			t.Errorf("queue %s differs", want.ByQueue[i].Name)
		}
	}
	// Imported into the store that has the calls already: nothing counts twice.
	rep, err = own.ImportQueueLog(ctx, bytes.NewReader(ql.Bytes()), rome)
	if err != nil || rep.KnownCalls != o.Offered+o.Blocked {
		t.Fatalf("re-import: %+v %v (%d calls)", rep, err, o.Offered+o.Blocked)
	}
	if again := figures(db1, own); again.Overall.Counts != want.Overall.Counts {
		t.Errorf("after importing its own export:\n got %+v\nwant %+v", again.Overall.Counts, want.Overall.Counts)
	}
}
