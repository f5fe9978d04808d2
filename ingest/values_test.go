package ingest

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseDate(t *testing.T) {
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		in   string
		want time.Time
	}{
		{"15/02/2021", day(2021, 2, 15)},
		{"5/2/2021", day(2021, 2, 5)},
		{" 15/02/2021 ", day(2021, 2, 15)},
		{"15-02-21", day(2021, 2, 15)},
		{"15-02-85", day(1985, 2, 15)},
		{"15.02.2021", day(2021, 2, 15)},
		{"2021-02-15", day(2021, 2, 15)},
		{"2021/02/15", day(2021, 2, 15)},
		{"2021-02-15T10:30:00Z", day(2021, 2, 15)},
		{"2021-02-15 10:30", day(2021, 2, 15)},
		{"12 marzo 2013", day(2013, 3, 12)},
		{"12 Marzo 2013", day(2013, 3, 12)},
		{"1° marzo 2013", day(2013, 3, 1)},
		{"12 mar. 2013", day(2013, 3, 12)},
		{"marzo 2013", day(2013, 3, 1)},
		{"Settembre 2019", day(2019, 9, 1)},
		{"lunedì 4 novembre 2024", day(2024, 11, 4)},
		{"12 March 2013", day(2013, 3, 12)},
		{"March 12, 2013", day(2013, 3, 12)},
		{"29/02/2016", day(2016, 2, 29)},
		{"2013", day(2013, 1, 1)},
		{"03/2013", day(2013, 3, 1)},
		{"03/25/2013", day(2013, 3, 25)},
	}
	for _, tt := range tests {
		got, err := parseDate(tt.in)
		if err != nil {
			t.Errorf("parseDate(%q): %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("parseDate(%q) = %s, want %s", tt.in, got.Format(time.DateOnly), tt.want.Format(time.DateOnly))
		}
	}
	for _, bad := range []string{"", "da definire", "31/04/2021", "29/02/2015", "15/13/2021", "12 brumaio 2013", "00/00/0000", "1/2/345", "n.d."} {
		if got, err := parseDate(bad); err == nil {
			t.Errorf("parseDate(%q) = %s, want an error", bad, got)
		} else if !errors.Is(err, errNoDate) {
			t.Errorf("parseDate(%q): error %v does not wrap errNoDate", bad, err)
		}
	}
}

func TestCellDate(t *testing.T) {
	tests := []struct {
		c    Cell
		want string
	}{
		{Cell{Value: "15/02/2021", Raw: "44242", Number: true, DateFormat: true}, "2021-02-15"},
		{Cell{Value: "02-15-21", Raw: "44242", Number: true, DateFormat: true}, "2021-02-15"}, // builtin format 14 is month-first: the serial decides
		{Cell{Value: "44242", Raw: "44242", Number: true}, "2021-02-15"},
		{Cell{Value: "2019", Raw: "2019", Number: true}, "2019-01-01"},
		{Cell{Value: "12/03/2013", Raw: "12/03/2013"}, "2013-03-12"},
	}
	for _, tt := range tests {
		got, err := cellDate(tt.c, false)
		if err != nil {
			t.Errorf("cellDate(%+v): %v", tt.c, err)
			continue
		}
		if s := got.Format(time.DateOnly); s != tt.want {
			t.Errorf("cellDate(%+v) = %s, want %s", tt.c, s, tt.want)
		}
	}
	if got, err := cellDate(Cell{Value: "0", Raw: "0", Number: true}, false); err == nil {
		t.Errorf("serial 0 = %s, want an error", got)
	}
	if got, _ := cellDate(Cell{Value: "x", Raw: "0", Number: true, DateFormat: true}, true); !got.IsZero() {
		t.Errorf("1904 serial 0 = %s, want no date", got)
	}
}

