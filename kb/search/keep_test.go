package search

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sportello/fixtures"
	"sportello/kb"
)

// TestStart is the start-up of `sportello serve` for the index (issue 4 §8): a missing
// index is built, a sound one is kept, one that fell behind the store (written while the server
// was down) or a corrupt one is rebuilt, and from then on the index follows each write.
func TestStart(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	store, err := kb.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := fixtures.Load(ctx, store); err != nil {
		store.Close()
		t.Fatal(err)
	}
	concept := fixtures.Pills[0].Concepts[0]

	start := func(want string) *Index {
		t.Helper()
		var logs bytes.Buffer
		x, err := Start(ctx, filepath.Join(data, "index"), store, slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(logs.String(), want) {
			t.Errorf("start-up log lacks %q:\n%s", want, logs.String())
		}
		return x
	}
	find := func(x *Index, q, code string) bool {
		t.Helper()
		r, err := x.Search(ctx, q, Options{Complete: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range r.Hits {
			if h.Code == code {
				return true
			}
		}
		return false
	}

	// 1. No index yet: built from the store.
	x := start(`msg="search index rebuilt"`)
	if !find(x, "bollo auto", "TRI-001") {
		t.Error("the new index does not find TRI-001")
	}
	// The hook follows a write at once.
	p := kb.Pill{Code: "TST-SW1", Title: "Licenza per la raccolta dei tartufi", Answer: "<p>Esame.</p>",
		Status: kb.StatusPublished, Lang: "it", Concepts: []string{concept}}
	if err := fixtures.PutPill(ctx, store, &p); err != nil {
		t.Fatal(err)
	}
	if !find(x, "tartufi", "TST-SW1") {
		t.Error("a pill written after start-up is not found")
	}
	x.Close()

	// 2. The store did not change: the index is kept as it is. (The hook of the closed index
	// is still registered on this store, as it would not be in a new process; a new store
	// value stands for the restart.)
	store.Close()
	if store, err = kb.Open(data); err != nil {
		t.Fatal(err)
	}
	defer func() { store.Close() }()
	x = start(`msg="search index up to date"`)
	x.Close()

	// 3. A write while the server was down: the index is out of step and rebuilt.
	q := kb.Pill{Code: "TST-SW2", Title: "Raccolta dei funghi epigei", Answer: "<p>Tesserino.</p>",
		Status: kb.StatusPublished, Lang: "it", Concepts: []string{concept}}
	if err := fixtures.PutPill(ctx, store, &q); err != nil {
		t.Fatal(err)
	}
	x = start(`found="out of step`)
	if !find(x, "funghi epigei", "TST-SW2") {
		t.Error("the rebuilt index does not find the pill written while it was closed")
	}
	x.Close()

	// 4. A corrupt index (a crash, a disk error): detected and rebuilt.
	store.Close()
	if store, err = kb.Open(data); err != nil {
		t.Fatal(err)
	}
	bleveDir := filepath.Join(data, "index", "bleve")
	if err := os.WriteFile(filepath.Join(bleveDir, "index_meta.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	x = start(`found=corrupt`)
	defer x.Close()
	if !find(x, "funghi epigei", "TST-SW2") || !find(x, "bollo auto", "TRI-001") {
		t.Error("the index rebuilt after corruption misses pills")
	}
}
