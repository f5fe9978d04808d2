package sla

import (
	"math"
	"testing"
	"time"

	"sportello/internal/clock"
)

// The overflow rule of §8.7: above +10 % of the planned volume, one point per 10 %, rounded.
func TestThresholdCut(t *testing.T) {
	for _, tc := range []struct {
		growth float64
		want   int
	}{
		{-0.5, 0}, {0, 0}, {0.05, 0}, {0.10, 0}, {0.1001, 1}, {0.12, 1}, {0.149, 1}, {0.15, 2}, {0.2, 2},
		{0.2997, 3}, {0.35, 4}, {0.999, 10}, {1.5, 15}, {math.NaN(), 0},
	} {
		if got := ThresholdCut(tc.growth); got != tc.want {
			t.Errorf("ThresholdCut(%v) = %d, want %d", tc.growth, got, tc.want)
		}
	}
	// The example: 200,000 a year planned, a 31-day month with +29.97 %.
	planned := Planned(DefaultPlanned, time.Date(2026, 10, 1, 0, 0, 0, 0, clock.Rome()),
		time.Date(2026, 11, 1, 0, 0, 0, 0, clock.Rome()), clock.Rome())
	if want := 200000.0 * 31 / 365; math.Abs(planned-want) > 1e-6 {
		t.Fatalf("planned October = %v, want %v", planned, want)
	}
	offered := int(math.Round(planned * 1.2997))
	g := Growth(offered, planned)
	if math.Abs(g-0.2997) > 0.0001 || ThresholdCut(g) != 3 {
		t.Errorf("growth %v, cut %d", g, ThresholdCut(g))
	}
	// A leap year's February, and a bimester across the year's end.
	if p := Planned(366, time.Date(2028, 2, 1, 0, 0, 0, 0, clock.Rome()), time.Date(2028, 3, 1, 0, 0, 0, 0, clock.Rome()), clock.Rome()); math.Abs(p-29) > 1e-9 {
		t.Errorf("leap February: %v", p)
	}
	if p := Planned(365, time.Date(2026, 12, 1, 0, 0, 0, 0, clock.Rome()), time.Date(2027, 2, 1, 0, 0, 0, 0, clock.Rome()), clock.Rome()); math.Abs(p-62) > 1e-9 {
		t.Errorf("December–January: %v", p)
	}
}

func f(v float64) *float64 { return &v }

// Deviations and penalty points: each point or fraction on the bad side (§7.4), thresholds
// eased by the overflow rule, C.3 a maximum, nothing measured → no value and no penalty.
func TestAssess(t *testing.T) {
	c2, _ := RuleByID("C.2")
	c3, _ := RuleByID("C.3")
	o3, _ := RuleByID("O.3")
	acd, _ := RuleByID("ACD.service")
	for _, tc := range []struct {
		name      string
		rule      Rule
		value     *float64
		cut       int
		threshold float64
		dev       float64
		penalty   int
		met       bool
	}{
		{"C.2 met exactly", c2, f(0.9), 0, 0.9, 0, 0, true},
		{"C.2 above", c2, f(0.953), 0, 0.9, 5.3, 0, true},
		{"C.2 a fraction below", c2, f(0.8999), 0, 0.9, -0.01, 1, false},
		{"C.2 2.7 below", c2, f(0.873), 0, 0.9, -2.7, 3, false},
		{"C.2 exactly 2 below", c2, f(0.88), 0, 0.9, -2, 2, false},
		{"C.2 eased by 3", c2, f(0.873), 3, 0.87, 0.3, 0, true},
		{"C.3 under the maximum", c3, f(0.031), 0, 0.05, 1.9, 0, true},
		{"C.3 over by 2.3", c3, f(0.073), 0, 0.05, -2.3, 3, false},
		{"C.3 eased by 3", c3, f(0.073), 3, 0.08, 0.7, 0, true},
		{"O.3 is 100%", o3, f(0.97), 0, 1, -3, 3, false},
		{"O.3 eased", o3, f(0.97), 3, 0.97, 0, 0, true},
		{"availability is not eased", acd, f(0.85), 3, 0.9, -5, 5, false},
	} {
		a := Assess(tc.rule, tc.value, 0, 0, tc.cut)
		if math.Abs(a.Threshold-tc.threshold) > 1e-9 || a.DeviationPoints == nil || math.Abs(*a.DeviationPoints-tc.dev) > 1e-9 ||
			a.PenaltyPoints != tc.penalty || a.Met == nil || *a.Met != tc.met {
			t.Errorf("%s: threshold %v deviation %v penalty %d met %v", tc.name, a.Threshold, deref(a.DeviationPoints), a.PenaltyPoints, a.Met)
		}
	}
	a := Assess(c2, nil, 0, 0, 0)
	if a.Value != nil || a.DeviationPoints != nil || a.Met != nil || a.PenaltyPoints != 0 {
		t.Errorf("not measured: %+v", a)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
