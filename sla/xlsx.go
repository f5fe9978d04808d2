package sla

// The Excel report (§7: "su supporto informatico elaborabile … ad esempio excel"; SLA-5): a
// summary sheet, one sheet per SLA with its daily values and a native chart against the
// threshold, availability, volumes with their charts, and one row per contact (raw data).

import (
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"sportello/ticketing"
)

// xlsxSheet names: Excel allows 31 characters and no : \ / ? * [ ].
const (
	sheetSummary = "Sintesi"
	sheetAvail   = "Disponibilità"
	sheetVolumes = "Volumi"
	sheetRaw     = "Dati"
)

var outcomeIT = map[Outcome]string{
	OutAnswered: "risposta", OutAbandoned: "abbandonata", OutOverflowed: "uscita senza operatore", OutUnfinished: "senza esito",
	OutBlocked: "respinta", OutClosed: "fuori orario", OutIVR: "solo IVR",
}

// WriteXLSX writes the report as an Excel workbook.
func (rep *Report) WriteXLSX(w io.Writer) error {
	x := excelize.NewFile()
	defer x.Close()
	xw := &xlsxWriter{f: x, rep: rep}
	if err := xw.styles(); err != nil {
		return err
	}
	steps := []func() error{xw.summary, xw.perSLA, xw.availability, xw.volumes, xw.raw}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("sla: excel: %w", err)
		}
	}
	x.SetDocProps(&excelize.DocProperties{Title: "Livelli di servizio – " + rep.Period.Label, Creator: "Sportello",
		Language: "it-IT", Created: rep.GeneratedAt.Format(time.RFC3339)})
	return x.Write(w)
}

type xlsxWriter struct {
	f                                   *excelize.File
	rep                                 *Report
	bold, head, pct, num1, dt, wrap, hd int
}

