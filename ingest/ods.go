package ingest

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// odsBook reads an OpenDocument spreadsheet (.ods, what LibreOffice saves): a zip whose
// content.xml holds every table, row after row. It is our own code because no maintained
// pure-Go reader streams: knieriem/odf and its forks (multiprocessio/go-openoffice), ssolov/sods
// and ksev/ods all decode content.xml whole into memory, and they expand
// table:number-columns-repeated and table:number-rows-repeated as written — LibreOffice writes
// the empty rest of a sheet as one row repeated a million times of a cell repeated a thousand
// times, so a few hundred bytes become a billion cells. Here content.xml is read once with
// xmlScan, a row at a time: empty repeats only move the row and column counters, repeated
// non-empty cells and rows are produced up to MaxColumns and MaxRows; covered cells of merged
// ranges are empty and the range is reported as a Merge; office:date-value gives dates, text:p
// paragraphs and text:line-break give line breaks, text:s gives its spaces, text:a its link;
// comments (office:annotation) are left out.
type odsBook struct {
	file string
	lim  Limits
	zr   *zip.ReadCloser
	zb   *zipBudget
	part *zip.File

	names []string
	cur   *odsCursor // the stream, positioned after a table, reused when sheets are read in order
}

// odsMimetype reports whether the zip says it is a spreadsheet (or says nothing).
func odsMimetype(zr *zip.Reader) bool {
	f := findZipPart(zr, "mimetype")
	if f == nil {
		return true
	}
	if f.UncompressedSize64 > 200 {
		return false
	}
	rc, err := f.Open()
	if err != nil {
		return false
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, 200))
	return strings.HasPrefix(strings.TrimSpace(string(b)), "application/vnd.oasis.opendocument.spreadsheet")
}

func openODS(file string, zr *zip.ReadCloser, lim Limits) (*Workbook, error) {
	b := &odsBook{file: file, lim: lim, zr: zr, zb: newZipBudget(file, lim), part: findZipPart(&zr.Reader, "content.xml")}
	// One pass to learn the sheet names: they are attributes of each table's start tag.
	c, err := b.openCursor()
	if err != nil {
		return nil, err
	}
	for {
		name, ok, err := c.nextTable()
		if err != nil {
			c.close()
			return nil, err
		}
		if !ok {
			break
		}
		if len(b.names) >= lim.MaxSheets {
			c.close()
			return nil, &LimitError{File: file, What: fmt.Sprintf("il file ha più di %d fogli: il limite è %d", lim.MaxSheets, lim.MaxSheets)}
		}
		b.names = append(b.names, name)
	}
	c.close()
	if len(b.names) == 0 {
		return nil, &DamagedError{File: file, What: "file .ods danneggiato o vuoto: non contiene alcun foglio"}
	}
	return &Workbook{Format: FormatODS, src: b, sheets: b.names}, nil
}

func (b *odsBook) close() error {
	if b.cur != nil {
		b.cur.close()
	}
	return b.zr.Close()
}

// odsCursor is a stream over content.xml.
type odsCursor struct {
	b     *odsBook
	rc    io.ReadCloser
	sc    *xmlScan
	table int // index of the last table started, -1 before the first
}

func (b *odsBook) openCursor() (*odsCursor, error) {
	rc, err := b.zb.open(b.part, "")
	if err != nil {
		return nil, err
	}
	return &odsCursor{b: b, rc: rc, sc: newXMLScan(rc, b.lim.maxToken()), table: -1}, nil
}

func (c *odsCursor) close() { c.rc.Close() }

func (c *odsCursor) fail(sheet string, row int, err error) error {
	var le *LimitError
	var de *DamagedError
	switch {
	case errors.As(err, &le) || errors.As(err, &de):
		return err
	case errors.Is(err, errTokenTooLong):
		return cellTooLarge(c.b.file, sheet, row, -1, -1, c.b.lim)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &DamagedError{File: c.b.file, Sheet: sheet, Row: row, What: "file .ods danneggiato: il contenuto si interrompe a metà (file troncato?)"}
	}
	return &DamagedError{File: c.b.file, Sheet: sheet, Row: row, What: "file .ods danneggiato: il contenuto (content.xml) non si legge", Err: err}
}

