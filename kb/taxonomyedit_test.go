package kb

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestConceptEditsWithHistory: the tree changed from the browser (KB-1) — create with Italian
// and English labels, rename, move, synonyms, mappings to the national vocabularies, retire —
// through the typed writes, each change recorded in the history with who, when and what (names,
// not IRIs); a retirement that would orphan children or pills is refused and records nothing.
func TestConceptEditsWithHistory(t *testing.T) {
	ctx := context.Background()
	for _, backend := range []string{"memstore", "bolt"} {
		t.Run(backend, func(t *testing.T) {
			s := openBackend(t, backend)
			vocab, err := s.VocabularyConcepts(ctx)
			if err != nil || len(vocab) < 10 {
				t.Fatalf("national vocabularies: %d concepts, %v", len(vocab), err)
			}
			at := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
			top := &Concept{PrefLabel: map[string]string{"it": "Casa", "en": "Housing"}}
			if err := s.SaveConcept(ctx, top, "pubblicatore", at); err != nil {
				t.Fatal(err)
			}
			leaf := &Concept{PrefLabel: map[string]string{"it": "Affito"}, Broader: top.IRI}
			if err := s.SaveConcept(ctx, leaf, "pubblicatore", at.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			other := &Concept{PrefLabel: map[string]string{"it": "Abitare"}}
			if err := s.SaveConcept(ctx, other, "admin", at.Add(2*time.Minute)); err != nil {
				t.Fatal(err)
			}
			// Rename, translate, move, synonyms and mappings in one change.
			leaf.PrefLabel = map[string]string{"it": "Affitto", "en": "Renting"}
			leaf.Broader = other.IRI
			leaf.AltLabels = map[string][]string{"it": {"locazione", "canone"}}
			leaf.ExactMatch = []string{vocab[0].IRI}
			leaf.CloseMatch = []string{vocab[1].IRI}
			if err := s.SaveConcept(ctx, leaf, "admin", at.Add(3*time.Minute)); err != nil {
				t.Fatal(err)
			}
			got, err := s.Concept(ctx, leaf.IRI)
			if err != nil {
				t.Fatal(err)
			}
			if got.Label("en") != "Renting" || got.Broader != other.IRI || len(got.AltLabels["it"]) != 2 ||
				len(got.ExactMatch) != 1 || got.ExactMatch[0] != vocab[0].IRI || len(got.CloseMatch) != 1 {
				t.Fatalf("after the change: %+v", got)
			}
			h, err := s.ConceptHistory(ctx, leaf.IRI)
			if err != nil || len(h) != 2 {
				t.Fatalf("history: %+v %v", h, err)
			}
			if h[0].Actor != "admin" || h[0].Action != "modifica" || !h[0].At.Equal(at.Add(3*time.Minute)) ||
				!strings.Contains(h[0].Detail, "«Affito» → «Affitto»") || !strings.Contains(h[0].Detail, "«Abitare»") ||
				!strings.Contains(h[0].Detail, vocab[0].Label("it")) || strings.Contains(h[0].Detail, "https://") {
				t.Errorf("the change as recorded: %+v", h[0])
			}
			if h[1].Action != "creazione" || h[1].Actor != "pubblicatore" {
				t.Errorf("the creation as recorded: %+v", h[1])
			}
			// A concept with children is not retired; a leaf is.
			var ve *ValidationError
			if err := s.RetireConcept(ctx, other.IRI, "admin", at.Add(4*time.Minute)); !errors.As(err, &ve) {
				t.Fatalf("retiring a concept with children: %v", err)
			}
			if h, _ := s.ConceptHistory(ctx, other.IRI); len(h) != 1 {
				t.Errorf("a refused retirement was recorded: %+v", h)
			}
			if err := s.RetireConcept(ctx, leaf.IRI, "admin", at.Add(5*time.Minute)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Concept(ctx, leaf.IRI); !errors.Is(err, ErrNotFound) {
				t.Errorf("the retired concept is still in the tree: %v", err)
			}
			if h, _ := s.ConceptHistory(ctx, leaf.IRI); len(h) != 3 || h[0].Action != "ritiro" {
				t.Errorf("history after the retirement: %+v", h)
			}
			if err := s.SaveConcept(ctx, &Concept{PrefLabel: map[string]string{"it": "X"}, Broader: "https://example.org/none"}, "admin", at); err == nil {
				t.Error("a concept under a parent that does not exist")
			}
		})
	}
}