func (xw *xlsxWriter) styles() error {
	var err error
	mk := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = xw.f.NewStyle(s)
		return id
	}
	xw.bold = mk(&excelize.Style{Font: &excelize.Font{Bold: true}})
	xw.hd = mk(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	xw.head = mk(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE6F0"}},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	xw.pct = mk(&excelize.Style{NumFmt: 10}) // 0.00%
	xw.num1 = mk(&excelize.Style{CustomNumFmt: strPtr("0.0")})
	xw.dt = mk(&excelize.Style{CustomNumFmt: strPtr("dd/mm/yyyy hh:mm:ss")})
	xw.wrap = mk(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	return err
}

func strPtr(s string) *string { return &s }

// set writes a row of values from cell (col, row), 1-based.
func (xw *xlsxWriter) set(sheet string, col, row int, values ...any) {
	for i, v := range values {
		cell, _ := excelize.CoordinatesToCellName(col+i, row)
		switch v := v.(type) {
		case *float64:
			if v != nil {
				xw.f.SetCellValue(sheet, cell, *v)
			}
		case time.Time:
			xw.f.SetCellValue(sheet, cell, v.In(xw.rep.Period.From.Location()).Format("2006-01-02 15:04:05"))
		default:
			xw.f.SetCellValue(sheet, cell, v)
		}
	}
}

func (xw *xlsxWriter) style(sheet string, c1, r1, c2, r2, style int) {
	a, _ := excelize.CoordinatesToCellName(c1, r1)
	b, _ := excelize.CoordinatesToCellName(c2, r2)
	xw.f.SetCellStyle(sheet, a, b, style)
}

func yesNo(b *bool) string {
	switch {
	case b == nil:
		return "non misurato"
	case *b:
		return "rispettato"
	}
	return "NON rispettato"
}

// slaTable writes the SLA rows of a report from row and returns the next free row.
func (xw *xlsxWriter) slaTable(sheet string, rep *Report, row int) int {
	xw.set(sheet, 1, row, "SLA", "Descrizione", "Valore misurato", "Soglia applicata", "Soglia contrattuale", "Scostamento (punti)",
		"Penale (punti)", "Esito", "Numeratore", "Denominatore", "Nota")
	xw.style(sheet, 1, row, 11, row, xw.head)
	row++
	first := row
	rows := func(ids []string, m map[string]Assessment) {
		for _, id := range ids {
			a := m[id]
			xw.set(sheet, 1, row, a.ID, a.Label, a.Value, a.Threshold, a.BaseThreshold, a.DeviationPoints, a.PenaltyPoints, yesNo(a.Met),
				a.Numerator, a.Denominator, a.Note)
			row++
		}
	}
	rows(SLAIDs(), rep.SLA)
	rows(AvailabilityIDs(), rep.Availability)
	xw.style(sheet, 3, first, 5, row-1, xw.pct)
	xw.style(sheet, 6, first, 6, row-1, xw.num1)
	xw.style(sheet, 11, first, 11, row-1, xw.wrap)
	xw.set(sheet, 1, row, "Totale penali (punti)")
	xw.set(sheet, 7, row, rep.PenaltyPoints)
	xw.style(sheet, 1, row, 7, row, xw.bold)
	return row + 2
}

func (xw *xlsxWriter) summary() error {
	rep, s := xw.rep, sheetSummary
	xw.f.SetSheetName("Sheet1", s)
	kind := "mensile"
	if rep.Period.Kind == KindBimester {
		kind = "bimestrale"
	}
	xw.set(s, 1, 1, "Livelli di servizio – report "+kind+" – "+rep.Period.Label)
	xw.style(s, 1, 1, 1, 1, xw.hd)
	xw.set(s, 1, 2, "Generato il", rep.GeneratedAt)
	state := "completo"
	if !rep.Complete {
		state = "periodo in corso: valori parziali"
	}
	xw.set(s, 1, 3, "Stato", state)
	row := 5
	xw.set(s, 1, row, "Volumi e regola di overflow (§8.7)")
	xw.style(s, 1, row, 1, row, xw.bold)
	row++
	for _, kv := range [][2]any{
		{"Chiamate offerte (entrate in coda)", rep.Offered}, {"Risposte", rep.Answered}, {"Abbandonate", rep.Abandoned},
		{"Uscite dalla coda senza operatore", rep.Overflowed}, {"Respinte (coda piena o nessuna linea)", rep.Blocked},
		{"Senza esito nel registro", rep.Unfinished}, {"Volume previsto annuo", rep.PlannedAnnual},
		{"Volume previsto nel periodo", rep.Planned}, {"Crescita sul previsto", rep.Growth}, {"Riduzione delle soglie (punti)", rep.ThresholdCut},
	} {
		xw.set(s, 1, row, kv[0], kv[1])
		row++
	}
	xw.style(s, 2, row-3, 2, row-3, xw.num1)
	xw.style(s, 2, row-2, 2, row-2, xw.pct)
	row++
	chartFrom := row
	row = xw.slaTable(s, rep, row)
	// A native chart of the measured values against the thresholds (C.1–O.3).
	n := len(SLAIDs())
	ref := func(col string) string {
		return fmt.Sprintf("'%s'!$%s$%d:$%s$%d", s, col, chartFrom+1, col, chartFrom+n)
	}
	if err := xw.f.AddChart(s, "M5", &excelize.Chart{Type: excelize.Col, Title: []excelize.RichTextRun{{Text: "Livelli di servizio e soglie"}},
		Series: []excelize.ChartSeries{{Name: "Valore misurato", Categories: ref("A"), Values: ref("C")}},
		YAxis:  excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}, Minimum: floatPtr(0), Maximum: floatPtr(1), MajorGridLines: true},
		Legend: excelize.ChartLegend{Position: "bottom"}, Dimension: excelize.ChartDimension{Width: 560, Height: 300},
		Format: excelize.GraphicOptions{AltText: "Valore di ogni livello di servizio (colonne) e soglia applicata (linea tratteggiata)."},
	}, &excelize.Chart{Type: excelize.Line, Series: []excelize.ChartSeries{{Name: "Soglia applicata", Categories: ref("A"), Values: ref("D"),
		Line: excelize.ChartLine{Dash: excelize.ChartDashDash, Width: 2}, Marker: excelize.ChartMarker{Symbol: "dash"}}}}); err != nil {
		return err
	}
	for _, m := range rep.Months {
		xw.set(s, 1, row, "Mese di "+m.Period.Label+" (periodo di riferimento contrattuale)")
		xw.style(s, 1, row, 1, row, xw.bold)
		row++
		xw.set(s, 1, row, "Offerte", m.Offered, "Crescita", m.Growth, "Riduzione soglie", m.ThresholdCut)
		xw.style(s, 4, row, 4, row, xw.pct)
		row = xw.slaTable(s, m, row+1)
	}
	xw.set(s, 1, row, "Nota del gestore del contratto")
	xw.style(s, 1, row, 1, row, xw.bold)
	row++
	if rep.Note != nil {
		xw.set(s, 1, row, rep.Note.Text)
		xw.set(s, 1, row+1, "di "+rep.Note.Author+", "+rep.Note.At.In(rep.Period.From.Location()).Format("02/01/2006 15:04"))
		row += 2
	} else {
		xw.set(s, 1, row, "(nessuna nota)")
		row++
	}
	if len(rep.Warnings) > 0 {
		row++
		xw.set(s, 1, row, "Avvertenze")
		xw.style(s, 1, row, 1, row, xw.bold)
		for _, w := range rep.Warnings {
			row++
			xw.set(s, 1, row, w)
		}
	}
	xw.f.SetColWidth(s, "A", "A", 34)
	xw.f.SetColWidth(s, "B", "B", 48)
	xw.f.SetColWidth(s, "C", "J", 14)
	xw.f.SetColWidth(s, "K", "K", 50)
	return nil
}

