package ticketing

import "context"

// Each action of the flow as its own operation, with the fields it needs and nothing else: what
// the ticket page's forms call, one form per action. They all go through Apply, so the rules are
// the same whichever way a step comes (the table of transitions, the offices' membership, the
// required fields, the path); a missing field is an *InvalidError naming it, in Italian.
// AnswerWithPill (knowledge.go), RequestData and FinalReminder (mail.go), Reply (reply.go) and
// AddNote (notes.go) complete the set.

// Take puts a new request in actor's hands (level 1, or level 2 on a request that came to it).
func (s *Store) Take(ctx context.Context, id int64, actor string, role Capacity) (*Ticket, error) {
	return s.Apply(ctx, id, Step{Action: ActTake, Actor: actor, Role: role})
}

// SolveFirstLevel solves a request at level 1 with the answer given (without a pill: the
// request then counts as a knowledge gap, KB-10). answer is required.
func (s *Store) SolveFirstLevel(ctx context.Context, id int64, actor string, role Capacity, answer string) (*Ticket, error) {
	return s.Apply(ctx, id, Step{Action: ActSolveL1, Actor: actor, Role: role, Reason: answer})
}

// Escalate sends a request to the back office / level 2 (TK-10), with what was searched in the
// knowledge base first (required) and a note for the next level.
func (s *Store) Escalate(ctx context.Context, id int64, actor string, role Capacity, queries []string, note string) (*Ticket, error) {
	return s.Apply(ctx, id, Step{Action: ActEscalate, Actor: actor, Role: role, Queries: queries, Reason: note})
}

// AssignOffice assigns an escalated request to a competent office of the directory (required);
// its members and mailbox are notified (TK-15).
func (s *Store) AssignOffice(ctx context.Context, id int64, actor string, role Capacity, office, note string) (*Ticket, error) {
	return s.Apply(ctx, id, Step{Action: ActAssign, Actor: actor, Role: role, Office: office, Reason: note})
}

// Claim takes a request of an office's queue in hand (members of the office only).
func (s *Store) Claim(ctx context.Context, id int64, actor string, role Capacity) (*Ticket, error) {
	return s.Apply(ctx, id, Step{Action: ActClaim, Actor: actor, Role: role})
}

// RejectAssignment refuses an assignment on behalf of the office (members only, TK-12): the
// reason is required, the office that should have it is suggested when known. The request goes
// to level 3, whose mailbox is notified.
func (s *Store) RejectAssignment(ctx context.Context, id int64, actor string, role Capacity, reason, suggestedOffice string) (*Ticket, error) {
	return s.Apply(ctx, id, Step{Action: ActReject, Actor: actor, Role: role, Reason: reason, SuggestedOffice: suggestedOffice})
}

// Reassign sends a rejected or misassigned request to the right office (level 3 only, TK-12).
func (s *Store) Reassign(ctx context.Context, id int64, actor string, role Capacity, office, note string) (*Ticket, error) {
	return s.Apply(ctx, id, Step{Action: ActReassign, Actor: actor, Role: role, Office: office, Reason: note})
}

// Resume takes up a request that was waiting for the citizen's data (TK-13), where it was.
func (s *Store) Resume(ctx context.Context, id int64, actor string, role Capacity, note string) (*Ticket, error) {
	return s.Apply(ctx, id, Step{Action: ActResume, Actor: actor, Role: role, Reason: note})
}

// Solve solves a request past level 1 (level 2, an office's member): the answer given to the
// citizen, or the pill it came from, is required; both may be given.
func (s *Store) Solve(ctx context.Context, id int64, actor string, role Capacity, answer, pill string) (*Ticket, error) {
	return s.Apply(ctx, id, Step{Action: ActSolve, Actor: actor, Role: role, Reason: answer, Pill: pill})
}

// CloseTicket closes a solved request.
func (s *Store) CloseTicket(ctx context.Context, id int64, actor string, role Capacity) (*Ticket, error) {
	return s.Apply(ctx, id, Step{Action: ActClose, Actor: actor, Role: role})
}

// Reopen takes a solved request up again; the reason is required (except for the software,
// which reopens a request the citizen wrote to again).
func (s *Store) Reopen(ctx context.Context, id int64, actor string, role Capacity, reason string) (*Ticket, error) {
	return s.Apply(ctx, id, Step{Action: ActReopen, Actor: actor, Role: role, Reason: reason})
}
