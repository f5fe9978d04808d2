package web

import (
	"context"
	"testing"
	"time"

	"sportello/fixtures"
	"sportello/fixtures/testenv"
	"sportello/ingest"
	"sportello/kb"
)

// BenchmarkFoldPlan: the wizard's proposals (kb.Store.FoldPlan) and the plan applied in one
// transaction (kb.Store.ApplyTreePlan: every category with a proposal moved or merged), on the
// demo with the legacy workbook imported (35 categories, 157 pills). Run with
// go test ./web -bench FoldPlan -run '^$'
func BenchmarkFoldPlan(b *testing.B) {
	ctx := context.Background()
	open := func() *kb.Store {
		s, err := kb.OpenMemory()
		if err != nil {
			b.Fatal(err)
		}
		if err := fixtures.Load(ctx, s); err != nil {
			b.Fatal(err)
		}
		if _, err := ingest.ImportFile(ctx, s, testenv.Shared(b, "corpus/pillole-legacy.xlsx"), ingest.Options{}); err != nil {
			b.Logf("import: %v", err) // two rows are refused by design
		}
		return s
	}
	s := open()
	defer s.Close()
	b.Run("proposals", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := s.FoldPlan(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("apply", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			s := open()
			_, props, err := s.FoldPlan(ctx)
			if err != nil {
				b.Fatal(err)
			}
			var steps []kb.TreeStep
			for _, p := range props {
				if p.Action != "" {
					steps = append(steps, kb.TreeStep{Concept: p.Concept.IRI, Action: p.Action, Target: p.Target})
				}
			}
			b.StartTimer()
			if err := s.ApplyTreePlan(ctx, steps, "pubblicatore", time.Now()); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			s.Close()
			b.StartTimer()
		}
	})
}
