package telephony

import (
	"sort"
	"time"
)

// Stats are the SLA figures of a period (SLA-2, SLA-7), computed from the event log. Counts are
// of inbound contacts whose offer falls in the period; "offered" for the percentage formulas is
// Queued, the contacts that found a line and entered a queue.
//
// Deprecated: the contract's figures are defined once in package sla (sla.Compute,
// sla.Reporter), which the reports and the CLI use. Stats stays only for the /statistiche page
// and /api/cti/stats until they move to sla; it answers 100 % for C.2 when no call was
// answered, which sla does not. Do not add callers.
type Stats struct {
	From, To  time.Time
	Threshold time.Duration // the service-level threshold, 30 s
	MaxWait   time.Duration // the "none over" limit of C.2, 90 s

	Offered          int // reached the ACD in hours or not
	Closed           int // out of hours
	Blocked          int // no free line (queue full)
	Queued           int
	Answered         int
	AnsweredWithin   int // within Threshold
	AnsweredWithin90 int // within MaxWait
	AbandonedShort   int // abandoned within Threshold
	AbandonedLong    int // abandoned after Threshold
	Overflowed       int // left at the maximum wait or chose a callback
	OverflowedLong   int // of which after Threshold
	Transferred      int
	Voicemails       int
	CallbacksBooked  int

	LongestWait time.Duration
	ASA         time.Duration // average speed of answer
	AvgTalk     time.Duration
	AvgHandle   time.Duration // talk plus wrap-up
	Occupancy   float64       // handle time over available staffed time, 0…1
}

// Formula selects one of the service-level figures.
type Formula string

const (
	FormulaC1          Formula = "C.1"          // % of contacts that found a free line
	FormulaC2          Formula = "C.2"          // % of answered calls answered within the threshold
	FormulaC3          Formula = "C.3"          // % of queued calls abandoned (lower is better)
	FormulaAsteriskSL  Formula = "asterisk-sl"  // Asterisk servicelevel: answered in SL / answered
	FormulaAsteriskSL2 Formula = "asterisk-sl2" // Asterisk SL2: (answered + abandoned in SL) / (answered + abandoned)
	FormulaCustomer    Formula = "customer"     // SLA-7, the customer's formula
)

// Formulas lists every selectable figure.
var Formulas = []Formula{FormulaC1, FormulaC2, FormulaC3, FormulaAsteriskSL, FormulaAsteriskSL2, FormulaCustomer}

func pct(num, den int) float64 {
	if den <= 0 {
		return 100
	}
	return 100 * float64(num) / float64(den)
}

// Percent returns the selected figure, 0…100. With nothing to measure it returns 100 (no call
// failed), except C.3 which returns 0.
func (s Stats) Percent(f Formula) float64 {
	switch f {
	case FormulaC1:
		return pct(s.Offered-s.Closed-s.Blocked, s.Offered-s.Closed)
	case FormulaC2, FormulaAsteriskSL:
		return pct(s.AnsweredWithin, s.Answered)
	case FormulaC3:
		if s.Queued == 0 {
			return 0
		}
		return pct(s.AbandonedShort+s.AbandonedLong, s.Queued)
	case FormulaAsteriskSL2:
		ab := s.AbandonedShort + s.AbandonedLong
		return pct(s.AnsweredWithin+s.AbandonedShort, s.Answered+ab)
	case FormulaCustomer:
		// 100 × (1 − (answered after 30 s + abandoned after 30 s) / (offered − abandoned within
		// 30 s)). A caller who left the queue after 30 s for a callback or voicemail was not
		// answered in time either: they count with the abandoned.
		den := s.Queued - s.AbandonedShort
		if den <= 0 {
			return 100
		}
		late := (s.Answered - s.AnsweredWithin) + s.AbandonedLong + s.OverflowedLong
		return 100 * (1 - float64(late)/float64(den))
	}
	return 0
}

// NoneOverMaxWait is the second half of C.2: no call answered after MaxWait.
func (s Stats) NoneOverMaxWait() bool { return s.AnsweredWithin90 == s.Answered }

type callRec struct {
	offered, queued, answered, ended bool
	wait, talk, wrap                 time.Duration
}

