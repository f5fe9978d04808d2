package rdf

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cayleygraph/quad"
)

// writeAll serialises qs in format f and returns the document.
func writeAll(t testing.TB, qs []quad.Quad, f Format, opt WriterOptions) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, f, opt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteQuads(qs); err != nil {
		t.Fatalf("write %s: %v", f, err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close %s: %v", f, err)
	}
	return buf.String()
}

var testPrefixes = map[string]string{
	"":    "http://www.w3.org/2013/TurtleTests/",
	"ex":  "http://example.org/",
	"a":   "http://a.example/",
	"rdf": rdfNS,
	"xsd": xsdNS,
}

// TestRoundTripSuites writes every document of the W3C suites that parses, in each syntax that
// can hold it, reads the output back and requires an isomorphic dataset: this exercises the
// writers' escaping (IRIs, local names, every kind of literal) on the suites' corner cases.
func TestRoundTripSuites(t *testing.T) {
	var files []string
	for _, dir := range []string{"rdf-n-triples", "rdf-n-quads", "rdf-turtle", "rdf-trig"} {
		d := conformanceDir(t, dir)
		for _, ext := range []string{"*.nt", "*.nq", "*.ttl", "*.trig"} {
			m, _ := filepath.Glob(filepath.Join(d, ext))
			files = append(files, m...)
		}
	}
	checked := 0
	for _, file := range files {
		if filepath.Base(file) == "manifest.ttl" {
			continue
		}
		f, _ := FormatFromExt(file)
		qs, err := readFile(file, f, "http://example.org/base/"+filepath.Base(file))
		if err != nil {
			continue // a negative test
		}
		hasGraphs := false
		for _, q := range qs {
			hasGraphs = hasGraphs || q.Label != nil
		}
		for _, out := range []Format{NTriples, NQuads, Turtle, TriG} {
			if hasGraphs && !out.HasGraphs() {
				continue
			}
			doc := writeAll(t, qs, out, WriterOptions{Prefixes: testPrefixes})
			r, _ := NewReader(strings.NewReader(doc), out, ReaderOptions{})
			back, err := readAll(r)
			if err != nil {
				t.Errorf("%s as %s: reading back: %v\n%s", filepath.Base(file), out, err, doc)
				continue
			}
			if !Isomorphic(qs, back) {
				t.Errorf("%s as %s: not isomorphic after the round trip\n%s", filepath.Base(file), out, doc)
			}
			checked++
		}
	}
	if checked < 500 {
		t.Errorf("only %d round trips checked", checked)
	}
}

