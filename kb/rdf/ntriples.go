package rdf

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cayleygraph/quad"
)

func init() {
	readers[NTriples] = func(r io.Reader, opt ReaderOptions) quad.Reader { return newNTReader(r, opt, false) }
	readers[NQuads] = func(r io.Reader, opt ReaderOptions) quad.Reader { return newNTReader(r, opt, true) }
	writers[NTriples] = func(w io.Writer, opt WriterOptions) quad.WriteCloser { return newNTWriter(w, false) }
	writers[NQuads] = func(w io.Writer, opt WriterOptions) quad.WriteCloser { return newNTWriter(w, true) }
}

// ntReader reads N-Triples or N-Quads one line at a time: the grammar puts every statement on
// its own line, so a line is the unit of streaming.
type ntReader struct {
	r     *bufio.Reader
	quads bool
	file  string
	bnode bnodeScope

	line    []byte // current line, without its '\n'
	pos     int    // next byte in line
	lineNo  int
	eof     bool // r has no more lines
	err     error
	scratch []byte
	iris    map[string]quad.Value // predicates and datatypes seen, to share their strings
	langs   map[string]string     // language tags seen, likewise
	subjRaw []byte                // the last subject IRI as written, and its value: files
	subj    quad.Value            // are usually grouped by subject
}

func newNTReader(r io.Reader, opt ReaderOptions, quads bool) *ntReader {
	return &ntReader{r: bufio.NewReaderSize(r, 64<<10), quads: quads, file: opt.File, bnode: newBNodeScope(), iris: map[string]quad.Value{}, langs: map[string]string{}}
}

// bnodeScope makes blank node labels unique per document, as RDF requires: "_:b1" in two files
// (or two imports of one file) are two different nodes. Each reader gets a random prefix, so
// labels stay distinct even across processes writing into the same store; explicit labels and
// generated ones ([] and collections in Turtle) get different prefixes, so they can never clash
// (knakk/rdf merges an anonymous [] with an explicit _:b1 of the same document).
type bnodeScope struct {
	named, fresh string
	n            int
}

func newBNodeScope() bnodeScope {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	id := strconv.FormatUint(binary.LittleEndian.Uint64(b[:]), 36)
	return bnodeScope{named: "n" + id + "_", fresh: "g" + id + "_"}
}

func (s *bnodeScope) label(l string) quad.BNode { return quad.BNode(s.named + l) }

func (s *bnodeScope) labelBytes(l []byte) quad.BNode { return quad.BNode(s.named + string(l)) }

func (s *bnodeScope) next() quad.BNode {
	s.n++
	return quad.BNode(s.fresh + strconv.Itoa(s.n))
}

