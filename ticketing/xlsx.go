package ticketing

import (
	"bytes"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"sportello/internal/clock"
)

// Sheet is a list as the workbook exports write it: one header row, then the rows. Every list
// of the ticket pages can be downloaded as .xlsx (?formato=xlsx).
type Sheet struct {
	Name   string
	Header []string
	Rows   [][]any
}

// XLSX is the sheet as an .xlsx workbook, the header row frozen. It is built in memory, so that
// an error leaves no half file behind.
func (sh Sheet) XLSX() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sh.Name); err != nil {
		return nil, err
	}
	header := make([]any, len(sh.Header))
	for i, h := range sh.Header {
		header[i] = h
	}
	rows := append([][]any{header}, sh.Rows...)
	for i, r := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return nil, err
		}
		if err := f.SetSheetRow(sh.Name, cell, &r); err != nil {
			return nil, err
		}
	}
	if err := f.SetPanes(sh.Name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// xlsxTime writes a time for a spreadsheet: Rome time without zone, empty when unset.
func xlsxTime(t time.Time) any {
	if t.IsZero() {
		return ""
	}
	return t.In(clock.Rome()).Format("2006-01-02 15:04")
}

// TicketSheet is a list of tickets as a sheet.
func TicketSheet(rows []Row) Sheet {
	sh := Sheet{Name: "Ticket", Header: []string{"Numero", "Stato", "Canale", "Priorità", "Oggetto", "Descrizione",
		"Categoria", "Ufficio", "Assegnatario", "Scheda", "Prima chiamata", "Aperto", "Risolto", "Scadenza", "SLA"}}
	for _, r := range rows {
		due := r.DueSolve
		if r.TakenAt.IsZero() && !r.DueTake.IsZero() {
			due = r.DueTake
		}
		first := "no"
		if r.FirstContact {
			first = "sì"
		}
		sh.Rows = append(sh.Rows, []any{r.Number, r.State.Label(), r.Channel.Label(), r.Priority.Label(),
			r.Subject, r.Description, r.Category, r.Office, r.Assignee, r.Pill, first, xlsxTime(r.Created),
			xlsxTime(r.SolvedAt), xlsxTime(due), r.SLA.Label()})
	}
	return sh
}

// GapSheet is the knowledge gaps (KB-10) as a sheet.
func GapSheet(gaps []Gap) Sheet {
	sh := Sheet{Name: "Lacune", Header: []string{"Categoria", "Parole", "Richieste", "Ticket", "Prima", "Ultima"}}
	for _, g := range gaps {
		sh.Rows = append(sh.Rows, []any{g.Category, strings.Join(g.Terms, ", "), g.Count, strings.Join(g.Tickets, ", "),
			xlsxTime(g.First), xlsxTime(g.Last)})
	}
	return sh
}

// CallbackSheet is a list of callbacks as a sheet; numbers maps ticket ids to their numbers.
func CallbackSheet(list []Callback, numbers map[int64]string) Sheet {
	sh := Sheet{Name: "Richiamate", Header: []string{"Ticket", "Numero da chiamare", "Scadenza", "Tentativi", "Massimo",
		"Stato", "Esito", "Note", "Operatore"}}
	for _, cb := range list {
		sh.Rows = append(sh.Rows, []any{numbers[cb.TicketID], cb.Number, xlsxTime(cb.Due), cb.Attempts, cb.MaxAttempts,
			cb.State.Label(), cb.Outcome, cb.Notes, cb.Operator})
	}
	return sh
}
