package role

import (
	"strings"
	"testing"
)

func TestLabelsAndParse(t *testing.T) {
	for _, r := range Staff {
		if r.Label() == string(r) {
			t.Errorf("role %s has no Italian label", r)
		}
		if got, err := Parse(strings.ToUpper(string(r))); err != nil || got != r {
			t.Errorf("Parse(%s) = %v, %v", r, got, err)
		}
		if Stored(string(r)) != r {
			t.Errorf("Stored(%s) = %s", r, Stored(string(r)))
		}
	}
	for _, bad := range []string{"root", "anonymous", ""} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
		if Stored(bad) != Anonymous {
			t.Errorf("Stored(%q) = %s, want anonymous", bad, Stored(bad))
		}
	}
	if All[0] != Anonymous || len(Staff) != len(All)-1 {
		t.Errorf("All = %v, Staff = %v", All, Staff)
	}
}
