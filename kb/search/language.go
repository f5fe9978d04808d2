package search

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"sportello/internal/textfold"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Language resources from maintained sources (REQUIREMENTS KB-6): the LibreOffice Italian
// thesaurus (MyThes format, Debian package mythes-it) and the Italian Hunspell dictionary
// (Debian package hunspell-it). Both are read at start-up from configurable paths; search works
// without them (a smaller vocabulary), and the caller logs which were found.
//
// No maintained Go library reads Hunspell affix files or MyThes data, so this file reads the
// small subset the Italian files use: single-character flags, suffix rules without
// continuation classes (the Italian .aff has none), and the MyThes text format. Only the
// reverse direction is needed — from a word typed to its dictionary forms (lemmas) — which is
// how Hunspell itself checks a word: strip a suffix, restore what the rule stripped, check the
// condition and that the stem carries the rule's flag.

// Default paths of the Debian packages.
const (
	DefaultThesaurus  = "/usr/share/mythes/th_it_IT_v2.dat"
	DefaultDictionary = "/usr/share/hunspell/it_IT.dic" // its .aff beside it
)

// Resources are the language resources an index uses; the zero value (or nil) uses none.
type Resources struct {
	dict *dictionary
	thes map[string][]string // folded headword → synonyms (folded), in the file's order
}

// LoadResources reads the thesaurus and the dictionary; an empty path skips a resource. An
// error names the file; callers may go on without the resource.
func LoadResources(thesaurus, dictionary string) (*Resources, error) {
	r := &Resources{}
	var errs []error
	if dictionary != "" {
		d, err := loadDictionary(dictionary)
		if err != nil {
			errs = append(errs, err)
		} else {
			r.dict = d
		}
	}
	if thesaurus != "" {
		t, err := loadThesaurus(thesaurus)
		if err != nil {
			errs = append(errs, err)
		} else {
			r.thes = t
		}
	}
	return r, errors.Join(errs...)
}

// HasThesaurus and HasDictionary say which resources were loaded.
func (r *Resources) HasThesaurus() bool  { return r != nil && r.thes != nil }
func (r *Resources) HasDictionary() bool { return r != nil && r.dict != nil }

// Describe is a line for the log: what was loaded.
func (r *Resources) Describe() string {
	var parts []string
	if r.HasDictionary() {
		parts = append(parts, fmt.Sprintf("dictionary %d words", len(r.dict.words)))
	}
	if r.HasThesaurus() {
		parts = append(parts, fmt.Sprintf("thesaurus %d entries", len(r.thes)))
	}
	if len(parts) == 0 {
		return "no language resources"
	}
	return strings.Join(parts, ", ")
}

// Lemmas returns the dictionary forms of a folded word ("pagato" → "pagare"), the word itself
// first when the dictionary holds it; nil when the word is not Italian as far as the
// dictionary knows (a typo, a name, an acronym).
func (r *Resources) Lemmas(word string) []string {
	if !r.HasDictionary() {
		return nil
	}
	return r.dict.lemmas(word)
}

// Known reports whether the dictionary knows the word in some form.
func (r *Resources) Known(word string) bool { return len(r.Lemmas(word)) > 0 }

