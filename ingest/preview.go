package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"sportello/kb"
)

// SheetStatus is what an import does with a sheet.
type SheetStatus string

const (
	SheetOK       SheetStatus = "ok"       // mapped: its rows are imported
	SheetSkipped  SheetStatus = "skipped"  // left out on request (mapping kind = skip, --skip-sheet)
	SheetEmpty    SheetStatus = "empty"    // no data
	SheetNotes    SheetStatus = "notes"    // text in one column (a legend, instructions): not a table
	SheetUnmapped SheetStatus = "unmapped" // holds data that cannot be mapped: the import stops
)

// SheetPreview is one sheet as the import sees it before writing anything: its guessed mapping
// (each column with its confidence and reasons, and the first rows), its status and, for a
// sheet that cannot be imported, what is missing.
type SheetPreview struct {
	Sheet   string
	Status  SheetStatus
	Mapping Mapping
	Missing []Field // fields the mapping lacks (unmapped sheets)
	Message string  // Italian: why the sheet is skipped or cannot be imported, and what to do
	Rows    int     // non-empty rows below the header (counted by the import's first pass; the first rows only in Preview)
}

// WorkbookPreview is what Preview and the import's first pass learn of a file.
type WorkbookPreview struct {
	File   string
	Format Format
	Detail string // how the file was read (a CSV's encoding and delimiter)
	Sheets []SheetPreview
	// Problems are those of the header rows and of the sheets left out (skipped, notes).
	Problems []Problem
}

// Unmapped returns the sheets that stop the import.
func (p *WorkbookPreview) Unmapped() []SheetPreview {
	var out []SheetPreview
	for _, s := range p.Sheets {
		if s.Status == SheetUnmapped {
			out = append(out, s)
		}
	}
	return out
}

// UnmappedError stops an import when a sheet holds data the importer cannot map: rows must not be
// left out quietly. The user maps the columns (mapping file, web page) or skips the sheet.
type UnmappedError struct {
	File   string
	Sheets []SheetPreview
}

func (e *UnmappedError) Error() string {
	var b strings.Builder
	for i, s := range e.Sheets {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s, foglio %q: %s", e.File, s.Sheet, s.Message)
	}
	b.WriteString(". Nulla è stato importato: indicare le colonne in un file di mappatura (--mapping) oppure escludere il foglio (--skip-sheet NOME, o kind = skip nel file di mappatura)")
	return b.String()
}

// ErrNoData is wrapped by the error of a file with no row to import.
var ErrNoData = errors.New("no data")

// sampleRows is how many rows of a sheet are read before deciding its mapping: the header is
// looked for in the first headerScanRows, the content of the columns is judged on the rest.
const (
	sampleRows  = 100
	sampleBytes = 8 << 20
)

// readHead reads the first rows of a sheet.
func readHead(it *RowIter) ([]Row, error) {
	var head []Row
	bytes := 0
	for len(head) < sampleRows && bytes < sampleBytes && it.Next() {
		r := it.Row()
		for _, c := range r.Cells {
			bytes += len(c.Value) + len(c.Raw) + 64
		}
		head = append(head, r)
	}
	return head, it.Err()
}

// Preview guesses the mapping of every sheet without importing: what --show-mapping prints and
// the web import page shows. Only the first rows of each sheet are read; Rows counts those.
func Preview(name string, opt Options) (*WorkbookPreview, error) {
	wb, err := Open(name, opt.Limits)
	if err != nil {
		return nil, err
	}
	defer wb.Close()
	return previewWorkbook(wb, opt, false)
}

// ShowMapping detects the header and columns of every sheet without importing; the problems are
// those of the sheets that are not imported.
func ShowMapping(name string, opt Options) ([]Mapping, []Problem, error) {
	p, err := Preview(name, opt)
	if err != nil {
		return nil, nil, err
	}
	var ms []Mapping
	for _, s := range p.Sheets {
		if s.Status == SheetOK {
			ms = append(ms, s.Mapping)
		}
	}
	return ms, p.Problems, nil
}

