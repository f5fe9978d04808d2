package rdf

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cayleygraph/quad"

	"sportello/fixtures/testenv"
)

// peerVariedGraph is a small graph with what tends to break serialisers: Italian accents, language
// tags, datatypes (one with a `"` in its lexical form), blank nodes, IRIs with odd characters,
// newlines, tabs, XML and JSON metacharacters.
func peerVariedGraph() []quad.Quad {
	const (
		ex   = "https://sportello.example.it/kb/"
		sch  = "https://schema.org/"
		dct  = "http://purl.org/dc/terms/"
		xsd  = "http://www.w3.org/2001/XMLSchema#"
		rdfT = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
	)
	b1, b2 := quad.BNode("ufficio1"), quad.BNode("indirizzo-2")
	pill := quad.IRI(ex + "pillola/carta-d'identità")
	return []quad.Quad{
		{Subject: pill, Predicate: quad.IRI(rdfT), Object: quad.IRI(ex + "Pillola")},
		{Subject: pill, Predicate: quad.IRI(dct + "title"), Object: quad.LangString{Value: "Carta d'identità elettronica", Lang: "it"}},
		{Subject: pill, Predicate: quad.IRI(dct + "title"), Object: quad.LangString{Value: "Electronic identity card", Lang: "en"}},
		{Subject: pill, Predicate: quad.IRI(dct + "description"), Object: quad.String("Più è \"semplice\", meglio è:\n- prenota <online>\n- porta 2 foto & il vecchio documento\tscaduto")},
		{Subject: pill, Predicate: quad.IRI(dct + "modified"), Object: quad.TypedString{Value: "2026-03-01", Type: xsd + "date"}},
		{Subject: pill, Predicate: quad.IRI(ex + "costo"), Object: quad.TypedString{Value: "16.79", Type: xsd + "decimal"}},
		{Subject: pill, Predicate: quad.IRI(ex + "codice"), Object: quad.TypedString{Value: `CIE "3.0"`, Type: ex + "tipi#Codice"}},
		{Subject: pill, Predicate: quad.IRI(ex + "ufficio"), Object: b1},
		{Subject: pill, Predicate: quad.IRI(ex + "vedi"), Object: quad.IRI(ex + "pagina?q=anagrafe&lang=it#sezione")},
		{Subject: pill, Predicate: quad.IRI(ex + "vedi"), Object: quad.IRI("urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66")},
		{Subject: b1, Predicate: quad.IRI(rdfT), Object: quad.IRI(sch + "GovernmentOffice")},
		{Subject: b1, Predicate: quad.IRI(sch + "name"), Object: quad.String("Ufficio Anagrafe – Municipio Ⅰ")},
		{Subject: b1, Predicate: quad.IRI(sch + "address"), Object: b2},
		{Subject: b2, Predicate: quad.IRI(sch + "streetAddress"), Object: quad.String("Via dell'Università, 5")},
		{Subject: b2, Predicate: quad.IRI(sch + "addressLocality"), Object: quad.LangString{Value: "Forlì", Lang: "it-IT"}},
		{Subject: b2, Predicate: quad.IRI(sch + "postalCode"), Object: quad.String("47121")},
		{Subject: quad.IRI(ex + "persona/nicolò_%C3%A8"), Predicate: quad.IRI(sch + "telephone"), Object: quad.String("+39 0543 712111")},
		{Subject: quad.IRI(ex + "persona/nicolò_%C3%A8"), Predicate: quad.IRI(ex + "note"), Object: quad.String("")},
		{Subject: quad.IRI(ex + "persona/nicolò_%C3%A8"), Predicate: quad.IRI(ex + "emoji"), Object: quad.String("Grazie 🙏 — \\ backslash")},
	}
}

var peerPrefixes = map[string]string{
	"kb":     "https://sportello.example.it/kb/",
	"schema": "https://schema.org/",
	"dct":    "http://purl.org/dc/terms/",
	"xsd":    "http://www.w3.org/2001/XMLSchema#",
}

func peerWriteAll(t testing.TB, f Format, qs []quad.Quad, opt WriterOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, f, opt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteQuads(qs); err != nil {
		t.Fatalf("%s: %v", f, err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("%s: close: %v", f, err)
	}
	return buf.Bytes()
}

func peerReadAll(t testing.TB, f Format, data []byte, opt ReaderOptions) []quad.Quad {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), f, opt)
	if err != nil {
		t.Fatal(err)
	}
	var out []quad.Quad
	for {
		q, err := r.ReadQuad()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v\n%s", f, err, data)
		}
		out = append(out, q)
	}
}

