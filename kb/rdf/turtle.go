package rdf

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/cayleygraph/quad"
)

func init() {
	readers[Turtle] = func(r io.Reader, opt ReaderOptions) quad.Reader { return newTTLReader(r, opt, false) }
	readers[TriG] = func(r io.Reader, opt ReaderOptions) quad.Reader { return newTTLReader(r, opt, true) }
}

const (
	rdfNS       = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	rdfType     = rdfNS + "type"
	rdfFirst    = rdfNS + "first"
	rdfRest     = rdfNS + "rest"
	rdfNil      = rdfNS + "nil"
	xsdNS       = "http://www.w3.org/2001/XMLSchema#"
	xsdInteger  = xsdNS + "integer"
	xsdDecimal  = xsdNS + "decimal"
	xsdDouble   = xsdNS + "double"
	xsdBoolean  = xsdNS + "boolean"
	ttlMaxDepth = 512 // nesting of [ ] and ( ), so hostile input cannot exhaust the stack
)

// ttlKind is the kind of a Turtle token.
type ttlKind int

const (
	ttlEOF    ttlKind = iota
	ttlIRI            // <...>, text is the decoded, unresolved IRI
	ttlPName          // prefix:local, text is the prefix, local the decoded local name
	ttlBlank          // _:label, text is the label
	ttlString         // any of the four quoted forms, text is the decoded value
	ttlAt             // @word: a directive or a language tag, text is the word
	ttlNumber         // text is the lexical form, local the datatype IRI
	ttlWord           // a bare word: a, true, false, PREFIX, BASE, GRAPH
	ttlHatHat         // ^^
	ttlPunct          // one of . ; , [ ] ( ) { }, text is the character
)

type ttlToken struct {
	kind  ttlKind
	text  string
	local string // for ttlNumber, the datatype
	// raw holds, without allocating, the bytes of a prefixed name ("prefix:local", the local
	// part decoded), of a blank node label and of an @word. It is the lexer's buffer: valid
	// only until the next token is read.
	raw       []byte
	line, col int
}

// pname splits a ttlPName token's raw bytes into prefix and local name.
func (t ttlToken) pname() (prefix, local string) {
	i := bytes.IndexByte(t.raw, ':')
	return string(t.raw[:i]), string(t.raw[i+1:])
}

func (t ttlToken) String() string {
	switch t.kind {
	case ttlEOF:
		return "end of input"
	case ttlIRI:
		return "<" + t.text + ">"
	case ttlPName:
		return string(t.raw)
	case ttlBlank:
		return "_:" + string(t.raw)
	case ttlString:
		return "string literal"
	case ttlAt:
		return "@" + string(t.raw)
	case ttlHatHat:
		return "^^"
	}
	return fmt.Sprintf("%q", t.text)
}

// ttlLexer splits a Turtle or TriG stream into tokens, reading from a bufio.Reader so that
// documents of any size stream through in constant memory.
type ttlLexer struct {
	r         *bufio.Reader
	file      string
	line, col int // position of the last byte read; col counts runes
	buf       []byte
}

