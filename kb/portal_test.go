package kb_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"sportello/fixtures"
	"sportello/kb"
	"sportello/ontology"
)

// TestLifeEvents: the national life events come from the vocabularies graph in their order,
// with the tree's concepts mapped to them by skos:closeMatch and the pills the viewer sees;
// a draft counts for editorial viewers only.
func TestLifeEvents(t *testing.T) {
	ctx := context.Background()
	s, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := fixtures.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	evs, err := s.LifeEventsAs(ctx, kb.Anonymous, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 19 || evs[0].Code() != "1" || evs[18].Code() != "19" {
		t.Fatalf("%d life events, first %+v", len(evs), evs[0])
	}
	var withPills int
	for _, e := range evs {
		if e.Label("it") == e.IRI {
			t.Errorf("life event %s has no Italian label", e.IRI)
		}
		if len(e.Mapped) > 0 && e.Pills > 0 {
			withPills++
		}
		if len(e.Mapped) == 0 && e.Pills != 0 {
			t.Errorf("%s: %d pills without a mapped concept", e.Code(), e.Pills)
		}
	}
	if withPills < 5 {
		t.Errorf("only %d life events have pills in the demo", withPills)
	}
	ev, pills, err := s.LifeEventAs(ctx, "8", kb.Anonymous, time.Time{})
	if err != nil || len(pills) == 0 || !strings.HasSuffix(ev.IRI, "/8") {
		t.Fatalf("life event 8: %+v, %d pills, %v", ev, len(pills), err)
	}
	for _, p := range pills {
		if p.Status != kb.StatusPublished || p.Notes != "" || p.Extra != nil || p.ValidatedBy != "" {
			t.Errorf("the public sees %s with status %s, notes %q, extra %v, validator %q", p.Code, p.Status, p.Notes, p.Extra, p.ValidatedBy)
		}
	}
	if _, _, err := s.LifeEventAs(ctx, "99", kb.Anonymous, time.Time{}); err == nil {
		t.Error("an unknown life event must be ErrNotFound")
	}

	// A draft under the event counts for editors, not for the public.
	draft := pills[0]
	draft.IRI, draft.Code, draft.Title, draft.Status = draft.IRI+"-bozza", "BOZZA-1", "Bozza di prova", kb.StatusDraft
	if err := fixtures.PutPill(ctx, s, &draft); err != nil {
		t.Fatal(err)
	}
	_, edit, _ := s.LifeEventAs(ctx, "8", kb.Editorial, time.Time{})
	_, pub, _ := s.LifeEventAs(ctx, "8", kb.Anonymous, time.Time{})
	has := func(ps []kb.Pill) bool {
		for _, p := range ps {
			if p.Code == "BOZZA-1" {
				return true
			}
		}
		return false
	}
	if !has(edit) || has(pub) || len(pub) != len(pills) {
		t.Errorf("editorial %d (draft %v), public %d (draft %v), before %d", len(edit), has(edit), len(pub), has(pub), len(pills))
	}

	rel, err := s.RelatedAs(ctx, &pills[0], kb.Anonymous, time.Time{}, 5)
	if err != nil || len(rel) == 0 || len(rel) > 5 {
		t.Fatalf("related: %d, %v", len(rel), err)
	}
	for _, r := range rel {
		if r.IRI == pills[0].IRI || r.Status != kb.StatusPublished {
			t.Errorf("related %s (%s)", r.Code, r.Status)
		}
	}

	// The FAQPage wraps the pill's own JSON-LD.
	ld, err := kb.PillFAQPage(&pills[0], nil, nil, "https://example.it/servizi/schede/X")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Context map[string]any `json:"@context"`
		Type    string         `json:"@type"`
		Main    struct {
			ID     string `json:"@id"`
			Name   string `json:"name"`
			Answer struct {
				Type string `json:"@type"`
				Text string `json:"text"`
			} `json:"acceptedAnswer"`
		} `json:"mainEntity"`
	}
	if err := json.Unmarshal(ld, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Type != "FAQPage" || doc.Main.ID != pills[0].IRI || doc.Main.Name != pills[0].Title || doc.Main.Answer.Type != "Answer" ||
		doc.Main.Answer.Text == "" || doc.Context["@vocab"] != ontology.Schema {
		t.Errorf("FAQPage: %s", ld)
	}
}

// TestGenerationFollowsWrites: reads leave the generation alone, each committed write changes
// it, a refused write does not (the portal's kept pages depend on it, KB-5).
func TestGenerationFollowsWrites(t *testing.T) {
	ctx := context.Background()
	s, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := fixtures.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	g := s.Generation()
	if _, err := s.LifeEventsAs(ctx, kb.Anonymous, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if s.Generation() != g {
		t.Error("a read changed the generation")
	}
	if err := s.Update(ctx, func(b *kb.Batch) error { return errors.New("refused") }); err == nil || s.Generation() != g {
		t.Errorf("a refused write: %v, generation %d → %d", err, g, s.Generation())
	}
	units, err := s.Units(ctx)
	if err != nil || len(units) == 0 {
		t.Fatal(units, err)
	}
	u := units[0]
	u.Name += " (nuovo nome)"
	if err := s.PutUnit(ctx, &u); err != nil {
		t.Fatal(err)
	}
	if s.Generation() == g {
		t.Error("a committed write left the generation as it was")
	}
}
