package ingest

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"sportello/internal/htmltext"
	"sportello/internal/textfold"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"
)

// MaxCellChars is the length above which a cell is reported as too long (issue 3, point 5).
// Excel itself stops at 32,767; a knowledge pill longer than 10,000 characters is almost always
// a pasted document that an operator cannot read on the phone. The text is kept whole: cutting
// an answer would silently change what operators tell citizens.
const MaxCellChars = 10000

// cleanText trims, NFC-normalises and drops control characters, keeping line breaks. Legacy
// workbooks mix decomposed accents (from Mac copy-paste), non-breaking spaces and CRLF.
func cleanText(s string) string {
	if s == "" {
		return ""
	}
	if plainASCII(s) {
		// The common case, and the hot path of a large import: nothing to map or normalise.
		return strings.TrimSpace(s)
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\u00a0' || r == '\u2007' || r == '\u202f':
			return ' '
		case r == '\ufeff' || r == '\u200b':
			return -1
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	s = strings.ReplaceAll(s, "_x000D_", "")
	return norm.NFC.String(strings.TrimSpace(s))
}

// plainASCII reports whether s is printable ASCII, tabs and line feeds only, without Excel's
// _x000D_ escapes: text that cleanText would only trim.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x7f || c < 0x20 && c != '\n' && c != '\t' {
			return false
		}
	}
	return !strings.Contains(s, "_x000D_")
}

// oneLine is cleanText with every run of white space, line breaks included, made one space:
// for titles, names and codes.
func oneLine(s string) string {
	return strings.Join(strings.Fields(cleanText(s)), " ")
}

// plainText strips any HTML a title or question cell carries and decodes entities, on one
// line (htmltext.Line).
func plainText(s string) string { return htmltext.Line(cleanText(s)) }

// splitKeywords splits a keyword cell on ";" and "," (and line breaks), trimming and dropping
// duplicates case-insensitively while keeping the first spelling.
func splitKeywords(s string) []string {
	s = plainText(strings.NewReplacer("\n", ";", "\t", ";").Replace(s))
	var out []string
	seen := map[string]bool{}
	for _, k := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' }) {
		k = strings.Trim(strings.TrimSpace(k), ".·-•")
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		key := foldKey(k)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, k)
	}
	return out
}

// splitList splits legal references or forms: only ";" and line breaks separate them, since a
// citation such as "L. 157/1992 art. 14, c. 2" holds commas.
func splitList(s string) []string {
	s = plainText(strings.ReplaceAll(cleanText(s), "\n", ";"))
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var urlRE = regexp.MustCompile(`(?i)\b((?:https?://|www\.)[^\s<>"';,]+[^\s<>"';,.)])|\b(mailto:[^\s<>"';,]+)`)

// findURLs returns the web addresses written in a cell, "www." ones made https.
func findURLs(s string) []string {
	var out []string
	for _, m := range urlRE.FindAllString(s, -1) {
		if strings.HasPrefix(strings.ToLower(m), "www.") {
			m = "https://" + m
		}
		out = append(out, m)
	}
	return out
}

var (
	brRE     = regexp.MustCompile(`(?i)<br\s*/?>`)
	paraRE   = regexp.MustCompile(`\n\s*\n`)
	blockRE  = regexp.MustCompile(`(?i)<(p|ul|ol|li|div|table|h[1-6])[\s>]`)
	bulletRE = regexp.MustCompile(`^\s*(?:[-•*–·▪◦]|\d{1,2}[.)])\s+`)
	olRE     = regexp.MustCompile(`^\s*\d{1,2}[.)]\s+`)

	spaceBeforeCloseRE = regexp.MustCompile(`\s+(</(?:p|li)>|<br>)`)
	spaceAfterOpenRE   = regexp.MustCompile(`(<(?:p|li)>|<br>)\s+`)
)

// answerHTML turns a legacy answer cell — plain text with line breaks and bullet lines, simple
// HTML, or a mix — into the sanitised subset: blank lines separate paragraphs, single line breaks
// become <br>, runs of "- " or "• " lines become lists.
func answerHTML(s string) string {
	s = cleanText(s)
	if s == "" {
		return ""
	}
	if !strings.ContainsAny(s, "<&") {
		return plainAnswerHTML(s)
	}
	return sanitizedAnswerHTML(s)
}

// plainAnswerHTML is answerHTML for text without markup or entities, where the sanitiser has
// nothing to remove: the paragraphs and lists are built directly and only ">" needs escaping.
// It gives what sanitizedAnswerHTML gives (FuzzAnswerHTML checks it) at a fraction of the cost:
// on a 100,000-row import the sanitiser took a fifth of the time.
func plainAnswerHTML(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 32)
	for _, para := range paraRE.Split(strings.ReplaceAll(s, ">", "&gt;"), -1) {
		writeParagraph(&b, para)
	}
	return strings.TrimSpace(strings.ReplaceAll(b.String(), "<p></p>", ""))
}

