package telephony

import (
	"bytes"
	"context"
	"fmt"
	"sportello/workcal"
	"strings"
	"testing"
	"time"
)

// TestScriptedHour is the in-process twin of the SIPp scenario of issue 7: operators log in, a
// burst of calls arrives, some callers hang up while queued, some overflow to a callback, one
// call out of hours leaves a voicemail. The event log, the statistics and the tickets must match
// exactly what the script did.
func TestScriptedHour(t *testing.T) {
	must := mustT(t)
	ctx := context.Background()
	start := rome(2026, 3, 6, 18, 0) // a Friday, one hour before closing
	clk := NewManualClock(start)
	log := NewEventLog()
	a := New(Config{Clock: clk, Log: log})
	cal := workcal.Default()
	noErr(t, a.AddQueue(QueueConfig{Name: "centralino", Strategy: LongestIdle, Calendar: cal, RingTimeout: 15 * time.Second, WrapUp: 5 * time.Second}))
	for i, id := range []string{"anna", "bruno", "carla"} {
		noErr(t, a.AddOperator(OperatorConfig{ID: id, Extension: fmt.Sprint(201 + i), Queues: []Membership{{Queue: "centralino"}}}))
	}
	tickets := NewMemTickets()
	booker, err := NewBooker(CallbackPolicy{Calendar: cal}, tickets, log, clk)
	if err != nil {
		t.Fatal(err)
	}
	center := &Center{ACD: a, Booker: booker, Voicemail: &VoicemailBox{Dir: t.TempDir(), Calendar: cal, Tickets: tickets, Log: log, Clock: clk}}
	// tick advances the clock one second at a time, as the production loop would, answering
	// every ring at once with the operator it rang.
	answerRings := true
	var tick func(d time.Duration)
	handle := func(acts []Action) {
		for _, x := range acts {
			if x.Kind == ActRing && answerRings {
				must(a.OperatorAnswered(x.CallID, x.Operator))
			}
		}
	}
	tick = func(d time.Duration) {
		for range int(d / time.Second) {
			clk.Advance(time.Second)
			handle(a.Tick())
		}
	}
	for _, id := range []string{"anna", "bruno", "carla"} {
		handle(must(a.Login(id)))
	}
	// A burst of 10 calls, one per second; the first three are answered at once.
	for i := 1; i <= 10; i++ {
		handle(must(a.Arrive(ContactInfo{CallID: fmt.Sprint("c", i), Channel: Voice, From: fmt.Sprintf("06%04d", i)}, "centralino")))
		tick(time.Second)
	}
	// Callers 4 and 5 hang up while queued: c4 (queued at t=3) at t=20 after 17 s, c5 (queued
	// at t=4) at t=40 after 36 s, past the 30 s threshold.
	tick(10 * time.Second)
	must(a.Hangup("c4", ByCaller))
	tick(20 * time.Second)
	must(a.Hangup("c5", ByCaller))
	// Calls 1–3 end at t=60; operators wrap up 5 s, then take 6, 7, 8 (waits 60, 59, 58 s).
	tick(20 * time.Second)
	for i := 1; i <= 3; i++ {
		must(a.Hangup(fmt.Sprint("c", i), ByCaller))
	}
	tick(5 * time.Second)
	// Callers 9 and 10 (queued at t=8, t=9) overflow at 90 s; both take the callback.
	tick(40 * time.Second)
	for _, id := range []string{"c9", "c10"} {
		if _, _, err := center.ChooseCallback(ctx, id); err != nil {
			t.Fatal(err)
		}
		must(a.Hangup(id, ByCaller))
	}
	for i := 6; i <= 8; i++ {
		must(a.Hangup(fmt.Sprint("c", i), ByOperator))
	}
	// Out of hours: a call at 20:00 hears the closed message and leaves a voicemail.
	clk.Set(rome(2026, 3, 6, 20, 0))
	acts := must(a.Arrive(ContactInfo{CallID: "late", Channel: Voice, From: "0699"}, "centralino"))
	if !has(acts, ActOfferVoicemail) {
		t.Fatalf("out of hours: %+v", acts)
	}
	vm, _, err := center.LeaveVoicemail(ctx, "late", bytes.NewReader(BuildWAV("ulaw", make([]byte, 8000))))
	if err != nil {
		t.Fatal(err)
	}
	must(a.Hangup("late", ByCaller))

	// The log has what the script did (the figures on it are package sla's, tested there).
	events := log.Events(time.Time{}, time.Time{})
	got := map[EventKind]int{}
	var late []string // answered, abandoned or overflowed after 30 s
	for _, e := range events {
		got[e.Kind]++
		if (e.Kind == EvAnswered || e.Kind == EvAbandoned || e.Kind == EvOverflowed) && e.Wait > 30*time.Second {
			late = append(late, string(e.Kind)+" "+e.CallID)
		}
	}
	want := map[EventKind]int{EvOffered: 11, EvClosed: 1, EvQueued: 10, EvAnswered: 6, EvAbandoned: 2, EvOverflowed: 2,
		EvVoicemail: 1, EvCallbackBooked: 2}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%d %s events, want %d", got[k], k, n)
		}
	}
	if strings.Join(late, ",") != "abandoned c5,answered c6,answered c7,answered c8,overflowed c9,overflowed c10" {
		t.Errorf("late: %v", late)
	}

	all := tickets.All()
	if len(all) != 3 {
		t.Fatalf("%d tickets, want 2 callbacks and 1 voicemail: %+v", len(all), all)
	}
	monday9 := rome(2026, 3, 9, 9, 0)
	for _, tk := range all[:2] {
		if len(tk.Callbacks) != 1 || !tk.Callbacks[0].Slot.Equal(monday9) {
			t.Errorf("callback ticket %+v, want Monday 9:00", tk)
		}
	}
	if v := all[2].Voicemail; v == nil || !v.Deadline.Equal(rome(2026, 3, 9, 12, 0)) || v.Recording != vm.Recording {
		t.Errorf("voicemail ticket %+v", all[2])
	}

	var buf bytes.Buffer
	noErr(t, WriteQueueLog(&buf, log.Events(time.Time{}, time.Time{})))
	counts := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		counts[strings.Split(line, "|")[4]]++
	}
	wantCounts := map[string]int{"AGENTLOGIN": 3, "ENTERQUEUE": 10, "CONNECT": 6, "COMPLETECALLER": 3, "COMPLETEAGENT": 3,
		"ABANDON": 2, "EXITWITHTIMEOUT": 2}
	if fmt.Sprint(counts) != fmt.Sprint(wantCounts) {
		t.Errorf("queue_log events %v, want %v", counts, wantCounts)
	}
}
