package rdf

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/cayleygraph/quad"
)

// Format names an RDF syntax.
type Format string

const (
	Turtle   Format = "turtle"
	NTriples Format = "ntriples"
	NQuads   Format = "nquads"
	TriG     Format = "trig"
	RDFXML   Format = "rdfxml"
	JSONLD   Format = "jsonld"
)

// Formats lists every syntax this package reads and writes, in the order help texts show them.
var Formats = []Format{Turtle, NTriples, NQuads, TriG, RDFXML, JSONLD}

// ParseFormat accepts a format name as users type it ("ttl", "nt", "rdf/xml", "json-ld", …).
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "turtle", "ttl":
		return Turtle, nil
	case "ntriples", "n-triples", "nt":
		return NTriples, nil
	case "nquads", "n-quads", "nq":
		return NQuads, nil
	case "trig":
		return TriG, nil
	case "rdfxml", "rdf/xml", "rdf", "xml", "owl":
		return RDFXML, nil
	case "jsonld", "json-ld", "json":
		return JSONLD, nil
	}
	return "", fmt.Errorf("unknown RDF format %q (want one of turtle, ntriples, nquads, trig, rdfxml, jsonld)", s)
}

// FormatFromExt guesses the syntax from a file name's extension.
func FormatFromExt(name string) (Format, bool) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".ttl":
		return Turtle, true
	case ".nt":
		return NTriples, true
	case ".nq":
		return NQuads, true
	case ".trig":
		return TriG, true
	case ".rdf", ".owl", ".xml":
		return RDFXML, true
	case ".jsonld", ".json":
		return JSONLD, true
	}
	return "", false
}

// MediaType is the registered media type of the syntax, for HTTP downloads.
func (f Format) MediaType() string {
	switch f {
	case Turtle:
		return "text/turtle; charset=utf-8"
	case NTriples:
		return "application/n-triples; charset=utf-8"
	case NQuads:
		return "application/n-quads; charset=utf-8"
	case TriG:
		return "application/trig; charset=utf-8"
	case RDFXML:
		return "application/rdf+xml; charset=utf-8"
	case JSONLD:
		return "application/ld+json; charset=utf-8"
	}
	return "application/octet-stream"
}

// Ext is the usual file extension of the syntax, with the dot.
func (f Format) Ext() string {
	switch f {
	case Turtle:
		return ".ttl"
	case NTriples:
		return ".nt"
	case NQuads:
		return ".nq"
	case TriG:
		return ".trig"
	case RDFXML:
		return ".rdf"
	case JSONLD:
		return ".jsonld"
	}
	return ""
}

// HasGraphs reports whether the syntax can carry named graphs. Writing quads with a graph label
// to a syntax without graphs drops the label (the caller chooses what to export).
func (f Format) HasGraphs() bool { return f == NQuads || f == TriG || f == JSONLD }

// ParseError is a syntax error at a place in a document. File is empty when the input has no
// name; Line and Col are 1-based (0 when unknown).
type ParseError struct {
	File string
	Line int
	Col  int
	Msg  string
}

func (e *ParseError) Error() string {
	name := e.File
	if name == "" {
		name = "<input>"
	}
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", name, e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%s: %s", name, e.Msg)
}

// ReaderOptions configure a reader.
type ReaderOptions struct {
	// Base is the base IRI for resolving relative IRIs (RFC 3986); usually the document's URL.
	Base string
	// File names the input in error messages.
	File string
}

// WriterOptions configure a writer.
type WriterOptions struct {
	// Prefixes maps prefix → namespace for syntaxes that abbreviate IRIs (Turtle, TriG, RDF/XML,
	// JSON-LD context). Optional.
	Prefixes map[string]string
	// Base, when set, is written as @base / xml:base; IRIs are still written absolute.
	Base string
}

// NewReader returns a streaming reader of quads in format f. ReadQuad returns io.EOF at the end
// and a *ParseError on bad input.
func NewReader(r io.Reader, f Format, opt ReaderOptions) (quad.Reader, error) {
	mk, ok := readers[f]
	if !ok {
		return nil, fmt.Errorf("no reader for RDF format %q", f)
	}
	return mk(r, opt), nil
}

// NewWriter returns a writer of quads in format f. Close must be called to flush the document's
// end (closing brackets, tags).
func NewWriter(w io.Writer, f Format, opt WriterOptions) (quad.WriteCloser, error) {
	mk, ok := writers[f]
	if !ok {
		return nil, fmt.Errorf("no writer for RDF format %q", f)
	}
	return mk(w, opt), nil
}

// readers and writers are filled in by each syntax's file (init functions), so that adding a
// syntax touches one file.
var (
	readers = map[Format]func(io.Reader, ReaderOptions) quad.Reader{}
	writers = map[Format]func(io.Writer, WriterOptions) quad.WriteCloser{}
)
