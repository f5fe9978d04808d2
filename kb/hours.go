package kb

// Opening hours of the directory's offices (KB-13), read from the Italian text the directory
// keeps (cv:openingHours): "Lun-Ven 8:30-13:30; Lun, Mar e Gio 15:00-17:30", "lun-ven 9-13, mar e
// gio 15-17", "dal lunedì al venerdì dalle 8.00 alle 19.00", "Tutti i giorni 7:00-20:00", "24 ore
// su 24". The text stays the one stored form — it is what the workbook, the vCard export and a
// person reading the page see — and ParseHours derives from it the weekly intervals, the same
// shape as schema.org's openingHoursSpecification (dayOfWeek, opens, closes), from which "open
// now" is computed (webkit.OpenAt, with the Italian holidays of workcal: kb imports no other
// domain). No maintained Go library reads Italian free-text hours, hence this small parser.
//
// Reading is lenient: days (lun, lunedì, mar., …; ranges "lun-ven", "dal … al …"; "tutti i
// giorni", "feriali"), times (9, 9:00, 9.00, 9,00; ranges "9-13", "dalle 9 alle 13") and the
// little words between them ("e", "anche", "ore", "esclusi i festivi") are understood;
// parenthesised text is a note ("(solo telefonico)"); anything else is reported in Problems,
// in Italian, and the rest of the text still counts.

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
)

// MaxHoursText bounds the opening-hours text read: a longer one is refused by the editor and
// reported by the parser, so parsing is bounded for every input.
const MaxHoursText = 500

// HoursInterval is one opening interval of a weekday, as minutes from midnight: Opens < Closes
// ≤ 24:00 (schema.org's opens/closes).
type HoursInterval struct {
	Day    time.Weekday `json:"day"`
	Opens  int          `json:"opens"`  // minutes from midnight
	Closes int          `json:"closes"` // minutes from midnight, up to 1440
}

// OpeningHours is an office's opening hours: the text as written and what it says.
type OpeningHours struct {
	Text string `json:"text"`
	// Week is the intervals by weekday (time.Sunday = 0), sorted and merged.
	Week [7][]HoursInterval `json:"-"`
	// Notes are the parenthesised remarks, "solo telefonico".
	Notes []string `json:"notes,omitempty"`
	// Problems are the parts of the text that could not be read, in Italian.
	Problems []string `json:"problems,omitempty"`
}

// Known reports whether the text gave at least one opening interval.
func (h OpeningHours) Known() bool {
	for _, d := range h.Week {
		if len(d) > 0 {
			return true
		}
	}
	return false
}

// Intervals lists every interval, Monday first (as an Italian week reads).
func (h OpeningHours) Intervals() []HoursInterval {
	var out []HoursInterval
	for i := 1; i <= 7; i++ {
		out = append(out, h.Week[i%7]...)
	}
	return out
}

var dayWords = map[string]time.Weekday{
	"lun": time.Monday, "lunedi": time.Monday, "mar": time.Tuesday, "martedi": time.Tuesday,
	"mer": time.Wednesday, "mercoledi": time.Wednesday, "gio": time.Thursday, "giovedi": time.Thursday,
	"ven": time.Friday, "venerdi": time.Friday, "sab": time.Saturday, "sabato": time.Saturday,
	"dom": time.Sunday, "domenica": time.Sunday,
}

// fillerWords are read and ignored: they join days and times, or say what holds anyway (the
// holidays are always honoured by "open now").
var fillerWords = map[string]bool{
	"e": true, "ed": true, "anche": true, "ore": true, "h": true, "il": true, "i": true, "la": true,
	"le": true, "dal": true, "al": true, "dalle": true, "alle": true, "alla": true, "fino": true,
	"esclusi": true, "escluso": true, "esclusa": true, "escluse": true, "festivi": true, "festivita": true,
	"festività": true, "nazionali": true, "orario": true, "orari": true, "continuato": true,
	"apertura": true, "aperto": true, "di": true, "a": true, "solo": true,
}

