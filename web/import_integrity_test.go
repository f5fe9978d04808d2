package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sportello/ingest"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/kb/search"
	"sportello/web/imports"
)

// importIndexedServer is importServer with a search index kept in step with the store, as
// `sportello serve` runs it.
func importIndexedServer(t *testing.T) (*Server, *kb.Store) {
	t.Helper()
	store, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	x, err := search.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	search.KeepIndexed(store, x, nil)
	return New(Config{Auth: headerAuth{}, DataDir: t.TempDir()}, Deps{Store: store, Search: x}), store
}

// searchFinds reports whether the public's search for q finds the pill with code.
func searchFinds(t *testing.T, h http.Handler, q, code string) bool {
	t.Helper()
	var resp search.Response
	decode(t, get(t, h, "/api/search?q="+url.QueryEscape(q), role.Anonymous), &resp)
	for _, hit := range resp.Hits {
		if hit.Code == code {
			return true
		}
	}
	return false
}

// TestImportPageOneWriter: the browser's import goes through the same rules as the command
// line (ingest → the workflow, the one writer of pills). Imported by an administrator as
// published, the pills are found by the search at once, without a restart; the history names
// the signed-in user. A workbook imported again after a pill was edited in Sportello is a
// conflict: the dry run and the import say so in Italian, in the counts, in a warning and in
// the problem table with the sheet and row; the pill keeps its edit, the other rows are taken;
// a row without an answer is left out and named.
func TestImportPageOneWriter(t *testing.T) {
	s, store := importIndexedServer(t)
	h := s.Handler()
	ctx := context.Background()
	first := importWorkbookT(t, map[string][][]any{"Pillole": {
		{"Codice", "Titolo", "Risposta"},
		{"INT-1", "Cambio di residenza", "Si va all'anagrafe del Comune."},
		{"INT-2", "Tessera sanitaria smarrita", "Si chiede il duplicato all'azienda sanitaria."},
	}}, "Pillole")
	id := importUploadT(t, h, "pillole.xlsx", first)
	if st := importRunT(t, h, id, "avvia", url.Values{"status": {"published"}}, role.Administrator); st.State != "done" || st.Summary.Pills.Created != 2 {
		t.Fatalf("first import: %+v %+v", st, st.Summary)
	}
	if !searchFinds(t, h, "residenza", "INT-1") {
		t.Error("the search does not find a pill the browser's import just published")
	}
	p, err := store.PillByCode(ctx, "INT-1")
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != kb.StatusPublished {
		t.Errorf("INT-1 is %s, want published", p.Status)
	}
	rec, err := store.Workflow().Record(ctx, p.IRI)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Events) == 0 || rec.Events[0].Actor != "test-"+string(role.Administrator) {
		t.Errorf("the history's first step: %+v, want the signed-in user as actor", rec.Events)
	}

	// A publisher edits INT-1 in Sportello; the workbook then changes INT-1 and INT-2, adds
	// INT-3 and a row without an answer.
	edit := *p
	edit.Answer = "<p>Si va all'anagrafe del Comune, con un documento.</p>"
	if _, _, err := store.Workflow().Edit(ctx, p.IRI, edit, "pubblicatore"); err != nil {
		t.Fatal(err)
	}
	second := importWorkbookT(t, map[string][][]any{"Pillole": {
		{"Codice", "Titolo", "Risposta"},
		{"INT-1", "Cambio di residenza", "Si fa online."},
		{"INT-2", "Tessera sanitaria smarrita", "Si chiede il duplicato online."},
		{"INT-3", "Rinnovo della patente di guida", "Si rinnova alla motorizzazione."},
		{"INT-4", "Senza risposta", ""},
	}}, "Pillole")
	id = importUploadT(t, h, "pillole-2.xlsx", second)
	dry := importRunT(t, h, id, "prova", url.Values{"status": {"published"}}, role.Administrator)
	if dry.State != "done" || dry.Summary.Pills.Conflicts != 1 || dry.Summary.LeftOut != 2 {
		t.Fatalf("dry run: %+v %+v", dry, dry.Summary)
	}
	page := get(t, h, "/importa/"+id, role.Administrator)
	for _, want := range []string{"in conflitto", "2 righe non verrebbero importate", "1 scheda è stata modificata in Sportello",
		"conflitto: la scheda è stata modificata in Sportello", "<td>Pillole</td><td>2</td>", "<td>Pillole</td><td>5</td>"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("page after the dry run lacks %q", want)
		}
	}
	done := importRunT(t, h, id, "avvia", url.Values{"status": {"published"}}, role.Administrator)
	if done.State != "done" || done.Summary.Pills.Conflicts != 1 || done.Summary.Pills.Created != 1 ||
		done.Summary.Pills.Updated != 1 || done.Summary.LeftOut != 2 {
		t.Fatalf("import: %+v %+v", done, done.Summary)
	}
	page = get(t, h, "/importa/"+id, role.Administrator)
	for _, want := range []string{"2 righe non sono state importate", "Tutto il resto è stato importato",
		"conflitto: la scheda è stata modificata in Sportello", "<td>Pillole</td><td>2</td>"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("page after the import lacks %q", want)
		}
	}
	if got, _ := store.PillByCode(ctx, "INT-1"); got == nil || !strings.Contains(got.Answer, "Si va all'anagrafe") {
		t.Errorf("the edit of INT-1 was overwritten: %+v", got)
	}
	if got, _ := store.PillByCode(ctx, "INT-2"); got == nil || !strings.Contains(got.Answer, "online") {
		t.Errorf("INT-2 was not updated: %+v", got)
	}
	if !searchFinds(t, h, "patente", "INT-3") {
		t.Error("the search does not find the pill the second import created")
	}
	if _, err := store.PillByCode(ctx, "INT-4"); err == nil {
		t.Error("the row without an answer was imported")
	}
}

