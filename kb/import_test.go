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

// TestReimportSemantics runs the re-import rules on a store, step by step, as a legacy base
// is imported again and again while people work on it in Sportello.
func TestReimportSemantics(t *testing.T) {
	ctx := context.Background()
	for _, backend := range []string{"memstore", "bolt"} {
		t.Run(backend, func(t *testing.T) {
			s := openBackend(t, backend)
			wf := s.Workflow()
			now := wfT0
			wf.SetClock(func() time.Time { now = now.Add(time.Minute); return now })
			row := func(answer string) ImportRequest {
				p := wfPill(answer)
				return ImportRequest{Content: p, Actor: "admin", Source: "pillole.xlsx, foglio \"Anagrafe\", riga 2"}
			}
			imp := func(req ImportRequest, want ImportOutcome) *ImportResult {
				t.Helper()
				res, err := wf.Import(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				if res.Outcome != want {
					t.Fatalf("import: %s (%s), want %s", res.Outcome, res.Reason, want)
				}
				return res
			}
			live := func() *Pill {
				t.Helper()
				p, err := s.Pill(ctx, PillIRI("ANA-001"))
				if err != nil {
					t.Fatal(err)
				}
				return p
			}
			rec := func() *PillRecord {
				t.Helper()
				r, err := wf.Record(ctx, PillIRI("ANA-001"))
				if err != nil {
					t.Fatal(err)
				}
				return r
			}
			stats := func() Stats { st, _ := s.Stats(ctx); return st }

			imp(row("<p>uno</p>"), ImportCreated)
			before := stats()
			imp(row("<p>uno</p>"), ImportUnchanged)
			if stats() != before {
				t.Fatal("an unchanged row wrote something")
			}
			// A changed row of a draft nobody touched changes that draft.
			imp(row("<p>due</p>"), ImportUpdated)
			if r := rec(); len(r.Versions) != 1 || r.Versions[0].Content.Answer != "<p>due</p>" {
				t.Fatalf("draft after a changed row: %+v", r.Versions)
			}
			// Published by a validator: a changed row is a new draft flagged, the published
			// version stays what operators read.
			mustStep(t)(wf.Submit(ctx, PillIRI("ANA-001"), 1, "pubblicatore"))
			mustStep(t)(wf.Approve(ctx, PillIRI("ANA-001"), 1, "validatore"))
			imp(row("<p>tre</p>"), ImportUpdated)
			r := rec()
			if len(r.Versions) != 2 || !r.Versions[1].ChangedByImport || r.Versions[1].Status != StatusDraft || r.Live != 1 {
				t.Fatalf("after a changed row over a published pill: live %d %+v", r.Live, r.Versions)
			}
			if p := live(); p.Answer != "<p>due</p>" || p.Status != StatusPublished {
				t.Fatalf("operators see %q %s", p.Answer, p.Status)
			}
			// The publisher edits the draft in Sportello: the next changed row is a conflict,
			// kept aside; nothing operators or the publisher see changes.
			edited := wfPill("<p>tre, corretta</p>")
			mustStep(t)(wf.Edit(ctx, PillIRI("ANA-001"), edited, "pubblicatore"))
			before = stats()
			res := imp(row("<p>quattro</p>"), ImportConflict)
			if !strings.Contains(res.Reason, "modificata in Sportello") {
				t.Errorf("reason %q", res.Reason)
			}
			r = rec()
			if r.Versions[1].Content.Answer != "<p>tre, corretta</p>" || r.Pending == nil || r.Pending.Content.Answer != "<p>quattro</p>" {
				t.Fatalf("after a conflict: %+v pending %+v", r.Versions[1].Content.Answer, r.Pending)
			}
			if p := live(); p.Answer != "<p>due</p>" {
				t.Fatalf("a conflict changed what operators read: %q", p.Answer)
			}
			conf, err := wf.Conflicts(ctx)
			if err != nil || len(conf) != 1 || conf[0].Pending.Content.Answer != "<p>quattro</p>" {
				t.Fatalf("conflicts = %+v, %v", conf, err)
			}
			// The same row again is still the same conflict, not a second one.
			imp(row("<p>quattro</p>"), ImportConflict)
			if r := rec(); r.Pending.Number != 2 {
				t.Logf("a repeated conflicting row kept aside again as text %d", r.Pending.Number)
			}
			// The publisher merges: the imported text is settled, the merged draft protected.
			mustStep(t)(wf.Merge(ctx, PillIRI("ANA-001"), wfPill("<p>quattro, corretta</p>"), "pubblicatore"))
			if r := rec(); r.Pending != nil || r.Versions[1].Content.Answer != "<p>quattro, corretta</p>" {
				t.Fatalf("after the merge: %+v", r)
			}
			imp(row("<p>quattro</p>"), ImportUnchanged)
			imp(row("<p>cinque</p>"), ImportConflict)
			mustStep(t)(wf.Discard(ctx, PillIRI("ANA-001"), "pubblicatore"))
			imp(row("<p>cinque</p>"), ImportUnchanged)
			if r := rec(); r.Versions[1].Content.Answer != "<p>quattro, corretta</p>" {
				t.Fatalf("a discarded text reached the pill: %q", r.Versions[1].Content.Answer)
			}
			// Explicit publication by an administrator, written in the history.
			fresh := ImportRequest{Content: Pill{Code: "ANA-002", Title: "Carta d'identità", Answer: "<p>Si prenota.</p>"},
				Actor: "admin", Source: "pillole.xlsx", Publish: true}
			res, err = wf.Import(ctx, fresh)
			if err != nil || !res.Published {
				t.Fatalf("published import: %+v %v", res, err)
			}
			p2, _ := wf.Record(ctx, PillIRI("ANA-002"))
			if p2.Live != 1 || p2.Events[0].To != StatusPublished || !strings.Contains(p2.Events[0].Reason, "esplicita") {
				t.Errorf("published import in the history: live %d %+v", p2.Live, p2.Events)
			}
			// A deleted pill is never brought back by an import behind the publisher's back.
			mustStep(t)(wf.Delete(ctx, PillIRI("ANA-002"), "pubblicatore", "doppione"))
			fresh.Content.Answer = "<p>Si prenota online.</p>"
			fresh.Publish = false
			if res, _ := wf.Import(ctx, fresh); res.Outcome != ImportConflict {
				t.Errorf("import over a deleted pill: %+v", res)
			}
			if _, err := s.Pill(ctx, PillIRI("ANA-002")); !errors.Is(err, ErrNotFound) {
				t.Errorf("the deleted pill is back: %v", err)
			}
			// Every step is in the history graph, with its source.
			var hist bytes.Buffer
			if err := s.Export(ctx, &hist, rdf.NQuads, ontology.GraphHistory); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"pillole.xlsx, foglio", ontology.MergeActivity, ontology.DiscardActivity,
				ontology.ImportedText, "<p>quattro</p>"} {
				if !strings.Contains(hist.String(), want) {
					t.Errorf("history lacks %s", want)
				}
			}
			checkNoNil(t, s)
		})
	}
}

