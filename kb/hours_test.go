package kb

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// week renders the parsed week compactly, Monday first: "lun 9:00-13:00 15:00-17:00 | mar …".
func weekString(h OpeningHours) string {
	var parts []string
	for i := 1; i <= 7; i++ {
		d := time.Weekday(i % 7)
		if len(h.Week[d]) == 0 {
			continue
		}
		p := DayAbbrev(d)
		for _, x := range h.Week[d] {
			p += " " + clockRange(x.Opens, x.Closes)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " | ")
}

// TestParseHours reads the hours written in the corpus's directory workbook, the fixtures and
// the customer's documents (KB-13), and what people type.
func TestParseHours(t *testing.T) {
	const wd9to13 = "lun 9:00-13:00 | mar 9:00-13:00 | mer 9:00-13:00 | gio 9:00-13:00 | ven 9:00-13:00"
	for _, tc := range []struct {
		text, week string
		problems   int
		notes      []string
	}{
		{"", "", 0, nil},
		{"lun-ven 9-13", wd9to13, 0, nil},
		{"Lun-Ven 9:00-13:00", wd9to13, 0, nil},
		{"dal lunedì al venerdì dalle ore 9.00 alle ore 13.00", wd9to13, 0, nil},
		{"lunedì - venerdì 9,00 - 13,00", wd9to13, 0, nil},
		{"lun-ven 9-13, mar e gio 15-17",
			"lun 9:00-13:00 | mar 9:00-13:00 15:00-17:00 | mer 9:00-13:00 | gio 9:00-13:00 15:00-17:00 | ven 9:00-13:00", 0, nil},
		{"Lun-Ven 8:30-13:30; Lun, Mar e Gio 15:00-17:30",
			"lun 8:30-13:30 15:00-17:30 | mar 8:30-13:30 15:00-17:30 | mer 8:30-13:30 | gio 8:30-13:30 15:00-17:30 | ven 8:30-13:30", 0, nil},
		{"Mar e Gio 9:00-13:00; Gio 15:00-17:00", "mar 9:00-13:00 | gio 9:00-13:00 15:00-17:00", 0, nil},
		{"Lun-Ven 9:00-13:00 (solo telefonico)", wd9to13, 0, []string{"solo telefonico"}},
		{"lun-ven 8:30-12:30; gio anche 14:30-16:30",
			"lun 8:30-12:30 | mar 8:30-12:30 | mer 8:30-12:30 | gio 8:30-12:30 14:30-16:30 | ven 8:30-12:30", 0, nil},
		{"lun, mer, ven 9:00-12:00", "lun 9:00-12:00 | mer 9:00-12:00 | ven 9:00-12:00", 0, nil},
		{"Lun-Ven 8:00-18:00; Sab 8:00-13:00",
			"lun 8:00-18:00 | mar 8:00-18:00 | mer 8:00-18:00 | gio 8:00-18:00 | ven 8:00-18:00 | sab 8:00-13:00", 0, nil},
		{"Tutti i giorni 7:00-20:00",
			"lun 7:00-20:00 | mar 7:00-20:00 | mer 7:00-20:00 | gio 7:00-20:00 | ven 7:00-20:00 | sab 7:00-20:00 | dom 7:00-20:00", 0, nil},
		{"24 ore su 24",
			"lun 0:00-24:00 | mar 0:00-24:00 | mer 0:00-24:00 | gio 0:00-24:00 | ven 0:00-24:00 | sab 0:00-24:00 | dom 0:00-24:00", 0, nil},
		{"lun-ven 9-13 e 15-17",
			"lun 9:00-13:00 15:00-17:00 | mar 9:00-13:00 15:00-17:00 | mer 9:00-13:00 15:00-17:00 | gio 9:00-13:00 15:00-17:00 | ven 9:00-13:00 15:00-17:00", 0, nil},
		{"9:00 - 13:00 dal lunedì al venerdì", wd9to13, 0, nil},
		{"9-13 e 15-17 lun, mer", "lun 9:00-13:00 15:00-17:00 | mer 9:00-13:00 15:00-17:00", 0, nil},
		{"9-13 lun-ven, 15-17 mar", "lun 9:00-13:00 | mar 9:00-13:00 15:00-17:00 | mer 9:00-13:00 | gio 9:00-13:00 | ven 9:00-13:00", 0, nil},
		{"ven-lun 9-12", "lun 9:00-12:00 | ven 9:00-12:00 | sab 9:00-12:00 | dom 9:00-12:00", 0, nil},
		{"lun-ven 9-13 esclusi i festivi", wd9to13, 0, nil},
		{"lun-ven 9-13; sab chiuso", wd9to13, 0, nil},
		// A part with a word not understood gives nothing and is reported; the rest counts.
		{"telefono lun-ven 8:00-19:00 esclusi i festivi; canali online 24 ore su 24", "", 2, nil},
		{"lun-ven 9-13; su appuntamento", wd9to13, 1, nil},
		{"9-13", "", 1, nil},
		{"lun-ven", "", 1, nil},
		{"lun 13-9", "", 1, nil},
		{"lun 25-26", "", 1, nil},
		{"su appuntamento", "", 1, nil},
		{"(vedi sito)", "", 0, []string{"vedi sito"}},
		{strings.Repeat("lun 9-13 ", 100), "", 1, nil},
	} {
		h := ParseHours(tc.text)
		if got := weekString(h); got != tc.week {
			t.Errorf("%q: week\n got %s\nwant %s", tc.text, got, tc.week)
		}
		if len(h.Problems) != tc.problems {
			t.Errorf("%q: problems %q, want %d", tc.text, h.Problems, tc.problems)
		}
		if strings.Join(h.Notes, "|") != strings.Join(tc.notes, "|") {
			t.Errorf("%q: notes %q, want %q", tc.text, h.Notes, tc.notes)
		}
		if h.Text != strings.TrimSpace(tc.text) {
			t.Errorf("%q: text not kept: %q", tc.text, h.Text)
		}
	}
}

// FuzzParseHours: any text parses without panic into well-formed intervals, and problems are
// the only way something is left out.
func FuzzParseHours(f *testing.F) {
	for _, s := range []string{"lun-ven 9-13, mar e gio 15-17", "Lun-Ven 8:30-13:30; Lun, Mar e Gio 15:00-17:30",
		"dal lunedì al venerdì dalle ore 08.00 alle ore 19.00", "24 ore su 24", "(solo telefonico)", "lun 9:5-13", "tutti i giorni",
		"h24", "sab 24-", "((", "lun-", "-lun"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h := ParseHours(s)
		for d, xs := range h.Week {
			prev := -1
			for _, x := range xs {
				if int(x.Day) != d || x.Opens < 0 || x.Closes > 24*60 || x.Opens >= x.Closes || x.Opens <= prev {
					t.Fatalf("%q: bad interval %+v on day %d", s, x, d)
				}
				prev = x.Closes
			}
		}
		for _, p := range h.Problems {
			if !utf8.ValidString(p) && utf8.ValidString(s) {
				t.Fatalf("%q: invalid problem text %q", s, p)
			}
		}
		if strings.TrimSpace(s) != "" && !h.Known() && len(h.Problems) == 0 && len(h.Notes) == 0 {
			t.Fatalf("%q: nothing read and nothing reported", s)
		}
	})
}

// TestHoursSpecification: the schema.org reading, Monday first, "24:00" for the end of a day.
func TestHoursSpecification(t *testing.T) {
	got := ParseHours("dom 10-12; lun 9-13 e 15-17; sab 0-24").Specification()
	want := []HoursSpecification{{"Monday", "09:00", "13:00"}, {"Monday", "15:00", "17:00"}, {"Saturday", "00:00", "24:00"}, {"Sunday", "10:00", "12:00"}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: %v, want %v", i, got[i], want[i])
		}
	}
	if s := ParseHours("su appuntamento").Specification(); s == nil || len(s) != 0 {
		t.Errorf("unreadable: %v", s)
	}
}

// BenchmarkParseHours reads the longest text of the corpus's directory.
func BenchmarkParseHours(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ParseHours("Lun-Ven 8:30-13:30; Lun, Mar e Gio 15:00-17:30 (accettazione atti cartacei)")
	}
}
