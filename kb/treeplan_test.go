package kb

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMergeConcepts: merging a concept into another (KB-1) moves its narrower concepts, its
// pills (live and open versions, through the workflow: no new version), its labels as synonyms
// and its mappings to the survivor; the merged IRI stays, deprecated and replaced by the
// survivor; both concepts' histories say who and when; a refused merge writes nothing.
func TestMergeConcepts(t *testing.T) {
	ctx := context.Background()
	for _, backend := range []string{"memstore", "bolt"} {
		t.Run(backend, func(t *testing.T) {
			s := openBackend(t, backend)
			vocab, _ := s.VocabularyConcepts(ctx)
			at := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
			save := func(c *Concept) {
				t.Helper()
				if err := s.SaveConcept(ctx, c, "pubblicatore", at); err != nil {
					t.Fatal(err)
				}
			}
			branch := &Concept{PrefLabel: map[string]string{"it": "Abitare"}, CloseMatch: []string{vocab[0].IRI}}
			save(branch)
			legacy := &Concept{PrefLabel: map[string]string{"it": "EDILIZIA", "en": "Housing"},
				AltLabels: map[string][]string{"it": {"case popolari", "abitare"}}, ExactMatch: []string{vocab[1].IRI}}
			save(legacy)
			sub := &Concept{PrefLabel: map[string]string{"it": "Graduatorie"}, Broader: legacy.IRI}
			save(sub)
			live := &Pill{Code: "EDI-001", Title: "Domanda di casa popolare", Answer: "<p>Si presenta al Comune.</p>",
				Concepts: []string{legacy.IRI}, Status: StatusPublished}
			draft := &Pill{Code: "EDI-002", Title: "Decadenza", Answer: "<p>Quando si perde il diritto.</p>",
				Concepts: []string{legacy.IRI, branch.IRI}}
			for _, p := range []*Pill{live, draft} {
				if err := putPill(ctx, s, p); err != nil {
					t.Fatal(err)
				}
			}
			before, _ := s.Workflow().Record(ctx, live.IRI)

			// Merging a concept into one of its own narrower concepts is refused, nothing written.
			var ve *ValidationError
			if err := s.MergeConcepts(ctx, legacy.IRI, sub.IRI, "pubblicatore", at); !errors.As(err, &ve) {
				t.Fatalf("merge into a narrower concept: %v", err)
			}
			if h, _ := s.ConceptHistory(ctx, sub.IRI); len(h) != 1 {
				t.Errorf("a refused merge was recorded: %+v", h)
			}

			when := at.Add(time.Hour)
			if err := s.MergeConcepts(ctx, legacy.IRI, branch.IRI, "redattrice", when); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Concept(ctx, legacy.IRI); !errors.Is(err, ErrNotFound) {
				t.Errorf("the merged concept is still in the tree: %v", err)
			}
			if got, ok := s.ReplacedBy(ctx, legacy.IRI); !ok || got != branch.IRI {
				t.Errorf("the merged IRI resolves to %q %v", got, ok)
			}
			id := legacy.IRI[strings.LastIndex(legacy.IRI, "/")+1:]
			if got, ok := s.ReplacedBy(ctx, id); !ok || got != branch.IRI {
				t.Errorf("the merged concept's id resolves to %q %v", got, ok)
			}
			b, _ := s.Concept(ctx, branch.IRI)
			if !slices.Contains(b.AltLabels["it"], "EDILIZIA") || !slices.Contains(b.AltLabels["en"], "Housing") ||
				!slices.Contains(b.AltLabels["it"], "case popolari") || slices.Contains(b.AltLabels["it"], "abitare") ||
				!slices.Contains(b.ExactMatch, vocab[1].IRI) || !slices.Contains(b.CloseMatch, vocab[0].IRI) {
				t.Errorf("the survivor: %+v", b)
			}
			if c, _ := s.Concept(ctx, sub.IRI); c == nil || c.Broader != branch.IRI {
				t.Errorf("the narrower concept: %+v", c)
			}
			for _, p := range []*Pill{live, draft} {
				got, err := s.Pill(ctx, p.IRI)
				if err != nil || !slices.Equal(got.Concepts, []string{branch.IRI}) {
					t.Errorf("pill %s after the merge: %v %v", p.Code, got.Concepts, err)
				}
			}
			after, _ := s.Workflow().Record(ctx, live.IRI)
			if len(after.Versions) != len(before.Versions) || after.Live != before.Live {
				t.Errorf("re-filing made a new version: %d → %d versions", len(before.Versions), len(after.Versions))
			}
			last := after.Events[len(after.Events)-1]
			if last.Action != ActionRefile || last.Actor != "redattrice" || !strings.Contains(last.Reason, "«EDILIZIA» → «Abitare»") {
				t.Errorf("the pill's history: %+v", last)
			}
			hb, _ := s.ConceptHistory(ctx, branch.IRI)
			hl, _ := s.ConceptHistory(ctx, legacy.IRI)
			if len(hb) == 0 || hb[0].Action != "unione" || hb[0].Actor != "redattrice" || !strings.Contains(hb[0].Detail, "«EDILIZIA»") {
				t.Errorf("the survivor's history: %+v", hb)
			}
			if len(hl) == 0 || hl[0].Action != "unione" || !hl[0].At.After(at) || !strings.Contains(hl[0].Detail, "«Abitare»") {
				t.Errorf("the merged concept's history: %+v", hl)
			}
			if got, _ := s.ConceptByLabel(ctx, "edilizia"); got == nil || got.IRI != branch.IRI {
				t.Errorf("the merged label finds %+v", got)
			}
		})
	}
}

