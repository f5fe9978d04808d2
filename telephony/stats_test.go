package telephony

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

// TestFormulas checks each selectable SLA figure on hand-counted totals (SLA-2, SLA-7).
func TestFormulas(t *testing.T) {
	// 100 offered in hours, 5 blocked, 95 queued: 70 answered (60 within 30 s, 68 within 90 s),
	// 10 abandoned within 30 s, 10 after, 5 overflowed after 30 s.
	s := Stats{Offered: 102, Closed: 2, Blocked: 5, Queued: 95, Answered: 70, AnsweredWithin: 60,
		AnsweredWithin90: 68, AbandonedShort: 10, AbandonedLong: 10, Overflowed: 5, OverflowedLong: 5}
	tests := []struct {
		f    Formula
		want float64
	}{
		{FormulaC1, 95},                          // (100 − 5) / 100
		{FormulaC2, 100 * 60.0 / 70},             // 85.71
		{FormulaC3, 100 * 20.0 / 95},             // 21.05
		{FormulaAsteriskSL, 100 * 60.0 / 70},     // same as C.2
		{FormulaAsteriskSL2, 100 * 70.0 / 90},    // (60 + 10) / (70 + 20)
		{FormulaCustomer, 100 * (1 - 25.0/85.0)}, // 1 − (10 + 10 + 5) / (95 − 10)
	}
	for _, tc := range tests {
		if got := s.Percent(tc.f); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s = %.4f, want %.4f", tc.f, got, tc.want)
		}
	}
	if s.NoneOverMaxWait() {
		t.Error("two calls were answered after 90 s, yet NoneOverMaxWait")
	}
	var empty Stats
	if empty.Percent(FormulaCustomer) != 100 || empty.Percent(FormulaC3) != 0 {
		t.Error("an empty period should score 100 (0 abandoned)")
	}
}

// scriptedHour drives an ACD through a known sequence: two operators, six calls, wrap-up 10 s.
//
//	t=0    anna logs in
//	t=5    call 1 arrives, rings anna; t=15 answered (wait 10 s)
//	t=15   calls 2, 3, 4 queue; call 6 is blocked (queue full)
//	t=35   call 3 abandons (20 s); call 5 queues
//	t=55   bruno logs in and answers call 2 (wait 40 s); call 4 abandons (40 s)
//	t=115  bruno hangs up call 2 (talk 60 s)
//	t=125  call 5 reaches the maximum wait (90 s), takes the callback; bruno's wrap-up ends
//	t=135  call 1 ends (talk 120 s); t=145 anna's wrap-up ends
func scriptedHour(t *testing.T) *ACD {
	must := mustT(t)
	a, clk := newTestACD(t, QueueConfig{Name: "centralino", MaxLen: 3, WrapUp: 10 * time.Second, RingTimeout: time.Hour},
		OperatorConfig{ID: "anna"}, OperatorConfig{ID: "bruno"})
	step := func(d time.Duration) { clk.Advance(d); a.Tick() }
	must(a.Login("anna"))
	step(5 * time.Second)
	must(a.Arrive(call("1"), "centralino"))
	step(10 * time.Second)
	must(a.OperatorAnswered("1", "anna"))
	must(a.Arrive(call("2"), "centralino"))
	must(a.Arrive(call("3"), "centralino"))
	must(a.Arrive(call("4"), "centralino"))
	if !has(must(a.Arrive(call("6"), "centralino")), ActReject) {
		t.Fatal("call 6 was not rejected")
	}
	step(20 * time.Second)
	must(a.Hangup("3", ByCaller))
	must(a.Arrive(call("5"), "centralino"))
	step(20 * time.Second)
	must(a.Login("bruno"))
	must(a.OperatorAnswered("2", "bruno"))
	must(a.Hangup("4", ByCaller))
	step(60 * time.Second)
	must(a.Hangup("2", ByOperator))
	clk.Advance(10 * time.Second)
	if !has(a.Tick(), ActOfferCallback) {
		t.Fatal("call 5 was not offered a callback at the maximum wait")
	}
	if _, _, err := a.AcceptCallback("5"); err != nil {
		t.Fatal(err)
	}
	must(a.Hangup("5", ByCaller))
	step(10 * time.Second)
	must(a.Hangup("1", ByCaller))
	step(10 * time.Second)
	return a
}

