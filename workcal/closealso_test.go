package workcal

import (
	"testing"
	"time"
)

// TestCloseAlso: the contact center's closures (a local holiday, a closed day) stop another
// calendar's clock; its partly open days and its hours are not copied; nothing is added twice.
func TestCloseAlso(t *testing.T) {
	phones := Default()
	phones.Local = []LocalHoliday{{Month: time.December, Day: 7, Name: "Sant'Ambrogio"}}
	phones.Close(rome(2026, 12, 9, 0, 0))
	phones.Special = append(phones.Special, SpecialDay{Date: rome(2026, 12, 10, 0, 0), Name: "mezza giornata", Bands: []Band{Hours(8, 0, 12, 0)}})
	phones.Week[time.Saturday] = []Band{Hours(8, 0, 12, 0)}

	tickets := Default()
	tickets.CloseAlso(phones)
	tickets.CloseAlso(phones)
	if len(tickets.Local) != 1 || len(tickets.Special) != 1 {
		t.Fatalf("after two merges: %d local holidays, %d special days; want 1 and 1", len(tickets.Local), len(tickets.Special))
	}
	for _, c := range []struct {
		name string
		from time.Time
		add  time.Duration
		want time.Time
	}{
		// Friday 4 December 18:00 + 2 working hours: Monday 7 is Sant'Ambrogio, Tuesday 8 the
		// Immacolata (national), Wednesday 9 closed → Thursday 9:00 (without the merge: Monday).
		{"over the local holiday and the closed day", rome(2026, 12, 4, 18, 0), 2 * time.Hour, rome(2026, 12, 10, 9, 0)},
		// Thursday 10 is only partly open for the phones: the tickets' clock keeps its own hours.
		{"a partly open day is not copied", rome(2026, 12, 10, 13, 0), time.Hour, rome(2026, 12, 10, 14, 0)},
		// The phones' Saturday hours are not copied either.
		{"hours are not copied", rome(2026, 12, 11, 18, 30), time.Hour, rome(2026, 12, 14, 8, 30)},
	} {
		got, err := tickets.AddWorkingTime(c.from, c.add)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("%s: %v + %v = %v (%v), want %v", c.name, c.from, c.add, got, err, c.want)
		}
	}
	if got, _ := Default().AddWorkingTime(rome(2026, 12, 4, 18, 0), 2*time.Hour); !got.Equal(rome(2026, 12, 7, 9, 0)) {
		t.Errorf("without the merge: %v, want Monday 7 at 9:00", got)
	}
	tickets.CloseAlso(nil) // no telephony: nothing changes
}
