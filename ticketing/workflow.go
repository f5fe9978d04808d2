package ticketing

import (
	"errors"
	"fmt"
	"strings"

	"sportello/internal/role"
)

// State is a ticket's place in the Annex A flow.
type State string

const (
	StateNew        State = "new"         // Nuova
	StateInProgress State = "in_progress" // In lavorazione (I livello)
	StateSolvedL1   State = "solved_l1"   // Risolta al I livello
	StateEscalated  State = "escalated"   // Inoltrata al back office / II livello
	StateAssigned   State = "assigned"    // Assegnata all'ufficio competente
	StateRejected   State = "rejected"    // Assegnazione respinta: la riassegna il III livello
	StateIncomplete State = "incomplete"  // Richiesta incompleta: in attesa del cittadino (TK-13)
	StateSolved     State = "solved"      // Risolta
	StateClosed     State = "closed"      // Chiusa
)

// States lists every state in the order of the flow.
var States = []State{StateNew, StateInProgress, StateSolvedL1, StateEscalated, StateAssigned,
	StateRejected, StateIncomplete, StateSolved, StateClosed}

// Label is the Italian name of the state, as the customer's documents call it.
func (s State) Label() string {
	return map[State]string{
		StateNew: "Nuova", StateInProgress: "In lavorazione", StateSolvedL1: "Risolto I Livello",
		StateEscalated: "Inoltrata al II livello", StateAssigned: "Assegnata all'ufficio competente",
		StateRejected: "Assegnazione respinta", StateIncomplete: "Richiesta incompleta",
		StateSolved: "Risolta", StateClosed: "Chiusa",
	}[s]
}

// Open reports whether work on the ticket is still pending.
func (s State) Open() bool { return s != StateSolvedL1 && s != StateSolved && s != StateClosed }

// Capacity is the capacity in which someone acts on a ticket, recorded on each step of its
// path. It is not a role (internal/role holds the one Role type): four capacities are what the
// roles of the same name do (CapacityOf maps them), and two are not roles at all — Office is a
// level-2 user acting for a competent office, System is the software itself (email intake, the
// telephony, timers).
type Capacity string

const (
	AsOperator   Capacity = "operator"   // front office, level 1
	AsBackOffice Capacity = "backoffice" // back office, offline channels
	AsLevel2     Capacity = "level2"     // level 2 / departmental support
	AsOffice     Capacity = "office"     // a competent office of the Administration
	AsSupervisor Capacity = "supervisor" // level 3: rejections and misassignments (TK-12)
	AsSystem     Capacity = "system"
)

// CapacityOf is the capacity in which a user with role r acts on tickets. Administrators and
// auditors read but do not act: they get a capacity no transition lists, so every step they try
// is refused by the table.
func CapacityOf(r role.Role) Capacity {
	switch r {
	case role.Operator:
		return AsOperator
	case role.Backoffice:
		return AsBackOffice
	case role.Level2:
		return AsLevel2
	case role.Supervisor:
		return AsSupervisor
	}
	return Capacity("none")
}

// Action is something a user does to a ticket.
type Action string

const (
	ActCreate        Action = "create"
	ActTake          Action = "take"           // take in charge at level 1
	ActSolveL1       Action = "solve_l1"       // answered at level 1 (with a pill: first-call resolution)
	ActEscalate      Action = "escalate"       // to the back office / level 2 (TK-10)
	ActAssign        Action = "assign"         // to a competent office
	ActReject        Action = "reject"         // the office refuses, with reason and suggested office (TK-12)
	ActReassign      Action = "reassign"       // level 3 sends it to the right office (TK-12)
	ActRequestData   Action = "request_data"   // incomplete request: email to the citizen (TK-13)
	ActResume        Action = "resume"         // the citizen sent the missing data
	ActFinalReminder Action = "final_reminder" // the data never came: final email, solved at level 1 (TK-13)
	ActSolve         Action = "solve"          // answered by level 2 or the office
	ActReopen        Action = "reopen"
	ActClose         Action = "close"
	ActUpdate        Action = "update" // classification, priority, description (no state change)
	ActMerge         Action = "merge"  // moved to another citizen record
	ActMessage       Action = "message"
	ActClaim         Action = "claim"    // a member takes an office's ticket in hand (TK-11, TK-15)
	ActTransfer      Action = "transfer" // the contact, and its ticket, went to another person (TK-5)
	ActNote          Action = "note"     // an internal note was added (staff only)
	// ActRecordedOffline marks a contact the desk recorded without the server and sent later
	// (TK-14): a step of the path, not a transition.
	ActRecordedOffline Action = "recorded_offline"
)

