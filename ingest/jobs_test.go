package ingest

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sportello/kb"
	"strings"
	"testing"
)

func TestMappingText(t *testing.T) {
	u := &upload{Upload: Upload{
		Sheets: []string{"Salute", "Note", "Rubrica"},
		Maps: []Mapping{
			{Sheet: "Salute", Kind: KindPills, HeaderRows: []int{3}, Columns: []Column{
				{Index: 0, Header: "Cod.", Field: FCode}, {Index: 1, Header: "Varie", Field: FExtra}}},
			{Sheet: "Rubrica", Kind: KindDirectory, HeaderRows: []int{1}, Columns: []Column{
				{Index: 0, Header: "Ufficio", Field: FUnit}}},
		},
	}}
	tests := []struct {
		name string
		form map[string]SheetChoice
		want string
	}{
		{"nothing changed", map[string]SheetChoice{"Salute": {Kind: "pills", Header: "3", Cols: map[int]Field{0: FCode, 1: FExtra}}}, ""},
		{"column moved", map[string]SheetChoice{"Salute": {Cols: map[int]Field{1: FNotes}}}, "[Salute]\n@B = notes\n"},
		{"sheet skipped", map[string]SheetChoice{"Salute": {Kind: "skip", Header: "4", Cols: map[int]Field{1: FNotes}}}, "[Salute]\nkind = skip\n"},
		{"unrecognised sheet given a header", map[string]SheetChoice{"Note": {Kind: "pills", Header: "2-3"}}, "[Note]\nkind = pills\nheader = 2-3\n"},
		{"kind switched: columns guessed afresh", map[string]SheetChoice{"Rubrica": {Kind: "pills", Cols: map[int]Field{0: FEmail}}}, "[Rubrica]\nkind = pills\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := u.mappingText(Choices{Sheets: tt.form})
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if got != "" {
				if _, err := ParseMappingFile("test", strings.NewReader(got)); err != nil {
					t.Errorf("ingest refuses the text: %v", err)
				}
			}
		})
	}
}

