package ingest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"sportello/kb"
)

func reimportBook(t *testing.T, answer string) string {
	t.Helper()
	return writeWorkbook(t, "pillole.xlsx", sheetSpec{name: "Anagrafe", rows: [][]any{
		{"Codice", "Titolo", "Domanda", "Risposta", "Categoria", "Ufficio competente"},
		{"ANA-1", "Cambio di residenza", "Come cambio residenza?", answer, "Anagrafe", "Ufficio Anagrafe"},
		{"ANA-2", "Carta d'identità", "Come la rinnovo?", "Si prenota online.", "Anagrafe", "Ufficio Anagrafe"},
	}})
}

// TestReimportRules: the same rules from the workbook importer as from the kb (README, "Re-import
// rules"): an unchanged row changes nothing; a changed row of a published pill is a new draft
// flagged "changed by import" while operators keep the published text; a pill edited in
// Sportello since its last import is a conflict — an error of its row, counted with the rows
// left out, the text kept beside the pill — and never overwritten.
func TestReimportRules(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	wf := store.Workflow()

	sum := importOK(t, store, reimportBook(t, "Si va in Comune."), Options{Actor: "admin"})
	if sum.Pills.Created != 2 {
		t.Fatalf("first import: %+v", sum.Pills)
	}
	a := pillByCode(t, store, "ANA-1")
	if _, _, err := wf.Submit(ctx, a.IRI, 1, "pubblicatore"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := wf.Approve(ctx, a.IRI, 1, "validatore"); err != nil {
		t.Fatal(err)
	}
	before, _ := store.Stats(ctx)
	again := importOK(t, store, reimportBook(t, "Si va in Comune."), Options{Actor: "admin"})
	if again.Pills.Unchanged != 2 || again.Pills.Created+again.Pills.Updated+again.Pills.Conflicts != 0 {
		t.Fatalf("unchanged workbook: %+v", again.Pills)
	}
	if after, _ := store.Stats(ctx); after != before {
		t.Fatalf("an unchanged workbook wrote: %+v → %+v", before, after)
	}

	changed := importOK(t, store, reimportBook(t, "Si fa online con SPID."), Options{Actor: "admin"})
	if changed.Pills.Updated != 1 || changed.Pills.Unchanged != 1 {
		t.Fatalf("changed row: %+v", changed.Pills)
	}
	if p := pillByCode(t, store, "ANA-1"); p.Status != kb.StatusPublished || !strings.Contains(p.Answer, "in Comune") {
		t.Fatalf("operators see %s %q after a changed row", p.Status, p.Answer)
	}
	r, _ := wf.Record(ctx, a.IRI)
	if len(r.Versions) != 2 || !r.Versions[1].ChangedByImport || !strings.Contains(r.Versions[1].Content.Answer, "SPID") {
		t.Fatalf("record after a changed row: %+v", r.Versions)
	}
	open, _ := wf.Open(ctx, kb.StatusDraft)
	flagged := false
	for _, o := range open {
		flagged = flagged || o.IRI == a.IRI && o.Version.ChangedByImport
	}
	if !flagged {
		t.Error("the publisher's list does not show the draft changed by import")
	}

	// The publisher edits the draft; the next changed row is a conflict.
	edit := r.Versions[1].Content
	edit.Answer = "<p>Si fa online con SPID o CIE.</p>"
	if _, _, err := wf.Edit(ctx, a.IRI, edit, "pubblicatore"); err != nil {
		t.Fatal(err)
	}
	sum, err := ImportFile(ctx, store, reimportBook(t, "Si fa online, anche con CIE."), Options{Actor: "admin"})
	if err != nil || sum == nil || sum.Pills.Conflicts != 1 || sum.RowsLeftOut() != 1 {
		t.Fatalf("conflict: %v %+v", err, sum)
	}
	if p := findProblem(sum.Problems, "Anagrafe", 2, Error); p == nil || !strings.Contains(p.Problem, "conflitto") {
		t.Errorf("conflict problem: %+v", p)
	}
	r, _ = wf.Record(ctx, a.IRI)
	if r.Versions[1].Content.Answer != "<p>Si fa online con SPID o CIE.</p>" || r.Pending == nil ||
		!strings.Contains(r.Pending.Content.Answer, "anche con CIE") || !strings.Contains(r.Pending.Source, "riga 2") {
		t.Fatalf("after the conflict: draft %q, pending %+v", r.Versions[1].Content.Answer, r.Pending)
	}
	if p := pillByCode(t, store, "ANA-1"); !strings.Contains(p.Answer, "in Comune") {
		t.Fatalf("a conflict changed what operators read: %q", p.Answer)
	}

	// --status published publishes the new pill at once, and the history says so.
	sum = importOK(t, store, writeWorkbook(t, "nuove.xlsx", sheetSpec{name: "Anagrafe", rows: [][]any{
		{"Codice", "Titolo", "Risposta"}, {"ANA-3", "Stato di famiglia", "Si chiede online."}}}),
		Options{Actor: "admin", Status: kb.StatusPublished})
	if !sum.Published || sum.Pills.Created != 1 {
		t.Fatalf("published import: %+v", sum)
	}
	p3 := pillByCode(t, store, "ANA-3")
	r3, _ := wf.Record(ctx, p3.IRI)
	if p3.Status != kb.StatusPublished || r3.Events[0].To != kb.StatusPublished || r3.Events[0].Actor != "admin" {
		t.Errorf("published import: %s %+v", p3.Status, r3.Events)
	}
}

// TestImportWritesAllOrNothing: an import that fails on the way — a cancelled context, a store
// that cannot write — leaves the store as it was, whatever it had written in its batch.
func TestImportWritesAllOrNothing(t *testing.T) {
	store := openStore(t)
	rows := [][]any{{"Codice", "Titolo", "Risposta", "Categoria"}}
	for i := 0; i < 300; i++ {
		rows = append(rows, []any{fmt.Sprintf("X-%03d", i), fmt.Sprintf("Scheda %d", i), "Risposta.", fmt.Sprintf("Voce %d", i%7)})
	}
	book := writeWorkbook(t, "molte.xlsx", sheetSpec{name: "Foglio", rows: rows})
	before, _ := store.Stats(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	_, err := ImportFile(ctx, store, book, Options{Progress: func(sheet string, row int) {
		if row == -1 {
			cancel() // the whole sheet is in the batch, not yet written
		}
	}})
	if err == nil {
		t.Fatal("a cancelled import succeeded")
	}
	if after, _ := store.Stats(context.Background()); after != before {
		t.Fatalf("a cancelled import wrote: %+v → %+v", before, after)
	}
	if sum := importOK(t, store, book, Options{}); sum.Pills.Created != 300 {
		t.Fatalf("the import afterwards: %+v", sum.Pills)
	}
}

// TestImportPanicIsAnError: a panic during an import (here in the progress callback, the way a
// bug anywhere on the path would) reaches the caller as an Italian error, with nothing written.
func TestImportPanicIsAnError(t *testing.T) {
	store := openStore(t)
	before, _ := store.Stats(context.Background())
	book := reimportBook(t, "Si va in Comune.")
	sum, err := ImportFile(context.Background(), store, book, Options{Progress: func(string, int) { panic("guasto simulato") }})
	if err == nil || sum != nil || !strings.Contains(err.Error(), "errore interno") || !strings.Contains(err.Error(), "nulla è stato scritto") {
		t.Fatalf("panic → %+v, %v", sum, err)
	}
	if after, _ := store.Stats(context.Background()); after != before {
		t.Fatalf("a panicking import wrote: %+v → %+v", before, after)
	}
}

// TestImportTellsEveryChange: the store's change hook (what keeps the search index in step) hears
// of every pill, concept, unit and person one big import writes, once, after the commit.
func TestImportTellsEveryChange(t *testing.T) {
	store := openStore(t)
	var changes []kb.Change
	store.OnChange(func(_ context.Context, c kb.Change) { changes = append(changes, c) })
	rows := [][]any{{"Codice", "Titolo", "Risposta", "Categoria", "Sottocategoria", "Dipartimento"}}
	for i := 0; i < 700; i++ {
		rows = append(rows, []any{fmt.Sprintf("Y-%03d", i), fmt.Sprintf("Scheda %d", i), "Risposta.", fmt.Sprintf("Area %d", i%5), fmt.Sprintf("Tema %d", i%11), fmt.Sprintf("Dipartimento %d", i%3)})
	}
	sum := importOK(t, store, writeWorkbook(t, "grande.xlsx", sheetSpec{name: "Foglio", rows: rows}), Options{})
	if len(changes) != 1 {
		t.Fatalf("%d change notices for one import, want 1", len(changes))
	}
	c := changes[0]
	seen := map[string]int{}
	for _, iri := range append(append(append(c.Pills, c.Concepts...), c.Units...), c.People...) {
		seen[iri]++
	}
	for _, it := range sum.Items {
		if it.Action == Created && seen[it.IRI] != 1 {
			t.Errorf("%s %s told %d times", it.Type, it.IRI, seen[it.IRI])
		}
	}
	if len(c.Pills) != 700 {
		t.Errorf("%d pills told, want 700", len(c.Pills))
	}
	// A dry run tells nothing: nothing was written.
	changes = nil
	importOK(t, store, writeWorkbook(t, "grande.xlsx", sheetSpec{name: "Foglio", rows: rows}), Options{DryRun: true})
	if len(changes) != 0 {
		t.Errorf("a dry run told %+v", changes)
	}
}

// TestControlCharactersRefused: a text a workbook gives with a control character no RDF syntax
// can hold is refused at the row, with an Italian message naming the field; the others go in,
// and the store still exports whole.
func TestControlCharactersRefused(t *testing.T) {
	store := openStore(t)
	book := writeWorkbook(t, "controllo.xlsx", sheetSpec{name: "Foglio", rows: [][]any{
		{"Codice", "Titolo", "Risposta"},
		{"Z-1", "Buona", "Risposta."},
		{"Z-2", "Con un campanello", "Suona\x07 qui."},
	}})
	sum, err := ImportFile(context.Background(), store, book, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Pills.Created < 1 {
		t.Fatalf("%+v", sum.Pills)
	}
	if sum.Pills.Created == 1 {
		p := findProblem(sum.Problems, "Foglio", 3, Error)
		if p == nil || !strings.Contains(p.Problem, "carattere di controllo") || !strings.Contains(p.Problem, "risposta") {
			t.Errorf("problem for the control character: %+v", p)
		}
	}
	for _, f := range []string{"rdfxml", "ntriples"} {
		if err := exportAll(store, f); err != nil {
			t.Errorf("export %s: %v", f, err)
		}
	}
}
