package ingest

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"sportello/kb"
	"sportello/kb/rdf"
)

// sheetSpec describes a sheet of a generated workbook.
type sheetSpec struct {
	name   string
	rows   [][]any           // from A1; nil cells stay empty
	merges [][2]string       // ranges such as {"A1", "A2"}
	links  map[string]string // cell → URL
	styles map[string]string // cell → custom number format
}

// writeWorkbook builds an .xlsx in a temporary folder and returns its path.
func writeWorkbook(t testing.TB, file string, sheets ...sheetSpec) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			t.Fatal(err)
		}
		for r, row := range s.rows {
			for c, v := range row {
				if v == nil {
					continue
				}
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if err := f.SetCellValue(s.name, cell, v); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, m := range s.merges {
			if err := f.MergeCell(s.name, m[0], m[1]); err != nil {
				t.Fatal(err)
			}
		}
		for cell, url := range s.links {
			if err := f.SetCellHyperLink(s.name, cell, url, "External"); err != nil {
				t.Fatal(err)
			}
		}
		for cell, format := range s.styles {
			st, err := f.NewStyle(&excelize.Style{CustomNumFmt: &format})
			if err != nil {
				t.Fatal(err)
			}
			if err := f.SetCellStyle(s.name, cell, cell, st); err != nil {
				t.Fatal(err)
			}
		}
	}
	path := filepath.Join(t.TempDir(), file)
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func openStore(t testing.TB) *kb.Store {
	t.Helper()
	s, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func importOK(t testing.TB, store *kb.Store, path string, opt Options) *Summary {
	t.Helper()
	sum, err := ImportFile(context.Background(), store, path, opt)
	if err != nil {
		t.Fatalf("import %s: %v", path, err)
	}
	return sum
}

func pillByCode(t testing.TB, store *kb.Store, code string) *kb.Pill {
	t.Helper()
	p, err := store.PillByCode(context.Background(), code)
	if err != nil {
		t.Fatalf("pill %s: %v", code, err)
	}
	return p
}

func allPills(t testing.TB, store *kb.Store) []kb.Pill {
	t.Helper()
	ps, err := store.Pills(context.Background(), kb.PillFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func findProblem(ps []Problem, sheet string, row int, sev Severity) *Problem {
	for i := range ps {
		if ps[i].Sheet == sheet && ps[i].Row == row && ps[i].Severity == sev {
			return &ps[i]
		}
	}
	return nil
}

// writerFile collects bytes and saves them.
type writerFile struct{ b []byte }

func (w *writerFile) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }
func (w *writerFile) save(path string) error      { return os.WriteFile(path, w.b, 0o644) }

func exportAll(store *kb.Store, format string) error {
	f, err := rdf.ParseFormat(format)
	if err != nil {
		return err
	}
	return store.Export(context.Background(), io.Discard, f, "")
}