// previewWorkbook decides every sheet. With full set it reads every row (the import's first pass:
// every limit is checked and rows are counted before anything is written); otherwise only the
// first rows, and it keeps three of them on each mapping.
func previewWorkbook(wb *Workbook, opt Options, full bool) (*WorkbookPreview, error) {
	p := &WorkbookPreview{File: wb.Name, Format: wb.Format, Detail: wb.Detail}
	so := scanOptions{Mapping: opt.Mapping, Kind: opt.Kind, Skip: opt.SkipSheets, Directory: opt.Directory}
	for _, sheet := range wb.Sheets() {
		sp := SheetPreview{Sheet: sheet}
		if skipSheet(opt.SkipSheets, sheet) || opt.Mapping.override(sheet) != nil && opt.Mapping.override(sheet).Skip {
			sp.Status, sp.Message, sp.Mapping = SheetSkipped, "foglio escluso dall'importazione su richiesta", Mapping{Sheet: sheet}
		} else {
			it, err := wb.Rows(sheet)
			if err != nil {
				return nil, err
			}
			head, err := readHead(it)
			if err != nil {
				it.Close()
				return nil, err
			}
			d, err := decideSheet(wb.Name, sheet, head, it.Merges, so)
			if err != nil {
				it.Close()
				return nil, err
			}
			sp.Status, sp.Mapping, sp.Missing, sp.Message = d.status, d.m, d.missing, d.message
			start := d.m.DataStart()
			for _, r := range head {
				if r.Num >= start && !r.empty() {
					sp.Rows++
					if !full && len(sp.Mapping.Preview) < 3 && d.status == SheetOK {
						row := make([]string, len(d.m.Columns))
						for i, c := range d.m.Columns {
							row[i] = oneLine(r.cell(c.Index).Value)
						}
						sp.Mapping.Preview = append(sp.Mapping.Preview, row)
					}
				}
			}
			if full && d.status == SheetOK {
				for it.Next() {
					if !it.Row().empty() {
						sp.Rows++
					}
				}
			}
			err = it.Err()
			it.Close()
			if err != nil {
				return nil, err
			}
		}
		switch sp.Status {
		case SheetSkipped, SheetNotes:
			p.Problems = append(p.Problems, Problem{File: wb.Name, Sheet: sheet, Severity: Info, Problem: sp.Message, Action: "foglio non importato"})
		case SheetUnmapped:
			p.Problems = append(p.Problems, Problem{File: wb.Name, Sheet: sheet, Severity: Error, Problem: sp.Message,
				Action: "importazione fermata: indicare le colonne in un file di mappatura oppure escludere il foglio"})
		}
		p.Sheets = append(p.Sheets, sp)
	}
	return p, nil
}

// preflight is the import's first pass, before anything is written: every sheet is decided and
// read to its end, so that an unmapped sheet, a limit or a damaged part stops the import with
// nothing written, and a file without a single row to import is an error rather than an empty
// success.
func preflight(ctx context.Context, store *kb.Store, wb *Workbook, opt *Options) (*WorkbookPreview, error) {
	if opt.Directory == nil && store != nil {
		d, err := LoadDirectory(ctx, store)
		if err != nil {
			return nil, err
		}
		opt.Directory = d
	}
	p, err := previewWorkbook(wb, *opt, true)
	if err != nil {
		return nil, err
	}
	if u := p.Unmapped(); len(u) > 0 {
		return p, &UnmappedError{File: wb.Name, Sheets: u}
	}
	rows := 0
	for _, s := range p.Sheets {
		if s.Status == SheetOK {
			rows += s.Rows
		}
	}
	if rows == 0 {
		what := "il file non contiene righe da importare"
		for _, s := range p.Sheets {
			if s.Status == SheetSkipped {
				what = "nessuna riga da importare: i fogli con dati sono esclusi"
			}
		}
		return p, fmt.Errorf("%s: %s: %w", wb.Name, what, ErrNoData)
	}
	return p, nil
}

// String prints the mapping as --show-mapping shows it: each column with its field, the
// confidence of a guess worth checking and the reasons.
func (m Mapping) String() string {
	var b strings.Builder
	switch {
	case len(m.HeaderRows) > 0:
		rows := make([]string, len(m.HeaderRows))
		for i, r := range m.HeaderRows {
			rows[i] = fmt.Sprint(r)
		}
		fmt.Fprintf(&b, "Foglio %q: %s, intestazione alla riga %s\n", m.Sheet, kindLabel(m.Kind), strings.Join(rows, "-"))
	default:
		fmt.Fprintf(&b, "Foglio %q: %s, senza intestazione (colonne riconosciute dal contenuto), dati dalla riga %d\n", m.Sheet, kindLabel(m.Kind), m.DataStart())
	}
	for _, c := range m.Columns {
		f := string(c.Field)
		switch c.Field {
		case FExtra:
			f = "extra (conservata sulla pillola)"
		case FIgnore:
			f = "ignore (non importata)"
		}
		fmt.Fprintf(&b, "  %-3s %-40q → %s", colName(c.Index), c.Header, f)
		if c.Field != FExtra && c.Score > 0 {
			fmt.Fprintf(&b, " (%d%%)", c.Score)
		}
		b.WriteByte('\n')
		for _, r := range c.Reasons {
			fmt.Fprintf(&b, "        %s\n", r)
		}
	}
	for _, row := range m.Preview {
		b.WriteString("  | ")
		for i, v := range row {
			if i > 0 {
				b.WriteString(" | ")
			}
			if r := []rune(v); len(r) > 24 {
				v = string(r[:23]) + "…"
			}
			b.WriteString(v)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// String prints a sheet's preview: its mapping, or why it is not imported.
func (s SheetPreview) String() string {
	switch s.Status {
	case SheetOK:
		return s.Mapping.String()
	case SheetUnmapped:
		out := fmt.Sprintf("Foglio %q: NON IMPORTABILE — %s\n", s.Sheet, s.Message)
		if len(s.Mapping.Columns) > 0 {
			// What was guessed, so that the user sees what to correct.
			out += strings.TrimPrefix(s.Mapping.String(), strings.SplitAfter(s.Mapping.String(), "\n")[0])
		}
		return out
	case SheetEmpty:
		return fmt.Sprintf("Foglio %q: vuoto\n", s.Sheet)
	}
	return fmt.Sprintf("Foglio %q: %s\n", s.Sheet, s.Message)
}
