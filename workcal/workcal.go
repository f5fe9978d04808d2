// Package workcal is the Italian working calendar that the contact center (IVR opening hours,
// callbacks, voicemail deadlines, TEL-9) and the ticketing SLA clocks (SLA-3, TK-16) share:
// weekly service hours, Italian national holidays (rickar/cal/v2, Easter Monday included), local
// holidays (the patron saint), special days with reduced hours or closed, and working-time
// arithmetic (the next opening, a deadline d of working time after t, the working time between
// two instants). Times are in the calendar's zone, Europe/Rome by default (internal/clock).
//
// It also reads the calendar's text forms: "8:00-13:00,14:00-18:00" (ParseHours),
// "mon-fri=8:00-19:00;sat=9:00-12:00" (ParseWeek), "06-24 San Giovanni;12-07 Sant'Ambrogio"
// (ParseLocalHolidays).
package workcal

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/it"

	"sportello/internal/clock"
)

// Band is a time range within a day, [From, To), as offsets from midnight.
type Band struct {
	From, To time.Duration
}

// Contains reports whether the clock time of day d falls inside the band.
func (b Band) Contains(d time.Duration) bool { return d >= b.From && d < b.To }

func (b Band) String() string { return clockString(b.From) + "–" + clockString(b.To) }

func clockString(d time.Duration) string {
	h := int(d / time.Hour)
	m := int((d % time.Hour) / time.Minute)
	return fmt.Sprintf("%d:%02d", h, m)
}

// Hours builds a Band from hours and minutes, e.g. Hours(8, 0, 19, 0).
func Hours(fromH, fromM, toH, toM int) Band {
	return Band{
		From: time.Duration(fromH)*time.Hour + time.Duration(fromM)*time.Minute,
		To:   time.Duration(toH)*time.Hour + time.Duration(toM)*time.Minute,
	}
}

// SpecialDay overrides one date: closed (no bands) or reduced hours.
type SpecialDay struct {
	Date  time.Time // only the year, month and day count
	Name  string    // e.g. "Vigilia di Natale"
	Bands []Band    // empty means closed all day
}

// LocalHoliday is a holiday on a fixed day every year, e.g. the patron saint of the city.
type LocalHoliday struct {
	Month time.Month
	Day   int
	Name  string
}

// Calendar is the working calendar of a service: weekly hours, Italian national holidays (from
// rickar/cal/v2, Easter Monday included), local holidays and special days (TEL-9, SLA-3). The
// zero value is a calendar in Europe/Rome that is never open; start from Default, New or Empty.
type Calendar struct {
	Location *time.Location
	Week     [7][]Band // by time.Weekday; empty means closed
	Local    []LocalHoliday
	Special  []SpecialDay
}

// Names given to a closed day or a local holiday written without one, so that Holiday always
// names a closed day.
const (
	ClosedName       = "chiuso"
	LocalHolidayName = "festività locale"
)

// Default is the default calendar of the voice channel (TEL-9) and of the SLA clocks (SLA-3):
// Monday to Friday 8:00–19:00 in Europe/Rome, closed on Italian national holidays.
func Default() *Calendar { return New(nil) }

// New returns the default hours (Monday to Friday 8:00–19:00, national holidays closed) in loc;
// nil means Europe/Rome.
func New(loc *time.Location) *Calendar {
	c := Empty(loc)
	for d := time.Monday; d <= time.Friday; d++ {
		c.Week[d] = []Band{Hours(8, 0, 19, 0)}
	}
	return c
}

// Empty returns a calendar with the national holidays and no service hours yet, in loc (nil:
// Europe/Rome).
func Empty(loc *time.Location) *Calendar {
	if loc == nil {
		loc = clock.Rome()
	}
	return &Calendar{Location: loc}
}

// loc is the calendar's zone; a zero Calendar works in Europe/Rome.
func (c *Calendar) loc() *time.Location {
	if c.Location == nil {
		return clock.Rome()
	}
	return c.Location
}

// national is the Italian national holidays (rickar/cal/v2), shared by every calendar.
var national = func() *cal.Calendar {
	n := &cal.Calendar{}
	n.AddHoliday(it.Holidays...)
	return n
}()

