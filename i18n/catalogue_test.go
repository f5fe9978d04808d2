package i18n

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
)

// source is every place that may use a message: Go files that import this package and the
// HTML templates, found from the module root.
type source struct {
	keys     map[string][]string // literal key → where
	prefixes map[string][]string // "status." built at run time → where
}

var (
	// A Go string literal that looks like a key; whether it is one is decided by its first
	// segment, which must be a namespace of the catalogue.
	goLiteral = regexp.MustCompile(`"([a-z][A-Za-z0-9]*(?:\.[A-Za-z0-9_]+)*\.?)"`)
	// Template calls: {{t "key"}}, (t "key" …), {{tn "key" n}}, and keys built with print,
	// printf or labels.
	tmplKey    = regexp.MustCompile(`[({]\s*tn? "([^"]+)"`)
	tmplPrefix = regexp.MustCompile(`\b(?:print|printf|labels) "([a-zA-Z0-9.]+)(?:%[a-z])?"`)
	tmplLabels = regexp.MustCompile(`\blabels((?: "[^"]+")+)`)
)

func moduleRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = filepath.Dir(dir)
	}
}

func namespaces() map[string]bool {
	ns := map[string]bool{}
	for k := range catalogue {
		first, _, _ := strings.Cut(k, ".")
		ns[first] = true
	}
	return ns
}

