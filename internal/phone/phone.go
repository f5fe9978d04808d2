// Package phone is the one phone-number rule of Sportello: how a number typed by an operator,
// written in a spreadsheet, stored in the directory or sent by the telephone exchange becomes
// comparable. Citizens' records store Normalize's form; the caller lookup of the contact
// center, the directory search and the importer's "same person" check compare Key.
//
// Italian numbers have no trunk prefix to drop: the leading 0 of a fixed line belongs to the
// number ("0544 952110" is "+39 0544952110"), mobiles start with 3, and the international
// prefix is "+39" or "0039". Short numbers (extensions, "800 550 011", "112") have no prefix.
package phone

import (
	"fmt"
	"strings"
)

// Normalize brings a phone number to one stored form so that the same number typed in
// different ways matches: digits only, international prefix "+" (0039 → +39), Italian numbers —
// fixed lines start with 0, mobiles with 3 — get +39, short numbers stay as digits. Spaces,
// "-", ".", "/" and parentheses are ignored; anything else (letters, an extension) is refused
// with an Italian message, like a number of fewer than 3 or more than 15 digits (E.164).
func Normalize(s string) (string, error) {
	raw := strings.TrimSpace(s)
	var b strings.Builder
	for i, r := range raw {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '/' || r == '(' || r == ')':
		default:
			return "", fmt.Errorf("telefono %q: carattere %q non ammesso", s, r)
		}
	}
	n := b.String()
	switch {
	case strings.HasPrefix(n, "00"):
		n = "+" + n[2:]
	case strings.HasPrefix(n, "+"):
	case strings.HasPrefix(n, "0") || strings.HasPrefix(n, "3"):
		n = "+39" + n
	case n == "":
		return "", fmt.Errorf("telefono vuoto")
	}
	digits := strings.TrimPrefix(n, "+")
	if len(digits) < 3 || len(digits) > 15 || strings.Contains(digits, "+") {
		return "", fmt.Errorf("telefono %q: lunghezza non valida", s)
	}
	return n, nil
}

// Key is the comparison key of a number as anyone wrote it: its digits, without the Italian
// international prefix (+39, 0039) and without an extension written after it ("int. 23",
// "interno 23", "ext 23", ";ext=23", "x23", "#23"). "+39 0544 952110", "0544952110",
// "0039 0544-952110" and "tel:+39-0544-952110" have the same key, "0544952110"; foreign numbers
// keep their country code ("+44 20…" → "4420…"). Key never fails: text with no digits gives "".
func Key(s string) string {
	s, _ = SplitExtension(s)
	s = strings.TrimSpace(s)
	if len(s) >= 4 && strings.EqualFold(s[:4], "tel:") {
		s = strings.TrimSpace(s[4:])
	}
	d := digits(s)
	switch {
	case strings.HasPrefix(s, "+39"):
		d = d[2:]
	case strings.HasPrefix(s, "0039") && len(d) > 4:
		d = d[4:]
	}
	return d
}

// SplitExtension splits "0544 952110 int. 23" into the number and the extension's digits
// ("0544 952110", "23"). Without an extension marker the whole text is the number.
func SplitExtension(s string) (number, ext string) {
	// Lower-case ASCII only, so that indices into l are indices into s.
	lb := []byte(s)
	for i, c := range lb {
		if 'A' <= c && c <= 'Z' {
			lb[i] = c + 'a' - 'A'
		}
	}
	l := string(lb)
	best := -1
	var mark string
	for _, m := range []string{";ext=", " interno ", " int.", " int ", " ext.", " ext ", " x", "#"} {
		if i := strings.Index(l, m); i > 0 && (best < 0 || i < best) {
			rest := digits(l[i+len(m):])
			if rest == "" || strings.TrimLeft(strings.TrimSpace(l[i+len(m):]), "0123456789 ") != "" {
				continue
			}
			best, mark = i, m
		}
	}
	if best < 0 {
		return s, ""
	}
	return strings.TrimSpace(s[:best]), digits(s[best+len(mark):])
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
