package kb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"sportello/fixtures"
	"sportello/fixtures/testenv"
	"sportello/kb"
	"sportello/kb/rdf"
)

// demoStore is a memory store with the demo data set.
func demoStore(t *testing.T) *kb.Store {
	t.Helper()
	s, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := fixtures.Load(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

func export(t *testing.T, s *kb.Store, dir string, f rdf.Format) string {
	t.Helper()
	var buf bytes.Buffer
	if err := s.Export(context.Background(), &buf, f, ""); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "export"+f.Ext())
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var rapperCount = regexp.MustCompile(`returned (\d+) triples`)

// TestExportsInRealPeers: what we export parses in Raptor and rdflib, as the same graph, and
// the vCard export reads in vobject with every office and person (KB-5, KB-11).
func TestExportsInRealPeers(t *testing.T) {
	rapper := testenv.Command(t, "rapper", "raptor2-utils")
	testenv.PythonModule(t, "rdflib", "python3-rdflib")
	testenv.PythonModule(t, "vobject", "python3-vobject")
	s := demoStore(t)
	dir := t.TempDir()
	nt := export(t, s, dir, rdf.NTriples)
	ntLines := 0
	if data, err := os.ReadFile(nt); err == nil {
		ntLines = bytes.Count(data, []byte("\n"))
	}
	if ntLines < 500 {
		t.Fatalf("the demo export has only %d triples", ntLines)
	}

	cases := []struct {
		format      rdf.Format
		rapper      string // rapper's name for the syntax; empty: Raptor has no JSON-LD parser
		rdflibInput string
	}{
		{rdf.Turtle, "turtle", "turtle"},
		{rdf.RDFXML, "rdfxml", "xml"},
		{rdf.NTriples, "ntriples", "nt"},
		{rdf.JSONLD, "", "json-ld"},
	}
	for _, c := range cases {
		t.Run(string(c.format), func(t *testing.T) {
			path := export(t, s, dir, c.format)
			if c.rapper != "" {
				out, err := exec.Command(rapper, "-c", "-i", c.rapper, path).CombinedOutput()
				if err != nil {
					t.Fatalf("rapper rejects our %s: %v\n%s", c.format, err, out)
				}
				m := rapperCount.FindSubmatch(out)
				if m == nil {
					t.Fatalf("rapper said: %s", out)
				}
				if n, _ := strconv.Atoi(string(m[1])); n != ntLines {
					t.Errorf("rapper counts %d triples in %s, the N-Triples export has %d", n, c.format, ntLines)
				}
			}
			script := `
import sys, rdflib
from rdflib.compare import isomorphic
# A ConjunctiveGraph, because the JSON-LD export keeps the named graphs; compared as the union.
cg = rdflib.ConjunctiveGraph(); cg.parse(sys.argv[1], format=sys.argv[2])
a = rdflib.Graph()
for t in cg.triples((None, None, None)):
    a.add(t)
b = rdflib.Graph(); b.parse(sys.argv[3], format="nt")
print(len(a), len(b), isomorphic(a, b))
`
			out, err := exec.Command(testenv.Python3, "-c", script, path, c.rdflibInput, nt).CombinedOutput()
			if err != nil {
				t.Fatalf("rdflib rejects our %s: %v\n%s", c.format, err, out)
			}
			if got := strings.Fields(string(out)); len(got) != 3 || got[2] != "True" {
				t.Errorf("rdflib: %s is not isomorphic to the N-Triples export (len, len, iso): %s", c.format, out)
			}
		})
	}

	t.Run("vcard", func(t *testing.T) {
		var buf bytes.Buffer
		if err := s.ExportVCard(context.Background(), &buf); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "rubrica.vcf")
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		script := `
import sys, json, vobject
cards = []
with open(sys.argv[1], encoding="utf-8") as f:
    for c in vobject.readComponents(f):
        kind = c.kind.value if hasattr(c, "kind") else ""
        tels = [t.value for t in c.contents.get("tel", [])]
        cards.append({"fn": c.fn.value, "kind": kind, "tel": tels, "version": c.version.value})
print(json.dumps(cards))
`
		out, err := exec.Command(testenv.Python3, "-c", script, path).CombinedOutput()
		if err != nil {
			t.Fatalf("vobject rejects our vCard: %v\n%s", err, out)
		}
		var cards []struct {
			FN, Kind, Version string
			Tel               []string
		}
		if err := json.Unmarshal(out, &cards); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		ctx := context.Background()
		units, _ := s.Units(ctx)
		people, _ := s.People(ctx)
		var want, got []string
		for _, u := range units {
			want = append(want, "group|"+u.Name)
			if u.Kind == kb.UnitOrganization {
				want[len(want)-1] = "org|" + u.Name
			}
		}
		exts := map[string]string{}
		for _, p := range people {
			want = append(want, "individual|"+p.FullName())
			exts[p.FullName()] = p.Extension
		}
		for _, c := range cards {
			got = append(got, c.Kind+"|"+c.FN)
			if c.Version != "4.0" {
				t.Errorf("%s: VERSION %s", c.FN, c.Version)
			}
			if ext := exts[c.FN]; ext != "" && !strings.Contains(strings.Join(c.Tel, " "), ext) {
				t.Errorf("%s: extension %s not among TEL %v", c.FN, ext, c.Tel)
			}
		}
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("vobject read %d cards, want %d (%d units, %d people):\n got %v\nwant %v",
				len(got), len(want), len(units), len(people), got, want)
		}
	})
}
