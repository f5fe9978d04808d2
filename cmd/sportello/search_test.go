package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sportello/fixtures"
	"sportello/kb"
	"sportello/kb/search"
)

// TestSearchCLI: `sportello reindex` then `sportello search` on a real store (issue 4 §9).
func TestSearchCLI(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	store, err := kb.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []kb.Pill{
		{Code: "TRI-001", Title: "Bollo auto: scadenza e termini di pagamento", Question: "Entro quando devo pagare il bollo della macchina?",
			Answer: "Il bollo si paga entro l'ultimo giorno del mese successivo alla scadenza.", Status: kb.StatusPublished, Lang: "it"},
		{Code: "TRI-099", Title: "Superbollo (bozza)", Answer: "In preparazione.", Status: kb.StatusDraft, Lang: "it"},
	} {
		if err := fixtures.PutPill(ctx, store, &p); err != nil {
			t.Fatal(err)
		}
	}
	u := kb.Unit{Name: "Ufficio Tassa Automobilistica", Kind: kb.UnitOffice}
	if err := store.PutUnit(ctx, &u); err != nil {
		t.Fatal(err)
	}
	person := kb.Person{GivenName: "Maria", FamilyName: "Petrecca", Role: "Responsabile", Unit: u.IRI, Extension: "5110"}
	if err := store.PutPerson(ctx, &person); err != nil {
		t.Fatal(err)
	}
	store.Close()

	code, out, errOut := sportello(t, "reindex", "--data", data)
	if code != 0 || !strings.Contains(out, "indexed 4 documents") || !strings.Contains(errOut, "100%") {
		t.Fatalf("reindex: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = sportello(t, "search", "--json", "--data", data, "entro quando pago il bolo")
	if code != 0 {
		t.Fatalf("search: exit %d: %s", code, errOut)
	}
	var r search.Response
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !r.Confident || len(r.Hits) == 0 || r.Hits[0].Code != "TRI-001" || r.Hits[0].Kind != "pill" {
		t.Errorf("search --json: %s", out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"5110"}, "Maria Petrecca"},
		{[]string{"superbollo"}, "Nessun risultato."},
		{[]string{"--all", "superbollo"}, "TRI-099"},
	} {
		code, out, errOut = sportello(t, append([]string{"search", "--data", data}, tc.args...)...)
		if code != 0 || !strings.Contains(out, tc.want) {
			t.Errorf("search %v: exit %d, want %q in\n%s%s", tc.args, code, tc.want, out, errOut)
		}
	}
	if code, _, _ := sportello(t, "search", "--data", data); code != 2 {
		t.Errorf("search without a query: exit %d, want 2", code)
	}

	// A corrupt index is rebuilt by the next search.
	files, _ := filepath.Glob(filepath.Join(data, "index", "bleve", "*"))
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && !st.IsDir() {
			os.WriteFile(f, []byte("garbage"), 0o644)
		}
	}
	code, out, errOut = sportello(t, "search", "--data", data, "bollo")
	if code != 0 || !strings.Contains(out, "TRI-001") || !strings.Contains(errOut, "corrupt") {
		t.Errorf("search on a corrupt index: exit %d\n%s\n%s", code, out, errOut)
	}
}