// TestImportPageFailureMidway: an import that fails half-way (here a panic once every row of
// the sheet was applied to the import's batch, before the commit) writes nothing, the search index does not
// move, and the page and its JSON say in Italian that nothing was written — no panic text, no
// stack, no Go error.
func TestImportPageFailureMidway(t *testing.T) {
	s, store := importIndexedServer(t)
	h := s.Handler()
	s.deps.Imports.Import = func(ctx context.Context, st *kb.Store, path string, opt ingest.Options) (*ingest.Summary, error) {
		progress := opt.Progress
		opt.Progress = func(sheet string, row int) {
			if row == -1 { // the sheet's end: every row is in the batch, nothing committed yet
				var m map[string]int
				m["boom"]++ // a nil map: the kind of bug a panic is
			}
			if progress != nil {
				progress(sheet, row)
			}
		}
		return ingest.ImportFile(ctx, st, path, opt)
	}
	wb := importWorkbookT(t, map[string][][]any{"Pillole": {
		{"Codice", "Titolo", "Risposta"},
		{"MID-1", "Contributo per gli affitti", "Si chiede al Comune."},
		{"MID-2", "Bonus idrico", "Si chiede al gestore."},
		{"MID-3", "Esenzione del ticket", "Si chiede all'azienda sanitaria."},
		{"MID-4", "Assegno di cura", "Si chiede ai servizi sociali."},
	}}, "Pillole")
	id := importUploadT(t, h, "a-meta.xlsx", wb)
	st := importRunT(t, h, id, "avvia", url.Values{"status": {"published"}}, role.Administrator)
	if st.State != "failed" || !strings.Contains(st.Error, "nulla è stato scritto") {
		t.Fatalf("import failing midway: %+v", st)
	}
	if n, err := store.CountPills(context.Background(), kb.PillFilter{}); err != nil || n != 0 {
		t.Errorf("a failed import left %d pills (%v)", n, err)
	}
	if searchFinds(t, h, "affitti", "MID-1") {
		t.Error("the search finds a pill of an import that wrote nothing")
	}
	page := get(t, h, "/importa/"+id, role.Administrator)
	var status imports.Status
	decode(t, get(t, h, "/api/import/"+id, role.Administrator), &status)
	for _, body := range []string{page.Body, status.Error} {
		for _, bad := range []string{"panic", "goroutine", "runtime error", "nil map", ".go:"} {
			if strings.Contains(body, bad) {
				t.Errorf("the user reads %q:\n%s", bad, body)
			}
		}
	}
	if !strings.Contains(page.Body, "nulla è stato scritto") {
		t.Error("the page does not say that nothing was written")
	}
}
