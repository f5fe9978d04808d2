package tickets

// "Proponi come conoscenza" (KB-2, KB-9): the short form level 2 fills in from a solved ticket —
// the question in the citizen's words, the answer that solved it, category and office —
// prefilled from the ticket and editable. The proposal is a draft in the publishers' workspace,
// linked to the ticket; a publisher completes it and sends it to the validators.

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/ticketing"
	"sportello/web/webkit"
)

// proposers are the levels that solve tickets past level 1: the front office answers from the
// knowledge base, it does not write it.
var proposers = []role.Role{role.Backoffice, role.Level2, role.Supervisor}

type proposeData struct {
	webkit.FormBase
	Number   string
	Subject  string
	In       ticketing.ProposalInput
	Revision *kb.Pill // the pill the ticket was answered with: the proposal goes to its draft
	Concepts []webkit.ConceptChoice
	Offices  []webkit.UnitGroup
}

// proposePage is GET /ticket/{number}/proponi.
func (h *Handlers) proposePage(c echo.Context) error {
	st, t, err := h.paramTicket(c, "number")
	if err != nil {
		return err
	}
	if t.SolvedAt.IsZero() {
		return Err(&ticketing.TransitionError{Ticket: t.Number, Action: ticketing.ActPropose, State: t.State, Err: ticketing.ErrState})
	}
	ctx := c.Request().Context()
	in, pill, err := st.ProposalDraft(ctx, t.ID)
	if err != nil {
		return Err(err)
	}
	d := proposeData{FormBase: webkit.FormOf(c), Number: t.Number, Subject: t.Subject, In: in}
	if pill != "" && h.kb != nil {
		if p, err := h.kb.Pill(ctx, pill); err == nil {
			d.Revision = p
		}
	}
	if h.kb != nil {
		picked := []string{}
		if in.Category != "" {
			picked = append(picked, in.Category)
		}
		if d.Concepts, err = webkit.ConceptChoices(ctx, h.kb, picked); err != nil {
			return webkit.Internal(err)
		}
		if d.Offices, err = webkit.UnitChoices(ctx, h.kb, in.Office); err != nil {
			return webkit.Internal(err)
		}
	}
	return h.pages.Render(c, "ticket_propose", webkit.PageData{Title: i18n.T("tk.prop.title", t.Number), Nav: "tickets", Data: d})
}

// propose writes the proposal of ticket t with what the form or the API sent (empty fields:
// the ticket's prefill), through the store's workflow, the one writer of pills.
func (h *Handlers) propose(c echo.Context, st *ticketing.Store, t *ticketing.Ticket, in ticketing.ProposalInput) (*ticketing.Proposal, error) {
	ctx := c.Request().Context()
	if in.Category != "" {
		if _, err := h.kb.Concept(ctx, in.Category); err != nil {
			return nil, webkit.BadRequest("bad_concept", i18n.T("ed.badConcept", in.Category))
		}
	}
	if in.Office != "" {
		if _, err := h.kb.Unit(ctx, in.Office); err != nil {
			return nil, webkit.BadRequest("bad_office", i18n.T("ed.badOffice", in.Office))
		}
	}
	p, err := st.ProposeKnowledgeAs(ctx, t.ID, actor(c), h.kb.Workflow(), in)
	var se *kb.StateError
	var ve *kb.ValidationError
	switch {
	case errors.As(err, &se):
		return nil, &webkit.HTTPError{Status: http.StatusConflict, Code: "state", Msg: se.Error(), Err: err}
	case errors.As(err, &ve):
		return nil, webkit.BadRequest("invalid_pill", ve.Error())
	case err != nil:
		return nil, Err(err)
	}
	return p, nil
}

// ticketProposeForm is POST /ticket/{number}/proponi: the form's proposal, then back to the
// ticket with the notice.
func (h *Handlers) ticketProposeForm(c echo.Context) error {
	st, t, err := h.paramTicket(c, "number")
	if err != nil {
		return err
	}
	p, err := h.propose(c, st, t, ticketing.ProposalInput{Title: c.FormValue("title"), Question: c.FormValue("question"),
		Answer: c.FormValue("answer"), Category: c.FormValue("category"), Office: c.FormValue("office")})
	if err != nil {
		return err
	}
	name := p.Pill.Code
	if name == "" {
		name = p.Pill.Title
	}
	return c.Redirect(http.StatusSeeOther, "/ticket/"+t.Number+"?proposta="+url.QueryEscape(name))
}

// apiTicketPropose is POST /api/tickets/:id/propose: a draft pill, or the new answer in a draft
// version of the linked pill, prefilled from the solved ticket; an optional JSON body
// (ticketing.ProposalInput) replaces the prefill field by field.
func (h *Handlers) apiTicketPropose(c echo.Context) error {
	st, t, err := h.paramTicket(c, "id")
	if err != nil {
		return err
	}
	var in ticketing.ProposalInput
	if c.Request().ContentLength != 0 {
		if err := webkit.ReadJSON(c, &in); err != nil {
			return err
		}
	}
	p, err := h.propose(c, st, t, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, p)
}