func TestStatsFromEventLog(t *testing.T) {
	a := scriptedHour(t)
	s := Compute(a.Log().Events(time.Time{}, time.Time{}), t0, t0.Add(time.Hour), 0, 0)
	want := Stats{Offered: 6, Blocked: 1, Queued: 5, Answered: 2, AnsweredWithin: 1, AnsweredWithin90: 2,
		AbandonedShort: 1, AbandonedLong: 1, Overflowed: 1, OverflowedLong: 1}
	got := s
	got.From, got.To, got.Threshold, got.MaxWait = time.Time{}, time.Time{}, 0, 0
	got.LongestWait, got.ASA, got.AvgTalk, got.AvgHandle, got.Occupancy = 0, 0, 0, 0, 0
	if got != want {
		t.Errorf("counts\n got %+v\nwant %+v", got, want)
	}
	checks := []struct {
		name      string
		got, want time.Duration
	}{
		{"ASA", s.ASA, 25 * time.Second},
		{"average talk", s.AvgTalk, 90 * time.Second},
		{"average handle", s.AvgHandle, 100 * time.Second},
		{"longest wait", s.LongestWait, 90 * time.Second},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %s, want %s", c.name, c.got, c.want)
		}
	}
	// Staffed: anna 3600 s, bruno 3545 s within the hour; handled 200 s.
	if want := 200.0 / 7145; math.Abs(s.Occupancy-want) > 1e-9 {
		t.Errorf("occupancy = %v, want %v", s.Occupancy, want)
	}
	// Customer formula: 1 − (1 answered late + 1 abandoned late + 1 overflowed late) / (5 − 1).
	if got := s.Percent(FormulaCustomer); math.Abs(got-25) > 1e-9 {
		t.Errorf("customer formula = %v, want 25", got)
	}
	if got := s.Percent(FormulaC1); math.Abs(got-500.0/6) > 1e-9 {
		t.Errorf("C.1 = %v, want 83.33", got)
	}
	// A period that ends before the calls were offered counts none of them.
	if early := Compute(a.Log().Events(time.Time{}, time.Time{}), t0, t0.Add(time.Second), 0, 0); early.Offered != 0 {
		t.Errorf("offered before t0+1s = %d, want 0", early.Offered)
	}
}

