package rdf

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cayleygraph/quad"
)

func init() {
	writers[RDFXML] = func(w io.Writer, opt WriterOptions) quad.WriteCloser { return newRDFXMLWriter(w, opt) }
}

// rdfxmlWriter streams RDF/XML: one rdf:Description per run of quads with the same subject.
// Namespaces of the prefix map are declared on rdf:RDF; a predicate outside them gets a
// generated ns1, ns2… prefix declared on its own element, since the document's head is already
// written when it shows up. Graph labels are dropped: RDF/XML has no named graphs.
type rdfxmlWriter struct {
	w       *bufio.Writer
	opt     WriterOptions
	ns      map[string]string // namespace → prefix, for the prefixes declared on rdf:RDF
	gen     map[string]string // namespace → generated prefix
	started bool
	subject quad.Value // subject of the open rdf:Description, nil if none
	err     error
}

func newRDFXMLWriter(w io.Writer, opt WriterOptions) *rdfxmlWriter {
	return &rdfxmlWriter{w: bufio.NewWriter(w), opt: opt, ns: map[string]string{}, gen: map[string]string{}}
}

func (w *rdfxmlWriter) head() {
	w.started = true
	w.w.WriteString("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rdf:RDF")
	prefixes := make([]string, 0, len(w.opt.Prefixes))
	for p, ns := range w.opt.Prefixes {
		// The empty prefix would make unprefixed names ambiguous; generated names and rdf stay ours.
		if !rxIsNCName(p) || p == "rdf" || strings.HasPrefix(p, "xml") || rxIsGenPrefix(p) || ns == "" {
			continue
		}
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)
	w.w.WriteString("\n    xmlns:rdf=\"" + rxNsRDF + "\"")
	w.ns[rxNsRDF] = "rdf"
	for _, p := range prefixes {
		ns := w.opt.Prefixes[p]
		if _, dup := w.ns[ns]; dup {
			continue
		}
		w.ns[ns] = p
		w.w.WriteString("\n    xmlns:" + p + "=\"")
		rxEscape(w.w, ns, true)
		w.w.WriteByte('"')
	}
	if w.opt.Base != "" {
		w.w.WriteString("\n    xml:base=\"")
		rxEscape(w.w, w.opt.Base, true)
		w.w.WriteByte('"')
	}
	w.w.WriteString(">\n")
}

func rxIsGenPrefix(p string) bool {
	if !strings.HasPrefix(p, "ns") {
		return false
	}
	_, err := strconv.Atoi(p[2:])
	return err == nil
}

// WriteQuad writes one triple; the graph label is ignored.
func (w *rdfxmlWriter) WriteQuad(q quad.Quad) error {
	if w.err != nil {
		return w.err
	}
	if err := w.write(q); err != nil {
		w.err = err
		return err
	}
	return nil
}

// WriteQuads writes quads until the first error.
func (w *rdfxmlWriter) WriteQuads(qs []quad.Quad) (int, error) {
	for i, q := range qs {
		if err := w.WriteQuad(q); err != nil {
			return i, err
		}
	}
	return len(qs), nil
}

func (w *rdfxmlWriter) write(q quad.Quad) error {
	pred, ok := q.Predicate.(quad.IRI)
	if !ok {
		return fmt.Errorf("rdfxml: predicate %v is not an IRI", q.Predicate)
	}
	ns, local, err := rxSplitPredicate(string(pred))
	if err != nil {
		return err
	}
	// Check the object before writing anything of the statement, so that a bad literal leaves
	// no half-written element behind.
	if err := rxCheckObject(q.Object); err != nil {
		return err
	}
	switch q.Subject.(type) {
	case quad.IRI, quad.BNode:
	default:
		return fmt.Errorf("rdfxml: subject %v is neither an IRI nor a blank node", q.Subject)
	}
	for _, v := range []quad.Value{q.Subject, q.Object} {
		if err := rxCheckIRI(v); err != nil {
			return err
		}
	}
	if !w.started {
		w.head()
	}
	if w.subject == nil || w.subject != q.Subject {
		if w.subject != nil {
			w.w.WriteString("  </rdf:Description>\n")
		}
		w.subject = q.Subject
		w.w.WriteString("  <rdf:Description ")
		w.node(q.Subject, "about")
		w.w.WriteString(">\n")
	}

	prefix, decl := w.ns[ns], ""
	if prefix == "" {
		prefix = w.gen[ns]
		if prefix == "" {
			prefix = "ns" + strconv.Itoa(len(w.gen)+1)
			w.gen[ns] = prefix
		}
		decl = ns
	}
	name := prefix + ":" + local
	w.w.WriteString("    <" + name)
	if decl != "" {
		w.w.WriteString(" xmlns:" + prefix + "=\"")
		rxEscape(w.w, decl, true)
		w.w.WriteByte('"')
	}
	switch o := q.Object.(type) {
	case quad.IRI, quad.BNode:
		w.w.WriteByte(' ')
		w.node(o, "resource")
		w.w.WriteString("/>\n")
		return nil
	case quad.String:
		w.w.WriteByte('>')
		rxEscape(w.w, string(o), false)
	case quad.LangString:
		w.w.WriteString(" xml:lang=\"")
		rxEscape(w.w, o.Lang, true)
		w.w.WriteString("\">")
		rxEscape(w.w, string(o.Value), false)
	case quad.TypedString:
		if o.Type == rxXSDString {
			w.w.WriteByte('>')
		} else {
			w.w.WriteString(" rdf:datatype=\"")
			rxEscape(w.w, string(o.Type), true)
			w.w.WriteString("\">")
		}
		rxEscape(w.w, string(o.Value), false)
	default:
		ts, ok := o.(quad.TypedStringer)
		if !ok {
			return fmt.Errorf("rdfxml: cannot write object %v", o)
		}
		t := ts.TypedString()
		w.w.WriteString(" rdf:datatype=\"")
		rxEscape(w.w, string(t.Type), true)
		w.w.WriteString("\">")
		rxEscape(w.w, string(t.Value), false)
	}
	w.w.WriteString("</" + name + ">\n")
	return nil
}