func TestSplitKeywords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"medico di base; medico di famiglia; MMG", []string{"medico di base", "medico di famiglia", "MMG"}},
		{"abbonamento studenti,sconto,scuola", []string{"abbonamento studenti", "sconto", "scuola"}},
		{"a; b, c;; ,d", []string{"a", "b", "c", "d"}},
		{"Ticket; ticket; TICKET", []string{"Ticket"}},
		{"bollo\nauto", []string{"bollo", "auto"}},
		{"  ", nil},
		{"città; perché; €", []string{"città", "perché", "€"}},
	}
	for _, tt := range tests {
		got := splitKeywords(tt.in)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("splitKeywords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAnswerHTML(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Si paga entro il mese.", "<p>Si paga entro il mese.</p>"},
		{"line break", "Prima riga\nSeconda riga", "<p>Prima riga<br>Seconda riga</p>"},
		{"paragraphs", "Uno.\n\nDue.", "<p>Uno.</p><p>Due.</p>"},
		{"bullets", "Si può:\n- online\n- allo sportello\n• per telefono", "<p>Si può:</p><ul><li>online</li><li>allo sportello</li><li>per telefono</li></ul>"},
		{"numbered", "Passi:\n1. accedi\n2. paga", "<p>Passi:</p><ol><li>accedi</li><li>paga</li></ol>"},
		{"simple html", "<b>Esenzione</b><br>Vale per E01.", "<p><b>Esenzione</b><br>Vale per E01.</p>"},
		{"script removed", "Testo<script>alert(1)</script> finale", "<p>Testo finale</p>"},
		{"onclick removed", `<b onclick="steal()">Attenzione</b>`, "<p><b>Attenzione</b></p>"},
		{"javascript link removed", `<a href="javascript:alert(1)">clic</a>`, "<p>clic</p>"},
		{"safe link kept", `Vedi <a href="https://www.regione.it/x" target="_blank">qui</a>`, `<p>Vedi <a href="https://www.regione.it/x">qui</a></p>`},
		{"style removed", `<span style="color:red">rosso</span>`, "<p>rosso</p>"},
		{"apostrophe and euro", "L'importo è di 16,00 €", "<p>L'importo è di 16,00 €</p>"},
		{"quotes", `Il bando "Giovani" & <a href="https://x.it/?a=1&b=2">link</a>`, `<p>Il bando "Giovani" &amp; <a href="https://x.it/?a=1&amp;b=2">link</a></p>`},
		{"block html kept", "<p>Uno</p><ul><li>a</li></ul>", "<p>Uno</p><ul><li>a</li></ul>"},
		{"crlf", "a\r\nb", "<p>a<br>b</p>"},
		{"empty", "   ", ""},
	}
	for _, tt := range tests {
		if got := answerHTML(tt.in); got != tt.want {
			t.Errorf("%s: answerHTML(%q) =\n %q\nwant\n %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestCleanTextNFC(t *testing.T) {
	decomposed := "citta\u0300 perche\u0301" // "città perché" with combining accents
	if got := cleanText(" " + decomposed + "\u00a0"); got != "città perché" {
		t.Errorf("cleanText = %q, want NFC \"città perché\"", got)
	}
	if got := oneLine("  Ufficio\n  Tributi\t "); got != "Ufficio Tributi" {
		t.Errorf("oneLine = %q", got)
	}
}

func TestMatchHeader(t *testing.T) {
	tests := []struct {
		kind Kind
		in   string
		want Field
	}{
		{KindPills, "Cod.", FCode},
		{KindPills, "COD", FCode},
		{KindPills, "Codice scheda", FCode},
		{KindPills, "Cod. scheda", FCode},
		{KindPills, "Titolo pillola", FTitle},
		{KindPills, "Domanda frequente", FQuestion},
		{KindPills, "Risposta/Testo", FAnswer},
		{KindPills, "Testo risposta", FAnswer},
		{KindPills, "Parole chiave", FKeywords},
		{KindPills, "Parole chiavi", FKeywords},
		{KindPills, "Keywords", FKeywords},
		{KindPills, "Categoria", FCategory},
		{KindPills, "Categorie", FCategory},
		{KindPills, "Sottoargomento", FSubcategory},
		{KindPills, "Ufficio competente", FOffice},
		{KindPills, "Riferimenti normativi", FLegal},
		{KindPills, "Normativa", FLegal},
		{KindPills, "Link", FLink},
		{KindPills, "Link utili", FLink},
		{KindPills, "Modulistica", FForms},
		{KindPills, "Ultimo aggiornamento", FUpdated},
		{KindPills, "Data agg.", FUpdated},
		{KindPills, "Aggiornato il", FUpdated},
		{KindPills, "Validato da", FValidatedBy},
		{KindPills, "Note", FNotes},
		{KindPills, "Last update", FUpdated},
		{KindPills, "Answer", FAnswer},
		{KindPills, "Question", FQuestion},
		{KindPills, "Competent office", FOffice},
		{KindPills, "Colore preferito", ""},
		{KindPills, "N°", ""},
		{KindPills, "Descrizione", FAnswer},
		{KindDirectory, "Interno", FExtension},
		{KindDirectory, "E-mail", FEmail},
		{KindDirectory, "PEC", FPEC},
		{KindDirectory, "Orari di apertura", FHours},
		{KindDirectory, "Cognome", FFamilyName},
	}
	for _, tt := range tests {
		if got, _ := matchHeader(tt.kind, tt.in); got != tt.want {
			t.Errorf("matchHeader(%s, %q) = %q, want %q", tt.kind, tt.in, got, tt.want)
		}
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"15/02/2021", "15-02-21", "2021-02-15", "12 marzo 2013", "marzo 2013", "1° marzo 2013", "March 12, 2013", "31/04/2021", "", "2013", "99/99/9999", "lunedì 4 novembre 2024"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDate(s)
		if err == nil && (d.Year() < 1900 || d.Year() > 2199) {
			t.Errorf("parseDate(%q) = %s: out of range", s, d)
		}
	})
}

func FuzzMatchHeader(f *testing.F) {
	for _, s := range []string{"Cod.", "Risposta/Testo", "Parole chiave", "Data agg.", "", "ÀÈÌ", strings.Repeat("x", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, k := range []Kind{KindPills, KindDirectory} {
			field, score := matchHeader(k, s)
			if (field == "") != (score == 0) {
				t.Errorf("matchHeader(%q) = %q, %d", s, field, score)
			}
		}
	})
}

func FuzzSplitKeywords(f *testing.F) {
	for _, s := range []string{"a; b, c", "città;€", ";;,,", "\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, k := range splitKeywords(s) {
			if k == "" || strings.ContainsAny(k, ";,") {
				t.Errorf("splitKeywords(%q) gave %q", s, k)
			}
		}
	})
}