func floatPtr(v float64) *float64 { return &v }

// daySeries are the daily numerators and denominators of one SLA.
func (xw *xlsxWriter) daySeries(id string) (num, den []int, extra []any, extraName string) {
	rep := xw.rep
	for i, d := range rep.Daily {
		f := d.Figures
		var tf *ticketing.Figures
		if i < len(rep.DailyTickets) {
			tf = rep.DailyTickets[i].Figures
		}
		n, m := 0, 0
		switch id {
		case "C.1":
			n, m = f.ServiceOffered, f.ServiceContacts
		case "C.2":
			n, m = f.AnsweredUnder, f.Answered
			extra, extraName = append(extra, f.AnsweredOverMax), "Risposte dopo 90 s"
		case "C.3":
			n, m = f.Abandoned, f.Offered
			extra, extraName = append(extra, f.Overflowed), "Uscite senza operatore"
		case "C.4":
			if tf != nil {
				n, m = tf.FirstContact, tf.Contacts
			}
		case "O.1":
			if tf != nil {
				n, m = tf.TakenInTime, tf.Offline-tf.PendingTake
			}
		case "O.2":
			if tf != nil {
				n, m = tf.SolvedInTime, tf.Offline-tf.PendingSolve
			}
		case "O.3":
			if tf != nil {
				n, m = tf.SolvedInFinal, tf.Offline-tf.PendingFinal
			}
		}
		num, den = append(num, n), append(den, m)
	}
	return
}

