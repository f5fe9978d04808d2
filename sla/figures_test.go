package sla

import (
	"testing"
	"time"

	"sportello/internal/clock"
	"sportello/telephony"
	"sportello/workcal"
)

var t0 = time.Date(2026, 10, 5, 9, 0, 0, 0, clock.Rome())

// script builds a CTI log call by call.
type script struct{ ev []telephony.Event }

func (s *script) add(at time.Duration, e telephony.Event) {
	e.Time = t0.Add(at)
	if e.CallID != "" && e.Direction == "" {
		e.Direction = "in"
	}
	if e.CallID != "" && e.Queue == "" {
		e.Queue = "centralino"
	}
	s.ev = append(s.ev, e)
}

func (s *script) queued(at time.Duration, id string) {
	s.add(at, telephony.Event{Kind: telephony.EvOffered, CallID: id, Channel: telephony.Voice})
	s.add(at, telephony.Event{Kind: telephony.EvQueued, CallID: id, Channel: telephony.Voice, Position: 1})
}

func (s *script) answered(at time.Duration, id string, wait, talk time.Duration) {
	s.queued(at, id)
	s.add(at+wait, telephony.Event{Kind: telephony.EvAnswered, CallID: id, Operator: "anna", Wait: wait})
	s.add(at+wait+talk, telephony.Event{Kind: telephony.EvCompleted, CallID: id, Operator: "anna", Wait: wait, Talk: talk})
}

