package ticketing

import (
	"context"

	"sportello/kb"
)

// WorkflowKB routes "propose as knowledge" (KB-2, KB-9) through the approval workflow of issue 5
// when the server has one: the draft pill made from a solved ticket, or the new draft version of
// the pill the ticket was answered with, is created and submitted for review by the user who
// proposed it, so that it lands in the validators' queue and the published answer stays live
// until a validator approves the new one. Without a workflow the draft is written to the graph
// as before (ProposeKnowledge on the kb.Store).
type WorkflowKB struct {
	Workflow *kb.Workflow
	Store    *kb.Store
	Actor    string // who proposed it: the draft's author and submitter
}

var _ DraftReviser = WorkflowKB{}

func (w WorkflowKB) Pill(ctx context.Context, iri string) (*kb.Pill, error) {
	return w.Store.Pill(ctx, iri)
}

// PutPill creates the new pill as a draft and submits it.
func (w WorkflowKB) PutPill(ctx context.Context, p *kb.Pill) error {
	rec, _, err := w.Workflow.Create(ctx, *p, w.Actor)
	if err != nil {
		return err
	}
	p.IRI = rec.IRI
	return w.submit(ctx, rec)
}

// ReviseDraft opens a new version of a published pill and submits it (DraftReviser).
func (w WorkflowKB) ReviseDraft(ctx context.Context, p *kb.Pill) error {
	rec, _, err := w.Workflow.Edit(ctx, p.IRI, *p, w.Actor)
	if err != nil {
		return err
	}
	return w.submit(ctx, rec)
}

func (w WorkflowKB) submit(ctx context.Context, rec *kb.PillRecord) error {
	v := rec.Open()
	if v == nil || v.Status != kb.StatusDraft {
		return nil // already under review: the new answer is in its notes for the validator
	}
	_, _, err := w.Workflow.Submit(ctx, rec.IRI, v.Number, w.Actor)
	return err
}
