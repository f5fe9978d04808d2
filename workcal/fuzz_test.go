package workcal

import (
	"testing"
	"time"
)

func FuzzParseWeek(f *testing.F) {
	for _, s := range []string{"mon-fri=8:00-19:00", "lun-ven=8:30-13:00,14:00-17:00;sab=9:00-12:00", "sat-mon=0:00-24:00", "x=1-2", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		week, err := ParseWeek(s)
		if err != nil {
			return
		}
		for _, bands := range week {
			for i, b := range bands {
				if b.From < 0 || b.To > 24*time.Hour || b.To <= b.From || (i > 0 && b.From < bands[i-1].To) {
					t.Fatalf("ParseWeek(%q) gave band %v", s, b)
				}
			}
		}
	})
}
