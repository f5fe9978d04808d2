package telephony

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/it"
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
// rickar/cal/v2, Easter Monday included), local holidays and special days (TEL-9). The zero value
// is not usable; start from NewCalendar.
type Calendar struct {
	Location *time.Location
	Week     [7][]Band // by time.Weekday; empty means closed
	Local    []LocalHoliday
	Special  []SpecialDay

	national *cal.Calendar
}

// NewCalendar returns the default voice-channel calendar of TEL-9: Monday to Friday 8:00–19:00,
// closed on Italian national holidays, in loc (Europe/Rome when nil and available).
func NewCalendar(loc *time.Location) *Calendar {
	if loc == nil {
		loc = Rome()
	}
	c := &Calendar{Location: loc, national: &cal.Calendar{}}
	c.national.AddHoliday(it.Holidays...)
	for d := time.Monday; d <= time.Friday; d++ {
		c.Week[d] = []Band{Hours(8, 0, 19, 0)}
	}
	return c
}

// Rome returns Europe/Rome, or UTC when the time zone database is missing.
func Rome() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return time.UTC
	}
	return loc
}

// Holiday returns the name of the holiday on t's date, or "" on an ordinary day. Special days
// that close the whole day count as holidays.
func (c *Calendar) Holiday(t time.Time) string {
	t = t.In(c.Location)
	if sd, ok := c.special(t); ok && len(sd.Bands) == 0 {
		return sd.Name
	}
	for _, h := range c.Local {
		if t.Month() == h.Month && t.Day() == h.Day {
			return h.Name
		}
	}
	if c.national != nil {
		if actual, _, h := c.national.IsHoliday(t); actual && h != nil {
			return h.Name
		}
	}
	return ""
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
	t = t.In(c.Location)
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

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// at returns the instant at offset off into t's date; it goes through time.Date so that days
// with a daylight-saving change still give wall-clock times.
func at(t time.Time, off time.Duration) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, int(off/time.Hour), int(off%time.Hour/time.Minute), int(off%time.Minute/time.Second), 0, t.Location())
}

func sinceMidnight(t time.Time) time.Duration {
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute +
		time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond())
}

// IsOpen reports whether the service is open at t.
func (c *Calendar) IsOpen(t time.Time) bool {
	t = t.In(c.Location)
	off := sinceMidnight(t)
	for _, b := range c.BandsOn(t) {
		if b.Contains(off) {
			return true
		}
	}
	return false
}

// searchDays bounds every forward search, so that a calendar closed for ever returns an error
// instead of looping.
const searchDays = 400

// NextOpen returns t itself when the service is open, otherwise the start of the next opening
// band.
func (c *Calendar) NextOpen(t time.Time) (time.Time, error) {
	t = t.In(c.Location)
	day := midnight(t)
	for i := 0; i < searchDays; i++ {
		for _, b := range c.BandsOn(day) {
			start, end := at(day, b.From), at(day, b.To)
			if !t.Before(end) {
				continue
			}
			if t.Before(start) {
				return start, nil
			}
			return t, nil
		}
		day = midnight(day.AddDate(0, 0, 1))
	}
	return time.Time{}, fmt.Errorf("telephony: calendar has no opening hours within %d days of %s", searchDays, t.Format(time.DateOnly))
}

// AddWorkingTime returns the instant at which d of working time has elapsed from t, counting
// only opening bands. It is the SLA clock of TK-16: a voicemail left on Friday at 20:00 with a
// Mon–Fri 8–19 calendar and d = 4 h is due on Monday at 12:00.
func (c *Calendar) AddWorkingTime(t time.Time, d time.Duration) (time.Time, error) {
	t = t.In(c.Location)
	day := midnight(t)
	for i := 0; i < searchDays; i++ {
		for _, b := range c.BandsOn(day) {
			start, end := at(day, b.From), at(day, b.To)
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
		day = midnight(day.AddDate(0, 0, 1))
	}
	return time.Time{}, fmt.Errorf("telephony: calendar has no opening hours within %d days of %s", searchDays, t.Format(time.DateOnly))
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