// TestTreePlan: a plan of moves, merges and mappings is one transaction: a bad last step
// leaves the tree as it was; a good plan applies every step in order.
func TestTreePlan(t *testing.T) {
	ctx := context.Background()
	s := openBackend(t, "memstore")
	vocab, _ := s.VocabularyConcepts(ctx)
	at := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	var iris []string
	for _, l := range []string{"Famiglia", "NIDI", "SCUOLA", "MENSE"} {
		c := &Concept{PrefLabel: map[string]string{"it": l}}
		if err := s.SaveConcept(ctx, c, "pubblicatore", at); err != nil {
			t.Fatal(err)
		}
		iris = append(iris, c.IRI)
	}
	fam, nidi, scuola, mense := iris[0], iris[1], iris[2], iris[3]
	plan := []TreeStep{
		{Concept: nidi, Action: TreeMove, Target: fam},
		{Concept: scuola, Action: TreeMerge, Target: fam},
		{Concept: mense, Action: TreeMerge, Target: fam},
		{Concept: nidi, Action: TreeMap, Target: vocab[2].IRI, Relation: MatchNarrow},
		{Concept: mense, Action: TreeMove, Target: fam}, // already merged: refused
	}
	var ve *ValidationError
	if err := s.ApplyTreePlan(ctx, plan, "pubblicatore", at.Add(time.Hour)); !errors.As(err, &ve) {
		t.Fatalf("a plan with a bad step: %v", err)
	}
	if all, _ := s.Concepts(ctx); len(all) != 4 {
		t.Fatalf("a refused plan changed the tree: %d concepts", len(all))
	}
	if err := s.ApplyTreePlan(ctx, plan[:4], "pubblicatore", at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	all, _ := s.Concepts(ctx)
	if len(all) != 2 {
		t.Fatalf("after the plan: %+v", all)
	}
	f, _ := s.Concept(ctx, fam)
	n, _ := s.Concept(ctx, nidi)
	if !slices.Contains(f.AltLabels["it"], "SCUOLA") || !slices.Contains(f.AltLabels["it"], "MENSE") {
		t.Errorf("the survivor of two merges: %+v", f)
	}
	if n.Broader != fam || !slices.Equal(n.NarrowMatch, []string{vocab[2].IRI}) {
		t.Errorf("the moved and mapped concept: %+v", n)
	}
	if h, _ := s.ConceptHistory(ctx, fam); len(h) != 3 {
		t.Errorf("the survivor's history: %+v", h)
	}
}
