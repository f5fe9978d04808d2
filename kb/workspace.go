package kb

import (
	"context"
	"time"
)

// Workspace is what needs a publisher's work (KB-8, KB-12): the publisher's own open versions,
// drafts proposed from tickets, drafts an import wrote over a published pill, imported texts in
// conflict, versions the validators rejected with their reasons, published pills whose review
// date has passed and published pills whose validity has ended.
type Workspace struct {
	Mine       []OpenVersion `json:"mine"`
	Proposals  []Proposal    `json:"proposals"`
	Imported   []OpenVersion `json:"imported"`
	Conflicts  []OpenVersion `json:"conflicts"`
	Rejected   []OpenVersion `json:"rejected"`
	ReviewsDue []Pill        `json:"reviewsDue"`
	Expired    []Pill        `json:"expired"`
}

// Workspace gathers the lists of actor's workspace as of day today (a day starts at midnight
// UTC, as validity dates do). Each list starts from an index of the history or content graph
// (Open, Proposals, Conflicts, the published pills).
func (w *Workflow) Workspace(ctx context.Context, actor string, today time.Time) (*Workspace, error) {
	ws := &Workspace{}
	var err error
	if ws.Mine, err = w.EditedBy(ctx, actor); err != nil {
		return nil, err
	}
	if ws.Proposals, err = w.Proposals(ctx); err != nil {
		return nil, err
	}
	drafts, err := w.Open(ctx, StatusDraft)
	if err != nil {
		return nil, err
	}
	for _, o := range drafts {
		if o.Version.ChangedByImport {
			ws.Imported = append(ws.Imported, o)
		}
	}
	if ws.Conflicts, err = w.Conflicts(ctx); err != nil {
		return nil, err
	}
	if ws.Rejected, err = w.Open(ctx, StatusRejected); err != nil {
		return nil, err
	}
	published, err := w.s.Pills(ctx, PillFilter{Status: []Status{StatusPublished}})
	if err != nil {
		return nil, err
	}
	day := today.UTC().Truncate(24 * time.Hour)
	for _, p := range published {
		if p.ReviewBy != nil && p.ReviewBy.Before(day) {
			ws.ReviewsDue = append(ws.ReviewsDue, p)
		}
		if p.ValidUntil != nil && !day.Before(*p.ValidUntil) {
			ws.Expired = append(ws.Expired, p)
		}
	}
	return ws, nil
}
