package rdf

// JSON-LD is read through json-gold (github.com/piprate/json-gold/ld), which implements the
// JSON-LD 1.1 algorithms; unlike RDF/XML there was no reason to write them ourselves. What is
// ours is the glue: terms become quad values the way every other reader here makes them,
// blank node labels are made unique per reader, and remote contexts are never fetched (the
// hub works offline, and json-gold's default loader would also open local files named by a
// document's @context). The writer is ours (jsonld_writer.go): json-gold holds the whole
// document in memory, and an export must stream.
//
// JSON-LD is not a streaming syntax for json-gold: the reader parses the whole document before
// the first quad. json-gold turns JSON numbers into float64, so a bare JSON integer beyond 2^53
// loses digits; exports are not affected (our writer emits every literal as a string with its
// datatype).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/cayleygraph/quad"
	"github.com/piprate/json-gold/ld"
)

func init() {
	readers[JSONLD] = func(r io.Reader, opt ReaderOptions) quad.Reader { return &jsonldReader{src: r, opt: opt} }
	writers[JSONLD] = func(w io.Writer, opt WriterOptions) quad.WriteCloser { return newJSONLDStream(w, opt) }
}

var jlReaders atomic.Int64

// jlNoLoader refuses every remote document: contexts must be inline.
type jlNoLoader struct{}

func (jlNoLoader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed,
		fmt.Sprintf("remote context %q not loaded: Sportello works offline, inline the @context", u))
}

type jsonldReader struct {
	src   io.Reader
	opt   ReaderOptions
	quads []quad.Quad
	next  int
	err   error
	done  bool
}

func (r *jsonldReader) ReadQuad() (quad.Quad, error) {
	if !r.done {
		r.done = true
		r.quads, r.err = r.load()
		if r.err != nil {
			r.quads = nil
		}
	}
	if r.next < len(r.quads) {
		q := r.quads[r.next]
		r.next++
		return q, nil
	}
	if r.err != nil {
		return quad.Quad{}, r.err
	}
	return quad.Quad{}, io.EOF
}

func (r *jsonldReader) errorf(line, col int, format string, args ...any) error {
	return &ParseError{File: r.opt.File, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

func (r *jsonldReader) load() ([]quad.Quad, error) {
	data, err := io.ReadAll(r.src)
	if err != nil {
		return nil, r.errorf(0, 0, "reading: %v", err)
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line, col := jlPos(data, se.Offset)
			return nil, r.errorf(line, col, "JSON: %v", err)
		case errors.As(err, &te):
			line, col := jlPos(data, te.Offset)
			return nil, r.errorf(line, col, "JSON: %v", err)
		case err == io.EOF:
			return nil, r.errorf(0, 0, "empty document: no JSON-LD")
		}
		line, col := jlPos(data, int64(len(data)))
		return nil, r.errorf(line, col, "JSON: %v", err)
	}
	if dec.More() {
		line, col := jlPos(data, dec.InputOffset())
		return nil, r.errorf(line, col, "JSON: data after the top-level value")
	}
	opts := ld.NewJsonLdOptions(r.opt.Base)
	opts.DocumentLoader = jlNoLoader{}
	res, err := jlToRDF(doc, opts)
	if err != nil {
		return nil, r.errorf(0, 0, "JSON-LD: %v", err)
	}
	ds, ok := res.(*ld.RDFDataset)
	if !ok {
		return nil, r.errorf(0, 0, "JSON-LD: unexpected result %T", res)
	}
	prefix := "jl" + strconv.FormatInt(jlReaders.Add(1), 10) + "_"
	names := make([]string, 0, len(ds.Graphs))
	for g := range ds.Graphs {
		names = append(names, g)
	}
	sort.Strings(names)
	var out []quad.Quad
	for _, g := range names {
		var label quad.Value
		if g != "@default" {
			label = jlTerm(ld.NewIRI(g), prefix)
			if strings.HasPrefix(g, "_:") {
				label = jlTerm(ld.NewBlankNode(g), prefix)
			}
		}
		for _, q := range ds.Graphs[g] {
			s, p, o := jlTerm(q.Subject, prefix), jlTerm(q.Predicate, prefix), jlTerm(q.Object, prefix)
			if s == nil || p == nil || o == nil {
				continue // json-gold drops invalid statements the same way
			}
			out = append(out, quad.Quad{Subject: s, Predicate: p, Object: o, Label: label})
		}
	}
	return out, nil
}

// jlToRDF runs json-gold, turning its panics on hostile input into errors: the fuzz test found
// none, but a reader must never take the server down.
func jlToRDF(doc any, opts *ld.JsonLdOptions) (res any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("invalid document (%v)", p)
		}
	}()
	return ld.NewJsonLdProcessor().ToRDF(doc, opts)
}

// jlPos turns a byte offset into a 1-based line and column.
func jlPos(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	before := data[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func jlTerm(n ld.Node, bprefix string) quad.Value {
	switch n := n.(type) {
	case ld.IRI:
		return quad.IRI(n.Value)
	case *ld.IRI:
		return quad.IRI(n.Value)
	case ld.BlankNode:
		return quad.BNode(bprefix + strings.TrimPrefix(n.Attribute, "_:"))
	case *ld.BlankNode:
		return quad.BNode(bprefix + strings.TrimPrefix(n.Attribute, "_:"))
	case ld.Literal:
		return jlLiteral(n)
	case *ld.Literal:
		return jlLiteral(*n)
	}
	return nil
}

func jlLiteral(l ld.Literal) quad.Value {
	switch {
	case l.Language != "":
		return quad.LangString{Value: quad.String(l.Value), Lang: l.Language}
	case l.Datatype == "" || l.Datatype == ld.XSDString:
		return quad.String(l.Value)
	}
	return quad.TypedString{Value: quad.String(l.Value), Type: quad.IRI(l.Datatype)}
}