// nextTable moves to the start of the next top-level table and returns its name.
func (c *odsCursor) nextTable() (string, bool, error) {
	sc := c.sc
	for {
		err := sc.next()
		if err == io.EOF {
			return "", false, nil
		}
		if err != nil {
			return "", false, c.fail("", 0, err)
		}
		if sc.kind == tokStart && string(sc.name) == "table" {
			c.table++
			name, _ := sc.attr("name")
			if name == "" {
				name = fmt.Sprintf("Foglio%d", c.table+1)
			}
			if sc.selfClose {
				// An empty table: the caller reads no rows from it.
				return name, true, nil
			}
			return name, true, c.skipTable()
		}
	}
}

// skipTable skips to the end of the current table (nested tables in cells included).
func (c *odsCursor) skipTable() error {
	depth := 1
	for depth > 0 {
		err := c.sc.next()
		if err == io.EOF {
			return c.fail("", 0, io.ErrUnexpectedEOF)
		}
		if errors.Is(err, errTokenTooLong) {
			// A text too long to keep: skipping it here lets the pass over the rows name the
			// cell and its row.
			if n, err := c.sc.discardText(); err == nil && n > 0 {
				continue
			}
		}
		if err != nil {
			return c.fail("", 0, err)
		}
		if string(c.sc.name) != "table" {
			continue
		}
		switch {
		case c.sc.kind == tokStart && !c.sc.selfClose:
			depth++
		case c.sc.kind == tokEnd:
			depth--
		}
	}
	return nil
}

func (b *odsBook) rows(sheet string) (*RowIter, error) {
	idx := -1
	for i, n := range b.names {
		if n == sheet {
			idx = i
			break
		}
	}
	if idx < 0 {
		return nil, &DamagedError{File: b.file, Sheet: sheet, What: "foglio inesistente"}
	}
	// Sheets are read in order: keep the stream when it has not passed this one.
	c := b.cur
	b.cur = nil
	if c == nil || c.table >= idx {
		if c != nil {
			c.close()
		}
		var err error
		if c, err = b.openCursor(); err != nil {
			return nil, err
		}
	}
	// Move to the start tag of table idx.
	sc := c.sc
	for c.table < idx {
		err := sc.next()
		if err == io.EOF {
			c.close()
			return nil, c.fail(sheet, 0, io.ErrUnexpectedEOF)
		}
		if err != nil {
			c.close()
			return nil, c.fail(sheet, 0, err)
		}
		if sc.kind == tokStart && string(sc.name) == "table" {
			c.table++
			if c.table < idx && !sc.selfClose {
				if err := c.skipTable(); err != nil {
					c.close()
					return nil, err
				}
			}
		}
	}
	r := &odsRows{c: c, sheet: sheet, done: sc.selfClose}
	it := &RowIter{}
	r.it = it
	it.next = r.next
	it.close = func() error {
		// A sheet read to its end leaves the stream at the next table for the next sheet.
		if r.done && r.err == nil && b.cur == nil {
			b.cur = c
			return nil
		}
		c.close()
		return nil
	}
	return it, nil
}

// odsRows decodes the rows of one table.
type odsRows struct {
	c     *odsCursor
	it    *RowIter
	sheet string
	done  bool
	err   error
	num   int // number of the last row read (repeats included)

	pending    Row // a non-empty row still to repeat
	repeatLeft int
}

