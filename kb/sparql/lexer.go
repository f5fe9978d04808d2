package sparql

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF    tokKind = iota
	tIRI            // <...> (text: the IRI, unresolved)
	tPName          // prefix:local (text: prefix, local in tok.local)
	tBlank          // _:label
	tVar            // ?x or $x (text: name)
	tString         // text: value after escapes
	tLang           // @en (text: tag)
	tInteger
	tDecimal
	tDouble
	tKeyword // text upper-cased
	tPunct   // text: the punctuation
)

type token struct {
	kind  tokKind
	text  string
	local string
	pos   int // byte offset
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of query"
	case tIRI:
		return "<" + t.text + ">"
	case tPName:
		return t.text + ":" + t.local
	case tVar:
		return "?" + t.text
	case tString:
		return strconv.Quote(t.text)
	case tBlank:
		return "_:" + t.text
	case tLang:
		return "@" + t.text
	}
	return t.text
}

type lexer struct {
	src string
	pos int
}

func isVarChar(r rune, first bool) bool {
	if r == '_' || unicode.IsLetter(r) || (r >= 0xB7 && isPNCharsBase(r)) {
		return true
	}
	if first {
		return r >= '0' && r <= '9'
	}
	return r >= '0' && r <= '9' || r == 0xB7 || (r >= 0x300 && r <= 0x36F) || (r >= 0x203F && r <= 0x2040)
}

func isPNCharsBase(r rune) bool {
	return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= 0xC0 && r <= 0xD6 || r >= 0xD8 && r <= 0xF6 ||
		r >= 0xF8 && r <= 0x2FF || r >= 0x370 && r <= 0x37D || r >= 0x37F && r <= 0x1FFF ||
		r >= 0x200C && r <= 0x200D || r >= 0x2070 && r <= 0x218F || r >= 0x2C00 && r <= 0x2FEF ||
		r >= 0x3001 && r <= 0xD7FF || r >= 0xF900 && r <= 0xFDCF || r >= 0xFDF0 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0xEFFFF
}

func isPNCharsU(r rune) bool { return r == '_' || isPNCharsBase(r) }

func isPNChars(r rune) bool {
	return isPNCharsU(r) || r == '-' || r >= '0' && r <= '9' || r == 0xB7 || r >= 0x300 && r <= 0x36F || r >= 0x203F && r <= 0x2040
}

func (l *lexer) errorf(pos int, format string, args ...any) error {
	line, col := lineCol(l.src, pos)
	return &Error{Kind: ErrSyntax, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

func lineCol(src string, pos int) (int, int) {
	if pos > len(src) {
		pos = len(src)
	}
	line := 1 + strings.Count(src[:pos], "\n")
	col := pos - strings.LastIndex(src[:pos], "\n")
	return line, col
}

func (l *lexer) peekRune(off int) rune {
	if l.pos+off >= len(l.src) {
		return -1
	}
	r, _ := utf8.DecodeRuneInString(l.src[l.pos+off:])
	return r
}

func (l *lexer) skipSpace() {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			l.pos++
		case c == '#':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
		default:
			return
		}
	}
}

