package rdf

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/cayleygraph/quad"
)

func readString(t *testing.T, f Format, doc string, opt ReaderOptions) ([]quad.Quad, error) {
	t.Helper()
	r, err := NewReader(strings.NewReader(doc), f, opt)
	if err != nil {
		t.Fatal(err)
	}
	return readAll(r)
}

// TestBlankNodeScope: labels are scoped to one document, and [] never merges with an explicit
// label (the knakk/rdf defect this package replaces).
func TestBlankNodeScope(t *testing.T) {
	doc := "@prefix : <http://a/> .\n_:b1 :p [] .\n_:b1 :q _:b1 .\n[] :r ( 1 ) .\n"
	a, err := readString(t, Turtle, doc, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := readString(t, Turtle, doc, ReaderOptions{})
	if a[0].Subject != a[1].Subject || a[1].Subject != a[1].Object {
		t.Errorf("_:b1 is not one node within a document: %v", a[:2])
	}
	seen := map[quad.Value]bool{}
	for _, q := range a {
		for _, v := range []quad.Value{q.Subject, q.Object} {
			if bn, ok := v.(quad.BNode); ok {
				seen[bn] = true
			}
		}
	}
	// _:b1, the [] object, the [] subject and the list node are four distinct nodes.
	if len(seen) != 4 {
		t.Errorf("got %d distinct blank nodes, want 4: %v", len(seen), a)
	}
	if a[0].Subject == b[0].Subject {
		t.Errorf("two readings share the label %v", a[0].Subject)
	}
	nt, _ := readString(t, NTriples, "_:b1 <http://a/p> _:b1 .\n", ReaderOptions{})
	nt2, _ := readString(t, NTriples, "_:b1 <http://a/p> _:b1 .\n", ReaderOptions{})
	if nt[0].Subject != nt[0].Object || nt[0].Subject == nt2[0].Subject {
		t.Errorf("N-Triples labels: %v %v", nt, nt2)
	}
}

func TestTurtleTerms(t *testing.T) {
	doc := `@prefix : <http://a/> .
@base <http://x.example/dir/doc> .
PREFIX rel: <sub/>
:s :p "plain", "è"@it-IT, 'x'^^<http://www.w3.org/2001/XMLSchema#string>, """due
righe""", "2024-05-01"^^<http://www.w3.org/2001/XMLSchema#date>,
  -5, +1.50, 1e3, .5E-2, true, <../up>, rel:x, "\u00E8\U0001F600\t" .`
	got, err := readString(t, Turtle, doc, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []quad.Value{
		quad.String("plain"),
		quad.LangString{Value: "è", Lang: "it-IT"},
		quad.String("x"),
		quad.String("due\nrighe"),
		quad.TypedString{Value: "2024-05-01", Type: xsdNS + "date"},
		quad.TypedString{Value: "-5", Type: xsdInteger},
		quad.TypedString{Value: "+1.50", Type: xsdDecimal},
		quad.TypedString{Value: "1e3", Type: xsdDouble},
		quad.TypedString{Value: ".5E-2", Type: xsdDouble},
		quad.TypedString{Value: "true", Type: xsdBoolean},
		quad.IRI("http://x.example/up"),
		quad.IRI("http://x.example/dir/sub/x"),
		quad.String("è😀\t"),
	}
	if len(got) != len(want) {
		t.Fatalf("got %d quads, want %d: %v", len(got), len(want), got)
	}
	for i, q := range got {
		if q.Object != want[i] {
			t.Errorf("object %d = %#v, want %#v", i, q.Object, want[i])
		}
		if q.Label != nil {
			t.Errorf("Turtle quad %d has graph %v, want the default graph (nil)", i, q.Label)
		}
	}
}

func TestReaderBase(t *testing.T) {
	got, err := readString(t, Turtle, "<#a> <p> <../b> .", ReaderOptions{Base: "http://h.example/x/y/doc"})
	if err != nil {
		t.Fatal(err)
	}
	want := quad.Quad{Subject: quad.IRI("http://h.example/x/y/doc#a"), Predicate: quad.IRI("http://h.example/x/y/p"), Object: quad.IRI("http://h.example/x/b")}
	if got[0] != want {
		t.Errorf("got %v, want %v", got[0], want)
	}
}

func TestTriGGraphs(t *testing.T) {
	doc := `@prefix : <http://a/> .
:s :p :o .
:g { :s :p :o1 . :s :p :o2 }
GRAPH :h { :s :p :o3 }
{ :s :p :o4 }
_:b { :s :p :o5 }`
	got, err := readString(t, TriG, doc, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	labels := []quad.Value{nil, quad.IRI("http://a/g"), quad.IRI("http://a/g"), quad.IRI("http://a/h"), nil}
	if len(got) != 6 {
		t.Fatalf("got %d quads: %v", len(got), got)
	}
	for i, l := range labels {
		if got[i].Label != l {
			t.Errorf("quad %d: graph %v, want %v", i, got[i].Label, l)
		}
	}
	if _, ok := got[5].Label.(quad.BNode); !ok {
		t.Errorf("quad 5: graph %v, want a blank node", got[5].Label)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		f         Format
		doc       string
		line, col int
		msg       string
	}{
		{NTriples, "<http://a/s> <http://a/p> <http://a/o> .\n<http://a/s> <p> <http://a/o> .", 2, 14, "relative IRI"},
		{NTriples, "<http://a/s> <http://a/p> \"è\\q\" .", 1, 29, "bad escape"},
		{NQuads, "<http://a/s> <http://a/p> <http://a/o> <http://a/g> <http://a/x> .", 1, 53, "expected '.'"},
		{Turtle, "@prefix : <http://a/> .\n:s :p :o ;\n  :q \"x\" , .", 3, 12, "expected an object"},
		{Turtle, "@prefix : <http://a/> .\n:s :p nope:o .", 2, 7, "undefined prefix"},
		{Turtle, "<http://a/s> <http://a/p> \"unterminated .\n", 1, 42, "line break"},
		{Turtle, "<http://a/s> <http://a/p> <http://a/o> }", 1, 40, "expected \".\""},
		{Turtle, "<http://a/s> <http://a/p> <o> .", 1, 27, "no base IRI"},
		{TriG, "<http://a/g> { <http://a/s> <http://a/p> <http://a/o> .", 1, 56, "not closed"},
		{Turtle, "@prefix : <http://a/> .\n:s\xff :p :o .", 2, 3, "invalid UTF-8"},
		{Turtle, "_:b\xff <http://a/p> <http://a/o> .", 1, 4, "invalid UTF-8"},
		{NTriples, "_:b\xff <http://a/p> <http://a/o> .", 1, 4, "expected an IRI"},
	}
	for _, tt := range tests {
		_, err := readString(t, tt.f, tt.doc, ReaderOptions{File: "prova." + string(tt.f)})
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s %q: error %v is not a *ParseError", tt.f, tt.doc, err)
			continue
		}
		if pe.File != "prova."+string(tt.f) || pe.Line != tt.line || pe.Col != tt.col || !strings.Contains(pe.Msg, tt.msg) {
			t.Errorf("%s %q: got %v, want %d:%d %q", tt.f, tt.doc, err, tt.line, tt.col, tt.msg)
		}
	}
}

// TestReaderStaysFailed: after an error a reader keeps returning it, never quads after it.
func TestReaderStaysFailed(t *testing.T) {
	for _, f := range []Format{NTriples, Turtle} {
		r, _ := NewReader(strings.NewReader("<http://a/s> <http://a/p> bad .\n<http://a/s> <http://a/p> <http://a/o> .\n"), f, ReaderOptions{})
		_, err1 := r.ReadQuad()
		_, err2 := r.ReadQuad()
		if err1 == nil || err2 != err1 {
			t.Errorf("%s: errors %v then %v", f, err1, err2)
		}
	}
}

// TestReaderStreams reads a document that never ends: a streaming reader returns the first
// statements without waiting for the end of input.
func TestReaderStreams(t *testing.T) {
	for _, f := range []Format{NTriples, NQuads, Turtle, TriG} {
		pr, pw := io.Pipe()
		go func() {
			pw.Write([]byte("<http://a/s> <http://a/p> <http://a/o1> .\n<http://a/s> <http://a/p> <http://a/o2> .\n"))
			// no Close: the rest of the document never comes
		}()
		r, _ := NewReader(pr, f, ReaderOptions{})
		q, err := r.ReadQuad()
		if err != nil || q.Object != quad.IRI("http://a/o1") {
			t.Errorf("%s: first quad %v, %v", f, q, err)
		}
		pr.Close()
	}
}

// failingReader yields its data, then a read error instead of io.EOF.
type failingReader struct{ data string }

func (f *failingReader) Read(b []byte) (int, error) {
	if f.data == "" {
		return 0, errors.New("connessione interrotta")
	}
	n := copy(b, f.data)
	f.data = f.data[n:]
	return n, nil
}

// TestReaderIOError: a document cut off by a read error must not look complete, even when it
// is cut at the end of a statement.
func TestReaderIOError(t *testing.T) {
	for _, f := range []Format{NTriples, NQuads, Turtle, TriG} {
		r, _ := NewReader(&failingReader{data: "<http://a/s> <http://a/p> <http://a/o> .\n"}, f, ReaderOptions{File: "x"})
		qs, err := readAll(r)
		if err == nil || !strings.Contains(err.Error(), "connessione interrotta") {
			t.Errorf("%s: got %d quads and error %v, want the read error", f, len(qs), err)
		}
	}
}
