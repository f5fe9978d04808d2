package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sportello/fixtures/testenv"
	"sportello/ingest"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/web/imports"
)

// The Excel import pages (issue 3; KB-11, KB-13): upload, mapping preview, dry run, the import
// as a background job, the problem report.

// corpusWorkbook is the shared legacy workbook.
func corpusWorkbook(t testing.TB) string { return testenv.Shared(t, "corpus/pillole-legacy.xlsx") }

// importServer is a server on an empty in-memory store of its own: these tests write.
func importServer(t testing.TB) (*Server, *kb.Store) {
	t.Helper()
	store, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return New(Config{Auth: headerAuth{}, DataDir: t.TempDir()}, Deps{Store: store}), store
}

func doImport(t testing.TB, h http.Handler, req *http.Request, who role.Role) response {
	t.Helper()
	if who != "" && who != role.Anonymous {
		req.Header.Set("X-Test-Role", string(who))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return response{rec.Code, rec.Result().Header, string(b)}
}

func importUploadReq(t testing.TB, name string, content []byte) *http.Request {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/importa", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}

// upload posts a workbook as the browser does and returns the upload's id.
func importUploadT(t *testing.T, h http.Handler, name string, content []byte) string {
	t.Helper()
	r := doImport(t, h, importUploadReq(t, name, content), role.Publisher)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("upload %s: status %d, want 303\n%s", name, r.Status, r.Body)
	}
	loc := r.Header.Get("Location")
	id := strings.TrimPrefix(loc, "/importa/")
	if id == loc || id == "" {
		t.Fatalf("upload %s: redirected to %q", name, loc)
	}
	return id
}

func importPost(t testing.TB, h http.Handler, path string, form url.Values, who role.Role) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return doImport(t, h, req, who)
}