func (p *ntReader) errorf(format string, args ...any) error {
	col := utf8.RuneCount(p.line[:min(p.pos, len(p.line))]) + 1
	return &ParseError{File: p.file, Line: p.lineNo, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// nextLine loads the next line into p.line. It returns false at the end of input.
func (p *ntReader) nextLine() (bool, error) {
	if p.eof {
		return false, nil
	}
	p.line = p.line[:0]
	for {
		chunk, err := p.r.ReadSlice('\n')
		p.line = append(p.line, chunk...)
		if err == nil {
			break
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			p.eof = true
			if len(p.line) == 0 {
				return false, nil
			}
			break
		}
		return false, err
	}
	if n := len(p.line); n > 0 && p.line[n-1] == '\n' {
		p.line = p.line[:n-1]
	}
	p.pos = 0
	p.lineNo++
	return true, nil
}

// ReadQuad returns the next statement, io.EOF at the end, or a *ParseError. After an error the
// reader stays failed: a half-read document must not be taken for a whole one.
func (p *ntReader) ReadQuad() (quad.Quad, error) {
	if p.err != nil {
		return quad.Quad{}, p.err
	}
	q, err := p.readQuad()
	if err != nil {
		p.err = err
	}
	return q, err
}

func (p *ntReader) readQuad() (quad.Quad, error) {
	for {
		p.skipSpace()
		if p.pos < len(p.line) && p.line[p.pos] == '#' {
			p.pos = len(p.line)
		}
		if p.pos < len(p.line) {
			break
		}
		ok, err := p.nextLine()
		if err != nil {
			return quad.Quad{}, fmt.Errorf("reading %s: %w", p.file, err)
		}
		if !ok {
			return quad.Quad{}, io.EOF
		}
	}
	var q quad.Quad
	var err error
	if q.Subject, err = p.subject(); err != nil {
		return q, err
	}
	p.skipSpace()
	if q.Predicate, err = p.cachedIRI(); err != nil {
		return q, err
	}
	if _, ok := q.Predicate.(quad.IRI); !ok {
		return q, p.errorf("the predicate must be an IRI")
	}
	p.skipSpace()
	if q.Object, err = p.term(true); err != nil {
		return q, err
	}
	p.skipSpace()
	if p.quads && p.pos < len(p.line) && p.line[p.pos] != '.' {
		if q.Label, err = p.term(false); err != nil {
			return q, err
		}
		p.skipSpace()
	}
	if p.pos >= len(p.line) || p.line[p.pos] != '.' {
		return q, p.errorf("expected '.' at the end of the statement")
	}
	p.pos++
	p.skipSpace()
	if p.pos < len(p.line) {
		switch p.line[p.pos] {
		case '#':
			p.pos = len(p.line)
		case '\r':
			// CR alone is an end of line too; the next call goes on from here.
		default:
			return q, p.errorf("unexpected %q after the end of the statement", p.rest())
		}
	}
	return q, nil
}

func (p *ntReader) rest() string {
	r := p.line[p.pos:]
	if len(r) > 20 {
		r = r[:20]
	}
	return string(r)
}

func (p *ntReader) skipSpace() {
	for p.pos < len(p.line) {
		switch p.line[p.pos] {
		case ' ', '\t', '\r':
			p.pos++
		default:
			return
		}
	}
}

// term reads an IRI, a blank node or (if literal is set) a literal.
func (p *ntReader) term(literal bool) (quad.Value, error) {
	if p.pos >= len(p.line) {
		return nil, p.errorf("unexpected end of line")
	}
	switch c := p.line[p.pos]; {
	case c == '<':
		s, err := p.iri()
		return quad.IRI(s), err
	case c == '_':
		return p.blank()
	case c == '"' && literal:
		return p.literal()
	}
	return nil, p.errorf("unexpected %q", p.rest())
}

func (p *ntReader) iri() (string, error) {
	start := p.pos
	p.pos++
	s, n, err := scanIRIRef(p.line[p.pos:], &p.scratch)
	if err != nil {
		p.pos += n
		return "", p.errorf("%v", err)
	}
	p.pos += n
	if !hasScheme(s) {
		p.pos = start
		return "", p.errorf("relative IRI <%s> is not allowed in N-Triples/N-Quads", s)
	}
	return s, nil
}

// cachedIRI reads an IRI that is likely to repeat (a predicate, a datatype). A document has
// few of them, so sharing one string and one interface value per IRI saves two allocations a
// statement. Only IRIs written without escapes are cached, so that the raw bytes between
// '<' and '>' are the key.
func (p *ntReader) cachedIRI() (quad.Value, error) {
	if p.pos >= len(p.line) || p.line[p.pos] != '<' {
		return nil, p.errorf("expected an IRI, found %q", p.rest())
	}
	if i := bytes.IndexByte(p.line[p.pos:], '>'); i > 0 {
		if v, ok := p.iris[string(p.line[p.pos+1:p.pos+i])]; ok {
			p.pos += i + 1
			return v, nil
		}
	}
	start := p.pos
	s, err := p.iri()
	if err != nil {
		return nil, err
	}
	v := quad.Value(quad.IRI(s))
	if raw := p.line[start+1 : p.pos-1]; len(p.iris) < 1024 && string(raw) == s {
		p.iris[s] = v
	}
	return v, nil
}

// subject reads the subject, reusing the previous statement's when it is the same IRI.
func (p *ntReader) subject() (quad.Value, error) {
	if p.subj != nil && bytes.HasPrefix(p.line[p.pos:], p.subjRaw) {
		p.pos += len(p.subjRaw)
		return p.subj, nil
	}
	start := p.pos
	v, err := p.term(false)
	if err != nil {
		return nil, err
	}
	p.subj = nil
	if iri, ok := v.(quad.IRI); ok && p.line[start] == '<' && string(p.line[start+1:p.pos-1]) == string(iri) {
		p.subjRaw = append(p.subjRaw[:0], p.line[start:p.pos]...) // "<...>", so a prefix match is the whole IRI
		p.subj = v
	}
	return v, nil
}

func (p *ntReader) blank() (quad.Value, error) {
	if p.pos+1 >= len(p.line) || p.line[p.pos+1] != ':' {
		return nil, p.errorf("expected '_:' for a blank node")
	}
	p.pos += 2
	n := scanBlankLabel(p.line[p.pos:])
	if n == 0 {
		return nil, p.errorf("bad blank node label")
	}
	l := string(p.line[p.pos : p.pos+n])
	p.pos += n
	return p.bnode.label(l), nil
}

func (p *ntReader) literal() (quad.Value, error) {
	p.pos++
	s, n, err := scanQuoted(p.line[p.pos:], '"', &p.scratch)
	p.pos += n
	if err != nil {
		return nil, p.errorf("%v", err)
	}
	if p.pos < len(p.line) && p.line[p.pos] == '@' {
		p.pos++
		n := scanLangTag(p.line[p.pos:])
		if n == 0 {
			return nil, p.errorf("bad language tag")
		}
		lang, ok := p.langs[string(p.line[p.pos:p.pos+n])]
		if !ok {
			lang = string(p.line[p.pos : p.pos+n])
			if len(p.langs) < 256 {
				p.langs[lang] = lang
			}
		}
		p.pos += n
		return quad.LangString{Value: quad.String(s), Lang: lang}, nil
	}
	if p.pos+1 < len(p.line) && p.line[p.pos] == '^' && p.line[p.pos+1] == '^' {
		p.pos += 2
		if p.pos >= len(p.line) || p.line[p.pos] != '<' {
			return nil, p.errorf("expected a datatype IRI after ^^")
		}
		dt, err := p.cachedIRI()
		if err != nil {
			return nil, err
		}
		return makeTyped(s, string(dt.(quad.IRI))), nil
	}
	return quad.String(s), nil
}

// makeTyped keeps the lexical form as written; xsd:string is the plain string of RDF 1.1.
func makeTyped(s, dt string) quad.Value {
	if dt == xsdString {
		return quad.String(s)
	}
	return quad.TypedString{Value: quad.String(s), Type: quad.IRI(dt)}
}

// errWriterClosed is what writing after Close returns.
var errWriterClosed = errors.New("rdf: write after Close")

// scanIRIRef scans the inside of an IRIREF after '<' up to and including '>', decoding \u and
// \U escapes. It returns the IRI and the number of bytes consumed. The characters the grammar
// forbids (controls, space, <>"{}|^`\) are errors, also when they come from an escape.
func scanIRIRef(b []byte, scratch *[]byte) (string, int, error) {
	// Fast path: nothing to decode.
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '>' {
			if !utf8.Valid(b[:i]) {
				return "", i, errors.New("invalid UTF-8 in IRI")
			}
			return string(b[:i]), i + 1, nil
		}
		if c == '\\' {
			break
		}
		if !iriByteOK(c) {
			return "", i, fmt.Errorf("character %q is not allowed in an IRI", c)
		}
	}
	buf := (*scratch)[:0]
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '>':
			*scratch = buf
			if !utf8.Valid(buf) {
				return "", i, errors.New("invalid UTF-8 in IRI")
			}
			return string(buf), i + 1, nil
		case c == '\\':
			r, n, err := scanUChar(b[i:])
			if err != nil {
				return "", i, err
			}
			if r < 0x80 && !iriByteOK(byte(r)) {
				return "", i, fmt.Errorf("escaped character %q is not allowed in an IRI", r)
			}
			buf = utf8.AppendRune(buf, r)
			i += n
		case !iriByteOK(c):
			return "", i, fmt.Errorf("character %q is not allowed in an IRI", c)
		default:
			buf = append(buf, c)
			i++
		}
	}
	*scratch = buf
	return "", len(b), errors.New("IRI not closed with '>'")
}

