package ingest

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/xuri/excelize/v2"
)

// Severity says what a problem did to its row.
type Severity int

const (
	// Info: the row was skipped by design (a section title, a repeated header).
	Info Severity = iota
	// Warning: the row was imported, with something to check (a date that did not parse, an
	// office not in the directory, a very long cell).
	Warning
	// Error: the row was not imported (no answer, a code used twice with different texts).
	Error
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "errore"
	case Warning:
		return "avviso"
	}
	return "info"
}

// Problem is one line of the import report (issue 3, point 5): never silent.
type Problem struct {
	File     string
	Sheet    string
	Row      int    // Excel row number; 0 for the whole sheet
	Column   string // column letter and header, when one cell is at fault
	Code     string // the pill code of the row, if any
	Severity Severity
	Problem  string // what is wrong, in Italian
	Action   string // what the importer did about it, in Italian
}

func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Sheet != "" {
		fmt.Fprintf(&b, ", foglio %q", p.Sheet)
	}
	if p.Row > 0 {
		fmt.Fprintf(&b, ", riga %d", p.Row)
	}
	if p.Column != "" {
		fmt.Fprintf(&b, ", colonna %s", p.Column)
	}
	fmt.Fprintf(&b, ": %s", p.Problem)
	return b.String()
}

// RowsLeftOut counts the rows the import did not take (or, in a dry run, would not take): every
// one is a problem of level Error naming its row. A non-zero count is exit status 3 for the CLI
// and a warning banner for the web page.
func (s *Summary) RowsLeftOut() int {
	n := 0
	for _, p := range s.Problems {
		if p.Severity == Error && p.Row > 0 {
			n++
		}
	}
	return n
}

// blocking reports whether the problem makes --strict refuse the workbook: anything that is
// not a by-design skip.
func (p Problem) blocking() bool { return p.Severity >= Warning }

// WriteProblems prints the report as a table.
func WriteProblems(w io.Writer, problems []Problem) error {
	if len(problems) == 0 {
		_, err := fmt.Fprintln(w, "Nessun problema.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FOGLIO\tRIGA\tCOLONNA\tCODICE\tLIVELLO\tPROBLEMA\tAZIONE")
	for _, p := range problems {
		row := ""
		if p.Row > 0 {
			row = fmt.Sprint(p.Row)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Sheet, row, p.Column, p.Code, p.Severity, oneLine(p.Problem), oneLine(p.Action))
	}
	return tw.Flush()
}

// WriteProblemsXLSX writes the report as a workbook the Administration can sort and filter.
func WriteProblemsXLSX(w io.Writer, problems []Problem) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Problemi"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	_ = sw.SetColWidth(1, 1, 30)
	_ = sw.SetColWidth(2, 5, 10)
	_ = sw.SetColWidth(6, 8, 60)
	header := []any{}
	for _, h := range []string{"File", "Foglio", "Riga", "Colonna", "Codice", "Livello", "Problema", "Azione"} {
		header = append(header, excelize.Cell{StyleID: bold, Value: h})
	}
	if err := sw.SetRow("A1", header, excelize.RowOpts{}); err != nil {
		return err
	}
	for i, p := range problems {
		var row any = ""
		if p.Row > 0 {
			row = p.Row
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, []any{p.File, p.Sheet, row, p.Column, p.Code, p.Severity.String(), p.Problem, p.Action}); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if err := f.AutoFilter(sheet, fmt.Sprintf("A1:H%d", len(problems)+1), nil); err != nil {
		return err
	}
	return f.Write(w)
}