// sanitizedAnswerHTML turns text that may hold HTML into the safe subset.
func sanitizedAnswerHTML(s string) string {
	var b strings.Builder
	if blockRE.MatchString(s) {
		// The author wrote block HTML: keep its structure, only line breaks inside text matter.
		b.WriteString(strings.ReplaceAll(s, "\n", "<br>"))
	} else {
		s = brRE.ReplaceAllString(s, "\n")
		for _, para := range paraRE.Split(s, -1) {
			writeParagraph(&b, para)
		}
	}
	out := htmltext.Sanitize(b.String())
	out = spaceBeforeCloseRE.ReplaceAllString(out, "$1")
	out = spaceAfterOpenRE.ReplaceAllString(out, "$1")
	out = strings.ReplaceAll(out, "<p></p>", "")
	return strings.TrimSpace(out)
}

func writeParagraph(b *strings.Builder, para string) {
	var lines []string
	for _, l := range strings.Split(para, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	inP, list := false, ""
	closeList := func() {
		if list != "" {
			b.WriteString("</" + list + ">")
			list = ""
		}
	}
	for i, l := range lines {
		if bulletRE.MatchString(l) {
			want := "ul"
			if olRE.MatchString(l) {
				want = "ol"
			}
			if inP {
				b.WriteString("</p>")
				inP = false
			}
			if list != want {
				closeList()
				b.WriteString("<" + want + ">")
				list = want
			}
			b.WriteString("<li>" + bulletRE.ReplaceAllString(l, "") + "</li>")
			continue
		}
		closeList()
		if !inP {
			b.WriteString("<p>")
			inP = true
		} else if i > 0 {
			b.WriteString("<br>")
		}
		b.WriteString(l)
	}
	closeList()
	if inP {
		b.WriteString("</p>")
	}
}

// textLength counts characters (not bytes) of a cell.
func textLength(s string) int { return len([]rune(s)) }

var months = map[string]time.Month{
	"gennaio": 1, "gen": 1, "january": 1, "jan": 1,
	"febbraio": 2, "feb": 2, "february": 2,
	"marzo": 3, "mar": 3, "march": 3,
	"aprile": 4, "apr": 4, "april": 4,
	"maggio": 5, "mag": 5, "may": 5,
	"giugno": 6, "giu": 6, "june": 6, "jun": 6,
	"luglio": 7, "lug": 7, "july": 7, "jul": 7,
	"agosto": 8, "ago": 8, "august": 8, "aug": 8,
	"settembre": 9, "set": 9, "sett": 9, "september": 9, "sep": 9, "sept": 9,
	"ottobre": 10, "ott": 10, "october": 10, "oct": 10,
	"novembre": 11, "nov": 11, "november": 11,
	"dicembre": 12, "dic": 12, "december": 12, "dec": 12,
}

var (
	numDateRE   = regexp.MustCompile(`^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})(?:[ t]\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?$`)
	wordDateRE  = regexp.MustCompile(`^(?:(\d{1,2})(?:°|º|st|nd|rd|th)?\s+)?([a-zà-ü]+)\.?\s*,?\s+'?(\d{2}|\d{4})$`)
	monthYearRE = regexp.MustCompile(`^(\d{1,2})[/.\-](\d{4})$`)
	usDateRE    = regexp.MustCompile(`^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$`)
	weekdayRE   = regexp.MustCompile(`^(?:lunedì|lunedi|martedì|martedi|mercoledì|mercoledi|giovedì|giovedi|venerdì|venerdi|sabato|domenica|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s*,?\s+`)
)

// errNoDate is a cell that holds text but no date.
var errNoDate = errors.New("not a date")

// parseDate reads the dates legacy workbooks hold as text: dd/mm/yyyy, d-m-yy, dd.mm.yyyy,
// yyyy-mm-dd (with an optional time), "12 marzo 2013", "1° marzo 2013", "marzo 2013",
// "March 12, 2013". Day-first is assumed for ambiguous numeric dates: these are Italian files.
// Two-digit years below 70 are 20xx.
func parseDate(s string) (time.Time, error) {
	s = strings.ToLower(oneLine(s))
	s = weekdayRE.ReplaceAllString(s, "")
	if s == "" {
		return time.Time{}, errNoDate
	}
	if m := numDateRE.FindStringSubmatch(s); m != nil {
		a, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[2])
		c, _ := strconv.Atoi(m[3])
		if len(m[1]) == 4 { // yyyy-mm-dd
			return mkDate(a, b, c, s)
		}
		if len(m[3]) == 3 || len(m[1]) == 3 {
			return time.Time{}, fmt.Errorf("%q: %w", s, errNoDate)
		}
		if b > 12 && a <= 12 { // 03/25/2013: an American date, the only reading that works
			a, b = b, a
		}
		return mkDate(year2(c, len(m[3])), b, a, s)
	}
	if m := monthYearRE.FindStringSubmatch(s); m != nil { // 03/2013
		mon, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		return mkDate(y, mon, 1, s)
	}
	if m := wordDateRE.FindStringSubmatch(s); m != nil {
		mon, ok := months[m[2]]
		if !ok {
			return time.Time{}, fmt.Errorf("%q: unknown month %q: %w", s, m[2], errNoDate)
		}
		d := 1
		if m[1] != "" {
			d, _ = strconv.Atoi(m[1])
		}
		y, _ := strconv.Atoi(m[3])
		return mkDate(year2(y, len(m[3])), int(mon), d, s)
	}
	if m := usDateRE.FindStringSubmatch(s); m != nil {
		if mon, ok := months[m[1]]; ok {
			d, _ := strconv.Atoi(m[2])
			y, _ := strconv.Atoi(m[3])
			return mkDate(y, int(mon), d, s)
		}
	}
	if len(s) == 4 {
		if y, err := strconv.Atoi(s); err == nil && y >= 1900 && y <= 2199 {
			return mkDate(y, 1, 1, s)
		}
	}
	return time.Time{}, fmt.Errorf("%q: %w", s, errNoDate)
}