func iriByteOK(c byte) bool {
	if c <= 0x20 {
		return false
	}
	switch c {
	case '<', '>', '"', '{', '}', '|', '^', '`', '\\':
		return false
	}
	return true
}

// hasScheme reports whether s starts with a URI scheme, i.e. is an absolute IRI.
func hasScheme(s string) bool {
	i := strings.IndexByte(s, ':')
	return i > 0 && isSchemeName(s[:i])
}

// scanUChar decodes \uXXXX or \UXXXXXXXX at the start of b.
func scanUChar(b []byte) (rune, int, error) {
	if len(b) < 2 || b[0] != '\\' {
		return 0, 0, errors.New("bad escape")
	}
	var n int
	switch b[1] {
	case 'u':
		n = 4
	case 'U':
		n = 8
	default:
		return 0, 0, fmt.Errorf("bad escape \\%c", b[1])
	}
	if len(b) < 2+n {
		return 0, 0, fmt.Errorf("short \\%c escape", b[1])
	}
	var r rune
	for _, c := range b[2 : 2+n] {
		d, ok := hexVal(c)
		if !ok {
			return 0, 0, fmt.Errorf("bad hex digit %q in \\%c escape", c, b[1])
		}
		r = r<<4 | rune(d)
	}
	if r > utf8.MaxRune || (0xD800 <= r && r <= 0xDFFF) {
		return 0, 0, fmt.Errorf("escape \\%c%s is not a Unicode scalar value", b[1], b[2:2+n])
	}
	return r, 2 + n, nil
}