func (xw *xlsxWriter) perSLA() error {
	rep := xw.rep
	for _, id := range SLAIDs() {
		a := rep.SLA[id]
		s := id
		if _, err := xw.f.NewSheet(s); err != nil {
			return err
		}
		xw.set(s, 1, 1, a.ID+" – "+a.Label)
		xw.style(s, 1, 1, 1, 1, xw.hd)
		dir := "minimo"
		if a.Direction == "max" {
			dir = "massimo"
		}
		xw.set(s, 1, 2, "Valore del periodo", a.Value, "Soglia ("+dir+")", a.Threshold, "Penale (punti)", a.PenaltyPoints)
		xw.style(s, 2, 2, 2, 2, xw.pct)
		xw.style(s, 4, 2, 4, 2, xw.pct)
		if a.Note != "" {
			xw.set(s, 1, 3, a.Note)
		}
		num, den, extra, extraName := xw.daySeries(id)
		head := []any{"Giorno", "Numeratore", "Denominatore", "Valore", "Soglia"}
		if extraName != "" {
			head = append(head, extraName)
		}
		xw.set(s, 1, 5, head...)
		xw.style(s, 1, 5, len(head), 5, xw.head)
		for i, d := range rep.Daily {
			r := 6 + i
			xw.set(s, 1, r, d.Key, num[i], den[i], ratio(int64(num[i]), int64(den[i])), a.Threshold)
			if extraName != "" {
				xw.set(s, 6, r, extra[i])
			}
		}
		last := 5 + len(rep.Daily)
		xw.style(s, 4, 6, 5, last, xw.pct)
		xw.f.SetColWidth(s, "A", "A", 14)
		xw.f.SetColWidth(s, "B", "F", 14)
		ref := func(col string) string { return fmt.Sprintf("'%s'!$%s$6:$%s$%d", s, col, col, last) }
		if err := xw.f.AddChart(s, "H5", &excelize.Chart{Type: excelize.Line, Title: []excelize.RichTextRun{{Text: a.ID + " per giorno"}},
			Series: []excelize.ChartSeries{
				{Name: a.ID, Categories: ref("A"), Values: ref("D"), Marker: excelize.ChartMarker{Symbol: "circle", Size: 5}},
				{Name: "Soglia", Categories: ref("A"), Values: ref("E"), Line: excelize.ChartLine{Dash: excelize.ChartDashDash, Width: 1.5}, Marker: excelize.ChartMarker{Symbol: "none"}},
			},
			YAxis:     excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}, Minimum: floatPtr(0), Maximum: floatPtr(1), MajorGridLines: true},
			Legend:    excelize.ChartLegend{Position: "bottom"},
			Dimension: excelize.ChartDimension{Width: 640, Height: 320}, ShowBlanksAs: "gap",
			Format: excelize.GraphicOptions{AltText: fmt.Sprintf("%s giornaliero (linea con cerchi) e soglia (linea tratteggiata); i valori sono nella tabella a sinistra.", a.ID)},
		}); err != nil {
			return err
		}
	}
	return nil
}

func (xw *xlsxWriter) availability() error {
	rep, s := xw.rep, sheetAvail
	if _, err := xw.f.NewSheet(s); err != nil {
		return err
	}
	xw.set(s, 1, 1, "Disponibilità dei componenti (SLA infrastruttura, §7.1)")
	xw.style(s, 1, 1, 1, 1, xw.hd)
	xw.set(s, 1, 3, "Componente", "Misurato dal", "Ore attive nel service time", "Ore di service time", "Ore attive nelle altre fasce",
		"Ore delle altre fasce", "Service time", "Altre fasce", "Complessiva")
	xw.style(s, 1, 3, 9, 3, xw.head)
	hours := func(d time.Duration) float64 { return d.Hours() }
	for i, av := range rep.Uptime {
		r := 4 + i
		since := any("non misurato")
		if av.Measured {
			since = av.Since
		}
		xw.set(s, 1, r, componentName(av.Component), since, hours(av.ServiceUp), hours(av.ServiceTotal), hours(av.OtherUp), hours(av.OtherTotal),
			av.Service(), av.Other(), av.All())
	}
	xw.style(s, 3, 4, 6, 3+len(rep.Uptime), xw.num1)
	xw.style(s, 7, 4, 9, 3+len(rep.Uptime), xw.pct)
	row := 5 + len(rep.Uptime)
	xw.set(s, 1, row, "SLA", "Descrizione", "Valore", "Soglia", "Penale (punti)", "Esito")
	xw.style(s, 1, row, 6, row, xw.head)
	for i, id := range AvailabilityIDs() {
		a := rep.Availability[id]
		xw.set(s, 1, row+1+i, a.ID, a.Label, a.Value, a.Threshold, a.PenaltyPoints, yesNo(a.Met))
	}
	xw.style(s, 3, row+1, 4, row+len(AvailabilityIDs()), xw.pct)
	xw.f.SetColWidth(s, "A", "A", 14)
	xw.f.SetColWidth(s, "B", "I", 18)
	return nil
}

