package ingest

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Cell is one cell as the importer sees it.
type Cell struct {
	Value      string // the text the spreadsheet shows (dates as dd/mm/yyyy)
	Raw        string // the stored value: a number's digits, a string's text
	Number     bool   // Raw is a number (possibly a date serial)
	DateFormat bool   // the number is shown as a date or time
	Link       string // the cell's hyperlink, if any
}

// Row is one worksheet row; Num counts from 1 as the spreadsheet does. Readers return the rows
// the file holds; rows it skips (empty ones) leave a gap in Num.
type Row struct {
	Num   int
	Cells []Cell
}

func (r Row) cell(col int) Cell {
	if col < 0 || col >= len(r.Cells) {
		return Cell{}
	}
	return r.Cells[col]
}

func (r Row) empty() bool {
	for _, c := range r.Cells {
		if strings.TrimSpace(c.Value) != "" {
			return false
		}
	}
	return true
}

// Merge is a merged range, 1-based and inclusive.
type Merge struct{ Top, Left, Bottom, Right int }

// Format is the kind of file a workbook was read from.
type Format string

const (
	FormatXLSX Format = "xlsx"
	FormatXLS  Format = "xls"
	FormatODS  Format = "ods"
	FormatCSV  Format = "csv"
)

// Workbook is an open spreadsheet file: .xlsx, .xls, .ods or .csv.
type Workbook struct {
	Name     string // file name, for messages
	Format   Format
	Detail   string // how the file was read, for the user (a CSV's encoding and delimiter)
	date1904 bool
	sheets   []string
	lim      Limits
	src      sheetSource
}

// sheetSource is one reader of a format.
type sheetSource interface {
	rows(sheet string) (*RowIter, error)
	close() error
}

// OpenFile opens a spreadsheet with the default limits.
func OpenFile(name string) (*Workbook, error) { return Open(name, Limits{}) }

// Open opens a spreadsheet, choosing the reader by content: a zip is .xlsx or .ods (by what it
// holds), an OLE compound file is the legacy .xls (BIFF8); a file named .csv, .tsv or .txt is
// delimited text. Anything else, and any file that cannot be read, is an error naming it.
func Open(name string, lim Limits) (*Workbook, error) {
	lim = lim.withDefaults()
	base := filepath.Base(name)
	head := make([]byte, 8)
	n, err := readFileHead(name, head)
	if err != nil {
		return nil, err
	}
	head = head[:n]
	ext := strings.ToLower(filepath.Ext(name))
	var w *Workbook
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")):
		w, err = openZipped(name, lim)
	case bytes.Equal(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		w, err = openXLS(name, lim)
	case ext == ".csv" || ext == ".tsv" || ext == ".txt":
		w, err = openCSV(name, lim)
	case ext == ".xlsx" || ext == ".xlsm" || ext == ".ods" || ext == ".xls":
		return nil, &DamagedError{File: base, What: "file danneggiato o non è un foglio di calcolo: il contenuto non è quello di un file " + ext}
	case n == 0:
		return nil, &DamagedError{File: base, What: "il file è vuoto"}
	default:
		return nil, &DamagedError{File: base, What: "formato non riconosciuto: sono accettati .xlsx, .xls, .ods e .csv"}
	}
	if err != nil {
		return nil, err
	}
	w.Name, w.lim = base, lim
	if len(w.sheets) > lim.MaxSheets {
		w.Close()
		return nil, &LimitError{File: base, What: fmt.Sprintf("il file ha %d fogli: il limite è %d", len(w.sheets), lim.MaxSheets)}
	}
	return w, nil
}

// SupportedExt reports whether a file name has the extension of a spreadsheet the importer
// reads.
func SupportedExt(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".tsv":
		return true
	}
	return false
}

func readFileHead(name string, head []byte) (int, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return n, fmt.Errorf("%s: %w", name, err)
	}
	return n, nil
}

// openZipped tells .xlsx from .ods by the parts the zip holds.
func openZipped(name string, lim Limits) (*Workbook, error) {
	base := filepath.Base(name)
	zr, err := zip.OpenReader(name)
	if err != nil {
		return nil, &DamagedError{File: base, What: "file danneggiato: l'archivio zip non si legge (file troncato?)", Err: err}
	}
	if len(zr.File) > 10_000 {
		zr.Close()
		return nil, &LimitError{File: base, What: fmt.Sprintf("l'archivio contiene %d parti: non è un foglio di calcolo", len(zr.File))}
	}
	var w *Workbook
	switch {
	case findZipPart(&zr.Reader, "xl/workbook.xml") != nil:
		w, err = openXLSX(base, zr, lim)
	case findZipPart(&zr.Reader, "content.xml") != nil && odsMimetype(&zr.Reader):
		w, err = openODS(base, zr, lim)
	case findZipPart(&zr.Reader, "xl/workbook.bin") != nil:
		err = &DamagedError{File: base, What: "formato .xlsb (cartella di lavoro binaria) non supportato: salvarlo come .xlsx"}
	case findZipPart(&zr.Reader, "content.xml") != nil:
		err = &DamagedError{File: base, What: "documento OpenDocument che non è un foglio di calcolo (.ods)"}
	default:
		err = &DamagedError{File: base, What: "archivio zip che non contiene un foglio di calcolo .xlsx né .ods"}
	}
	if err != nil {
		zr.Close()
		return nil, err
	}
	return w, nil
}