func scan(t *testing.T) source {
	t.Helper()
	root := moduleRoot(t)
	ns := namespaces()
	src := source{keys: map[string][]string{}, prefixes: map[string][]string{}}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == "testdata" || n == "node_modules" || strings.HasPrefix(n, ".") && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		switch {
		case strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") && !strings.HasPrefix(rel, "i18n"+string(filepath.Separator)):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			text := string(b)
			if !strings.Contains(text, `"sportello/i18n"`) {
				return nil
			}
			for _, m := range goLiteral.FindAllStringSubmatch(text, -1) {
				lit := m[1]
				first, _, _ := strings.Cut(lit, ".")
				if !ns[first] || !strings.Contains(lit, ".") && !Has(lit) && !Has(lit+".one") {
					continue
				}
				if strings.HasSuffix(lit, ".") {
					src.prefixes[lit] = append(src.prefixes[lit], rel)
				} else {
					src.keys[lit] = append(src.keys[lit], rel)
				}
			}
		case strings.HasSuffix(path, ".html") && strings.Contains(rel, "templates"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range tmplKey.FindAllStringSubmatch(string(b), -1) {
				src.keys[m[1]] = append(src.keys[m[1]], rel)
			}
			for _, m := range tmplPrefix.FindAllStringSubmatch(string(b), -1) {
				src.prefixes[m[1]] = append(src.prefixes[m[1]], rel)
			}
			for _, m := range tmplLabels.FindAllStringSubmatch(string(b), -1) {
				for _, p := range regexp.MustCompile(`"([^"]+)"`).FindAllStringSubmatch(m[1], -1) {
					src.prefixes[p[1]] = append(src.prefixes[p[1]], rel)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// TestKeysExist: every key the code and the templates use is in the catalogue (a missing one
// would show as a raw key on the page).
func TestKeysExist(t *testing.T) {
	src := scan(t)
	if len(src.keys) < 100 {
		t.Fatalf("found only %d keys in use: the scan is broken", len(src.keys))
	}
	for k, where := range src.keys {
		if !Has(k) && !(Has(k+".one") && Has(k+".other")) {
			t.Errorf("key %s (used in %s) is not in the catalogue", k, strings.Join(dedup(where), ", "))
		}
	}
	for p, where := range src.prefixes {
		if len(Prefixed(p)) == 0 {
			t.Errorf("no key starts with %s (built in %s)", p, strings.Join(dedup(where), ", "))
		}
	}
}

// TestNoUnusedKeys: every key of the catalogue is used, literally or through a prefix the code
// completes at run time ("status." + the status).
func TestNoUnusedKeys(t *testing.T) {
	src := scan(t)
	for _, k := range Keys() {
		if src.keys[k] != nil {
			continue
		}
		base, form, _ := cutLast(k)
		if (form == "one" || form == "other") && src.keys[base] != nil {
			continue
		}
		used := false
		for p := range src.prefixes {
			if strings.HasPrefix(k, p) {
				used = true
				break
			}
		}
		if !used {
			t.Errorf("key %s is not used anywhere", k)
		}
	}
}

// TestPluralForms: plural keys come in pairs and both forms show the number.
func TestPluralForms(t *testing.T) {
	for _, k := range Keys() {
		base, form, _ := cutLast(k)
		if form != "one" && form != "other" {
			continue
		}
		other := base + ".one"
		if form == "one" {
			other = base + ".other"
		}
		if !Has(other) {
			t.Errorf("%s has no %s", k, other)
		}
		if !strings.HasPrefix(strings.TrimLeft(T(k), "…"), "%d") && !strings.Contains(T(k), "%d") {
			t.Errorf("%s = %q does not show the number (%%d)", k, T(k))
		}
	}
	for n, want := range map[int]string{0: "0 secondi", 1: "1 secondo", 2: "2 secondi", 30: "30 secondi"} {
		if got := N("seconds", n); got != want {
			t.Errorf("N(seconds, %d) = %q, want %q", n, got, want)
		}
	}
}

// english are words that are English only: none may appear in the Italian texts. Words
// Italians use as they are (file, password, email, link, ticket, back office, contact center,
// online), Italian words spelt like English ones (all', state) and product names (Asterisk's
// queue_log) are not in the list.
var english = map[string]bool{
	"the": true, "and": true, "of": true, "to": true, "with": true, "without": true, "from": true,
	"for": true, "is": true, "are": true, "not": true, "found": true, "error": true, "failed": true,
	"invalid": true, "please": true, "save": true, "cancel": true, "delete": true, "edit": true,
	"search": true, "loading": true, "submit": true, "upload": true, "download": true, "user": true,
	"users": true, "settings": true, "yes": true, "missing": true, "unknown": true, "required": true,
	"empty": true, "already": true, "exists": true, "must": true, "cannot": true, "allowed": true,
	"denied": true, "forbidden": true, "request": true, "status": true, "new": true,
	"close": true, "closed": true, "next": true, "previous": true, "none": true,
	"only": true, "this": true, "that": true, "your": true, "you": true, "has": true, "have": true,
	"was": true, "will": true, "should": true, "can": true, "page": true, "call": true,
	"calls": true, "answer": true, "answered": true, "waiting": true, "agent": true, "pill": true,
	"pills": true, "draft": true, "published": true, "rejected": true, "retired": true,
}

// TestItalianOnly: the Italian texts have no English leftovers.
func TestItalianOnly(t *testing.T) {
	for _, k := range Keys() {
		v := T(k)
		for _, w := range strings.FieldsFunc(strings.ToLower(v), func(r rune) bool { return !unicode.IsLetter(r) }) {
			if english[w] {
				t.Errorf("%s = %q: English word %q", k, v, w)
			}
		}
	}
}

func dedup(s []string) []string {
	m := map[string]bool{}
	var out []string
	for _, x := range s {
		if !m[x] {
			m[x] = true
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

// TestLoad: the file format's errors are caught.
func TestLoad(t *testing.T) {
	for name, text := range map[string]string{
		"no separator": "a.b Testo\n",
		"space in key": "a b = Testo\n",
		"duplicate":    "a.b = uno\na.b = due\n",
	} {
		fsys := fstest.MapFS{"it/x.txt": {Data: []byte(text)}}
		if _, err := load(fsys, "it"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	m, err := load(fstest.MapFS{"it/x.txt": {Data: []byte("# commento\n\na.b = Testo con = uguale\n")}}, "it")
	if err != nil || m["a.b"] != "Testo con = uguale" {
		t.Errorf("load = %v, %v", m, err)
	}
}

func cutLast(k string) (string, string, bool) {
	i := strings.LastIndexByte(k, '.')
	if i < 0 {
		return k, "", false
	}
	return k[:i], k[i+1:], true
}
