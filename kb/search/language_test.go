package search

import (
	"reflect"
	"strings"
	"sync"
	"testing"

	"sportello/fixtures/testenv"
)

var debianResources struct {
	once sync.Once
	r    *Resources
	err  error
}

// loadDebianResources reads the Debian thesaurus and dictionary once per test binary.
func loadDebianResources(t testing.TB) *Resources {
	t.Helper()
	debianResources.once.Do(func() {
		debianResources.r, debianResources.err = LoadResources(DefaultThesaurus, DefaultDictionary)
	})
	if debianResources.err != nil {
		testenv.Missing(t, "the Italian thesaurus and dictionary ("+debianResources.err.Error()+")", "mythes-it hunspell-it")
	}
	return debianResources.r
}

func TestHunspellLemmas(t *testing.T) {
	r := loadDebianResources(t)
	for _, tc := range []struct {
		word string
		want string // one of the lemmas; "" when the word is not Italian
	}{
		{"pagato", "pagare"},
		{"pago", "pagare"},
		{"prenotato", "prenotare"},
		{"vigne", "vigna"},
		{"pagata", "pagare"},
		{"case", "caso"}, // the dictionary's forms, not a meaning
		{"vaccinazioni", "vaccinazione"},
		{"malatia", ""}, // a typo
		{"vacini", ""},
	} {
		got := r.Lemmas(tc.word)
		if tc.want == "" {
			if len(got) > 0 {
				t.Errorf("Lemmas(%q) = %v, want none", tc.word, got)
			}
			continue
		}
		found := false
		for _, l := range got {
			found = found || l == tc.want
		}
		if !found {
			t.Errorf("Lemmas(%q) = %v, want %q among them", tc.word, got, tc.want)
		}
	}
}

func TestThesaurus(t *testing.T) {
	r := loadDebianResources(t)
	syn := r.Synonyms("vigne") // by its lemma
	if !contains(syn, "vigneto") {
		t.Errorf("Synonyms(vigne) = %v, want vigneto", syn)
	}
	if got := r.Synonyms("zzzz"); got != nil {
		t.Errorf("Synonyms(zzzz) = %v", got)
	}
	// The parser on a small file of its own, with its errors.
	m, err := readThesaurus(strings.NewReader("UTF-8\nbollo|1\n(s.m.)|timbro|marca|(antiq.)\n"), "t")
	if err != nil || !reflect.DeepEqual(m["bollo"], []string{"timbro", "marca"}) {
		t.Errorf("readThesaurus = %v, %v", m, err)
	}
	for _, bad := range []string{"ISO8859-1\n", "UTF-8\nbollo|x\n", "UTF-8\nbollo|2\n(s.m.)|timbro\n"} {
		if _, err := readThesaurus(strings.NewReader(bad), "t"); err == nil {
			t.Errorf("readThesaurus(%q): no error", bad)
		}
	}
}

// FuzzThesaurus: any input gives entries or an error naming the line, never a panic.
func FuzzThesaurus(f *testing.F) {
	f.Add("UTF-8\nbollo|1\n(s.m.)|timbro|marca\n")
	f.Add("UTF-8\na|2\n(x)|b\n")
	f.Add("UTF-8\n|\n")
	f.Fuzz(func(t *testing.T, in string) {
		m, err := readThesaurus(strings.NewReader(in), "fuzz")
		if err == nil && len(m) == 0 {
			t.Fatal("no error and no entries")
		}
	})
}
