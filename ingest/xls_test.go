package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testdata/pillole.xls is a BIFF8 workbook written once by LibreOffice (soffice --headless
// --convert-to xls) from a small generated .xlsx: a title row above the header, a date cell
// with a custom format, a date as text, line breaks, € and accents, a row without answer and a
// second sheet with a directory.
func TestXLS(t *testing.T) {
	store := openStore(t)
	sum := importOK(t, store, "testdata/pillole.xls", Options{})
	if sum.Pills.Created != 2 || sum.People.Created != 1 {
		t.Fatalf("pills %+v people %+v; problems:\n%s", sum.Pills, sum.People, problemText(sum.Problems))
	}
	if p := findProblem(sum.Problems, "Pillole", 7, Error); p == nil || p.Code != "XLS-003" {
		t.Errorf("row without answer not reported: %v", sum.Problems)
	}
	if p := findProblem(sum.Problems, "Pillole", 5, Warning); p == nil || p.Code != "XLS-002" {
		t.Errorf("office missing from the directory not reported: %v", sum.Problems)
	}
	p1 := pillByCode(t, store, "XLS-001")
	if p1.Answer != "<p>Entro l'ultimo giorno del mese successivo.</p><ul><li>online</li><li>in tabaccheria</li></ul>" {
		t.Errorf("answer %q", p1.Answer)
	}
	if d := p1.Modified.Format(time.DateOnly); d != "2013-03-12" {
		t.Errorf("date serial with a custom format: %s", d)
	}
	if p1.Office == "" || p1.OfficeName != "" {
		t.Errorf("office not linked to the directory sheet: %q %q", p1.Office, p1.OfficeName)
	}
	if !hasExtra(p1.Extra, "Note", "città") && p1.Notes != "città" {
		t.Errorf("accented note lost: %q %+v", p1.Notes, p1.Extra)
	}
	p2 := pillByCode(t, store, "XLS-002")
	if p2.Answer != "<p>Il ticket costa 36,15 € per ricetta.</p>" || p2.Modified.Format(time.DateOnly) != "2013-03-12" {
		t.Errorf("XLS-002: %q %s", p2.Answer, p2.Modified)
	}
	if len(p2.Keywords) != 2 {
		t.Errorf("keywords %q", p2.Keywords)
	}
	again := importOK(t, store, "testdata/pillole.xls", Options{})
	if again.Pills.Unchanged != 2 || again.People.Unchanged != 1 {
		t.Errorf("second import: %+v %+v", again.Pills, again.People)
	}
}

func TestOpenFileErrors(t *testing.T) {
	for _, name := range []string{"testdata/nope.xlsx", "xls_test.go"} {
		if _, err := OpenFile(name); err == nil {
			t.Errorf("OpenFile(%s): no error", name)
		}
	}
}

// A damaged workbook is an error naming the file, never a crash.
func TestDamagedWorkbooks(t *testing.T) {
	dir := t.TempDir()
	xls, err := os.ReadFile("testdata/pillole.xls")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{600, 2000, 5000} {
		path := filepath.Join(dir, fmt.Sprintf("cut%d.xls", n))
		if err := os.WriteFile(path, xls[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		store := openStore(t)
		if _, err := ImportFile(context.Background(), store, path, Options{}); err == nil {
			t.Errorf("%s: no error", path)
		} else if !strings.Contains(err.Error(), filepath.Base(path)) {
			t.Errorf("%s: error %q does not name the file", path, err)
		}
	}
	bad := filepath.Join(dir, "zip.xlsx")
	os.WriteFile(bad, []byte("PK\x03\x04 broken"), 0o644)
	if _, err := ImportFile(context.Background(), openStore(t), bad, Options{}); err == nil || !strings.Contains(err.Error(), "zip.xlsx") {
		t.Errorf("broken xlsx: %v", err)
	}
}

// FuzzReadWorkbook feeds damaged workbooks to both readers: errors are fine, crashes are not.
func FuzzReadWorkbook(f *testing.F) {
	xls, err := os.ReadFile("testdata/pillole.xls")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(xls)
	f.Add(xls[:len(xls)/2])
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "w")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			wb, err := OpenFile(path)
			if err != nil {
				return
			}
			defer wb.Close()
			scan(wb, scanOptions{Pill: func(Record) error { return nil }, Dir: func(DirRecord) error { return nil }})
		}()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("reading a %d-byte file did not end", len(data))
		}
	})
}

// testdata/loop.xls is pillole.xls with a few bytes changed so that a sector chain loops: the
// reader used to follow it for ever.
func TestXLSLoopingChain(t *testing.T) {
	done := make(chan error, 1)
	go func() {
		_, err := ImportFile(context.Background(), openStore(t), "testdata/loop.xls", Options{})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "loop.xls") {
			t.Errorf("looping .xls: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("reading a looping .xls did not end")
	}
}
