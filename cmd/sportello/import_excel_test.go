package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"sportello/fixtures/testenv"
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

	out = runCmd(0, corpusDirectory)
	if !strings.Contains(out, "uffici") || !strings.Contains(out, "persone") {
		t.Errorf("directory import:\n%s", out)
	}
	out = runCmd(3, corpusPills)
	if !strings.Contains(out, "create 0, aggiornate 0, invariate 156") || !strings.Contains(out, "2 righe non importate") {
		t.Errorf("second pills import not unchanged:\n%s", out)
	}
	out = runCmd(0, corpusDirectory)
	if !strings.Contains(out, "create 0, aggiornate 0, invariate 56") {
		t.Errorf("second directory import not unchanged:\n%s", out)
	}

	runCmd(2, "--kind", "boh", corpusPills)
	out = runCmd(1, filepath.Join(t.TempDir(), "missing.xlsx"))
	if !strings.Contains(out, "missing.xlsx") {
		t.Errorf("missing file message: %s", out)
	}
}
