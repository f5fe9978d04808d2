package clock

import (
	"testing"
	"time"
)

func TestRome(t *testing.T) {
	if Rome().String() != "Europe/Rome" {
		t.Fatalf("Rome() = %s", Rome())
	}
	summer := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	winter := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	if got := DateTime(summer); got != "01/07/2026 12:00" {
		t.Errorf("summer: %s", got)
	}
	if got := DateTime(winter); got != "15/01/2026 11:00" {
		t.Errorf("winter: %s", got)
	}
	// 23:30 UTC on 31 December is already New Year in Rome.
	nye := time.Date(2025, 12, 31, 23, 30, 0, 0, time.UTC)
	if Date(nye) != "01/01/2026" || ISO(nye) != "2026-01-01" || Time(nye) != "00:30" {
		t.Errorf("new year: %s %s %s", Date(nye), ISO(nye), Time(nye))
	}
	if Date(time.Time{}) != "" || DateTime(time.Time{}) != "" {
		t.Error("the zero time is not blank")
	}
	d, err := ParseISO("2026-03-29") // the day summer time starts
	if err != nil || !d.Equal(time.Date(2026, 3, 28, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("ParseISO: %v %v", d, err)
	}
	if m := Midnight(nye); !m.Equal(time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("Midnight: %v", m)
	}
}
