package kb

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"sportello/kb/rdf"
	"sportello/ontology"
)

// TestWorkflowStore runs issue 5's "done when" on a real store: the graph shows operators the
// published text until the new version is approved, the history graph names both people, and
// the lists of the publisher and the validator follow.
func TestWorkflowStore(t *testing.T) {
	ctx := context.Background()
	for _, backend := range []string{"memstore", "bolt"} {
		t.Run(backend, func(t *testing.T) {
			store := openBackend(t, backend)
			wf := store.Workflow()
			now := wfT0
			wf.SetClock(func() time.Time { now = now.Add(time.Minute); return now })

			// A pill that came from an import, published at once.
			imported := wfPill("<p>Si va in Comune.</p>")
			imported.Status = StatusPublished
			if err := putPill(ctx, store, &imported); err != nil {
				t.Fatal(err)
			}
			iri := imported.IRI
			must := func(r *PillRecord, e *WorkflowEvent, err error) *PillRecord {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
				return r
			}
			graph := func() *Pill {
				t.Helper()
				p, err := store.Pill(ctx, iri)
				if err != nil {
					t.Fatal(err)
				}
				return p
			}

			edited := imported
			edited.Answer = "<p>Si fa online con SPID.</p>"
			r := must(wf.Edit(ctx, iri, edited, "pubblicatore"))
			if r.Live != 1 || len(r.Versions) != 2 {
				t.Fatalf("after the edit: live %d, %d versions", r.Live, len(r.Versions))
			}
			if p := graph(); p.Status != StatusPublished || !strings.Contains(p.Answer, "in Comune") || p.Version != 1 {
				t.Fatalf("operators see %s v%d %q during the draft", p.Status, p.Version, p.Answer)
			}
			mine, err := wf.EditedBy(ctx, "pubblicatore")
			if err != nil || len(mine) != 1 || mine[0].Version.Number != 2 {
				t.Fatalf("publisher's drafts = %+v, %v", mine, err)
			}
			must(wf.Submit(ctx, iri, 2, "pubblicatore"))
			queue, err := wf.Open(ctx, StatusSubmitted)
			if err != nil || len(queue) != 1 || queue[0].IRI != iri || queue[0].Live != 1 {
				t.Fatalf("validator queue = %+v, %v", queue, err)
			}
			if _, _, err := wf.Approve(ctx, iri, 2, "pubblicatore"); !errors.Is(err, ErrFourEyes) {
				t.Fatalf("self-approval: %v", err)
			}
			// The refused step changed nothing, in SQL or in the graph.
			if r, _ := wf.Record(ctx, iri); r.Versions[1].Status != StatusSubmitted || len(r.Events) != 3 {
				t.Fatalf("record after a refused approval: %+v", r.Events)
			}
			must(wf.Approve(ctx, iri, 2, "validatore"))
			if p := graph(); p.Status != StatusPublished || !strings.Contains(p.Answer, "SPID") || p.Version != 2 || p.ValidatedBy != UserIRI("validatore") {
				t.Fatalf("operators see %s v%d %q after the approval", p.Status, p.Version, p.Answer)
			}
			if q, _ := wf.Open(ctx, StatusSubmitted); len(q) != 0 {
				t.Errorf("queue after the approval: %+v", q)
			}

			// The "novità" list tells operators what changed in the version that went live.
			news, err := wf.Publications(ctx, wfT0)
			if err != nil || len(news) != 2 || news[0].Version != 2 || news[0].Previous != 1 || news[0].By != "validatore" ||
				len(news[0].Changes) != 1 || news[0].Changes[0].Field != "answer" {
				t.Fatalf("publications = %+v, %v", news, err)
			}
			if later, _ := wf.Publications(ctx, now.Add(time.Hour)); len(later) != 0 {
				t.Errorf("publications after the last one: %+v", later)
			}

			// A brand-new pill is a draft in the graph: publishers see it, operators do not.
			fresh := Pill{Code: "ANA-002", Title: "Carta d'identità elettronica", Answer: "<p>Prenotare.</p>"}
			r2 := must(wf.Create(ctx, fresh, "pubblicatore"))
			if p, err := store.Pill(ctx, r2.IRI); err != nil || p.Status != StatusDraft {
				t.Fatalf("new pill in the graph: %+v, %v", p, err)
			}
			if _, _, err := wf.Create(ctx, fresh, "pubblicatore"); err == nil {
				t.Error("a second pill with the same code was created")
			}
			must(wf.Submit(ctx, r2.IRI, 1, "pubblicatore"))
			must(wf.Reject(ctx, r2.IRI, 1, "validatore", "Manca il costo"))
			mine, _ = wf.EditedBy(ctx, "pubblicatore")
			if len(mine) != 1 || mine[0].Version.RejectReason != "Manca il costo" {
				t.Errorf("publisher's rejected versions = %+v", mine)
			}
			if p, _ := store.Pill(ctx, r2.IRI); p.Status != StatusRejected {
				t.Errorf("rejected pill in the graph: %s", p.Status)
			}

			// The history graph holds who did what, exportable with the rest.
			var buf bytes.Buffer
			if err := store.Export(ctx, &buf, rdf.NQuads, ontology.GraphHistory); err != nil {
				t.Fatal(err)
			}
			hist := buf.String()
			for _, who := range []string{"pubblicatore", "validatore"} {
				if !strings.Contains(hist, "<"+UserIRI(who)+">") {
					t.Errorf("history does not name %s", who)
				}
			}
			if !strings.Contains(hist, `"Manca il costo"@it`) {
				t.Error("history lacks the rejection reason")
			}
		})
	}
}