// run starts a dry run or the import and waits for the job through the JSON the page polls.
func importRunT(t *testing.T, h http.Handler, id, step string, form url.Values, who role.Role) imports.Status {
	t.Helper()
	r := importPost(t, h, "/importa/"+id+"/"+step, form, who)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("%s: status %d, want 303\n%s", step, r.Status, r.Body)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var st imports.Status
		decode(t, get(t, h, "/api/import/"+id, who), &st)
		if st.State != "running" {
			return st
		}
		if st.Percent < 0 || st.Percent > 100 || (st.Total > 0 && st.Done > st.Total) {
			t.Fatalf("progress out of range: %+v", st)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not finish: %+v", step, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func importCorpusT(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(corpusWorkbook(t))
	if err != nil {
		t.Fatalf("shared corpus: %v", err)
	}
	return b
}

// openReport downloads the problem report and returns its rows.
func importReportT(t *testing.T, h http.Handler, id string) [][]string {
	t.Helper()
	r := get(t, h, "/importa/"+id+"/report.xlsx", role.Publisher)
	if r.Status != http.StatusOK {
		t.Fatalf("report: status %d\n%s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
		t.Errorf("report Content-Type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, ".xlsx") {
		t.Errorf("report Content-Disposition %q", cd)
	}
	f, err := excelize.OpenReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatalf("report does not open with excelize: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("Problemi")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestImportRoutesRoles(t *testing.T) {
	s, _ := importServer(t)
	h := s.Handler()
	for _, rt := range s.routesOf("imports") {
		path := strings.ReplaceAll(rt.Path, ":id", "sconosciuto")
		for _, who := range role.All {
			req := httptest.NewRequest(rt.Method, path, nil)
			r := doImport(t, h, req, who)
			denied := r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden
			if rt.Allows(who) == denied {
				t.Errorf("%s %s as %s: status %d (allowed %v)", rt.Method, path, who, r.Status, rt.Allows(who))
			}
			if !rt.Allows(who) {
				want := http.StatusForbidden
				if who == role.Anonymous {
					want = http.StatusUnauthorized
				}
				if r.Status != want {
					t.Errorf("%s %s as %s: status %d, want %d", rt.Method, path, who, r.Status, want)
				}
			}
		}
	}
}

func TestImportOperatorForbidden(t *testing.T) {
	s, store := importServer(t)
	h := s.Handler()
	r := doImport(t, h, importUploadReq(t, "pillole-legacy.xlsx", importCorpusT(t)), role.Operator)
	if r.Status != http.StatusForbidden {
		t.Fatalf("operator upload: status %d, want 403", r.Status)
	}
	if entries, _ := os.ReadDir(s.deps.Imports.Dir()); len(entries) != 0 {
		t.Errorf("a refused upload left %d files", len(entries))
	}
	if st, _ := store.Stats(context.Background()); st.Pills != 0 {
		t.Errorf("store has %d pills", st.Pills)
	}
	if r := get(t, h, "/importa", role.Operator); r.Status != http.StatusForbidden {
		t.Errorf("operator GET /importa: %d", r.Status)
	}
	// The nav link is for those who may use it.
	if body := get(t, h, "/", role.Operator).Body; strings.Contains(body, `href="/importa"`) {
		t.Error("operator sees the import link")
	}
	if body := get(t, h, "/", role.Publisher).Body; !strings.Contains(body, `href="/importa"`) {
		t.Error("publisher does not see the import link")
	}
}

// TestImportCorpus walks the whole page flow on the shared corpus workbook: mapping preview of
// the 6 sheets, a dry run that writes nothing, the import job, the report.
func TestImportCorpus(t *testing.T) {
	s, store := importServer(t)
	h := s.Handler()
	ctx := context.Background()
	id := importUploadT(t, h, "pillole-legacy.xlsx", importCorpusT(t))

	page := get(t, h, "/importa/"+id, role.Publisher)
	if page.Status != http.StatusOK {
		t.Fatalf("upload page: %d\n%s", page.Status, page.Body)
	}
	if n := strings.Count(page.Body, `<fieldset class="import-sheet">`); n != 6 {
		t.Errorf("mapping preview shows %d sheets, want 6", n)
	}
	for _, want := range []string{"Foglio «Salute»", "Foglio «Attività Produttive»", "Foglio «Agricoltura»",
		"Foglio «Trasporti»", "SAL-001", `name="col_0_0"`, `<option value="code" selected>`, "Contenuto / Risposta"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("upload page lacks %q", want)
		}
	}
	if strings.Contains(page.Body, "/avvia") {
		t.Error("the import button is offered before the dry run")
	}

	dry := importRunT(t, h, id, "prova", url.Values{}, role.Publisher)
	if dry.State != "done" || !dry.DryRun || dry.Summary == nil {
		t.Fatalf("dry run: %+v", dry)
	}
	if dry.Summary.Pills.Created == 0 || dry.Summary.Rows == 0 || dry.Total == 0 {
		t.Errorf("dry run summary: %+v (total %d)", dry.Summary, dry.Total)
	}
	if st, _ := store.Stats(ctx); st.Pills != 0 || st.Concepts != 0 {
		t.Fatalf("dry run wrote: %+v", st)
	}
	page = get(t, h, "/importa/"+id, role.Publisher)
	for _, want := range []string{"Risultato della prova", "da creare", "/importa/" + id + "/avvia", "SAL-001"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("page after the dry run lacks %q", want)
		}
	}
	if dry.Summary.Problems > 0 {
		rows := importReportT(t, h, id)
		if len(rows) != dry.Summary.Problems+1 || rows[0][1] != "Foglio" {
			t.Errorf("dry-run report: %d rows for %d problems; header %v", len(rows), dry.Summary.Problems, rows[0])
		}
	}

	done := importRunT(t, h, id, "avvia", url.Values{}, role.Publisher)
	if done.State != "done" || done.DryRun || !done.Imported {
		t.Fatalf("import: %+v", done)
	}
	if done.Summary.Pills.Created != dry.Summary.Pills.Created {
		t.Errorf("import created %d pills, the dry run said %d", done.Summary.Pills.Created, dry.Summary.Pills.Created)
	}
	st, err := store.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Pills != done.Summary.Pills.Created || st.Pills < 20 {
		t.Errorf("store has %d pills, the import created %d", st.Pills, done.Summary.Pills.Created)
	}
	p, err := store.PillByCode(ctx, "SAL-001")
	if err != nil {
		t.Fatalf("SAL-001 not imported: %v", err)
	}
	if p.Status != kb.StatusDraft || !strings.Contains(p.Title, "medico") {
		t.Errorf("SAL-001: status %s, title %q", p.Status, p.Title)
	}
	if _, err := os.Stat(filepath.Join(s.deps.Imports.Dir(), id)); !os.IsNotExist(err) {
		t.Errorf("the uploaded file is still there after the import (%v)", err)
	}
	rows := importReportT(t, h, id)
	if len(rows) != done.Summary.Problems+1 {
		t.Errorf("report has %d rows for %d problems", len(rows), done.Summary.Problems)
	}
	page = get(t, h, "/importa/"+id, role.Publisher)
	if !strings.Contains(page.Body, "Importazione completata") || strings.Contains(page.Body, `action="/importa/`+id+`/prova"`) {
		t.Error("page after the import does not show the outcome alone")
	}
	// The file is gone: a second import of the same upload is refused, not an error 500.
	if r := importPost(t, h, "/importa/"+id+"/avvia", url.Values{}, role.Publisher); r.Status != http.StatusConflict {
		t.Errorf("second import of the same upload: %d", r.Status)
	}
	// Uploading the same workbook again changes nothing (issue 3, point 6).
	again := importUploadT(t, h, "pillole-legacy.xlsx", importCorpusT(t))
	dry = importRunT(t, h, again, "prova", url.Values{}, role.Publisher)
	if dry.State != "done" || dry.Summary.Pills.Created != 0 || dry.Summary.Pills.Updated != 0 || dry.Summary.Pills.Unchanged != done.Summary.Pills.Created {
		t.Errorf("second upload of the same workbook: %+v", dry.Summary)
	}
}

// excelWorkbook builds a small workbook: sheet → rows.
func importWorkbookT(t *testing.T, sheets map[string][][]any, order ...string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, name := range order {
		if i == 0 {
			f.SetSheetName("Sheet1", name)
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, row := range sheets[name] {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestImportMappingForm: the user's choices on the form override the guess (a column moved to
// another field, a sheet left out), through the mapping file format.
func TestImportMappingForm(t *testing.T) {
	s, store := importServer(t)
	h := s.Handler()
	ctx := context.Background()
	wb := importWorkbookT(t, map[string][][]any{
		"Tributi": {
			{"Codice", "Titolo", "Risposta", "Promemoria interno"},
			{"TRB-1", "Bollo auto", "Si paga entro il mese successivo alla scadenza.", "chiedere a Rossi"},
			{"TRB-2", "Esenzione bollo", "Spetta ai veicoli per persone con disabilità.", ""},
		},
		"Vecchio": {
			{"Codice", "Titolo", "Risposta"},
			{"OLD-1", "Scheda superata", "Non più valida."},
		},
	}, "Tributi", "Vecchio")
	id := importUploadT(t, h, "tributi.xlsx", wb)
	page := get(t, h, "/importa/"+id, role.Publisher)
	if !strings.Contains(page.Body, `name="col_0_3"`) {
		t.Fatalf("no select for column D:\n%s", page.Body)
	}
	form := url.Values{"col_0_3": {"notes"}, "kind_1": {"skip"}}
	dry := importRunT(t, h, id, "prova", form, role.Publisher)
	if dry.State != "done" || dry.Summary.Pills.Created != 2 {
		t.Fatalf("dry run: %+v %+v", dry, dry.Summary)
	}
	page = get(t, h, "/importa/"+id, role.Publisher)
	if !strings.Contains(page.Body, `<option value="notes" selected>`) || !strings.Contains(page.Body, `<option value="skip" selected>`) {
		t.Error("the form does not keep the choices after the dry run")
	}
	done := importRunT(t, h, id, "avvia", form, role.Publisher)
	if done.State != "done" {
		t.Fatalf("import: %+v", done)
	}
	p, err := store.PillByCode(ctx, "TRB-1")
	if err != nil {
		t.Fatal(err)
	}
	if p.Notes != "chiedere a Rossi" {
		t.Errorf("notes %q: the column override was not applied (extra %v)", p.Notes, p.Extra)
	}
	if _, err := store.PillByCode(ctx, "OLD-1"); err == nil {
		t.Error("the skipped sheet was imported")
	}
}

func TestImportFormErrors(t *testing.T) {
	s, store := importServer(t)
	h := s.Handler()
	wb := importWorkbookT(t, map[string][][]any{"Foglio": {{"Codice", "Titolo", "Risposta"}, {"A-1", "Uno", "Risposta uno."}}}, "Foglio")
	id := importUploadT(t, h, "uno.xlsx", wb)
	tests := []struct {
		name string
		form url.Values
		role role.Role
		want string
	}{
		{"unknown field", url.Values{"col_0_1": {"colore"}}, role.Publisher, "Foglio «Foglio», colonna B: campo &#34;colore&#34; sconosciuto"},
		{"directory field on a pill sheet", url.Values{"col_0_1": {"pec"}}, role.Publisher, "colonna B"},
		{"bad header", url.Values{"header_0": {"2-5"}}, role.Publisher, "riga di intestazione &#34;2-5&#34; non valida"},
		{"bad kind", url.Values{"kind_0": {"immagini"}}, role.Publisher, "contenuto &#34;immagini&#34; non valido"},
		{"publisher publishing", url.Values{"status": {"published"}}, role.Publisher, "Solo un amministratore"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := importPost(t, h, "/importa/"+id+"/prova", tt.form, tt.role)
			if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, tt.want) {
				t.Errorf("status %d, want 400 with %q\n%s", r.Status, tt.want, r.Body)
			}
		})
	}
	if st, _ := store.Stats(context.Background()); st.Pills != 0 {
		t.Errorf("a refused form wrote %d pills", st.Pills)
	}
	// An administrator may import the validated legacy base as published.
	done := importRunT(t, h, id, "avvia", url.Values{"status": {"published"}}, role.Administrator)
	if done.State != "done" {
		t.Fatalf("import: %+v", done)
	}
	if p, err := store.PillByCode(context.Background(), "A-1"); err != nil || p.Status != kb.StatusPublished {
		t.Errorf("A-1: %v, %+v", err, p)
	}
}

// TestImportStrict: with the strict box ticked, a workbook with a bad row is refused and
// nothing is written; the file stays so that the user can try again without it.
func TestImportStrict(t *testing.T) {
	s, store := importServer(t)
	h := s.Handler()
	wb := importWorkbookT(t, map[string][][]any{"Foglio": {
		{"Codice", "Titolo", "Risposta"},
		{"S-1", "Buona", "Una risposta."},
		{"S-2", "Senza risposta", ""},
	}}, "Foglio")
	id := importUploadT(t, h, "rigoroso.xlsx", wb)
	refused := importRunT(t, h, id, "avvia", url.Values{"strict": {"1"}}, role.Publisher)
	if refused.State != "refused" || refused.Summary == nil || !refused.Summary.Refused || refused.Summary.Blocking == 0 {
		t.Fatalf("strict import: %+v", refused)
	}
	if st, _ := store.Stats(context.Background()); st.Pills != 0 {
		t.Fatalf("strict import wrote %d pills", st.Pills)
	}
	rows := importReportT(t, h, id)
	found := false
	for _, r := range rows[1:] {
		found = found || (len(r) > 3 && r[1] == "Foglio" && r[2] == "3")
	}
	if !found {
		t.Errorf("report does not name sheet Foglio, row 3: %v", rows)
	}
	page := get(t, h, "/importa/"+id, role.Publisher)
	if !strings.Contains(page.Body, "Importazione rifiutata") {
		t.Error("page does not say the import was refused")
	}
	done := importRunT(t, h, id, "avvia", url.Values{}, role.Publisher)
	if done.State != "done" || done.Summary.Pills.Created != 1 || done.Summary.Pills.Skipped+done.Summary.Problems == 0 {
		t.Fatalf("default import after the refusal: %+v %+v", done, done.Summary)
	}
}

// TestImportCSVFromTheBrowser: a CSV (semicolons, an accented answer) is taken by the page as the
// command line takes it: uploaded, read, imported, its pills counted.
func TestImportCSVFromTheBrowser(t *testing.T) {
	s, _ := importServer(t)
	h := s.Handler()
	csv := "Codice;Titolo;Domanda;Risposta\nCSV-001;Bollo auto in ritardo;Come pago il bollo scaduto?;Si paga con il ravvedimento, anche online.\n" +
		"CSV-002;Cambio di residenza;Come cambio la residenza?;Si presenta la dichiarazione all'anagrafe del comune.\n"
	id := importUploadT(t, h, "pillole.csv", []byte(csv))
	done := importRunT(t, h, id, "avvia", url.Values{}, role.Publisher)
	if done.State != "done" || !done.Imported || done.Summary == nil || done.Summary.Pills.Created != 2 {
		t.Fatalf("a CSV imported from the browser: %+v", done)
	}
}

func TestImportBadFiles(t *testing.T) {
	s, _ := importServer(t)
	h := s.Handler()
	tests := []struct {
		name, file string
		content    []byte
		json       bool
		status     int
		want       string
	}{
		{"text file", "appunti.txt", []byte("non è un foglio"), false, 400, "Il file «appunti.txt» non è un foglio di calcolo"},
		{"pdf renamed", "pillole.xlsx", []byte("%PDF-1.4 ..."), false, 400, "Il file «pillole.xlsx» non è un foglio di calcolo valido"},
		{"damaged zip", "rotto.xlsx", []byte("PK\x03\x04 questo non è uno zip"), false, 400, "Il file «rotto.xlsx» non si può leggere"},
		{"json client", "appunti.pdf", []byte("a;b"), true, 400, `"code":"not_excel"`},
		{"path in the name", `C:\Users\mario\..\pillole.doc`, []byte("x"), false, 400, "«pillole.doc»"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := importUploadReq(t, tt.file, tt.content)
			if tt.json {
				req.Header.Set("Accept", "application/json")
			}
			r := doImport(t, h, req, role.Publisher)
			if r.Status != tt.status || !strings.Contains(r.Body, tt.want) {
				t.Errorf("status %d, want %d with %q\n%s", r.Status, tt.status, tt.want, r.Body)
			}
		})
	}
	// No file at all.
	r := importPost(t, h, "/importa", url.Values{}, role.Publisher)
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Scegli un foglio di calcolo") {
		t.Errorf("no file: %d", r.Status)
	}
	if entries, _ := os.ReadDir(s.deps.Imports.Dir()); len(entries) != 0 {
		t.Errorf("refused uploads left %d folders", len(entries))
	}
}

func TestImportTooLarge(t *testing.T) {
	s, _ := importServer(t)
	h := s.Handler()
	big := make([]byte, ingest.MaxUploadBytes+2<<20)
	copy(big, "PK\x03\x04")
	r := doImport(t, h, importUploadReq(t, "enorme.xlsx", big), role.Publisher)
	if r.Status != http.StatusRequestEntityTooLarge || !strings.Contains(r.Body, "Il file supera il limite di 50 MiB") {
		t.Errorf("status %d\n%.300s", r.Status, r.Body)
	}
	if entries, _ := os.ReadDir(s.deps.Imports.Dir()); len(entries) != 0 {
		t.Errorf("a refused upload left %d folders", len(entries))
	}
}

func TestImportAPIStatus(t *testing.T) {
	s, _ := importServer(t)
	h := s.Handler()
	id := importUploadT(t, h, "uno.xlsx", importWorkbookT(t, map[string][][]any{"F": {{"Codice", "Titolo", "Risposta"}, {"U-1", "Uno", "Sì."}}}, "F"))
	var st map[string]any
	decode(t, get(t, h, "/api/import/"+id, role.Administrator), &st)
	if st["state"] != "idle" || st["file"] != "uno.xlsx" {
		t.Errorf("before any run: %v", st)
	}
	r := get(t, h, "/api/import/nessuno", role.Administrator)
	var e map[string]string
	if err := json.Unmarshal([]byte(r.Body), &e); r.Status != http.StatusNotFound || err != nil || e["code"] != "not_found" {
		t.Errorf("unknown id: %d %s", r.Status, r.Body)
	}
	// Discarding removes the file and the upload.
	if r := importPost(t, h, "/importa/"+id+"/elimina", url.Values{}, role.Publisher); r.Status != http.StatusSeeOther {
		t.Fatalf("discard: %d", r.Status)
	}
	if r := get(t, h, "/api/import/"+id, role.Publisher); r.Status != http.StatusNotFound {
		t.Errorf("discarded upload: %d", r.Status)
	}
	if _, err := os.Stat(filepath.Join(s.deps.Imports.Dir(), id)); !os.IsNotExist(err) {
		t.Errorf("discarded upload's folder remains: %v", err)
	}
}

// TestImportProgressPage: while a job runs, the page shows the progress bar the script moves,
// the JSON says how far it is, and a second job is refused.
func TestImportProgressPage(t *testing.T) {
	s, _ := importServer(t)
	h := s.Handler()
	id := importUploadT(t, h, "uno.xlsx", importWorkbookT(t, map[string][][]any{"F": {{"Codice", "Titolo", "Risposta"}, {"U-1", "Uno", "Sì."}}}, "F"))
	// A stand-in importer that stops half-way until the test lets it go.
	halfway, release := make(chan struct{}), make(chan struct{})
	s.deps.Imports.Import = func(ctx context.Context, _ *kb.Store, _ string, opt ingest.Options) (*ingest.Summary, error) {
		opt.Progress("F", 1)
		close(halfway)
		<-release
		return &ingest.Summary{}, nil
	}
	if r := importPost(t, h, "/importa/"+id+"/avvia", url.Values{}, role.Publisher); r.Status != http.StatusSeeOther {
		t.Fatalf("start: %d\n%.300s", r.Status, r.Body)
	}
	<-halfway
	defer func() { close(release); s.deps.Imports.Wait() }()

	page := get(t, h, "/importa/"+id, role.Publisher)
	for _, want := range []string{`<progress id="import-bar" max="100" value="50">`, `data-status="/api/import/` + id + `"`,
		"1 riga letta su 2", `<meta http-equiv="refresh"`, `/static/import.js`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("progress page lacks %q", want)
		}
	}
	if strings.Contains(page.Body, `action="/importa/`+id+`/prova"`) {
		t.Error("the form is offered while the job runs")
	}
	var st imports.Status
	decode(t, get(t, h, "/api/import/"+id, role.Publisher), &st)
	if st.State != "running" || st.Percent != 50 || st.Done != 1 || st.Total != 2 || st.Sheet != "F" || st.Text != "1 riga letta su 2 — Foglio «F»" {
		t.Errorf("status JSON: %+v", st)
	}
	if r := importPost(t, h, "/importa/"+id+"/prova", url.Values{}, role.Publisher); r.Status != http.StatusConflict || !strings.Contains(r.Body, "in corso") {
		t.Errorf("second job while one runs: %d", r.Status)
	}
	if r := importPost(t, h, "/importa/"+id+"/elimina", url.Values{}, role.Publisher); r.Status != http.StatusConflict {
		t.Errorf("discard while running: %d", r.Status)
	}
}

// TestImportParsedForm: when a middleware has already parsed the multipart form (the session
// middleware reads the csrf_token field that way), the upload is taken from the parsed form.
func TestImportParsedForm(t *testing.T) {
	s, _ := importServer(t)
	h := s.Handler()
	req := importUploadReq(t, "uno.xlsx", importWorkbookT(t, map[string][][]any{"F": {{"Codice", "Titolo", "Risposta"}, {"U-1", "Uno", "Sì."}}}, "F"))
	if err := req.ParseMultipartForm(1 << 20); err != nil {
		t.Fatal(err)
	}
	r := doImport(t, h, req, role.Administrator)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("status %d\n%s", r.Status, r.Body)
	}
	id := strings.TrimPrefix(r.Header.Get("Location"), "/importa/")
	if page := get(t, h, "/importa/"+id, role.Administrator); !strings.Contains(page.Body, "U-1") {
		t.Error("preview lacks the first row")
	}
}

