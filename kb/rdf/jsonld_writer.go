package rdf

// The JSON-LD writer is ours and streams: json-gold builds the whole dataset, then the whole
// expanded and compacted document in memory (2 GB and 28 s for a million statements), and an
// export must run in flat memory whatever the store's size. It writes a flattened document —
// {"@context": …, "@graph": [node objects, and {"@id": graph, "@graph": […]} objects for named
// graphs]} — one node object per run of statements with the same graph and subject, as they
// come. A subject or a graph whose statements are not consecutive simply gets a second object
// with the same @id: JSON-LD merges node objects by @id, so the dataset is the same (json-gold
// and rdflib read it back isomorphic: jsonld_test.go, peers_test.go).
//
// Keys are compacted with the prefixes (sp:title) only where that cannot change the IRI — a
// prefix whose namespace ends in a JSON-LD gen-delim, a local part that is not empty, does not
// start with "//" and has only IRI-safe characters —, @type values likewise; node and value IRIs
// are written whole. Literals keep their lexical form and datatype (no native JSON numbers or
// booleans), so "01"^^xsd:integer comes back as written.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/cayleygraph/quad"
)

type jsonldStream struct {
	w      *bufio.Writer
	opt    WriterOptions
	err    error
	closed bool

	prefixes [][2]string // prefix, namespace: longest namespace first
	started  bool        // the document's head is written
	items    int         // items written in the current @graph array

	graph   quad.Value // the open graph object's name; nil for the default graph
	inGraph bool
	gItems  int

	subject quad.Value // the node being collected
	types   []string
	props   []jlProp
}

type jlProp struct {
	key    string
	values []string // JSON of each value object
}

func newJSONLDStream(w io.Writer, opt WriterOptions) *jsonldStream {
	s := &jsonldStream{w: bufio.NewWriterSize(w, 64<<10), opt: opt}
	for p, ns := range opt.Prefixes {
		if p == "" || p == "_" || strings.HasPrefix(p, "@") || strings.ContainsAny(p, ":/#?") || ns == "" {
			continue
		}
		// A prefix expands only when its namespace ends in a gen-delim (JSON-LD 1.1 §4.4).
		if !strings.ContainsRune("/#:?[]@", rune(ns[len(ns)-1])) {
			continue
		}
		s.prefixes = append(s.prefixes, [2]string{p, ns})
	}
	sort.Slice(s.prefixes, func(i, j int) bool {
		if len(s.prefixes[i][1]) != len(s.prefixes[j][1]) {
			return len(s.prefixes[i][1]) > len(s.prefixes[j][1])
		}
		return s.prefixes[i][0] < s.prefixes[j][0]
	})
	return s
}

// compact writes iri as prefix:local when that reads back as the same IRI, else whole.
func (s *jsonldStream) compact(iri string) string {
	for _, p := range s.prefixes {
		local, ok := strings.CutPrefix(iri, p[1])
		if !ok || local == "" || strings.HasPrefix(local, "//") {
			continue
		}
		safe := true
		for i := 0; i < len(local); i++ {
			c := local[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
				safe = false
				break
			}
		}
		if safe {
			return p[0] + ":" + local
		}
	}
	return iri
}

func (s *jsonldStream) head() {
	if s.started {
		return
	}
	s.started = true
	s.w.WriteString("{\n  \"@context\": {")
	n := 0
	ctx := append([][2]string(nil), s.prefixes...)
	sort.Slice(ctx, func(i, j int) bool { return ctx[i][0] < ctx[j][0] })
	for _, p := range ctx {
		if n > 0 {
			s.w.WriteString(",")
		}
		n++
		s.w.WriteString("\n    ")
		s.str(p[0])
		s.w.WriteString(": ")
		s.str(p[1])
	}
	if s.opt.Base != "" {
		if n > 0 {
			s.w.WriteString(",")
		}
		s.w.WriteString("\n    \"@base\": ")
		s.str(s.opt.Base)
	}
	s.w.WriteString("\n  },\n  \"@graph\": [")
}

func (s *jsonldStream) str(v string) { s.w.Write(appendJSONString(nil, v)) }