// Sheets lists the sheet names in workbook order (a CSV file has one, named after the file).
func (w *Workbook) Sheets() []string { return w.sheets }

// Limits returns the limits the workbook is read with.
func (w *Workbook) Limits() Limits { return w.lim }

// Close releases the file.
func (w *Workbook) Close() error {
	if w.src == nil {
		return nil
	}
	return w.src.close()
}

// only returns a view of the workbook limited to some sheets, sharing the open file.
func (w *Workbook) only(sheets ...string) *Workbook {
	c := *w
	c.sheets = sheets
	return &c
}

// RowIter walks a sheet one row at a time.
type RowIter struct {
	// Merges are the merged ranges known so far: all of them for .xlsx (read before the rows),
	// those of the rows read so far for .ods (declared on the cell that starts them).
	Merges []Merge
	next   func() (Row, bool, error)
	close  func() error
	row    Row
	err    error

	file, sheet string
	lim         Limits
}

func (it *RowIter) Next() bool {
	if it.err != nil {
		return false
	}
	r, ok, err := it.next()
	if err == nil && ok {
		err = it.check(r)
	}
	if err != nil {
		it.err = err
		return false
	}
	it.row = r
	return ok
}

// check applies the limits every reader shares to a row just read. The readers enforce them
// too while decoding, where the memory is at stake; this catches what a reader lets through.
func (it *RowIter) check(r Row) error {
	if it.lim.MaxRows == 0 {
		return nil
	}
	if r.Num > it.lim.MaxRows && !r.empty() {
		return &LimitError{File: it.file, Sheet: it.sheet, Row: r.Num, What: fmt.Sprintf(
			"il foglio ha dati oltre la riga %d: il limite è di %s righe per foglio", it.lim.MaxRows, thousands(it.lim.MaxRows))}
	}
	for i, c := range r.Cells {
		if len(c.Value) > it.lim.MaxCellBytes {
			return cellTooLarge(it.file, it.sheet, r.Num, i, int64(len(c.Value)), it.lim)
		}
		if i >= it.lim.MaxColumns && strings.TrimSpace(c.Value) != "" {
			return columnTooFar(it.file, it.sheet, r.Num, i, it.lim)
		}
	}
	return nil
}

func cellTooLarge(file, sheet string, row, col int, n int64, lim Limits) error {
	what := fmt.Sprintf("cella di %s: il limite è %s per cella", size(n), size(int64(lim.MaxCellBytes)))
	if n < 0 || n <= int64(lim.MaxCellBytes)+16 {
		what = fmt.Sprintf("cella di oltre %s: il limite è %s per cella", size(int64(lim.MaxCellBytes)), size(int64(lim.MaxCellBytes)))
	}
	c := ""
	if col >= 0 {
		c = colName(col)
	}
	return &LimitError{File: file, Sheet: sheet, Row: row, Column: c, What: what}
}

func columnTooFar(file, sheet string, row, col int, lim Limits) error {
	return &LimitError{File: file, Sheet: sheet, Row: row, Column: colName(col), What: fmt.Sprintf(
		"dati nella colonna %d: il limite è di %d colonne", col+1, lim.MaxColumns)}
}

// thousands writes n with Italian thousands separators.
func thousands(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (it *RowIter) Row() Row   { return it.row }
func (it *RowIter) Err() error { return it.err }
func (it *RowIter) Close() error {
	if it.close == nil {
		return nil
	}
	return it.close()
}

// Rows opens sheet for reading row by row. Nothing but the current row is decoded.
func (w *Workbook) Rows(sheet string) (*RowIter, error) {
	it, err := w.src.rows(sheet)
	if err != nil {
		return nil, err
	}
	it.file, it.sheet, it.lim = w.Name, sheet, w.lim
	return it, nil
}

func emptyIter() *RowIter {
	return &RowIter{next: func() (Row, bool, error) { return Row{}, false, nil }, close: func() error { return nil }}
}

func parseRange(ref string) (Merge, bool) {
	a, b, found := strings.Cut(ref, ":")
	if !found {
		b = a
	}
	c1, r1, ok1 := cellRef(strings.ReplaceAll(a, "$", ""))
	c2, r2, ok2 := cellRef(strings.ReplaceAll(b, "$", ""))
	if !ok1 || !ok2 || r1 == 0 || r2 == 0 {
		return Merge{}, false
	}
	return Merge{Top: min(r1, r2), Left: min(c1, c2) + 1, Bottom: max(r1, r2), Right: max(c1, c2) + 1}, true
}

// cellRef reads "AB12" as the 0-based column 27 and row 12; a reference without digits has row
// 0. Columns beyond XFD (16,384) are refused.
func cellRef(s string) (col, row int, ok bool) {
	i := 0
	col = 0
	for i < len(s) {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c < 'A' || c > 'Z' {
			break
		}
		col = col*26 + int(c-'A'+1)
		if col > 16384 {
			return 0, 0, false
		}
		i++
	}
	if i == 0 {
		return 0, 0, false
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		row = row*10 + int(c-'0')
		if row > 1<<24 {
			return 0, 0, false
		}
	}
	return col - 1, row, true
}

// colName is the column letter(s) of a 0-based column index.
func colName(i int) string {
	n, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return strconv.Itoa(i + 1)
	}
	return n
}
