package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shakinm/xlsReader/xls"
)

// xlsBook is a legacy BIFF8 workbook read by github.com/shakinm/xlsReader. BIFF keeps a sheet
// in one record stream, and the format caps it at 65,536 rows, so the reader holds one sheet at
// a time; merged ranges and hyperlinks are not decoded by the library, so header detection falls
// back on the layout of the header rows alone.
type xlsBook struct {
	wb    xls.Workbook
	names []string
	file  string
}

func openXLS(name string, lim Limits) (w *Workbook, err error) {
	base := filepath.Base(name)
	defer func() {
		// The library indexes records without bounds checks: a damaged file must be an error,
		// not a crash.
		if r := recover(); r != nil {
			w, err = nil, &DamagedError{File: base, What: "file .xls danneggiato", Err: fmt.Errorf("%v", r)}
		}
	}()
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	// BIFF8 caps a workbook far below this; a larger file is not a legacy workbook.
	if fi.Size() > min(lim.MaxUncompressed, 512<<20) {
		return nil, &LimitError{File: base, What: fmt.Sprintf("file .xls di %s: il limite è %s", size(fi.Size()), size(min(lim.MaxUncompressed, 512<<20)))}
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	// The library follows sector chains without checking for cycles: a damaged file would
	// loop for ever. A legitimate file reads each sector a few times at most.
	r := &budgetReader{Reader: bytes.NewReader(data), left: 16*int64(len(data)) + 1<<22}
	wb, err := xls.OpenReader(r)
	if err != nil {
		return nil, &DamagedError{File: base, What: "file .xls danneggiato: la cartella di lavoro non si legge", Err: err}
	}
	b := &xlsBook{wb: wb, file: base}
	n := wb.GetNumberSheets()
	if n > lim.MaxSheets {
		return nil, &LimitError{File: base, What: fmt.Sprintf("il file ha %d fogli: il limite è %d", n, lim.MaxSheets)}
	}
	for i := 0; i < n; i++ {
		s, err := wb.GetSheet(i)
		if err != nil {
			return nil, &DamagedError{File: base, What: fmt.Sprintf("file .xls danneggiato: il foglio %d non si legge", i+1), Err: err}
		}
		b.names = append(b.names, latin1(s.GetName()))
	}
	if len(b.names) == 0 {
		// What a damaged file looks like to the library: a compound file whose workbook stream
		// lists no sheet. An empty success would hide it.
		return nil, &DamagedError{File: base, What: "file .xls danneggiato: la cartella di lavoro non contiene alcun foglio leggibile"}
	}
	return &Workbook{Format: FormatXLS, src: b, sheets: b.names}, nil
}

func (b *xlsBook) close() error { return nil }

// budgetReader fails once more than left bytes have been read.
type budgetReader struct {
	*bytes.Reader
	left int64
}

func (r *budgetReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, errors.New("damaged file: its sector chains loop")
	}
	n, err := r.Reader.Read(p)
	r.left -= int64(n)
	return n, err
}

func (b *xlsBook) rows(sheet string) (it *RowIter, err error) {
	defer func() {
		if r := recover(); r != nil {
			it, err = nil, &DamagedError{File: b.file, Sheet: sheet, What: "file .xls danneggiato: il foglio non si legge", Err: fmt.Errorf("%v", r)}
		}
	}()
	idx := -1
	for i, n := range b.names {
		if n == sheet {
			idx = i
		}
	}
	if idx < 0 {
		return nil, &DamagedError{File: b.file, Sheet: sheet, What: "foglio inesistente"}
	}
	s, err := b.wb.GetSheet(idx)
	if err != nil {
		return nil, &DamagedError{File: b.file, Sheet: sheet, What: "file .xls danneggiato: il foglio non si legge", Err: err}
	}
	n := s.GetNumberRows()
	i := 0
	it = &RowIter{close: func() error { return nil }}
	it.next = func() (r Row, ok bool, err error) {
		defer func() {
			if p := recover(); p != nil {
				err = &DamagedError{File: b.file, Sheet: sheet, Row: i, What: "file .xls danneggiato: la riga non si legge", Err: fmt.Errorf("%v", p)}
			}
		}()
		if i >= n {
			return Row{}, false, nil
		}
		row, err := s.GetRow(i)
		i++
		if err != nil {
			return Row{}, false, &DamagedError{File: b.file, Sheet: sheet, Row: i, What: "file .xls danneggiato: la riga non si legge", Err: err}
		}
		r = Row{Num: i}
		for _, c := range row.GetCols() {
			r.Cells = append(r.Cells, b.cell(c))
		}
		return r, true, nil
	}
	return it, nil
}

func (b *xlsBook) cell(c interface {
	GetString() string
	GetFloat64() float64
	GetXFIndex() int
	GetType() string
}) Cell {
	switch c.GetType() {
	case "*record.Number", "*record.Rk":
		v := c.GetFloat64()
		raw := strconv.FormatFloat(v, 'f', -1, 64)
		cell := Cell{Value: raw, Raw: raw, Number: true}
		if b.isDate(c.GetXFIndex()) {
			cell.DateFormat = true
			if t, err := excelSerial(v, false); err == nil {
				cell.Value = t.Format("02/01/2006")
			}
		}
		return cell
	case "*record.Blank", "*record.FakeBlank":
		return Cell{}
	}
	s := latin1(c.GetString())
	return Cell{Value: s, Raw: s}
}

// latin1 repairs the strings BIFF8 stores "compressed" (one byte per character, ISO 8859-1):
// the library returns their bytes as they are, which is not UTF-8 as soon as an accented
// letter appears.
func latin1(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

func (b *xlsBook) isDate(xf int) (date bool) {
	defer func() {
		if recover() != nil {
			date = false
		}
	}()
	x := b.wb.GetXFbyIndex(xf)
	f := x.GetFormatIndex()
	switch {
	case f >= 14 && f <= 22, f >= 45 && f <= 47, f >= 27 && f <= 36, f >= 50 && f <= 58:
		return true
	case f < 164:
		return false
	}
	format := b.wb.GetFormatByIndex(f)
	return isDateFormatCode(format.String())
}

// isDateFormatCode reports whether a custom number format shows a date: it has day, month or
// year letters outside quoted text and bracketed colour or locale codes.
func isDateFormatCode(code string) bool {
	s := strings.ToLower(stripFormatLiterals(code))
	return strings.ContainsAny(s, "dy") || strings.Contains(s, "mmm") || (strings.Contains(s, "m") && !strings.ContainsAny(s, "0#"))
}

// stripFormatLiterals drops the quoted text, bracketed codes and escaped characters of a
// number format, leaving its placeholders.
func stripFormatLiterals(code string) string {
	var b strings.Builder
	inQuote, inBracket := false, false
	for i := 0; i < len(code); i++ {
		ch := code[i]
		switch {
		case ch == '"':
			inQuote = !inQuote
		case inQuote:
		case ch == '[':
			inBracket = true
		case ch == ']':
			inBracket = false
		case inBracket:
		case ch == '\\':
			i++
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}