// TestExportsParseInPeers checks KB-5 and KB-11: every RDF export we write parses in the two
// reference implementations a receiving supplier is most likely to use, rapper (raptor2) and
// rdflib, and rdflib finds the same graph as in our N-Triples export.
func TestExportsParseInPeers(t *testing.T) {
	rapper := testenv.Command(t, "rapper", "raptor2-utils")
	testenv.PythonModule(t, "rdflib", "python3-rdflib")

	g := peerVariedGraph()
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref.nt")
	if _, ok := writers[NTriples]; !ok {
		t.Fatal("no N-Triples writer registered: it is the reference export")
	}
	if err := os.WriteFile(ref, peerWriteAll(t, NTriples, g, WriterOptions{}), 0o644); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		format Format
		rapper string // rapper's input syntax name; "" when rapper cannot read the format
		rdflib string
	}{
		{NTriples, "ntriples", "nt"},
		{Turtle, "turtle", "turtle"},
		{RDFXML, "rdfxml", "xml"},
		{JSONLD, "", "json-ld"},
	}
	for _, c := range cases {
		t.Run(string(c.format), func(t *testing.T) {
			if _, ok := writers[c.format]; !ok {
				t.Fatalf("no %s writer registered", c.format)
			}
			data := peerWriteAll(t, c.format, g, WriterOptions{Prefixes: peerPrefixes})
			name := filepath.Join(dir, "export"+c.format.Ext())
			if err := os.WriteFile(name, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if c.rapper != "" {
				out, err := exec.Command(rapper, "-q", "-i", c.rapper, "-c", name).CombinedOutput()
				if err != nil {
					t.Errorf("rapper -i %s -c rejects our export: %v\n%s\n%s", c.rapper, err, out, data)
				}
			}
			// Language tags compare without regard to case (RDF 1.1 Concepts 3.3); json-gold
			// lowercases them, so both sides are normalised before comparing.
			script := `
import sys, rdflib
from rdflib.compare import isomorphic
def load(name, fmt):
    g = rdflib.Graph(); g.parse(name, format=fmt)
    n = rdflib.Graph()
    for s, p, o in g:
        if isinstance(o, rdflib.Literal) and o.language:
            o = rdflib.Literal(str(o), lang=o.language.lower())
        n.add((s, p, o))
    return n
a = load(sys.argv[1], sys.argv[2])
b = load(sys.argv[3], "nt")
if len(a) != len(b) or not isomorphic(a, b):
    print("not isomorphic: %d vs %d triples" % (len(a), len(b)))
    sys.exit(1)
`
			out, err := exec.Command(testenv.Python3, "-c", script, name, c.rdflib, ref).CombinedOutput()
			if err != nil {
				t.Errorf("rdflib on our %s export: %v\n%s\n%s", c.format, err, strings.TrimSpace(string(out)), data)
			}
		})
	}
}

// TestVocabulariesInPeers takes the real vocabularies the ontology reuses (life events,
// business events, subject matters: KB-1, KB-5) through our Turtle reader and our RDF/XML and
// JSON-LD writers: rapper must count the same triples in our RDF/XML, and reading our output
// back must give the same graph.
func TestVocabulariesInPeers(t *testing.T) {
	rapper := testenv.Command(t, "rapper", "raptor2-utils")
	files, _ := filepath.Glob(filepath.Join(testenv.Shared(t, "vocabularies"), "*.ttl"))
	if len(files) == 0 {
		t.Fatal("no vocabularies in the shared folder's vocabularies/")
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			g := peerReadAll(t, Turtle, src, ReaderOptions{File: name})
			distinct := map[string]bool{}
			for _, q := range g {
				distinct[q.NQuad()] = true
			}
			xml := peerWriteAll(t, RDFXML, g, WriterOptions{Prefixes: peerPrefixes})
			if back := peerReadAll(t, RDFXML, xml, ReaderOptions{}); !Isomorphic(g, back) {
				t.Errorf("RDF/XML round trip changed the graph")
			}
			out := filepath.Join(t.TempDir(), "v.rdf")
			if err := os.WriteFile(out, xml, 0o644); err != nil {
				t.Fatal(err)
			}
			msg, err := exec.Command(rapper, "-i", "rdfxml", "-c", out).CombinedOutput()
			want := "returned " + strconv.Itoa(len(distinct)) + " triples"
			if err != nil || !strings.Contains(string(msg), want) {
				t.Errorf("rapper on our RDF/XML: %v, want %q in\n%s", err, want, msg)
			}
			js := peerWriteAll(t, JSONLD, g, WriterOptions{Prefixes: peerPrefixes})
			if back := peerReadAll(t, JSONLD, js, ReaderOptions{}); !Isomorphic(jlLowerLangs(g), back) {
				t.Errorf("JSON-LD round trip changed the graph")
			}
		})
	}
}
