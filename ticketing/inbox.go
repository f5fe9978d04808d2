package ticketing

import (
	"context"
	"time"
)

// Row is a ticket in a list, with the SLA highlight the pages show (overdue, at risk).
type Row struct {
	Ticket
	SLA SLAState `json:"sla"`
}

// Rows lists the tickets f selects with their SLA state at now; overdue and at-risk tickets
// come first, then the rest newest first.
func (s *Store) Rows(ctx context.Context, f Filter, now time.Time) ([]Row, error) {
	list, err := s.List(ctx, f)
	if err != nil {
		return nil, err
	}
	rows := make([]Row, len(list))
	for i := range list {
		rows[i] = Row{Ticket: list[i], SLA: s.SLA(&list[i], now)}
	}
	rank := func(r Row) int {
		switch {
		case r.SLA.Overdue:
			return 0
		case r.SLA.AtRisk:
			return 1
		}
		return 2
	}
	// Stable insertion keeps the newest-first order inside each rank.
	out := make([]Row, 0, len(rows))
	for k := 0; k <= 2; k++ {
		for _, r := range rows {
			if rank(r) == k {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// Inbox is the filter of a role's work list: level 1 sees new and in-progress requests, the
// back office and level 2 the escalated ones, an office what is assigned to it, level 3 the
// rejected assignments (Annex A §4). office is the office IRI for RoleOffice.
func Inbox(role Capacity, office string) Filter {
	switch role {
	case AsOperator:
		return Filter{States: []State{StateNew, StateInProgress}}
	case AsBackOffice:
		return Filter{States: []State{StateNew, StateInProgress, StateEscalated, StateIncomplete}}
	case AsLevel2:
		return Filter{States: []State{StateEscalated, StateIncomplete}}
	case AsOffice:
		return Filter{States: []State{StateAssigned}, Office: office}
	case AsSupervisor:
		return Filter{States: []State{StateRejected}}
	}
	return Filter{States: []State{StateNew}}
}

// AwaitingData lists the incomplete requests (TK-13) whose data request is older than the
// given working time at now: the candidates for the final reminder.
func (s *Store) AwaitingData(ctx context.Context, older time.Duration, now time.Time) ([]Ticket, error) {
	list, err := s.List(ctx, Filter{States: []State{StateIncomplete}, Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	var out []Ticket
	for _, t := range list {
		if s.cal.WorkingTime(t.Modified, now) >= older {
			out = append(out, t)
		}
	}
	return out, nil
}
