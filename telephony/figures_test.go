package telephony_test

import (
	"math"
	"testing"
	"time"

	"sportello/sla"
	"sportello/telephony"
)

// TestScriptedHourFigures: the contract's figures (package sla) of the ACD's own log of the
// scripted hour (scriptedHour): five calls entered the queue and one was refused at its door;
// one answered within 30 s and one after; one abandoned within 30 s, one after; one left at the
// maximum wait for the callback.
func TestScriptedHourFigures(t *testing.T) {
	a := telephony.ScriptedHour(t)
	t0 := telephony.T0
	r := sla.Compute(a.Log().Events(time.Time{}, time.Time{}), t0, t0.Add(time.Hour), sla.Options{})
	o := r.Overall
	if o.Offered != 5 || o.Blocked != 1 || o.Answered != 2 || o.AnsweredUnder != 1 || o.Abandoned != 2 || o.AbandonedUnder != 1 ||
		o.Overflowed != 1 || o.OverflowedUnder != 0 || o.OverflowCallback != 1 || o.Unfinished != 0 || o.LongestWaitSeconds != 90 {
		t.Errorf("counts %+v", o.Counts)
	}
	check := func(name string, got *float64, want float64) {
		t.Helper()
		if got == nil || math.Abs(*got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("mean answer", o.MeanAnswer, 25)
	check("mean talk", o.MeanTalk, 90)
	// Staffed: anna 3600 s, bruno 3545 s within the hour; talk 180 s and wrap-up 20 s.
	check("occupancy", o.Occupancy, 200.0/7145)
	// Customer formula: 1 − (1 answered late + 1 abandoned late + 1 overflowed late) / (5 − 1).
	check("SLA-7", o.SLA7, 0.25)
	check("C.1", o.C1, 5.0/6)
	check("C.2", o.C2, 0.5)
	check("C.3", o.C3, 0.4)
	// A period that ends before the calls were offered counts none of them.
	if early := sla.Compute(a.Log().Events(time.Time{}, time.Time{}), t0, t0.Add(time.Second), sla.Options{}); early.Overall.Offered != 0 {
		t.Errorf("offered before t0+1s = %d, want 0", early.Overall.Offered)
	}
}
