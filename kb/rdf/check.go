package rdf

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/cayleygraph/quad"
)

// Writable reports whether every writer of this package can write q: a store that keeps only
// such statements can always be exported whole, in any syntax (KB-11). It checks what the
// writers check one by one — an IRI or blank node as subject and graph, an absolute IRI as
// predicate, IRIs without the characters IRIs cannot hold, valid UTF-8, well-formed language
// tags and datatype IRIs — plus the limits of RDF/XML, the narrowest syntax: the predicate must
// end in an XML name, IRIs must not hold "." or ".." segments, and literals must hold only
// characters XML 1.0 can carry (no C0 controls but tab, line feed and carriage return).
func Writable(q quad.Quad) error {
	if err := checkNode("subject", q.Subject); err != nil {
		return err
	}
	p, ok := q.Predicate.(quad.IRI)
	if !ok {
		return fmt.Errorf("the predicate %s is not an IRI", describe(q.Predicate))
	}
	if err := checkIRI("predicate", string(p)); err != nil {
		return err
	}
	if _, _, err := rxSplitPredicate(string(p)); err != nil {
		return err
	}
	switch o := q.Object.(type) {
	case quad.IRI, quad.BNode:
		if err := checkNode("object", o); err != nil {
			return err
		}
	case nil:
		return errors.New("the statement has no object")
	default:
		lex, lang, dt, ok := literalParts(o)
		if !ok {
			return fmt.Errorf("the object %v (%T) is not an RDF term", o, o)
		}
		if !utf8.ValidString(lex) {
			return fmt.Errorf("the literal %q is not valid UTF-8", rxClip(lex))
		}
		if err := rxCheckObject(quad.String(lex)); err != nil {
			return err
		}
		if lang != "" && scanLangTag([]byte(lang)) != len(lang) {
			return fmt.Errorf("%q is not a language tag", lang)
		}
		if dt != "" {
			if err := checkIRI("datatype", dt); err != nil {
				return err
			}
		}
	}
	if q.Label != nil {
		if err := checkNode("graph", q.Label); err != nil {
			return err
		}
	}
	return nil
}

// checkNode accepts an IRI or a blank node in a position that allows only those.
func checkNode(pos string, v quad.Value) error {
	switch v := v.(type) {
	case quad.IRI:
		return checkIRI(pos, string(v))
	case quad.BNode:
		if v == "" || !utf8.ValidString(string(v)) {
			return fmt.Errorf("the %s is a blank node without a valid label", pos)
		}
		return nil
	}
	return fmt.Errorf("the %s %s is not an IRI or a blank node", pos, describe(v))
}

func checkIRI(pos, s string) error {
	if !hasScheme(s) {
		return fmt.Errorf("the %s <%s> is not an absolute IRI", pos, s)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("the %s IRI %q is not valid UTF-8", pos, s)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x80 && !iriByteOK(c) {
			return fmt.Errorf("the %s IRI %q contains %q, which IRIs cannot contain", pos, s, c)
		}
	}
	return rxCheckIRI(quad.IRI(s))
}

func describe(v quad.Value) string {
	if v == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%v", v)
}
