package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Cell is one cell as the importer sees it.
type Cell struct {
	Value      string // the text Excel shows (formatted)
	Raw        string // the stored value: a number's digits, a string's text
	Number     bool   // Raw is a number (possibly a date serial)
	DateFormat bool   // the number is shown as a date or time
	Link       string // the cell's hyperlink, if any
}

// Row is one worksheet row; Num counts from 1 as Excel does.
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

// Workbook is an open .xlsx or .xls file.
type Workbook struct {
	Name     string // file name, for messages
	date1904 bool
	sheets   []string

	x     *excelize.File
	zr    *zip.ReadCloser
	parts map[string]string // sheet name → worksheet part path inside the zip

	xls *xlsBook
}

// OpenFile opens a workbook, choosing the reader by content: a zip is .xlsx, an OLE compound
// file is the legacy .xls (BIFF8).
func OpenFile(name string) (*Workbook, error) {
	head := make([]byte, 8)
	if err := readHead(name, head); err != nil {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(head, []byte("PK")):
		return openXLSX(name)
	case bytes.Equal(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return openXLS(name)
	}
	return nil, fmt.Errorf("%s: not an Excel workbook (.xlsx or .xls)", name)
}

func readHead(name string, head []byte) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.ReadFull(f, head); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func openXLSX(name string) (*Workbook, error) {
	x, err := excelize.OpenFile(name)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read the workbook: %w", name, err)
	}
	zr, err := zip.OpenReader(name)
	if err != nil {
		x.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	w := &Workbook{Name: filepath.Base(name), x: x, zr: zr, sheets: x.GetSheetList()}
	if p, err := x.GetWorkbookProps(); err == nil && p.Date1904 != nil {
		w.date1904 = *p.Date1904
	}
	w.parts, err = sheetParts(zr)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return w, nil
}

// Sheets lists the sheet names in workbook order.
func (w *Workbook) Sheets() []string { return w.sheets }

// Close releases the file.
func (w *Workbook) Close() error {
	if w.zr != nil {
		w.zr.Close()
	}
	if w.x != nil {
		return w.x.Close()
	}
	return nil
}

// RowIter walks a sheet one row at a time. Empty rows are returned too (with no cells) so row
// numbers stay those Excel shows.
type RowIter struct {
	Merges []Merge
	next   func() (Row, bool, error)
	close  func() error
	row    Row
	err    error
}

func (it *RowIter) Next() bool {
	if it.err != nil {
		return false
	}
	r, ok, err := it.next()
	if err != nil {
		it.err = err
		return false
	}
	it.row = r
	return ok
}

func (it *RowIter) Row() Row     { return it.row }
func (it *RowIter) Err() error   { return it.err }
func (it *RowIter) Close() error { return it.close() }

// Rows opens sheet for reading row by row. For .xlsx two excelize row iterators run in step —
// one for the values as shown, one for the stored values — so dates are read from their serial
// whatever display format the cell has, and nothing but the current row is decoded. Merged
// ranges and hyperlinks live after the rows in the sheet's XML; they are read first by a
// separate pass that skips the rows without decoding them (excelize's GetMergeCells and
// GetCellHyperLink would load the whole sheet into memory).
func (w *Workbook) Rows(sheet string) (*RowIter, error) {
	if w.xls != nil {
		return w.xls.rows(sheet)
	}
	if strings.Contains(w.parts[sheet], "chartsheets/") || strings.Contains(w.parts[sheet], "dialogsheets/") {
		// A chart or dialog sheet has no cells.
		return &RowIter{next: func() (Row, bool, error) { return Row{}, false, nil }, close: func() error { return nil }}, nil
	}
	merges, links, err := w.sheetTail(sheet)
	if err != nil {
		return nil, fmt.Errorf("%s, sheet %q: %w", w.Name, sheet, err)
	}
	shown, err := w.x.Rows(sheet)
	if err != nil {
		return nil, fmt.Errorf("%s, sheet %q: %w", w.Name, sheet, err)
	}
	raw, err := w.x.Rows(sheet)
	if err != nil {
		shown.Close()
		return nil, fmt.Errorf("%s, sheet %q: %w", w.Name, sheet, err)
	}
	num := 0
	it := &RowIter{Merges: merges}
	it.close = func() error { raw.Close(); return shown.Close() }
	it.next = func() (Row, bool, error) {
		if !shown.Next() || !raw.Next() {
			if err := shown.Error(); err != nil {
				return Row{}, false, fmt.Errorf("%s, sheet %q, row %d: %w", w.Name, sheet, num+1, err)
			}
			return Row{}, false, nil
		}
		num++
		vals, err := shown.Columns()
		if err != nil {
			return Row{}, false, fmt.Errorf("%s, sheet %q, row %d: %w", w.Name, sheet, num, err)
		}
		raws, err := raw.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return Row{}, false, fmt.Errorf("%s, sheet %q, row %d: %w", w.Name, sheet, num, err)
		}
		r := Row{Num: num, Cells: make([]Cell, max(len(vals), len(raws)))}
		for i := range r.Cells {
			c := &r.Cells[i]
			if i < len(vals) {
				c.Value = vals[i]
			}
			if i < len(raws) {
				c.Raw = raws[i]
			} else {
				c.Raw = c.Value
			}
			if _, err := strconv.ParseFloat(c.Raw, 64); err == nil && c.Raw != "" {
				c.Number = true
				c.DateFormat = c.Value != c.Raw && looksFormattedDate(c.Value)
			}
			if links != nil {
				if l, ok := links[cellKey(i+1, num)]; ok {
					c.Link = l
				}
			}
		}
		return r, true, nil
	}
	return it, nil
}