// Compute folds the events of [from, to) into Stats.
//
// Deprecated: use sla.Compute. Contacts are counted in the period in which
// they were offered; threshold and maxWait default to 30 s and 90 s.
func Compute(events []Event, from, to time.Time, threshold, maxWait time.Duration) Stats {
	if threshold == 0 {
		threshold = 30 * time.Second
	}
	if maxWait == 0 {
		maxWait = 90 * time.Second
	}
	s := Stats{From: from, To: to, Threshold: threshold, MaxWait: maxWait}
	in := func(t time.Time) bool {
		return (from.IsZero() || !t.Before(from)) && (to.IsZero() || t.Before(to))
	}
	calls := map[string]*callRec{}
	var talkSum, handleSum, waitSum time.Duration
	var talkN int
	type opRec struct {
		since  time.Time
		active bool
	}
	ops := map[string]*opRec{}
	var staffed time.Duration
	clip := func(a, b time.Time) time.Duration {
		if !from.IsZero() && a.Before(from) {
			a = from
		}
		if !to.IsZero() && b.After(to) {
			b = to
		}
		if b.After(a) {
			return b.Sub(a)
		}
		return 0
	}
	var last time.Time
	for _, e := range events {
		if e.Time.After(last) {
			last = e.Time
		}
		switch e.Kind {
		case EvLogin, EvUnpause:
			ops[e.Operator] = &opRec{since: e.Time, active: true}
			continue
		case EvLogout, EvPause:
			if r := ops[e.Operator]; r != nil && r.active {
				staffed += clip(r.since, e.Time)
				r.active = false
			}
			continue
		case EvWrapUpDone:
			if r := calls[e.CallID]; r != nil {
				handleSum += e.WrapUp
			}
			continue
		}
		if e.Direction == "out" || e.CallID == "" {
			continue
		}
		r := calls[e.CallID]
		if e.Kind == EvOffered {
			if !in(e.Time) {
				continue
			}
			r = &callRec{offered: true}
			calls[e.CallID] = r
			s.Offered++
			continue
		}
		if r == nil {
			continue // offered outside the period
		}
		switch e.Kind {
		case EvClosed:
			s.Closed++
		case EvBlocked:
			s.Blocked++
			if r.queued { // external PBX: a busy hangup after the call was logged as queued
				s.Queued--
				r.queued = false
			}
		case EvQueued:
			r.queued = true
			s.Queued++
		case EvAnswered:
			if r.answered {
				continue
			}
			r.answered, r.wait = true, e.Wait
			s.Answered++
			waitSum += e.Wait
			if e.Wait <= threshold {
				s.AnsweredWithin++
			}
			if e.Wait <= maxWait {
				s.AnsweredWithin90++
			}
			if e.Wait > s.LongestWait {
				s.LongestWait = e.Wait
			}
		case EvCompleted, EvTransferred:
			talkSum += e.Talk
			handleSum += e.Talk
			talkN++
			if e.Kind == EvTransferred {
				s.Transferred++
			}
		case EvAbandoned:
			if e.Wait <= threshold {
				s.AbandonedShort++
			} else {
				s.AbandonedLong++
			}
			if e.Wait > s.LongestWait {
				s.LongestWait = e.Wait
			}
		case EvOverflowed:
			s.Overflowed++
			if e.Wait > threshold {
				s.OverflowedLong++
			}
			if e.Wait > s.LongestWait {
				s.LongestWait = e.Wait
			}
		case EvCallbackAccepted:
			if e.Position > 0 { // left the queue by choice before the maximum wait
				s.Overflowed++
				if e.Wait > threshold {
					s.OverflowedLong++
				}
			}
		case EvCallbackBooked:
			s.CallbacksBooked++
		case EvVoicemail:
			s.Voicemails++
		}
	}
	end := to
	if end.IsZero() {
		end = last
	}
	ids := make([]string, 0, len(ops))
	for id := range ops {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if r := ops[id]; r.active {
			staffed += clip(r.since, end)
		}
	}
	if s.Answered > 0 {
		s.ASA = waitSum / time.Duration(s.Answered)
	}
	if talkN > 0 {
		s.AvgTalk = talkSum / time.Duration(talkN)
		s.AvgHandle = handleSum / time.Duration(talkN)
	}
	if staffed > 0 {
		s.Occupancy = float64(handleSum) / float64(staffed)
		if s.Occupancy > 1 {
			s.Occupancy = 1
		}
	}
	return s
}

// FilterQueue keeps the events of one queue and the operator events (login, pause…) that the
// occupancy needs, for per-queue statistics.
func FilterQueue(events []Event, queue string) []Event {
	var out []Event
	for _, e := range events {
		if e.Queue == queue || e.Queue == "" {
			out = append(out, e)
		}
	}
	return out
}
