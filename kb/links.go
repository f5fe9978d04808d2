package kb

import (
	"fmt"
	"strings"

	"github.com/cayleygraph/quad"

	"sportello/internal/htmltext"
	"sportello/ontology"
)

// Links that leave the store — on a page, in the JSON of the API, in an RDF export — have one
// of the schemes of htmltext.Schemes (http, https, mailto, tel). A javascript: or data: link can
// reach the store by roads that do not check it (an RDF import of someone else's file, data
// written before the check existed), so the read and export paths check again, whatever the
// writers did: a pill's Links and Forms drop what SafeURL refuses (SafeLinks, applied by the
// pill reader), and an export leaves out the statements that would publish such a link
// (unsafeStatement).

// LinkOK reports whether u may be published as a link: a URL htmltext.SafeURL accepts, or a
// legacy value without any scheme ("www.regione.it/x", which a browser reads as a relative
// link and cannot run). The scheme is looked for as a browser does: tabs and line breaks
// removed, leading and trailing control characters and spaces trimmed.
func LinkOK(u string) bool {
	if htmltext.SafeURL(u) {
		return true
	}
	clean := strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, u)
	clean = strings.TrimFunc(clean, func(r rune) bool { return r <= ' ' })
	end := strings.IndexAny(clean, "/?#")
	if end < 0 {
		end = len(clean)
	}
	return clean != "" && !strings.Contains(clean[:end], ":")
}

// SafeLinks returns ls without the links LinkOK refuses.
func SafeLinks(ls []Link) []Link {
	out := ls[:0:0]
	for _, l := range ls {
		if LinkOK(l.URL) {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// linkPredicates are the properties of the content graph whose object is a link pages and
// exports publish: a pill's web links and its forms' addresses. Other graphs (vocabularies,
// the ontology) may use rdfs:seeAlso with IRIs of any scheme: they are left as they are.
var linkPredicates = map[string]bool{ontology.RDFSSeeAlso: true, ontology.SchemaURL: true}

// scriptSchemes are IRI schemes that run code or carry a document when followed: no statement
// that names one is exported, whatever its predicate.
var scriptSchemes = []string{"javascript:", "vbscript:", "data:"}

func scriptIRI(v quad.Value) bool {
	iri, ok := v.(quad.IRI)
	if !ok {
		return false
	}
	s := strings.ToLower(strings.TrimSpace(string(iri)))
	for _, p := range scriptSchemes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// unsafeStatement reports whether an export must leave q out: it names a javascript:, vbscript:
// or data: IRI, or it is a link of the content graph (linkPredicates) whose target is not a URL
// htmltext.SafeURL accepts.
func unsafeStatement(q quad.Quad) bool {
	if scriptIRI(q.Subject) || scriptIRI(q.Object) {
		return true
	}
	p, ok := q.Predicate.(quad.IRI)
	if !ok || !linkPredicates[string(p)] || iriOf(q.Label) != ontology.GraphContent {
		return false
	}
	switch o := q.Object.(type) {
	case quad.IRI:
		return !htmltext.SafeURL(string(o))
	case quad.BNode:
		return false
	default:
		return !LinkOK(lex(o))
	}
}

// LinkError refuses a pill with a link of a scheme other than http, https, mailto and tel:
// Field is "answer", "links" or "forms".
type LinkError struct {
	Field, URL string
}

func (e *LinkError) Error() string {
	return fmt.Sprintf("kb: link %q in %s: only http, https, mailto and tel links may be published", e.URL, e.Field)
}

// CheckLinks is the rule where pills come in (the editor, the API): every link of the answer —
// before it is sanitised, so that nothing is dropped without a word — and every web link and
// form must pass LinkOK. The first that does not is a *LinkError.
func CheckLinks(p *Pill) error {
	for _, h := range htmltext.Hrefs(p.Answer) {
		if !LinkOK(h) {
			return &LinkError{"answer", h}
		}
	}
	for _, f := range []struct {
		name string
		ls   []Link
	}{{"links", p.Links}, {"forms", p.Forms}} {
		for _, l := range f.ls {
			if !LinkOK(l.URL) {
				return &LinkError{f.name, l.URL}
			}
		}
	}
	return nil
}