// looksFormattedDate reports whether a number shown as s is shown as a date or a time rather
// than as an amount: it has a date separator or a month name.
func looksFormattedDate(s string) bool {
	s = strings.TrimPrefix(strings.TrimSpace(s), "-")
	if strings.ContainsAny(s, "/:") {
		return true
	}
	if strings.Contains(s, "-") {
		return true
	}
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return !strings.ContainsAny(s, "€$£%")
		}
	}
	return false
}

func cellKey(col, row int) int64 { return int64(row)<<16 | int64(col) }

// sheetParts maps sheet names to their XML parts through workbook.xml and its relationships.
func sheetParts(zr *zip.ReadCloser) (map[string]string, error) {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			ID   string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decodePart(zr, "xl/workbook.xml", &wb); err != nil {
		return nil, err
	}
	rels, err := readRels(zr, "xl/_rels/workbook.xml.rels", "xl")
	if err != nil {
		return nil, err
	}
	parts := map[string]string{}
	for _, s := range wb.Sheets {
		if t, ok := rels[s.ID]; ok {
			parts[s.Name] = t
		}
	}
	return parts, nil
}

func findPart(zr *zip.ReadCloser, name string) *zip.File {
	for _, f := range zr.File {
		if strings.EqualFold(f.Name, name) {
			return f
		}
	}
	return nil
}

func decodePart(zr *zip.ReadCloser, name string, v any) error {
	f := findPart(zr, name)
	if f == nil {
		return fmt.Errorf("part %s is missing", name)
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := xml.NewDecoder(rc).Decode(v); err != nil {
		return fmt.Errorf("part %s: %w", name, err)
	}
	return nil
}

// readRels reads a relationships part; targets are resolved against dir unless external.
func readRels(zr *zip.ReadCloser, name, dir string) (map[string]string, error) {
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
			Mode   string `xml:"TargetMode,attr"`
		} `xml:"Relationship"`
	}
	if findPart(zr, name) == nil {
		return map[string]string{}, nil
	}
	if err := decodePart(zr, name, &rels); err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, r := range rels.Rel {
		t := r.Target
		switch {
		case strings.EqualFold(r.Mode, "External"):
		case strings.HasPrefix(t, "/"):
			t = strings.TrimPrefix(t, "/")
		default:
			t = path.Join(dir, t)
		}
		m[r.ID] = t
	}
	return m, nil
}

