// Package textfold is the one accent- and case-insensitive folding of Sportello. Matching a
// concept label, an office name, a spreadsheet header, a search word or a ticket's words
// against what is stored all go through Fold (or Key, built on it), so that "Città", "citta",
// "CITTÀ " and "citta'" mean the same thing everywhere — before, kb, kb/search, ingest, web and
// ticketing each folded differently, and a label matched by one did not match in another.
//
// Fold, in order:
//  1. NFD (canonical decomposition): "à" becomes "a" + a combining grave accent;
//  2. nonspacing marks (Unicode category Mn) are dropped — the accents;
//  3. typographic apostrophes and accents typed as apostrophes (’ ‘ ` ´ ′ ʼ) become the plain
//     "'", so "l’ufficio" and "l'ufficio" meet, and "perche´" (an accent typed after the letter
//     on a keyboard without it) meets "perche'";
//  4. lower case (Unicode simple case mapping);
//  5. every run of white space becomes one space, and the ends are trimmed;
//  6. NFC, so that what is left is in the form the rest of the program stores.
//
// Fold does not drop punctuation: "SAL-012" stays "sal-012". Key does, for the cases where only
// the words matter (spreadsheet headers, keywords). Letters without a decomposition (ß, ø, æ)
// stay as they are; kb.Slug turns them into ASCII for IRIs.
package textfold

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold is the key for case- and accent-insensitive matching (see the package doc).
func Fold(s string) string {
	if isASCII(s) {
		return foldASCII(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsSpace(r):
			space = true
			continue
		case r == '’' || r == '‘' || r == '`' || r == '´' || r == '′' || r == 'ʼ':
			r = '\''
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(unicode.ToLower(r))
	}
	return norm.NFC.String(b.String())
}

// Key is Fold with every run of characters that are neither letters nor digits made one space:
// "Cod. scheda" and "cod scheda" have the same key, "Parole-chiave:" is "parole chiave".
func Key(s string) string {
	var b strings.Builder
	space := false
	for _, r := range Fold(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	return b.String()
}

// Equal reports whether a and b fold to the same key.
func Equal(a, b string) bool { return Fold(a) == Fold(b) }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// foldASCII is Fold for ASCII text, without the normalisation passes: most keys are ASCII.
func foldASCII(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			space = true
			continue
		case c == '`':
			c = '\''
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteByte(c)
	}
	return b.String()
}
