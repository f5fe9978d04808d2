package ingest

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// xmlScan is a streaming XML tokenizer for the parts that hold the cells — the worksheets and
// shared strings of .xlsx, the content.xml of .ods. encoding/xml was the first choice; it was
// measured at 2.5 s just to tokenize the 100 MB sheet of a 100,000-row workbook (RawToken, no
// decoding), which alone would cap the import at 40,000 rows per second, and it buffers a text
// node of any length (a 1 GiB cell is 1 GiB of memory before the caller sees it). This scanner
// does only what those parts need — start and end tags with their attributes, text with the five
// predefined entities and character references, CDATA; comments and processing instructions
// skipped — in a reused buffer, and refuses any token (a tag, or the text between two tags)
// longer than max bytes. It keeps no element stack, so depth costs nothing. Namespace prefixes
// are dropped: the parts use fixed namespaces, and producers differ only in prefixes ("x:c").
type xmlScan struct {
	r   io.Reader
	buf []byte
	pos int // start of unread data
	end int // end of data read
	eof bool
	max int

	// The current token.
	kind      tokKind
	tag       []byte // start or end tag: the bytes between '<' (or "</") and '>' (or "/>")
	name      []byte // local name of the tag
	selfClose bool
	raw       []byte // text: the bytes as written
	cdata     bool
}

type tokKind int

const (
	tokNone tokKind = iota
	tokStart
	tokEnd
	tokText
)

// errTokenTooLong is a tag or a text longer than the scanner's max: the caller turns it into a
// LimitError naming the cell.
var errTokenTooLong = errors.New("xml token too long")

// errXMLSyntax is XML the scanner cannot read.
type errXMLSyntax struct{ msg string }

func (e errXMLSyntax) Error() string { return "xml: " + e.msg }

func newXMLScan(r io.Reader, max int) *xmlScan {
	return &xmlScan{r: r, buf: make([]byte, 64<<10), max: max}
}

// fill reads more data, keeping buf[pos:end]. It reports false at the end of input.
func (s *xmlScan) fill() (bool, error) {
	if s.eof {
		return false, nil
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.pos, s.end = 0, n
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= s.max+1 {
			return false, errTokenTooLong
		}
		nb := make([]byte, min(2*len(s.buf), s.max+1))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err == io.EOF {
			s.eof = true
			return n > 0, nil
		}
		if err != nil {
			return n > 0, err
		}
		if n > 0 {
			return true, nil
		}
	}
}

// next reads the next token; io.EOF at the end of input.
func (s *xmlScan) next() error {
	for {
		if s.pos == s.end {
			ok, err := s.fill()
			if err != nil {
				return err
			}
			if !ok {
				return io.EOF
			}
		}
		if s.buf[s.pos] != '<' {
			return s.text()
		}
		done, err := s.markup()
		if err != nil || done {
			return err
		}
	}
}

// text reads the characters up to the next '<' (or the end of input).
func (s *xmlScan) text() error {
	scanned := 0
	for {
		if i := bytes.IndexByte(s.buf[s.pos+scanned:s.end], '<'); i >= 0 {
			s.setText(s.pos+scanned+i, false, 0)
			return nil
		}
		scanned = s.end - s.pos
		if scanned > s.max {
			return errTokenTooLong
		}
		ok, err := s.fill()
		if err != nil {
			return err
		}
		if !ok {
			s.setText(s.end, false, 0)
			return nil
		}
	}
}

func (s *xmlScan) setText(stop int, cdata bool, skip int) {
	s.kind, s.cdata = tokText, cdata
	s.raw = s.buf[s.pos:stop]
	s.pos = stop + skip
}

// need makes sure n bytes from pos are in the buffer, if the input has them.
func (s *xmlScan) need(n int) error {
	for s.end-s.pos < n {
		ok, err := s.fill()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
	}
	return nil
}

// markup reads a tag, or skips a comment or processing instruction (done = false).
func (s *xmlScan) markup() (done bool, err error) {
	if err := s.need(9); err != nil {
		return false, err
	}
	rest := s.buf[s.pos:s.end]
	switch {
	case bytes.HasPrefix(rest, []byte("<!--")):
		return false, s.skipTo("-->", 4)
	case bytes.HasPrefix(rest, []byte("<?")):
		return false, s.skipTo("?>", 2)
	case bytes.HasPrefix(rest, []byte("<![CDATA[")):
		s.pos += 9
		i, err := s.find("]]>")
		if err != nil {
			return false, err
		}
		s.setText(s.pos+i, true, 3)
		return true, nil
	case bytes.HasPrefix(rest, []byte("<!")):
		// A DOCTYPE could declare entities; no part of a workbook has one.
		return false, errXMLSyntax{"a document type declaration is not allowed"}
	}
	// A tag: find its '>' outside quoted attribute values.
	var quote byte
	i := 1
	for {
		for ; s.pos+i < s.end; i++ {
			c := s.buf[s.pos+i]
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				quote = c
			case c == '<':
				return false, errXMLSyntax{"'<' inside a tag"}
			case c == '>':
				s.setTag(i)
				return true, nil
			}
		}
		if i > s.max {
			return false, errTokenTooLong
		}
		ok, err := s.fill()
		if err != nil {
			return false, err
		}
		if !ok {
			return false, io.ErrUnexpectedEOF
		}
	}
}

