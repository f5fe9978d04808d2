package workcal

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ParseClock reads a time of day, "8", "8:30" or "08:30", up to "24:00".
func ParseClock(s string) (time.Duration, error) {
	h, m, hasMin := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm := 0
	var err2 error
	if hasMin {
		mm, err2 = strconv.Atoi(m)
		if len(m) != 2 {
			err2 = fmt.Errorf("minutes")
		}
	}
	if err1 != nil || err2 != nil || len(h) > 2 || hh < 0 || hh > 24 || mm < 0 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("%q is not a time of day (H:MM)", s)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

// ParseBand reads one band, "08:00-19:00".
func ParseBand(s string) (Band, error) {
	from, to, ok := strings.Cut(strings.ReplaceAll(s, " ", ""), "-")
	if !ok {
		return Band{}, fmt.Errorf("want HH:MM-HH:MM, got %q", s)
	}
	f, err1 := ParseClock(from)
	t, err2 := ParseClock(to)
	if err1 != nil || err2 != nil {
		return Band{}, fmt.Errorf("want HH:MM-HH:MM, got %q", s)
	}
	if t <= f {
		return Band{}, fmt.Errorf("band %q ends before it starts", s)
	}
	return Band{From: f, To: t}, nil
}

// ParseHours reads the bands of one day, "8:00-13:00,14:00-18:00", sorted; bands may not
// overlap.
func ParseHours(s string) ([]Band, error) {
	var out []Band
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		b, err := ParseBand(part)
		if err != nil {
			return nil, fmt.Errorf("service hours: %w", err)
		}
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].From < out[j].From })
	for i := 1; i < len(out); i++ {
		if out[i].From < out[i-1].To {
			return nil, fmt.Errorf("service hours %q: bands overlap", s)
		}
	}
	return out, nil
}

// dayNames are the day names ParseWeek and the telephony configuration accept, English and
// Italian.
var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday, "thu": time.Thursday,
	"fri": time.Friday, "sat": time.Saturday,
	"dom": time.Sunday, "lun": time.Monday, "mar": time.Tuesday, "mer": time.Wednesday, "gio": time.Thursday,
	"ven": time.Friday, "sab": time.Saturday,
}

// ParseDay reads a day name: mon…sun or lun…dom.
func ParseDay(s string) (time.Weekday, bool) {
	d, ok := dayNames[strings.ToLower(strings.TrimSpace(s))]
	return d, ok
}

// ParseWeek reads weekly hours such as "mon-fri=8:00-19:00;sat=8:00-12:00" (Italian day
// abbreviations lun…dom work too). Days not named are closed.
func ParseWeek(s string) ([7][]Band, error) {
	var week [7][]Band
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		days, hours, ok := strings.Cut(part, "=")
		if !ok {
			return week, fmt.Errorf("service hours %q: want DAYS=HOURS, e.g. mon-fri=8:00-19:00", part)
		}
		bands, err := ParseHours(hours)
		if err != nil {
			return week, err
		}
		from, to, isRange := strings.Cut(days, "-")
		d1, ok1 := ParseDay(from)
		d2, ok2 := d1, true
		if isRange {
			d2, ok2 = ParseDay(to)
		}
		if !ok1 || !ok2 {
			return week, fmt.Errorf("service hours %q: unknown day (use mon…sun or lun…dom)", days)
		}
		for d := d1; ; d = (d + 1) % 7 {
			week[d] = bands
			if d == d2 {
				break
			}
		}
	}
	return week, nil
}

// ParseLocalHoliday reads the date of a yearly holiday, "MM-DD".
func ParseLocalHoliday(date, name string) (LocalHoliday, error) {
	t, err := time.Parse("01-02", strings.TrimSpace(date))
	if err != nil {
		return LocalHoliday{}, fmt.Errorf("want MM-DD, got %q", date)
	}
	return LocalHoliday{Month: t.Month(), Day: t.Day(), Name: strings.TrimSpace(name)}, nil
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
		h, err := ParseLocalHoliday(date, name)
		if err != nil {
			return nil, fmt.Errorf("local holiday %q: want MM-DD Name", part)
		}
		out = append(out, h)
	}
	return out, nil
}

// ParseDates reads single dates, "2026-12-24,2026-12-31", as midnight in loc.
func ParseDates(s string, loc *time.Location) ([]time.Time, error) {
	var out []time.Time
	for _, d := range strings.Split(s, ",") {
		if d = strings.TrimSpace(d); d == "" {
			continue
		}
		t, err := time.ParseInLocation(time.DateOnly, d, loc)
		if err != nil {
			return nil, fmt.Errorf("closed date %q: want YYYY-MM-DD", d)
		}
		out = append(out, t)
	}
	return out, nil
}
