package audit

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"sportello/internal/clock"
)

// header is the exports' first row, in Italian for the Administration.
var header = []string{"Data e ora", "Utente", "Azione", "Codice azione", "Oggetto", "Dettaglio", "Indirizzo", "Impronta"}

// row is an entry as the exports write it: time in Rome, the action's label and code.
func row(e Entry) []string {
	return []string{e.At.In(clock.Rome()).Format("2006-01-02 15:04:05"), e.Actor, e.Action.Label(), string(e.Action),
		e.Object, e.Detail, e.Client, e.Hash}
}

// defuse keeps a spreadsheet from reading a text cell as a formula (CSV injection): a value
// that starts with = + - @ or a tab or carriage return gets a leading apostrophe, which Excel
// and LibreOffice show as text and do not display.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteCSV writes the entries f selects, oldest first, as CSV (RFC 4180, UTF-8 with a byte
// order mark so that Excel reads the accents, ";" as separator as Italian spreadsheets expect).
// Memory stays flat whatever the period.
func (s *Store) WriteCSV(ctx context.Context, w io.Writer, f Filter) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	if err := cw.Write(header); err != nil {
		return err
	}
	err := s.Each(ctx, f, func(e Entry) error {
		r := row(e)
		for i := range r {
			r[i] = defuse(r[i])
		}
		return cw.Write(r)
	})
	if err != nil {
		return fmt.Errorf("audit: csv: %w", err)
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes the entries f selects, oldest first, as an Excel workbook: one sheet
// "Registro" with the rows, one sheet "Legenda" with the actions. Rows are streamed
// (excelize's StreamWriter), and cells are written as text, never as formulas.
func (s *Store) WriteXLSX(ctx context.Context, w io.Writer, f Filter) error {
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "Registro"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	for i, width := range []float64{20, 18, 24, 18, 36, 60, 18, 20} {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	cells := func(vals []string, style int) []any {
		out := make([]any, len(vals))
		for i, v := range vals {
			out[i] = excelize.Cell{Value: v, StyleID: style}
		}
		return out
	}
	if err := sw.SetRow("A1", cells(header, bold), excelize.RowOpts{}); err != nil {
		return err
	}
	n := 1
	err = s.Each(ctx, f, func(e Entry) error {
		n++
		if n > excelize.TotalRows {
			return fmt.Errorf("più di %d voci: restringere il periodo", excelize.TotalRows-1)
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		return sw.SetRow(cell, cells(row(e), 0))
	})
	if err != nil {
		return fmt.Errorf("audit: excel: %w", err)
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if _, err := x.NewSheet("Legenda"); err != nil {
		return err
	}
	x.SetSheetRow("Legenda", "A1", &[]any{"Codice azione", "Azione"})
	for i, a := range Actions {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		x.SetSheetRow("Legenda", cell, &[]any{string(a), a.Label()})
	}
	x.SetColWidth("Legenda", "A", "B", 24)
	x.SetDocProps(&excelize.DocProperties{Title: "Registro delle attività amministrative", Creator: "Sportello", Language: "it-IT"})
	return x.Write(w)
}