// Close adds single closed dates (only the year, month and day count, in the calendar's zone).
func (c *Calendar) Close(dates ...time.Time) {
	for _, d := range dates {
		c.Special = append(c.Special, SpecialDay{Date: d, Name: ClosedName})
	}
}

// CloseAlso closes c on every day o is closed all day by its own choice — its local holidays
// and its closed special days — so that one service's closures (the contact center's, from the
// telephony configuration) hold for another's clocks (the tickets' deadlines). Days already in
// c are not added twice; o's hours and partly open days are not copied.
func (c *Calendar) CloseAlso(o *Calendar) {
	if o == nil {
		return
	}
	for _, h := range o.Local {
		if !slices.ContainsFunc(c.Local, func(x LocalHoliday) bool { return x.Month == h.Month && x.Day == h.Day }) {
			c.Local = append(c.Local, h)
		}
	}
	for _, sd := range o.Special {
		if len(sd.Bands) > 0 {
			continue
		}
		y, m, d := sd.Date.Date()
		if !slices.ContainsFunc(c.Special, func(x SpecialDay) bool {
			xy, xm, xd := x.Date.Date()
			return xy == y && xm == m && xd == d && len(x.Bands) == 0
		}) {
			c.Special = append(c.Special, SpecialDay{Date: time.Date(y, m, d, 0, 0, 0, 0, c.loc()), Name: sd.Name})
		}
	}
}

// Holiday returns the name of the holiday on t's date, or "" on an ordinary day. Special days
// that close the whole day count as holidays.
func (c *Calendar) Holiday(t time.Time) string {
	t = t.In(c.loc())
	if sd, ok := c.special(t); ok && len(sd.Bands) == 0 {
		return orName(sd.Name, ClosedName)
	}
	for _, h := range c.Local {
		if t.Month() == h.Month && t.Day() == h.Day {
			return orName(h.Name, LocalHolidayName)
		}
	}
	if actual, _, h := national.IsHoliday(t); actual && h != nil {
		return h.Name
	}
	return ""
}

func orName(name, def string) string {
	if name == "" {
		return def
	}
	return name
}

func (c *Calendar) special(t time.Time) (SpecialDay, bool) {
	y, m, d := t.Date()
	for _, sd := range c.Special {
		sy, sm, sdd := sd.Date.Date()
		if y == sy && m == sm && d == sdd {
			return sd, true
		}
	}
	return SpecialDay{}, false
}

// BandsOn returns the opening bands of t's date, sorted, after holidays and special days.
func (c *Calendar) BandsOn(t time.Time) []Band {
	t = t.In(c.loc())
	if sd, ok := c.special(t); ok {
		return sortedBands(sd.Bands)
	}
	if c.Holiday(t) != "" {
		return nil
	}
	return sortedBands(c.Week[t.Weekday()])
}

func sortedBands(b []Band) []Band {
	out := append([]Band(nil), b...)
	sort.Slice(out, func(i, j int) bool { return out[i].From < out[j].From })
	return out
}

// IsWorkingDay reports whether t's date has any opening hours.
func (c *Calendar) IsWorkingDay(t time.Time) bool { return len(c.BandsOn(t)) > 0 }

// Midnight is the start of t's date, in t's zone.
func Midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// At returns the instant at offset off into t's date; it goes through time.Date so that days
// with a daylight-saving change still give wall-clock times.
func At(t time.Time, off time.Duration) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, int(off/time.Hour), int(off%time.Hour/time.Minute), int(off%time.Minute/time.Second), 0, t.Location())
}

// SinceMidnight is t's time of day, in t's zone.
func SinceMidnight(t time.Time) time.Duration {
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute +
		time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond())
}

// IsOpen reports whether the service is open at t.
func (c *Calendar) IsOpen(t time.Time) bool {
	t = t.In(c.loc())
	off := SinceMidnight(t)
	for _, b := range c.BandsOn(t) {
		if b.Contains(off) {
			return true
		}
	}
	return false
}

// SearchDays bounds every forward search, so that a calendar closed for ever returns an error
// instead of looping.
const SearchDays = 400