// next returns the next token.
func (l *lexer) next() (token, error) {
	l.skipSpace()
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tEOF, pos: start}, nil
	}
	c := l.src[l.pos]
	switch {
	case c == '<':
		if t, ok, err := l.iriRef(); ok || err != nil {
			return t, err
		}
		if strings.HasPrefix(l.src[l.pos:], "<=") {
			l.pos += 2
			return token{kind: tPunct, text: "<=", pos: start}, nil
		}
		l.pos++
		return token{kind: tPunct, text: "<", pos: start}, nil
	case c == '?' || c == '$':
		r, n := utf8.DecodeRuneInString(l.src[l.pos+1:])
		if l.pos+1 < len(l.src) && isVarChar(r, true) {
			l.pos += 1 + n
			for l.pos < len(l.src) {
				r, n := utf8.DecodeRuneInString(l.src[l.pos:])
				if !isVarChar(r, false) {
					break
				}
				l.pos += n
			}
			return token{kind: tVar, text: l.src[start+1 : l.pos], pos: start}, nil
		}
		if c == '$' {
			return token{}, l.errorf(start, "'$' without a variable name")
		}
		l.pos++
		return token{kind: tPunct, text: "?", pos: start}, nil
	case c == '"' || c == '\'':
		return l.stringLit()
	case c == '@':
		l.pos++
		s := l.pos
		for l.pos < len(l.src) && (isAlpha(l.src[l.pos]) || (l.pos > s && (l.src[l.pos] == '-' || isDigit(l.src[l.pos])))) {
			l.pos++
		}
		if l.pos == s {
			return token{}, l.errorf(start, "'@' without a language tag")
		}
		return token{kind: tLang, text: l.src[s:l.pos], pos: start}, nil
	case isDigit(c) || (c == '.' && l.pos+1 < len(l.src) && isDigit(l.src[l.pos+1])):
		return l.number()
	case c == '_' && l.pos+1 < len(l.src) && l.src[l.pos+1] == ':':
		l.pos += 2
		s := l.pos
		r, n := utf8.DecodeRuneInString(l.src[l.pos:])
		if !(isPNCharsU(r) || isDigit(byte(r)) && r < 128) {
			return token{}, l.errorf(start, "bad blank node label")
		}
		l.pos += n
		l.scanNameRest(false)
		return token{kind: tBlank, text: l.src[s:l.pos], pos: start}, nil
	}
	// prefixed names and keywords
	r, _ := utf8.DecodeRuneInString(l.src[l.pos:])
	if c == ':' || isPNCharsBase(r) {
		return l.nameOrKeyword()
	}
	for _, p := range []string{"^^", "&&", "||", "!=", ">=", "<="} {
		if strings.HasPrefix(l.src[l.pos:], p) {
			l.pos += len(p)
			return token{kind: tPunct, text: p, pos: start}, nil
		}
	}
	if strings.ContainsRune("{}()[].,;^|/*+?!=<>-", rune(c)) {
		l.pos++
		return token{kind: tPunct, text: string(c), pos: start}, nil
	}
	return token{}, l.errorf(start, "unexpected character %q", r)
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// scanNameRest consumes PN_CHARS and '.' (not as the last character); with local, also ':'
// and the PLX escapes of PN_LOCAL.
func (l *lexer) scanNameRest(local bool) {
	for l.pos < len(l.src) {
		r, n := utf8.DecodeRuneInString(l.src[l.pos:])
		switch {
		case isPNChars(r) || (local && r == ':'):
			l.pos += n
		case r == '.':
			// a dot is part of the name only if a name character follows
			j := l.pos
			for j < len(l.src) && l.src[j] == '.' {
				j++
			}
			r2, _ := utf8.DecodeRuneInString(l.src[j:])
			if j < len(l.src) && (isPNChars(r2) || (local && (r2 == ':' || r2 == '%' || r2 == '\\'))) {
				l.pos = j
				continue
			}
			return
		case local && r == '%':
			if l.pos+2 < len(l.src) && isHex(l.src[l.pos+1]) && isHex(l.src[l.pos+2]) {
				l.pos += 3
				continue
			}
			return
		case local && r == '\\':
			if l.pos+1 < len(l.src) && strings.IndexByte("_~.-!$&'()*+,;=/?#@%", l.src[l.pos+1]) >= 0 {
				l.pos += 2
				continue
			}
			return
		default:
			return
		}
	}
}

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func (l *lexer) nameOrKeyword() (token, error) {
	start := l.pos
	if l.src[l.pos] != ':' {
		l.pos += utf8.RuneLen(l.peekRune(0))
		l.scanNameRest(false)
	}
	if l.pos < len(l.src) && l.src[l.pos] == ':' {
		prefix := l.src[start:l.pos]
		if prefix != "" {
			if r, _ := utf8.DecodeRuneInString(prefix); !isPNCharsBase(r) || strings.HasSuffix(prefix, ".") {
				return token{}, l.errorf(start, "bad prefix %q", prefix)
			}
		}
		l.pos++
		s := l.pos
		if l.pos < len(l.src) {
			r, n := utf8.DecodeRuneInString(l.src[l.pos:])
			switch {
			case isPNCharsU(r) || r == ':' || isDigit(byte(r)) && r < 128:
				l.pos += n
				l.scanNameRest(true)
			case r == '%' || r == '\\':
				l.scanNameRest(true)
			}
		}
		raw := l.src[s:l.pos]
		local, err := unescapeLocal(raw)
		if err != nil {
			return token{}, l.errorf(s, "%v", err)
		}
		return token{kind: tPName, text: prefix, local: local, pos: start}, nil
	}
	word := l.src[start:l.pos]
	for i := 0; i < len(word); i++ {
		if !(isAlpha(word[i]) || isDigit(word[i]) || word[i] == '_') {
			return token{}, l.errorf(start, "unexpected word %q", word)
		}
	}
	if word == "a" {
		return token{kind: tKeyword, text: "a", pos: start}, nil
	}
	return token{kind: tKeyword, text: strings.ToUpper(word), pos: start}, nil
}

func unescapeLocal(s string) (string, error) {
	if !strings.Contains(s, "\\") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String(), nil
}

