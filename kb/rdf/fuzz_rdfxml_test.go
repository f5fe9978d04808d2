package rdf

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sportello/fixtures/testenv"
	"testing"

	"github.com/cayleygraph/quad"
)

// fuzzReadAll reads until EOF or error; any error must be a *ParseError.
func fuzzReadAll(t *testing.T, f Format, data []byte) ([]quad.Quad, bool) {
	r, err := NewReader(bytes.NewReader(data), f, ReaderOptions{Base: "http://fuzz.example/doc"})
	if err != nil {
		t.Fatal(err)
	}
	var out []quad.Quad
	for {
		q, err := r.ReadQuad()
		if err == io.EOF {
			return out, true
		}
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is %T, not *ParseError", err, err)
			}
			return nil, false
		}
		if !q.IsValid() {
			t.Fatalf("invalid quad %v", q)
		}
		out = append(out, q)
		if len(out) > 100000 {
			t.Fatal("runaway reader")
		}
	}
}

// fuzzRoundTrip writes what was read in format f and reads it back: when the writer accepts
// the graph, nothing may change.
func fuzzRoundTrip(t *testing.T, f Format, qs []quad.Quad) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, f, WriterOptions{Prefixes: map[string]string{"ex": "http://example.org/"}})
	if _, err := w.WriteQuads(qs); err != nil {
		return // e.g. a predicate RDF/XML cannot write: refused, as it should be
	}
	if err := w.Close(); err != nil {
		return
	}
	back, ok := fuzzReadAll(t, f, buf.Bytes())
	if !ok {
		t.Fatalf("our %s output does not parse:\n%s", f, buf.Bytes())
	}
	want := qs
	if f == JSONLD {
		want = jlLowerLangs(qs)
	} else {
		want = make([]quad.Quad, len(qs))
		for i, q := range qs {
			q.Label = nil
			want[i] = q
		}
	}
	if !Isomorphic(want, back) {
		t.Fatalf("%s round trip changed the graph:\n%v\n%s\n%v", f, qs, buf.Bytes(), back)
	}
}

func fuzzSeedFiles(f *testing.F, pattern string, max int) {
	files, _ := filepath.Glob(pattern)
	for i, name := range files {
		if i >= max {
			break
		}
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
}

func FuzzRDFXML(f *testing.F) {
	for _, s := range []string{
		rxHead + `<rdf:Description rdf:about="http://ex.org/a" ex:p="v" xml:lang="it"><ex:q rdf:parseType="Resource"><ex:r rdf:nodeID="n1"/></ex:q><rdf:li>1</rdf:li><ex:c rdf:parseType="Collection"><rdf:Description rdf:about="x"/></ex:c><ex:l rdf:parseType="Literal"><b xmlns="http://www.w3.org/1999/xhtml">ciao</b></ex:l><ex:t rdf:ID="r1" rdf:datatype="http://www.w3.org/2001/XMLSchema#int">3</ex:t></rdf:Description></rdf:RDF>`,
		`<!DOCTYPE rdf:RDF [<!ENTITY e "http://ex.org/">]>` + rxHead + `<ex:T rdf:about="&e;a" xml:base="sub/"/></rdf:RDF>`,
		rxHead + `<rdf:Description><ex:p>`,
		`<?xml version="1.0" encoding="ISO-8859-1"?><a/>`,
		"",
	} {
		f.Add([]byte(s))
	}
	if root, ok := testenv.SharedIfPresent(conformanceRoot); ok {
		fuzzSeedFiles(f, filepath.Join(root, "rdf-xml", "*", "*.rdf"), 40)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if qs, ok := fuzzReadAll(t, RDFXML, data); ok {
			fuzzRoundTrip(t, RDFXML, qs)
		}
	})
}

func FuzzJSONLD(f *testing.F) {
	for _, s := range []string{
		`{"@context": {"ex": "http://example.org/", "n": {"@id": "ex:n", "@type": "@id"}}, "@id": "ex:a", "n": "ex:b", "ex:l": {"@value": "sì", "@language": "it"}, "ex:list": {"@list": [1, true, "x"]}}`,
		`{"@id": "http://ex.org/g", "@graph": [{"@id": "_:b0", "http://ex.org/p": [{"@value": "01", "@type": "http://www.w3.org/2001/XMLSchema#integer"}]}]}`,
		`[{"@id": "x", "@reverse": {"http://ex.org/p": {"@id": "y"}}}]`,
		`{"@context": {"@vocab": "http://ex.org/", "@base": "http://b/"}, "@id": "rel", "p": {"@id": "../q"}}`,
		`{"@context": "http://remote/", "a": 1}`,
		`{`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if qs, ok := fuzzReadAll(t, JSONLD, data); ok {
			fuzzRoundTrip(t, JSONLD, qs)
		}
	})
}