// setTag takes the tag buf[pos:pos+gt+1].
func (s *xmlScan) setTag(gt int) {
	t := s.buf[s.pos+1 : s.pos+gt]
	s.pos += gt + 1
	s.kind, s.selfClose = tokStart, false
	if len(t) > 0 && t[0] == '/' {
		s.kind = tokEnd
		t = t[1:]
	} else if len(t) > 0 && t[len(t)-1] == '/' {
		s.selfClose = true
		t = t[:len(t)-1]
	}
	s.tag = t
	n := 0
	for n < len(t) && !isXMLSpace(t[n]) {
		n++
	}
	name := t[:n]
	if c := bytes.LastIndexByte(name, ':'); c >= 0 {
		name = name[c+1:]
	}
	s.name = name
}

// find returns the offset from pos of sep, reading as needed.
func (s *xmlScan) find(sep string) (int, error) {
	scanned := 0
	for {
		if i := bytes.Index(s.buf[s.pos+scanned:s.end], []byte(sep)); i >= 0 {
			return scanned + i, nil
		}
		scanned = max(0, s.end-s.pos-len(sep))
		if scanned > s.max {
			return 0, errTokenTooLong
		}
		ok, err := s.fill()
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, io.ErrUnexpectedEOF
		}
	}
}

func (s *xmlScan) skipTo(sep string, from int) error {
	s.pos += from
	i, err := s.find(sep)
	if err != nil {
		return err
	}
	s.pos += i + len(sep)
	return nil
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// is reports whether the current token is a start (or end) tag of the given local name.
func (s *xmlScan) is(kind tokKind, name string) bool {
	return s.kind == kind && string(s.name) == name
}

// eachAttr calls fn with the local name and the raw (undecoded) value of every attribute of the
// current tag.
func (s *xmlScan) eachAttr(fn func(name, value []byte)) {
	t := s.tag
	i := 0
	for i < len(t) && !isXMLSpace(t[i]) {
		i++
	}
	for i < len(t) {
		for i < len(t) && isXMLSpace(t[i]) {
			i++
		}
		start := i
		for i < len(t) && t[i] != '=' && !isXMLSpace(t[i]) {
			i++
		}
		name := t[start:i]
		for i < len(t) && (isXMLSpace(t[i]) || t[i] == '=') {
			i++
		}
		if i >= len(t) || (t[i] != '"' && t[i] != '\'') {
			return
		}
		q := t[i]
		i++
		vs := i
		for i < len(t) && t[i] != q {
			i++
		}
		value := t[vs:min(i, len(t))]
		i++
		if c := bytes.LastIndexByte(name, ':'); c >= 0 {
			name = name[c+1:]
		}
		if len(name) > 0 {
			fn(name, value)
		}
	}
}

// attr returns the decoded value of the attribute with the given local name.
func (s *xmlScan) attr(name string) (string, bool) {
	var out []byte
	found := false
	s.eachAttr(func(n, v []byte) {
		if !found && string(n) == name {
			found = true
			out = appendXMLText(nil, v, false)
		}
	})
	return string(out), found
}

// appendText appends the current text token, decoded.
func (s *xmlScan) appendText(dst []byte) []byte { return appendXMLText(dst, s.raw, s.cdata) }

// appendXMLText decodes entities and character references and normalises line ends, as an XML
// processor does. An unknown entity is kept as written.
func appendXMLText(dst, raw []byte, cdata bool) []byte {
	if !cdata && bytes.IndexByte(raw, '&') < 0 && bytes.IndexByte(raw, '\r') < 0 {
		return append(dst, raw...)
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '\r':
			dst = append(dst, '\n')
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
			continue
		case c != '&' || cdata:
			dst = append(dst, c)
			continue
		}
		semi := bytes.IndexByte(raw[i:min(len(raw), i+12)], ';')
		if semi < 0 {
			dst = append(dst, c)
			continue
		}
		ent := raw[i+1 : i+semi]
		switch string(ent) {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			r, ok := charRef(ent)
			if !ok {
				dst = append(dst, c)
				continue
			}
			dst = utf8.AppendRune(dst, r)
		}
		i += semi
	}
	return dst
}

func charRef(ent []byte) (rune, bool) {
	if len(ent) < 2 || ent[0] != '#' {
		return 0, false
	}
	var n uint64
	var err error
	if ent[1] == 'x' || ent[1] == 'X' {
		n, err = strconv.ParseUint(string(ent[2:]), 16, 32)
	} else {
		n, err = strconv.ParseUint(string(ent[1:]), 10, 32)
	}
	if err != nil || n > utf8.MaxRune {
		return 0, false
	}
	return rune(n), true
}

// discardText skips the rest of a text too long to keep (after next returned errTokenTooLong
// on it) without holding it, and reports how many bytes were skipped.
func (s *xmlScan) discardText() (int64, error) {
	var n int64
	for {
		if i := bytes.IndexByte(s.buf[s.pos:s.end], '<'); i >= 0 {
			n += int64(i)
			s.pos += i
			return n, nil
		}
		n += int64(s.end - s.pos)
		s.pos = s.end
		ok, err := s.fill()
		if err != nil {
			return n, err
		}
		if !ok {
			return n, nil
		}
	}
}
