package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// csvBook is a delimited text file: one sheet, named after the file. The encoding is detected
// (a UTF-8 or UTF-16 byte order mark; otherwise UTF-8 when every byte sequence is valid UTF-8,
// else Windows-1252, what Excel writes on Italian Windows for "CSV (delimitato dal separatore
// di elenco)"), and so is the delimiter (among , ; tab |, the one that splits the first records
// into the same number of fields). The parser is our own rather than encoding/csv, which
// holds a whole record in memory whatever its size (an unclosed quote makes the rest of the file
// one field): ours follows RFC 4180 (quoted fields, doubled quotes, line breaks inside quotes),
// tolerates what spreadsheets write (CRLF, a stray quote inside an unquoted field, text after a
// closing quote) and stops at MaxCellBytes and MaxColumns.
type csvBook struct {
	path  string
	file  string
	lim   Limits
	enc   string // utf-8, utf-8-bom, utf-16le, utf-16be, windows-1252
	delim byte
}

const csvSample = 64 << 10

func openCSV(name string, lim Limits) (*Workbook, error) {
	base := filepath.Base(name)
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := &csvBook{path: name, file: base, lim: lim}
	head := make([]byte, csvSample)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		b.enc = "utf-8-bom"
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		b.enc = "utf-16le"
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		b.enc = "utf-16be"
	default:
		if binaryText(head) {
			return nil, &DamagedError{File: base, What: "non è un file di testo CSV: contiene dati binari (file danneggiato o di altro formato?)"}
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		utf, err := validUTF8(f)
		if err != nil {
			return nil, err
		}
		b.enc = "utf-8"
		if !utf {
			b.enc = "windows-1252"
		}
	}
	// The delimiter comes from the decoded start of the file.
	rc, err := b.open()
	if err != nil {
		return nil, err
	}
	sample := make([]byte, csvSample)
	n, err = io.ReadFull(rc, sample)
	rc.Close()
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, &DamagedError{File: base, What: "il file CSV non si decodifica come " + b.enc, Err: err}
	}
	sample = sample[:n]
	if b.enc != "utf-8" && b.enc != "windows-1252" && binaryText(sample) {
		return nil, &DamagedError{File: base, What: "non è un file di testo CSV: contiene dati binari"}
	}
	b.delim = detectDelimiter(sample, n == csvSample)
	sheet := strings.TrimSuffix(base, filepath.Ext(base))
	return &Workbook{Format: FormatCSV, src: b, sheets: []string{sheet},
		Detail: fmt.Sprintf("CSV, codifica %s, separatore %s", b.enc, delimName(b.delim))}, nil
}

func delimName(d byte) string {
	switch d {
	case '\t':
		return "tabulazione"
	}
	return fmt.Sprintf("%q", string(d))
}

// binaryText reports whether a sample is not text: a NUL byte, or more than one control
// character in a hundred (tabs, line ends and form feeds aside).
func binaryText(b []byte) bool {
	ctl := 0
	for _, c := range b {
		switch {
		case c == 0:
			return true
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f':
			ctl++
		}
	}
	return ctl*100 > len(b)
}

// validUTF8 reads a file to its end and reports whether it is all valid UTF-8.
func validUTF8(r io.Reader) (bool, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	buf := make([]byte, 1<<16)
	carry := 0
	for {
		n, err := br.Read(buf[carry:])
		n += carry
		chunk := buf[:n]
		// Keep an incomplete sequence at the end for the next round.
		cut := n
		for i := n - 1; i >= 0 && i >= n-3; i-- {
			if utf8.RuneStart(chunk[i]) {
				if !utf8.FullRune(chunk[i:n]) {
					cut = i
				}
				break
			}
		}
		if err == io.EOF {
			return utf8.Valid(chunk), nil
		}
		if err != nil {
			return false, err
		}
		if !utf8.Valid(chunk[:cut]) {
			return false, nil
		}
		carry = copy(buf, chunk[cut:])
	}
}