func hexVal(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// scanQuoted scans a single-line string after its opening quote q up to and including the
// closing quote, decoding ECHAR and UCHAR escapes. Raw CR and LF are not allowed.
func scanQuoted(b []byte, q byte, scratch *[]byte) (string, int, error) {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == q {
			if !utf8.Valid(b[:i]) {
				return "", i, errors.New("invalid UTF-8 in string")
			}
			return string(b[:i]), i + 1, nil
		}
		if c == '\\' {
			break
		}
		if c == '\n' || c == '\r' {
			return "", i, errors.New("line break in a single-quoted string")
		}
	}
	buf := (*scratch)[:0]
	defer func() { *scratch = buf }()
	for i := 0; i < len(b); {
		c := b[i]
		switch c {
		case q:
			if !utf8.Valid(buf) {
				return "", i, errors.New("invalid UTF-8 in string")
			}
			return string(buf), i + 1, nil
		case '\\':
			var n int
			var err error
			buf, n, err = appendEscape(buf, b[i:])
			if err != nil {
				return "", i, err
			}
			i += n
		case '\n', '\r':
			return "", i, errors.New("line break in a single-quoted string")
		default:
			buf = append(buf, c)
			i++
		}
	}
	return "", len(b), errors.New("string not closed")
}

// appendEscape decodes one ECHAR or UCHAR at the start of b.
func appendEscape(buf, b []byte) ([]byte, int, error) {
	if len(b) < 2 {
		return buf, 0, errors.New("unfinished escape")
	}
	switch b[1] {
	case 't':
		return append(buf, '\t'), 2, nil
	case 'b':
		return append(buf, '\b'), 2, nil
	case 'n':
		return append(buf, '\n'), 2, nil
	case 'r':
		return append(buf, '\r'), 2, nil
	case 'f':
		return append(buf, '\f'), 2, nil
	case '"', '\'', '\\':
		return append(buf, b[1]), 2, nil
	case 'u', 'U':
		r, n, err := scanUChar(b)
		if err != nil {
			return buf, 0, err
		}
		return utf8.AppendRune(buf, r), n, nil
	}
	return buf, 0, fmt.Errorf("bad escape \\%c", b[1])
}

