package telephony

import (
	"fmt"
	"testing"
	"time"
)

// TestErlangCPublishedExample checks the calculator against the published example: 100 calls in
// 30 minutes, 180 s handle time, 20 s target, 14 operators.
func TestErlangCPublishedExample(t *testing.T) {
	m := ErlangC{Calls: 100, Interval: 30 * time.Minute, HandleTime: 180 * time.Second, Target: 20 * time.Second}
	if got := m.Traffic(); got != 10 {
		t.Fatalf("traffic = %v Erlang, want 10", got)
	}
	if got := fmt.Sprintf("%.4f", m.ProbWait(14)); got != "0.1741" {
		t.Errorf("probability of waiting = %s, want 0.1741", got)
	}
	if got := fmt.Sprintf("%.4f", m.ServiceLevel(14)); got != "0.8884" {
		t.Errorf("service level = %s, want 0.8884", got)
	}
	if got := fmt.Sprintf("%.2f", m.ASA(14).Seconds()); got != "7.84" {
		t.Errorf("ASA = %s s, want 7.84", got)
	}
}

func TestErlangCOperators(t *testing.T) {
	m := ErlangC{Calls: 100, Interval: 30 * time.Minute, HandleTime: 180 * time.Second, Target: 20 * time.Second}
	tests := []struct {
		target float64
		want   int
	}{
		{0.60, 12},
		{0.80, 14}, // 13 operators give 79.56%
		{0.88, 14},
		{0.90, 15},
		{0.97, 16},
	}
	for _, tc := range tests {
		n, err := m.Operators(tc.target)
		if err != nil || n != tc.want {
			t.Errorf("Operators(%v) = %d, %v; want %d", tc.target, n, err, tc.want)
		}
	}
	if _, err := m.Operators(1.5); err == nil {
		t.Error("a target above 100% was accepted")
	}
	if p := m.ProbWait(10); p != 1 {
		t.Errorf("ProbWait with operators = traffic is %v, want 1", p)
	}
}