func (xw *xlsxWriter) volumes() error {
	rep, s := xw.rep, sheetVolumes
	if _, err := xw.f.NewSheet(s); err != nil {
		return err
	}
	xw.set(s, 1, 1, "Volumi, esiti e tempi (aggregazioni §8.4)")
	xw.style(s, 1, 1, 1, 1, xw.hd)
	head := []any{"Giorno", "Offerte", "Risposte", "Abbandonate", "Uscite senza operatore", "Respinte", "Senza esito",
		"Risposte entro 30 s", "Risposte dopo 90 s", "Attesa media risposta (s)", "Attesa media in coda (s)", "Conversazione media (s)", "Trasferite"}
	row := 3
	table := func(title string, buckets []Bucket) {
		xw.set(s, 1, row, title)
		xw.style(s, 1, row, 1, row, xw.bold)
		row++
		xw.set(s, 1, row, head...)
		xw.style(s, 1, row, len(head), row, xw.head)
		for _, b := range buckets {
			row++
			f := b.Figures
			xw.set(s, 1, row, b.Key, f.Offered, f.Answered, f.Abandoned, f.Overflowed, f.Blocked, f.Unfinished, f.AnsweredUnder,
				f.AnsweredOverMax, f.MeanAnswer, f.MeanWait, f.MeanTalk, f.Transferred)
		}
		xw.style(s, 10, row-len(buckets)+1, 12, row, xw.num1)
		row += 2
	}
	dayFirst := row + 2
	table("Per giorno", rep.Daily)
	dayLast := dayFirst + len(rep.Daily) - 1
	table("Per settimana", rep.Weekly)
	if rep.Period.Kind == KindBimester {
		var months []Bucket
		for _, m := range rep.Months {
			months = append(months, Bucket{Key: m.Period.ID, Figures: m.Figures})
		}
		table("Per mese", months)
	}
	hourFirst := row + 2
	hours := make([]Bucket, 24)
	for h := range hours {
		hours[h] = Bucket{Key: fmt.Sprintf("%02d–%02d", h, h+1), Figures: rep.Hours[h]}
	}
	table("Per fascia oraria", hours)
	hourLast := hourFirst + 23
	var queues, channels []Bucket
	for _, g := range rep.ByQueue {
		queues = append(queues, Bucket{Key: g.Name, Figures: g.Figures})
	}
	for _, g := range rep.ByChannel {
		channels = append(channels, Bucket{Key: g.Name, Figures: g.Figures})
	}
	table("Per coda (telefono)", queues)
	table("Per canale", channels)
	xw.f.SetColWidth(s, "A", "A", 16)
	xw.f.SetColWidth(s, "B", "M", 13)
	ref := func(col string, a, b int) string { return fmt.Sprintf("'%s'!$%s$%d:$%s$%d", s, col, a, col, b) }
	var series []excelize.ChartSeries
	for i, name := range []string{"Risposte", "Abbandonate", "Uscite senza operatore", "Respinte"} {
		col := string(rune('C' + i))
		series = append(series, excelize.ChartSeries{Name: name, Categories: ref("A", dayFirst, dayLast), Values: ref(col, dayFirst, dayLast)})
	}
	if err := xw.f.AddChart(s, "O3", &excelize.Chart{Type: excelize.ColStacked, Title: []excelize.RichTextRun{{Text: "Chiamate al giorno per esito"}},
		Series: series, Legend: excelize.ChartLegend{Position: "bottom"}, Dimension: excelize.ChartDimension{Width: 720, Height: 340},
		Format: excelize.GraphicOptions{AltText: "Colonne impilate: risposte, abbandonate, uscite senza operatore e respinte per giorno; i valori sono nella tabella Per giorno."},
	}); err != nil {
		return err
	}
	if err := xw.f.AddChart(s, "O22", &excelize.Chart{Type: excelize.Col, Title: []excelize.RichTextRun{{Text: "Chiamate per fascia oraria"}},
		Series: []excelize.ChartSeries{{Name: "Offerte", Categories: ref("A", hourFirst, hourLast), Values: ref("B", hourFirst, hourLast)}},
		Legend: excelize.ChartLegend{Position: "none"}, Dimension: excelize.ChartDimension{Width: 720, Height: 300},
		Format: excelize.GraphicOptions{AltText: "Chiamate entrate in coda per ora del giorno; i valori sono nella tabella Per fascia oraria."},
	}); err != nil {
		return err
	}
	return xw.f.AddChart(s, "O39", &excelize.Chart{Type: excelize.Line, Title: []excelize.RichTextRun{{Text: "Tempi medi per giorno (secondi)"}},
		Series: []excelize.ChartSeries{
			{Name: "Attesa media risposta", Categories: ref("A", dayFirst, dayLast), Values: ref("J", dayFirst, dayLast), Marker: excelize.ChartMarker{Symbol: "circle", Size: 5}},
			{Name: "Conversazione media", Categories: ref("A", dayFirst, dayLast), Values: ref("L", dayFirst, dayLast), Marker: excelize.ChartMarker{Symbol: "square", Size: 5},
				Line: excelize.ChartLine{Dash: excelize.ChartDashDash}},
		},
		Legend: excelize.ChartLegend{Position: "bottom"}, Dimension: excelize.ChartDimension{Width: 720, Height: 300}, ShowBlanksAs: "gap",
		Format: excelize.GraphicOptions{AltText: "Attesa media di risposta (cerchi) e conversazione media (quadrati, tratteggio) per giorno."},
	})
}

