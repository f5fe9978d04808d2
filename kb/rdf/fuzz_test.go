package rdf

import (
	"bytes"
	"os"
	"path/filepath"
	"sportello/fixtures/testenv"
	"testing"
	"unicode/utf8"

	"github.com/cayleygraph/quad"
)

// textFuzzSeeds adds a few hand-written documents and every file of a W3C suite with the given
// extension, so the fuzzer starts from the corner cases the suites collect.
func textFuzzSeeds(f *testing.F, dir, ext string, extra ...string) {
	for _, s := range extra {
		f.Add([]byte(s))
	}
	root, _ := testenv.SharedIfPresent(conformanceRoot) // seeds are a bonus: no suite, no seeds
	files, _ := filepath.Glob(filepath.Join(root, dir, "*"+ext))
	if root == "" {
		files = nil
	}
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
}

// textFuzzRoundTrip parses data; if it parses, the quads must survive writing in out and reading
// back. Either way the parser must not panic or loop.
func textFuzzRoundTrip(t *testing.T, data []byte, in, out Format) {
	r, _ := NewReader(bytes.NewReader(data), in, ReaderOptions{Base: "http://example.org/base/doc"})
	qs, err := readAll(r)
	if err != nil {
		if _, ok := err.(*ParseError); !ok {
			t.Fatalf("error is %T, not *ParseError: %v", err, err)
		}
		return
	}
	for _, q := range qs {
		for _, v := range []quad.Value{q.Subject, q.Predicate, q.Object, q.Label} {
			var s string
			switch v := v.(type) {
			case quad.IRI:
				s = string(v)
			case quad.BNode:
				s = string(v)
			default:
				lex, lang, dt, _ := literalParts(v)
				s = lex + lang + dt
			}
			if !utf8.ValidString(s) {
				t.Fatalf("reader returned invalid UTF-8 in %#v", v)
			}
		}
	}
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, out, WriterOptions{Prefixes: testPrefixes})
	if _, err := w.WriteQuads(qs); err != nil {
		t.Fatalf("writing what was read: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, _ = NewReader(bytes.NewReader(buf.Bytes()), out, ReaderOptions{})
	back, err := readAll(r)
	if err != nil {
		t.Fatalf("reading back what was written: %v\n%s", err, buf.Bytes())
	}
	if len(qs) <= 200 && !Isomorphic(qs, back) {
		t.Fatalf("round trip changed the data\n%s", buf.Bytes())
	}
}

func FuzzNTriples(f *testing.F) {
	textFuzzSeeds(f, "rdf-n-triples", ".nt",
		"<http://a/s> <http://a/p> \"x\"@it .\n",
		"_:b <http://a/p> \"\\u00E8\\U0001F600\"^^<http://a/t> .\r<http://a/s> <http://a/p> _:b .",
	)
	f.Fuzz(func(t *testing.T, data []byte) { textFuzzRoundTrip(t, data, NTriples, NTriples) })
}

func FuzzNQuads(f *testing.F) {
	textFuzzSeeds(f, "rdf-n-quads", ".nq",
		"<http://a/s> <http://a/p> <http://a/o> <http://a/g> .\n",
		"<http://a/s> <http://a/p> <http://a/o> _:g . # c\n",
	)
	f.Fuzz(func(t *testing.T, data []byte) { textFuzzRoundTrip(t, data, NQuads, NQuads) })
}

func FuzzTurtle(f *testing.F) {
	textFuzzSeeds(f, "rdf-turtle", ".ttl",
		"@prefix : <http://a/> . :s :p ( 1 2.0 3e0 [ :q \"\"\"lungo\n\"\"\" ] ), true ; a :T .",
		"BASE <http://a/b/c> PREFIX x: <../> x:y\\.z <#f> _:b1 , [] .",
	)
	f.Fuzz(func(t *testing.T, data []byte) { textFuzzRoundTrip(t, data, Turtle, Turtle) })
}

func FuzzTriG(f *testing.F) {
	textFuzzSeeds(f, "rdf-trig", ".trig",
		"@prefix : <http://a/> . :g { :s :p :o } GRAPH _:x { :s :p 'x'@it-IT } [] { :a :b :c . }",
		"{ <http://a/s> <http://a/p> <http://a/o> }",
	)
	f.Fuzz(func(t *testing.T, data []byte) { textFuzzRoundTrip(t, data, TriG, TriG) })
}

// FuzzTurtleWriter builds a quad from arbitrary strings (a local name after a declared
// namespace, a literal, a datatype's local name) and checks that whatever the Turtle and TriG
// writers accept reads back as the same quad: the local-name escaping and the literal forms
// must never produce a document that means something else.
func FuzzTurtleWriter(f *testing.F) {
	f.Add("pill/1", "perché \"no\"\n", "it", "date", false)
	f.Add("a.b.", "1.0", "", "decimal", true)
	f.Add("-x%2", "-5", "", "integer", true)
	f.Add("_:x", "true", "", "boolean", true)
	f.Add(":a~b'c", "1e5", "", "double", true)
	f.Fuzz(func(t *testing.T, local, lex, lang, dtLocal string, typed bool) {
		var o quad.Value = quad.String(lex)
		switch {
		case typed:
			o = quad.TypedString{Value: quad.String(lex), Type: quad.IRI(xsdNS + dtLocal)}
		case lang != "":
			o = quad.LangString{Value: quad.String(lex), Lang: lang}
		}
		q := quad.Quad{Subject: quad.IRI("http://example.org/" + local), Predicate: quad.IRI("http://www.w3.org/2013/TurtleTests/" + local), Object: o}
		if !utf8.ValidString(lex) {
			return // no syntax can carry it; the writers replace it (see appendNTString)
		}
		for _, f := range []Format{Turtle, TriG} {
			var buf bytes.Buffer
			w, _ := NewWriter(&buf, f, WriterOptions{Prefixes: testPrefixes})
			if err := w.WriteQuad(q); err != nil {
				continue // an IRI no syntax allows, or a bad language tag
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			r, _ := NewReader(bytes.NewReader(buf.Bytes()), f, ReaderOptions{})
			back, err := readAll(r)
			if err != nil {
				t.Fatalf("%s: reading back: %v\n%s", f, err, buf.Bytes())
			}
			if len(back) != 1 || !Isomorphic([]quad.Quad{q}, back) {
				t.Fatalf("%s: wrote %v, read back %v\n%s", f, q, back, buf.Bytes())
			}
		}
	})
}
