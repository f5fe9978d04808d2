// Package clock is time for people: Sportello serves an Italian administration, so every date
// and time a person reads (pages, exports, e-mails, messages) is in Europe/Rome, whatever time
// zone the server runs in. Storage stays in UTC.
//
// The time-zone database is embedded (time/tzdata), so Rome can never silently become UTC on a
// machine or container without /usr/share/zoneinfo: summer time and winter time are always
// right.
package clock

import (
	"time"
	_ "time/tzdata" // Europe/Rome even without a system zoneinfo
)

// rome is loaded once; with the embedded database the load cannot fail.
var rome = func() *time.Location {
	l, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic("clock: Europe/Rome missing from the embedded time-zone database: " + err.Error())
	}
	return l
}()

// Rome is the Europe/Rome location.
func Rome() *time.Location { return rome }

// Layouts for people, Italian style.
const (
	DateLayout     = "02/01/2006"
	DateTimeLayout = "02/01/2006 15:04"
	TimeLayout     = "15:04"
	SecondsLayout  = "15:04:05"
	ISODate        = "2006-01-02" // date fields of forms and query parameters
)

// Date is t's date in Rome, "02/01/2006"; "" for the zero time.
func Date(t time.Time) string { return format(t, DateLayout) }

// DateTime is t in Rome, "02/01/2006 15:04"; "" for the zero time.
func DateTime(t time.Time) string { return format(t, DateTimeLayout) }

// Time is t's time of day in Rome, "15:04"; "" for the zero time.
func Time(t time.Time) string { return format(t, TimeLayout) }

// TimeSec is t's time of day in Rome with seconds, "15:04:05"; "" for the zero time.
func TimeSec(t time.Time) string { return format(t, SecondsLayout) }

// ISO is t's date in Rome as "2006-01-02", for form fields; "" for the zero time.
func ISO(t time.Time) string { return format(t, ISODate) }

func format(t time.Time, layout string) string {
	if t.IsZero() {
		return ""
	}
	return t.In(rome).Format(layout)
}

// ParseISO reads "2006-01-02" as midnight of that day in Rome.
func ParseISO(s string) (time.Time, error) { return time.ParseInLocation(ISODate, s, rome) }

// Midnight is the start of t's day in Rome.
func Midnight(t time.Time) time.Time {
	y, m, d := t.In(rome).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, rome)
}
