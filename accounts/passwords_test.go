package accounts

import (
	"strings"
	"testing"
)

// TestGuessablePasswords: the embedded lists (common passwords, Italian words and names)
// refuse what a guesser tries first, with letters around digits moved, case, accents and the
// usual substitutions ignored; passphrases and unusual words pass.
func TestGuessablePasswords(t *testing.T) {
	if n := len(commonList()); n < 90000 {
		t.Fatalf("the embedded list has %d entries: regenerate commonpasswords.txt", n)
	}
	s := &Store{cfg: Config{}.withDefaults()}
	for _, tc := range []struct {
		password string
		refused  bool
	}{
		{"password12", true},
		{"Password123", true},
		{"PASSWORD2026!", true},
		{"p@ssw0rd12", true},
		{"Pa55word99", true},
		{"qwertyuiop1", true},
		{"1q2w3e4r5t6y", true},
		{"Francesca1990", true},  // an Italian first name and a year
		{"2024Francesca!", true}, // digits before
		{"Sportello2026", true},  // an Italian word
		{"juventus1897", true},
		{"ciaociao123", true}, // a word said twice
		{"abababab12", true},
		{"sportello1", true},
		{"Valdoria2026", false}, // the demo's: not a word of the lists
		{"Cambio-Residenza-7", false},
		{"una frase lunga con spazi 2", false},
		{"Lunga-abbastanza-1", false},
		{"Xq7-bollo-Tetto", false},
	} {
		err := s.CheckPassword("mario.rossi", tc.password)
		if got := err != nil; got != tc.refused {
			t.Errorf("CheckPassword(%q) = %v, want refused %v", tc.password, err, tc.refused)
		}
		if err != nil && tc.refused && !strings.Contains(err.Error(), "indovinare") {
			t.Errorf("CheckPassword(%q): %v does not say why", tc.password, err)
		}
	}
}

func BenchmarkGuessable(b *testing.B) {
	commonList()
	for i := 0; i < b.N; i++ {
		guessable("Cambio-Residenza-7")
	}
}
