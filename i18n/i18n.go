// Package i18n is Sportello's one message catalogue: every string a person reads on a page, in
// an Italian error message of the web server or in a form, in one place. The texts are plain
// files, one folder per language (it/*.txt, split by area), loaded into one map when the
// program starts; Go code calls T and N, templates call {{t "key"}} and {{tn "key" n}}.
//
// File format: one "key = text" per line; "#" starts a comment line; the text is a printf
// format (%s, %d, %q, %%). A text whose wording depends on a number has two keys, key.one and
// key.other, both starting with the number's verb: "seconds.one = %d secondo",
// "seconds.other = %d secondi"; N picks the form (Italian has one plural form: 1 is singular,
// everything else — 0 included — plural).
//
// The tests check that every key used in Go code and templates exists, that no key is unused,
// that plural keys come in pairs and that the Italian texts have no English leftovers.
package i18n

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed it/*.txt
var files embed.FS

// Lang is the language of the catalogue: the UI is Italian (DESIGN: Italian first in the UI;
// English for code, logs and API field names).
const Lang = "it"

// catalogue is every message, loaded once from the embedded files.
var catalogue = mustLoad(files, Lang)

// mustLoad reads the folder of a language. A malformed line or a key defined twice is a
// programming error that any test run catches, so it panics.
func mustLoad(fsys fs.FS, lang string) map[string]string {
	m, err := load(fsys, lang)
	if err != nil {
		panic(err)
	}
	return m
}

func load(fsys fs.FS, lang string) (map[string]string, error) {
	names, err := fs.Glob(fsys, lang+"/*.txt")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	m := map[string]string{}
	where := map[string]string{}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			key, text, ok := strings.Cut(line, " = ")
			key = strings.TrimSpace(key)
			if !ok || key == "" || strings.ContainsAny(key, " \t") {
				return nil, fmt.Errorf("i18n: %s:%d: want \"key = text\"", name, n)
			}
			if prev, dup := where[key]; dup {
				return nil, fmt.Errorf("i18n: %s:%d: key %s already defined in %s", name, n, key, prev)
			}
			m[key], where[key] = text, fmt.Sprintf("%s:%d", name, n)
		}
	}
	return m, nil
}

// T returns the text of key, formatted with args when given. A missing key shows itself, so that
// a typo is visible on the page rather than an empty space (and the tests catch it first).
func T(key string, args ...any) string {
	s, ok := catalogue[key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// N returns the form of key for the number n — key.one for 1, key.other otherwise — formatted
// with n followed by args: N("seconds", 1) is "1 secondo", N("seconds", 30) is "30 secondi".
func N(key string, n int, args ...any) string {
	form := key + ".other"
	if n == 1 {
		form = key + ".one"
	}
	return T(form, append([]any{n}, args...)...)
}

// Has reports whether key is in the catalogue.
func Has(key string) bool {
	_, ok := catalogue[key]
	return ok
}

// Keys lists every key of the catalogue, sorted.
func Keys() []string {
	out := make([]string, 0, len(catalogue))
	for k := range catalogue {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Or returns the text of key, or fallback when the catalogue has no such key: for names built
// from data (a field, an action) that may have no Italian label.
func Or(key, fallback string) string {
	if s, ok := catalogue[key]; ok {
		return s
	}
	return fallback
}

// Prefixed returns the keys starting with prefix and their texts, for scripts that receive
// their labels from the page as a JSON block.
func Prefixed(prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range catalogue {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out
}
