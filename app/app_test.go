package app

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"sportello/fixtures"
	"sportello/kb"
)

// TestLoadDemoOnce: --demo fills an empty knowledge base and leaves a filled one alone.
func TestLoadDemoOnce(t *testing.T) {
	ctx := context.Background()
	store, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := LoadDemo(ctx, store, log); err != nil {
		t.Fatal(err)
	}
	first, err := store.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.Pills != len(fixtures.Pills) || first.People != len(fixtures.People) {
		t.Errorf("after --demo: %+v, want %d pills and %d people", first, len(fixtures.Pills), len(fixtures.People))
	}
	p := fixtures.Pills[0]
	p.Title = "Modificata dall'utente"
	if err := fixtures.PutPill(ctx, store, &p); err != nil {
		t.Fatal(err)
	}
	if err := LoadDemo(ctx, store, log); err != nil {
		t.Fatal(err)
	}
	got, err := store.PillByCode(ctx, p.Code)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Modificata dall'utente" {
		t.Errorf("a second --demo overwrote the user's change: %q", got.Title)
	}
}