// open returns the file's text as UTF-8.
func (b *csvBook) open() (io.ReadCloser, error) {
	f, err := os.Open(b.path)
	if err != nil {
		return nil, err
	}
	var dec *encoding.Decoder
	switch b.enc {
	case "utf-8-bom":
		if _, err := f.Seek(3, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
	case "utf-16le":
		dec = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
	case "utf-16be":
		dec = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
	case "windows-1252":
		dec = charmap.Windows1252.NewDecoder()
	}
	if dec == nil {
		return f, nil
	}
	return struct {
		io.Reader
		io.Closer
	}{dec.Reader(f), f}, nil
}

func (b *csvBook) close() error { return nil }

func (b *csvBook) rows(sheet string) (*RowIter, error) {
	rc, err := b.open()
	if err != nil {
		return nil, err
	}
	p := newCSVParser(rc, b.delim, b.lim)
	it := &RowIter{close: rc.Close}
	it.next = func() (Row, bool, error) {
		fields, err := p.record()
		if err == io.EOF {
			return Row{}, false, nil
		}
		if err != nil {
			return Row{}, false, b.fail(sheet, p, err)
		}
		r := Row{Num: p.rec}
		if len(fields) > 1 || len(fields) == 1 && fields[0] != "" {
			r.Cells = make([]Cell, len(fields))
			for i, f := range fields {
				r.Cells[i] = Cell{Value: f, Raw: f}
			}
		}
		return r, true, nil
	}
	return it, nil
}

func (b *csvBook) fail(sheet string, p *csvParser, err error) error {
	switch {
	case errors.Is(err, errCSVCell):
		return cellTooLarge(b.file, sheet, p.rec, p.field, -1, b.lim)
	case errors.Is(err, errCSVColumns):
		return columnTooFar(b.file, sheet, p.rec, p.field, b.lim)
	case errors.Is(err, errCSVQuote):
		return &DamagedError{File: b.file, Sheet: sheet, Row: p.rec, What: fmt.Sprintf("virgolette aperte alla riga %d (riga %d del file) e mai chiuse: il file è troncato o il campo va corretto", p.rec, p.quoteLine)}
	}
	return &DamagedError{File: b.file, Sheet: sheet, Row: p.rec, What: "il file CSV non si legge come " + b.enc, Err: err}
}

var (
	errCSVCell    = errors.New("csv field too long")
	errCSVColumns = errors.New("csv record too wide")
	errCSVQuote   = errors.New("csv quote never closed")
)

// csvParser reads records of RFC 4180 delimited text.
type csvParser struct {
	r         *bufio.Reader
	delim     byte
	maxCell   int
	maxCols   int
	rec       int // number of the record being read, from 1
	line      int // physical line of the file, from 1
	field     int // index of the field being read
	quoteLine int // line where an open quote started
	buf       []byte
	fields    []string
}

func newCSVParser(r io.Reader, delim byte, lim Limits) *csvParser {
	return &csvParser{r: bufio.NewReaderSize(r, 1<<16), delim: delim, maxCell: lim.MaxCellBytes, maxCols: lim.MaxColumns, line: 1}
}

// record reads the next record; io.EOF after the last one. A blank line is a record with one
// empty field, so record numbers stay the line numbers a spreadsheet shows.
func (p *csvParser) record() ([]string, error) {
	p.fields = p.fields[:0]
	p.field = 0
	p.rec++
	for {
		p.buf = p.buf[:0]
		end, err := p.readField()
		if err != nil {
			if err == io.EOF && p.field == 0 && len(p.buf) == 0 {
				return nil, io.EOF
			}
			if err != io.EOF {
				return nil, err
			}
			end = '\n'
		}
		if p.field < p.maxCols {
			p.fields = append(p.fields, string(p.buf))
		} else if len(bytes.TrimSpace(p.buf)) > 0 {
			return nil, errCSVColumns
		}
		if end == '\n' {
			return p.fields, nil
		}
		p.field++
	}
}

// readField reads one field into p.buf and returns what ended it: the delimiter or '\n'.
func (p *csvParser) readField() (byte, error) {
	c, err := p.r.ReadByte()
	if err != nil {
		return 0, err
	}
	if c == '"' {
		return p.quotedField()
	}
	for {
		switch c {
		case p.delim:
			return c, nil
		case '\n':
			p.line++
			p.trimCR()
			return '\n', nil
		}
		if err := p.add(c); err != nil {
			return 0, err
		}
		if c, err = p.r.ReadByte(); err != nil {
			p.trimCR()
			return 0, err
		}
	}
}

func (p *csvParser) trimCR() {
	if n := len(p.buf); n > 0 && p.buf[n-1] == '\r' {
		p.buf = p.buf[:n-1]
	}
}

func (p *csvParser) add(c byte) error {
	if len(p.buf) >= p.maxCell {
		return errCSVCell
	}
	p.buf = append(p.buf, c)
	return nil
}

// quotedField reads a field that starts with a quote: up to the closing quote (a doubled quote
// is one quote; delimiters and line breaks are text), then anything up to the delimiter is kept
// as written.
func (p *csvParser) quotedField() (byte, error) {
	p.quoteLine = p.line
	for {
		c, err := p.r.ReadByte()
		if err != nil {
			if err == io.EOF {
				return 0, errCSVQuote
			}
			return 0, err
		}
		if c == '\n' {
			p.line++
		}
		if c != '"' {
			if err := p.add(c); err != nil {
				return 0, err
			}
			continue
		}
		next, err := p.r.ReadByte()
		if err != nil {
			return 0, err // io.EOF: the record ends with the field
		}
		if next == '"' {
			if err := p.add('"'); err != nil {
				return 0, err
			}
			continue
		}
		// The closing quote: the field ends at the delimiter or line end.
		for {
			switch next {
			case p.delim:
				return next, nil
			case '\n':
				p.line++
				return '\n', nil
			case '\r':
			default:
				if err := p.add(next); err != nil {
					return 0, err
				}
			}
			if next, err = p.r.ReadByte(); err != nil {
				return 0, err
			}
		}
	}
}

// detectDelimiter picks, among , ; tab |, the delimiter that splits the sample's records into
// the same number of fields most often (and into more than one). A sample cut short drops its
// last, probably partial, record. One column is read with ",".
func detectDelimiter(sample []byte, cut bool) byte {
	best, bestScore := byte(','), 0.0
	for _, d := range []byte{';', ',', '\t', '|'} {
		p := newCSVParser(bytes.NewReader(sample), d, Limits{MaxCellBytes: len(sample) + 1, MaxColumns: 10_000})
		var counts []int
		for len(counts) < 100 {
			f, err := p.record()
			if err != nil {
				break
			}
			if len(f) == 1 && f[0] == "" {
				continue // blank line
			}
			counts = append(counts, len(f))
		}
		if cut && len(counts) > 1 {
			counts = counts[:len(counts)-1]
		}
		freq := map[int]int{}
		mode := 0
		for _, n := range counts {
			freq[n]++
			if freq[n] > freq[mode] || freq[n] == freq[mode] && n > mode {
				mode = n
			}
		}
		if mode < 2 {
			continue
		}
		// Consistency matters most; among equally consistent delimiters, more fields wins
		// (a title line above the table has one field whatever the delimiter).
		score := float64(freq[mode])/float64(len(counts))*10 + float64(min(mode, 50))/50
		if score > bestScore {
			best, bestScore = d, score
		}
	}
	return best
}
