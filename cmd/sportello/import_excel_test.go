package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"sportello/fixtures/testenv"
	"sportello/kb"
)

// TestImportExcelCommand is issue 3's "done when": the corpus imported on an empty data folder
// by the command, every problem row named, and a second run reporting everything unchanged.
func TestImportExcelCommand(t *testing.T) {
	corpusPills, corpusDirectory := testenv.Shared(t, "corpus/pillole-legacy.xlsx"), testenv.Shared(t, "corpus/rubrica.xlsx")
	data := filepath.Join(t.TempDir(), "data")
	runCmd := func(want int, args ...string) string {
		t.Helper()
		var out, errb strings.Builder
		code := run(append([]string{"import", "--data", data}, args...), &out, &errb)
		if code != want {
			t.Fatalf("sportello import %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out.String(), errb.String())
		}
		return out.String() + errb.String()
	}

	out := runCmd(0, "--show-mapping", corpusPills)
	for _, want := range []string{`Foglio "Agricoltura": pillole, intestazione alla riga 1-2`, `"Cod."`, "→ code"} {
		if !strings.Contains(out, want) {
			t.Errorf("--show-mapping output lacks %q:\n%s", want, out)
		}
	}
	// ATP-009 (a code used twice) and TRA-019 (no answer) are left out: exit status 3.
	out = runCmd(3, "--dry-run", corpusPills)
	if !strings.Contains(out, "create 156") || !strings.Contains(out, "nulla è stato scritto") {
		t.Errorf("dry run:\n%s", out)
	}
	out = runCmd(1, "--strict", corpusPills)
	if !strings.Contains(out, "RIFIUTATO") || !strings.Contains(out, "pillole-legacy.xlsx") {
		t.Errorf("strict:\n%s", out)
	}

	report := filepath.Join(t.TempDir(), "problemi.xlsx")
	out = runCmd(3, "--report", report, corpusPills)
	for _, want := range []string{"create 156", "ATP-009", "TRA-019", "Formazione e Lavoro", "Trasporti"} {
		if !strings.Contains(out, want) {
			t.Errorf("first import lacks %q:\n%s", want, out)
		}
	}
	f, err := excelize.OpenFile(report)
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	rows, _ := f.GetRows("Problemi")
	f.Close()
	if len(rows) < 3 {
		t.Errorf("report has %d rows", len(rows))
	}

	// The six departments the pills' sheets named are not in the directory workbook: reported,
	// left in place (exit status 3).
	out = runCmd(3, corpusDirectory)
	if !strings.Contains(out, "uffici") || !strings.Contains(out, "persone") || !strings.Contains(out, "«Agricoltura» è in rubrica ma non nel file") ||
		!strings.Contains(out, "6 tra uffici e persone in rubrica non sono nel file") {
		t.Errorf("directory import:\n%s", out)
	}
	out = runCmd(3, corpusPills)
	if !strings.Contains(out, "create 0, aggiornate 0, invariate 156") || !strings.Contains(out, "2 righe non importate") {
		t.Errorf("second pills import not unchanged:\n%s", out)
	}
	out = runCmd(3, corpusDirectory)
	if !strings.Contains(out, "create 0, aggiornate 0, invariate 56") {
		t.Errorf("second directory import not unchanged:\n%s", out)
	}
	// --retire-missing does not retire a department the pills are filed under: reported.
	out = runCmd(3, "--retire-missing", corpusDirectory)
	if !strings.Contains(out, "non è stato possibile ritirare l'ufficio «Agricoltura»: è indicato da schede") || !strings.Contains(out, "ritirati: 0") {
		t.Errorf("--retire-missing:\n%s", out)
	}

	runCmd(2, "--kind", "boh", corpusPills)
	out = runCmd(1, filepath.Join(t.TempDir(), "missing.xlsx"))
	if !strings.Contains(out, "missing.xlsx") {
		t.Errorf("missing file message: %s", out)
	}
}

// TestImportConflictExitStatus: a row of a pill edited in Sportello since its last import is a
// conflict — reported, exit status 3 (imported, some rows left out) — and the edit is not
// overwritten.
func TestImportConflictExitStatus(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	book := func(answer string) string {
		f := excelize.NewFile()
		defer f.Close()
		f.SetSheetRow("Sheet1", "A1", &[]any{"Codice", "Titolo", "Risposta"})
		f.SetSheetRow("Sheet1", "A2", &[]any{"C-1", "Cambio di residenza", answer})
		p := filepath.Join(t.TempDir(), "pillole.xlsx")
		if err := f.SaveAs(p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	runCmd := func(want int, args ...string) string {
		t.Helper()
		var out, errb strings.Builder
		code := run(append([]string{"import", "--data", data, "--actor", "admin"}, args...), &out, &errb)
		if code != want {
			t.Fatalf("sportello import %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out.String(), errb.String())
		}
		return out.String() + errb.String()
	}
	runCmd(0, book("Si va in Comune."))
	s, err := kb.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := s.PillByCode(context.Background(), "C-1")
	edit := *p
	edit.Answer = "<p>Si va in Comune, con un documento.</p>"
	if _, _, err := s.Workflow().Edit(context.Background(), p.IRI, edit, "pubblicatore"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	out := runCmd(3, book("Si fa online."))
	for _, want := range []string{"in conflitto 1", "conflitto: la scheda è stata modificata in Sportello", "C-1"} {
		if !strings.Contains(out, want) {
			t.Errorf("conflict output lacks %q:\n%s", want, out)
		}
	}
	s, err = kb.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if p, _ := s.PillByCode(context.Background(), "C-1"); p.Answer != "<p>Si va in Comune, con un documento.</p>" {
		t.Errorf("the edit was overwritten: %q", p.Answer)
	}
}
