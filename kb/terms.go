package kb

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cayleygraph/quad"

	"sportello/ontology"
)

// quadsOf builds the quads of one subject in one graph.
type quadsOf struct {
	s, g  quad.IRI
	quads []quad.Quad
}

func newQuads(subject, g string) *quadsOf {
	return &quadsOf{s: quad.IRI(subject), g: quad.IRI(g)}
}

func (b *quadsOf) add(p string, o quad.Value) {
	b.quads = append(b.quads, quad.Quad{Subject: b.s, Predicate: quad.IRI(p), Object: o, Label: b.g})
}

// addOn adds a quad about another subject (an owned node, a parent's inverse link).
func (b *quadsOf) addOn(s, p string, o quad.Value) {
	b.quads = append(b.quads, quad.Quad{Subject: quad.IRI(s), Predicate: quad.IRI(p), Object: o, Label: b.g})
}

func (b *quadsOf) iri(p, o string) {
	if o != "" {
		b.add(p, quad.IRI(o))
	}
}

func (b *quadsOf) text(p, v, lang string) {
	if v != "" {
		b.add(p, text(v, lang))
	}
}

func (b *quadsOf) str(p, v string) {
	if v != "" {
		b.add(p, quad.String(v))
	}
}

// text is a language-tagged string, or a plain one when lang is empty.
func text(v, lang string) quad.Value {
	if lang == "" {
		return quad.String(v)
	}
	return quad.LangString{Value: quad.String(v), Lang: lang}
}

func typed(v, datatype string) quad.Value {
	return quad.TypedString{Value: quad.String(v), Type: quad.IRI(datatype)}
}

// dateTime is an xsd:dateTime in UTC, to the nanosecond when there are nanoseconds.
func dateTime(t time.Time) quad.Value {
	return typed(t.UTC().Format(time.RFC3339Nano), ontology.XSDDateTime)
}

// date is an xsd:date.
func date(t time.Time) quad.Value { return typed(t.Format(time.DateOnly), ontology.XSDDate) }

// dateOrTime is an xsd:date for a time at midnight UTC, an xsd:dateTime otherwise: validity
// bounds are usually days, and a day must not become a moment in some time zone.
func dateOrTime(t time.Time) quad.Value {
	u := t.UTC()
	if u.Hour() == 0 && u.Minute() == 0 && u.Second() == 0 && u.Nanosecond() == 0 {
		return date(u)
	}
	return dateTime(t)
}

// lexical returns the lexical form of a literal, or the IRI string, and its language tag.
func lexical(v quad.Value) (string, string) {
	switch v := v.(type) {
	case quad.String:
		return string(v), ""
	case quad.LangString:
		return string(v.Value), v.Lang
	case quad.TypedString:
		return string(v.Value), ""
	case quad.IRI:
		return string(v), ""
	case quad.BNode:
		return string(v), ""
	case nil:
		return "", ""
	}
	return quad.StringOf(v), ""
}

func lex(v quad.Value) string { s, _ := lexical(v); return s }

func iriOf(v quad.Value) string {
	if i, ok := v.(quad.IRI); ok {
		return string(i)
	}
	return ""
}

// parseTime reads xsd:date and xsd:dateTime lexical forms (with or without zone). Dates are
// midnight UTC.
func parseTime(v quad.Value) (time.Time, bool) {
	s := strings.TrimSpace(lex(v))
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", time.DateOnly, "2006-01-02Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func timePtr(v quad.Value) *time.Time {
	if t, ok := parseTime(v); ok {
		return &t
	}
	return nil
}

func parseInt(v quad.Value) int {
	n, _ := strconv.Atoi(strings.TrimSpace(lex(v)))
	return n
}

func parseBool(v quad.Value) bool {
	s := strings.TrimSpace(lex(v))
	return s == "true" || s == "1"
}

// sortedUnique sorts a multi-valued property: RDF has no order, so the store returns sets in a
// stable order instead of the order of the index.
func sortedUnique(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	sort.Strings(s)
	out := s[:1]
	for _, v := range s[1:] {
		if v != out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}

// telIRI turns a phone number as written into a tel: IRI. Spaces become hyphens, the visual
// separator RFC 3966 allows, so the grouping survives.
func telIRI(phone string) string {
	p := strings.TrimSpace(phone)
	if strings.HasPrefix(strings.ToLower(p), "tel:") {
		return p
	}
	f := strings.Fields(p)
	return "tel:" + iriEscape(strings.Join(f, "-"))
}

// mailtoIRI turns an e-mail address into a mailto: IRI.
func mailtoIRI(addr string) string {
	a := strings.TrimSpace(addr)
	if strings.HasPrefix(strings.ToLower(a), "mailto:") {
		return a
	}
	return "mailto:" + iriEscape(a)
}

// iriEscape percent-encodes the characters an IRI cannot hold; everything else, including
// non-ASCII letters, stays as written.
func iriEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || strings.IndexByte("<>\"{}|\\^`%", c) >= 0 {
			b.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(c)|0x100, 16)[1:]))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// unescapeIRI is the inverse of iriEscape for display.
func unescapeIRI(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// phoneOf and emailOf read tel: and mailto: IRIs back as the user wrote them.
func phoneOf(v quad.Value) string {
	s := lex(v)
	if strings.HasPrefix(strings.ToLower(s), "tel:") {
		s = s[4:]
	}
	return unescapeIRI(s)
}

func emailOf(v quad.Value) string {
	s := lex(v)
	if strings.HasPrefix(strings.ToLower(s), "mailto:") {
		s = s[7:]
	}
	return unescapeIRI(s)
}