func (l *lexer) iriRef() (token, bool, error) {
	start := l.pos
	i := l.pos + 1
	var b strings.Builder
	for i < len(l.src) {
		c := l.src[i]
		switch {
		case c == '>':
			l.pos = i + 1
			return token{kind: tIRI, text: b.String(), pos: start}, true, nil
		case c == '\\':
			r, n, err := unicodeEscape(l.src[i:])
			if err != nil {
				return token{}, false, l.errorf(i, "%v", err)
			}
			if r <= 0x20 || strings.ContainsRune("<>\"{}|^`\\", r) {
				return token{}, false, l.errorf(i, "character %q not allowed in an IRI", r)
			}
			b.WriteRune(r)
			i += n
		case c <= 0x20 || strings.IndexByte("<\"{}|^`", c) >= 0:
			return token{}, false, nil
		default:
			b.WriteByte(c)
			i++
		}
	}
	return token{}, false, nil
}

// unicodeEscape decodes \uXXXX or \UXXXXXXXX at the start of s.
func unicodeEscape(s string) (rune, int, error) {
	if len(s) < 2 {
		return 0, 0, fmt.Errorf("bad escape")
	}
	n := 0
	switch s[1] {
	case 'u':
		n = 4
	case 'U':
		n = 8
	default:
		return 0, 0, fmt.Errorf("bad escape \\%c", s[1])
	}
	if len(s) < 2+n {
		return 0, 0, fmt.Errorf("short \\%c escape", s[1])
	}
	v, err := strconv.ParseUint(s[2:2+n], 16, 32)
	if err != nil || v > unicode.MaxRune || (v >= 0xD800 && v <= 0xDFFF) {
		return 0, 0, fmt.Errorf("bad \\%c escape", s[1])
	}
	return rune(v), 2 + n, nil
}

func (l *lexer) stringLit() (token, error) {
	start := l.pos
	q := l.src[l.pos]
	long := strings.HasPrefix(l.src[l.pos:], strings.Repeat(string(q), 3))
	if long {
		l.pos += 3
	} else {
		l.pos++
	}
	var b strings.Builder
	for {
		if l.pos >= len(l.src) {
			return token{}, l.errorf(start, "unterminated string")
		}
		c := l.src[l.pos]
		switch {
		case c == q && !long:
			l.pos++
			return token{kind: tString, text: b.String(), pos: start}, nil
		case c == q && long && strings.HasPrefix(l.src[l.pos:], strings.Repeat(string(q), 3)):
			// up to two more quotes may belong to the content: """a"""" is a" (the last three close)
			j := l.pos
			for j < len(l.src) && l.src[j] == q {
				j++
			}
			b.WriteString(l.src[l.pos : j-3])
			l.pos = j
			return token{kind: tString, text: b.String(), pos: start}, nil
		case (c == '\n' || c == '\r') && !long:
			return token{}, l.errorf(l.pos, "line break in a short string")
		case c == '\\':
			if l.pos+1 >= len(l.src) {
				return token{}, l.errorf(l.pos, "unterminated escape")
			}
			e := l.src[l.pos+1]
			if r, ok := map[byte]rune{'t': '\t', 'b': '\b', 'n': '\n', 'r': '\r', 'f': '\f', '"': '"', '\'': '\'', '\\': '\\'}[e]; ok {
				b.WriteRune(r)
				l.pos += 2
				continue
			}
			r, n, err := unicodeEscape(l.src[l.pos:])
			if err != nil {
				return token{}, l.errorf(l.pos, "%v", err)
			}
			b.WriteRune(r)
			l.pos += n
		default:
			b.WriteByte(c)
			l.pos++
		}
	}
}

func (l *lexer) number() (token, error) {
	start := l.pos
	for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
		l.pos++
	}
	kind := tInteger
	if l.pos < len(l.src) && l.src[l.pos] == '.' && (l.pos+1 < len(l.src) && (isDigit(l.src[l.pos+1]) || l.src[l.pos+1] == 'e' || l.src[l.pos+1] == 'E')) {
		kind = tDecimal
		l.pos++
		for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
			l.pos++
		}
	}
	if l.pos < len(l.src) && (l.src[l.pos] == 'e' || l.src[l.pos] == 'E') {
		j := l.pos + 1
		if j < len(l.src) && (l.src[j] == '+' || l.src[j] == '-') {
			j++
		}
		if j < len(l.src) && isDigit(l.src[j]) {
			for j < len(l.src) && isDigit(l.src[j]) {
				j++
			}
			l.pos = j
			kind = tDouble
		}
	}
	return token{kind: kind, text: l.src[start:l.pos], pos: start}, nil
}
