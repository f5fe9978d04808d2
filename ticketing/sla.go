package ticketing

import (
	"sportello/i18n"
	"time"
)

// SLAPolicy holds the offline service levels of SLA-3, in working time on the Calendar.
type SLAPolicy struct {
	TakeInCharge time.Duration // O.1: taken in charge within 4 working hours
	Resolve      time.Duration // O.2: resolved within 24 working hours
	Final        time.Duration // O.3: every request resolved within 48 working hours
	// AtRisk flags a ticket whose remaining working time to a pending deadline is below this
	// fraction of the deadline's budget.
	AtRisk float64
}

func (p SLAPolicy) withDefaults() SLAPolicy {
	if p.TakeInCharge <= 0 {
		p.TakeInCharge = 4 * time.Hour
	}
	if p.Resolve <= 0 {
		p.Resolve = 24 * time.Hour
	}
	if p.Final <= 0 {
		p.Final = 48 * time.Hour
	}
	if p.AtRisk <= 0 || p.AtRisk >= 1 {
		p.AtRisk = 0.25
	}
	return p
}

// Deadlines are the SLA clocks of one offline request; zero times mean no clock (phone and
// counter contacts are measured by C.4 instead).
type Deadlines struct {
	TakeInCharge time.Time `json:"takeInCharge"`
	Resolve      time.Time `json:"resolve"`
	Final        time.Time `json:"final"`
}

// Deadlines computes the SLA clocks of a request that arrived on ch at t. For voicemail the
// rule of TK-16 applies — taken in charge within 4 working hours of the next working day —
// which is what counting working time only gives: a message left on Saturday night starts its
// clock on Monday at opening time (or Tuesday after Easter Monday).
func (s *Store) Deadlines(ch Channel, t time.Time) Deadlines {
	if !ch.Offline() {
		return Deadlines{}
	}
	start := s.nextOpen(t)
	return Deadlines{
		TakeInCharge: s.addWorking(start, s.sla.TakeInCharge),
		Resolve:      s.addWorking(start, s.sla.Resolve),
		Final:        s.addWorking(start, s.sla.Final),
	}
}

// SLAState is the state of a ticket's clocks at a moment, for the "overdue" and "at risk"
// highlights of every list.
type SLAState struct {
	Overdue bool   `json:"overdue"`
	AtRisk  bool   `json:"atRisk"`
	Clock   string `json:"clock,omitempty"` // the pending clock: "take", "resolve" or "final"
	// Remaining is the working time left on the pending clock (negative when overdue).
	Remaining time.Duration `json:"remaining"`
}

// SLA evaluates t's clocks at now.
func (s *Store) SLA(t *Ticket, now time.Time) SLAState {
	type clock struct {
		name   string
		due    time.Time
		done   time.Time
		budget time.Duration
	}
	clocks := []clock{
		{"take", t.DueTake, t.TakenAt, s.sla.TakeInCharge},
		{"resolve", t.DueSolve, t.SolvedAt, s.sla.Resolve},
		{"final", t.DueFinal, t.SolvedAt, s.sla.Final},
	}
	var st SLAState
	for _, c := range clocks {
		if c.due.IsZero() {
			continue
		}
		if !c.done.IsZero() {
			continue
		}
		if now.After(c.due) {
			return SLAState{Overdue: true, Clock: c.name, Remaining: -s.cal.WorkingTime(c.due, now)}
		}
		left := s.cal.WorkingTime(now, c.due)
		if st.Clock == "" {
			st = SLAState{Clock: c.name, Remaining: left}
		}
		if float64(left) < s.sla.AtRisk*float64(c.budget) {
			st.AtRisk = true
			st.Clock, st.Remaining = c.name, left
			return st
		}
	}
	return st
}

// nextOpen is t when the service is open, otherwise the start of the next service band; the
// zero time when the calendar has no service hours ahead.
func (s *Store) nextOpen(t time.Time) time.Time {
	next, err := s.cal.NextOpen(t)
	if err != nil {
		return time.Time{}
	}
	return next
}

// addWorking is the instant d of working time after t, in UTC as stored. Time outside service
// hours does not count, so a request that arrives at night starts its clock when the office
// opens (TK-16). A calendar with no service hours at all gives the zero time.
func (s *Store) addWorking(t time.Time, d time.Duration) time.Time {
	due, err := s.cal.AddWorkingTime(t, d)
	if err != nil {
		return time.Time{}
	}
	return due.UTC()
}

// Label says in Italian whether a ticket is overdue or at risk; "" when neither.
func (s SLAState) Label() string {
	switch {
	case s.Overdue:
		return i18n.T("tk.sla.overdue")
	case s.AtRisk:
		return i18n.T("tk.sla.atRisk")
	}
	return ""
}
