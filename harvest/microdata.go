package harvest

// Microdata and RDFa Lite, besides JSON-LD: the other two ways a web page embeds structured data
// (schema.org accepts the three), read into RDF statements.
//
// Written here with golang.org/x/net/html rather than taken from a library: the Go microdata
// packages (namsral/microdata, iand/microdata and their forks, astappiev/microdata) are not
// served by the module proxy this project builds from, none of them produces RDF (they give a
// JSON-like tree, so the mapping below would be needed anyway), and there is no maintained Go
// RDFa processor at all. What is read:
//
//   - Microdata, as the W3C note "Microdata to RDF" maps it: each top-level item (itemscope
//     without itemprop) is a subject — its itemid, else a blank node — typed by its itemtype;
//     each itemprop inside it (itemref followed, loops cut) is a statement whose predicate is the
//     property's absolute URL, or the vocabulary of the item's first type (the type's IRI up to
//     its last '/' or '#') followed by the name; the value is a nested item, a URL (href, src,
//     data of a, area, link, img, audio, video, source, track, embed, iframe, object), the
//     content of meta, the value of data and meter, the datetime of time (typed xsd:date,
//     xsd:time or xsd:dateTime when it is one), else the element's text, in the language of the
//     nearest lang attribute.
//   - RDFa Lite 1.1 (vocab, typeof, property, resource, prefix) with RDFa's initial context of
//     prefixes: the page is the first subject; typeof starts a new subject (resource, else a
//     blank node) linked from the current one by property; resource alone changes the subject;
//     property takes resource, href or src as a URL, else content, datetime or the text. Terms
//     are the vocabulary's, CURIEs need a known prefix, absolute IRIs stand as they are; a term
//     that resolves to nothing is left out (RDFa's rule), never an error.
//
// Bounded: at most maxEmbedded statements per page (an error naming the page past it); a page's
// size is bounded by the fetcher. A statement no RDF syntax could write (a property that does
// not end in an XML name, as RDF/XML needs) is left out and counted: the harvest reports it.

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/cayleygraph/quad"
	"golang.org/x/net/html"

	"sportello/kb/rdf"
	"sportello/ontology"
)

// maxEmbedded bounds the statements that one page's microdata or RDFa may give.
const maxEmbedded = 20_000

// errTooMany is returned past maxEmbedded.
var errTooMany = fmt.Errorf("la pagina contiene più di %d dichiarazioni di microdati o RDFa", maxEmbedded)

// maxWork bounds the steps (elements visited, text read, prefixes copied) of reading one page's
// microdata or RDFa: several times what a large real page takes, far below what a page built to
// cost the square of its size (thousands of items that all itemref one long list) would.
const maxWork = 8_000_000

// errTooComplex is returned past maxWork.
var errTooComplex = fmt.Errorf("i microdati o l'RDFa della pagina sono troppo complessi da leggere (oltre %d passi)", maxWork)

const xsd = "http://www.w3.org/2001/XMLSchema#"

// embedded collects the statements of one page.
type embedded struct {
	base   *url.URL
	bnode  string // prefix of the page's blank nodes
	nbnode int
	out    []quad.Quad
	err    error
	// skipped counts statements no RDF syntax could write (a property that does not end in an
	// XML name, an IRI with a space): left out, and reported by the harvest.
	skipped int
	langs   langs
	work    int // steps taken, bounded by maxWork
}

// spend counts n steps; false (and the error set) past maxWork.
func (e *embedded) spend(n int) bool {
	e.work += n
	if e.work > maxWork && e.err == nil {
		e.err = errTooComplex
	}
	return e.err == nil
}

func (e *embedded) newBNode() quad.BNode {
	e.nbnode++
	return quad.BNode(fmt.Sprintf("%s%d", e.bnode, e.nbnode))
}

func (e *embedded) emit(s quad.Value, p string, o quad.Value) {
	if e.err != nil {
		return
	}
	if len(e.out) >= maxEmbedded {
		e.err = errTooMany
		return
	}
	if iri, ok := o.(quad.IRI); ok && p == ontology.RDFType {
		o = quad.IRI(normSchema(string(iri)))
	}
	q := quad.Quad{Subject: s, Predicate: quad.IRI(normSchema(p)), Object: o}
	if rdf.Writable(q) != nil {
		e.skipped++
		return
	}
	e.out = append(e.out, q)
}

