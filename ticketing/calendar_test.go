package ticketing

import (
	"testing"
	"time"
)

// TestCalendarOverTelephony covers what this layer adds to telephony.Calendar: closed dates and
// unnamed local holidays close the whole day (SLA-3, TK-16), and a zone other than the
// calendar's is kept when the service is already open.
func TestCalendarOverTelephony(t *testing.T) {
	c := DefaultCalendar()
	var err error
	if c.Local, err = ParseLocalHolidays("12-07"); err != nil {
		t.Fatal(err)
	}
	c.Closed = []time.Time{time.Date(2026, 12, 24, 0, 0, 0, 0, rome)}
	tests := []struct {
		name    string
		at      time.Time
		open    bool
		holiday string
	}{
		{"ordinary Monday", romeTime(2026, 12, 14, 10, 0), true, ""},
		{"unnamed local holiday", romeTime(2026, 12, 7, 10, 0), false, localHolidayName},
		{"closed date", romeTime(2026, 12, 24, 10, 0), false, closedName},
		{"national holiday", romeTime(2026, 12, 25, 10, 0), false, "Natale"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Open(tt.at); got != tt.open {
				t.Errorf("Open = %v, want %v", got, tt.open)
			}
			name, ok := c.Holiday(tt.at)
			if name != tt.holiday || ok != (tt.holiday != "") {
				t.Errorf("Holiday = %q, %v, want %q", name, ok, tt.holiday)
			}
		})
	}
	// Wednesday 23 December 18:00 + 3 working hours skips the closed 24th and Christmas.
	if got, want := c.AddWorking(romeTime(2026, 12, 23, 18, 0), 3*time.Hour), romeTime(2026, 12, 28, 10, 0); !got.Equal(want) {
		t.Errorf("AddWorking = %s, want %s", got.In(rome), want.In(rome))
	}
	if got := c.Working(romeTime(2026, 12, 23, 18, 0), romeTime(2026, 12, 28, 10, 0)); got != 3*time.Hour {
		t.Errorf("Working = %s, want 3h", got)
	}
	utc := time.Date(2026, 12, 14, 10, 0, 0, 0, time.UTC)
	if got := c.NextOpen(utc); got != utc {
		t.Errorf("NextOpen(%s) = %s, want the same instant and zone", utc, got)
	}
	var closed Calendar // no service hours at all
	closed.Location = rome
	if !closed.AddWorking(utc, time.Hour).IsZero() || !closed.NextOpen(utc).IsZero() {
		t.Error("a calendar without service hours gave an instant")
	}
}
