package telephony

import (
	"sportello/internal/clock"
	"testing"
	"time"
)

// TestDemoConfig: the embedded demo configuration is valid, builds an ACD with an operator for
// each console account, and its voice queues are open on a Sunday night too.
func TestDemoConfig(t *testing.T) {
	s, err := ParseConfig("democonfig.json", DemoConfig)
	if err != nil {
		t.Fatal(err)
	}
	sunday := time.Date(2026, 3, 1, 23, 0, 0, 0, clock.Rome())
	a, err := s.Build(NewManualClock(sunday), nil)
	if err != nil {
		t.Fatal(err)
	}
	sn := a.Snapshot()
	if len(sn.Operators) != 4 || len(sn.Queues) != 3 {
		t.Fatalf("demo ACD: %d operators, %d queues", len(sn.Operators), len(sn.Queues))
	}
	for _, q := range sn.Queues {
		if !q.Open {
			t.Errorf("queue %s closed on Sunday night in the demo", q.Name)
		}
	}
}