// rule is one row of the transition table.
type rule struct {
	from  []State
	to    State // "" means: back to the ticket's ResumedState
	roles []Capacity
}

var (
	level1 = []Capacity{AsOperator, AsBackOffice, AsSupervisor}
	anyone = []Capacity{AsOperator, AsBackOffice, AsLevel2, AsOffice, AsSupervisor, AsSystem}
)

// transitions is the Annex A flow as a table: action → (from states, to state, roles allowed).
var transitions = map[Action]rule{
	ActTake:          {[]State{StateNew}, StateInProgress, []Capacity{AsOperator, AsBackOffice, AsLevel2, AsSupervisor}},
	ActSolveL1:       {[]State{StateNew, StateInProgress}, StateSolvedL1, level1},
	ActEscalate:      {[]State{StateNew, StateInProgress}, StateEscalated, level1},
	ActAssign:        {[]State{StateEscalated}, StateAssigned, []Capacity{AsBackOffice, AsLevel2, AsSupervisor}},
	ActReject:        {[]State{StateAssigned}, StateRejected, []Capacity{AsOffice, AsLevel2}},
	ActReassign:      {[]State{StateRejected, StateAssigned, StateEscalated}, StateAssigned, []Capacity{AsSupervisor}},
	ActRequestData:   {[]State{StateNew, StateInProgress, StateEscalated, StateAssigned}, StateIncomplete, []Capacity{AsOperator, AsBackOffice, AsLevel2, AsOffice, AsSupervisor}},
	ActResume:        {[]State{StateIncomplete}, "", []Capacity{AsOperator, AsBackOffice, AsLevel2, AsOffice, AsSupervisor, AsSystem}},
	ActFinalReminder: {[]State{StateIncomplete}, StateSolvedL1, []Capacity{AsOperator, AsBackOffice, AsSupervisor, AsSystem}},
	ActSolve:         {[]State{StateInProgress, StateEscalated, StateAssigned}, StateSolved, []Capacity{AsBackOffice, AsLevel2, AsOffice, AsSupervisor}},
	ActReopen:        {[]State{StateSolvedL1, StateSolved}, StateInProgress, []Capacity{AsOperator, AsBackOffice, AsLevel2, AsSupervisor, AsSystem}},
	ActClose:         {[]State{StateSolvedL1, StateSolved}, StateClosed, anyone},
	// Within an office's queue a member takes a ticket in hand; the ticket stays assigned to
	// the office. Who may is decided by the membership (offices.go), not by the role alone.
	ActClaim: {[]State{StateAssigned}, StateAssigned, []Capacity{AsOffice, AsLevel2, AsBackOffice}},
}

// Transition is one row of the table, for documentation and the pages' buttons.
type Transition struct {
	Action Action     `json:"action"`
	From   []State    `json:"from"`
	To     State      `json:"to,omitempty"`
	Roles  []Capacity `json:"roles"`
}

// Transitions returns the whole table.
func Transitions() []Transition {
	var out []Transition
	for _, a := range []Action{ActTake, ActSolveL1, ActEscalate, ActAssign, ActClaim, ActReject, ActReassign,
		ActRequestData, ActResume, ActFinalReminder, ActSolve, ActReopen, ActClose} {
		r := transitions[a]
		out = append(out, Transition{a, r.from, r.to, r.roles})
	}
	return out
}

