package workcal

import (
	"sportello/internal/clock"
	"testing"
	"time"
)

// TestClosedDates: closed dates and unnamed local holidays close the whole day and are named
// (SLA-3, TK-16), and a zone other than the calendar's is kept when the service is already
// open.
func TestClosedDates(t *testing.T) {
	rome := clock.Rome()
	romeTime := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, rome) }
	c := Default()
	var err error
	if c.Local, err = ParseLocalHolidays("12-07"); err != nil {
		t.Fatal(err)
	}
	c.Close(time.Date(2026, 12, 24, 0, 0, 0, 0, rome))
	tests := []struct {
		name    string
		at      time.Time
		open    bool
		holiday string
	}{
		{"ordinary Monday", romeTime(2026, 12, 14, 10, 0), true, ""},
		{"unnamed local holiday", romeTime(2026, 12, 7, 10, 0), false, LocalHolidayName},
		{"closed date", romeTime(2026, 12, 24, 10, 0), false, ClosedName},
		{"national holiday", romeTime(2026, 12, 25, 10, 0), false, "Natale"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.IsOpen(tt.at); got != tt.open {
				t.Errorf("Open = %v, want %v", got, tt.open)
			}
			if name := c.Holiday(tt.at); name != tt.holiday {
				t.Errorf("Holiday = %q, want %q", name, tt.holiday)
			}
		})
	}
	// Wednesday 23 December 18:00 + 3 working hours skips the closed 24th and Christmas.
	if got, want := must(c.AddWorkingTime(romeTime(2026, 12, 23, 18, 0), 3*time.Hour)), romeTime(2026, 12, 28, 10, 0); !got.Equal(want) {
		t.Errorf("AddWorking = %s, want %s", got.In(rome), want.In(rome))
	}
	if got := c.WorkingTime(romeTime(2026, 12, 23, 18, 0), romeTime(2026, 12, 28, 10, 0)); got != 3*time.Hour {
		t.Errorf("Working = %s, want 3h", got)
	}
	utc := time.Date(2026, 12, 14, 10, 0, 0, 0, time.UTC)
	if got := must(c.NextOpen(utc)); got != utc {
		t.Errorf("NextOpen(%s) = %s, want the same instant and zone", utc, got)
	}
	var closed Calendar // no service hours at all
	closed.Location = rome
	if _, err := closed.AddWorkingTime(utc, time.Hour); err == nil {
		t.Error("a calendar without service hours gave a deadline")
	}
	if _, err := closed.NextOpen(utc); err == nil {
		t.Error("a calendar without service hours gave an instant")
	}
}

func must(t time.Time, err error) time.Time {
	if err != nil {
		panic(err)
	}
	return t
}