func TestTurtleWriterOutput(t *testing.T) {
	ex := func(s string) quad.IRI { return quad.IRI("http://example.org/" + s) }
	tests := []struct {
		name  string
		f     Format
		quads []quad.Quad
		want  string
	}{
		{"grouping", Turtle, []quad.Quad{
			{Subject: ex("s"), Predicate: quad.IRI(rdfType), Object: ex("T")},
			{Subject: ex("s"), Predicate: ex("p"), Object: quad.String("uno")},
			{Subject: ex("s"), Predicate: ex("p"), Object: quad.String("due")},
			{Subject: ex("t"), Predicate: ex("p"), Object: quad.LangString{Value: "perché è così", Lang: "it"}},
		}, "ex:s a ex:T ;\n    ex:p \"uno\" ,\n        \"due\" .\nex:t ex:p \"perché è così\"@it .\n"},
		{"local names escaped or in full", Turtle, []quad.Quad{
			{Subject: ex("a.b"), Predicate: ex("p~q"), Object: ex("end.")},
			{Subject: ex("/x"), Predicate: ex("-x"), Object: ex("50%25")},
			{Subject: quad.IRI("http://other.example/x"), Predicate: ex("p"), Object: ex("a:b")},
		}, "ex:a.b ex:p\\~q ex:end\\. .\nex:\\/x ex:\\-x ex:50%25 .\n<http://other.example/x> ex:p ex:a:b .\n"},
		{"typed literals", Turtle, []quad.Quad{
			{Subject: ex("s"), Predicate: ex("n"), Object: quad.TypedString{Value: "01", Type: xsdInteger}},
			{Subject: ex("s"), Predicate: ex("d"), Object: quad.TypedString{Value: "2024-05-01", Type: xsdNS + "date"}},
			{Subject: ex("s"), Predicate: ex("x"), Object: quad.TypedString{Value: "a \"q\"\n", Type: "http://other/t"}},
			{Subject: ex("s"), Predicate: ex("b"), Object: quad.TypedString{Value: "1", Type: xsdBoolean}},
			{Subject: ex("s"), Predicate: ex("f"), Object: quad.TypedString{Value: "1.5", Type: xsdDouble}},
		}, "ex:s ex:n 01 ;\n    ex:d \"2024-05-01\"^^xsd:date ;\n    ex:x \"a \\\"q\\\"\\n\"^^<http://other/t> ;\n    ex:b \"1\"^^xsd:boolean ;\n    ex:f \"1.5\"^^xsd:double .\n"},
		{"trig blocks", TriG, []quad.Quad{
			{Subject: ex("s"), Predicate: ex("p"), Object: ex("o"), Label: ex("g")},
			{Subject: ex("s"), Predicate: ex("p"), Object: ex("o2"), Label: ex("g")},
			{Subject: ex("s"), Predicate: ex("p"), Object: ex("o")},
		}, "\nex:g {\n    ex:s ex:p ex:o ,\n            ex:o2 .\n}\nex:s ex:p ex:o .\n"},
	}
	header := "@prefix ex: <http://example.org/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n\n"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := writeAll(t, tt.quads, tt.f, WriterOptions{Prefixes: map[string]string{"ex": "http://example.org/", "xsd": xsdNS}})
			if got != header+tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, header+tt.want)
			}
			r, _ := NewReader(strings.NewReader(got), tt.f, ReaderOptions{})
			back, err := readAll(r)
			if err != nil {
				t.Fatalf("reading back: %v", err)
			}
			if !Isomorphic(tt.quads, back) {
				t.Errorf("round trip changed the data: %v", back)
			}
		})
	}
}

func TestNTriplesWriterCanonical(t *testing.T) {
	q := quad.Quad{
		Subject:   quad.BNode("b 1"),
		Predicate: quad.IRI("http://example.org/p"),
		Object:    quad.String("tab\there \"q\" \\ \u0001 \u007f è\r\n"),
		Label:     quad.IRI("http://example.org/g"),
	}
	got := writeAll(t, []quad.Quad{q}, NQuads, WriterOptions{})
	want := `_:x622031 <http://example.org/p> "tab\there \"q\" \\ \u0001 \u007F è\r\n" <http://example.org/g> .` + "\n"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := writeAll(t, []quad.Quad{q}, NTriples, WriterOptions{}); strings.Contains(got, "/g>") {
		t.Errorf("N-Triples kept the graph label: %s", got)
	}
}

func TestWriterRejectsBadQuads(t *testing.T) {
	bad := []quad.Quad{
		{Subject: quad.String("lit"), Predicate: quad.IRI("http://p"), Object: quad.IRI("http://o")},
		{Subject: quad.IRI("http://s"), Predicate: quad.BNode("p"), Object: quad.IRI("http://o")},
		{Subject: quad.IRI("http://s"), Predicate: quad.IRI("http://p"), Object: nil},
		{Subject: quad.IRI("http://s"), Predicate: quad.IRI("http://p"), Object: quad.IRI("http://o/with space")},
		{Subject: quad.IRI("http://s"), Predicate: quad.IRI("http://p"), Object: quad.LangString{Value: "x", Lang: "not a tag"}},
	}
	for _, f := range []Format{NTriples, NQuads, Turtle, TriG} {
		for i, q := range bad {
			if f != Turtle && f != TriG && i == 4 {
				continue
			}
			var buf bytes.Buffer
			w, _ := NewWriter(&buf, f, WriterOptions{})
			if err := w.WriteQuad(q); err == nil {
				t.Errorf("%s: quad %d accepted", f, i)
			}
			w.Close()
			if strings.Contains(buf.String(), "http://s") {
				t.Errorf("%s: quad %d half-written: %q", f, i, buf.String())
			}
		}
	}
}