// scanLangTag returns the length of the LANGTAG at the start of b (after '@'), or 0.
func scanLangTag(b []byte) int {
	i := 0
	for i < len(b) && isAlpha(b[i]) {
		i++
	}
	if i == 0 {
		return 0
	}
	for i < len(b) && b[i] == '-' {
		j := i + 1
		for j < len(b) && (isAlpha(b[j]) || isDigit(b[j])) {
			j++
		}
		if j == i+1 {
			return 0
		}
		i = j
	}
	return i
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// scanBlankLabel returns the length in bytes of the blank node label at the start of b (after
// "_:"), or 0 if there is none: (PN_CHARS_U | [0-9]) ((PN_CHARS | '.')* PN_CHARS)?.
func scanBlankLabel(b []byte) int {
	r, n := utf8.DecodeRune(b)
	if n <= 1 && r == utf8.RuneError || !(isPNCharsU(r) || '0' <= r && r <= '9') {
		return 0 // also for invalid UTF-8, which DecodeRune reports as U+FFFD
	}
	end := n // end of the last PN_CHARS
	i := n
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			break
		}
		if r == '.' {
			i += n
			continue
		}
		if !isPNChars(r) {
			break
		}
		i += n
		end = i
	}
	return end
}

func isPNCharsBase(r rune) bool {
	switch {
	case 'A' <= r && r <= 'Z', 'a' <= r && r <= 'z':
		return true
	case r < 0xC0:
		return false
	case r <= 0xD6, 0xD8 <= r && r <= 0xF6, 0xF8 <= r && r <= 0x2FF, 0x370 <= r && r <= 0x37D,
		0x37F <= r && r <= 0x1FFF, 0x200C <= r && r <= 0x200D, 0x2070 <= r && r <= 0x218F,
		0x2C00 <= r && r <= 0x2FEF, 0x3001 <= r && r <= 0xD7FF, 0xF900 <= r && r <= 0xFDCF,
		0xFDF0 <= r && r <= 0xFFFD, 0x10000 <= r && r <= 0xEFFFF:
		return true
	}
	return false
}

func isPNCharsU(r rune) bool { return r == '_' || isPNCharsBase(r) }

func isPNChars(r rune) bool {
	switch {
	case isPNCharsU(r), r == '-', '0' <= r && r <= '9', r == 0xB7,
		0x300 <= r && r <= 0x36F, 0x203F <= r && r <= 0x2040:
		return true
	}
	return false
}

// ntWriter writes N-Triples or N-Quads in canonical form (RDF 1.1 N-Triples, section 4): one
// statement per line, single spaces, and only the escapes canonical N-Triples asks for.
type ntWriter struct {
	w      *bufio.Writer
	quads  bool
	buf    []byte
	err    error
	closed bool
}

func newNTWriter(w io.Writer, quads bool) *ntWriter {
	return &ntWriter{w: bufio.NewWriterSize(w, 64<<10), quads: quads}
}

func (w *ntWriter) WriteQuad(q quad.Quad) error {
	if w.err != nil {
		return w.err
	}
	b := w.buf[:0]
	var err error
	if b, err = appendNTSubject(b, q.Subject); err != nil {
		return err
	}
	b = append(b, ' ')
	p, ok := q.Predicate.(quad.IRI)
	if !ok {
		return fmt.Errorf("rdf: predicate %v is not an IRI", q.Predicate)
	}
	if b, err = appendNTIRI(b, string(p)); err != nil {
		return err
	}
	b = append(b, ' ')
	if b, err = appendNTObject(b, q.Object); err != nil {
		return err
	}
	if w.quads && q.Label != nil {
		b = append(b, ' ')
		if b, err = appendNTSubject(b, q.Label); err != nil {
			return fmt.Errorf("rdf: graph label: %w", err)
		}
	}
	b = append(b, " .\n"...)
	w.buf = b
	_, w.err = w.w.Write(b)
	return w.err
}

func (w *ntWriter) WriteQuads(qs []quad.Quad) (int, error) {
	return writeEach(w.WriteQuad, qs)
}

// writeEach writes quads one by one and reports how many went out before the first error,
// as quad.Writer's WriteQuads promises.
func writeEach(write func(quad.Quad) error, qs []quad.Quad) (int, error) {
	for i, q := range qs {
		if err := write(q); err != nil {
			return i, err
		}
	}
	return len(qs), nil
}

func (w *ntWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.err == nil {
		w.err = w.w.Flush()
	}
	if w.err != nil {
		return w.err
	}
	w.err = errWriterClosed
	return nil
}

