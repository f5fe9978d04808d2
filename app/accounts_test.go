package app

import (
	"context"
	"testing"

	"sportello/fixtures"
	"sportello/kb"
)

// TestSecondApproval: --second-approval names a branch; pills filed under it or under a
// narrower concept need two signatures (KB-12), others one.
func TestSecondApproval(t *testing.T) {
	ctx := context.Background()
	store, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := fixtures.Load(ctx, store); err != nil {
		t.Fatal(err)
	}
	top, err := store.ConceptByLabel(ctx, "Abitare")
	if err != nil {
		t.Fatal(err)
	}
	below, err := store.Narrower(ctx, top.IRI, true)
	if err != nil || len(below) == 0 {
		t.Fatalf("Abitare has no narrower concepts (%v)", err)
	}
	rule, err := SecondApproval(ctx, store, " abitare ,")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		concepts []string
		want     bool
	}{
		{[]string{top.IRI}, true},
		{[]string{below[0]}, true},
		{[]string{"https://example.org/other"}, false},
		{nil, false},
	} {
		if got := rule(&kb.Pill{Concepts: tc.concepts}); got != tc.want {
			t.Errorf("concepts %v: two signatures = %v, want %v", tc.concepts, got, tc.want)
		}
	}
	if rule, err := SecondApproval(ctx, store, ""); err != nil || rule != nil {
		t.Errorf("empty spec: rule %v, err %v; want nil, nil", rule != nil, err)
	}
	if _, err := SecondApproval(ctx, store, "Nessun ramo così"); err == nil {
		t.Error("an unknown branch was accepted")
	}
}