// node writes rdf:about/rdf:resource for an IRI, rdf:nodeID for a blank node.
func (w *rdfxmlWriter) node(v quad.Value, attr string) {
	switch v := v.(type) {
	case quad.IRI:
		w.w.WriteString("rdf:" + attr + "=\"")
		rxEscape(w.w, string(v), true)
	case quad.BNode:
		w.w.WriteString("rdf:nodeID=\"" + rxNodeID(string(v)))
	}
	w.w.WriteByte('"')
}

// rxNodeID turns a blank node label into an NCName, injectively: labels that are NCNames and
// do not start with "bx" stay; any other label becomes "bx" and its hex bytes.
func rxNodeID(label string) string {
	if rxIsNCName(label) && !strings.HasPrefix(label, "bx") {
		return label
	}
	return "bx" + hex.EncodeToString([]byte(label))
}

// rxSplitPredicate cuts a predicate IRI into namespace and local name, taking the longest
// local name that is an NCName. RDF/XML can only write a predicate as an element name, so an
// IRI that ends in a character an NCName cannot hold ("/", "#", "?", …) cannot be written.
func rxSplitPredicate(iri string) (ns, local string, err error) {
	i := len(iri)
	for i > 0 {
		c, size := utf8.DecodeLastRuneInString(iri[:i])
		if !rxNameChar(c) {
			break
		}
		i -= size
	}
	for i < len(iri) {
		c, size := utf8.DecodeRuneInString(iri[i:])
		if rxNameStart(c) {
			break
		}
		i += size
	}
	ns, local = iri[:i], iri[i:]
	if local == "" || ns == "" {
		return "", "", fmt.Errorf("rdfxml: predicate <%s> cannot be written in RDF/XML: it does not end in an XML name (NCName)", iri)
	}
	if ns == rxNsXML || ns == "http://www.w3.org/2000/xmlns/" {
		return "", "", fmt.Errorf("rdfxml: predicate <%s> is in a namespace XML reserves and cannot be written in RDF/XML", iri)
	}
	if ns == rxNsRDF && (rxBadProp(iri) || local == "li") {
		return "", "", fmt.Errorf("rdfxml: predicate <%s> is an RDF/XML syntax name and cannot be written as a property", iri)
	}
	return ns, local, nil
}

// rxCheckIRI rejects IRIs that an RDF/XML reader would change: rdf:about, rdf:resource and
// rdf:datatype values are resolved as references (RFC 3986 section 5.2), which removes "." and
// ".." segments, so <http://ex.org/a/../b> cannot survive the trip.
func rxCheckIRI(v quad.Value) error {
	var iri string
	switch v := v.(type) {
	case quad.IRI:
		iri = string(v)
	case quad.TypedString:
		iri = string(v.Type)
	default:
		return nil
	}
	if resolveIRI("", iri) != iri {
		return fmt.Errorf("rdfxml: IRI <%s> has \".\" or \"..\" path segments, which RDF/XML readers resolve away; it cannot be written in RDF/XML", iri)
	}
	return nil
}

// rxCheckObject rejects literals that XML 1.0 cannot carry: most control characters have no
// representation at all, not even as character references.
func rxCheckObject(v quad.Value) error {
	var s string
	switch o := v.(type) {
	case quad.String:
		s = string(o)
	case quad.LangString:
		s = string(o.Value)
	case quad.TypedString:
		s = string(o.Value)
	default:
		return nil
	}
	for i, c := range s {
		if !rxXMLChar(c) {
			return fmt.Errorf("rdfxml: literal %q holds character U+%04X at byte %d, which XML 1.0 cannot represent", rxClip(s), c, i)
		}
	}
	return nil
}

func rxXMLChar(c rune) bool {
	return c == 0x9 || c == 0xA || c == 0xD || c >= 0x20 && c <= 0xD7FF && c != utf8.RuneError ||
		c >= 0xE000 && c <= 0xFFFD || c >= 0x10000 && c <= 0x10FFFF
}

// rxEscape writes s as XML character data or an attribute value. Carriage returns and, in
// attributes, tabs and newlines become character references, which XML parsers would
// otherwise normalise away.
func rxEscape(w *bufio.Writer, s string, attr bool) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			if !attr {
				continue
			}
			esc = "&quot;"
		case '\r':
			esc = "&#xD;"
		case '\n':
			if !attr {
				continue
			}
			esc = "&#xA;"
		case '\t':
			if !attr {
				continue
			}
			esc = "&#x9;"
		default:
			continue
		}
		w.WriteString(s[last:i])
		w.WriteString(esc)
		last = i + 1
	}
	w.WriteString(s[last:])
}

// Close ends the document and flushes it. It does not close the underlying writer.
func (w *rdfxmlWriter) Close() error {
	if w.err != nil {
		return w.err
	}
	if !w.started {
		w.head()
	}
	if w.subject != nil {
		w.w.WriteString("  </rdf:Description>\n")
		w.subject = nil
	}
	w.w.WriteString("</rdf:RDF>\n")
	w.err = fmt.Errorf("rdfxml: writer is closed")
	return w.w.Flush()
}
