package sla

import (
	"fmt"
	"strings"
	"time"
)

// Period is a report's period: a calendar month (the tender's reference period) or two
// consecutive months (the bi-monthly report of §7), in the service's time zone.
type Period struct {
	Kind  string    `json:"kind"`  // "month" or "bimester"
	ID    string    `json:"id"`    // the first month, "2026-09"
	Label string    `json:"label"` // "settembre–ottobre 2026"
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
}

const (
	KindMonth    = "month"
	KindBimester = "bimester"
)

var mesi = [...]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
	"settembre", "ottobre", "novembre", "dicembre"}

// Month is the calendar month of y and m in loc.
func Month(y int, m time.Month, loc *time.Location) Period {
	from := time.Date(y, m, 1, 0, 0, 0, 0, loc)
	return Period{Kind: KindMonth, ID: from.Format("2006-01"), Label: mesi[from.Month()-1] + " " + from.Format("2006"),
		From: from, To: from.AddDate(0, 1, 0)}
}

// Bimester is the two months starting with y and m in loc.
func Bimester(y int, m time.Month, loc *time.Location) Period {
	from := time.Date(y, m, 1, 0, 0, 0, 0, loc)
	to := from.AddDate(0, 2, 0)
	last := from.AddDate(0, 1, 0)
	label := mesi[from.Month()-1] + "–" + mesi[last.Month()-1] + " " + last.Format("2006")
	if from.Year() != last.Year() {
		label = mesi[from.Month()-1] + " " + from.Format("2006") + " – " + mesi[last.Month()-1] + " " + last.Format("2006")
	}
	return Period{Kind: KindBimester, ID: from.Format("2006-01"), Label: label, From: from, To: to}
}

// ParsePeriod reads "2026-10" as a month or a bimester starting then; the error is in Italian.
func ParsePeriod(kind, s string, loc *time.Location) (Period, error) {
	t, err := time.ParseInLocation("2006-01", strings.TrimSpace(s), loc)
	if err != nil || t.Year() < 2000 || t.Year() > 2099 {
		return Period{}, fmt.Errorf("periodo %q non valido: scrivere anno e mese, per esempio 2026-10", s)
	}
	switch kind {
	case KindMonth:
		return Month(t.Year(), t.Month(), loc), nil
	case KindBimester:
		return Bimester(t.Year(), t.Month(), loc), nil
	}
	return Period{}, fmt.Errorf("tipo di periodo %q sconosciuto (month o bimester)", kind)
}

// Key names the period in storage and file names: "mese-2026-10", "bimestre-2026-09".
func (p Period) Key() string {
	if p.Kind == KindBimester {
		return "bimestre-" + p.ID
	}
	return "mese-" + p.ID
}

// Months are the months of the period.
func (p Period) Months() []Period {
	var out []Period
	for t := p.From; t.Before(p.To); t = t.AddDate(0, 1, 0) {
		out = append(out, Month(t.Year(), t.Month(), p.From.Location()))
	}
	return out
}