// raw writes one row per contact with a stream writer: memory stays flat however many.
func (xw *xlsxWriter) raw() error {
	s := sheetRaw
	if _, err := xw.f.NewSheet(s); err != nil {
		return err
	}
	sw, err := xw.f.NewStreamWriter(s)
	if err != nil {
		return err
	}
	sw.SetColWidth(1, 1, 26)
	sw.SetColWidth(4, 4, 20)
	if err := sw.SetRow("A1", []any{"Chiamata", "Coda", "Canale", "Arrivo", "Service time", "Esito", "Motivo", "Destinazione",
		"Attesa (s)", "Conversazione (s)", "Post-chiamata (s)", "Operatore", "Trasferita", "Trasferimenti falliti", "Squilli senza risposta"},
		excelize.RowOpts{StyleID: xw.head}); err != nil {
		return err
	}
	loc := xw.rep.Period.From.Location()
	for i, c := range xw.rep.Contacts {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		inService := "no"
		if c.InService {
			inService = "sì"
		}
		transferred := "no"
		if c.Transferred {
			transferred = "sì"
		}
		if err := sw.SetRow(cell, []any{c.CallID, c.Queue, string(c.Channel),
			excelize.Cell{StyleID: xw.dt, Value: localNaive(c.Arrived.In(loc))}, inService, outcomeIT[c.Outcome], c.Reason, c.Target,
			int64(c.Wait / time.Second), int64(c.Talk / time.Second), int64(c.WrapUp / time.Second), c.Operator, transferred,
			c.TransferFailed, c.UnansweredRing}); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// localNaive keeps a time's wall clock in UTC: Excel cells have no time zone, and the
// contract manager reads Rome's time.
func localNaive(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}
