package telephony

import (
	"fmt"
	"testing"
	"time"
)

// checkInvariants verifies the ACD's internal bookkeeping; any violation is a routing bug that
// would show up as a stuck call or a phone ringing for nothing.
func checkInvariants(a *ACD) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, q := range a.qorder {
		for i, c := range q.waiting {
			if c.state != csQueued || c.index != i || c.q != q {
				return fmt.Errorf("queue %s: contact %s at %d has state %d index %d", q.cfg.Name, c.info.CallID, i, c.state, c.index)
			}
			if a.contacts[c.info.CallID] != c {
				return fmt.Errorf("waiting contact %s not in the contact table", c.info.CallID)
			}
		}
		for c := range q.welcome {
			if c.state != csWelcome || c.q != q || a.contacts[c.info.CallID] != c {
				return fmt.Errorf("queue %s: welcome contact %s in state %d", q.cfg.Name, c.info.CallID, c.state)
			}
		}
		idle := 0
		for _, m := range q.members {
			if m.op.idleLive() {
				idle++
				if m.idleIdx < 0 || q.idle[m.idleIdx] != m {
					return fmt.Errorf("queue %s: idle operator %s missing from the idle list", q.cfg.Name, m.op.cfg.ID)
				}
			} else if m.idleIdx >= 0 {
				return fmt.Errorf("queue %s: busy operator %s in the idle list", q.cfg.Name, m.op.cfg.ID)
			}
		}
		if idle != len(q.idle) {
			return fmt.Errorf("queue %s: %d idle members, list of %d", q.cfg.Name, idle, len(q.idle))
		}
		// No contact waits while an operator that could take it is idle.
		if len(q.waiting) > 0 && !q.cfg.Offline {
			for _, m := range q.idle {
				if m.op.free(q.waiting[0].info.Channel) {
					return fmt.Errorf("queue %s: %s waits while %s is free", q.cfg.Name, q.waiting[0].info.CallID, m.op.cfg.ID)
				}
			}
		}
	}
	for c := range a.ringing {
		if c.state != csRinging || len(c.ringing) == 0 {
			return fmt.Errorf("ringing contact %s in state %d with %d phones", c.info.CallID, c.state, len(c.ringing))
		}
		for o := range c.ringing {
			if o.call != c || o.state != Ringing {
				return fmt.Errorf("contact %s rings %s, who is %s on %v", c.info.CallID, o.cfg.ID, o.state, o.call != nil)
			}
		}
	}
	for _, o := range a.oporder {
		switch o.state {
		case Ringing:
			if o.call == nil || o.call.state != csRinging || o.call.ringing[o].IsZero() {
				return fmt.Errorf("operator %s ringing for nothing", o.cfg.ID)
			}
		case OnCall:
			if o.call == nil || o.call.state != csTalking || o.call.op != o {
				return fmt.Errorf("operator %s on a call that is not theirs", o.cfg.ID)
			}
		default:
			if o.call != nil {
				return fmt.Errorf("operator %s is %s but holds call %s", o.cfg.ID, o.state, o.call.info.CallID)
			}
		}
		if o.status == LoggedOut && o.state != Idle {
			return fmt.Errorf("logged-out operator %s is %s", o.cfg.ID, o.state)
		}
	}
	return nil
}

// FuzzACD drives the ACD with random sequences of the calls a SIP layer makes and checks the
// invariants after each one. Errors from the ACD are expected (wrong state, unknown call); a
// panic or a broken invariant is not.
func FuzzACD(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Add([]byte{0, 0, 16, 16, 32, 2, 3, 3, 3, 9, 9, 9, 9, 4, 5})
	f.Add([]byte("arrive-login-answer-hangup-tick-pause-unpause-transfer-callback"))
	f.Fuzz(runFuzzACD)
}

func runFuzzACD(t *testing.T, ops []byte) {
	for _, strategy := range []Strategy{LongestIdle, RingAll} {
		clk := NewManualClock(t0)
		a := New(Config{Clock: clk, MaxMissedRings: 2})
		if strategy == RingAll {
			a.ReportTransfers()
		}
		a.AddQueue(QueueConfig{Name: "q", Strategy: strategy, MaxLen: 4, RingTimeout: 3 * time.Second, WrapUp: 2 * time.Second,
			MaxWait: 20 * time.Second, AnnounceEvery: 5 * time.Second, CallbackAfterRings: 2})
		a.AddQueue(QueueConfig{Name: "mail", Offline: true})
		for i := range 3 {
			a.AddOperator(OperatorConfig{ID: fmt.Sprint("o", i), Extension: fmt.Sprint(200 + i),
				Queues:   []Membership{{Queue: "q", Penalty: i / 2}, {Queue: "mail"}},
				Capacity: map[Channel]int{Voice: 1, Email: i}})
		}
		for i, b := range ops {
			op := fmt.Sprint("o", int(b>>4)%3)
			id := fmt.Sprint("c", int(b>>4)%5)
			var err error
			switch b % 16 {
			case 0:
				_, err = a.Arrive(ContactInfo{CallID: fmt.Sprint("n", i), Channel: Voice, From: "06", Priority: int(b >> 6), AwaitReady: b&0x20 != 0}, "q")
			case 1:
				_, err = a.Login(op)
			case 2:
				_, err = a.Logout(op)
			case 3:
				_, err = a.OperatorAnswered(fmt.Sprint("n", int(b>>4)%len(ops)), op)
			case 4:
				_, err = a.OperatorNoAnswer(fmt.Sprint("n", int(b>>4)%len(ops)), op)
			case 5:
				_, err = a.Hangup(fmt.Sprint("n", int(b>>4)%len(ops)), Party([]string{"caller", "operator"}[b>>7]))
			case 6:
				clk.Advance(time.Duration(b>>4+1) * time.Second)
				a.Tick()
			case 7:
				_, err = a.Pause(op, "p")
			case 8:
				_, err = a.Unpause(op)
			case 9:
				_, err = a.Transfer(fmt.Sprint("n", int(b>>4)%len(ops)), "100")
			case 10:
				_, _, err = a.AcceptCallback(fmt.Sprint("n", int(b>>4)%len(ops)))
			case 11:
				_, err = a.Arrive(ContactInfo{CallID: id + fmt.Sprint(i), Channel: Email, From: "x@y"}, "mail")
			case 12:
				_, err = a.PlaceCallback(op, fmt.Sprint("n", i), "06", "q")
			case 13:
				_, err = a.Ready(fmt.Sprint("n", int(b>>4)%len(ops)))
			case 14:
				outcome := []TransferOutcome{TransferDone, TransferFailed, TransferCancelled, TransferDone}[b>>6]
				_, err = a.TransferResult(fmt.Sprint("n", int(b>>4)%len(ops)), outcome, "")
			case 15:
				if b&0x80 != 0 {
					_, err = a.ReturnToQueue(fmt.Sprint("n", int(b>>4)%len(ops)), "x")
				} else {
					_, err = a.Consult(fmt.Sprint("n", int(b>>4)%len(ops)), "100")
				}
			}
			_ = err
			if err := checkInvariants(a); err != nil {
				t.Fatalf("%s: after op %d (%d): %v", strategy, i, b%16, err)
			}
		}
		a.Snapshot()
	}
}