// Synonyms returns the thesaurus' synonyms of a folded word, looked up as typed and by its
// lemmas.
func (r *Resources) Synonyms(word string) []string {
	if !r.HasThesaurus() {
		return nil
	}
	var out []string
	seen := map[string]bool{word: true}
	keys := append([]string{word}, r.Lemmas(word)...)
	for _, k := range keys {
		for _, s := range r.thes[k] {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

type dictionary struct {
	words map[string]string // folded word → flags (the union over accented spellings)
	sfx   []affixRule
}

type affixRule struct {
	flag       rune
	strip, add string
	cond       *regexp.Regexp // on the end of the stem
}

func loadDictionary(dicPath string) (*dictionary, error) {
	affPath := strings.TrimSuffix(dicPath, ".dic") + ".aff"
	d := &dictionary{words: map[string]string{}}
	if err := d.readAff(affPath); err != nil {
		return nil, err
	}
	f, err := os.Open(dicPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	first := true
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if first {
			first = false
			if _, err := strconv.Atoi(line); err == nil {
				continue // the word count
			}
		}
		if line == "" || strings.HasPrefix(line, "/") || strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.IndexAny(line, " \t"); i >= 0 {
			line = line[:i] // morphological fields
		}
		word, flags, _ := strings.Cut(line, "/")
		w := textfold.Fold(word)
		d.words[w] = mergeFlags(d.words[w], flags)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", dicPath, err)
	}
	if len(d.words) == 0 {
		return nil, fmt.Errorf("%s: no words", dicPath)
	}
	return d, nil
}

func mergeFlags(a, b string) string {
	for _, f := range b {
		if !strings.ContainsRune(a, f) {
			a += string(f)
		}
	}
	return a
}

func (d *dictionary) readAff(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		fs := strings.Fields(sc.Text())
		if len(fs) < 4 || fs[0] != "SFX" {
			continue
		}
		if utf8.RuneCountInString(fs[1]) != 1 {
			return fmt.Errorf("%s:%d: only single-character flags are supported", path, line)
		}
		if fs[2] == "Y" || fs[2] == "N" {
			continue // the header of a rule block
		}
		if len(fs) < 5 {
			return fmt.Errorf("%s:%d: suffix rule without condition", path, line)
		}
		strip, add, cond := fs[2], fs[3], fs[4]
		if strip == "0" {
			strip = ""
		}
		if add == "0" {
			add = ""
		}
		if strings.Contains(add, "/") {
			return fmt.Errorf("%s:%d: continuation classes are not supported", path, line)
		}
		re := ".*"
		if cond != "." {
			re = ".*" + textfold.Fold(cond)
		}
		c, err := regexp.Compile("^" + re + "$")
		if err != nil {
			return fmt.Errorf("%s:%d: condition %q: %v", path, line, cond, err)
		}
		d.sfx = append(d.sfx, affixRule{flag: []rune(fs[1])[0], strip: textfold.Fold(strip), add: textfold.Fold(add), cond: c})
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	if len(d.sfx) == 0 {
		return fmt.Errorf("%s: no suffix rules", path)
	}
	return nil
}

func (d *dictionary) lemmas(w string) []string {
	var out []string
	seen := map[string]bool{}
	if _, ok := d.words[w]; ok {
		out = append(out, w)
		seen[w] = true
	}
	for _, r := range d.sfx {
		if !strings.HasSuffix(w, r.add) || len(w) == len(r.add) {
			continue
		}
		stem := w[:len(w)-len(r.add)] + r.strip
		if seen[stem] {
			continue
		}
		flags, ok := d.words[stem]
		if !ok || !strings.ContainsRune(flags, r.flag) || !r.cond.MatchString(stem) {
			continue
		}
		seen[stem] = true
		out = append(out, stem)
	}
	// Past participles are entries of their own in the Italian dictionary ("pagato/Ey"):
	// bridge them to their verb, so that "ho pagato" finds "pagare".
	for _, l := range out {
		if len(l) < 5 {
			continue
		}
		for _, p := range participles {
			if strings.HasSuffix(l[:len(l)-1], p[0]) {
				inf := l[:len(l)-len(p[0])-1] + p[1]
				if _, ok := d.words[inf]; ok && !seen[inf] {
					seen[inf] = true
					out = append(out, inf)
				}
			}
		}
	}
	return out
}

// participles maps the stem ending of a past participle ("pagat-o") to its infinitive.
var participles = [][2]string{{"at", "are"}, {"it", "ire"}, {"ut", "ere"}}

// loadThesaurus reads a MyThes .dat file: "UTF-8", then per entry "word|n" and n lines
// "(part of speech)|synonym|synonym…".
func loadThesaurus(path string) (map[string][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readThesaurus(f, path)
}

func readThesaurus(r io.Reader, name string) (map[string][]string, error) {
	out := map[string][]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	if sc.Scan() {
		line++
		if enc := strings.TrimSpace(sc.Text()); !strings.EqualFold(enc, "UTF-8") {
			return nil, fmt.Errorf("%s:1: encoding %q, want UTF-8", name, enc)
		}
	}
	for sc.Scan() {
		line++
		text := sc.Text()
		if strings.TrimSpace(text) == "" {
			continue
		}
		head, count, ok := strings.Cut(text, "|")
		n, err := strconv.Atoi(strings.TrimSpace(count))
		if !ok || err != nil || n < 0 || n > 1000 {
			return nil, fmt.Errorf("%s:%d: want \"word|count\"", name, line)
		}
		key := textfold.Fold(strings.TrimSpace(head))
		seen := map[string]bool{key: true}
		for _, s := range out[key] {
			seen[s] = true
		}
		for i := 0; i < n; i++ {
			if !sc.Scan() {
				return nil, fmt.Errorf("%s:%d: entry %q ends early", name, line, head)
			}
			line++
			fs := strings.Split(sc.Text(), "|")
			for _, s := range fs[1:] {
				s = textfold.Fold(strings.TrimSpace(s))
				if s == "" || seen[s] || strings.ContainsAny(s, "()") {
					continue
				}
				seen[s] = true
				out[key] = append(out[key], s)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no entries", name)
	}
	return out, nil
}

// sortedLemmas is for tests and logs.
func sortedLemmas(r *Resources, w string) []string {
	l := append([]string(nil), r.Lemmas(w)...)
	sort.Strings(l)
	return l
}
