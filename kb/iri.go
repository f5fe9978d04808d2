package kb

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"sportello/internal/textfold"
	"strings"
	"unicode"
)

// Base is the namespace of Sportello's data IRIs (pills, concepts, units, people). Vocabulary
// terms live under ontology.NS instead.
const Base = "https://w3id.org/sportello/id/"

// TaxonomyScheme is the skos:ConceptScheme of the classification tree (KB-1).
const TaxonomyScheme = Base + "scheme/classificazione"

// PillIRI is the IRI of the pill with the given legacy code. The code keeps its case and is
// percent-encoded, so distinct codes never collide.
func PillIRI(code string) string {
	return Base + "pill/" + url.PathEscape(strings.TrimSpace(code))
}

// ConceptIRI is the IRI minted for a concept labelled label ("Avere un figlio" →
// …/concept/avere-un-figlio).
func ConceptIRI(label string) string { return Base + "concept/" + Slug(label) }

// UnitIRI is the IRI minted for an organisational unit named name.
func UnitIRI(name string) string { return Base + "unit/" + Slug(name) }

// PersonIRI is the IRI minted for a person.
func PersonIRI(given, family string) string {
	return Base + "person/" + Slug(strings.TrimSpace(given+" "+family))
}

// Slug folds s (textfold.Fold) into a lower-case ASCII path segment: accents are dropped
// ("Città" → "citta"), "ß" becomes "ss", every run of other characters becomes one hyphen. An empty result becomes a random id, so a
// slug is never empty.
func Slug(s string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range textfold.Fold(s) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		case r == 'ß':
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteString("ss")
		default:
			hyphen = true
		}
	}
	if b.Len() == 0 {
		return newID()
	}
	return b.String()
}

// newID is a random 16-hex-digit identifier.
func newID() string {
	var p [8]byte
	if _, err := rand.Read(p[:]); err != nil {
		panic("kb: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(p[:])
}

// isAbsoluteIRI reports whether s looks like an absolute IRI: a scheme, a colon, no spaces.
func isAbsoluteIRI(s string) bool {
	i := strings.IndexByte(s, ':')
	if i <= 0 || strings.ContainsAny(s, " \t\n\r<>\"{}|\\^`") {
		return false
	}
	for j, r := range s[:i] {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' ||
			j > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')
		if !ok {
			return false
		}
	}
	return true
}

// validLang reports whether s is a well-formed language tag as RDF writes it (BCP 47 syntax:
// "it", "en-GB", "de-CH-1996").
func validLang(s string) bool {
	for i, part := range strings.Split(s, "-") {
		if len(part) == 0 || len(part) > 8 {
			return false
		}
		for _, r := range part {
			letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
			if !letter && (i == 0 || r < '0' || r > '9') {
				return false
			}
		}
	}
	return true
}