// sheetTail reads the merged ranges and hyperlinks of a sheet. They follow </sheetData>, so the
// rows are skipped as bytes and only the tail is decoded.
func (w *Workbook) sheetTail(sheet string) ([]Merge, map[int64]string, error) {
	part, ok := w.parts[sheet]
	if !ok {
		return nil, nil, nil
	}
	f := findPart(w.zr, part)
	if f == nil {
		return nil, nil, nil
	}
	rc, err := f.Open()
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	tail, err := afterSheetData(bufio.NewReaderSize(rc, 1<<16))
	if err != nil || tail == nil {
		return nil, nil, err
	}
	var merges []Merge
	var links map[int64]string
	var linkRels map[string]string
	dec := xml.NewDecoder(bytes.NewReader(tail))
	for {
		tok, err := dec.Token()
		if err != nil {
			break // the tail is a fragment; its end is not an error
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "mergeCell":
			for _, a := range se.Attr {
				if a.Name.Local == "ref" {
					if m, ok := parseRange(a.Value); ok {
						merges = append(merges, m)
					}
				}
			}
		case "hyperlink":
			var ref, id, loc string
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "ref":
					ref = a.Value
				case "id":
					id = a.Value
				case "location":
					loc = a.Value
				}
			}
			if linkRels == nil {
				dir, file := path.Split(part)
				linkRels, _ = readRels(w.zr, dir+"_rels/"+file+".rels", strings.TrimSuffix(dir, "/"))
			}
			target := linkRels[id]
			if target == "" && loc != "" {
				target = "#" + loc
			}
			m, ok := parseRange(ref)
			if !ok || target == "" {
				continue
			}
			if links == nil {
				links = map[int64]string{}
			}
			for r := m.Top; r <= m.Bottom; r++ {
				for c := m.Left; c <= m.Right; c++ {
					links[cellKey(c, r)] = target
				}
			}
		}
	}
	return merges, links, nil
}

// afterSheetData returns the bytes after the closing sheetData tag, with or without a namespace
// prefix, reading the rows as a stream of bytes.
func afterSheetData(r *bufio.Reader) ([]byte, error) {
	const marker = "sheetData>"
	var window []byte
	for {
		chunk := make([]byte, 1<<16)
		n, err := r.Read(chunk)
		window = append(window, chunk[:n]...)
		if i := bytes.Index(window, []byte(marker)); i >= 0 {
			// Either <sheetData> (open) or </sheetData> (or an empty <sheetData/>): keep looking
			// for the closing one, which is preceded by "/" or "/prefix:".
			for i >= 0 {
				j := bytes.LastIndexByte(window[:i], '<')
				if j >= 0 && bytes.HasPrefix(window[j:], []byte("</")) {
					rest, _ := io.ReadAll(r)
					return append(append([]byte{}, window[i+len(marker):]...), rest...), nil
				}
				window = window[i+len(marker):]
				i = bytes.Index(window, []byte(marker))
			}
		}
		if len(window) > len(marker)+64 {
			window = append([]byte{}, window[len(window)-len(marker)-64:]...)
		}
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func parseRange(ref string) (Merge, bool) {
	a, b, found := strings.Cut(ref, ":")
	if !found {
		b = a
	}
	c1, r1, err1 := excelize.CellNameToCoordinates(strings.ReplaceAll(a, "$", ""))
	c2, r2, err2 := excelize.CellNameToCoordinates(strings.ReplaceAll(b, "$", ""))
	if err1 != nil || err2 != nil {
		return Merge{}, false
	}
	return Merge{Top: min(r1, r2), Left: min(c1, c2), Bottom: max(r1, r2), Right: max(c1, c2)}, true
}

// colName is the column letter(s) of a 0-based column index.
func colName(i int) string {
	n, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return strconv.Itoa(i + 1)
	}
	return n
}
