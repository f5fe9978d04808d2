package ticketing

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/it"
)

// Band is a range of service hours within a day, [From, To), as offsets from midnight.
type Band struct {
	From, To time.Duration
}

// LocalHoliday is a holiday on a fixed date every year, such as the patron saint of the city.
type LocalHoliday struct {
	Month time.Month
	Day   int
	Name  string
}

// Calendar is the working calendar of the SLA clocks: service hours per weekday, the Italian
// national holidays (rickar/cal/v2/it, Easter Monday included), local holidays on fixed dates
// and single closed dates. The telephony package keeps its own calendar for the IVR; this one
// only measures working time for tickets (SLA-3, TK-16).
type Calendar struct {
	Location *time.Location
	Week     [7][]Band // by time.Weekday; empty means closed
	Local    []LocalHoliday
	Closed   []time.Time // extra closed dates (only year, month and day count)

	national *cal.Calendar
}

// DefaultCalendar is Monday to Friday 8:00–19:00 in Europe/Rome (TEL-9's service hours),
// closed on national holidays.
func DefaultCalendar() *Calendar {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		loc = time.UTC
	}
	c := NewCalendar(loc)
	for d := time.Monday; d <= time.Friday; d++ {
		c.Week[d] = []Band{{8 * time.Hour, 19 * time.Hour}}
	}
	return c
}

// NewCalendar returns a calendar with the national holidays and no service hours yet.
func NewCalendar(loc *time.Location) *Calendar {
	c := &Calendar{Location: loc, national: &cal.Calendar{}}
	c.national.AddHoliday(it.Holidays...)
	return c
}

// ParseHours reads service hours such as "8:00-13:00,14:00-18:00" into bands.
func ParseHours(s string) ([]Band, error) {
	var out []Band
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		from, to, ok := strings.Cut(part, "-")
		if !ok {
			return nil, fmt.Errorf("ticketing: service hours %q: want FROM-TO, e.g. 8:00-13:00", part)
		}
		f, err := parseClock(from)
		if err != nil {
			return nil, err
		}
		t, err := parseClock(to)
		if err != nil {
			return nil, err
		}
		if t <= f {
			return nil, fmt.Errorf("ticketing: service hours %q: end before start", part)
		}
		out = append(out, Band{f, t})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].From < out[j].From })
	for i := 1; i < len(out); i++ {
		if out[i].From < out[i-1].To {
			return nil, fmt.Errorf("ticketing: service hours %q: bands overlap", s)
		}
	}
	return out, nil
}

func parseClock(s string) (time.Duration, error) {
	h, m, _ := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm := 0
	var err2 error
	if m != "" {
		mm, err2 = strconv.Atoi(m)
	}
	if err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("ticketing: %q is not a time of day (H:MM)", s)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

// ParseLocalHolidays reads "MM-DD Name" entries separated by ";", e.g. "06-24 San Giovanni".
func ParseLocalHolidays(s string) ([]LocalHoliday, error) {
	var out []LocalHoliday
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		date, name, _ := strings.Cut(part, " ")
		t, err := time.Parse("01-02", date)
		if err != nil {
			return nil, fmt.Errorf("ticketing: local holiday %q: want MM-DD Name", part)
		}
		out = append(out, LocalHoliday{Month: t.Month(), Day: t.Day(), Name: strings.TrimSpace(name)})
	}
	return out, nil
}

// Holiday reports whether the date of t (in the calendar's zone) is a holiday, and its name.
func (c *Calendar) Holiday(t time.Time) (string, bool) {
	t = t.In(c.Location)
	if actual, _, h := c.national.IsHoliday(t); actual && h != nil {
		return h.Name, true
	}
	for _, l := range c.Local {
		if t.Month() == l.Month && t.Day() == l.Day {
			return l.Name, true
		}
	}
	y, m, d := t.Date()
	for _, cl := range c.Closed {
		cy, cm, cd := cl.Date()
		if y == cy && m == cm && d == cd {
			return "chiuso", true
		}
	}
	return "", false
}

// bands returns the service bands of the day of t as absolute times.
func (c *Calendar) bands(t time.Time) [][2]time.Time {
	t = t.In(c.Location)
	if _, hol := c.Holiday(t); hol {
		return nil
	}
	y, m, d := t.Date()
	var out [][2]time.Time
	for _, b := range c.Week[t.Weekday()] {
		// Add clock offsets with time.Date so that daylight-saving days keep wall-clock hours.
		from := time.Date(y, m, d, int(b.From/time.Hour), int(b.From%time.Hour/time.Minute), 0, 0, c.Location)
		to := time.Date(y, m, d, int(b.To/time.Hour), int(b.To%time.Hour/time.Minute), 0, 0, c.Location)
		out = append(out, [2]time.Time{from, to})
	}
	return out
}

// maxDays bounds the searches of a calendar with (almost) no working hours.
const maxDays = 3 * 366

func nextDay(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

// Open reports whether t falls inside service hours.
func (c *Calendar) Open(t time.Time) bool {
	for _, b := range c.bands(t) {
		if !t.Before(b[0]) && t.Before(b[1]) {
			return true
		}
	}
	return false
}

// NextOpen returns t when the service is open, otherwise the start of the next service band.
func (c *Calendar) NextOpen(t time.Time) time.Time {
	day := t
	for i := 0; i < maxDays; i++ {
		for _, b := range c.bands(day) {
			if t.Before(b[1]) {
				if t.Before(b[0]) {
					return b[0]
				}
				return t
			}
		}
		day = nextDay(day, c.Location)
		t = day
	}
	return time.Time{}
}

// AddWorking returns the instant d of working time after t. Time outside service hours does
// not count, so a request that arrives at night starts its clock when the office opens (TK-16).
// A calendar with no service hours at all returns the zero time.
func (c *Calendar) AddWorking(t time.Time, d time.Duration) time.Time {
	cur := t
	for i := 0; i < maxDays; i++ {
		for _, b := range c.bands(cur) {
			if !cur.Before(b[1]) {
				continue
			}
			start := b[0]
			if cur.After(start) {
				start = cur
			}
			if left := b[1].Sub(start); d <= left {
				return start.Add(d).UTC()
			} else {
				d -= left
			}
			cur = b[1]
		}
		cur = nextDay(cur, c.Location)
	}
	return time.Time{}
}

// Working returns the working time between a and b (zero when b is not after a).
func (c *Calendar) Working(a, b time.Time) time.Duration {
	var total time.Duration
	cur := a
	for i := 0; i < maxDays && cur.Before(b); i++ {
		for _, band := range c.bands(cur) {
			from, to := band[0], band[1]
			if from.Before(cur) {
				from = cur
			}
			if to.After(b) {
				to = b
			}
			if to.After(from) {
				total += to.Sub(from)
			}
		}
		cur = nextDay(cur, c.Location)
	}
	return total
}
