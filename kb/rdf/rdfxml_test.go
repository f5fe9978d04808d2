package rdf

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/cayleygraph/quad"
)

const rxHead = `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://ex.org/">`

func rxRead(t *testing.T, doc, base string) ([]quad.Quad, error) {
	t.Helper()
	r, err := NewReader(strings.NewReader(doc), RDFXML, ReaderOptions{Base: base, File: "t.rdf"})
	if err != nil {
		t.Fatal(err)
	}
	var out []quad.Quad
	for {
		q, err := r.ReadQuad()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, q)
	}
}

func rxNT(t *testing.T, nt string) []quad.Quad {
	t.Helper()
	return peerReadAll(t, NTriples, []byte(nt), ReaderOptions{})
}

// TestRDFXMLReader covers what the W3C suite leaves out or what our importers meet in real
// OWL files (KB-5): DTD entities, encodings, xsd:string, literal kinds.
func TestRDFXMLReader(t *testing.T) {
	tests := []struct {
		name, doc, base, want string
	}{
		{"entities from the DOCTYPE", `<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY ex "http://ex.org/"> <!ENTITY owl 'http://www.w3.org/2002/07/owl#'> ]>
` + rxHead + `<owl:Class xmlns:owl="&owl;" rdf:about="&ex;Pillola"/></rdf:RDF>`, "",
			`<http://ex.org/Pillola> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2002/07/owl#Class> .`},
		{"latin-1 document", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n" + rxHead +
			"<rdf:Description rdf:about=\"http://ex.org/a\"><ex:citt\xe0>Forl\xec</ex:citt\xe0></rdf:Description></rdf:RDF>", "",
			`<http://ex.org/a> <http://ex.org/città> "Forlì" .`},
		{"xsd:string is a plain literal, other datatypes as written", rxHead + `<rdf:Description rdf:about="http://ex.org/a">
<ex:s rdf:datatype="http://www.w3.org/2001/XMLSchema#string">x</ex:s>
<ex:n rdf:datatype="http://www.w3.org/2001/XMLSchema#integer">01</ex:n>
<ex:l xml:lang="it">sì</ex:l></rdf:Description></rdf:RDF>`, "",
			`<http://ex.org/a> <http://ex.org/s> "x" .
<http://ex.org/a> <http://ex.org/n> "01"^^<http://www.w3.org/2001/XMLSchema#integer> .
<http://ex.org/a> <http://ex.org/l> "sì"@it .`},
		{"relative IRIs against the document base and xml:base", rxHead + `<rdf:Description rdf:about="../b?x#y" xml:base="http://ex.org/dir/sub/">
<ex:p rdf:resource=""/><ex:q rdf:resource="//other.org/z"/></rdf:Description></rdf:RDF>`, "http://ignored/",
			`<http://ex.org/dir/b?x#y> <http://ex.org/p> <http://ex.org/dir/sub/> .
<http://ex.org/dir/b?x#y> <http://ex.org/q> <http://other.org/z> .`},
		{"root node element without rdf:RDF", `<ex:Ufficio xmlns:ex="http://ex.org/" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" rdf:about="http://ex.org/u" ex:nome="Anagrafe"/>`, "",
			`<http://ex.org/u> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex.org/Ufficio> .
<http://ex.org/u> <http://ex.org/nome> "Anagrafe" .`},
		{"XML literal keeps the source prefixes, canonicalised", rxHead + `<rdf:Description rdf:about="http://ex.org/a">
<ex:html rdf:parseType="Literal"><ex:b   z="1" a="&lt;2&gt;">t &amp; u</ex:b><br/></ex:html></rdf:Description></rdf:RDF>`, "",
			`<http://ex.org/a> <http://ex.org/html> "<ex:b xmlns:ex=\"http://ex.org/\" a=\"&lt;2>\" z=\"1\">t &amp; u</ex:b><br></br>"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#XMLLiteral> .`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rxRead(t, tt.doc, tt.base)
			if err != nil {
				t.Fatal(err)
			}
			want := rxNT(t, tt.want)
			if !Isomorphic(got, want) {
				t.Errorf("got\n%v\nwant\n%v", got, want)
			}
		})
	}
}

// TestRDFXMLReaderErrors checks that bad input stops with a *ParseError that names the file,
// the line and what is wrong.
func TestRDFXMLReaderErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		line      int
		msg       string
	}{
		{"not XML", "ciao", 1, "text outside the root element"},
		{"empty", "  \n", 2, "no root element"},
		{"unclosed", rxHead + "\n<rdf:Description>", 2, "not closed"},
		{"mismatched end tag", rxHead + "\n<rdf:Description></ex:x></rdf:RDF>", 2, "does not match"},
		{"undeclared prefix", rxHead + "\n\n<foo:Bar/></rdf:RDF>", 3, `undeclared namespace prefix "foo"`},
		{"text between nodes", rxHead + "\nciao</rdf:RDF>", 2, "not allowed"},
		{"two rdf:ID alike", rxHead + "<rdf:Description rdf:ID=\"a\"/>\n<rdf:Description rdf:ID=\"a\"/></rdf:RDF>", 2, "used twice"},
		{"resource and text", rxHead + "<rdf:Description>\n<ex:p rdf:resource=\"http://x/\">testo</ex:p></rdf:Description></rdf:RDF>", 2, "both text"},
		{"two nodes in one property", rxHead + "<rdf:Description><ex:p>\n<rdf:Description/><rdf:Description/></ex:p></rdf:Description></rdf:RDF>", 2, "more than one node"},
		{"element without namespace", `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><Pillola/></rdf:RDF>`, 1, "no namespace"},
		{"second root", rxHead + "</rdf:RDF>\n<rdf:RDF/>", 2, "second root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rxRead(t, tt.doc, "")
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v (%T), want a *ParseError", err, err)
			}
			if pe.File != "t.rdf" || pe.Line != tt.line || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("got %q (line %d), want line %d and %q", err, pe.Line, tt.line, tt.msg)
			}
		})
	}
}

