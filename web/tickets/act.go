package tickets

// One step of the Annex A flow from a page's form or the API, each action through its own
// operation of package ticketing (Take, Escalate, AssignOffice, Claim, RejectAssignment, …) with
// the fields it needs. The errors come back as ticketing gives them, so that a form can put
// each message beside its field (ticketing.Fields) and the API can map them (Err).

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/ticketing"
	"sportello/web/webkit"
)

// stepRequest is the body of POST /api/tickets/:id/steps and what each action's form sends.
// Reason is the answer of solve_l1 and solve, the missing data of request_data, the note of
// the others.
type stepRequest struct {
	Action          ticketing.Action `json:"action"`
	Reason          string           `json:"reason"`
	Office          string           `json:"office"`
	SuggestedOffice string           `json:"suggestedOffice"`
	Pill            string           `json:"pill"`
	Queries         []string         `json:"queries"`
}

// formActions are the actions the ticket page has a form for, in the order it shows them.
var formActions = []ticketing.Action{ticketing.ActTake, ticketing.ActClaim, ticketing.ActSolveL1, ticketing.ActSolve,
	ticketing.ActEscalate, ticketing.ActAssign, ticketing.ActReject, ticketing.ActReassign, ticketing.ActRequestData,
	ticketing.ActResume, ticketing.ActFinalReminder, ticketing.ActReopen, ticketing.ActClose}

// invalidPill refuses a pill the caller typed but did not choose.
func invalidPill(name string) error {
	return &ticketing.InvalidError{Field: "pill", Msg: i18n.T("tk.err.pillUnknown", name)}
}

// resolvePill turns what a form or a client sent as the pill — its IRI (the picker), its code,
// or nothing — into the IRI, for a pill the caller may read.
func (h *Handlers) resolvePill(ctx context.Context, who role.Role, pill string) (string, error) {
	pill = strings.TrimSpace(pill)
	if pill == "" {
		return "", nil
	}
	if h.kb == nil {
		return pill, nil
	}
	p, err := webkit.FindPill(ctx, h.kb, pill, who)
	if errors.Is(err, kb.ErrNotFound) {
		if strings.Contains(pill, ":") {
			return pill, nil // an IRI: the store says whether it exists
		}
		return "", invalidPill(pill)
	}
	if err != nil {
		return "", err
	}
	return p.IRI, nil
}

// act runs one step as the caller. request_data and final_reminder send the e-mail of TK-13
// when outbound e-mail is configured; without it they are plain transitions.
func (h *Handlers) act(c echo.Context, st *ticketing.Store, t *ticketing.Ticket, req stepRequest) (*ticketing.Ticket, error) {
	ctx := c.Request().Context()
	who, rl := actor(c), ticketing.CapacityOf(webkit.RoleOf(c))
	switch req.Action {
	case ticketing.ActSolveL1, ticketing.ActSolve:
		pill, err := h.resolvePill(ctx, webkit.RoleOf(c), req.Pill)
		if err != nil {
			return nil, err
		}
		if req.Action == ticketing.ActSolve {
			return st.Solve(ctx, t.ID, who, rl, req.Reason, pill)
		}
		if pill != "" {
			return st.AnswerWithPill(ctx, t.ID, who, rl, pill)
		}
		return st.SolveFirstLevel(ctx, t.ID, who, rl, req.Reason)
	case ticketing.ActTake:
		return st.Take(ctx, t.ID, who, rl)
	case ticketing.ActEscalate:
		return st.Escalate(ctx, t.ID, who, rl, req.Queries, req.Reason)
	case ticketing.ActAssign:
		return st.AssignOffice(ctx, t.ID, who, rl, req.Office, req.Reason)
	case ticketing.ActClaim:
		return st.Claim(ctx, t.ID, who, rl)
	case ticketing.ActReject:
		return st.RejectAssignment(ctx, t.ID, who, rl, req.Reason, req.SuggestedOffice)
	case ticketing.ActReassign:
		return st.Reassign(ctx, t.ID, who, rl, req.Office, req.Reason)
	case ticketing.ActRequestData:
		out, err := st.RequestData(ctx, t.ID, who, rl, req.Reason)
		if errors.Is(err, ticketing.ErrNoMail) {
			out, err = st.Apply(ctx, t.ID, ticketing.Step{Action: req.Action, Actor: who, Role: rl, Reason: req.Reason})
		}
		return out, err
	case ticketing.ActFinalReminder:
		out, err := st.FinalReminder(ctx, t.ID, who, rl)
		if errors.Is(err, ticketing.ErrNoMail) {
			out, err = st.Apply(ctx, t.ID, ticketing.Step{Action: req.Action, Actor: who, Role: rl, Reason: req.Reason})
		}
		return out, err
	case ticketing.ActResume:
		return st.Resume(ctx, t.ID, who, rl, req.Reason)
	case ticketing.ActReopen:
		return st.Reopen(ctx, t.ID, who, rl, req.Reason)
	case ticketing.ActClose:
		return st.CloseTicket(ctx, t.ID, who, rl)
	case "":
		return nil, &ticketing.InvalidError{Field: "action", Msg: i18n.T("tk.err.noAction")}
	}
	return nil, &ticketing.InvalidError{Field: "action", Msg: fmt.Sprintf("azione %q sconosciuta", req.Action)}
}

// applyStep is act for the API: the errors mapped to HTTP.
func (h *Handlers) applyStep(c echo.Context, st *ticketing.Store, t *ticketing.Ticket, req stepRequest) (*ticketing.Ticket, error) {
	out, err := h.act(c, st, t, req)
	if err != nil {
		return nil, Err(err)
	}
	return out, nil
}

// formState is a form sent back with what was typed: which form (an action's, "reply",
// "note"…), the values, each refused field's message, and a refusal that is not about a field
// (a role, a state, an office the caller is not a member of).
type formState struct {
	Form   string
	Values url.Values
	Fields map[string]string
	Error  string
}

// Val is what was typed in field of form, when that form came back.
func (f *formState) Val(form, field string) string {
	if f == nil || f.Form != form {
		return ""
	}
	return f.Values.Get(field)
}

// Err is the message beside field of form, or "".
func (f *formState) Err(form, field string) string {
	if f == nil || f.Form != form {
		return ""
	}
	return f.Fields[field]
}

// Open reports whether form is the one that came back (its details are shown open).
func (f *formState) Open(form string) bool { return f != nil && f.Form == form }

// failed turns a refused form into the state to render and its status: messages beside the
// fields for invalid input (400), the Italian refusal above the page for a role, a membership
// or a state (403, 409). Other errors (not found, internal) are returned as errors.
func failed(form string, values url.Values, err error) (*formState, int, error) {
	fs := &formState{Form: form, Values: values, Fields: ticketing.Fields(err)}
	if len(fs.Fields) > 0 {
		if msg, ok := fs.Fields[""]; ok { // a problem without a field
			fs.Error = msg
			delete(fs.Fields, "")
		}
		return fs, 400, nil
	}
	he := webkit.As(Err(err))
	switch he.Status {
	case 400, 403, 409, 503:
		fs.Error = he.Msg
		return fs, he.Status, nil
	}
	return nil, 0, he
}
