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
