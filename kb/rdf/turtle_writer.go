package rdf

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

func init() {
	writers[Turtle] = func(w io.Writer, opt WriterOptions) quad.WriteCloser { return newTTLWriter(w, opt, false) }
	writers[TriG] = func(w io.Writer, opt WriterOptions) quad.WriteCloser { return newTTLWriter(w, opt, true) }
}

// ttlWriter writes Turtle, or TriG when trig is set. The input is a stream, so it abbreviates
// only what comes together: consecutive quads with the same subject share it (";"), with the
// same predicate too share both (","), and in TriG consecutive quads of one graph share a
// block. Sorting the input by graph, subject and predicate gives the most compact output.
type ttlWriter struct {
	w      *bufio.Writer
	trig   bool
	opt    WriterOptions
	ns     []ttlPrefix // longest namespace first
	buf    []byte
	err    error
	closed bool

	started bool
	open    bool // a statement is open (subject written, no final '.')
	inBlock bool // a TriG block is open
	graph   quad.Value
	subj    quad.Value
	pred    quad.Value
	indent  string
	terms   [4][]byte
}

type ttlPrefix struct{ name, iri string }

func newTTLWriter(w io.Writer, opt WriterOptions, trig bool) *ttlWriter {
	tw := &ttlWriter{w: bufio.NewWriterSize(w, 64<<10), trig: trig, opt: opt}
	for name, iri := range opt.Prefixes {
		if _, err := appendNTIRI(nil, iri); err != nil || name != "" && !validPrefixName(name) || iri == "" {
			continue // cannot be written as a prefix; its IRIs are written in full
		}
		tw.ns = append(tw.ns, ttlPrefix{name, iri})
	}
	sort.Slice(tw.ns, func(i, j int) bool {
		if len(tw.ns[i].iri) != len(tw.ns[j].iri) {
			return len(tw.ns[i].iri) > len(tw.ns[j].iri)
		}
		return tw.ns[i].name < tw.ns[j].name
	})
	return tw
}

// validPrefixName reports whether s is a PN_PREFIX:
// PN_CHARS_BASE ((PN_CHARS | '.')* PN_CHARS)?
func validPrefixName(s string) bool {
	for i, r := range s {
		switch {
		case i == 0 && !isPNCharsBase(r):
			return false
		case r == '.':
			if i == len(s)-1 {
				return false
			}
		case !isPNChars(r):
			return false
		}
	}
	return s != ""
}

func (w *ttlWriter) header() {
	w.started = true
	b := w.buf[:0]
	if w.opt.Base != "" {
		if base, err := appendNTIRI(nil, w.opt.Base); err == nil {
			b = append(b, "@base "...)
			b = append(b, base...)
			b = append(b, " .\n"...)
		}
	}
	names := make([]ttlPrefix, len(w.ns))
	copy(names, w.ns)
	sort.Slice(names, func(i, j int) bool { return names[i].name < names[j].name })
	for _, p := range names {
		b = append(b, "@prefix "...)
		b = append(b, p.name...)
		b = append(b, ": "...)
		b = append(b, '<')
		b = append(b, p.iri...) // checked in newTTLWriter
		b = append(b, "> .\n"...)
	}
	if len(b) > 0 {
		b = append(b, '\n')
	}
	w.buf = b
	_, w.err = w.w.Write(b)
}

// WriteQuad writes one quad. Invalid quads (a literal subject, a non-IRI predicate, a missing
// object) are rejected before anything of them is written.
func (w *ttlWriter) WriteQuad(q quad.Quad) error {
	if w.err != nil {
		return w.err
	}
	if !w.started {
		w.header()
		if w.err != nil {
			return w.err
		}
	}
	// Format the terms first, so that an invalid quad leaves the output untouched.
	terms := &w.terms // reused buffers: no allocation per quad
	var err error
	if terms[0], err = w.subjectTerm(terms[0][:0], q.Subject); err != nil {
		return err
	}
	p, ok := q.Predicate.(quad.IRI)
	if !ok {
		return fmt.Errorf("rdf: predicate %v is not an IRI", q.Predicate)
	}
	if p == rdfType {
		terms[1] = append(terms[1][:0], 'a')
	} else if terms[1], err = w.iriTerm(terms[1][:0], string(p)); err != nil {
		return err
	}
	if terms[2], err = w.objectTerm(terms[2][:0], q.Object); err != nil {
		return err
	}
	label := q.Label
	if !w.trig {
		label = nil // Turtle has no graphs: the caller chose to export one graph's triples
	}
	if label != nil {
		if terms[3], err = w.subjectTerm(terms[3][:0], label); err != nil {
			return fmt.Errorf("rdf: graph label: %w", err)
		}
	}

	b := w.buf[:0]
	switch {
	case w.open && label == w.graph && q.Subject == w.subj && q.Predicate == w.pred:
		b = append(b, " ,\n"...)
		b = append(b, w.indent...)
		b = append(b, "        "...)
	case w.open && label == w.graph && q.Subject == w.subj:
		b = append(b, " ;\n"...)
		b = append(b, w.indent...)
		b = append(b, "    "...)
		b = append(b, terms[1]...)
		b = append(b, ' ')
	default:
		if w.open {
			b = append(b, " .\n"...)
		}
		if label != w.graph {
			if w.inBlock {
				b = append(b, "}\n"...)
				w.inBlock = false
			}
			if label != nil {
				b = append(b, '\n')
				b = append(b, terms[3]...)
				b = append(b, " {\n"...)
				w.inBlock = true
			}
		}
		w.indent = ""
		if w.inBlock {
			w.indent = "    "
		}
		b = append(b, w.indent...)
		b = append(b, terms[0]...)
		b = append(b, ' ')
		b = append(b, terms[1]...)
		b = append(b, ' ')
	}
	b = append(b, terms[2]...)
	w.open, w.graph, w.subj, w.pred = true, label, q.Subject, q.Predicate
	w.buf = b
	_, w.err = w.w.Write(b)
	return w.err
}

