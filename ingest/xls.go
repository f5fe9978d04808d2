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
}

func openXLS(name string) (w *Workbook, err error) {
	defer func() {
		// The library indexes records without bounds checks: a damaged file must be an error,
		// not a crash.
		if r := recover(); r != nil {
			w, err = nil, fmt.Errorf("%s: damaged .xls file (%v)", name, r)
		}
	}()
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	// The library follows sector chains without checking for cycles: a damaged file would
	// loop for ever. A legitimate file reads each sector a few times at most.
	r := &budgetReader{Reader: bytes.NewReader(data), left: 16*int64(len(data)) + 1<<22}
	wb, err := xls.OpenReader(r)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read the .xls workbook: %w", name, err)
	}
	b := &xlsBook{wb: wb}
	for i := 0; i < wb.GetNumberSheets(); i++ {
		s, err := wb.GetSheet(i)
		if err != nil {
			return nil, fmt.Errorf("%s: sheet %d: %w", name, i+1, err)
		}
		b.names = append(b.names, s.GetName())
	}
	return &Workbook{Name: filepath.Base(name), xls: b, sheets: b.names}, nil
}

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
			it, err = nil, fmt.Errorf("sheet %q: damaged .xls sheet (%v)", sheet, r)
		}
	}()
	idx := -1
	for i, n := range b.names {
		if n == sheet {
			idx = i
		}
	}
	if idx < 0 {
		return nil, fmt.Errorf("sheet %q not found", sheet)
	}
	s, err := b.wb.GetSheet(idx)
	if err != nil {
		return nil, err
	}
	n := s.GetNumberRows()
	i := 0
	it = &RowIter{close: func() error { return nil }}
	it.next = func() (r Row, ok bool, err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("sheet %q, row %d: damaged .xls record (%v)", sheet, i, p)
			}
		}()
		if i >= n {
			return Row{}, false, nil
		}
		row, err := s.GetRow(i)
		i++
		if err != nil {
			return Row{}, false, err
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
	s := strings.ToLower(b.String())
	return strings.ContainsAny(s, "dy") || strings.Contains(s, "mmm") || (strings.Contains(s, "m") && !strings.ContainsAny(s, "0#"))
}
