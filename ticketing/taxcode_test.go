package ticketing

import (
	"strings"
	"testing"
)

func TestValidateTaxCode(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    string
		wantErr string
	}{
		{"RSSMRA85T10A562S", "RSSMRA85T10A562S", ""},
		{" rssmra85t10a562s ", "RSSMRA85T10A562S", ""},
		{"RSSMRA85T10A562T", "", "controllo"},
		{"RSSMRA85T10A562", "", "16 caratteri"},
		{"RSSMRA85Z10A562S", "", "mese"},
		{"RSSMRA85T99A562S", "", "giorno"},
		{"RSSMRA85T10A56XS", "", "cifra"},
		{"1SSMRA85T10A562S", "", "lettera"},
		// Omocodia (TK-17 data must still be accepted): the last digit 2 becomes N.
		{omocode("RSSMRA85T10A562S", 14), omocode("RSSMRA85T10A562S", 14), ""},
		// Women: day + 40.
		{withCheck("BNCLRA80A41H501"), withCheck("BNCLRA80A41H501"), ""},
	} {
		got, err := ValidateTaxCode(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ValidateTaxCode(%q) error = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ValidateTaxCode(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// omocode replaces the digit at pos with its omocodia letter and recomputes the check.
func omocode(code string, pos int) string {
	b := []byte(code[:15])
	b[pos] = omocodia[b[pos]-'0']
	return withCheck(string(b))
}

func withCheck(first15 string) string {
	c, err := TaxCodeCheck(first15)
	if err != nil {
		panic(err)
	}
	return first15 + string(c)
}

func TestOmocodiaPublishedExample(t *testing.T) {
	// RSSMRA85T10A562S is the usual published example (Mario Rossi); its omocodic variant
	// replaces the last digit, and the check letter must be recomputed on the new code.
	if c, _ := TaxCodeCheck("RSSMRA85T10A562"); c != 'S' {
		t.Fatalf("check of RSSMRA85T10A562 = %c, want S", c)
	}
	if _, err := ValidateTaxCode(omocode("RSSMRA85T10A562S", 14)); err != nil {
		t.Fatal(err)
	}
	if _, err := ValidateTaxCode("RSSMRA85T10A56NS"); err == nil {
		t.Fatal("omocodic code with the old check letter accepted")
	}
}

func TestValidateVAT(t *testing.T) {
	if _, err := ValidateVAT("00743110157"); err != nil { // a well-known valid partita IVA
		t.Errorf("valid VAT refused: %v", err)
	}
	if _, err := ValidateVAT("00743110158"); err == nil {
		t.Error("bad VAT check digit accepted")
	}
}

func FuzzValidateTaxCode(f *testing.F) {
	for _, s := range []string{"RSSMRA85T10A562S", "RSSMRA85T10A56NS", "", "ZZZZZZZZZZZZZZZZ", "00743110157", "ÀÈÌ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := ValidateTaxCode(s)
		if err == nil {
			if len(code) != 16 {
				t.Fatalf("accepted %q as %q", s, code)
			}
			if again, err := ValidateTaxCode(code); err != nil || again != code {
				t.Fatalf("not idempotent: %q → %q, %v", code, again, err)
			}
		}
		validTaxID(s)
	})
}
