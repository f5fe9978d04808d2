package sla

import (
	"math"
	"time"
)

// Rule is one service level of the contract (seed 002 §7; SLA-1…SLA-3).
type Rule struct {
	ID    string `json:"id"`
	Label string `json:"label"` // Italian, for reports
	// Max: the figure must stay at or below Threshold (C.3); otherwise at or above it.
	Max       bool    `json:"max,omitempty"`
	Threshold float64 `json:"threshold"` // a fraction
	// Eased: the overflow rule (§8.7) lowers this threshold when the volume grows; the
	// infrastructure's availability does not depend on the volume.
	Eased bool `json:"eased,omitempty"`
}

// ServiceLevels are the SLAs of §7.2 and §7.3, measured monthly.
var ServiceLevels = []Rule{
	{ID: "C.1", Label: "Contatti che trovano la linea libera e accedono al messaggio di benvenuto", Threshold: 0.90, Eased: true},
	{ID: "C.2", Label: "Chiamate in coda con risposta entro 30 secondi (nessuna oltre 90)", Threshold: 0.90, Eased: true},
	{ID: "C.3", Label: "Chiamate abbandonate in attesa di risposta", Max: true, Threshold: 0.05, Eased: true},
	{ID: "C.4", Label: "Chiamate risolte al primo contatto", Threshold: 0.80, Eased: true},
	{ID: "O.1", Label: "Richieste off-line prese in carico entro 4 ore lavorative", Threshold: 0.80, Eased: true},
	{ID: "O.2", Label: "Richieste off-line risolte entro 24 ore lavorative", Threshold: 0.80, Eased: true},
	{ID: "O.3", Label: "Richieste off-line risolte entro 48 ore lavorative", Threshold: 1.00, Eased: true},
}

// Infrastructure are the availability SLAs of §7.1 (SLA-1), measured monthly.
var Infrastructure = []Rule{
	{ID: "ACD.service", Label: "ACD: funzionamento nel service time", Threshold: 0.90},
	{ID: "ACD.other", Label: "ACD: funzionamento nelle restanti fasce orarie", Threshold: 0.85},
	{ID: "IVR", Label: "IVR: funzionamento H24 7x7", Threshold: 0.95},
	{ID: "CTI.service", Label: "CTI: funzionamento nel service time", Threshold: 0.90},
	{ID: "CTI.other", Label: "CTI: funzionamento nelle restanti fasce orarie", Threshold: 0.85},
}

// RuleByID returns the rule of an SLA id (C.1 … O.3, ACD.service … CTI.other).
func RuleByID(id string) (Rule, bool) {
	for _, list := range [][]Rule{ServiceLevels, Infrastructure} {
		for _, r := range list {
			if r.ID == id {
				return r, true
			}
		}
	}
	return Rule{}, false
}

// DefaultPlanned is the planned volume: about 200,000 contacts a year (§4.1.2, SLA-8).
const DefaultPlanned = 200000

// Planned pro-rates an annual volume to [from, to) by days: a month gets its days' share of
// its year (365 or 366 days).
func Planned(annual float64, from, to time.Time, loc *time.Location) float64 {
	var total float64
	from, to = from.In(loc), to.In(loc)
	for d := dayStart(from); d.Before(to); d = d.AddDate(0, 0, 1) {
		days := 365.0
		if y := d.Year(); y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			days = 366
		}
		// A day cut by the period's bounds counts for its part (DST days included).
		a, b := d, d.AddDate(0, 0, 1)
		length := b.Sub(a)
		if a.Before(from) {
			a = from
		}
		if b.After(to) {
			b = to
		}
		total += annual / days * float64(b.Sub(a)) / float64(length)
	}
	return total
}

// Growth is offered / planned − 1: how far the volume went beyond the planned one (§8.7).
func Growth(offered int, planned float64) float64 {
	if planned <= 0 {
		return 0
	}
	return float64(offered)/planned - 1
}

// ThresholdCut is the overflow rule (§8.7): when the volume exceeds the planned one by more
// than 10 %, each eased threshold drops by one point per 10 % of growth, rounded to the
// nearest whole point: +29.97 % → 3 points, +12 % → 1, +15 % → 2, +10 % → 0.
func ThresholdCut(growth float64) int {
	if !(growth > 0.10) {
		return 0
	}
	return int(math.Round(growth * 10))
}

// Assessment is one SLA of a report: the measured value, the threshold after the overflow
// rule, the deviation and the penalty points.
type Assessment struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	// Value is the measured fraction, 0–1; null when there was nothing to measure.
	Value *float64 `json:"value"`
	// Threshold is the contractual threshold after the overflow rule; BaseThreshold before it.
	Threshold     float64 `json:"threshold"`
	BaseThreshold float64 `json:"baseThreshold"`
	Direction     string  `json:"direction"` // "min": at least the threshold; "max": at most
	// DeviationPoints is the distance from the threshold in percentage points, positive on
	// the good side, negative on the bad one (C.3 at 7 % against 5 % is −2).
	DeviationPoints *float64 `json:"deviationPoints"`
	// PenaltyPoints counts each point or fraction of a point on the bad side (§7.4): −2.3
	// points are 3 penalty points.
	PenaltyPoints int   `json:"penaltyPoints"`
	Met           *bool `json:"met"`
	// Numerator and Denominator are the counts behind the value.
	Numerator   int64  `json:"numerator"`
	Denominator int64  `json:"denominator"`
	Note        string `json:"note,omitempty"` // Italian, e.g. calls answered after 90 s
}

// Assess rates a measured value (nil: not measured) against a rule, with the overflow rule's
// cut in points.
func Assess(r Rule, value *float64, num, den int64, cut int) Assessment {
	a := Assessment{ID: r.ID, Label: r.Label, Value: value, Threshold: r.Threshold, BaseThreshold: r.Threshold,
		Direction: "min", Numerator: num, Denominator: den}
	if r.Max {
		a.Direction = "max"
	}
	if r.Eased && cut > 0 {
		if r.Max {
			a.Threshold = math.Min(1, r.Threshold+float64(cut)/100)
		} else {
			a.Threshold = math.Max(0, r.Threshold-float64(cut)/100)
		}
		a.Threshold = math.Round(a.Threshold*1e6) / 1e6
	}
	if value == nil {
		return a
	}
	dev := (*value - a.Threshold) * 100
	if r.Max {
		dev = -dev
	}
	dev = math.Round(dev*1e6) / 1e6 // float noise: 0.9 − 0.9 is not −1e-17
	shown := math.Round(dev*100) / 100
	a.DeviationPoints = &shown
	met := dev >= 0
	a.Met = &met
	if dev < 0 {
		a.PenaltyPoints = int(math.Ceil(-dev))
	}
	return a
}