func (l *ttlLexer) errorf(line, col int, format string, args ...any) error {
	return &ParseError{File: l.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

func (l *ttlLexer) readByte() (byte, bool) {
	c, err := l.r.ReadByte()
	if err != nil {
		return 0, false
	}
	if c == '\n' {
		l.line++
		l.col = 0
	} else if c&0xC0 != 0x80 {
		l.col++
	}
	return c, true
}

func (l *ttlLexer) peekByte() (byte, bool) {
	b, err := l.r.Peek(1)
	if err != nil || len(b) == 0 {
		return 0, false
	}
	return b[0], true
}

// peekRuneAt decodes the rune that starts off bytes ahead.
func (l *ttlLexer) peekRuneAt(off int) (rune, int) {
	if b, _ := l.r.Peek(off + 1); len(b) > off && b[off] < utf8.RuneSelf {
		return rune(b[off]), 1
	}
	b, _ := l.r.Peek(off + utf8.UTFMax)
	if len(b) <= off {
		return -1, 0
	}
	r, n := utf8.DecodeRune(b[off:])
	if r == utf8.RuneError && n == 1 {
		return ttlBadUTF8, 1 // not U+FFFD itself, which is a name character
	}
	return r, n
}

// ttlBadUTF8 is what peekRuneAt returns for a byte that is not valid UTF-8.
const ttlBadUTF8 = -2

// readRune consumes the rune peekRuneAt(0) returned.
func (l *ttlLexer) readRune() rune {
	r, n := l.peekRuneAt(0)
	l.col++
	l.r.Discard(n) // never a line break: callers read name characters
	return r
}

// dotsThen reports how many '.' come next and the rune after them, for the rule that a name
// may contain dots but not end with one.
func (l *ttlLexer) dotsThen() (int, rune) {
	n := 0
	for {
		b, _ := l.r.Peek(n + 1)
		if len(b) <= n || b[n] != '.' {
			break
		}
		n++
	}
	r, _ := l.peekRuneAt(n)
	return n, r
}

func (l *ttlLexer) next() (ttlToken, error) {
	// Skip white space and comments.
	for {
		c, ok := l.peekByte()
		if !ok {
			return ttlToken{kind: ttlEOF, line: l.line, col: l.col + 1}, nil
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			l.readByte()
			continue
		case '#':
			for {
				c, ok := l.readByte()
				if !ok || c == '\n' || c == '\r' {
					break
				}
			}
			continue
		}
		break
	}
	c, _ := l.peekByte()
	t := ttlToken{line: l.line, col: l.col + 1}
	switch {
	case c == '<':
		l.readByte()
		return l.iri(t)
	case c == '"' || c == '\'':
		return l.str(t)
	case c == '_':
		l.readByte()
		if c, _ := l.peekByte(); c != ':' {
			return t, l.errorf(t.line, t.col, "expected ':' after '_' in a blank node label")
		}
		l.readByte()
		return l.blankLabel(t)
	case c == '@':
		l.readByte()
		b := l.buf[:0]
		for {
			c, ok := l.peekByte()
			if !ok || !(isAlpha(c) || isDigit(c) || c == '-') {
				break
			}
			l.readByte()
			b = append(b, c)
		}
		l.buf = b
		t.kind, t.raw = ttlAt, b
		return t, nil
	case c == '^':
		l.readByte()
		if c, _ := l.peekByte(); c != '^' {
			return t, l.errorf(t.line, t.col, "expected '^^'")
		}
		l.readByte()
		t.kind = ttlHatHat
		return t, nil
	case c == '+' || c == '-' || isDigit(c):
		return l.number(t)
	case c == '.':
		if r, _ := l.peekRuneAt(1); '0' <= r && r <= '9' {
			return l.number(t)
		}
		l.readByte()
		t.kind, t.text = ttlPunct, "."
		return t, nil
	case strings.IndexByte(";,[](){}", c) >= 0:
		l.readByte()
		t.kind, t.text = ttlPunct, string(c)
		return t, nil
	case c == ':':
		l.readByte()
		t.kind = ttlPName
		return l.localName(t, append(l.buf[:0], ':'))
	}
	r, _ := l.peekRuneAt(0)
	if !isPNCharsBase(r) {
		if r == ttlBadUTF8 {
			return t, l.errorf(t.line, t.col, "invalid UTF-8")
		}
		return t, l.errorf(t.line, t.col, "unexpected character %q", r)
	}
	// A prefix name or a bare word: PN_CHARS_BASE ((PN_CHARS | '.')* PN_CHARS)?
	b := l.name(l.buf[:0])
	l.buf = b
	if c, _ := l.peekByte(); c == ':' {
		l.readByte()
		t.kind = ttlPName
		return l.localName(t, append(b, ':'))
	}
	t.kind, t.text = ttlWord, string(b)
	return t, nil
}

// name appends to b the rest of a PN_PREFIX or blank node label whose first rune is next:
// (PN_CHARS | '.')* PN_CHARS, a dot only where a name character follows.
func (l *ttlLexer) name(b []byte) []byte {
	b = utf8.AppendRune(b, l.readRune())
	for {
		r, _ := l.peekRuneAt(0)
		if r == '.' {
			n, after := l.dotsThen()
			if !isPNChars(after) {
				return b
			}
			for range n {
				l.readByte()
				b = append(b, '.')
			}
			continue
		}
		if !isPNChars(r) {
			return b
		}
		b = utf8.AppendRune(b, l.readRune())
	}
}

func (l *ttlLexer) iri(t ttlToken) (ttlToken, error) {
	b := l.buf[:0]
	for {
		c, ok := l.readByte()
		if !ok {
			return t, l.errorf(t.line, t.col, "IRI not closed with '>'")
		}
		b = append(b, c)
		if c == '>' {
			break
		}
		if c == '\n' || c == '\r' {
			return t, l.errorf(l.line, l.col, "line break in IRI")
		}
	}
	l.buf = b
	var scratch []byte
	s, _, err := scanIRIRef(b, &scratch)
	if err != nil {
		return t, l.errorf(t.line, t.col, "%v", err)
	}
	t.kind, t.text = ttlIRI, s
	return t, nil
}

func (l *ttlLexer) str(t ttlToken) (ttlToken, error) {
	q, _ := l.readByte()
	long := false
	if p, _ := l.r.Peek(2); len(p) == 2 && p[0] == q && p[1] == q {
		l.readByte()
		l.readByte()
		long = true
	}
	b := l.buf[:0]
	defer func() { l.buf = b }()
	for {
		line, col := l.line, l.col+1 // where c is, for errors
		c, ok := l.readByte()
		if !ok {
			return t, l.errorf(t.line, t.col, "string not closed")
		}
		switch {
		case c == q:
			if !long {
				goto done
			}
			if p, _ := l.r.Peek(2); len(p) == 2 && p[0] == q && p[1] == q {
				l.readByte()
				l.readByte()
				goto done
			}
			b = append(b, c)
		case c == '\\':
			e := []byte{'\\'}
			c, ok := l.readByte()
			if !ok {
				return t, l.errorf(line, col, "unfinished escape")
			}
			e = append(e, c)
			if c == 'u' || c == 'U' {
				n := 4
				if c == 'U' {
					n = 8
				}
				for range n {
					c, ok := l.readByte()
					if !ok {
						break
					}
					e = append(e, c)
				}
			}
			var err error
			var n int
			if b, n, err = appendEscape(b, e); err != nil {
				return t, l.errorf(line, col, "%v", err)
			} else if n != len(e) {
				return t, l.errorf(line, col, "bad escape")
			}
		case (c == '\n' || c == '\r') && !long:
			return t, l.errorf(line, col, "line break in a single-quoted string (use \"\"\" for long strings)")
		default:
			b = append(b, c)
		}
	}
done:
	if !utf8.Valid(b) {
		return t, l.errorf(t.line, t.col, "invalid UTF-8 in string")
	}
	t.kind, t.text = ttlString, string(b)
	return t, nil
}

func (l *ttlLexer) blankLabel(t ttlToken) (ttlToken, error) {
	r, _ := l.peekRuneAt(0)
	if !(isPNCharsU(r) || '0' <= r && r <= '9') {
		return t, l.errorf(t.line, t.col, "bad blank node label")
	}
	l.buf = l.name(l.buf[:0])
	t.kind, t.raw = ttlBlank, l.buf
	return t, nil
}

// localName reads PN_LOCAL after the ':' of a prefixed name (possibly empty), decoding
// backslash escapes and keeping %XX as written, as the Turtle spec says.
// It appends to b, which holds "prefix:", and leaves the result in t.raw.
func (l *ttlLexer) localName(t ttlToken, b []byte) (ttlToken, error) {
	defer func() { l.buf = b }()
	first := true
	// part consumes one PLX or a rune allowed at this place; ok is false at the end of the name.
	part := func(r rune) (bool, error) {
		switch {
		case r == '%':
			p, _ := l.r.Peek(3)
			if len(p) < 3 {
				return false, l.errorf(l.line, l.col+1, "bad %%-escape in local name")
			}
			if _, ok := hexVal(p[1]); !ok {
				return false, l.errorf(l.line, l.col+1, "bad %%-escape in local name")
			}
			if _, ok := hexVal(p[2]); !ok {
				return false, l.errorf(l.line, l.col+1, "bad %%-escape in local name")
			}
			b = append(b, p...)
			l.readByte()
			l.readByte()
			l.readByte()
		case r == '\\':
			p, _ := l.r.Peek(2)
			if len(p) < 2 || strings.IndexByte("_~.-!$&'()*+,;=/?#@%", p[1]) < 0 {
				return false, l.errorf(l.line, l.col+1, "bad escape in local name")
			}
			b = append(b, p[1])
			l.readByte()
			l.readByte()
		case r == ':' || (first && (isPNCharsU(r) || '0' <= r && r <= '9')) || (!first && isPNChars(r)):
			b = utf8.AppendRune(b, l.readRune())
		default:
			return false, nil
		}
		return true, nil
	}
	for {
		r, _ := l.peekRuneAt(0)
		if r == '.' && !first {
			n, after := l.dotsThen()
			if !(isPNChars(after) || after == ':' || after == '%' || after == '\\') {
				break
			}
			for range n {
				l.readByte()
				b = append(b, '.')
			}
			continue
		}
		ok, err := part(r)
		if err != nil {
			return t, err
		}
		if !ok {
			break
		}
		first = false
	}
	t.raw = b
	return t, nil
}

// number reads INTEGER, DECIMAL or DOUBLE, keeping the lexical form as written.
func (l *ttlLexer) number(t ttlToken) (ttlToken, error) {
	b := l.buf[:0]
	defer func() { l.buf = b }()
	if c, _ := l.peekByte(); c == '+' || c == '-' {
		l.readByte()
		b = append(b, c)
	}
	digits := func() int {
		n := 0
		for {
			c, ok := l.peekByte()
			if !ok || !isDigit(c) {
				return n
			}
			l.readByte()
			b = append(b, c)
			n++
		}
	}
	intDigits := digits()
	fracDigits := -1
	dt := xsdInteger
	if c, _ := l.peekByte(); c == '.' {
		// A dot is part of the number only if digits or an exponent follow; otherwise it ends
		// the statement ("1." is the integer 1 and a full stop).
		p, _ := l.r.Peek(3)
		if len(p) >= 2 && (isDigit(p[1]) || intDigits > 0 && (p[1] == 'e' || p[1] == 'E') && l.expFollows(1)) {
			l.readByte()
			b = append(b, '.')
			fracDigits = digits()
			dt = xsdDecimal
		}
	}
	if c, _ := l.peekByte(); (c == 'e' || c == 'E') && (intDigits > 0 || fracDigits > 0) {
		if !l.expFollows(0) {
			return t, l.errorf(t.line, t.col, "bad exponent in number")
		}
		l.readByte()
		b = append(b, c)
		if c, _ := l.peekByte(); c == '+' || c == '-' {
			l.readByte()
			b = append(b, c)
		}
		digits()
		dt = xsdDouble
	}
	if intDigits == 0 && fracDigits <= 0 {
		return t, l.errorf(t.line, t.col, "bad number")
	}
	if dt == xsdDecimal && fracDigits == 0 {
		return t, l.errorf(t.line, t.col, "bad decimal (digits must follow the dot)")
	}
	t.kind, t.text, t.local = ttlNumber, string(b), dt
	return t, nil
}

// expFollows reports whether an exponent (e, optional sign, digit) starts off bytes ahead.
func (l *ttlLexer) expFollows(off int) bool {
	p, _ := l.r.Peek(off + 3)
	if len(p) < off+2 || (p[off] != 'e' && p[off] != 'E') {
		return false
	}
	if p[off+1] == '+' || p[off+1] == '-' {
		return len(p) >= off+3 && isDigit(p[off+2])
	}
	return isDigit(p[off+1])
}

// ttlReader parses Turtle, or TriG when trig is set (TriG is Turtle plus graph blocks). It
// parses one statement at a time and hands out its triples; inside a TriG block it parses one
// triples statement at a time, so memory stays bounded by the largest statement.
type ttlReader struct {
	src      *ioErrReader
	lex      ttlLexer
	trig     bool
	base     string
	prefixes map[string]string
	pnames   map[string]quad.Value // prefixed names seen, to share their strings
	langs    map[string]string     // language tags seen, likewise
	bnode    bnodeScope
	tok      ttlToken

	out     []quad.Quad
	outPos  int
	graph   quad.Value // label of the open TriG block, nil for the default graph
	inBlock bool
	started bool
	depth   int
	err     error
}

// ioErrReader remembers the first read error other than io.EOF. The lexer sees any read error
// as the end of input; the reader then reports the I/O error instead, so that a document cut
// off by a failing connection is never taken for a complete one.
type ioErrReader struct {
	r   io.Reader
	err error
}

func (e *ioErrReader) Read(b []byte) (int, error) {
	n, err := e.r.Read(b)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

func newTTLReader(r io.Reader, opt ReaderOptions, trig bool) *ttlReader {
	src := &ioErrReader{r: r}
	br := bufio.NewReaderSize(src, 64<<10)
	if b, _ := br.Peek(3); len(b) == 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		br.Discard(3) // a UTF-8 byte order mark is not content
	}
	return &ttlReader{
		src:      src,
		lex:      ttlLexer{r: br, file: opt.File, line: 1},
		trig:     trig,
		base:     opt.Base,
		prefixes: map[string]string{},
		pnames:   map[string]quad.Value{},
		langs:    map[string]string{},
		bnode:    newBNodeScope(),
	}
}

// ReadQuad returns the next quad, io.EOF at the end, or a *ParseError. After an error the
// reader stays failed.
func (p *ttlReader) ReadQuad() (quad.Quad, error) {
	for p.outPos >= len(p.out) {
		if p.err != nil {
			return quad.Quad{}, p.err
		}
		p.out, p.outPos = p.out[:0], 0
		if err := p.statement(); err != nil {
			if p.src.err != nil {
				err = fmt.Errorf("reading %s: %w", p.lex.file, p.src.err)
			}
			p.err = err
			p.out = p.out[:0]
		}
	}
	q := p.out[p.outPos]
	p.out[p.outPos] = quad.Quad{}
	p.outPos++
	return q, nil
}

func (p *ttlReader) advance() error {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *ttlReader) errorf(format string, args ...any) error {
	return p.lex.errorf(p.tok.line, p.tok.col, format, args...)
}

func (p *ttlReader) isPunct(s string) bool { return p.tok.kind == ttlPunct && p.tok.text == s }

func (p *ttlReader) expect(s string) error {
	if !p.isPunct(s) {
		return p.errorf("expected %q, found %v", s, p.tok)
	}
	return p.advance()
}

func (p *ttlReader) emit(s, pr, o quad.Value) {
	p.out = append(p.out, quad.Quad{Subject: s, Predicate: pr, Object: o, Label: p.graph})
}

// statement parses one directive, one triples statement or (TriG) one step of a graph block.
// At the end of input it returns io.EOF.
func (p *ttlReader) statement() error {
	if !p.started {
		p.started = true
		if err := p.advance(); err != nil {
			return err
		}
	}
	if p.inBlock {
		return p.blockStep()
	}
	t := p.tok
	switch {
	case t.kind == ttlEOF:
		return io.EOF
	case t.kind == ttlAt && (string(t.raw) == "prefix" || string(t.raw) == "base"):
		return p.directive(true)
	case t.kind == ttlWord && (strings.EqualFold(t.text, "prefix") || strings.EqualFold(t.text, "base")):
		return p.directive(false)
	case p.trig && t.kind == ttlWord && strings.EqualFold(t.text, "graph"):
		if err := p.advance(); err != nil {
			return err
		}
		label, err := p.graphLabel()
		if err != nil {
			return err
		}
		if !p.isPunct("{") {
			return p.errorf("expected '{' after GRAPH and its name, found %v", p.tok)
		}
		return p.openBlock(label)
	case p.trig && p.isPunct("{"):
		return p.openBlock(nil)
	}
	if p.trig {
		return p.trigTriplesOrGraph()
	}
	if err := p.triples(); err != nil {
		return err
	}
	return p.expect(".")
}

func (p *ttlReader) directive(at bool) error {
	kind := strings.ToLower(p.tok.text)
	if at {
		kind = string(p.tok.raw)
	}
	if err := p.advance(); err != nil {
		return err
	}
	if kind == "prefix" {
		if p.tok.kind != ttlPName || p.tok.raw[len(p.tok.raw)-1] != ':' {
			return p.errorf("expected a prefix name ending in ':', found %v", p.tok)
		}
		name, _ := p.tok.pname()
		if err := p.advance(); err != nil {
			return err
		}
		if p.tok.kind != ttlIRI {
			return p.errorf("expected an IRI for prefix %q, found %v", name, p.tok)
		}
		iri, err := p.resolve(p.tok.text)
		if err != nil {
			return err
		}
		p.prefixes[name] = iri
		clear(p.pnames) // the prefix may have been redefined
	} else {
		if p.tok.kind != ttlIRI {
			return p.errorf("expected an IRI after base, found %v", p.tok)
		}
		iri, err := p.resolve(p.tok.text)
		if err != nil {
			return err
		}
		p.base = iri
	}
	if err := p.advance(); err != nil {
		return err
	}
	if at {
		return p.expect(".")
	}
	return nil
}

// resolve makes an IRI absolute against the base. Without a base a relative IRI is an error:
// RDF has only absolute IRIs, and passing it on would produce exports no one can read.
func (p *ttlReader) resolve(s string) (string, error) {
	if hasScheme(s) && !strings.Contains(s, "/.") {
		return s, nil // the common case: nothing to resolve
	}
	if p.base == "" && !hasScheme(s) {
		return "", p.errorf("relative IRI <%s> and no base IRI to resolve it against (use @base or give the reader a base)", s)
	}
	return resolveIRI(p.base, s), nil
}

// graphLabel reads labelOrSubject: an IRI or a blank node (including []).
func (p *ttlReader) graphLabel() (quad.Value, error) {
	switch {
	case p.tok.kind == ttlIRI || p.tok.kind == ttlPName:
		return p.iriTerm()
	case p.tok.kind == ttlBlank:
		b := p.bnode.labelBytes(p.tok.raw)
		return b, p.advance()
	case p.isPunct("["):
		if err := p.advance(); err != nil {
			return nil, err
		}
		if !p.isPunct("]") {
			return nil, p.errorf("a graph name must be an IRI or a blank node")
		}
		return p.bnode.next(), p.advance()
	}
	return nil, p.errorf("expected a graph name, found %v", p.tok)
}

func (p *ttlReader) openBlock(label quad.Value) error {
	if err := p.advance(); err != nil { // the '{'
		return err
	}
	p.graph, p.inBlock = label, true
	return nil
}

// blockStep parses one triples statement inside a TriG block, or its closing brace.
func (p *ttlReader) blockStep() error {
	if p.isPunct("}") {
		p.graph, p.inBlock = nil, false
		return p.advance()
	}
	if p.tok.kind == ttlEOF {
		return p.errorf("graph block not closed with '}'")
	}
	if err := p.triples(); err != nil {
		return err
	}
	if p.isPunct("}") {
		return nil
	}
	return p.expect(".")
}

// trigTriplesOrGraph handles a TriG statement that starts with a term: either a graph name
// followed by a block, or the subject of triples in the default graph.
func (p *ttlReader) trigTriplesOrGraph() error {
	switch {
	case p.tok.kind == ttlIRI || p.tok.kind == ttlPName || p.tok.kind == ttlBlank:
		var s quad.Value
		var err error
		if p.tok.kind == ttlBlank {
			s = p.bnode.labelBytes(p.tok.raw)
			err = p.advance()
		} else {
			s, err = p.iriTerm()
		}
		if err != nil {
			return err
		}
		if p.isPunct("{") {
			return p.openBlock(s)
		}
		if err := p.predicateObjectList(s); err != nil {
			return err
		}
		return p.expect(".")
	case p.isPunct("["):
		if err := p.advance(); err != nil {
			return err
		}
		if p.isPunct("]") {
			if err := p.advance(); err != nil {
				return err
			}
			s := p.bnode.next()
			if p.isPunct("{") {
				return p.openBlock(s)
			}
			if err := p.predicateObjectList(s); err != nil {
				return err
			}
			return p.expect(".")
		}
		s, err := p.propertyListRest()
		if err != nil {
			return err
		}
		if !p.isPunct(".") {
			if err := p.predicateObjectList(s); err != nil {
				return err
			}
		}
		return p.expect(".")
	}
	if err := p.triples(); err != nil {
		return err
	}
	return p.expect(".")
}

// triples parses subject predicateObjectList | blankNodePropertyList predicateObjectList?
func (p *ttlReader) triples() error {
	if p.isPunct("[") {
		if err := p.advance(); err != nil {
			return err
		}
		var s quad.Value
		if p.isPunct("]") {
			if err := p.advance(); err != nil {
				return err
			}
			s = p.bnode.next()
			return p.predicateObjectList(s)
		}
		s, err := p.propertyListRest()
		if err != nil {
			return err
		}
		if p.isPunct(".") || p.isPunct("}") {
			return nil
		}
		return p.predicateObjectList(s)
	}
	var s quad.Value
	var err error
	switch {
	case p.tok.kind == ttlIRI || p.tok.kind == ttlPName:
		s, err = p.iriTerm()
	case p.tok.kind == ttlBlank:
		s = p.bnode.labelBytes(p.tok.raw)
		err = p.advance()
	case p.isPunct("("):
		s, err = p.collection()
	default:
		return p.errorf("expected a subject, found %v", p.tok)
	}
	if err != nil {
		return err
	}
	return p.predicateObjectList(s)
}

func (p *ttlReader) predicateObjectList(s quad.Value) error {
	for {
		var verb quad.Value
		var err error
		switch {
		case p.tok.kind == ttlWord && p.tok.text == "a":
			verb = quad.IRI(rdfType)
			err = p.advance()
		case p.tok.kind == ttlIRI || p.tok.kind == ttlPName:
			verb, err = p.iriTerm()
		default:
			return p.errorf("expected a predicate, found %v", p.tok)
		}
		if err != nil {
			return err
		}
		for {
			o, err := p.object()
			if err != nil {
				return err
			}
			p.emit(s, verb, o)
			if !p.isPunct(",") {
				break
			}
			if err := p.advance(); err != nil {
				return err
			}
		}
		if !p.isPunct(";") {
			return nil
		}
		for p.isPunct(";") {
			if err := p.advance(); err != nil {
				return err
			}
		}
		if !(p.tok.kind == ttlIRI || p.tok.kind == ttlPName || p.tok.kind == ttlWord && p.tok.text == "a") {
			return nil
		}
	}
}

func (p *ttlReader) iriTerm() (quad.Value, error) {
	var s string
	switch p.tok.kind {
	case ttlIRI:
		var err error
		if s, err = p.resolve(p.tok.text); err != nil {
			return nil, err
		}
	case ttlPName:
		if v, ok := p.pnames[string(p.tok.raw)]; ok {
			return v, p.advance()
		}
		prefix, local := p.tok.pname()
		ns, ok := p.prefixes[prefix]
		if !ok {
			return nil, p.errorf("undefined prefix %q", prefix+":")
		}
		v := quad.Value(quad.IRI(ns + local))
		if len(p.pnames) < 4096 {
			p.pnames[string(p.tok.raw)] = v
		}
		return v, p.advance()
	default:
		return nil, p.errorf("expected an IRI, found %v", p.tok)
	}
	return quad.IRI(s), p.advance()
}

func (p *ttlReader) object() (quad.Value, error) {
	t := p.tok
	switch {
	case t.kind == ttlIRI || t.kind == ttlPName:
		return p.iriTerm()
	case t.kind == ttlBlank:
		return p.bnode.labelBytes(t.raw), p.advance()
	case p.isPunct("["):
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.isPunct("]") {
			return p.bnode.next(), p.advance()
		}
		return p.propertyListRest()
	case p.isPunct("("):
		return p.collection()
	case t.kind == ttlString:
		if err := p.advance(); err != nil {
			return nil, err
		}
		switch p.tok.kind {
		case ttlAt:
			lang, ok := p.langs[string(p.tok.raw)]
			if !ok {
				if n := scanLangTag(p.tok.raw); n == 0 || n != len(p.tok.raw) {
					return nil, p.errorf("bad language tag %q", p.tok.raw)
				}
				lang = string(p.tok.raw)
				if len(p.langs) < 256 {
					p.langs[lang] = lang
				}
			}
			return quad.LangString{Value: quad.String(t.text), Lang: lang}, p.advance()
		case ttlHatHat:
			if err := p.advance(); err != nil {
				return nil, err
			}
			dt, err := p.iriTerm()
			if err != nil {
				return nil, err
			}
			return makeTyped(t.text, string(dt.(quad.IRI))), nil
		}
		return quad.String(t.text), nil
	case t.kind == ttlNumber:
		return quad.TypedString{Value: quad.String(t.text), Type: quad.IRI(t.local)}, p.advance()
	case t.kind == ttlWord && (t.text == "true" || t.text == "false"):
		return quad.TypedString{Value: quad.String(t.text), Type: xsdBoolean}, p.advance()
	}
	return nil, p.errorf("expected an object, found %v", p.tok)
}

// propertyListRest parses the inside of [ ... ] after the '[' and returns its blank node.
func (p *ttlReader) propertyListRest() (quad.Value, error) {
	if p.depth++; p.depth > ttlMaxDepth {
		return nil, p.errorf("nesting deeper than %d", ttlMaxDepth)
	}
	defer func() { p.depth-- }()
	b := p.bnode.next()
	if err := p.predicateObjectList(b); err != nil {
		return nil, err
	}
	if !p.isPunct("]") {
		return nil, p.errorf("expected ']', found %v", p.tok)
	}
	return b, p.advance()
}

// collection parses ( ... ) into an rdf:first/rdf:rest list and returns its head.
func (p *ttlReader) collection() (quad.Value, error) {
	if p.depth++; p.depth > ttlMaxDepth {
		return nil, p.errorf("nesting deeper than %d", ttlMaxDepth)
	}
	defer func() { p.depth-- }()
	if err := p.advance(); err != nil { // the '('
		return nil, err
	}
	var head, prev quad.Value
	for !p.isPunct(")") {
		if p.tok.kind == ttlEOF {
			return nil, p.errorf("collection not closed with ')'")
		}
		node := p.bnode.next()
		if prev == nil {
			head = node
		} else {
			p.emit(prev, quad.IRI(rdfRest), node)
		}
		o, err := p.object()
		if err != nil {
			return nil, err
		}
		p.emit(node, quad.IRI(rdfFirst), o)
		prev = node
	}
	if prev == nil {
		return quad.IRI(rdfNil), p.advance()
	}
	p.emit(prev, quad.IRI(rdfRest), quad.IRI(rdfNil))
	return head, p.advance()
}