// TestProposalsFromTickets: knowledge proposed from a ticket is a draft for the publishers,
// never sent to the validators, and names its ticket; a revision proposed for a pill with
// several versions goes into the open draft or a new version whose number is higher than every
// earlier one (KB-2, KB-9); a version under review refuses the proposal instead of dropping it.
func TestProposalsFromTickets(t *testing.T) {
	ctx := context.Background()
	store := openBackend(t, "memstore")
	wf := store.Workflow()
	now := wfT0
	wf.SetClock(func() time.Time { now = now.Add(time.Minute); return now })

	p := wfPill("<p>Risposta dal livello 2.</p>")
	if err := wf.ProposePill(ctx, &p, "lucia", TicketSource+"RS-2026-000001"); err != nil {
		t.Fatal(err)
	}
	if p.IRI == "" || p.Version != 1 || p.Status != StatusDraft {
		t.Fatalf("proposed pill: %+v", p)
	}
	if q, _ := wf.Open(ctx, StatusSubmitted); len(q) != 0 {
		t.Fatalf("a proposal reached the validators: %+v", q)
	}
	props, err := wf.Proposals(ctx)
	if err != nil || len(props) != 1 || props[0].Tickets[0] != "RS-2026-000001" {
		t.Fatalf("proposals: %+v %v", props, err)
	}

	// Publish versions 1 and 2, then reject a third: the record has 3 versions, 2 live.
	step := func(_ *PillRecord, ev *WorkflowEvent, err error) int {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return ev.Version
	}
	n := step(wf.Submit(ctx, p.IRI, 1, "pubblicatore"))
	step(wf.Approve(ctx, p.IRI, n, "validatore"))
	c := p
	c.Title = "Seconda versione"
	n = step(wf.Edit(ctx, p.IRI, c, "pubblicatore"))
	step(wf.Submit(ctx, p.IRI, n, "pubblicatore"))
	step(wf.Approve(ctx, p.IRI, n, "validatore"))
	c.Title = "Terza versione"
	n = step(wf.Edit(ctx, p.IRI, c, "pubblicatore"))
	step(wf.Submit(ctx, p.IRI, n, "pubblicatore"))
	if _, err := wf.ProposeRevision(ctx, p.IRI, "Risposta data: altro", "mario", TicketSource+"RS-2026-000002"); err == nil {
		t.Fatal("a proposal changed a version under review")
	}
	step(wf.Reject(ctx, p.IRI, n, "validatore", "Manca l'ufficio"))
	draft, err := wf.ProposeRevision(ctx, p.IRI, "Risposta data: altro", "mario", TicketSource+"RS-2026-000002")
	if err != nil {
		t.Fatal(err)
	}
	if draft.Version != 3 || draft.Title != "Terza versione" || !strings.Contains(draft.Notes, "Risposta data: altro") {
		t.Fatalf("the proposal into the rejected draft: v%d %q %q", draft.Version, draft.Title, draft.Notes)
	}
	// Withdraw the draft by publishing it; a new proposal then makes version 4, never a lower one.
	step(wf.Submit(ctx, p.IRI, 3, "pubblicatore"))
	step(wf.Approve(ctx, p.IRI, 3, "validatore"))
	draft, err = wf.ProposeRevision(ctx, p.IRI, "Risposta data: terza", "mario", TicketSource+"RS-2026-000003")
	if err != nil {
		t.Fatal(err)
	}
	if draft.Version != 4 {
		t.Fatalf("version after 3 published versions: %d", draft.Version)
	}
	if live, _ := store.Pill(ctx, p.IRI); live.Version != 3 || live.Status != StatusPublished {
		t.Fatalf("operators see v%d %s during the proposal", live.Version, live.Status)
	}
	props, _ = wf.Proposals(ctx)
	if len(props) != 1 || props[0].Version.Number != 4 || props[0].Tickets[0] != "RS-2026-000003" {
		t.Fatalf("proposals: %+v", props)
	}
}