// normSchema writes schema.org's IRIs with https, as Sportello and schema.org itself do: pages
// write http://schema.org/ as often as https, and both mean the same terms.
func normSchema(iri string) string {
	if rest, ok := strings.CutPrefix(iri, "http://schema.org/"); ok {
		return ontology.Schema + rest
	}
	return iri
}

// resolve makes an absolute IRI of ref against the page; "" when it cannot.
func (e *embedded) resolve(ref string) string {
	ref = strings.TrimSpace(ref)
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if e.base != nil {
		u = e.base.ResolveReference(u)
	}
	if !u.IsAbs() {
		return ""
	}
	return u.String()
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// Bounds of one value's text: a property's element may hold a whole page, and a page of deeply
// nested properties would otherwise cost the square of its size.
const (
	maxTextBytes = 16 << 10
	maxTextNodes = 4096
)

// textContent is the text of n and its descendants, as the DOM's textContent (scripts and
// styles included, as the specifications say), with white space collapsed; at most
// maxTextBytes, from at most maxTextNodes nodes.
func (e *embedded) textContent(n *html.Node) string {
	var b strings.Builder
	visited := 0
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if visited++; visited > maxTextNodes || b.Len() > maxTextBytes || !e.spend(1) {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return truncate(strings.Join(strings.Fields(b.String()), " "), maxTextBytes)
}

// truncate cuts s to at most n bytes at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// langs remembers the language of the elements already asked about, so that the language of
// every value of a deep page costs one walk up the tree in all.
type langs map[*html.Node]string

// of is the language of n: the nearest lang attribute (xml:lang too), "" when none.
func (l langs) of(n *html.Node) string {
	if n == nil {
		return ""
	}
	if v, ok := l[n]; ok {
		return v
	}
	v, found := "", false
	if n.Type == html.ElementNode {
		for _, a := range n.Attr {
			if a.Key == "lang" || a.Key == "xml:lang" || a.Namespace == "xml" && a.Key == "lang" {
				v, found = strings.TrimSpace(a.Val), true
				break
			}
		}
	}
	if !found {
		v = l.of(n.Parent)
	}
	l[n] = v
	return v
}

var (
	reDate     = regexp.MustCompile(`^-?\d{4,}-\d{2}-\d{2}$`)
	reTime     = regexp.MustCompile(`^\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$`)
	reDateTime = regexp.MustCompile(`^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$`)
	reLangTag  = regexp.MustCompile(`^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$`)
)

// literal is a text value in the language of n.
func (e *embedded) literal(n *html.Node, s string) quad.Value {
	if l := e.langs.of(n); l != "" && reLangTag.MatchString(l) {
		return quad.LangString{Value: quad.String(s), Lang: l}
	}
	return quad.String(s)
}

// dated types a time element's value when it is a date, a time or both.
func (e *embedded) dated(n *html.Node, s string) quad.Value {
	switch {
	case reDate.MatchString(s):
		return quad.TypedString{Value: quad.String(s), Type: xsd + "date"}
	case reDateTime.MatchString(s):
		return quad.TypedString{Value: quad.String(s), Type: xsd + "dateTime"}
	case reTime.MatchString(s):
		return quad.TypedString{Value: quad.String(s), Type: xsd + "time"}
	}
	return e.literal(n, s)
}

// ---- Microdata ----

// microdata returns the statements of the microdata items of doc.
func microdata(doc *html.Node, base *url.URL, bnode string) ([]quad.Quad, int, error) {
	e := &embedded{base: base, bnode: bnode, langs: langs{}}
	ids := map[string]*html.Node{}
	var tops []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if !e.spend(1) {
			return
		}
		if n.Type == html.ElementNode {
			if id, ok := attr(n, "id"); ok {
				if _, dup := ids[id]; !dup {
					ids[id] = n
				}
			}
			_, scope := attr(n, "itemscope")
			_, prop := attr(n, "itemprop")
			if scope && !prop {
				tops = append(tops, n)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if e.err != nil {
		return nil, 0, e.err
	}
	m := &mdItems{e: e, ids: ids, subjects: map[*html.Node]quad.Value{}}
	for _, n := range tops {
		m.item(n, nil)
		if e.err != nil {
			return nil, 0, e.err
		}
	}
	return e.out, e.skipped, nil
}

type mdItems struct {
	e        *embedded
	ids      map[string]*html.Node
	subjects map[*html.Node]quad.Value // items already written (an item reached twice is one subject)
}

// item writes item n and returns its subject. path holds the items being written, to cut loops.
func (m *mdItems) item(n *html.Node, path []*html.Node) quad.Value {
	if s, ok := m.subjects[n]; ok {
		return s
	}
	if m.e.err != nil {
		return m.e.newBNode() // the page is refused anyway
	}
	var subject quad.Value
	if id, ok := attr(n, "itemid"); ok {
		if iri := m.e.resolve(id); iri != "" {
			subject = quad.IRI(iri)
		}
	}
	if subject == nil {
		subject = m.e.newBNode()
	}
	m.subjects[n] = subject
	path = append(path, n)
	vocab := ""
	if types, ok := attr(n, "itemtype"); ok {
		for _, t := range strings.Fields(types) {
			iri := m.e.resolve(t)
			if iri == "" || !strings.Contains(t, ":") {
				continue // itemtype must be absolute URLs
			}
			if vocab == "" {
				vocab = vocabOf(iri)
			}
			m.e.emit(subject, ontology.RDFType, quad.IRI(iri))
		}
	}
	for _, p := range m.properties(n) {
		names, _ := attr(p, "itemprop")
		var preds []string
		for _, name := range strings.Fields(names) {
			switch {
			case isAbsoluteURL(name):
				preds = append(preds, name)
			case vocab != "":
				preds = append(preds, vocab+name)
			}
			// no type, no vocabulary: the note gives such a property no IRI
		}
		if len(preds) == 0 {
			continue // its value is not even read
		}
		var value quad.Value
		if _, scope := attr(p, "itemscope"); scope {
			if contains(path, p) {
				continue // an item that is its own property's value: the loop is cut
			}
			value = m.item(p, path)
		} else {
			value = m.value(p)
		}
		if value == nil {
			continue
		}
		for _, pred := range preds {
			m.e.emit(subject, pred, value)
		}
	}
	return subject
}

// vocabOf is the vocabulary of a type: its IRI up to the last '#' or '/'. schema.org's types
// are written with http: or https:; both give https://schema.org/, the IRIs Sportello uses.
func vocabOf(t string) string {
	i := strings.LastIndexAny(t, "#/")
	if i < 0 {
		return ""
	}
	return normSchema(t[:i+1])
}

func isAbsoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.IsAbs() && u.Scheme != "" && strings.Contains(s, ":")
}

func contains(list []*html.Node, n *html.Node) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}

// properties are the elements with itemprop of item n: its descendants and those of the
// elements its itemref names, not crossing into nested items, in tree order, each once.
func (m *mdItems) properties(n *html.Node) []*html.Node {
	var roots []*html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		roots = append(roots, c)
	}
	if refs, ok := attr(n, "itemref"); ok {
		for _, id := range strings.Fields(refs) {
			if r := m.ids[id]; r != nil && r != n {
				roots = append(roots, r)
			}
		}
	}
	// A stack, the roots reversed, so that the walk is in tree order and each step costs
	// nothing but the element's children (a page with thousands of properties stays linear).
	stack := make([]*html.Node, 0, len(roots))
	for i := len(roots) - 1; i >= 0; i-- {
		stack = append(stack, roots[i])
	}
	seen := map[*html.Node]bool{}
	var out []*html.Node
	for len(stack) > 0 && m.e.spend(1) {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[c] || c == n {
			continue
		}
		seen[c] = true
		if c.Type == html.ElementNode {
			if _, ok := attr(c, "itemprop"); ok {
				out = append(out, c)
			}
			if _, scope := attr(c, "itemscope"); scope {
				continue // a nested item's properties are its own
			}
		}
		for k := c.LastChild; k != nil; k = k.PrevSibling {
			stack = append(stack, k)
		}
	}
	return out
}

// value is the value of property element p (not an item).
func (m *mdItems) value(p *html.Node) quad.Value {
	link := func(key string) quad.Value {
		v, _ := attr(p, key)
		if iri := m.e.resolve(v); iri != "" && v != "" {
			return quad.IRI(iri)
		}
		return nil
	}
	if v, ok := attr(p, "content"); ok {
		return m.e.literal(p, v)
	}
	switch p.Data {
	case "meta":
		return nil // meta without content
	case "audio", "embed", "iframe", "img", "source", "track", "video":
		return link("src")
	case "a", "area", "link":
		return link("href")
	case "object":
		return link("data")
	case "data", "meter":
		if v, ok := attr(p, "value"); ok {
			return m.e.literal(p, v)
		}
	case "time":
		if v, ok := attr(p, "datetime"); ok {
			return m.e.dated(p, strings.TrimSpace(v))
		}
		return m.e.dated(p, m.e.textContent(p))
	}
	return m.e.literal(p, m.e.textContent(p))
}

// ---- RDFa Lite ----

// rdfaPrefixes is RDFa 1.1's initial context (the prefixes every RDFa document has).
var rdfaPrefixes = map[string]string{
	"as": "https://www.w3.org/ns/activitystreams#", "cc": "http://creativecommons.org/ns#",
	"csvw": "http://www.w3.org/ns/csvw#", "ctag": "http://commontag.org/ns#", "dc": "http://purl.org/dc/terms/",
	"dc11": "http://purl.org/dc/elements/1.1/", "dcat": "http://www.w3.org/ns/dcat#", "dcterms": "http://purl.org/dc/terms/",
	"dqv": "http://www.w3.org/ns/dqv#", "duv": "https://www.w3.org/ns/duv#", "foaf": "http://xmlns.com/foaf/0.1/",
	"gr": "http://purl.org/goodrelations/v1#", "grddl": "http://www.w3.org/2003/g/data-view#", "ical": "http://www.w3.org/2002/12/cal/icaltzd#",
	"ldp": "http://www.w3.org/ns/ldp#", "ma": "http://www.w3.org/ns/ma-ont#", "oa": "http://www.w3.org/ns/oa#",
	"og": "http://ogp.me/ns#", "org": "http://www.w3.org/ns/org#", "owl": "http://www.w3.org/2002/07/owl#",
	"prov": "http://www.w3.org/ns/prov#", "qb": "http://purl.org/linked-data/cube#", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
	"rdfa": "http://www.w3.org/ns/rdfa#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "rev": "http://purl.org/stuff/rev#",
	"rif": "http://www.w3.org/2007/rif#", "rr": "http://www.w3.org/ns/r2rml#", "schema": "http://schema.org/",
	"sd": "http://www.w3.org/ns/sparql-service-description#", "sioc": "http://rdfs.org/sioc/ns#", "skos": "http://www.w3.org/2004/02/skos/core#",
	"skosxl": "http://www.w3.org/2008/05/skos-xl#", "sosa": "http://www.w3.org/ns/sosa/", "ssn": "http://www.w3.org/ns/ssn/",
	"time": "http://www.w3.org/2006/time#", "v": "http://rdf.data-vocabulary.org/#", "vcard": "http://www.w3.org/2006/vcard/ns#",
	"void": "http://rdfs.org/ns/void#", "wdr": "http://www.w3.org/2007/05/powder#", "wdrs": "http://www.w3.org/2007/05/powder-s#",
	"xhv": "http://www.w3.org/1999/xhtml/vocab#", "xml": "http://www.w3.org/XML/1998/namespace", "xsd": "http://www.w3.org/2001/XMLSchema#",
}

type rdfaContext struct {
	subject  quad.Value
	vocab    string
	prefixes map[string]string
}

// rdfa returns the statements of the RDFa Lite markup of doc; the page is the first subject.
func rdfa(doc *html.Node, base *url.URL, bnode string) ([]quad.Quad, int, error) {
	e := &embedded{base: base, bnode: bnode, langs: langs{}}
	ctx := rdfaContext{prefixes: rdfaPrefixes}
	if base != nil {
		ctx.subject = quad.IRI(base.String())
	} else {
		ctx.subject = e.newBNode()
	}
	var walk func(n *html.Node, c rdfaContext)
	walk = func(n *html.Node, c rdfaContext) {
		if !e.spend(1) {
			return
		}
		if n.Type == html.ElementNode {
			c = e.rdfaElement(n, c)
		}
		for k := n.FirstChild; k != nil; k = k.NextSibling {
			walk(k, c)
		}
	}
	walk(doc, ctx)
	if e.err != nil {
		return nil, 0, e.err
	}
	return e.out, e.skipped, nil
}

// rdfaElement writes the statements of element n and returns the context of its children.
func (e *embedded) rdfaElement(n *html.Node, c rdfaContext) rdfaContext {
	if v, ok := attr(n, "vocab"); ok {
		c.vocab = ""
		if iri := e.resolve(v); iri != "" && strings.TrimSpace(v) != "" {
			c.vocab = iri
		}
	}
	if p, ok := attr(n, "prefix"); ok {
		fs := strings.Fields(p)
		e.spend(len(c.prefixes) + len(fs))
		m := make(map[string]string, len(c.prefixes)+len(fs)/2)
		for k, v := range c.prefixes {
			m[k] = v
		}
		for i := 0; i+1 < len(fs); i += 2 {
			name, ok := strings.CutSuffix(fs[i], ":")
			if !ok || name == "_" {
				continue
			}
			if isAbsoluteURL(fs[i+1]) {
				m[strings.ToLower(name)] = fs[i+1]
			}
		}
		c.prefixes = m
	}
	props, hasProp := attr(n, "property")
	types, hasType := attr(n, "typeof")
	res, hasRes := attr(n, "resource")
	var resIRI quad.Value
	if hasRes {
		if iri := e.term(c, res, true); iri != "" {
			resIRI = quad.IRI(iri)
		}
	}
	switch {
	case hasType:
		subject := resIRI
		if subject == nil {
			subject = e.newBNode()
		}
		for _, t := range strings.Fields(types) {
			if iri := e.term(c, t, false); iri != "" {
				e.emit(subject, ontology.RDFType, quad.IRI(iri))
			}
		}
		if hasProp {
			e.emitProps(c, props, subject)
		}
		c.subject = subject
	case hasProp:
		if !e.anyTerm(c, props) {
			break // its value is not even read
		}
		var value quad.Value
		if resIRI != nil {
			value = resIRI
		} else if v, ok := attr(n, "href"); ok && e.resolve(v) != "" {
			value = quad.IRI(e.resolve(v))
		} else if v, ok := attr(n, "src"); ok && e.resolve(v) != "" {
			value = quad.IRI(e.resolve(v))
		} else if v, ok := attr(n, "content"); ok {
			value = e.literal(n, v)
		} else if v, ok := attr(n, "datetime"); ok {
			value = e.dated(n, strings.TrimSpace(v))
		} else {
			value = e.literal(n, e.textContent(n))
		}
		e.emitProps(c, props, value)
	case resIRI != nil:
		c.subject = resIRI
	}
	return c
}

// anyTerm reports whether one of props resolves to an IRI.
func (e *embedded) anyTerm(c rdfaContext, props string) bool {
	for _, p := range strings.Fields(props) {
		if e.term(c, p, false) != "" {
			return true
		}
	}
	return false
}

func (e *embedded) emitProps(c rdfaContext, props string, value quad.Value) {
	for _, p := range strings.Fields(props) {
		if iri := e.term(c, p, false); iri != "" {
			e.emit(c.subject, iri, value)
		}
	}
}

// term resolves a term, a CURIE or an absolute IRI; for a resource, a relative reference too.
// "" when it resolves to nothing.
func (e *embedded) term(c rdfaContext, t string, resource bool) string {
	t = strings.TrimSpace(t)
	if t == "" {
		return ""
	}
	safe := strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]") // a safe CURIE: a CURIE or nothing
	if safe {
		t = t[1 : len(t)-1]
	}
	if pfx, local, ok := strings.Cut(t, ":"); ok && !strings.HasPrefix(local, "//") {
		if ns, ok := c.prefixes[strings.ToLower(pfx)]; ok {
			return ns + local
		}
	}
	if safe {
		return ""
	}
	if isAbsoluteURL(t) {
		return t
	}
	if resource {
		return e.resolve(t)
	}
	if c.vocab != "" && !strings.Contains(t, ":") {
		return c.vocab + t
	}
	return ""
}
