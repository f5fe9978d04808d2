package telephony

import (
	"fmt"
	"testing"
	"time"
)

// benchACD builds a queue with nOps operators, all logged in and on a call, and nWaiting
// contacts waiting behind them.
func benchACD(b *testing.B, strategy Strategy, nOps, nWaiting int) (*ACD, *ManualClock, []string) {
	b.Helper()
	clk := NewManualClock(t0)
	a := New(Config{Clock: clk})
	if err := a.AddQueue(QueueConfig{Name: "centralino", Strategy: strategy, MaxWait: 1000 * time.Hour}); err != nil {
		b.Fatal(err)
	}
	calls := make([]string, nOps) // the call each operator is on
	for i := range nOps {
		id := fmt.Sprint("op", i)
		if err := a.AddOperator(OperatorConfig{ID: id, Extension: fmt.Sprint(1000 + i), Queues: []Membership{{Queue: "centralino", Penalty: i % 3}}}); err != nil {
			b.Fatal(err)
		}
		if _, err := a.Login(id); err != nil {
			b.Fatal(err)
		}
		calls[i] = fmt.Sprint("busy", i)
		if _, err := a.Arrive(ContactInfo{CallID: calls[i], From: "06"}, "centralino"); err != nil {
			b.Fatal(err)
		}
		if _, err := a.OperatorAnswered(calls[i], id); err != nil {
			b.Fatal(err)
		}
	}
	for i := range nWaiting {
		clk.Advance(time.Millisecond)
		if _, err := a.Arrive(ContactInfo{CallID: fmt.Sprint("wait", i), From: "06", Priority: i % 4}, "centralino"); err != nil {
			b.Fatal(err)
		}
	}
	return a, clk, calls
}

// BenchmarkRouting measures routing decisions with 1,000 operators and 10,000 queued contacts:
// each iteration an operator ends a call, the ACD picks the best waiting contact (heap) and the
// operator for it (strategy), rings and connects; a new contact arrives to keep the queue full.
func BenchmarkRouting(b *testing.B) {
	for _, s := range []Strategy{Linear, LongestIdle, FewestCalls, RoundRobin, RingAll} {
		b.Run(string(s), func(b *testing.B) {
			a, clk, calls := benchACD(b, s, 1000, 10000)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%20000 == 0 {
					b.StopTimer()
					a.log = NewEventLog() // keep memory flat over millions of iterations
					b.StartTimer()
				}
				k := i % len(calls)
				op := fmt.Sprint("op", k)
				clk.Advance(time.Millisecond)
				acts, err := a.Hangup(calls[k], ByCaller)
				if err != nil {
					b.Fatal(err)
				}
				var next string
				for _, x := range acts {
					if x.Kind == ActRing && x.Operator == op {
						next = x.CallID
					}
				}
				if next == "" {
					b.Fatalf("iteration %d: no contact routed to %s: %+v", i, op, acts)
				}
				if _, err := a.OperatorAnswered(next, op); err != nil {
					b.Fatal(err)
				}
				calls[k] = next
				if _, err := a.Arrive(ContactInfo{CallID: fmt.Sprint("new", i), From: "06"}, "centralino"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
		})
	}
}

// BenchmarkTick measures the periodic deadline check with 10,000 contacts waiting and nothing
// due, the common case between two ticks.
func BenchmarkTick(b *testing.B) {
	a, clk, _ := benchACD(b, LongestIdle, 1000, 10000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clk.Advance(time.Microsecond)
		if acts := a.Tick(); len(acts) != 0 {
			b.Fatalf("unexpected actions %+v", acts[0])
		}
	}
}

// BenchmarkArriveIdle measures routing a new call when 1,000 operators are all idle: the
// strategy compares every one of them.
func BenchmarkArriveIdle(b *testing.B) {
	for _, s := range []Strategy{Linear, LongestIdle, FewestCalls, RoundRobin} {
		b.Run(string(s), func(b *testing.B) {
			a, clk, _ := benchACD(b, s, 0, 0)
			for i := range 1000 {
				id := fmt.Sprint("idle", i)
				a.AddOperator(OperatorConfig{ID: id, Queues: []Membership{{Queue: "centralino"}}})
				a.Login(id)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%20000 == 0 {
					b.StopTimer()
					a.log = NewEventLog()
					b.StartTimer()
				}
				clk.Advance(time.Millisecond)
				id := fmt.Sprint("c", i)
				acts, err := a.Arrive(ContactInfo{CallID: id, From: "06"}, "centralino")
				if err != nil || len(rung(acts)) != 1 {
					b.Fatalf("%v %+v", err, acts)
				}
				a.Hangup(id, ByCaller) // abandoned while ringing: the operator is idle again
			}
		})
	}
}