func TestQueueLogExport(t *testing.T) {
	at := time.Unix(1772442000, 0)
	events := []Event{
		{Time: at, Kind: EvLogin, Operator: "anna", Extension: "PJSIP/201"},
		{Time: at, Kind: EvOffered, CallID: "c1", Queue: "centralino"},
		{Time: at, Kind: EvQueued, CallID: "c1", Queue: "centralino", From: "0612345678", Position: 1},
		{Time: at.Add(12 * time.Second), Kind: EvRinging, CallID: "c1", Queue: "centralino", Operator: "anna"},
		{Time: at.Add(17 * time.Second), Kind: EvNoAnswer, CallID: "c1", Queue: "centralino", Operator: "anna", Ring: 5 * time.Second},
		{Time: at.Add(20 * time.Second), Kind: EvAnswered, CallID: "c1", Queue: "centralino", Operator: "anna", Wait: 20 * time.Second, Ring: 3 * time.Second},
		{Time: at.Add(80 * time.Second), Kind: EvCompleted, CallID: "c1", Queue: "centralino", Operator: "anna", Wait: 20 * time.Second, Talk: time.Minute, OrigPos: 1, By: ByCaller},
		{Time: at, Kind: EvCompleted, CallID: "c2", Queue: "centralino", Operator: "anna", Wait: 5 * time.Second, Talk: 30 * time.Second, OrigPos: 2, By: ByOperator},
		{Time: at, Kind: EvAbandoned, CallID: "c3", Queue: "centralino", Position: 2, OrigPos: 3, Wait: 45 * time.Second},
		{Time: at, Kind: EvOverflowed, CallID: "c4", Queue: "centralino", Position: 1, OrigPos: 4, Wait: 90 * time.Second},
		{Time: at, Kind: EvCallbackAccepted, CallID: "c5", Queue: "centralino", Position: 2, OrigPos: 2, Wait: 31 * time.Second},
		{Time: at, Kind: EvTransferred, CallID: "c6", Queue: "centralino", Operator: "anna", Extension: "4321", Wait: 3 * time.Second, Talk: 40 * time.Second, OrigPos: 1},
		{Time: at, Kind: EvBlocked, CallID: "c7", Queue: "centralino"},
		{Time: at, Kind: EvPause, Operator: "anna", Reason: "pausa pranzo"},
		{Time: at, Kind: EvLogout, Operator: "anna", Extension: "PJSIP/201", Session: time.Hour},
	}
	var buf bytes.Buffer
	if err := WriteQueueLog(&buf, events); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"1772442000|NONE|NONE|anna|AGENTLOGIN|PJSIP/201",
		"1772442000|c1|centralino|NONE|ENTERQUEUE||0612345678",
		"1772442017|c1|centralino|anna|RINGNOANSWER|5000",
		"1772442020|c1|centralino|anna|CONNECT|20|c1|3",
		"1772442080|c1|centralino|anna|COMPLETECALLER|20|60|1",
		"1772442000|c2|centralino|anna|COMPLETEAGENT|5|30|2",
		"1772442000|c3|centralino|NONE|ABANDON|2|3|45",
		"1772442000|c4|centralino|NONE|EXITWITHTIMEOUT|1|4|90",
		"1772442000|c5|centralino|NONE|EXITWITHKEY|1|2|2|31",
		"1772442000|c6|centralino|anna|TRANSFER|4321||3|40|1",
		"1772442000|c7|centralino|NONE|FULL",
		"1772442000|NONE|NONE|anna|PAUSEALL|pausa pranzo",
		"1772442000|NONE|NONE|anna|AGENTLOGOFF|PJSIP/201|3600",
	}, "\n") + "\n"
	if buf.String() != want {
		t.Errorf("queue_log\n got:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestSubscribe(t *testing.T) {
	must := mustT(t)
	a, clk := newTestACD(t, QueueConfig{Name: "centralino"}, OperatorConfig{ID: "anna", Extension: "201"})
	ch, cancel := a.Log().Subscribe(16)
	defer cancel()
	must(a.Arrive(ContactInfo{CallID: "c1", From: "0612345678"}, "centralino"))
	clk.Advance(7 * time.Second)
	must(a.Login("anna"))
	var pop *Event
	for len(ch) > 0 {
		e := <-ch
		if e.Kind == EvRinging {
			pop = &e
		}
	}
	if pop == nil {
		t.Fatal("no ringing event for the screen pop")
	}
	if pop.From != "0612345678" || pop.Operator != "anna" || pop.Queue != "centralino" || pop.Channel != Voice || pop.Wait != 7*time.Second {
		t.Errorf("screen pop event %+v", *pop)
	}
}

func TestFilterQueue(t *testing.T) {
	events := []Event{
		{Kind: EvLogin, Operator: "a"},
		{Kind: EvOffered, CallID: "1", Queue: "centralino"},
		{Kind: EvQueued, CallID: "1", Queue: "centralino"},
		{Kind: EvOffered, CallID: "2", Queue: "numero verde"},
		{Kind: EvQueued, CallID: "2", Queue: "numero verde"},
	}
	s := Compute(FilterQueue(events, "centralino"), time.Time{}, time.Time{}, 0, 0)
	if s.Offered != 1 || s.Queued != 1 {
		t.Errorf("centralino stats %+v", s)
	}
}

func TestEventLogSinceAndTrim(t *testing.T) {
	l := NewEventLog()
	for i := range 3*logChunk + 10 {
		l.Append(Event{Time: t0.Add(time.Duration(i) * time.Second), Kind: EvLogin})
	}
	if got := l.Since(uint64(3*logChunk + 5)); len(got) != 5 || got[0].Seq != uint64(3*logChunk+6) {
		t.Fatalf("Since: %d events, first %d", len(got), got[0].Seq)
	}
	l.Trim(t0.Add(time.Duration(2*logChunk) * time.Second))
	if got := l.Since(0); len(got) != logChunk+10 || got[0].Seq != uint64(2*logChunk+1) {
		t.Errorf("after Trim: %d events, first %d", len(got), got[0].Seq)
	}
	if l.Len() != 3*logChunk+10 {
		t.Errorf("Len counts every event ever appended: %d", l.Len())
	}
}
