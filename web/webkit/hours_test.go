package webkit

import (
	"testing"
	"time"

	"sportello/internal/clock"
	"sportello/kb"
)

// TestOpenAt: "open now" and the next change for the directory's hours, on ordinary days,
// lunch breaks, weekends and Italian national holidays (KB-13).
func TestOpenAt(t *testing.T) {
	rome := clock.Rome()
	at := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, rome) }
	const office = "lun-ven 9-13, mar e gio 15-17"
	for _, tc := range []struct {
		name, hours string
		t           time.Time
		open        bool
		next        time.Time
		label       string
	}{
		{"monday morning", office, at(2026, 5, 4, 10, 0), true, at(2026, 5, 4, 13, 0), "Aperto ora, chiude alle 13:00"},
		{"monday afternoon", office, at(2026, 5, 4, 13, 30), false, at(2026, 5, 5, 9, 0), "Chiuso, apre mar 9:00"},
		{"tuesday lunch", office, at(2026, 5, 5, 14, 0), false, at(2026, 5, 5, 15, 0), "Chiuso, apre alle 15:00"},
		{"opening instant", office, at(2026, 5, 5, 15, 0), true, at(2026, 5, 5, 17, 0), "Aperto ora, chiude alle 17:00"},
		{"closing instant", office, at(2026, 5, 5, 17, 0), false, at(2026, 5, 6, 9, 0), "Chiuso, apre mer 9:00"},
		{"friday evening", office, at(2026, 5, 8, 18, 0), false, at(2026, 5, 11, 9, 0), "Chiuso, apre lun 9:00"},
		{"republic day", office, at(2026, 6, 2, 10, 0), false, at(2026, 6, 3, 9, 0), "Chiuso, apre mer 9:00"},
		{"before republic day", office, at(2026, 6, 1, 14, 0), false, at(2026, 6, 3, 9, 0), "Chiuso, apre mer 9:00"},
		{"christmas", office, at(2026, 12, 24, 16, 0), true, at(2026, 12, 24, 17, 0), "Aperto ora, chiude alle 17:00"},
		{"after christmas eve", office, at(2026, 12, 24, 18, 0), false, at(2026, 12, 28, 9, 0), "Chiuso, apre lun 9:00"},
		{"every day", "Tutti i giorni 7:00-20:00", at(2026, 5, 10, 8, 0), true, at(2026, 5, 10, 20, 0), "Aperto ora, chiude alle 20:00"},
		{"round the clock", "24 ore su 24", at(2026, 5, 10, 3, 0), true, time.Time{}, "Aperto ora"},
		{"utc instant", office, time.Date(2026, 5, 4, 7, 30, 0, 0, time.UTC), true, at(2026, 5, 4, 13, 0), "Aperto ora, chiude alle 13:00"},
		{"august once a year", "sab 9-12", at(2026, 8, 14, 10, 0), false, at(2026, 8, 22, 9, 0), "Chiuso, apre il 22/08/2026 alle 9:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := kb.ParseHours(tc.hours)
			open, next := OpenAt(h, tc.t)
			if open != tc.open || !next.Equal(tc.next) {
				t.Errorf("OpenAt(%q, %s) = %v, %s; want %v, %s", tc.hours, tc.t, open, next, tc.open, tc.next)
			}
			if got := OpenStatus(&kb.Unit{OpeningHours: tc.hours}, tc.t); !got.Known || got.Label != tc.label {
				t.Errorf("label %+v, want %q", got, tc.label)
			}
		})
	}
	if s := OpenStatus(&kb.Unit{OpeningHours: "su appuntamento"}, time.Now()); s.Known {
		t.Errorf("unreadable hours shown: %+v", s)
	}
	if s := OpenStatus(nil, time.Now()); s.Known {
		t.Errorf("no office shown: %+v", s)
	}
}

// BenchmarkOpenStatus is what a page pays per office shown: reading the hours and checking
// them against the holidays.
func BenchmarkOpenStatus(b *testing.B) {
	u := &kb.Unit{OpeningHours: "Lun-Ven 8:30-13:30; Lun, Mar e Gio 15:00-17:30"}
	t := time.Date(2026, 5, 8, 18, 0, 0, 0, clock.Rome()) // Friday evening: the search runs to Monday
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		OpenStatus(u, t)
	}
}