// Allowed lists the actions role may take on a ticket in state st.
func Allowed(st State, role Capacity) []Action {
	var out []Action
	for _, t := range Transitions() {
		if contains(t.From, st) && contains(t.Roles, role) {
			out = append(out, t.Action)
		}
	}
	return out
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// ErrState and ErrRole classify a refused transition: the web layer answers 409 Conflict for
// ErrState (the ticket is not in a state that allows the action) and 403 Forbidden for ErrRole.
var (
	ErrState = errors.New("action not allowed in the ticket's state")
	ErrRole  = errors.New("role may not perform this action")
)

// ErrNotMember is a refused step on a ticket assigned to an office by someone who is not one
// of its members (TK-11, TK-12): it is an ErrRole, and the web answers 403.
var ErrNotMember = fmt.Errorf("%w: not a member of the office the ticket is assigned to", ErrRole)

// TransitionError is a refused transition. errors.Is(err, ErrState) or errors.Is(err, ErrRole)
// tells which.
type TransitionError struct {
	Ticket string
	Action Action
	State  State
	Role   Capacity
	Err    error // ErrState or ErrRole, or an error wrapping one of them (ErrNotMember)
}

// Message is the Italian explanation of the refusal for the user when the generic one (role
// or state) would mislead — a level-2 user acting on another office's ticket — or "".
func (e *TransitionError) Message() string {
	var r *refusal
	if errors.As(e.Err, &r) {
		return r.msg
	}
	return ""
}

// refusal is a class of refusal (ErrNotMember) with its Italian explanation.
type refusal struct {
	kind error
	msg  string
}

func (r *refusal) Error() string { return r.kind.Error() }
func (r *refusal) Unwrap() error { return r.kind }

func (e *TransitionError) Error() string {
	return fmt.Sprintf("ticketing: %s: %s (action %s, state %s, role %s)", e.Ticket, e.Err, e.Action, e.State, e.Role)
}

func (e *TransitionError) Unwrap() error { return e.Err }

// ErrInvalid is wrapped by every InvalidError.
var ErrInvalid = errors.New("invalid input")

// InvalidError is input the store refuses (400 for the web layer): it names the field.
type InvalidError struct {
	Field string
	Msg   string
}

func (e *InvalidError) Error() string { return fmt.Sprintf("ticketing: field %s: %s", e.Field, e.Msg) }

func (e *InvalidError) Unwrap() error { return ErrInvalid }

func invalid(field, format string, a ...any) error {
	return &InvalidError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// Problems is input refused on several fields at once — a form with more than one field left
// empty — so that the page can mark each beside what was typed. errors.Is(err, ErrInvalid) is
// true, and errors.As(err, &inv) finds the first *InvalidError.
type Problems []*InvalidError

func (p Problems) Error() string {
	parts := make([]string, len(p))
	for i, e := range p {
		parts[i] = e.Field + ": " + e.Msg
	}
	return "ticketing: " + strings.Join(parts, "; ")
}

func (p Problems) Unwrap() []error {
	out := make([]error, len(p))
	for i, e := range p {
		out[i] = e
	}
	return out
}

// add appends the problems of err (nil adds nothing; an error of another kind is kept as a
// problem without a field).
func (p *Problems) add(err error) {
	var many Problems
	var one *InvalidError
	switch {
	case err == nil:
	case errors.As(err, &many):
		*p = append(*p, many...)
	case errors.As(err, &one):
		*p = append(*p, one)
	default:
		*p = append(*p, &InvalidError{Msg: err.Error()})
	}
}

// addf appends a problem on field.
func (p *Problems) addf(field, format string, a ...any) {
	*p = append(*p, &InvalidError{Field: field, Msg: fmt.Sprintf(format, a...)})
}

// err is nil when nothing was found, the one problem alone, or all of them.
func (p Problems) err() error {
	switch len(p) {
	case 0:
		return nil
	case 1:
		return p[0]
	}
	return p
}

// Fields maps each refused field of err to its Italian message ("description" → "descrivere
// la richiesta"): what a form needs to show the messages beside the fields and keep what was
// typed. It is empty when err is not about input.
func Fields(err error) map[string]string {
	out := map[string]string{}
	var many Problems
	if errors.As(err, &many) {
		for _, e := range many {
			if _, dup := out[e.Field]; !dup {
				out[e.Field] = e.Msg
			}
		}
		return out
	}
	var one *InvalidError
	if errors.As(err, &one) {
		out[one.Field] = one.Msg
	}
	return out
}

// check finds the rule for action and verifies state and role.
func check(t *Ticket, a Action, role Capacity) (State, error) {
	r, ok := transitions[a]
	if !ok {
		return "", invalid("action", "azione %q sconosciuta", a)
	}
	if !contains(r.roles, role) {
		return "", &TransitionError{t.Number, a, t.State, role, ErrRole}
	}
	if !contains(r.from, t.State) {
		return "", &TransitionError{t.Number, a, t.State, role, ErrState}
	}
	to := r.to
	if to == "" {
		to = t.ResumedState
		if to == "" || to == StateNew {
			to = StateInProgress
		}
	}
	return to, nil
}

// HTTPStatus is the status code the web layer answers for an error of this package: 404 not
// found, 400 invalid input, 403 role not allowed, 409 state conflict or duplicate record, 503
// email not configured, 500 otherwise.
func HTTPStatus(err error) int {
	var dup *DuplicateError
	switch {
	case err == nil:
		return 200
	case errors.Is(err, ErrNotFound):
		return 404
	case errors.Is(err, ErrInvalid):
		return 400
	case errors.Is(err, ErrRole):
		return 403
	case errors.Is(err, ErrState), errors.As(err, &dup):
		return 409
	case errors.Is(err, ErrNoMail):
		return 503
	}
	return 500
}
