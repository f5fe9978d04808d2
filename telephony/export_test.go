package telephony

import "testing"

// The scripted hour for the external test of its figures (figures_test.go): the figures are
// package sla's, which imports this package, so they are checked from outside it.
var (
	ScriptedHour = func(t *testing.T) *ACD { return scriptedHour(t) }
	T0           = t0
)
