package telephony

import (
	"testing"
	"time"
)

// events returns the kinds of the log's events for call id, in order.
func kindsOf(a *ACD, id string) []EventKind {
	var out []EventKind
	for _, e := range a.Log().Events(time.Time{}, time.Time{}) {
		if e.CallID == id {
			out = append(out, e.Kind)
		}
	}
	return out
}

func countKind(a *ACD, kind EventKind) int {
	n := 0
	for _, e := range a.Log().Events(time.Time{}, time.Time{}) {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// A contact queued with AwaitReady is not rung before the media layer says the welcome has been
// heard, keeps the place it had from its arrival, and is told its position and expected wait
// when it must wait (issue 18 items 1 and 6).
func TestAwaitReadyHoldsUntilWelcomeHeard(t *testing.T) {
	must := mustT(t)
	a, clk := newTestACD(t, QueueConfig{Name: "q", WrapUp: 10 * time.Second, MaxWait: time.Hour}, OperatorConfig{ID: "a"})
	must(a.Login("a"))
	c1 := call("1")
	c1.AwaitReady = true
	acts := must(a.Arrive(c1, "q"))
	if len(acts) != 1 || acts[0].Prompt != SlotWelcome {
		t.Fatalf("arrival with AwaitReady: %+v, want only the welcome", acts)
	}
	if r := rung(a.Tick()); len(r) != 0 {
		t.Fatalf("rang %v during the welcome", r)
	}
	if s := a.Snapshot(); s.Queues[0].Waiting != 1 {
		t.Fatalf("snapshot: %d waiting, want the caller hearing the welcome", s.Queues[0].Waiting)
	}
	// A second caller arrives during the first one's welcome, and is ready first: the first
	// keeps its place because it arrived first.
	clk.Advance(time.Second)
	c2 := call("2")
	c2.AwaitReady = true
	must(a.Arrive(c2, "q"))
	acts = must(a.Ready("2"))
	if r := rung(acts); len(r) != 1 {
		t.Fatalf("ready with a free operator: %+v", acts)
	}
	acts = must(a.Ready("1"))
	if len(acts) != 1 || acts[0].Prompt != SlotPosition || acts[0].Position != 2 || acts[0].ExpectedWait != 0 {
		t.Fatalf("ready behind a ringing call: %+v, want position 2 with no estimate yet", acts)
	}
	must(a.OperatorAnswered("2", "a"))
	clk.Advance(170 * time.Second)
	must(a.Hangup("2", ByCaller)) // handle time 170 s + 10 s wrap-up: the first estimate
	clk.Advance(10 * time.Second)
	if r := rung(a.Tick()); len(r) != 1 {
		t.Fatalf("after wrap-up rang %v", r)
	}
	must(a.OperatorAnswered("1", "a"))
	c3 := call("3")
	c3.AwaitReady = true
	must(a.Arrive(c3, "q"))
	acts = must(a.Ready("3"))
	if len(acts) != 1 || acts[0].Position != 1 || acts[0].ExpectedWait != 180*time.Second {
		t.Fatalf("expected wait: %+v, want position 1 and 3 minutes (one operator, 180 s per call)", acts)
	}
	// A late Ready is harmless; a caller hanging up during the welcome is abandoned.
	if _, err := a.Ready("3"); err != nil {
		t.Fatal(err)
	}
	c4 := call("4")
	c4.AwaitReady = true
	must(a.Arrive(c4, "q"))
	must(a.Hangup("4", ByCaller))
	if k := kindsOf(a, "4"); len(k) != 3 || k[2] != EvAbandoned {
		t.Fatalf("hangup during the welcome: %v", k)
	}
	// A media layer that never says Ready delays the contact by maxWelcome, no more.
	c5 := call("5")
	c5.AwaitReady = true
	must(a.Arrive(c5, "q"))
	clk.Advance(maxWelcome)
	acts = a.Tick()
	found := false
	for _, x := range acts {
		found = found || x.CallID == "5" && x.Prompt == SlotPosition
	}
	if !found {
		t.Fatalf("contact never ready: %+v", acts)
	}
}

// Transfers (TEL-8): the operator stays on the call until the media layer reports the outcome;
// a failed transfer leaves the call with the operator and is logged as transfer-failed, so the
// statistics never count it as transferred; an attended transfer can be completed or cancelled.
func TestTransferOutcomes(t *testing.T) {
	must := mustT(t)
	a, clk := newTestACD(t, QueueConfig{Name: "q"}, OperatorConfig{ID: "a", Extension: "201"})
	a.ReportTransfers()
	must(a.Login("a"))
	must(a.Arrive(call("1"), "q"))
	must(a.OperatorAnswered("1", "a"))
	clk.Advance(time.Minute)

	acts := must(a.Transfer("1", "3001"))
	if len(acts) != 1 || acts[0].Kind != ActTransfer || acts[0].Extension != "3001" {
		t.Fatalf("blind transfer: %+v", acts)
	}
	if _, err := a.Consult("1", "3002"); err == nil {
		t.Fatal("a second transfer while one is under way was accepted")
	}
	must(a.TransferResult("1", TransferFailed, "486 Busy Here"))
	if s := a.Snapshot(); s.Operators[0].State != OnCall {
		t.Fatalf("after a failed transfer the operator is %s, want on-call", s.Operators[0].State)
	}
	acts = must(a.Consult("1", "3002"))
	if len(acts) != 1 || acts[0].Kind != ActConsult {
		t.Fatalf("consult: %+v", acts)
	}
	if acts := must(a.CancelTransfer("1")); len(acts) != 1 || acts[0].Kind != ActCancelXfer {
		t.Fatalf("cancel: %+v", acts)
	}
	must(a.TransferResult("1", TransferCancelled, "operator"))
	if _, err := a.CompleteTransfer("1"); err == nil {
		t.Fatal("complete without a transfer under way was accepted")
	}
	must(a.Consult("1", "3003"))
	if acts := must(a.CompleteTransfer("1")); len(acts) != 1 || acts[0].Kind != ActCompleteXfer || acts[0].Extension != "3003" {
		t.Fatalf("complete: %+v", acts)
	}
	must(a.TransferResult("1", TransferDone, ""))
	if s := a.Snapshot(); s.Operators[0].State != Idle {
		t.Fatalf("after the transfer the operator is %s", s.Operators[0].State)
	}
	want := []EventKind{EvOffered, EvQueued, EvRinging, EvAnswered, EvTransferStarted, EvTransferFailed,
		EvTransferStarted, EvTransferCancel, EvTransferStarted, EvTransferred}
	if got := kindsOf(a, "1"); len(got) != len(want) {
		t.Fatalf("events %v, want %v", got, want)
	} else {
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("events %v, want %v", got, want)
			}
		}
	}
	if n := countKind(a, EvTransferred); n != 1 {
		t.Fatalf("the log has %d transfers, want 1 (failed and cancelled ones are not transfers)", n)
	}

	// The caller hangs up while the target rings: the transfer is logged as failed, then the
	// call as completed.
	must(a.Arrive(call("2"), "q"))
	must(a.OperatorAnswered("2", "a"))
	must(a.Transfer("2", "3001"))
	must(a.Hangup("2", ByCaller))
	if k := kindsOf(a, "2"); k[len(k)-2] != EvTransferFailed || k[len(k)-1] != EvCompleted {
		t.Fatalf("hangup during a transfer: %v", k)
	}

	// The operator left during a transfer that then failed: the caller goes back to the queue
	// with its place, and is rung again.
	must(a.Arrive(call("3"), "q"))
	must(a.OperatorAnswered("3", "a"))
	must(a.Transfer("3", "3001"))
	must(a.TransferResult("3", TransferFailed, "no answer"))
	acts = must(a.ReturnToQueue("3", "operator gone"))
	if r := rung(acts); len(r) != 1 || r[0] != "a" {
		t.Fatalf("back in the queue: %+v", acts)
	}
	if n := countKind(a, EvRequeued); n != 1 {
		t.Fatalf("%d requeued events", n)
	}
}

// A placed callback carries its booking reference and its outcome (TEL-7).
func TestCallbackResult(t *testing.T) {
	must := mustT(t)
	a, _ := newTestACD(t, QueueConfig{Name: "q"}, OperatorConfig{ID: "a", Extension: "201"})
	must(a.Login("a"))
	acts := must(a.PlaceCallbackFor("a", "cb-1", "3331112222", "q", "ticket 7 callback 3"))
	if len(acts) != 1 || acts[0].Kind != ActDial {
		t.Fatalf("%+v", acts)
	}
	if err := a.CallbackResult("cb-1", "no-answer"); err != nil {
		t.Fatal(err)
	}
	must(a.Hangup("cb-1", ByOperator))
	var outcome Event
	for _, e := range a.Log().Events(time.Time{}, time.Time{}) {
		if e.Kind == EvCallbackOutcome {
			outcome = e
		}
		if e.CallID == "cb-1" && e.Ref != "ticket 7 callback 3" && e.Kind != EvLogin {
			t.Errorf("%s event without the booking reference", e.Kind)
		}
	}
	if outcome.Reason != "no-answer" || outcome.To != "3331112222" || outcome.Operator != "a" {
		t.Fatalf("outcome event %+v", outcome)
	}
}
