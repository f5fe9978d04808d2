package workcal

import (
	"sportello/internal/clock"
	"testing"
	"time"
)

func rome(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, clock.Rome())
}

// TestCalendarOpen covers TEL-9: weekdays 8–19, weekends, national holidays (Easter Monday
// from rickar/cal), a local patron saint and a special day with reduced hours.
func TestCalendarOpen(t *testing.T) {
	c := Default()
	c.Local = []LocalHoliday{{Month: time.June, Day: 29, Name: "Santi Pietro e Paolo"}}
	c.Special = []SpecialDay{
		{Date: rome(2026, 12, 24, 0, 0), Name: "Vigilia di Natale", Bands: []Band{Hours(8, 0, 13, 0)}},
		{Date: rome(2026, 8, 14, 0, 0), Name: "Chiusura estiva"},
	}
	tests := []struct {
		name    string
		at      time.Time
		open    bool
		holiday string
	}{
		{"monday morning", rome(2026, 3, 2, 8, 0), true, ""},
		{"before opening", rome(2026, 3, 2, 7, 59), false, ""},
		{"closing time", rome(2026, 3, 2, 19, 0), false, ""},
		{"friday evening", rome(2026, 3, 6, 18, 59), true, ""},
		{"saturday", rome(2026, 3, 7, 10, 0), false, ""},
		{"sunday", rome(2026, 3, 8, 10, 0), false, ""},
		{"easter monday 2026", rome(2026, 4, 6, 10, 0), false, "Pasquetta"},
		{"easter monday 2027", rome(2027, 3, 29, 10, 0), false, "Pasquetta"},
		{"liberation day", rome(2026, 4, 25, 10, 0), false, "Festa della Liberazione"},
		{"republic day", rome(2026, 6, 2, 10, 0), false, "Festa della Repubblica"},
		{"santo stefano", rome(2026, 12, 26, 10, 0), false, "Santo Stefano"},
		{"patron saint", rome(2026, 6, 29, 10, 0), false, "Santi Pietro e Paolo"},
		{"christmas eve morning", rome(2026, 12, 24, 12, 0), true, ""},
		{"christmas eve afternoon", rome(2026, 12, 24, 14, 0), false, ""},
		{"summer closure", rome(2026, 8, 14, 10, 0), false, "Chiusura estiva"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.IsOpen(tc.at); got != tc.open {
				t.Errorf("IsOpen(%s) = %v, want %v", tc.at, got, tc.open)
			}
			if got := c.Holiday(tc.at); got != tc.holiday {
				t.Errorf("Holiday(%s) = %q, want %q", tc.at, got, tc.holiday)
			}
		})
	}
}

func TestNextOpenAndWorkingTime(t *testing.T) {
	c := Default()
	tests := []struct {
		name     string
		from     time.Time
		add      time.Duration
		wantNext time.Time
		wantAdd  time.Time
	}{
		{"in hours", rome(2026, 3, 2, 10, 0), 4 * time.Hour, rome(2026, 3, 2, 10, 0), rome(2026, 3, 2, 14, 0)},
		{"spills into next day", rome(2026, 3, 2, 17, 0), 4 * time.Hour, rome(2026, 3, 2, 17, 0), rome(2026, 3, 3, 10, 0)},
		{"friday night", rome(2026, 3, 6, 20, 0), 4 * time.Hour, rome(2026, 3, 9, 8, 0), rome(2026, 3, 9, 12, 0)},
		{"before easter monday", rome(2026, 4, 3, 20, 0), 4 * time.Hour, rome(2026, 4, 7, 8, 0), rome(2026, 4, 7, 12, 0)},
		{"new year's eve", rome(2026, 12, 31, 22, 0), 4 * time.Hour, rome(2027, 1, 4, 8, 0), rome(2027, 1, 4, 12, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			next, err := c.NextOpen(tc.from)
			if err != nil || !next.Equal(tc.wantNext) {
				t.Errorf("NextOpen = %s, %v; want %s", next, err, tc.wantNext)
			}
			got, err := c.AddWorkingTime(tc.from, tc.add)
			if err != nil || !got.Equal(tc.wantAdd) {
				t.Errorf("AddWorkingTime = %s, %v; want %s", got, err, tc.wantAdd)
			}
		})
	}
	closed := Default()
	closed.Week = [7][]Band{}
	if _, err := closed.NextOpen(rome(2026, 3, 2, 10, 0)); err == nil {
		t.Error("a calendar that never opens gave an opening time")
	}
}

func TestOpeningHoursText(t *testing.T) {
	c := Default()
	want := "Il servizio è attivo dal lunedì al venerdì dalle 8:00 alle 19:00, esclusi i festivi."
	if got := c.OpeningHoursText(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	c.Week[time.Saturday] = []Band{Hours(9, 0, 13, 0)}
	c.Week[time.Wednesday] = []Band{Hours(8, 0, 13, 0), Hours(14, 30, 19, 0)}
	want = "Il servizio è attivo dal lunedì al martedì dalle 8:00 alle 19:00; il mercoledì dalle 8:00 alle 13:00 e dalle 14:30 alle 19:00; dal giovedì al venerdì dalle 8:00 alle 19:00; il sabato dalle 9:00 alle 13:00, esclusi i festivi."
	if got := c.OpeningHoursText(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