// appendNTSubject writes an IRI or a blank node, the only terms allowed as subject or graph.
func appendNTSubject(b []byte, v quad.Value) ([]byte, error) {
	switch v := v.(type) {
	case quad.IRI:
		return appendNTIRI(b, string(v))
	case quad.BNode:
		return appendNTBlank(b, string(v)), nil
	}
	return b, fmt.Errorf("rdf: %v cannot be a subject or graph name (want an IRI or a blank node)", v)
}

func appendNTObject(b []byte, v quad.Value) ([]byte, error) {
	switch v := v.(type) {
	case quad.IRI:
		return appendNTIRI(b, string(v))
	case quad.BNode:
		return appendNTBlank(b, string(v)), nil
	case nil:
		return b, errors.New("rdf: missing object")
	}
	lex, lang, dt, ok := literalParts(v)
	if !ok {
		return b, fmt.Errorf("rdf: cannot write value %v (%T)", v, v)
	}
	b = appendNTString(b, lex)
	switch {
	case lang != "":
		b = append(b, '@')
		b = append(b, lang...)
	case dt != "" && dt != xsdString:
		b = append(b, "^^"...)
		return appendNTIRI(b, dt)
	}
	return b, nil
}

// literalParts splits a literal value into lexical form, language tag and datatype. Values of
// cayley's native types (quad.Int, quad.Time, …) are written through their typed-string form.
func literalParts(v quad.Value) (lex, lang, dt string, ok bool) {
	switch v := v.(type) {
	case quad.String:
		return string(v), "", "", true
	case quad.LangString:
		return string(v.Value), v.Lang, "", true
	case quad.TypedString:
		return string(v.Value), "", string(v.Type), true
	case quad.TypedStringer:
		ts := v.TypedString()
		return string(ts.Value), "", string(ts.Type), true
	}
	return "", "", "", false
}

// appendNTIRI writes <iri>. An IRI with characters IRIs cannot contain (space, controls,
// <>"{}|^`\) is an error: escaping them would give a document every conforming reader
// rejects, and changing them (percent-encoding) would silently make it a different IRI.
func appendNTIRI(b []byte, s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x80 && !iriByteOK(c) {
			return b, fmt.Errorf("rdf: IRI %q contains %q, which IRIs cannot contain", s, c)
		}
	}
	if !utf8.ValidString(s) {
		return b, fmt.Errorf("rdf: IRI %q is not valid UTF-8", s)
	}
	b = append(b, '<')
	b = append(b, s...)
	return append(b, '>'), nil
}

// appendNTBlank writes _:label. Labels that are not valid BLANK_NODE_LABELs (other code may
// make any string a quad.BNode) are hex-encoded behind an "x", which keeps distinct labels
// distinct.
func appendNTBlank(b []byte, l string) []byte {
	b = append(b, "_:"...)
	if scanBlankLabel([]byte(l)) == len(l) && l != "" {
		return append(b, l...)
	}
	b = append(b, 'x')
	for i := 0; i < len(l); i++ {
		b = fmt.Appendf(b, "%02x", l[i])
	}
	return b
}

// appendNTString writes a quoted string with canonical N-Triples escapes: ECHAR for
// backspace, tab, LF, FF, CR, '"' and '\', UCHAR for the other controls, the rest as is.
// Invalid UTF-8 becomes U+FFFD, since no RDF syntax can carry it.
func appendNTString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x80 {
			r, n := utf8.DecodeRuneInString(s[i:])
			b = utf8.AppendRune(b, r)
			i += n
			continue
		}
		i++
		switch c {
		case '\b':
			b = append(b, `\b`...)
		case '\t':
			b = append(b, `\t`...)
		case '\n':
			b = append(b, `\n`...)
		case '\f':
			b = append(b, `\f`...)
		case '\r':
			b = append(b, `\r`...)
		case '"':
			b = append(b, `\"`...)
		case '\\':
			b = append(b, `\\`...)
		default:
			if c < 0x20 || c == 0x7F {
				b = fmt.Appendf(b, "\\u%04X", c)
			} else {
				b = append(b, c)
			}
		}
	}
	return append(b, '"')
}