// NextOpen returns t itself when the service is open, otherwise the start of the next opening
// band.
func (c *Calendar) NextOpen(t time.Time) (time.Time, error) {
	orig := t
	t = t.In(c.loc())
	day := Midnight(t)
	for i := 0; i < SearchDays; i++ {
		for _, b := range c.BandsOn(day) {
			start, end := At(day, b.From), At(day, b.To)
			if !t.Before(end) {
				continue
			}
			if t.Before(start) {
				return start, nil
			}
			return orig, nil // open now: the caller's instant, in the caller's zone
		}
		day = Midnight(day.AddDate(0, 0, 1))
	}
	return time.Time{}, fmt.Errorf("workcal: calendar has no opening hours within %d days of %s", SearchDays, t.Format(time.DateOnly))
}

// AddWorkingTime returns the instant at which d of working time has elapsed from t, counting
// only opening bands. It is the SLA clock of TK-16: a voicemail left on Friday at 20:00 with a
// Mon–Fri 8–19 calendar and d = 4 h is due on Monday at 12:00.
func (c *Calendar) AddWorkingTime(t time.Time, d time.Duration) (time.Time, error) {
	t = t.In(c.loc())
	day := Midnight(t)
	for i := 0; i < SearchDays; i++ {
		for _, b := range c.BandsOn(day) {
			start, end := At(day, b.From), At(day, b.To)
			if !t.Before(end) {
				continue
			}
			if t.Before(start) {
				t = start
			}
			if left := end.Sub(t); d <= left {
				return t.Add(d), nil
			} else {
				d -= left
				t = end
			}
		}
		day = Midnight(day.AddDate(0, 0, 1))
	}
	return time.Time{}, fmt.Errorf("workcal: calendar has no opening hours within %d days of %s", SearchDays, t.Format(time.DateOnly))
}

var weekdayIT = [7]string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"}

// OpeningHoursText describes the weekly hours in Italian for the out-of-hours message (TEL-5),
// e.g. "Il servizio è attivo dal lunedì al venerdì dalle 8:00 alle 19:00, esclusi i festivi."
func (c *Calendar) OpeningHoursText() string {
	type run struct {
		from, to time.Weekday
		hours    string
	}
	var runs []run
	// Monday first, as Italians read a week.
	for i := 1; i <= 7; i++ {
		d := time.Weekday(i % 7)
		if len(c.Week[d]) == 0 {
			continue
		}
		var parts []string
		for _, b := range sortedBands(c.Week[d]) {
			parts = append(parts, "dalle "+clockString(b.From)+" alle "+clockString(b.To))
		}
		h := strings.Join(parts, " e ")
		if n := len(runs); n > 0 && runs[n-1].hours == h && (runs[n-1].to+1)%7 == d {
			runs[n-1].to = d
			continue
		}
		runs = append(runs, run{d, d, h})
	}
	if len(runs) == 0 {
		return "Il servizio è momentaneamente chiuso."
	}
	var parts []string
	for _, r := range runs {
		if r.from == r.to {
			art := "il "
			if r.from == time.Sunday {
				art = "la "
			}
			parts = append(parts, art+weekdayIT[r.from]+" "+r.hours)
		} else {
			parts = append(parts, "dal "+weekdayIT[r.from]+" al "+weekdayIT[r.to]+" "+r.hours)
		}
	}
	return "Il servizio è attivo " + strings.Join(parts, "; ") + ", esclusi i festivi."
}

// WorkingTime returns the opening time between a and b, counting only opening bands; zero when
// b is not after a. The ticketing SLA clocks use it for the time left or the time overdue
// (SLA-3, TK-16).
func (c *Calendar) WorkingTime(a, b time.Time) time.Duration {
	var total time.Duration
	a, b = a.In(c.loc()), b.In(c.loc())
	// The loop ends because day moves forward by one date each turn until it passes b.
	for day := Midnight(a); day.Before(b); day = Midnight(day.AddDate(0, 0, 1)) {
		for _, band := range c.BandsOn(day) {
			from, to := At(day, band.From), At(day, band.To)
			if from.Before(a) {
				from = a
			}
			if to.After(b) {
				to = b
			}
			if to.After(from) {
				total += to.Sub(from)
			}
		}
	}
	return total
}
