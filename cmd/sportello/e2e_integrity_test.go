package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sportello/fixtures"
	"sportello/fixtures/testenv"
	"sportello/kb"
	"sportello/kb/rdf"
)

// TestOrdinarySequence is what a new customer does first, on the built binary: the demo, then
// the Administration's legacy workbook and phone directory imported into that store, then the
// whole store exported in every syntax, each parsed by rapper and rdflib (KB-11).
func TestOrdinarySequence(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	rapper := testenv.Command(t, "rapper", "raptor2-utils")
	testenv.PythonModule(t, "rdflib", "python3-rdflib")
	dir := t.TempDir()
	bin := buildSportello(t, dir)
	data := filepath.Join(dir, "data")

	srv := startServe(t, bin, "serve", "--demo", "--addr", "127.0.0.1:0", "--data", data)
	srv.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-srv.exited; err != nil {
		t.Fatalf("serve --demo did not stop cleanly: %v\n%s", err, srv.stderr.String())
	}
	srv.stopped = true

	book := testenv.Shared(t, "corpus/pillole-legacy.xlsx")
	rubrica := testenv.Shared(t, "corpus/rubrica.xlsx")
	// Exit status 3: imported, with the corpus's two bad rows left out and reported.
	if code, out, errOut := runBin(t, bin, "import", "--data", data, book); code != 3 || !strings.Contains(out, "ATP-009") {
		t.Fatalf("import of the legacy workbook into the demo store: exit %d\n%s\n%s", code, errOut, out)
	}
	// Exit status 3: the demo's own offices and people are not in the corpus's directory, and
	// are reported (left in place: no --retire-missing).
	if code, out, errOut := runBin(t, bin, "import", "--data", data, "--kind", "directory", rubrica); code != 3 || !strings.Contains(out, "è in rubrica ma non nel file") {
		t.Fatalf("import of the directory into the demo store: exit %d\n%s\n%s", code, errOut, out)
	}
	// Importing the same files again changes nothing.
	before := stats(t, data)
	for _, args := range [][]string{{"import", "--data", data, book}, {"import", "--data", data, "--kind", "directory", rubrica}} {
		code, out, errOut := runBin(t, bin, args...)
		if code != 0 && code != 3 || !strings.Contains(out, "create 0, aggiornate 0") {
			t.Errorf("%v again: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	if after := stats(t, data); after != before {
		t.Errorf("importing the same files again changed the store: %+v → %+v", before, after)
	}

	var nquads []byte
	for _, f := range rdf.Formats {
		file := filepath.Join(dir, "tutto"+f.Ext())
		if code, _, errOut := runBin(t, bin, "export", "--data", data, "--format", string(f), "-o", file); code != 0 {
			t.Fatalf("export %s: exit %d: %s", f, code, errOut)
		}
		doc, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if f == rdf.NQuads {
			nquads = doc
		}
		// rapper reads every syntax but JSON-LD; rdflib reads them all.
		if f != rdf.JSONLD {
			in := map[rdf.Format]string{rdf.Turtle: "turtle", rdf.NTriples: "ntriples", rdf.NQuads: "nquads", rdf.TriG: "trig", rdf.RDFXML: "rdfxml"}[f]
			cmd := exec.Command(rapper, "-q", "-c", "-i", in, file)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("rapper cannot parse the %s export: %v\n%s", f, err, out)
			}
		}
		format := map[rdf.Format]string{rdf.Turtle: "turtle", rdf.NTriples: "nt", rdf.NQuads: "nquads", rdf.TriG: "trig", rdf.RDFXML: "xml", rdf.JSONLD: "json-ld"}[f]
		script := "import sys, rdflib\ng = rdflib.Dataset()\ng.parse(sys.argv[1], format=sys.argv[2])\nprint(len(g))\n"
		out, err := exec.Command(testenv.Python3, "-c", script, file, format).CombinedOutput()
		if err != nil {
			t.Errorf("rdflib cannot parse the %s export: %v\n%s", f, err, out)
			continue
		}
		if n, _ := strconv.Atoi(strings.TrimSpace(string(out))); n < int(before.Triples)/2 {
			t.Errorf("rdflib reads %s statements from the %s export of %d", strings.TrimSpace(string(out)), f, before.Triples)
		}
	}
	if n := bytes.Count(nquads, []byte("\n")); int64(n) != before.Triples {
		t.Errorf("the N-Quads export has %d statements, the store %d", n, before.Triples)
	}
}

// killBook writes a workbook of n pills under a few categories and departments.
func killBook(t *testing.T, dir string, n int) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	sw.SetRow("A1", []any{"Codice", "Titolo", "Domanda", "Risposta", "Categoria", "Sottocategoria", "Ufficio competente", "Parole chiave"})
	for i := 0; i < n; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		sw.SetRow(cell, []any{fmt.Sprintf("K-%05d", i), fmt.Sprintf("Scheda numero %d", i),
			fmt.Sprintf("Come si fa la pratica %d?", i), strings.Repeat(fmt.Sprintf("Risposta %d. ", i), 8),
			fmt.Sprintf("Area %d", i%9), fmt.Sprintf("Tema %d", i%37), fmt.Sprintf("Ufficio %d", i%13), "pratica; modulo"})
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "molte.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if info.IsDir() {
			return os.MkdirAll(dst, 0o700)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(dst)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestKillDuringImport kills `sportello import` (kill -9) at random moments of a workbook import
// into the demo store: the store then holds the whole import or nothing of it, opens, and
// exports. The seed is printed, so a failure can be replayed (SPORTELLO_KILL_SEED).
func TestKillDuringImport(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	dir := t.TempDir()
	bin := buildSportello(t, dir)
	base := filepath.Join(dir, "base")
	s, err := kb.Open(base)
	if err != nil {
		t.Fatal(err)
	}
	if err := fixtures.Load(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	s.Close()
	const rows = 800
	book := killBook(t, dir, rows)
	demo := stats(t, base)

	// One whole run gives the import's duration, and what "everything" is.
	whole := filepath.Join(dir, "whole")
	copyDir(t, base, whole)
	start := time.Now()
	if code, out, errOut := runBin(t, bin, "import", "--data", whole, book); code != 0 {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	took := time.Since(start)
	full := stats(t, whole)
	if full.Pills != demo.Pills+rows {
		t.Fatalf("the whole import: %d pills, want %d", full.Pills, demo.Pills+rows)
	}

	seed := time.Now().UnixNano()
	if v := os.Getenv("SPORTELLO_KILL_SEED"); v != "" {
		seed, _ = strconv.ParseInt(v, 10, 64)
	}
	t.Logf("seed %d (SPORTELLO_KILL_SEED replays it); one import takes %v", seed, took.Round(time.Millisecond))
	rng := rand.New(rand.NewSource(seed))
	outcomes := map[string]int{}
	for i := 0; i < 6; i++ {
		data := filepath.Join(dir, fmt.Sprintf("kill-%d", i))
		copyDir(t, base, data)
		cmd := exec.Command(bin, "import", "--data", data, book)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(rng.Int63n(int64(took) * 11 / 10))
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		st := stats(t, data)
		switch st {
		case demo:
			outcomes["nothing"]++
		case full:
			outcomes["everything"]++
		default:
			t.Fatalf("killed after %v: the store holds %+v — neither the demo %+v nor the whole import %+v", delay, st, demo, full)
		}
		// It opens, and exports whole.
		code, _, errOut := runBin(t, bin, "export", "--data", data, "--format", "nquads", "-o", filepath.Join(data, "all.nq"))
		if code != 0 {
			t.Fatalf("killed after %v: export fails: %s", delay, errOut)
		}
		// And it takes the same import afterwards.
		if st == demo {
			if code, out, errOut := runBin(t, bin, "import", "--data", data, book); code != 0 || stats(t, data) != full {
				t.Fatalf("killed after %v: the import afterwards: exit %d\n%s%s", delay, code, out, errOut)
			}
		}
	}
	t.Logf("outcomes of the kills: %v", outcomes)
}
