package web

import (
	"bytes"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/xuri/excelize/v2"

	"sportello/i18n"
	"sportello/internal/clock"
	"sportello/ticketing"
)

// sheet is a list as the workbook export writes it: one header row, then the rows.
type sheet struct {
	Name   string
	Header []string
	Rows   [][]any
}

// writeXLSX sends sh as an .xlsx download named name-YYYYMMDD.xlsx. The workbook is built in
// memory first so that an error is a clean 500, not half a file.
func writeXLSX(c echo.Context, name string, sh sheet) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sh.Name); err != nil {
		return internal(err)
	}
	header := make([]any, len(sh.Header))
	for i, h := range sh.Header {
		header[i] = h
	}
	rows := append([][]any{header}, sh.Rows...)
	for i, r := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return internal(err)
		}
		if err := f.SetSheetRow(sh.Name, cell, &r); err != nil {
			return internal(err)
		}
	}
	if err := f.SetPanes(sh.Name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return internal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return internal(err)
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.xlsx"`, name, time.Now().In(clock.Rome()).Format("20060102")))
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}

// xlsxTime writes a time for a spreadsheet: local time without zone, empty when unset.
func xlsxTime(t time.Time) any {
	if t.IsZero() {
		return ""
	}
	return t.In(clock.Rome()).Format("2006-01-02 15:04")
}

func ticketSheet(rows []ticketing.Row) sheet {
	sh := sheet{Name: "Ticket", Header: []string{"Numero", "Stato", "Canale", "Priorità", "Oggetto", "Descrizione",
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
		sh.Rows = append(sh.Rows, []any{r.Number, r.State.Label(), r.Channel.Label(), priorityLabel(r.Priority),
			r.Subject, r.Description, r.Category, r.Office, r.Assignee, r.Pill, first, xlsxTime(r.Created),
			xlsxTime(r.SolvedAt), xlsxTime(due), describeSLA(r.SLA)})
	}
	return sh
}

func gapSheet(gaps []ticketing.Gap) sheet {
	sh := sheet{Name: "Lacune", Header: []string{"Categoria", "Parole", "Richieste", "Ticket", "Prima", "Ultima"}}
	for _, g := range gaps {
		sh.Rows = append(sh.Rows, []any{g.Category, joinWords(g.Terms), g.Count, joinWords(g.Tickets),
			xlsxTime(g.First), xlsxTime(g.Last)})
	}
	return sh
}

func callbackSheet(list []ticketing.Callback, numbers map[int64]string) sheet {
	sh := sheet{Name: "Richiamate", Header: []string{"Ticket", "Numero da chiamare", "Scadenza", "Tentativi", "Massimo",
		"Stato", "Esito", "Note", "Operatore"}}
	for _, cb := range list {
		sh.Rows = append(sh.Rows, []any{numbers[cb.TicketID], cb.Number, xlsxTime(cb.Due), cb.Attempts, cb.MaxAttempts,
			i18n.T("tk.cb." + string(cb.State)), cb.Outcome, cb.Notes, cb.Operator})
	}
	return sh
}

func joinWords(list []string) string {
	var b bytes.Buffer
	for i, s := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s)
	}
	return b.String()
}

func priorityLabel(p ticketing.Priority) string { return i18n.T("tk.prio." + string(p)) }
