package telephony

import (
	"context"
	"errors"
	"fmt"
	"sportello/internal/clock"
	"sportello/workcal"
	"strings"
	"testing"
	"time"
)

// t0 is a Monday at 10:00 in Rome, inside the default opening hours.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, clock.Rome())

func newTestACD(t testing.TB, q QueueConfig, ops ...OperatorConfig) (*ACD, *ManualClock) {
	t.Helper()
	clk := NewManualClock(t0)
	a := New(Config{Clock: clk})
	if err := a.AddQueue(q); err != nil {
		t.Fatal(err)
	}
	for _, o := range ops {
		if len(o.Queues) == 0 {
			o.Queues = []Membership{{Queue: q.Name}}
		}
		if o.Extension == "" {
			o.Extension = "2" + o.ID
		}
		if err := a.AddOperator(o); err != nil {
			t.Fatal(err)
		}
	}
	return a, clk
}

// mustT returns a helper that fails t on error and passes the actions through.
func mustT(t testing.TB) func([]Action, error) []Action {
	return func(acts []Action, err error) []Action {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return acts
	}
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// rung returns the operators that the actions ring, in order.
func rung(acts []Action) []string {
	var out []string
	for _, x := range acts {
		if x.Kind == ActRing {
			out = append(out, x.Operator)
		}
	}
	return out
}

func has(acts []Action, kind ActionKind) bool {
	for _, x := range acts {
		if x.Kind == kind {
			return true
		}
	}
	return false
}

func call(id string) ContactInfo {
	return ContactInfo{CallID: id, Channel: Voice, From: "+39 06 555" + id}
}

// TestStrategies checks who is rung for successive calls under each strategy (TEL-4). Each call
// is answered and hung up by the operator it rang before the next arrives.
func TestStrategies(t *testing.T) {
	ops := []OperatorConfig{{ID: "a"}, {ID: "b"}, {ID: "c"}}
	tests := []struct {
		strategy Strategy
		prepare  func(a *ACD, clk *ManualClock) // before the measured calls
		want     []string                       // operator rung for calls 1, 2, 3, 4
	}{
		{strategy: Linear, want: []string{"a", "a", "a", "a"}},
		{strategy: RoundRobin, want: []string{"a", "b", "c", "a"}},
		// Logged in c, b, a in that order, a second apart: c has been idle longest.
		{strategy: LongestIdle, want: []string{"c", "b", "a", "c"}},
		{strategy: FewestCalls, want: []string{"a", "b", "c", "a"}},
	}
	for _, tc := range tests {
		t.Run(string(tc.strategy), func(t *testing.T) {
			must := mustT(t)
			a, clk := newTestACD(t, QueueConfig{Name: "centralino", Strategy: tc.strategy}, ops...)
			for _, id := range []string{"c", "b", "a"} {
				must(a.Login(id))
				clk.Advance(time.Second)
			}
			var got []string
			for i := 1; i <= 4; i++ {
				id := fmt.Sprint("call", i)
				r := rung(must(a.Arrive(call(id), "centralino")))
				if len(r) != 1 {
					t.Fatalf("call %d rang %v, want one operator", i, r)
				}
				got = append(got, r[0])
				clk.Advance(2 * time.Second)
				must(a.OperatorAnswered(id, r[0]))
				clk.Advance(time.Minute)
				must(a.Hangup(id, ByCaller))
				clk.Advance(time.Second)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("rang %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRingAll(t *testing.T) {
	must := mustT(t)
	a, clk := newTestACD(t, QueueConfig{Name: "numero verde", Strategy: RingAll}, OperatorConfig{ID: "a"}, OperatorConfig{ID: "b"}, OperatorConfig{ID: "c"})
	must(a.Login("a"))
	must(a.Login("b"))
	acts := must(a.Arrive(call("1"), "numero verde"))
	if got := strings.Join(rung(acts), ","); got != "a,b" {
		t.Fatalf("rang %s, want a,b", got)
	}
	clk.Advance(3 * time.Second)
	acts = must(a.OperatorAnswered("1", "b"))
	if len(acts) != 2 || acts[0].Kind != ActStopRing || acts[0].Operator != "a" || acts[1].Kind != ActConnect || acts[1].Operator != "b" {
		t.Fatalf("answer actions = %+v", acts)
	}
	// a is free again and takes the next call alone.
	if got := rung(must(a.Arrive(call("2"), "numero verde"))); len(got) != 1 || got[0] != "a" {
		t.Fatalf("second call rang %v, want a", got)
	}
}

// TestPriorityThenAge checks the one score: priority first, then the oldest.
func TestPriorityThenAge(t *testing.T) {
	must := mustT(t)
	a, clk := newTestACD(t, QueueConfig{Name: "q", Strategy: Linear}, OperatorConfig{ID: "a"})
	for i, p := range []int{0, 5, 0, 5} {
		c := call(fmt.Sprint(i + 1))
		c.Priority = p
		must(a.Arrive(c, "q"))
		clk.Advance(time.Second)
	}
	var order []string
	must(a.Login("a"))
	for range 4 {
		s := a.Snapshot()
		id := s.Operators[0].CallID
		order = append(order, id)
		must(a.OperatorAnswered(id, "a"))
		must(a.Hangup(id, ByCaller))
	}
	if got := strings.Join(order, ","); got != "2,4,1,3" {
		t.Errorf("served %s, want 2,4,1,3", got)
	}
}

func TestPenaltyTiers(t *testing.T) {
	must := mustT(t)
	clk := NewManualClock(t0)
	a := New(Config{Clock: clk})
	noErr(t, a.AddQueue(QueueConfig{Name: "q"}))
	noErr(t, a.AddOperator(OperatorConfig{ID: "backup", Queues: []Membership{{Queue: "q", Penalty: 5}}}))
	noErr(t, a.AddOperator(OperatorConfig{ID: "main", Queues: []Membership{{Queue: "q", Penalty: 0}}}))
	must(a.Login("backup"))
	must(a.Login("main"))
	if r := rung(must(a.Arrive(call("1"), "q"))); len(r) != 1 || r[0] != "main" {
		t.Fatalf("first call rang %v, want main", r)
	}
	if r := rung(must(a.Arrive(call("2"), "q"))); len(r) != 1 || r[0] != "backup" {
		t.Fatalf("second call rang %v, want backup", r)
	}
}

// TestNoAnswerKeepsPlace: an unanswered ring puts the contact back at its place; after
// MaxMissedRings the operator is paused; after CallbackAfterRings the caller is offered a
// callback (TEL-7).
func TestNoAnswerKeepsPlace(t *testing.T) {
	must := mustT(t)
	a, clk := newTestACD(t, QueueConfig{Name: "q", RingTimeout: 10 * time.Second, CallbackAfterRings: 2},
		OperatorConfig{ID: "a"}, OperatorConfig{ID: "b"})
	must(a.Arrive(call("1"), "q"))
	clk.Advance(time.Second)
	must(a.Arrive(call("2"), "q"))
	must(a.Login("a"))
	clk.Advance(10 * time.Second)
	acts := a.Tick() // a misses call 1 and is rung again for the same call 1
	if r := rung(acts); len(r) != 1 || r[0] != "a" || acts[len(acts)-1].CallID != "1" {
		t.Fatalf("after the first timeout: %+v", acts)
	}
	clk.Advance(10 * time.Second)
	acts = a.Tick()
	if !has(acts, ActOfferCallback) {
		t.Errorf("no callback offer after two unanswered rings: %+v", acts)
	}
	clk.Advance(10 * time.Second)
	a.Tick()
	s := a.Snapshot()
	if s.Operators[0].Status != Paused || s.Operators[0].Reason != PauseNoAnswer {
		t.Errorf("operator a = %+v, want paused for no answer", s.Operators[0])
	}
	must(a.Login("b"))
	if s := a.Snapshot(); s.Operators[1].CallID != "1" {
		t.Errorf("b rings %q, want call 1 which kept its place", s.Operators[1].CallID)
	}
	var misses int
	for _, e := range a.Log().Events(time.Time{}, time.Time{}) {
		if e.Kind == EvNoAnswer {
			misses++
		}
	}
	if misses != 3 {
		t.Errorf("%d no-answer events, want 3", misses)
	}
}

func TestMaxWaitOverflow(t *testing.T) {
	must := mustT(t)
	for _, ov := range []Overflow{OverflowCallback, OverflowVoicemail} {
		a, clk := newTestACD(t, QueueConfig{Name: "q", Overflow: ov})
		must(a.Arrive(call("1"), "q"))
		clk.Advance(89 * time.Second)
		if acts := a.Tick(); len(acts) != 0 {
			t.Fatalf("%s: actions before the maximum wait: %+v", ov, acts)
		}
		clk.Advance(time.Second)
		acts := a.Tick()
		want := ActOfferCallback
		if ov == OverflowVoicemail {
			want = ActOfferVoicemail
		}
		if !has(acts, want) {
			t.Errorf("%s: actions %+v, want %s", ov, acts, want)
		}
		if s := a.Snapshot(); s.Queues[0].Waiting != 0 {
			t.Errorf("%s: %d still waiting", ov, s.Queues[0].Waiting)
		}
	}
}

func TestClosedAndFull(t *testing.T) {
	must := mustT(t)
	a, clk := newTestACD(t, QueueConfig{Name: "q", MaxLen: 1, Calendar: workcal.Default()})
	must(a.Arrive(call("1"), "q"))
	acts := must(a.Arrive(call("2"), "q"))
	if !has(acts, ActReject) {
		t.Errorf("second call into a full queue: %+v", acts)
	}
	clk.Set(time.Date(2026, 3, 2, 20, 0, 0, 0, clock.Rome()))
	acts = must(a.Arrive(call("3"), "q"))
	if len(acts) != 2 || acts[0].Prompt != SlotClosed || acts[1].Kind != ActOfferVoicemail {
		t.Errorf("out of hours: %+v", acts)
	}
}

func TestWrapUpAndTransfer(t *testing.T) {
	must := mustT(t)
	a, clk := newTestACD(t, QueueConfig{Name: "q", WrapUp: 20 * time.Second}, OperatorConfig{ID: "a"})
	must(a.Login("a"))
	must(a.Arrive(call("1"), "q"))
	must(a.OperatorAnswered("1", "a"))
	must(a.Arrive(call("2"), "q"))
	clk.Advance(time.Minute)
	acts := must(a.Transfer("1", "4321"))
	if len(acts) != 1 || acts[0].Kind != ActTransfer || acts[0].Extension != "4321" {
		t.Fatalf("transfer actions %+v", acts)
	}
	clk.Advance(19 * time.Second)
	if r := rung(a.Tick()); len(r) != 0 {
		t.Fatalf("rang %v during wrap-up", r)
	}
	clk.Advance(time.Second)
	if r := rung(a.Tick()); len(r) != 1 || r[0] != "a" {
		t.Fatalf("after wrap-up rang %v, want a", r)
	}
}

func TestAbandonWhileRinging(t *testing.T) {
	must := mustT(t)
	a, _ := newTestACD(t, QueueConfig{Name: "q", Strategy: RingAll}, OperatorConfig{ID: "a"}, OperatorConfig{ID: "b"})
	must(a.Login("a"))
	must(a.Login("b"))
	must(a.Arrive(call("1"), "q"))
	acts := must(a.Hangup("1", ByCaller))
	if n := len(acts); n != 2 || acts[0].Kind != ActStopRing || acts[1].Kind != ActStopRing {
		t.Fatalf("hangup while ringing: %+v", acts)
	}
	for _, o := range a.Snapshot().Operators {
		if o.State != Idle {
			t.Errorf("operator %s is %s, want idle", o.ID, o.State)
		}
	}
	if _, err := a.OperatorAnswered("1", "a"); !errors.Is(err, ErrUnknownCall) {
		t.Errorf("answering a gone call: %v", err)
	}
}

// TestBlended: an offline operator takes emails up to their capacity while voice goes to the
// online one (TK-7).
func TestBlended(t *testing.T) {
	must := mustT(t)
	clk := NewManualClock(t0)
	a := New(Config{Clock: clk})
	noErr(t, a.AddQueue(QueueConfig{Name: "voce"}))
	noErr(t, a.AddQueue(QueueConfig{Name: "posta", Offline: true}))
	noErr(t, a.AddOperator(OperatorConfig{ID: "blend", Queues: []Membership{{Queue: "voce"}, {Queue: "posta"}},
		Capacity: map[Channel]int{Voice: 1, Email: 2}}))
	must(a.Login("blend"))
	var delivered int
	for i := range 3 {
		acts := must(a.Arrive(ContactInfo{CallID: fmt.Sprint("m", i), Channel: Email, From: "a@b.it"}, "posta"))
		if has(acts, ActDeliver) {
			delivered++
		}
	}
	if delivered != 2 {
		t.Errorf("delivered %d emails, want 2 (capacity)", delivered)
	}
	if r := rung(must(a.Arrive(call("v"), "voce"))); len(r) != 1 {
		t.Errorf("voice call not rung to the blended operator while on emails")
	}
	if acts := must(a.Done("m0")); !has(acts, ActDeliver) {
		t.Errorf("finishing an email did not deliver the waiting one: %+v", acts)
	}
	if _, err := a.Arrive(ContactInfo{CallID: "x", Channel: Email}, "voce"); err == nil {
		t.Error("an email into a voice queue was accepted")
	}
}

// TestAnnouncements: waiting callers hear their position every AnnounceEvery (TEL-5); a
// priority caller enters ahead of the others.
func TestAnnouncements(t *testing.T) {
	must := mustT(t)
	a, clk := newTestACD(t, QueueConfig{Name: "q", AnnounceEvery: 30 * time.Second})
	must(a.Arrive(call("1"), "q"))
	must(a.Arrive(call("2"), "q"))
	vip := call("3")
	vip.Priority = 9
	must(a.Arrive(vip, "q"))
	clk.Advance(29 * time.Second)
	if acts := a.Tick(); len(acts) != 0 {
		t.Fatalf("announced early: %+v", acts)
	}
	clk.Advance(time.Second)
	var got []string
	for _, x := range a.Tick() {
		if x.Kind == ActPlay && x.Prompt == SlotPosition {
			got = append(got, fmt.Sprintf("%s@%d", x.CallID, x.Position))
		}
	}
	if strings.Join(got, ",") != "3@1,1@2,2@3" {
		t.Errorf("announcements %v", got)
	}
	var orig []int
	for _, e := range a.Log().Events(time.Time{}, time.Time{}) {
		if e.Kind == EvQueued {
			orig = append(orig, e.Position)
		}
	}
	if fmt.Sprint(orig) != "[1 2 1]" {
		t.Errorf("positions on entry %v, want [1 2 1]", orig)
	}
}

// TestConcurrentUse runs the ACD from several goroutines, as a SIP layer and the web page do;
// run with -race.
func TestConcurrentUse(t *testing.T) {
	a, clk := newTestACD(t, QueueConfig{Name: "q", Strategy: RingAll}, OperatorConfig{ID: "a"}, OperatorConfig{ID: "b"})
	a.Login("a")
	a.Login("b")
	done := make(chan bool)
	for g := range 4 {
		go func() {
			defer func() { done <- true }()
			for i := range 200 {
				id := fmt.Sprint(g, "-", i)
				acts, err := a.Arrive(call(id), "q")
				if err != nil {
					t.Error(err)
					return
				}
				for _, x := range acts {
					if x.Kind == ActRing {
						a.OperatorAnswered(id, x.Operator)
						break
					}
				}
				a.Hangup(id, ByCaller)
				a.Snapshot()
			}
		}()
	}
	go func() {
		for range 200 {
			clk.Advance(time.Second)
			a.Tick()
		}
		done <- true
	}()
	for range 5 {
		<-done
	}
	s := a.Snapshot()
	if s.Queues[0].Waiting != 0 {
		t.Errorf("%d contacts left waiting", s.Queues[0].Waiting)
	}
	for _, o := range s.Operators {
		if o.State != Idle {
			t.Errorf("operator %s left %s", o.ID, o.State)
		}
	}
}

// TestPauseWhileRinging: a ringing operator who pauses hands the call on at once; the call keeps
// its place and this does not count as an unanswered ring.
func TestPauseWhileRinging(t *testing.T) {
	must := mustT(t)
	a, _ := newTestACD(t, QueueConfig{Name: "q", CallbackAfterRings: 1}, OperatorConfig{ID: "a"}, OperatorConfig{ID: "b"})
	must(a.Login("a"))
	must(a.Arrive(call("1"), "q"))
	must(a.Login("b"))
	acts := must(a.Pause("a", "riunione"))
	if len(acts) != 2 || acts[0].Kind != ActStopRing || acts[0].Operator != "a" || acts[1].Kind != ActRing || acts[1].Operator != "b" {
		t.Fatalf("actions %+v", acts)
	}
	if _, err := a.OperatorAnswered("1", "a"); !errors.Is(err, ErrWrongState) {
		t.Errorf("paused operator answered: %v", err)
	}
	if _, err := a.Logout("b"); err != nil {
		t.Fatal(err)
	}
	if s := a.Snapshot(); s.Queues[0].Waiting != 1 {
		t.Errorf("call lost after logout: %+v", s.Queues[0])
	}
}

// TestCallControl covers the calls a SIP layer and the operator's page make: busy phone,
// unpause, placing a booked callback.
func TestCallControl(t *testing.T) {
	must := mustT(t)
	a, clk := newTestACD(t, QueueConfig{Name: "q"}, OperatorConfig{ID: "a"}, OperatorConfig{ID: "b"})
	a.maxMissed = 1
	must(a.Login("a"))
	must(a.Arrive(call("1"), "q"))
	// a's phone answers 486 Busy: a is paused at once (MaxMissedRings 1) and the call waits.
	acts := must(a.OperatorNoAnswer("1", "a"))
	if len(acts) != 1 || acts[0].Kind != ActStopRing {
		t.Fatalf("busy: %+v", acts)
	}
	if _, err := a.OperatorNoAnswer("1", "a"); !errors.Is(err, ErrWrongState) {
		t.Errorf("second busy for a call not ringing: %v", err)
	}
	if _, err := a.Unpause("b"); !errors.Is(err, ErrWrongState) {
		t.Errorf("unpausing a logged-out operator: %v", err)
	}
	acts = must(a.Unpause("a"))
	if r := rung(acts); len(r) != 1 || r[0] != "a" {
		t.Fatalf("after unpause: %+v", acts)
	}
	clk.Advance(5 * time.Second)
	must(a.OperatorAnswered("1", "a"))
	must(a.Hangup("1", ByOperator))

	// Placing a callback: a dials the citizen and is on call until hang-up.
	if _, err := a.PlaceCallback("b", "cb1", "0612345678", "q"); !errors.Is(err, ErrWrongState) {
		t.Errorf("logged-out operator placed a callback: %v", err)
	}
	acts = must(a.PlaceCallback("a", "cb1", "0612345678", "q"))
	if len(acts) != 1 || acts[0].Kind != ActDial || acts[0].Number != "0612345678" || acts[0].Extension != "2a" {
		t.Fatalf("callback actions %+v", acts)
	}
	if s := a.Snapshot(); s.Operators[0].State != OnCall || s.Operators[0].CallID != "cb1" {
		t.Errorf("operator during callback %+v", s.Operators[0])
	}
	clk.Advance(time.Minute)
	must(a.Hangup("cb1", ByOperator))
	// The figures (package sla) start a contact at an inbound offer or queueing: the callback
	// has neither.
	for _, e := range a.Log().Events(time.Time{}, time.Time{}) {
		if e.CallID == "cb1" && e.Direction != "out" && (e.Kind == EvOffered || e.Kind == EvQueued || e.Kind == EvBlocked || e.Kind == EvClosed) {
			t.Errorf("outbound callback logged as an inbound contact: %+v", e)
		}
	}
	if _, err := a.Transfer("nope", "100"); !errors.Is(err, ErrUnknownCall) {
		t.Errorf("transfer of an unknown call: %v", err)
	}
}

func TestRun(t *testing.T) {
	must := mustT(t)
	a, clk := newTestACD(t, QueueConfig{Name: "q", MaxWait: time.Second})
	must(a.Arrive(call("1"), "q"))
	clk.Advance(time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan []Action, 1)
	hist := NewWaitHistory(time.Second, 10)
	done := make(chan bool)
	go func() {
		a.Run(ctx, time.Millisecond, hist, func(acts []Action) { got <- acts })
		done <- true
	}()
	acts := <-got
	cancel()
	<-done
	if !has(acts, ActOfferCallback) {
		t.Errorf("Run delivered %+v", acts)
	}
	if len(hist.Channels()) == 0 {
		t.Error("Run did not sample the wait history")
	}
}
