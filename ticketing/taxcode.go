package ticketing

import (
	"fmt"
	"strings"
)

// Italian tax code (codice fiscale) of a person: 16 characters, SSSNNNYYMDDZZZZC. When two
// people would get the same code ("omocodia") the Agenzia delle Entrate replaces digits, from
// the right, with the letters L M N P Q R S T U V (0–9); the check character always covers the
// code as written.

const omocodia = "LMNPQRSTUV"

// digitPositions are the positions (0-based) that hold digits, or omocodia letters.
var digitPositions = []int{6, 7, 9, 10, 12, 13, 14}

const months = "ABCDEHLMPRST"

// oddValues are the check-character values of the characters in odd positions (1st, 3rd, …),
// indexed by digit or letter (0–9 and A–Z share the same slots).
var oddValues = [26]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}

// NormalizeTaxCode upper-cases and strips spaces; it does not validate.
func NormalizeTaxCode(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// TaxCodeCheck computes the check character of the first 15 characters of a tax code.
func TaxCodeCheck(first15 string) (byte, error) {
	if len(first15) != 15 {
		return 0, fmt.Errorf("want 15 characters, got %d", len(first15))
	}
	sum := 0
	for i := 0; i < 15; i++ {
		c := first15[i]
		var idx int
		switch {
		case c >= '0' && c <= '9':
			idx = int(c - '0')
		case c >= 'A' && c <= 'Z':
			idx = int(c - 'A')
		default:
			return 0, fmt.Errorf("character %d (%q) is not a letter or digit", i+1, c)
		}
		if i%2 == 0 { // 1st, 3rd, … position
			sum += oddValues[idx]
		} else {
			sum += idx
		}
	}
	return byte('A' + sum%26), nil
}

// ValidateTaxCode checks a person's tax code: shape, month letter, day (1–31, +40 for women),
// omocodia letters and check character. It returns the normalised code.
func ValidateTaxCode(s string) (string, error) {
	code := NormalizeTaxCode(s)
	bad := func(format string, a ...any) (string, error) {
		return "", fmt.Errorf("codice fiscale %q: %s", s, fmt.Sprintf(format, a...))
	}
	if len(code) != 16 {
		return bad("deve avere 16 caratteri, ne ha %d", len(code))
	}
	for i := 0; i < 6; i++ {
		if code[i] < 'A' || code[i] > 'Z' {
			return bad("il carattere %d deve essere una lettera", i+1)
		}
	}
	if code[11] < 'A' || code[11] > 'Z' || code[15] < 'A' || code[15] > 'Z' {
		return bad("i caratteri 12 e 16 devono essere lettere")
	}
	// Undo omocodia to read the date.
	plain := []byte(code)
	for _, p := range digitPositions {
		c := plain[p]
		switch {
		case c >= '0' && c <= '9':
		case strings.IndexByte(omocodia, c) >= 0:
			plain[p] = byte('0' + strings.IndexByte(omocodia, c))
		default:
			return bad("il carattere %d deve essere una cifra (o una lettera di omocodia)", p+1)
		}
	}
	if strings.IndexByte(months, code[8]) < 0 {
		return bad("%q non è una lettera di mese", code[8])
	}
	day := int(plain[9]-'0')*10 + int(plain[10]-'0')
	if day > 40 {
		day -= 40
	}
	if day < 1 || day > 31 {
		return bad("giorno di nascita %d non valido", day)
	}
	want, err := TaxCodeCheck(code[:15])
	if err != nil {
		return bad("%v", err)
	}
	if code[15] != want {
		return bad("carattere di controllo errato (atteso %c)", want)
	}
	return code, nil
}
