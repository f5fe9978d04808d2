package rdf

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sportello/fixtures/testenv"
	"strings"
	"testing"

	"github.com/cayleygraph/quad"
)

// The W3C RDF 1.1 test suites, copied into the shared tree (see its SOURCE.md).
const conformanceRoot = "conformance/rdf-tests"

const (
	mfNS   = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
	rdftNS = "http://www.w3.org/ns/rdftest#"
)

// suiteTest says how to run one rdft test type.
type suiteTest struct {
	Format   Format // syntax of mf:action
	Negative bool   // the action must fail to parse
	Eval     bool   // the action must parse to a graph isomorphic to mf:result (.nt or .nq)
}

// conformanceDir finds a suite directory, or skips/fails as for a missing peer: the suites are
// data of the project, so under ./test.sh their absence is an error.
func conformanceDir(t *testing.T, name string) string {
	t.Helper()
	return filepath.Dir(testenv.Shared(t, conformanceRoot+"/"+name+"/manifest.ttl"))
}

// runSuite runs every test of dir/manifest.ttl whose rdf:type (local name in the rdft
// namespace, e.g. "TestTurtleEval") is a key of kinds, and returns how many passed out of how
// many ran. It reads the manifest with our own Turtle reader. Failures are logged one by one
// (not failed) so that the caller decides what pass rate is required; the pass-rate line is
// printed with t.Log and on stdout, so that it shows in plain `go test` output.
func runSuite(t *testing.T, name, dir string, kinds map[string]suiteTest) (passed, total int) {
	t.Helper()
	const manifestBase = "https://w3c.github.io/rdf-tests/rdf/rdf11/"
	mfPath := filepath.Join(dir, "manifest.ttl")
	mfQuads, err := readFile(mfPath, Turtle, manifestBase+filepath.Base(dir)+"/manifest.ttl")
	if err != nil {
		t.Fatalf("reading manifest: %v", err)
	}
	idx := map[quad.Value]map[string][]quad.Value{}
	for _, q := range mfQuads {
		m := idx[q.Subject]
		if m == nil {
			m = map[string][]quad.Value{}
			idx[q.Subject] = m
		}
		p := string(q.Predicate.(quad.IRI))
		m[p] = append(m[p], q.Object)
	}
	one := func(s quad.Value, p string) quad.Value {
		if vs := idx[s][p]; len(vs) > 0 {
			return vs[0]
		}
		return nil
	}
	var manifest, testBase quad.Value
	for s, m := range idx {
		if len(m[mfNS+"entries"]) > 0 {
			manifest = s
			testBase = one(s, mfNS+"assumedTestBase")
		}
	}
	if manifest == nil {
		t.Fatalf("%s: no mf:entries", mfPath)
	}
	base := manifestBase + filepath.Base(dir) + "/"
	if iri, ok := testBase.(quad.IRI); ok {
		base = string(iri)
	}
	var failures []string
	for node := one(manifest, mfNS+"entries"); node != nil && node != quad.IRI(rdfNil); node = one(node, rdfRest) {
		entry := one(node, rdfFirst)
		typ, _ := one(entry, rdfType).(quad.IRI)
		kind, ok := kinds[strings.TrimPrefix(string(typ), rdftNS)]
		if !ok {
			continue
		}
		total++
		testName := path.Base(string(entry.(quad.IRI)))
		if n, ok := one(entry, mfNS+"name").(quad.String); ok {
			testName = string(n)
		}
		action, _ := one(entry, mfNS+"action").(quad.IRI)
		file := strings.TrimPrefix(string(action), manifestBase+filepath.Base(dir)+"/") // keeps subfolders (rdf-xml)
		got, err := readFile(filepath.Join(dir, file), kind.Format, base+file)
		var msg string
		switch {
		case kind.Negative && err == nil:
			msg = fmt.Sprintf("parsed without error, %d quads", len(got))
		case kind.Negative:
			var pe *ParseError
			if !errors.As(err, &pe) {
				msg = fmt.Sprintf("error is %T, not *ParseError: %v", err, err)
			}
		case err != nil:
			msg = err.Error()
		case kind.Eval:
			result, _ := one(entry, mfNS+"result").(quad.IRI)
			rfile := strings.TrimPrefix(string(result), manifestBase+filepath.Base(dir)+"/")
			rf, _ := FormatFromExt(rfile)
			want, err := readFile(filepath.Join(dir, rfile), rf, base+rfile)
			if err != nil {
				msg = "reading expected result: " + err.Error()
			} else if !Isomorphic(got, want) {
				msg = fmt.Sprintf("result not isomorphic to %s (got %d quads, want %d)", rfile, len(got), len(want))
			}
		}
		if msg != "" {
			failures = append(failures, fmt.Sprintf("%s (%s): %s", testName, file, msg))
			continue
		}
		passed++
	}
	for _, f := range failures {
		t.Log("FAIL " + f)
	}
	line := fmt.Sprintf("conformance %s: %d/%d passed", name, passed, total)
	t.Log(line)
	testenv.Figure("%s", line)
	return passed, total
}

// readFile parses a whole file into memory (tests only).
func readFile(name string, f Format, base string) ([]quad.Quad, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	r, err := NewReader(fh, f, ReaderOptions{Base: base, File: filepath.Base(name)})
	if err != nil {
		return nil, err
	}
	return readAll(r)
}

func readAll(r quad.Reader) ([]quad.Quad, error) {
	var qs []quad.Quad
	for {
		q, err := r.ReadQuad()
		if err == io.EOF {
			return qs, nil
		}
		if err != nil {
			return qs, err
		}
		qs = append(qs, q)
	}
}

// TestConformance runs the W3C suites of the text syntaxes; each must pass in full.
func TestConformance(t *testing.T) {
	suites := []struct {
		name, dir string
		kinds     map[string]suiteTest
	}{
		{"ntriples", "rdf-n-triples", map[string]suiteTest{
			"TestNTriplesPositiveSyntax": {Format: NTriples},
			"TestNTriplesNegativeSyntax": {Format: NTriples, Negative: true},
		}},
		{"nquads", "rdf-n-quads", map[string]suiteTest{
			"TestNQuadsPositiveSyntax": {Format: NQuads},
			"TestNQuadsNegativeSyntax": {Format: NQuads, Negative: true},
		}},
		{"turtle", "rdf-turtle", map[string]suiteTest{
			"TestTurtleEval":           {Format: Turtle, Eval: true},
			"TestTurtlePositiveSyntax": {Format: Turtle},
			"TestTurtleNegativeSyntax": {Format: Turtle, Negative: true},
			"TestTurtleNegativeEval":   {Format: Turtle, Negative: true},
		}},
		{"trig", "rdf-trig", map[string]suiteTest{
			"TestTrigEval":           {Format: TriG, Eval: true},
			"TestTrigPositiveSyntax": {Format: TriG},
			"TestTrigNegativeSyntax": {Format: TriG, Negative: true},
			"TestTrigNegativeEval":   {Format: TriG, Negative: true},
		}},
	}
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) {
			dir := conformanceDir(t, s.dir)
			passed, total := runSuite(t, s.name, dir, s.kinds)
			if total == 0 || passed < total {
				t.Errorf("conformance %s: %d/%d passed, want 100%%", s.name, passed, total)
			}
		})
	}
}