// TestRDFXMLBlankNodesPerReader: two documents that both say rdf:nodeID="b1" describe two
// different nodes once loaded in the same store.
func TestRDFXMLBlankNodesPerReader(t *testing.T) {
	doc := rxHead + `<rdf:Description rdf:nodeID="b1" ex:p="x"/><rdf:Description ex:p="y"/></rdf:RDF>`
	a, err := rxRead(t, doc, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := rxRead(t, doc, "")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[quad.Value]bool{}
	for _, q := range a {
		seen[q.Subject] = true
	}
	for _, q := range b {
		if seen[q.Subject] {
			t.Errorf("blank node %v appears in both documents", q.Subject)
		}
	}
	if len(a) != 2 || a[0].Subject == a[1].Subject {
		t.Errorf("the labelled and the anonymous node got the same label: %v", a)
	}
}

// TestRDFXMLRoundTrip writes the varied graph and reads it back (KB-11 export, KB-5 import).
func TestRDFXMLRoundTrip(t *testing.T) {
	g := peerVariedGraph()
	for _, opt := range []WriterOptions{{}, {Prefixes: peerPrefixes, Base: "https://sportello.example.it/"}} {
		data := peerWriteAll(t, RDFXML, g, opt)
		back := peerReadAll(t, RDFXML, data, ReaderOptions{})
		if !Isomorphic(g, back) {
			t.Errorf("round trip changed the graph:\n%s", data)
		}
	}
	// Blank node labels that are not NCNames still make valid rdf:nodeID values.
	odd := []quad.Quad{{Subject: quad.BNode("1-x:y"), Predicate: quad.IRI("http://ex.org/p"), Object: quad.BNode("bx1")}}
	if back := peerReadAll(t, RDFXML, peerWriteAll(t, RDFXML, odd, WriterOptions{}), ReaderOptions{}); !Isomorphic(odd, back) {
		t.Errorf("odd blank node labels: got %v", back)
	}
}

func TestRDFXMLWriterPrefixes(t *testing.T) {
	g := []quad.Quad{
		{Subject: quad.IRI("http://ex.org/a"), Predicate: quad.IRI("https://schema.org/name"), Object: quad.String("x")},
		{Subject: quad.IRI("http://ex.org/a"), Predicate: quad.IRI("http://other.org/v1/name"), Object: quad.String("y")},
		{Subject: quad.IRI("http://ex.org/b"), Predicate: quad.IRI("http://other.org/v1/name"), Object: quad.String("z")},
	}
	out := string(peerWriteAll(t, RDFXML, g, WriterOptions{Prefixes: map[string]string{"schema": "https://schema.org/"}}))
	for _, want := range []string{
		`xmlns:schema="https://schema.org/"`,
		`<schema:name>x</schema:name>`,
		`<ns1:name xmlns:ns1="http://other.org/v1/">y</ns1:name>`,
		`<ns1:name xmlns:ns1="http://other.org/v1/">z</ns1:name>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "<rdf:Description "); n != 2 {
		t.Errorf("%d rdf:Description elements, want one per subject run (2):\n%s", n, out)
	}
}

// TestRDFXMLWriterErrors: what RDF/XML cannot say is refused with the term named, before any
// part of the statement is written.
func TestRDFXMLWriterErrors(t *testing.T) {
	tests := []struct {
		name string
		q    quad.Quad
		msg  string
	}{
		{"predicate ending in a slash", quad.Quad{Subject: quad.IRI("http://ex.org/a"), Predicate: quad.IRI("http://ex.org/p/"), Object: quad.String("x")}, "<http://ex.org/p/>"},
		{"predicate with a numeric local part only", quad.Quad{Subject: quad.IRI("http://ex.org/a"), Predicate: quad.IRI("http://ex.org/123"), Object: quad.String("x")}, "<http://ex.org/123>"},
		{"rdf:li as predicate", quad.Quad{Subject: quad.IRI("http://ex.org/a"), Predicate: quad.IRI(rxNsRDF + "li"), Object: quad.String("x")}, "syntax name"},
		{"dot segments", quad.Quad{Subject: quad.IRI("http://ex.org/a/../b"), Predicate: quad.IRI("http://ex.org/p"), Object: quad.String("x")}, "<http://ex.org/a/../b>"},
		{"control character", quad.Quad{Subject: quad.IRI("http://ex.org/a"), Predicate: quad.IRI("http://ex.org/p"), Object: quad.String("a\x01b")}, "U+0001"},
		{"literal subject", quad.Quad{Subject: quad.String("s"), Predicate: quad.IRI("http://ex.org/p"), Object: quad.String("x")}, "neither an IRI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, _ := NewWriter(&buf, RDFXML, WriterOptions{})
			err := w.WriteQuad(tt.q)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("got %v, want an error with %q", err, tt.msg)
			}
			if w.Close() == nil {
				t.Error("Close after a failed write succeeded")
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %q after the error", buf.String())
			}
		})
	}
}
