package ticketing

import (
	"errors"
	"fmt"
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

// Role is the capacity in which a user acts on a ticket. The names match web/auth's roles;
// Office is a level-2 user acting for a competent office, System is the software itself (email
// intake, the telephony, timers).
type Role string

const (
	RoleOperator   Role = "operator"   // front office, level 1
	RoleBackOffice Role = "backoffice" // back office, offline channels
	RoleLevel2     Role = "level2"     // level 2 / departmental support
	RoleOffice     Role = "office"     // a competent office of the Administration
	RoleSupervisor Role = "supervisor" // level 3: rejections and misassignments (TK-12)
	RoleSystem     Role = "system"
)

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
)

// rule is one row of the transition table.
type rule struct {
	from  []State
	to    State // "" means: back to the ticket's ResumedState
	roles []Role
}

var (
	level1 = []Role{RoleOperator, RoleBackOffice, RoleSupervisor}
	anyone = []Role{RoleOperator, RoleBackOffice, RoleLevel2, RoleOffice, RoleSupervisor, RoleSystem}
)

// transitions is the Annex A flow as a table: action → (from states, to state, roles allowed).
var transitions = map[Action]rule{
	ActTake:          {[]State{StateNew}, StateInProgress, []Role{RoleOperator, RoleBackOffice, RoleLevel2, RoleSupervisor}},
	ActSolveL1:       {[]State{StateNew, StateInProgress}, StateSolvedL1, level1},
	ActEscalate:      {[]State{StateNew, StateInProgress}, StateEscalated, level1},
	ActAssign:        {[]State{StateEscalated}, StateAssigned, []Role{RoleBackOffice, RoleLevel2, RoleSupervisor}},
	ActReject:        {[]State{StateAssigned}, StateRejected, []Role{RoleOffice, RoleLevel2}},
	ActReassign:      {[]State{StateRejected, StateAssigned, StateEscalated}, StateAssigned, []Role{RoleSupervisor}},
	ActRequestData:   {[]State{StateNew, StateInProgress, StateEscalated, StateAssigned}, StateIncomplete, []Role{RoleOperator, RoleBackOffice, RoleLevel2, RoleOffice, RoleSupervisor}},
	ActResume:        {[]State{StateIncomplete}, "", []Role{RoleOperator, RoleBackOffice, RoleLevel2, RoleOffice, RoleSupervisor, RoleSystem}},
	ActFinalReminder: {[]State{StateIncomplete}, StateSolvedL1, []Role{RoleOperator, RoleBackOffice, RoleSupervisor, RoleSystem}},
	ActSolve:         {[]State{StateInProgress, StateEscalated, StateAssigned}, StateSolved, []Role{RoleBackOffice, RoleLevel2, RoleOffice, RoleSupervisor}},
	ActReopen:        {[]State{StateSolvedL1, StateSolved}, StateInProgress, []Role{RoleOperator, RoleBackOffice, RoleLevel2, RoleSupervisor, RoleSystem}},
	ActClose:         {[]State{StateSolvedL1, StateSolved}, StateClosed, anyone},
}

// Transition is one row of the table, for documentation and the pages' buttons.
type Transition struct {
	Action Action  `json:"action"`
	From   []State `json:"from"`
	To     State   `json:"to,omitempty"`
	Roles  []Role  `json:"roles"`
}

// Transitions returns the whole table.
func Transitions() []Transition {
	var out []Transition
	for _, a := range []Action{ActTake, ActSolveL1, ActEscalate, ActAssign, ActReject, ActReassign,
		ActRequestData, ActResume, ActFinalReminder, ActSolve, ActReopen, ActClose} {
		r := transitions[a]
		out = append(out, Transition{a, r.from, r.to, r.roles})
	}
	return out
}

// Allowed lists the actions role may take on a ticket in state st.
func Allowed(st State, role Role) []Action {
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

// TransitionError is a refused transition. errors.Is(err, ErrState) or errors.Is(err, ErrRole)
// tells which.
type TransitionError struct {
	Ticket string
	Action Action
	State  State
	Role   Role
	Err    error // ErrState or ErrRole
}

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

// check finds the rule for action and verifies state and role.
func check(t *Ticket, a Action, role Role) (State, error) {
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
