package phone

import "testing"

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"0874 123456":      "+390874123456",
		"0039 0874 123456": "+390874123456",
		"+39 333-123.4567": "+393331234567",
		"333/1234567":      "+393331234567",
		"(0874) 12 34 56":  "+390874123456",
		"+44 20 7946 0958": "+442079460958",
		"800 550 011":      "800550011",
		"2111":             "2111",
	} {
		got, err := Normalize(in)
		if err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "abc", "12", "+39+1234", "1234567890123456789", "0544 952110 int. 23"} {
		if got, err := Normalize(bad); err == nil {
			t.Errorf("Normalize(%q) = %q, want an error", bad, got)
		}
	}
}

func TestKey(t *testing.T) {
	for in, want := range map[string]string{
		"+39 0544 952110":        "0544952110",
		"0544952110":             "0544952110",
		"0039 0544 952110":       "0544952110",
		"tel:+39-0544-952110":    "0544952110",
		"+390544952110":          "0544952110",
		"800 550 011":            "800550011",
		"2111":                   "2111",
		"":                       "",
		"abc":                    "",
		"+39":                    "",
		"0039":                   "0039",
		"+44 20 7946 0958":       "442079460958",
		"0544 952110 int. 23":    "0544952110",
		"0544 952110 interno 23": "0544952110",
		"tel:0544952110;ext=23":  "0544952110",
		"0544 952110 x23":        "0544952110",
		"333 1234567":            "3331234567",
	} {
		if got := Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKeyOfNormalized(t *testing.T) {
	// The stored form and the typed form of a number meet on Key.
	for _, in := range []string{"0874 123456", "+39 333-123.4567", "0039 0874 123456", "800 550 011", "2111"} {
		n, err := Normalize(in)
		if err != nil {
			t.Fatal(err)
		}
		if Key(n) != Key(in) {
			t.Errorf("Key(Normalize(%q)) = %q, Key(%q) = %q", in, Key(n), in, Key(in))
		}
	}
}

func TestSplitExtension(t *testing.T) {
	for in, want := range map[string][2]string{
		"0544 952110 int. 23":   {"0544 952110", "23"},
		"0544 952110":           {"0544 952110", ""},
		"tel:0544952110;ext=23": {"tel:0544952110", "23"},
		"0544 952110 #5":        {"0544 952110", "5"},
		"Ufficio x esterni":     {"Ufficio x esterni", ""},
	} {
		if n, e := SplitExtension(in); n != want[0] || e != want[1] {
			t.Errorf("SplitExtension(%q) = %q, %q; want %q", in, n, e, want)
		}
	}
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{"+39 0544 952110", "0039", "", "tel:1;ext=2", "++", "0544 int. 2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := Normalize(s); err == nil {
			if again, err := Normalize(n); err != nil || again != n {
				t.Fatalf("Normalize not idempotent: %q → %q → %q, %v", s, n, again, err)
			}
		}
		k := Key(s)
		if digits(k) != k {
			t.Fatalf("Key(%q) = %q holds more than digits", s, k)
		}
	})
}