func mustStep(t *testing.T) func(*PillRecord, *WorkflowEvent, error) {
	return func(_ *PillRecord, _ *WorkflowEvent, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestRDFImportOfPills: pills in RDF documents go through the workflow like any other import.
func TestRDFImportOfPills(t *testing.T) {
	ctx := context.Background()
	// Blank nodes of imported data get fresh labels at every import (two imports never merge
	// them): a store without any, so that "nothing changes" is exact.
	src := memStore(t)
	_, cup, _ := testTree(t, src)
	if err := putPill(ctx, src, fullPill(cup, "")); err != nil {
		t.Fatal(err)
	}
	// An edit in progress, so the export has two versions and a step of each kind.
	p, _ := src.PillByCode(ctx, "SAL-012")
	q := *p
	q.Answer = "<p>Nuova risposta.</p>"
	mustStep(t)(src.Workflow().Edit(ctx, p.IRI, q, "pubblicatore"))
	doc := mustExport(t, src, rdf.NQuads, "")

	// Into an empty store: the pills come back with their whole history.
	dst := memStore(t)
	res, err := dst.ImportRDF(ctx, bytes.NewReader(doc), rdf.NQuads, ImportOptions{File: "export.nq"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Pills) != 1 || res.Pills[0].Outcome != ImportCreated {
		t.Fatalf("pills: %+v", res.Pills)
	}
	a, b := readAll(t, doc, rdf.NQuads), exportQuads(t, dst, rdf.NQuads)
	if !rdf.Isomorphic(a, b) {
		t.Fatalf("export → import → export is not isomorphic: %d and %d statements", len(a), len(b))
	}
	// The same document again, into the store it came from or into the copy: nothing changes.
	for _, s := range []*Store{src, dst} {
		before := exportQuads(t, s, rdf.NQuads)
		res, err := s.ImportRDF(ctx, bytes.NewReader(doc), rdf.NQuads, ImportOptions{File: "export.nq"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Pills) != 1 || res.Pills[0].Outcome != ImportUnchanged {
			t.Errorf("again: %+v", res.Pills)
		}
		if after := exportQuads(t, s, rdf.NQuads); !rdf.Isomorphic(before, after) {
			t.Errorf("importing the store's own export changed it: %d → %d statements", len(before), len(after))
		}
	}

	// A foreign description of a pill (no history): an import of its text, a draft.
	foreign := `@prefix sp: <https://w3id.org/sportello/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix schema: <https://schema.org/> .
<https://example.org/schede/42> a sp:KnowledgePill ; dct:identifier "EXT-42" ; dct:title "Una scheda di altri"@it ;
    schema:acceptedAnswer [ schema:text "<p>Risposta.</p>"@it ] ; sp:validatedBy <https://example.org/persone/1> .
`
	res, err = dst.ImportRDF(ctx, strings.NewReader(foreign), rdf.Turtle, ImportOptions{File: "altri.ttl", Actor: "admin"})
	if err != nil || len(res.Pills) != 1 || res.Pills[0].Outcome != ImportCreated {
		t.Fatalf("foreign pill: %+v %v", res, err)
	}
	got, err := dst.Pill(ctx, "https://example.org/schede/42")
	if err != nil || got.Status != StatusDraft || got.Answer != "<p>Risposta.</p>" || got.ValidatedBy != "https://example.org/persone/1" {
		t.Fatalf("foreign pill read back: %+v %v", got, err)
	}
	r, _ := dst.Workflow().Record(ctx, got.IRI)
	if len(r.Events) != 1 || r.Events[0].Action != ActionImport || r.Events[0].Actor != "admin" || r.Events[0].Source != "altri.ttl" {
		t.Errorf("foreign pill's history: %+v", r.Events)
	}
	// A property Sportello would lose is refused, with nothing written.
	before, _ := dst.Stats(ctx)
	bad := strings.Replace(foreign, `dct:title "Una scheda di altri"@it ;`, `dct:title "Una scheda di altri"@it ; <https://example.org/voto> 5 ;`, 1)
	if _, err := dst.ImportRDF(ctx, strings.NewReader(bad), rdf.Turtle, ImportOptions{File: "altri.ttl"}); err == nil || !strings.Contains(err.Error(), "voto") {
		t.Errorf("unknown property: %v", err)
	}
	if after, _ := dst.Stats(ctx); after != before {
		t.Errorf("a refused import wrote: %+v → %+v", before, after)
	}
}

// TestUserTextRefusedAtInput: what a person can type — control characters included — is
// refused by the one writer with an Italian message naming the field, before anything is
// written; every other text goes in and out in every syntax.
func TestUserTextRefusedAtInput(t *testing.T) {
	ctx := context.Background()
	s := memStore(t)
	wf := s.Workflow()
	for _, c := range []struct {
		p     Pill
		field string
	}{
		{Pill{Title: "Campanello", Answer: "Suona\a."}, "risposta"},
		{Pill{Title: "Tab verticale\v", Answer: "x"}, "titolo"},
		{Pill{Title: "Nota", Answer: "x", Notes: "nul\x00"}, "note"},
		{Pill{Title: "Parole", Answer: "x", Keywords: []string{"a\x1bb"}}, "parole chiave"},
		{Pill{Title: "UTF-8", Answer: "caff\xe8"}, "risposta"},
	} {
		before, _ := s.Stats(ctx)
		_, _, err := wf.Create(ctx, c.p, "pubblicatore")
		var ve *ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), "«"+c.field+"»") {
			t.Errorf("%q: %v, want a refusal naming «%s»", c.p.Title, err, c.field)
		}
		if after, _ := s.Stats(ctx); after != before {
			t.Errorf("%q: a refused pill wrote", c.p.Title)
		}
	}
	odd := Pill{Code: "ODD-1", Title: "Tab\te a capo\r\n, \"virgolette\" <b>&</b> \u2028 é 😀 \\ fine", Answer: "<p>Riga\n\tdue</p>"}
	if _, _, err := wf.Create(ctx, odd, "pubblicatore"); err != nil {
		t.Fatal(err)
	}
	for _, f := range rdf.Formats {
		doc := mustExport(t, s, f, "")
		dst := memStore(t)
		if _, err := dst.Import(ctx, bytes.NewReader(doc), f, ImportOptions{}); err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if p, err := dst.PillByCode(ctx, "ODD-1"); err != nil || p.Title != odd.Title || p.Answer != odd.Answer {
			t.Errorf("%s round trip: %+v %v", f, p, err)
		}
	}
}
