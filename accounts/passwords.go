package accounts

import (
	_ "embed"
	"sort"
	"strings"
	"sync"
	"unicode"

	"sportello/internal/textfold"
)

// The password rule's list of guessable passwords (KB-8 security): the common passwords of the
// zxcvbn-ts project and the Italian common words, first names, last names and Wikipedia words of
// its Italian package, extracted once from the npm packages by internal/gencommon and embedded
// (MIT licence, commonpasswords.LICENSE.txt). Reading the packages' files at build time would
// make node a build dependency; a maintained Go port of zxcvbn with the Italian lists does not
// exist, and scoring is not what is wanted here — a clear yes or no with a reason.
//
//go:generate go run ./internal/gencommon -o commonpasswords.txt

//go:embed commonpasswords.txt
var commonFile string

// productPasswords are the first guesses against this product in particular, which the generic
// lists do not hold.
var productPasswords = map[string]bool{
	"sportello1": true, "sportello123": true, "cambiami123": true, "amministratore1": true,
	"valdoria123": true, "regione123": true, "password!1": true,
}

// commonList is the embedded list, sorted (the file is written sorted), without its comments.
var commonList = sync.OnceValue(func() []string {
	lines := strings.Split(commonFile, "\n")
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	if !sort.StringsAreSorted(out) {
		sort.Strings(out) // a hand-edited file: still correct, only slower to load
	}
	return out
})

// isCommon reports whether the folded w is on the list.
func isCommon(w string) bool {
	list := commonList()
	i := sort.SearchStrings(list, w)
	return i < len(list) && list[i] == w
}

// leet undoes the usual letter-for-digit substitutions ("p4ssw0rd").
var leet = strings.NewReplacer("@", "a", "4", "a", "3", "e", "0", "o", "1", "i", "$", "s", "5", "s", "7", "t")

// guessable says why password is one a guesser tries early, or "": it is on the list (folded:
// case and accents do not matter), or it is a word of the list with digits or symbols around it
// ("password12", "2024Francesca!", "Pa55word99"), or a word of the list repeated.
func guessable(password string) string {
	f := textfold.Fold(password)
	if productPasswords[f] || isCommon(f) {
		return "è una password troppo comune, facile da indovinare"
	}
	core := strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) })
	if len([]rune(core)) < 4 {
		return ""
	}
	for _, c := range []string{core, leet.Replace(core)} {
		if isCommon(c) || repeated(c) {
			return "è una parola comune, un nome o una password nota con qualche cifra o simbolo: facile da indovinare"
		}
	}
	return ""
}

// repeated reports whether w is a shorter piece said again ("ciaociao", "abcabcabc") whose
// piece is on the list or too short to matter.
func repeated(w string) bool {
	for p := 1; p <= len(w)/2; p++ {
		if len(w)%p == 0 && strings.Repeat(w[:p], len(w)/p) == w {
			return p < 4 || isCommon(w[:p])
		}
	}
	return false
}
