package rdf

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cayleygraph/quad"
)

func TestJSONLDReader(t *testing.T) {
	tests := []struct {
		name, doc, base, want string
	}{
		{"compacted with a context", `{
  "@context": {"schema": "https://schema.org/", "xsd": "http://www.w3.org/2001/XMLSchema#",
               "nome": {"@id": "schema:name", "@language": "it"}},
  "@id": "pillola/1", "@type": "schema:Article",
  "nome": "Carta d'identità",
  "schema:dateModified": {"@value": "2026-03-01", "@type": "xsd:date"},
  "schema:position": 1.5,
  "schema:about": {"schema:name": "Anagrafe"}
}`, "https://sportello.example.it/kb/",
			`<https://sportello.example.it/kb/pillola/1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://schema.org/Article> .
<https://sportello.example.it/kb/pillola/1> <https://schema.org/name> "Carta d'identità"@it .
<https://sportello.example.it/kb/pillola/1> <https://schema.org/dateModified> "2026-03-01"^^<http://www.w3.org/2001/XMLSchema#date> .
<https://sportello.example.it/kb/pillola/1> <https://schema.org/position> "1.5E0"^^<http://www.w3.org/2001/XMLSchema#double> .
<https://sportello.example.it/kb/pillola/1> <https://schema.org/about> _:a .
_:a <https://schema.org/name> "Anagrafe" .`},
		{"named graph", `{"@id": "http://ex.org/g", "@graph": [{"@id": "http://ex.org/a", "http://ex.org/p": "x"}]}`, "",
			`<http://ex.org/a> <http://ex.org/p> "x" <http://ex.org/g> .`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := peerReadAll(t, JSONLD, []byte(tt.doc), ReaderOptions{Base: tt.base})
			want := peerReadAll(t, NQuads, []byte(tt.want), ReaderOptions{})
			if !Isomorphic(got, want) {
				t.Errorf("got\n%v\nwant\n%v", got, want)
			}
		})
	}
}

func TestJSONLDReaderErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		line      int
		msg       string
	}{
		{"bad JSON", "{\n  \"@id\": \"x\",\n  oops\n}", 3, "JSON"},
		{"trailing data", "{}\n{}", 2, "after the top-level value"},
		{"empty", "", 0, "empty document"},
		// Offline (DESIGN: works offline) and safe: no fetch, no local file read.
		{"remote context", `{"@context": "https://schema.org/", "name": "x"}`, 0, "not loaded"},
		{"local file as context", `{"@context": "/etc/passwd", "name": "x"}`, 0, "not loaded"},
		{"bad keyword value", `{"@id": 5}`, 0, "JSON-LD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := NewReader(strings.NewReader(tt.doc), JSONLD, ReaderOptions{File: "p.jsonld"})
			_, err := r.ReadQuad()
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v (%T), want a *ParseError", err, err)
			}
			if pe.File != "p.jsonld" || pe.Line != tt.line || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("got %q (line %d), want line %d and %q", err, pe.Line, tt.line, tt.msg)
			}
		})
	}
}

// TestJSONLDRoundTrip: the export (KB-11) reads back as the same dataset, named graphs
// included, and uses the prefix map as its @context.
func TestJSONLDRoundTrip(t *testing.T) {
	g := peerVariedGraph()
	g = append(g,
		quad.Quad{Subject: quad.IRI("http://ex.org/a"), Predicate: quad.IRI("http://ex.org/p"), Object: quad.String("in g"), Label: quad.IRI("http://ex.org/g")},
		quad.Quad{Subject: quad.BNode("s"), Predicate: quad.IRI("http://ex.org/p"), Object: quad.TypedString{Value: "01", Type: "http://www.w3.org/2001/XMLSchema#integer"}, Label: quad.BNode("g2")},
	)
	for _, opt := range []WriterOptions{{}, {Prefixes: peerPrefixes}, {Base: "https://sportello.example.it/kb/"}} {
		data := peerWriteAll(t, JSONLD, g, opt)
		back := peerReadAll(t, JSONLD, data, ReaderOptions{})
		if !Isomorphic(jlLowerLangs(g), back) {
			t.Errorf("round trip changed the dataset:\n%s", data)
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil && len(opt.Prefixes) > 0 {
			t.Fatalf("compacted output is not a JSON object: %v", err)
		}
		if opt.Base != "" {
			ctx, _ := doc["@context"].(map[string]any)
			if ctx["@base"] != opt.Base || strings.Contains(string(data), `"pillola/`) {
				t.Errorf("base not recorded as @base, or IRIs written relative:\n%s", data)
			}
		}
		if len(opt.Prefixes) > 0 {
			ctx, _ := doc["@context"].(map[string]any)
			if ctx["schema"] != "https://schema.org/" || !strings.Contains(string(data), `"schema:name"`) {
				t.Errorf("prefix map not used as @context:\n%s", data)
			}
		}
	}
	// An empty export is still a JSON-LD document.
	if back := peerReadAll(t, JSONLD, peerWriteAll(t, JSONLD, nil, WriterOptions{}), ReaderOptions{}); len(back) != 0 {
		t.Errorf("empty export read back as %v", back)
	}
}

// jlLowerLangs lowercases language tags, as json-gold does; RDF compares them without regard
// to case anyway.
func jlLowerLangs(qs []quad.Quad) []quad.Quad {
	out := make([]quad.Quad, len(qs))
	for i, q := range qs {
		if l, ok := q.Object.(quad.LangString); ok {
			l.Lang = strings.ToLower(l.Lang)
			q.Object = l
		}
		out[i] = q
	}
	return out
}