func year2(y, digits int) int {
	if digits == 2 {
		if y < 70 {
			return 2000 + y
		}
		return 1900 + y
	}
	return y
}

func mkDate(y, m, d int, src string) (time.Time, error) {
	if y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, fmt.Errorf("%q: %w", src, errNoDate)
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // 31/04, 29/02 on a common year
		return time.Time{}, fmt.Errorf("%q: day out of range: %w", src, errNoDate)
	}
	return t, nil
}

// excelSerial converts an Excel date serial (days since 1899-12-30, or since 1904-01-01) to a
// date, dropping the time of day.
func excelSerial(v float64, date1904 bool) (time.Time, error) {
	if math.IsNaN(v) || v < 1 || v > 2958465 {
		return time.Time{}, errNoDate
	}
	t, err := excelize.ExcelDateToTime(v, date1904)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
}

// cellDate reads a date cell: a number (an Excel date serial, whatever format the cell shows) or
// text in any form parseDate knows. A plain integer between 1900 and 2199 is a year.
func cellDate(c Cell, date1904 bool) (time.Time, error) {
	if c.Number {
		v, err := strconv.ParseFloat(c.Raw, 64)
		if err == nil {
			if v == math.Trunc(v) && v >= 1900 && v <= 2199 && !c.DateFormat {
				return mkDate(int(v), 1, 1, c.Raw)
			}
			return excelSerial(v, date1904)
		}
	}
	return parseDate(c.Value)
}

// foldKey is the comparison key of a label, the shared textfold.Key: lower case, accents and
// punctuation removed, spaces collapsed. "Attività  Produttive" and "attivita' produttive" meet
// here.
func foldKey(s string) string { return textfold.Key(s) }
