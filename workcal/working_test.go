package workcal

import (
	"testing"
	"time"
)

// TestWorkingTime counts by hand on Monday–Friday 8:00–19:00 with a reduced Christmas Eve: the
// time the SLA clocks of SLA-3 and TK-16 measure.
func TestWorkingTime(t *testing.T) {
	c := Default()
	c.Special = []SpecialDay{{Date: rome(2026, 12, 24, 0, 0), Name: "Vigilia di Natale", Bands: []Band{Hours(8, 0, 13, 0)}}}
	tests := []struct {
		name string
		a, b time.Time
		want time.Duration
	}{
		{"same band", rome(2026, 3, 2, 9, 0), rome(2026, 3, 2, 11, 30), 150 * time.Minute},
		{"night only", rome(2026, 3, 2, 19, 0), rome(2026, 3, 3, 8, 0), 0},
		{"over a weekend", rome(2026, 6, 26, 18, 0), rome(2026, 6, 29, 10, 0), 3 * time.Hour},
		{"over 2 June", rome(2026, 6, 1, 17, 0), rome(2026, 6, 3, 10, 0), 4 * time.Hour},
		{"over Easter Monday", rome(2026, 4, 3, 18, 0), rome(2026, 4, 7, 9, 0), 2 * time.Hour},
		{"reduced Christmas Eve", rome(2026, 12, 23, 18, 0), rome(2026, 12, 28, 9, 0), 7 * time.Hour},
		{"whole week", rome(2026, 3, 2, 0, 0), rome(2026, 3, 9, 0, 0), 55 * time.Hour},
		{"DST week", rome(2026, 3, 23, 0, 0), rome(2026, 3, 30, 0, 0), 55 * time.Hour},
		{"b before a", rome(2026, 3, 3, 10, 0), rome(2026, 3, 2, 10, 0), 0},
		{"b equals a", rome(2026, 3, 2, 10, 0), rome(2026, 3, 2, 10, 0), 0},
		{"other zone", time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), time.Hour}, // 7:00–9:00 in Rome,
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.WorkingTime(tt.a, tt.b); got != tt.want {
				t.Errorf("WorkingTime(%s, %s) = %s, want %s", tt.a, tt.b, got, tt.want)
			}
		})
	}
	// AddWorkingTime and WorkingTime are inverses across closed time.
	from := rome(2026, 4, 3, 18, 0)
	due, err := c.AddWorkingTime(from, 15*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.WorkingTime(from, due); got != 15*time.Hour {
		t.Errorf("WorkingTime up to AddWorkingTime = %s, want 15h", got)
	}
}