// TestImportDirectory: the phone directory workbook goes through the same page (KB-13): its
// sheets are read as the directory and the offices and people land in the store.
func TestImportDirectory(t *testing.T) {
	s, store := importServer(t)
	h := s.Handler()
	b, err := os.ReadFile(testenv.Shared(t, "corpus/rubrica.xlsx"))
	if err != nil {
		t.Fatalf("shared corpus: %v", err)
	}
	id := importUploadT(t, h, "rubrica.xlsx", b)
	page := get(t, h, "/importa/"+id, role.Administrator)
	if !strings.Contains(page.Body, `<option value="directory" selected>`) {
		t.Error("the directory sheet is not shown as directory")
	}
	done := importRunT(t, h, id, "avvia", url.Values{}, role.Administrator)
	if done.State != "done" || done.Summary.People.Created == 0 || done.Summary.Units.Created == 0 {
		t.Fatalf("directory import: %+v %+v", done, done.Summary)
	}
	people, err := store.People(context.Background())
	if err != nil || len(people) != done.Summary.People.Created {
		t.Errorf("store has %d people, the import created %d (%v)", len(people), done.Summary.People.Created, err)
	}
}

// TestImportLegacyXLS: an Excel 97–2003 workbook (BIFF8) goes through the same page.
func TestImportLegacyXLS(t *testing.T) {
	s, store := importServer(t)
	h := s.Handler()
	b, err := os.ReadFile("../ingest/testdata/pillole.xls")
	if err != nil {
		t.Fatal(err)
	}
	id := importUploadT(t, h, "pillole.xls", b)
	if page := get(t, h, "/importa/"+id, role.Publisher); !strings.Contains(page.Body, `<fieldset class="import-sheet">`) {
		t.Fatal("no sheet shown for the .xls workbook")
	}
	done := importRunT(t, h, id, "avvia", url.Values{}, role.Publisher)
	if done.State != "done" || done.Summary.Pills.Created == 0 {
		t.Fatalf(".xls import: %+v %+v", done, done.Summary)
	}
	if st, _ := store.Stats(context.Background()); st.Pills != done.Summary.Pills.Created {
		t.Errorf("store has %d pills, the import created %d", st.Pills, done.Summary.Pills.Created)
	}
}