func (w *ttlWriter) WriteQuads(qs []quad.Quad) (int, error) {
	return writeEach(w.WriteQuad, qs)
}

// Close ends the last statement and block and flushes. It does not close the underlying writer.
func (w *ttlWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	if !w.started {
		w.header()
	}
	if w.open {
		w.w.WriteString(" .\n")
	}
	if w.inBlock {
		w.w.WriteString("}\n")
	}
	if w.err = w.w.Flush(); w.err != nil {
		return w.err
	}
	w.err = errWriterClosed
	return nil
}

func (w *ttlWriter) subjectTerm(b []byte, v quad.Value) ([]byte, error) {
	switch v := v.(type) {
	case quad.IRI:
		return w.iriTerm(b, string(v))
	case quad.BNode:
		return appendNTBlank(b, string(v)), nil
	}
	return b, fmt.Errorf("rdf: %v cannot be a subject or graph name (want an IRI or a blank node)", v)
}

func (w *ttlWriter) objectTerm(b []byte, v quad.Value) ([]byte, error) {
	switch v := v.(type) {
	case quad.IRI:
		return w.iriTerm(b, string(v))
	case quad.BNode:
		return appendNTBlank(b, string(v)), nil
	case nil:
		return b, errors.New("rdf: missing object")
	}
	lex, lang, dt, ok := literalParts(v)
	if !ok {
		return b, fmt.Errorf("rdf: cannot write value %v (%T)", v, v)
	}
	if lang != "" {
		if scanLangTag([]byte(lang)) != len(lang) {
			return b, fmt.Errorf("rdf: bad language tag %q", lang)
		}
		b = appendNTString(b, lex)
		b = append(b, '@')
		return append(b, lang...), nil
	}
	if dt != "" && dt != xsdString {
		// Numbers and booleans whose lexical form the bare syntax reproduces exactly are
		// written bare; everything else keeps its quotes and datatype.
		if bareLiteral(lex, dt) {
			return append(b, lex...), nil
		}
		b = appendNTString(b, lex)
		b = append(b, "^^"...)
		return w.iriTerm(b, dt)
	}
	return appendNTString(b, lex), nil
}

// bareLiteral reports whether lex is written without quotes for datatype dt, i.e. whether
// reading it back as INTEGER, DECIMAL, DOUBLE or a boolean gives the same lexical form and
// datatype.
func bareLiteral(lex, dt string) bool {
	switch dt {
	case xsdBoolean:
		return lex == "true" || lex == "false"
	case xsdInteger, xsdDecimal, xsdDouble:
	default:
		return false
	}
	i := 0
	if i < len(lex) && (lex[i] == '+' || lex[i] == '-') {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(lex) && isDigit(lex[i]) {
			i++
			n++
		}
		return n
	}
	intDigits := digits()
	frac, fracDigits := false, 0
	if i < len(lex) && lex[i] == '.' {
		i++
		frac = true
		fracDigits = digits()
	}
	exp := false
	if i < len(lex) && (lex[i] == 'e' || lex[i] == 'E') {
		i++
		exp = true
		if i < len(lex) && (lex[i] == '+' || lex[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	if i != len(lex) || intDigits == 0 && fracDigits == 0 {
		return false
	}
	switch dt {
	case xsdInteger:
		return !frac && !exp
	case xsdDecimal:
		return frac && fracDigits > 0 && !exp
	default:
		return exp
	}
}

// iriTerm writes an IRI as prefix:local when a prefix fits and the local part can be written
// as a PN_LOCAL (escaping reserved characters with '\'), and as <IRI> otherwise.
func (w *ttlWriter) iriTerm(b []byte, iri string) ([]byte, error) {
	for _, p := range w.ns {
		if !strings.HasPrefix(iri, p.iri) {
			continue
		}
		n := len(b)
		b = append(b, p.name...)
		b = append(b, ':')
		if b, ok := appendLocalName(b, iri[len(p.iri):]); ok {
			return b, nil
		}
		b = b[:n]
	}
	return appendNTIRI(b, iri)
}

// appendLocalName writes s as a PN_LOCAL, or reports false if it cannot be one.
func appendLocalName(b []byte, s string) ([]byte, bool) {
	if !utf8.ValidString(s) {
		return b, false
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		first, last := i == 0, i+n == len(s)
		switch {
		case r == '%':
			if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				b = append(b, s[i:i+3]...) // kept as written, as the reader keeps it
				i += 3
				continue
			}
			b = append(b, '\\', '%')
		case r == ':', isPNCharsU(r), '0' <= r && r <= '9':
			b = utf8.AppendRune(b, r)
		case r == '.' && !first && !last:
			b = append(b, '.')
		case !first && isPNChars(r):
			b = utf8.AppendRune(b, r)
		case r < utf8.RuneSelf && strings.IndexByte("_~.-!$&'()*+,;=/?#@%", byte(r)) >= 0:
			b = append(b, '\\', byte(r))
		default:
			return b, false
		}
		i += n
	}
	return b, true
}

func isHex(c byte) bool { _, ok := hexVal(c); return ok }