func (r *odsRows) next() (Row, bool, error) {
	if r.repeatLeft > 0 {
		r.repeatLeft--
		r.num++
		row := Row{Num: r.num, Cells: append([]Cell(nil), r.pending.Cells...)}
		return row, true, nil
	}
	if r.done {
		return Row{}, false, nil
	}
	for {
		row, repeat, ok, err := r.readRow()
		if err != nil {
			r.done, r.err = true, err
			return Row{}, false, err
		}
		if !ok {
			r.done = true
			return Row{}, false, nil
		}
		if row.empty() {
			r.num += repeat // empty rows, however many, cost nothing
			continue
		}
		r.num++
		row.Num = r.num
		if repeat > 1 {
			// Only as many copies as the row limit lets through: the limit check stops the
			// sheet at the first copy past it.
			r.pending, r.repeatLeft = row, min(repeat-1, r.c.b.lim.MaxRows+1)
		}
		return row, true, nil
	}
}

// readRow reads the next table-row of the table, and how many times it repeats; ok is false at
// the end of the table.
func (r *odsRows) readRow() (row Row, repeat int, ok bool, err error) {
	sc := r.c.sc
	lim := r.c.b.lim
	inRow := false
	col := 0
	// The cell being read.
	var cell Cell
	var text []byte
	cellRepeat, inCell, paragraphs := 1, false, 0
	skip := 0 // depth inside an annotation or a nested table
	inP := 0  // depth of text:p / text:h
	rowNum := r.num + 1
	fail := func(e error) (Row, int, bool, error) {
		if errors.Is(e, errTokenTooLong) {
			return Row{}, 0, false, cellTooLarge(r.c.b.file, r.sheet, rowNum, col, -1, lim)
		}
		if e == io.EOF {
			e = io.ErrUnexpectedEOF
		}
		return Row{}, 0, false, r.c.fail(r.sheet, rowNum, e)
	}
	addText := func(b []byte) error {
		text = append(text, b...)
		if len(text) > lim.MaxCellBytes {
			return cellTooLarge(r.c.b.file, r.sheet, rowNum, col, int64(len(text)), lim)
		}
		return nil
	}
	for {
		if err := sc.next(); err != nil {
			return fail(err)
		}
		name := string(sc.name)
		if skip > 0 {
			switch {
			case sc.kind == tokStart && !sc.selfClose && (name == "annotation" || name == "table"):
				skip++
			case sc.kind == tokEnd && (name == "annotation" || name == "table"):
				skip--
			}
			continue
		}
		switch sc.kind {
		case tokStart:
			switch name {
			case "table-row":
				inRow, col, row, repeat = true, 0, Row{}, 1
				if v, ok := sc.attr("number-rows-repeated"); ok {
					repeat = atoiBounded(v, 1<<24)
				}
				if sc.selfClose {
					return row, repeat, true, nil
				}
			case "table-cell", "covered-table-cell":
				if !inRow {
					continue
				}
				cell, text, cellRepeat, paragraphs, inP = Cell{}, text[:0], 1, 0, 0
				inCell = !sc.selfClose
				var typ, value, date, boolean string
				cs, rs := 1, 1
				sc.eachAttr(func(n, v []byte) {
					switch string(n) {
					case "number-columns-repeated":
						cellRepeat = atoiBounded(string(v), 1<<24)
					case "value-type":
						typ = string(v)
					case "value":
						value = string(v)
					case "date-value":
						date = string(v)
					case "boolean-value":
						boolean = string(v)
					case "number-columns-spanned":
						cs = atoiBounded(string(v), 1<<14)
					case "number-rows-spanned":
						rs = atoiBounded(string(v), 1<<24)
					}
				})
				if name == "table-cell" && (cs > 1 || rs > 1) {
					if len(r.it.Merges) >= maxSheetRanges {
						return Row{}, 0, false, &LimitError{File: r.c.b.file, Sheet: r.sheet, Row: rowNum, What: fmt.Sprintf("il foglio dichiara più di %s celle unite", thousands(maxSheetRanges))}
					}
					r.it.Merges = append(r.it.Merges, Merge{Top: rowNum, Left: col + 1, Bottom: rowNum + rs - 1, Right: col + cs})
				}
				switch typ {
				case "float":
					if v, err := strconv.ParseFloat(value, 64); err == nil {
						cell = Cell{Value: generalNumber(v), Raw: value, Number: true}
					}
				case "percentage", "currency":
					cell.Raw, cell.Number = value, true
				case "date":
					if t, ok := odsDate(date); ok {
						serial := t.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24
						cell = Cell{Value: t.Format("02/01/2006"), Raw: strconv.FormatFloat(serial, 'f', -1, 64), Number: true, DateFormat: true}
					}
				case "boolean":
					cell.Value = "FALSO"
					if boolean == "true" {
						cell.Value = "VERO"
					}
					cell.Raw = cell.Value
				}
				if !inCell {
					if err := r.place(&row, &col, cell, cellRepeat, rowNum); err != nil {
						return Row{}, 0, false, err
					}
				}
			case "p", "h":
				if inCell {
					if paragraphs > 0 && inP == 0 {
						if err := addText([]byte{'\n'}); err != nil {
							return Row{}, 0, false, err
						}
					}
					if !sc.selfClose {
						inP++
					}
					paragraphs++
				}
			case "line-break":
				if inP > 0 {
					if err := addText([]byte{'\n'}); err != nil {
						return Row{}, 0, false, err
					}
				}
			case "tab":
				if inP > 0 {
					if err := addText([]byte{'\t'}); err != nil {
						return Row{}, 0, false, err
					}
				}
			case "s":
				if inP > 0 {
					n := 1
					if v, ok := sc.attr("c"); ok {
						n = atoiBounded(v, lim.MaxCellBytes+1)
					}
					if err := addText([]byte(strings.Repeat(" ", min(n, lim.MaxCellBytes+1)))); err != nil {
						return Row{}, 0, false, err
					}
				}
			case "a":
				if inP > 0 && cell.Link == "" {
					cell.Link, _ = sc.attr("href")
				}
			case "annotation", "table":
				if inCell && !sc.selfClose {
					skip = 1
				}
			}
		case tokEnd:
			switch name {
			case "p", "h":
				if inP > 0 {
					inP--
				}
			case "table-cell", "covered-table-cell":
				if !inCell {
					continue
				}
				inCell = false
				if cell.Value == "" {
					cell.Value = string(text)
				}
				if cell.Raw == "" {
					cell.Raw = cell.Value
				}
				if name == "covered-table-cell" {
					cell = Cell{}
				}
				if err := r.place(&row, &col, cell, cellRepeat, rowNum); err != nil {
					return Row{}, 0, false, err
				}
			case "table-row":
				if inRow {
					return row, repeat, true, nil
				}
			case "table":
				return Row{}, 0, false, nil
			}
		case tokText:
			if inP > 0 && inCell {
				if err := addText(sc.appendText(nil)); err != nil {
					return Row{}, 0, false, err
				}
			}
		}
	}
}

// place puts a cell, repeated n times, at col and moves col on. Empty cells only move col.
func (r *odsRows) place(row *Row, col *int, c Cell, n, rowNum int) error {
	if strings.TrimSpace(c.Value) == "" && c.Link == "" {
		*col += n
		return nil
	}
	lim := r.c.b.lim
	if *col+n > lim.MaxColumns {
		return columnTooFar(r.c.b.file, r.sheet, rowNum, min(*col+n, 1<<14)-1, lim)
	}
	for len(row.Cells) < *col {
		row.Cells = append(row.Cells, Cell{})
	}
	for i := 0; i < n; i++ {
		row.Cells = append(row.Cells, c)
	}
	*col += n
	return nil
}

func atoiBounded(s string, max int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, max)
}

// odsDate reads office:date-value: a date, or a date and time, in ISO 8601.
func odsDate(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02", "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
		}
	}
	return time.Time{}, false
}