func TestCheckWorkbookName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"pillole.xlsx", "pillole.xlsx"},
		{"RUBRICA.XLS", "RUBRICA.XLS"},
		{`C:\Documenti\pillole 2013.xlsx`, "pillole 2013.xlsx"},
		{"../../etc/passwd.xlsx", "passwd.xlsx"},
		{"a\x00b\nc.xlsx", "abc.xlsx"},
		{".xlsx", "cartella.xlsx"},
		{"dati.csv", "dati.csv"},
		{"foglio.ODS", "foglio.ODS"},
		{"appunti.pdf", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := cleanName(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("%q: accepted as %q", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: got %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// FuzzCheckWorkbookName: whatever name a browser sends, the file lands inside the upload's
// folder with an Excel extension, or is refused.
func FuzzCheckWorkbookName(f *testing.F) {
	for _, s := range []string{"pillole.xlsx", `C:\a\b.xls`, "../../x.xlsx", "\x00.xlsx", ".xlsx", "a.csv", "é€.XLSX", strings.Repeat("a", 300) + ".xlsx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		name, err := cleanName(raw)
		if err != nil {
			return
		}
		ext := strings.ToLower(filepath.Ext(name))
		if ext != ".xlsx" && ext != ".xls" && ext != ".ods" && ext != ".csv" {
			t.Errorf("%q → %q: not a spreadsheet's name", raw, name)
		}
		if strings.ContainsAny(name, "/\\\x00\n\r") || name == "." || name == ".." || filepath.Base(name) != name {
			t.Errorf("%q → %q: unsafe file name", raw, name)
		}
	})
}

// FuzzImportMapping: the form's choices, whatever they are, become a mapping the importer
// reads, or a clear error; never a panic.
func FuzzImportMapping(f *testing.F) {
	f.Add("Salute", "pills", "3", "notes")
	f.Add("Rubrica [2]", "directory", "1-2", "pec")
	f.Add("x\ny", "skip", "0", "")
	f.Fuzz(func(t *testing.T, sheet, kind, header, field string) {
		u := &upload{Upload: Upload{Sheets: []string{sheet}, Maps: []Mapping{{Sheet: sheet, Kind: KindPills,
			HeaderRows: []int{1}, Columns: []Column{{Index: 0, Header: "A", Field: FExtra}}}}}}
		ch := SheetChoice{Kind: kind, Cols: map[int]Field{0: Field(field)}}
		if validHeader(header) {
			ch.Header = header
		}
		_, _ = u.options(Choices{Sheets: map[string]SheetChoice{sheet: ch}})
	})
}

// TestJobs: an upload runs one job at a time, a job that panics ends as a failed run with an
// Italian message (the stack goes to the log), and a real import removes the file.
func TestJobs(t *testing.T) {
	store := openStore(t)
	var logs bytes.Buffer
	j := NewJobs(t.TempDir(), store, slog.New(slog.NewTextHandler(&logs, nil)))
	path := writeWorkbook(t, "uno.xlsx", sheetSpec{name: "F", rows: [][]any{{"Codice", "Titolo", "Risposta"}, {"U-1", "Uno", "Sì."}}})
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	u, err := j.Add("C:\\Documenti\\uno.xlsx", f, "pubblicatore")
	f.Close()
	if err != nil || u.Name != "uno.xlsx" || len(u.Sheets) != 1 || u.Mapping("F") == nil {
		t.Fatalf("Add: %+v, %v", u, err)
	}
	if _, err := j.Add("appunti.pdf", strings.NewReader("a,b"), ""); JobErrorCode(err) != "not_excel" {
		t.Errorf("a PDF upload: %v", err)
	}
	if u, err := j.Add("dati.csv", strings.NewReader("Titolo;Risposta\nBollo auto;Si paga online.\n"), ""); err != nil || len(u.Sheets) != 1 {
		t.Errorf("a CSV upload, as the command line takes it: %+v, %v", u, err)
	}
	if _, err := j.Add("finto.xlsx", strings.NewReader("non è un file Excel"), ""); JobErrorCode(err) != "bad_workbook" {
		t.Errorf("a text file named .xlsx: %v", err)
	}

	// A job that panics.
	j.Import = func(context.Context, *kb.Store, string, Options) (*Summary, error) { panic("boom") }
	if err := j.Start(u.ID, Choices{}, true, "pubblicatore"); err != nil {
		t.Fatal(err)
	}
	j.Wait()
	got, _ := j.Get(u.ID)
	if got.Dry == nil || got.Dry.State != StateFailed || !strings.Contains(got.Dry.Err, "errore interno") || got.Running() {
		t.Fatalf("after a panic: %+v", got.Dry)
	}
	if !strings.Contains(logs.String(), "boom") || !strings.Contains(logs.String(), "stack=") {
		t.Errorf("the panic is not logged with its stack:\n%s", logs.String())
	}

	// One job at a time; no discarding while it runs.
	release := make(chan struct{})
	j.Import = func(ctx context.Context, s *kb.Store, p string, opt Options) (*Summary, error) {
		<-release
		return ImportFile(ctx, s, p, opt)
	}
	if err := j.Start(u.ID, Choices{Sheets: map[string]SheetChoice{"F": {Header: "0"}}}, false, ""); JobErrorCode(err) != "bad_form" {
		t.Errorf("header row 0: %v", err)
	}
	if err := j.Start(u.ID, Choices{}, false, ""); err != nil {
		t.Fatal(err)
	}
	if err := j.Start(u.ID, Choices{}, true, ""); JobErrorCode(err) != "busy" {
		t.Errorf("second job: %v", err)
	}
	if err := j.Discard(u.ID); JobErrorCode(err) != "running" {
		t.Errorf("discard while running: %v", err)
	}
	close(release)
	j.Wait()
	got, _ = j.Get(u.ID)
	if got.Real.State != StateDone || got.Real.Summary.Pills.Created != 1 || !got.Removed {
		t.Fatalf("import: %+v removed=%v", got.Real, got.Removed)
	}
	if _, err := os.Stat(filepath.Join(j.Dir(), u.ID)); !os.IsNotExist(err) {
		t.Errorf("the imported workbook is still there: %v", err)
	}
	if err := j.Start(u.ID, Choices{}, false, ""); JobErrorCode(err) != "imported" {
		t.Errorf("importing again: %v", err)
	}
	if _, err := j.Get("nessuno"); JobErrorCode(err) != "not_found" {
		t.Errorf("unknown id: %v", err)
	}
}