func (s *script) sorted() []telephony.Event {
	out := append([]telephony.Event(nil), s.ev...)
	for i := 1; i < len(out); i++ { // insertion sort: stable, by time
		for j := i; j > 0 && out[j].Time.Before(out[j-1].Time); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// The case: 8 calls, nobody answers; each reaches the 90 s limit and goes to the
// callback offer. Before, C.1 100 %, C.2 100 %, C.3 0 % — a green dashboard. Now C.2 has no
// value, the 8 overflowed calls stand beside it, and the customer's formula says 0 %.
func TestNobodyAnswers(t *testing.T) {
	var s script
	for i := 0; i < 8; i++ {
		id := "c" + string(rune('1'+i))
		at := time.Duration(i) * time.Minute
		s.queued(at, id)
		s.add(at+90*time.Second, telephony.Event{Kind: telephony.EvOverflowed, CallID: id, Wait: 90 * time.Second, Reason: "callback"})
	}
	r := Compute(s.sorted(), t0, t0.Add(time.Hour), Options{})
	o := r.Overall
	if o.Offered != 8 || o.Overflowed != 8 || o.Answered != 0 || o.Abandoned != 0 || o.OverflowTimeout != 8 || o.OverflowCallback != 8 {
		t.Fatalf("counts: %+v", o.Counts)
	}
	if o.C2 != nil {
		t.Errorf("C.2 = %v with no call answered, want no value", *o.C2)
	}
	if o.C3 == nil || *o.C3 != 0 || o.Overflow == nil || *o.Overflow != 1 {
		t.Errorf("C.3 %v, overflow %v", deref(o.C3), deref(o.Overflow))
	}
	if o.SLA7 == nil || *o.SLA7 != 0 {
		t.Errorf("SLA-7 = %v, want 0", deref(o.SLA7))
	}
	if o.C1 == nil || *o.C1 != 1 { // they all found a line: C.1 is right to be 100 %
		t.Errorf("C.1 = %v", deref(o.C1))
	}
	rep := assessCalls(o, 0)
	if rep["C.2"].Value != nil || rep["C.2"].Met != nil || rep["C.2"].Note == "" {
		t.Errorf("C.2 assessment: %+v", rep["C.2"])
	}
}

// Every outcome in one hour, with the edge cases of each definition.
func TestFigures(t *testing.T) {
	var s script
	s.answered(0, "a1", 29*time.Second+900*time.Millisecond, 2*time.Minute) // under 30 s: 29.9 s counts as 29
	s.answered(time.Minute, "a2", 30*time.Second, time.Minute)              // 30 s is not under 30
	s.answered(2*time.Minute, "a3", 91*time.Second, time.Minute)            // over 90 s
	s.answered(3*time.Minute, "a4", 90*time.Second+500*time.Millisecond, 0) // 90 s: not over
	s.queued(4*time.Minute, "b1")                                           // abandons after half a second
	s.add(4*time.Minute+500*time.Millisecond, telephony.Event{Kind: telephony.EvAbandoned, CallID: "b1", Wait: 500 * time.Millisecond})
	s.queued(5*time.Minute, "b2")
	s.add(5*time.Minute+40*time.Second, telephony.Event{Kind: telephony.EvAbandoned, CallID: "b2", Wait: 40 * time.Second})
	s.queued(6*time.Minute, "k1") // chooses the callback while queued, at 10 s
	s.add(6*time.Minute+10*time.Second, telephony.Event{Kind: telephony.EvCallbackAccepted, CallID: "k1", Position: 1, Wait: 10 * time.Second})
	s.add(6*time.Minute+20*time.Second, telephony.Event{Kind: telephony.EvCallbackBooked, CallID: "k1"})
	s.queued(7*time.Minute, "u1") // the log says nothing more
	s.add(8*time.Minute, telephony.Event{Kind: telephony.EvOffered, CallID: "x1"})
	s.add(8*time.Minute, telephony.Event{Kind: telephony.EvBlocked, CallID: "x1", Reason: "full"})
	s.add(9*time.Minute, telephony.Event{Kind: telephony.EvOffered, CallID: "i1"}) // hangs up in the welcome
	s.add(9*time.Minute+3*time.Second, telephony.Event{Kind: telephony.EvEnded, CallID: "i1"})
	// A transfer that fails, then one that works; and one that fails and stays failed.
	s.answered(10*time.Minute, "t1", 5*time.Second, 3*time.Minute)
	s.add(11*time.Minute, telephony.Event{Kind: "transfer-started", CallID: "t1", Operator: "anna"})
	s.add(11*time.Minute+20*time.Second, telephony.Event{Kind: kindTransferFailed, CallID: "t1", Operator: "anna"})
	s.add(12*time.Minute, telephony.Event{Kind: telephony.EvTransferred, CallID: "t1", Operator: "anna", Talk: 2 * time.Minute})
	s.answered(14*time.Minute, "t2", 5*time.Second, time.Minute)
	s.add(14*time.Minute+30*time.Second, telephony.Event{Kind: kindTransferFailed, CallID: "t2", Operator: "anna"})
	// An email in an offline queue: a channel of its own, not a call.
	s.add(15*time.Minute, telephony.Event{Kind: telephony.EvQueued, CallID: "e1", Queue: "posta", Channel: telephony.Email})
	// Outbound callbacks do not count.
	s.add(16*time.Minute, telephony.Event{Kind: telephony.EvAnswered, CallID: "cb", Direction: "out", Operator: "anna"})
	// Offered before the period: not counted; offered after: not counted.
	early := telephony.Event{Kind: telephony.EvQueued, CallID: "early", Queue: "centralino", Direction: "in", Time: t0.Add(-time.Second)}
	late := telephony.Event{Kind: telephony.EvQueued, CallID: "late", Queue: "centralino", Direction: "in", Time: t0.Add(time.Hour)}
	events := append([]telephony.Event{early}, s.sorted()...)
	events = append(events, late)
	r := Compute(events, t0, t0.Add(time.Hour), Options{ShortAbandon: 3 * time.Second})
	o := r.Overall
	want := Counts{Offered: 10, Answered: 6, AnsweredUnder: 3, AnsweredOverMax: 1, Abandoned: 2, AbandonedUnder: 1,
		AbandonedShort: 1, Overflowed: 1, OverflowedUnder: 1, OverflowKey: 1, OverflowCallback: 1, Unfinished: 1,
		ServiceContacts: 11, ServiceOffered: 10, Blocked: 1, IVROnly: 1, Transferred: 1, TransferFailed: 2, CallbacksBooked: 1,
		WaitAnsweredSeconds: 29 + 30 + 91 + 90 + 5 + 5, WaitSeconds: 29 + 30 + 91 + 90 + 5 + 5 + 0 + 40 + 10, LeftQueue: 9,
		TalkSeconds: 120 + 60 + 60 + 0 + 180 + 60, LongestWaitSeconds: 91}
	if o.Counts != want {
		t.Errorf("counts:\n got %+v\nwant %+v", o.Counts, want)
	}
	check := func(name string, got *float64, want float64) {
		t.Helper()
		if got == nil || abs(*got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, deref(got), want)
		}
	}
	check("C.1", o.C1, 10.0/11)
	check("C.2", o.C2, 3.0/6)
	check("C.3", o.C3, 2.0/10)
	// SLA-7: late = 3 answered + 1 abandoned + 0 overflowed; base = 10 − 1 unfinished − 1 − 1.
	check("SLA-7", o.SLA7, 1-4.0/7)
	check("mean answer", o.MeanAnswer, 250.0/6)
	check("mean talk", o.MeanTalk, 480.0/6)
	if len(r.ByChannel) != 2 || r.ByChannel[0].Name != "email" || r.ByChannel[0].Figures.Offered != 1 {
		t.Errorf("by channel: %+v", r.ByChannel)
	}
	if len(r.Daily) != 1 || r.Daily[0].Figures.Offered != 10 || r.Hours[9].Offered != 10 || r.Hours[10].Offered != 0 {
		t.Errorf("daily %+v hours[9] %d", r.Daily, r.Hours[9].Offered)
	}
	a := assessCalls(o, 0)
	if a["C.2"].Note == "" || a["C.2"].Met == nil || *a["C.2"].Met {
		t.Errorf("C.2 with a call over 90 s: %+v", a["C.2"])
	}
}

// C.1 counts only contacts in service time by the calendar, whatever system logged them.
func TestC1ServiceTime(t *testing.T) {
	cal := workcal.New(clock.Rome()) // Monday–Friday 8–19
	var s script
	s.add(-2*time.Hour, telephony.Event{Kind: telephony.EvBlocked, CallID: "night"}) // 7:00: closed
	s.answered(0, "day", 5*time.Second, time.Minute)
	r := Compute(s.sorted(), t0.Add(-3*time.Hour), t0.Add(time.Hour), Options{Calendar: cal})
	if o := r.Overall; o.ServiceContacts != 1 || o.Blocked != 1 || *o.C1 != 1 {
		t.Errorf("%+v", o.Counts)
	}
}

// Occupancy covers any period: operators logged in before the period count from its start;
// pauses and logouts stop the clock; a queue_log's per-queue memberships are followed.
func TestOccupancy(t *testing.T) {
	from, to := t0, t0.Add(time.Hour)
	states := []telephony.Event{ // what OperatorStates returns for 9:00, in time order
		{Time: t0.Add(-5 * time.Hour), Kind: telephony.EvLogin, Operator: "carla"},
		{Time: t0.Add(-3 * time.Hour), Kind: telephony.EvLogin, Operator: "anna"},
		{Time: t0.Add(-2 * time.Hour), Kind: telephony.EvLogin, Operator: "SIP/202", Queue: "centralino"},
		{Time: t0.Add(-time.Hour), Kind: telephony.EvPause, Operator: "carla"},
	}
	var s script
	s.answered(0, "a1", 0, 12*time.Minute) // anna: 12 min talk
	s.add(10*time.Minute, telephony.Event{Kind: telephony.EvWrapUpDone, CallID: "a1", Operator: "anna", WrapUp: 3 * time.Minute})
	s.add(30*time.Minute, telephony.Event{Kind: telephony.EvPause, Operator: "anna"})
	s.add(40*time.Minute, telephony.Event{Kind: telephony.EvUnpause, Operator: "anna"}) // anna: 50 min
	s.add(20*time.Minute, telephony.Event{Kind: telephony.EvLogin, Operator: "SIP/202", Queue: "numero verde"})
	s.add(30*time.Minute, telephony.Event{Kind: telephony.EvLogout, Operator: "SIP/202", Queue: "centralino"})
	s.add(45*time.Minute, telephony.Event{Kind: telephony.EvLogout, Operator: "SIP/202", Queue: "numero verde"}) // 45 min
	s.add(50*time.Minute, telephony.Event{Kind: telephony.EvUnpause, Operator: "carla"})                         // carla: 10 min
	f := NewFold(from, to, time.Time{}, Options{})
	for _, e := range states {
		f.Add(e)
	}
	for _, e := range s.sorted() {
		f.Add(e)
	}
	r := f.Result()
	if got, want := r.Overall.StaffedSeconds, int64((50+45+10)*60); got != want {
		t.Errorf("staffed %d s, want %d", got, want)
	}
	if got, want := *r.Overall.Occupancy, 15.0/105; abs(got-want) > 1e-9 {
		t.Errorf("occupancy %v, want %v", got, want)
	}
	// A period still running counts staffed time up to now only.
	f = NewFold(from, to, t0.Add(30*time.Minute), Options{})
	f.Add(states[1])
	if r := f.Result(); r.Overall.StaffedSeconds != 30*60 {
		t.Errorf("staffed until now: %d", r.Overall.StaffedSeconds)
	}
}

// A call moved to a second queue is a contact of each queue.
func TestSecondQueue(t *testing.T) {
	var s script
	s.add(0, telephony.Event{Kind: telephony.EvLogin, Operator: "anna"})
	s.answered(0, "c1", 5*time.Second, time.Minute)
	s.add(time.Minute, telephony.Event{Kind: telephony.EvQueued, CallID: "c1", Queue: "anagrafe"})
	s.add(time.Minute+50*time.Second, telephony.Event{Kind: telephony.EvAbandoned, CallID: "c1", Queue: "anagrafe", Wait: 50 * time.Second})
	r := Compute(s.sorted(), t0, t0.Add(time.Hour), Options{})
	if r.Overall.Offered != 2 || r.Overall.Answered != 1 || r.Overall.Abandoned != 1 || len(r.ByQueue) != 2 || r.Overall.Occupancy == nil {
		t.Errorf("%+v %+v", r.Overall.Counts, r.ByQueue)
	}
	r = Compute(s.sorted(), t0, t0.Add(time.Hour), Options{Filter: Filter{Queues: []string{"anagrafe"}}})
	if r.Overall.Offered != 1 || r.Overall.Abandoned != 1 || r.Overall.Occupancy != nil {
		t.Errorf("filtered: %+v (occupancy %v: operators serve every queue)", r.Overall.Counts, deref(r.Overall.Occupancy))
	}
}

func TestBuckets(t *testing.T) {
	from := time.Date(2026, 9, 1, 0, 0, 0, 0, clock.Rome())
	to := time.Date(2026, 11, 1, 0, 0, 0, 0, clock.Rome())
	r := Compute(nil, from, to, Options{})
	if len(r.Daily) != 61 || len(r.Monthly) != 2 || len(r.Yearly) != 1 || r.Weekly[0].Key != "2026-W36" ||
		!r.Weekly[0].From.Equal(from) || r.Weekly[len(r.Weekly)-1].Key != "2026-W44" || !r.Weekly[len(r.Weekly)-1].To.Equal(to) {
		t.Errorf("daily %d monthly %d weekly %v…%v", len(r.Daily), len(r.Monthly), r.Weekly[0], r.Weekly[len(r.Weekly)-1])
	}
	// The day the clocks go back (25 October 2026) is a day of 25 hours, still one bucket.
	for _, d := range r.Daily {
		if d.Key == "2026-10-25" && d.To.Sub(d.From) != 25*time.Hour {
			t.Errorf("25 October: %v", d.To.Sub(d.From))
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
