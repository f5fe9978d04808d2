package telephony

import (
	"testing"
	"time"
)

func TestSnapshotAndWaitHistory(t *testing.T) {
	must := mustT(t)
	clk := NewManualClock(t0)
	a := New(Config{Clock: clk})
	noErr(t, a.AddQueue(QueueConfig{Name: "centralino", WrapUp: time.Minute}))
	noErr(t, a.AddQueue(QueueConfig{Name: "posta", Offline: true}))
	noErr(t, a.AddOperator(OperatorConfig{ID: "anna", Extension: "201", Queues: []Membership{{Queue: "centralino"}}}))
	noErr(t, a.AddOperator(OperatorConfig{ID: "bruno", Extension: "202", Queues: []Membership{{Queue: "centralino"}, {Queue: "posta"}},
		Capacity: map[Channel]int{Voice: 1, Email: 4}}))
	noErr(t, a.AddOperator(OperatorConfig{ID: "carla", Extension: "203", Queues: []Membership{{Queue: "centralino"}}}))
	must(a.Login("anna"))
	must(a.Login("bruno"))
	must(a.Login("carla"))
	must(a.Pause("carla", "pausa pranzo"))
	h := NewWaitHistory(10*time.Second, 3)

	must(a.Arrive(call("1"), "centralino")) // rings anna
	must(a.OperatorAnswered("1", "anna"))
	must(a.Arrive(call("2"), "centralino")) // rings bruno
	must(a.Arrive(call("3"), "centralino")) // waits
	must(a.Arrive(ContactInfo{CallID: "m1", Channel: Email, From: "x@y.it"}, "posta"))
	h.Sample(a)
	clk.Advance(5 * time.Second)
	if h.Sample(a) {
		t.Error("sampled before the interval")
	}
	clk.Advance(20 * time.Second)
	s := a.Snapshot()
	q := s.Queues[0]
	if q.Name != "centralino" || q.Waiting != 2 || q.OldestWait != 25*time.Second || q.LoggedIn != 3 || q.Paused != 1 ||
		q.Operators[OnCall] != 1 || q.Operators[Ringing] != 1 || q.Operators[Idle] != 1 || !q.Open {
		t.Errorf("queue snapshot %+v", q)
	}
	ops := s.Operators
	if ops[0].State != OnCall || ops[0].CallID != "1" || ops[0].Load != 1.0/3 || ops[0].Extension != "201" {
		t.Errorf("anna %+v", ops[0])
	}
	if ops[1].State != Ringing || ops[1].Offline != 1 || ops[1].Load != 2.0/5 {
		t.Errorf("bruno %+v", ops[1])
	}
	if ops[2].Status != Paused || ops[2].Reason != "pausa pranzo" {
		t.Errorf("carla %+v", ops[2])
	}
	for range 4 {
		clk.Advance(10 * time.Second)
		h.Sample(a)
	}
	voice := h.Samples(Voice)
	if len(voice) != 3 {
		t.Fatalf("%d voice samples kept, want 3", len(voice))
	}
	if last := voice[2]; last.Waiting != 2 || last.OldestWait != 65*time.Second {
		t.Errorf("last voice sample %+v", last)
	}
	if e := h.Samples(Email); len(e) != 3 || e[2].Waiting != 0 {
		t.Errorf("email samples %+v", e)
	}
}

func TestPopFromEvent(t *testing.T) {
	pop, ok := PopFromEvent(Event{Kind: EvRinging, CallID: "c", Operator: "anna", From: "06", Channel: Voice, Queue: "q", Wait: 7900 * time.Millisecond})
	if !ok || pop.WaitSeconds != 7 || pop.From != "06" {
		t.Errorf("pop %+v", pop)
	}
	if _, ok := PopFromEvent(Event{Kind: EvAnswered}); ok {
		t.Error("a pop from an answered event")
	}
}

func TestOperatorByExtension(t *testing.T) {
	a, _ := newTestACD(t, QueueConfig{Name: "q"}, OperatorConfig{ID: "anna", Extension: "201"})
	if id, ok := a.OperatorByExtension("201"); !ok || id != "anna" {
		t.Errorf("201 → %q %v", id, ok)
	}
	if _, ok := a.OperatorByExtension("999"); ok {
		t.Error("found an unknown extension")
	}
}

func TestBlock(t *testing.T) {
	a, _ := newTestACD(t, QueueConfig{Name: "q"})
	noErr(t, a.Block(ContactInfo{CallID: "x", From: "06"}, "q", "trunk full"))
	if err := a.Block(ContactInfo{CallID: "y"}, "nope", ""); err == nil {
		t.Error("blocked into an unknown queue")
	}
	ev := a.Log().Events(time.Time{}, time.Time{})
	if kindCount(ev, EvOffered) != 1 || kindCount(ev, EvBlocked) != 1 || kindCount(ev, EvQueued) != 0 || ev[len(ev)-1].Reason != "trunk full" {
		t.Errorf("log of a blocked call: %+v", ev)
	}
}
