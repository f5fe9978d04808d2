package ticketing

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"sportello/telephony"
)

// Band is a range of service hours within a day, [From, To), as offsets from midnight. It is
// the telephony band, so that the SLA clocks and the IVR share one calendar mechanism.
type Band = telephony.Band

// LocalHoliday is a holiday on a fixed date every year, such as the patron saint of the city.
type LocalHoliday = telephony.LocalHoliday

// Calendar is the working calendar of the SLA clocks (SLA-3, TK-16): service hours per weekday,
// the Italian national holidays, local holidays on fixed dates and single closed dates. The
// holidays, bands and working-time arithmetic are telephony.Calendar's; this type only keeps
// the fields that the settings fill in and maps closed dates to telephony special days.
type Calendar struct {
	Location *time.Location
	Week     [7][]Band // by time.Weekday; empty means closed
	Local    []LocalHoliday
	Closed   []time.Time // extra closed dates (only year, month and day count)

	base *telephony.Calendar // holds the national holidays
}

// DefaultCalendar is Monday to Friday 8:00–19:00 in Europe/Rome (TEL-9's service hours),
// closed on national holidays.
func DefaultCalendar() *Calendar {
	c := NewCalendar(telephony.Rome())
	for d := time.Monday; d <= time.Friday; d++ {
		c.Week[d] = []Band{telephony.Hours(8, 0, 19, 0)}
	}
	return c
}

// NewCalendar returns a calendar with the national holidays and no service hours yet.
func NewCalendar(loc *time.Location) *Calendar {
	base := telephony.NewCalendar(loc)
	base.Week = [7][]Band{}
	return &Calendar{Location: base.Location, base: base}
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
		out = append(out, Band{From: f, To: t})
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

// closedName names closed dates, and unnamed local holidays are given a name, because
// telephony treats a holiday with an empty name as an ordinary day.
const (
	closedName       = "chiuso"
	localHolidayName = "festività locale"
)

// view returns a telephony calendar with the current fields. The fields are read at each call,
// not copied once, because the settings and the tests fill them in after NewCalendar; a fresh
// copy per call also keeps a shared calendar free of writes.
func (c *Calendar) view() *telephony.Calendar {
	var v telephony.Calendar
	if c.base != nil {
		v = *c.base
	}
	v.Location, v.Week, v.Local = c.Location, c.Week, c.Local
	for _, l := range c.Local {
		if l.Name == "" {
			v.Local = namedLocal(c.Local)
			break
		}
	}
	if len(c.Closed) > 0 {
		v.Special = make([]telephony.SpecialDay, len(c.Closed))
		for i, d := range c.Closed {
			v.Special[i] = telephony.SpecialDay{Date: d, Name: closedName}
		}
	}
	return &v
}

// namedLocal returns a copy of local with a name for every holiday.
func namedLocal(local []LocalHoliday) []LocalHoliday {
	out := append([]LocalHoliday(nil), local...)
	for i := range out {
		if out[i].Name == "" {
			out[i].Name = localHolidayName
		}
	}
	return out
}

// Holiday reports whether the date of t (in the calendar's zone) is a holiday, and its name.
func (c *Calendar) Holiday(t time.Time) (string, bool) {
	name := c.view().Holiday(t)
	return name, name != ""
}

// Open reports whether t falls inside service hours.
func (c *Calendar) Open(t time.Time) bool { return c.view().IsOpen(t) }

// NextOpen returns t when the service is open, otherwise the start of the next service band;
// the zero time when the calendar has no service hours ahead.
func (c *Calendar) NextOpen(t time.Time) time.Time {
	next, err := c.view().NextOpen(t)
	if err != nil {
		return time.Time{}
	}
	if next.Equal(t) {
		return t // keep the caller's zone
	}
	return next
}

// AddWorking returns the instant d of working time after t. Time outside service hours does
// not count, so a request that arrives at night starts its clock when the office opens (TK-16).
// A calendar with no service hours at all returns the zero time.
func (c *Calendar) AddWorking(t time.Time, d time.Duration) time.Time {
	due, err := c.view().AddWorkingTime(t, d)
	if err != nil {
		return time.Time{}
	}
	return due.UTC()
}

// Working returns the working time between a and b (zero when b is not after a).
func (c *Calendar) Working(a, b time.Time) time.Duration { return c.view().WorkingTime(a, b) }