type hoursToken struct {
	kind byte // d day, t time, - range, "," list, w known word, u unknown word, A every day, F Monday to Saturday, H all day, c closed
	day  time.Weekday
	min  int
	word string
}

// ParseHours reads an office's opening hours from their Italian text. It never fails: what it
// cannot read is in Problems, and an empty text has neither intervals nor problems. The text is
// read a part at a time (parts are separated by ";" or a new line): a part with a word not
// understood gives no interval — a wrong "open" is worse than none — and is reported whole.
func ParseHours(text string) OpeningHours {
	h := OpeningHours{Text: strings.TrimSpace(text)}
	if h.Text == "" {
		return h
	}
	if len(h.Text) > MaxHoursText {
		h.Problems = append(h.Problems, fmt.Sprintf("testo degli orari troppo lungo (%d caratteri, al massimo %d)", len(h.Text), MaxHoursText))
		return h
	}
	for _, part := range splitParts(h.Text) {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		week, notes, problems := parsePart(part)
		h.Notes = append(h.Notes, notes...)
		if len(problems) > 0 {
			h.Problems = append(h.Problems, fmt.Sprintf("«%s»: %s", part, strings.Join(problems, "; ")))
			continue
		}
		for d := range week {
			h.Week[d] = append(h.Week[d], week[d]...)
		}
	}
	for d := range h.Week {
		h.Week[d] = mergeIntervals(h.Week[d])
	}
	if !h.Known() && len(h.Problems) == 0 && len(h.Notes) == 0 {
		h.Problems = append(h.Problems, "nessun orario riconosciuto")
	}
	return h
}