// appendJSONString writes v as a JSON string: quotes, backslashes and control characters
// escaped, everything else as it is.
func appendJSONString(b []byte, v string) []byte {
	b = append(b, '"')
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"':
			b = append(b, '\\', '"')
		case c == '\\':
			b = append(b, '\\', '\\')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20 || c == 0x7f:
			b = fmt.Appendf(b, "\\u%04x", c)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// nodeID is the JSON-LD @id of a node: the IRI, or _:label for a blank node (the label made a
// valid one as N-Triples makes it).
func nodeID(v quad.Value) (string, error) {
	switch v := v.(type) {
	case quad.IRI:
		if !utf8.ValidString(string(v)) {
			return "", fmt.Errorf("jsonld: IRI %q is not valid UTF-8", string(v))
		}
		return string(v), nil
	case quad.BNode:
		return string(appendNTBlank(nil, string(v))), nil
	}
	return "", fmt.Errorf("jsonld: %v must be an IRI or a blank node", v)
}

func (s *jsonldStream) WriteQuad(q quad.Quad) error {
	if s.closed {
		return errors.New("jsonld: writer is closed")
	}
	if s.err != nil {
		return s.err
	}
	p, ok := q.Predicate.(quad.IRI)
	if !ok {
		return fmt.Errorf("jsonld: predicate %v is not an IRI", q.Predicate)
	}
	if _, err := nodeID(q.Subject); err != nil {
		return err
	}
	switch q.Label.(type) {
	case nil, quad.IRI, quad.BNode:
	default:
		return fmt.Errorf("jsonld: graph label %v is neither an IRI nor a blank node", q.Label)
	}
	obj, isType, err := s.value(q.Object, string(p) == rdfType)
	if err != nil {
		return err
	}
	s.head()
	if q.Label != s.graph || !s.inGraph && q.Label != nil {
		s.flushNode()
		s.switchGraph(q.Label)
	}
	if q.Subject != s.subject {
		s.flushNode()
		s.subject = q.Subject
	}
	if isType {
		s.types = append(s.types, obj)
		return s.err
	}
	key := s.compact(string(p))
	for i := range s.props {
		if s.props[i].key == key {
			s.props[i].values = append(s.props[i].values, obj)
			return s.err
		}
	}
	s.props = append(s.props, jlProp{key: key, values: []string{obj}})
	return s.err
}

// value is the JSON of an object: a value object, or — for rdf:type with an IRI or blank node —
// the @type entry.
func (s *jsonldStream) value(o quad.Value, typePred bool) (string, bool, error) {
	switch o := o.(type) {
	case quad.IRI, quad.BNode:
		id, err := nodeID(o)
		if err != nil {
			return "", false, err
		}
		if typePred {
			if iri, ok := o.(quad.IRI); ok {
				id = s.compact(string(iri))
			}
			return string(appendJSONString(nil, id)), true, nil
		}
		return `{"@id": ` + string(appendJSONString(nil, id)) + `}`, false, nil
	case nil:
		return "", false, errors.New("jsonld: missing object")
	}
	lex, lang, dt, ok := literalParts(o)
	if !ok {
		return "", false, fmt.Errorf("jsonld: cannot write value %v (%T)", o, o)
	}
	if !utf8.ValidString(lex) {
		return "", false, fmt.Errorf("jsonld: literal %q is not valid UTF-8", lex)
	}
	b := append([]byte(`{"@value": `), appendJSONString(nil, lex)...)
	switch {
	case lang != "":
		b = append(b, `, "@language": `...)
		b = appendJSONString(b, lang)
	case dt != "" && dt != xsdString:
		b = append(b, `, "@type": `...)
		b = appendJSONString(b, dt)
	}
	return string(append(b, '}')), false, nil
}

// item starts an entry of the array being written (the document's @graph or a graph object's).
func (s *jsonldStream) item(indent string) {
	n := &s.items
	if s.inGraph {
		n = &s.gItems
	}
	if *n > 0 {
		s.w.WriteString(",")
	}
	*n++
	s.w.WriteString("\n")
	s.w.WriteString(indent)
}

func (s *jsonldStream) switchGraph(g quad.Value) {
	if s.inGraph {
		s.w.WriteString("\n    ]\n    }")
		s.inGraph = false
	}
	s.graph = g
	if g == nil {
		return
	}
	id, _ := nodeID(g)
	s.item("    ")
	s.w.WriteString(`{"@id": `)
	s.str(id)
	s.w.WriteString(`, "@graph": [`)
	s.inGraph, s.gItems = true, 0
}

func (s *jsonldStream) flushNode() {
	if s.subject == nil {
		return
	}
	indent := "    "
	if s.inGraph {
		indent = "      "
	}
	id, _ := nodeID(s.subject)
	s.item(indent)
	s.w.WriteString(`{"@id": `)
	s.str(id)
	if len(s.types) > 0 {
		s.w.WriteString(`, "@type": [`)
		s.w.WriteString(strings.Join(s.types, ", "))
		s.w.WriteString("]")
	}
	for _, p := range s.props {
		s.w.WriteString(", ")
		s.str(p.key)
		s.w.WriteString(": [")
		s.w.WriteString(strings.Join(p.values, ", "))
		s.w.WriteString("]")
	}
	s.w.WriteString("}")
	s.subject, s.types, s.props = nil, s.types[:0], s.props[:0]
	if _, err := s.w.Write(nil); err != nil {
		s.err = err
	}
}

func (s *jsonldStream) WriteQuads(qs []quad.Quad) (int, error) { return writeEach(s.WriteQuad, qs) }

func (s *jsonldStream) Close() error {
	if s.closed {
		return errors.New("jsonld: writer is closed")
	}
	s.closed = true
	if s.err != nil {
		return s.err
	}
	s.head()
	s.flushNode()
	if s.inGraph {
		s.w.WriteString("\n    ]\n    }")
	}
	s.w.WriteString("\n  ]\n}\n")
	return s.w.Flush()
}
