package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cayleygraph/quad"

	"sportello/fixtures"
	"sportello/kb"
	"sportello/kb/rdf"
)

// sportello runs the CLI in-process and returns the exit status and the two outputs.
func sportello(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func parseRDF(t *testing.T, doc []byte, f rdf.Format) []quad.Quad {
	t.Helper()
	r, err := rdf.NewReader(bytes.NewReader(doc), f, rdf.ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	qs, err := quad.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", f, err)
	}
	return qs
}

func stats(t *testing.T, data string) kb.Stats {
	t.Helper()
	code, out, errOut := sportello(t, "stats", "--json", "--data", data)
	if code != 0 {
		t.Fatalf("stats: exit %d: %s", code, errOut)
	}
	var st kb.Stats
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("stats --json: %v: %s", err, out)
	}
	return st
}

// TestCLIExitCodes: 0 on success, 1 on bad input (naming file and line, nothing written), 2 on
// wrong usage.
func TestCLIExitCodes(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	good := writeFile(t, dir, "buono.ttl", `@prefix ex: <http://example.org/> .
ex:comune ex:nome "Città di Sant'Agata"@it ; ex:sede [ ex:via "Via Roma, 1" ] .
`)
	bad := writeFile(t, dir, "rotto.nt", `<http://example.org/a> <http://example.org/p> "uno" .
<http://example.org/a> <http://example.org/p> "due" .
<http://example.org/a> <http://example.org/p> "tre .
`)
	odd := writeFile(t, dir, "dati.foo", "x")

	cases := []struct {
		name     string
		args     []string
		code     int
		inStdout string
		inStderr string
	}{
		{"help", []string{"import", "--help"}, 0, "", "Usage: sportello import"},
		{"no files", []string{"import", "--data", data}, 2, "", "no file to import"},
		{"unknown flag", []string{"import", "--colour", good}, 2, "", "flag provided but not defined"},
		{"unknown extension", []string{"import", "--data", data, odd}, 2, "", "--format"},
		{"unknown format", []string{"import", "--data", data, "--format", "n3", good}, 2, "", "unknown RDF format"},
		{"stdin without format", []string{"import", "--data", data, "-"}, 2, "", "--format"},
		{"syntax error", []string{"import", "--data", data, good, bad}, 1, "", "rotto.nt:3"},
		{"dry run", []string{"import", "--data", data, "--dry-run", good}, 0, "nothing written", ""},
		{"import", []string{"import", "--data", data, good}, 0, "buono.ttl: 3 statements", ""},
		{"flags after files", []string{"import", good, "--data", data, "--graph", "taxonomy"}, 0, "3 statements", ""},
		{"unknown graph", []string{"import", "--data", data, "--graph", "varie", good}, 2, "", "unknown graph"},
		{"forced format", []string{"import", "--data", data, "--format", "turtle", odd}, 1, "", "dati.foo"},
		{"stats", []string{"stats", "--data", data}, 0, "pills", ""},
		{"stats extra arg", []string{"stats", "--data", data, "x"}, 2, "", "unexpected argument"},
		{"export turtle", []string{"export", "--data", data}, 0, "Città di Sant'Agata", ""},
		{"export one graph", []string{"export", "--data", data, "--graph", "taxonomy", "--format", "nt"}, 0, "Via Roma, 1", ""},
		{"export bad format", []string{"export", "--data", data, "--format", "csv"}, 2, "", "unknown RDF format"},
		{"vcard with graph", []string{"export", "--data", data, "--format", "vcard", "--graph", "content"}, 2, "", "--graph"},
		{"export missing data", []string{"export", "--data", filepath.Join(dir, "nessuno")}, 1, "", "no knowledge graph"},
		{"unknown command", []string{"exprot"}, 2, "", "unknown command"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := sportello(t, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, out, errOut)
			}
			if !strings.Contains(out, c.inStdout) {
				t.Errorf("stdout lacks %q:\n%s", c.inStdout, out)
			}
			if !strings.Contains(errOut, c.inStderr) {
				t.Errorf("stderr lacks %q:\n%s", c.inStderr, errOut)
			}
		})
	}
	// The failed import of good+bad wrote nothing, not even the good file: the later
	// successful imports account for every content statement.
	code, out, _ := sportello(t, "export", "--data", data, "--graph", "content", "--format", "ntriples")
	if code != 0 || strings.Contains(out, `"uno"`) {
		t.Errorf("statements of the failed import are in the store:\n%s", out)
	}
	if n := strings.Count(out, "\n"); n != 3 {
		t.Errorf("content graph has %d statements, want 3 (one import of buono.ttl):\n%s", n, out)
	}
}

// TestCLIRoundTrip is the acceptance scenario: export --format turtle > a.ttl; import a.ttl
// into another data folder; export ntriples: the same graph (KB-11: the data can move to
// another system and back).
func TestCLIRoundTrip(t *testing.T) {
	dir := t.TempDir()
	first, second := filepath.Join(dir, "prima"), filepath.Join(dir, "seconda")
	s, err := kb.Open(first)
	if err != nil {
		t.Fatal(err)
	}
	if err := fixtures.Load(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	s.Close()
	want := stats(t, first)

	code, ttl, errOut := sportello(t, "export", "--data", first, "--format", "turtle")
	if code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	a := writeFile(t, dir, "a.ttl", ttl)
	if code, _, errOut := sportello(t, "import", "--data", second, a); code != 0 {
		t.Fatalf("import: %d %s", code, errOut)
	}
	out := filepath.Join(dir, "b.nt")
	if code, _, errOut := sportello(t, "export", "--data", second, "--format", "ntriples", "-o", out); code != 0 {
		t.Fatalf("export -o: %d %s", code, errOut)
	}
	nt, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	qa, qb := parseRDF(t, []byte(ttl), rdf.Turtle), parseRDF(t, nt, rdf.NTriples)
	if !rdf.Isomorphic(qa, qb) {
		t.Errorf("a.ttl (%d triples) and the re-exported N-Triples (%d) are not isomorphic", len(qa), len(qb))
	}
	if got := stats(t, second); got.Triples < want.Triples/2 {
		t.Errorf("second store: %+v, first %+v", got, want)
	}

	// The directory as vCard, to a file.
	vcf := filepath.Join(dir, "rubrica.vcf")
	if code, _, errOut := sportello(t, "export", "--data", first, "--format", "vcard", "-o", vcf); code != 0 {
		t.Fatalf("export vcard: %d %s", code, errOut)
	}
	data, _ := os.ReadFile(vcf)
	if n := bytes.Count(data, []byte("BEGIN:VCARD")); n != len(fixtures.Units)+len(fixtures.People) {
		t.Errorf("%d cards, want %d units + %d people", n, len(fixtures.Units), len(fixtures.People))
	}
	if want.Pills != len(fixtures.Pills) || want.People != len(fixtures.People) {
		t.Errorf("stats %+v do not match the demo data set", want)
	}
}