// splitParts splits at ";", "|" and new lines outside parentheses.
func splitParts(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(', '[':
			depth++
		case ')', ']':
			if depth > 0 {
				depth--
			}
		case ';', '|', '\n':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// parsePart reads one part: lists of days, each followed by one or more time ranges — or, when
// the part starts with a time ("9-13 dal lunedì al venerdì"), time ranges each followed by
// their days.
func parsePart(part string) (week [7][]HoursInterval, notes, problems []string) {
	toks, notes := hoursTokens(part)
	var (
		days     []time.Weekday // the days the next times belong to
		listing  bool           // days are being listed (no time since the last day)
		pending  [][2]int       // times waiting for the days that follow them
		first    bool           // the part starts with a time: times come before their days
		lastDay  = -1           // the last single day read, for a range
		rangeDay bool           // a "-" or "al" after a day: the next day closes a range
		timed    bool           // the days listed have a time
		unknown  []string
	)
	add := func(from, to int) {
		for _, d := range days {
			week[d] = append(week[d], HoursInterval{Day: d, Opens: from, Closes: to})
		}
		listing, timed, rangeDay = false, true, false
	}
	flush := func() {
		for _, p := range pending {
			add(p[0], p[1])
		}
		pending, days = nil, nil
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.kind {
		case 'd', 'A', 'F':
			if !listing {
				days, listing, timed = nil, true, false
			}
			switch {
			case t.kind == 'A':
				days = append(days, allDays...)
			case t.kind == 'F':
				days = append(days, allDays[:6]...)
			case rangeDay && lastDay >= 0:
				for d := (time.Weekday(lastDay) + 1) % 7; ; d = (d + 1) % 7 {
					days = append(days, d)
					if d == t.day {
						break
					}
				}
			default:
				days = append(days, t.day)
			}
			lastDay, rangeDay = int(t.day), false
			if t.kind != 'd' {
				lastDay = -1
			}
		case '-':
			if listing && lastDay >= 0 {
				rangeDay = true
			}
		case 'w':
			if t.word == "al" && listing && lastDay >= 0 {
				rangeDay = true
			}
		case 'c':
			// "sab chiuso": the days listed open at no time.
			listing, timed = false, true
		case 'H':
			// "24 ore su 24", "h24": the whole day, of the days listed or of every day.
			if len(days) == 0 {
				days = allDays
			}
			add(0, 24*60)
		case 't':
			j := i + 1
			for j < len(toks) && (toks[j].kind == '-' || toks[j].kind == 'w' && rangeWords[toks[j].word]) {
				j++
			}
			if j >= len(toks) || toks[j].kind != 't' || j == i+1 {
				unknown = append(unknown, clockString(t.min))
				continue
			}
			from, to := t.min, toks[j].min
			i = j
			if to <= from {
				problems = append(problems, "orario che finisce prima di iniziare: "+clockRange(from, to))
				continue
			}
			if len(days) == 0 && len(pending) == 0 && !timed {
				first = true
			}
			if first {
				if listing && len(days) > 0 {
					flush() // the days after the last times are theirs; these times start anew
				}
				pending = append(pending, [2]int{from, to})
				continue
			}
			add(from, to)
		case 'u':
			unknown = append(unknown, t.word)
		}
	}
	if first && len(days) > 0 {
		flush()
	}
	if len(unknown) > 0 {
		problems = append(problems, "non compreso: "+strings.Join(unknown, ", "))
	}
	if len(pending) > 0 {
		problems = append(problems, "orario senza giorni: "+clockRange(pending[0][0], pending[0][1]))
	}
	if listing && !timed && len(days) > 0 {
		problems = append(problems, "giorni senza orario: "+dayList(days))
	}
	return week, notes, problems
}

// rangeWords may stand between the two ends of a time range: "dalle 9 alle ore 13".
var rangeWords = map[string]bool{"alle": true, "al": true, "fino": true, "ore": true, "h": true, "a": true}

var allDays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// hoursTokens splits a part into days, times, separators and words; parenthesised text is
// returned as notes.
func hoursTokens(part string) (out []hoursToken, notes []string) {
	s := []rune(strings.ToLower(part))
	for i := 0; i < len(s); {
		r := s[i]
		switch {
		case r == '(' || r == '[':
			end := ')'
			if r == '[' {
				end = ']'
			}
			j := i + 1
			for j < len(s) && s[j] != end {
				j++
			}
			if note := strings.TrimSpace(string(s[i+1 : j])); note != "" {
				notes = append(notes, note)
			}
			i = j + 1
		case r == '-' || r == '–' || r == '—' || r == '/':
			out = append(out, hoursToken{kind: '-'})
			i++
		case r == ',':
			out = append(out, hoursToken{kind: ','})
			i++
		case r >= '0' && r <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			hh, mm := atoiRunes(s[i:j]), 0
			if j+2 < len(s) && (s[j] == ':' || s[j] == '.' || s[j] == ',') && isDigit(s[j+1]) && isDigit(s[j+2]) &&
				(j+3 >= len(s) || !isDigit(s[j+3])) {
				mm = atoiRunes(s[j+1 : j+3])
				j += 3
			}
			if j-i > 5 || hh > 24 || mm > 59 || hh == 24 && mm != 0 {
				out = append(out, hoursToken{kind: 'u', word: string(s[i:j])})
			} else {
				out = append(out, hoursToken{kind: 't', min: hh*60 + mm})
			}
			i = j
		case unicode.IsLetter(r):
			j := i
			for j < len(s) && (unicode.IsLetter(s[j]) || isDigit(s[j]) || s[j] == '\'') {
				j++
			}
			w := foldAccents(string(s[i:j]))
			if j < len(s) && s[j] == '.' {
				j++ // "lun." "mar."
			}
			i = j
			switch d, isDay := dayWords[w]; {
			case isDay:
				out = append(out, hoursToken{kind: 'd', day: d})
			case w == "feriali" || w == "feriale":
				out = append(out, hoursToken{kind: 'F'})
			case w == "h24":
				out = append(out, hoursToken{kind: 'H'})
			case w == "chiuso" || w == "chiusi" || w == "chiusa" || w == "chiusura":
				out = append(out, hoursToken{kind: 'c'})
			case fillerWords[w] || w == "su" || w == "giorni" || w == "giorno" || w == "tutti" ||
				strings.HasPrefix(w, "fest") || strings.HasPrefix(w, "esclu"):
				out = append(out, hoursToken{kind: 'w', word: w})
			default:
				out = append(out, hoursToken{kind: 'u', word: w})
			}
		default:
			i++
		}
	}
	return collapse(out), notes
}

// collapse turns the phrases "tutti i giorni" and "24 ore su 24" into one token each.
func collapse(in []hoursToken) []hoursToken {
	word := func(i int, w string) bool { return i < len(in) && in[i].kind == 'w' && in[i].word == w }
	var out []hoursToken
	for i := 0; i < len(in); i++ {
		switch {
		case word(i, "tutti") && word(i+1, "i") && word(i+2, "giorni"):
			out = append(out, hoursToken{kind: 'A'})
			i += 2
		case in[i].kind == 't' && in[i].min == 24*60 && word(i+1, "ore") && word(i+2, "su") &&
			i+3 < len(in) && in[i+3].kind == 't' && in[i+3].min == 24*60:
			out = append(out, hoursToken{kind: 'H'})
			i += 3
		case in[i].kind == 'w' && (in[i].word == "tutti" || in[i].word == "su"):
			out = append(out, hoursToken{kind: 'u', word: in[i].word})
		default:
			out = append(out, in[i])
		}
	}
	return out
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// atoiRunes reads ASCII digits; other digits (Unicode's) count as too large a number.
func atoiRunes(rs []rune) int {
	n := 0
	for _, r := range rs {
		if r < '0' || r > '9' || n > 1000 {
			return 1 << 20
		}
		n = n*10 + int(r-'0')
	}
	return n
}

func foldAccents(w string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case 'à', 'á':
			return 'a'
		case 'è', 'é':
			return 'e'
		case 'ì', 'í':
			return 'i'
		case 'ò', 'ó':
			return 'o'
		case 'ù', 'ú':
			return 'u'
		}
		return r
	}, w)
}

func mergeIntervals(in []HoursInterval) []HoursInterval {
	if len(in) < 2 {
		return in
	}
	slices.SortFunc(in, func(a, b HoursInterval) int { return a.Opens - b.Opens })
	out := in[:1]
	for _, x := range in[1:] {
		last := &out[len(out)-1]
		if x.Opens <= last.Closes {
			last.Closes = max(last.Closes, x.Closes)
			continue
		}
		out = append(out, x)
	}
	return out
}

func clockString(m int) string { return fmt.Sprintf("%d:%02d", m/60, m%60) }

func clockRange(a, b int) string { return clockString(a) + "-" + clockString(b) }

var dayAbbrevIT = [7]string{"dom", "lun", "mar", "mer", "gio", "ven", "sab"}

// DayAbbrev is the Italian short name of a weekday, "lun".
func DayAbbrev(d time.Weekday) string { return dayAbbrevIT[d] }

func dayList(ds []time.Weekday) string {
	var names []string
	for _, d := range ds {
		names = append(names, dayAbbrevIT[d])
	}
	return strings.Join(names, ", ")
}

// HoursSpecification is one interval as schema.org's OpeningHoursSpecification writes it:
// dayOfWeek "Monday", opens "09:00", closes "13:00" (closes "24:00" for the end of the day).
type HoursSpecification struct {
	DayOfWeek string `json:"dayOfWeek"`
	Opens     string `json:"opens"`
	Closes    string `json:"closes"`
}

// Specification is the week as schema.org openingHoursSpecification, Monday first.
func (h OpeningHours) Specification() []HoursSpecification {
	out := []HoursSpecification{}
	hm := func(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }
	for _, x := range h.Intervals() {
		out = append(out, HoursSpecification{DayOfWeek: x.Day.String(), Opens: hm(x.Opens), Closes: hm(x.Closes)})
	}
	return out
}