var tagRE = regexp.MustCompile(`</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>`)

// allowedTagRE is the safe subset: bare tags, and links with a safe scheme and nothing else.
var allowedTagRE = regexp.MustCompile(`^(</?(p|br|b|strong|i|em|ul|ol|li|a)/?>|<a href="(https?:|mailto:|tel:)[^"]*"/?>)$`)

func FuzzAnswerHTML(f *testing.F) {
	for _, s := range []string{"<b>x</b><br>y", "- a\n- b", "a > b\n\n1. uno\n2) due\n  • tre", "x  \t y\n\n\n\"q\" 'a'", `<a href="javascript:x" onclick="y">z</a>`, "<script>alert(1)</script>", "<p>a</p>\n<ul><li>b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := answerHTML(s)
		for _, tag := range tagRE.FindAllString(out, -1) {
			if !allowedTagRE.MatchString(tag) {
				t.Errorf("answerHTML(%q) = %q keeps tag %s", s, out, tag)
			}
		}
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Errorf("answerHTML(%q) is not valid UTF-8", s)
		}
		// The fast path for plain text must give what the sanitiser gives.
		if c := cleanText(s); c != "" && !strings.ContainsAny(c, "<&") {
			if fast, slow := plainAnswerHTML(c), sanitizedAnswerHTML(c); fast != slow {
				t.Errorf("answerHTML(%q): plain path %q, sanitiser %q", s, fast, slow)
			}
		}
	})
}
