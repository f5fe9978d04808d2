package telephony

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// kindCount counts the events of a kind.
func kindCount(events []Event, kind EventKind) int {
	n := 0
	for _, e := range events {
		if e.Kind == kind {
			n++
		}
	}
	return n
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
