package kb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cayleygraph/quad"

	"sportello/ontology"
)

// PillFilter selects pills. Zero value: every pill.
type PillFilter struct {
	Status  []Status // any of these; empty = any
	Concept string   // filed under this concept or a narrower one
	Office  string
	Code    string
	Limit   int
	Offset  int
	// Viewer, when set, applies the visibility rule (Viewer.Sees, Viewer.Redact) at At (now
	// when zero). Reads that serve people set it; nil is the store's own view (imports, index
	// upkeep, the workflow).
	Viewer *Viewer
	At     time.Time
}

// Statuses lists the workflow states in their natural order.
var Statuses = []Status{StatusDraft, StatusSubmitted, StatusPublished, StatusRejected, StatusRetired}

// Valid reports whether st is one of the workflow states.
func (st Status) Valid() bool {
	for _, s := range Statuses {
		if s == st {
			return true
		}
	}
	return false
}

// IRI is the concept of the status scheme (adms:status value).
func (st Status) IRI() string { return ontology.Status + string(st) }

// ValidationError is a resource that cannot be written as it is: it names the resource and the
// field (its English API name); Msg says what is wrong, in Italian for pills. Nothing of the
// resource (or of its batch) is written.
type ValidationError struct {
	Resource string // IRI, code or name of what was being written
	Field    string
	Msg      string
}

func (e *ValidationError) Error() string {
	if l, ok := fieldLabels[e.Field]; ok {
		return fmt.Sprintf("%s: campo «%s»: %s", e.Resource, l, e.Msg)
	}
	return fmt.Sprintf("kb: %s: field %s: %s", e.Resource, e.Field, e.Msg)
}

// fieldLabels are the pill's fields as the editor and the workbooks call them.
var fieldLabels = map[string]string{
	"iri": "IRI", "code": "codice", "title": "titolo", "question": "domanda", "answer": "risposta",
	"keywords": "parole chiave", "lang": "lingua", "concepts": "classificazione", "department": "dipartimento",
	"office": "ufficio competente", "officeName": "ufficio competente", "legalRefs": "riferimenti normativi",
	"links": "collegamenti", "forms": "moduli", "audience": "destinatari", "status": "stato",
	"version": "versione", "validatedBy": "validata da", "notes": "note", "extra": "campi aggiuntivi",
}

// validatePill checks what a pill must be to be written: a title or a question, well-formed
// IRIs, language tag and links, and texts every RDF syntax can write — no control characters
// but tab and line breaks (RDF/XML cannot hold the others at all), valid UTF-8. Messages are
// Italian and name the field: they reach the editor and the import report as they are.
func validatePill(p *Pill) error {
	name := p.IRI
	if p.Code != "" {
		name = p.Code
	}
	if name == "" {
		name = fmt.Sprintf("scheda %q", p.Title)
	}
	bad := func(field, msg string, a ...any) error {
		return &ValidationError{Resource: name, Field: field, Msg: fmt.Sprintf(msg, a...)}
	}
	texts := []struct {
		field string
		v     []string
	}{
		{"code", []string{p.Code}}, {"title", []string{p.Title}}, {"question", []string{p.Question}},
		{"answer", []string{p.Answer}}, {"keywords", p.Keywords}, {"officeName", []string{p.OfficeName}},
		{"legalRefs", p.LegalRefs}, {"audience", p.Audience}, {"validatedBy", []string{p.ValidatedBy}},
		{"notes", []string{p.Notes}},
	}
	for _, l := range append(append([]Link(nil), p.Links...), p.Forms...) {
		texts = append(texts, struct {
			field string
			v     []string
		}{"links", []string{l.URL, l.Title}})
	}
	for _, f := range p.Extra {
		texts = append(texts, struct {
			field string
			v     []string
		}{"extra", []string{f.Name, f.Value}})
	}
	for _, t := range texts {
		for _, v := range t.v {
			if msg := textProblem(v); msg != "" {
				return bad(t.field, "%s", msg)
			}
		}
	}
	if strings.TrimSpace(p.Title) == "" && strings.TrimSpace(p.Question) == "" {
		return bad("title", "una scheda ha bisogno di un titolo o di una domanda")
	}
	if p.Status != "" && !p.Status.Valid() {
		return bad("status", "stato sconosciuto %q", p.Status)
	}
	if p.Lang != "" && !validLang(p.Lang) {
		return bad("lang", "%q non è un codice di lingua", p.Lang)
	}
	if p.Version < 0 {
		return bad("version", "versione negativa %d", p.Version)
	}
	if p.IRI != "" && !isAbsoluteIRI(p.IRI) {
		return bad("iri", "%q non è un IRI assoluto", p.IRI)
	}
	for _, c := range p.Concepts {
		if !isAbsoluteIRI(c) {
			return bad("concepts", "%q non è un IRI assoluto", c)
		}
	}
	for _, f := range []struct{ field, v string }{{"department", p.Department}, {"office", p.Office}} {
		if f.v != "" && !isAbsoluteIRI(f.v) {
			return bad(f.field, "%q non è un IRI assoluto", f.v)
		}
	}
	for i, l := range append(append([]Link(nil), p.Links...), p.Forms...) {
		field := "links"
		if i >= len(p.Links) {
			field = "forms"
		}
		u := strings.TrimSpace(l.URL)
		if u == "" {
			return bad(field, "un collegamento senza indirizzo (titolo %q)", l.Title)
		}
		if v, ok := urlValue(u).(quad.IRI); ok && checkWritable(quad.Quad{Subject: v, Predicate: quad.IRI(ontology.RDFSSeeAlso), Object: v}) != nil {
			return bad(field, "l'indirizzo %q non è scritto in modo valido", u)
		}
	}
	for _, f := range p.Extra {
		if strings.TrimSpace(f.Name) == "" {
			return bad("extra", "un campo senza nome (valore %q)", f.Value)
		}
	}
	return nil
}

// textProblem says, in Italian, why a text cannot be kept: "" when it can.
func textProblem(s string) string {
	if !utf8.ValidString(s) {
		return "il testo non è UTF-8 valido"
	}
	for _, r := range s {
		if r == '\t' || r == '\n' || r == '\r' {
			continue
		}
		if r < 0x20 || r == 0xFFFE || r == 0xFFFF {
			return fmt.Sprintf("il testo contiene un carattere di controllo (U+%04X) che non si può conservare né esportare: toglierlo", r)
		}
	}
	return ""
}

// putPillContent writes p — already made by the workflow, with its IRI — as the content graph's
// pill: the one place pills reach the content graph (issue 10: one writer).
func (b *Batch) putPillContent(p *Pill) error {
	if err := validatePill(p); err != nil {
		return err
	}
	if p.IRI == "" || !isAbsoluteIRI(p.IRI) {
		return &ValidationError{Resource: p.Code, Field: "iri", Msg: fmt.Sprintf("%q non è un IRI assoluto", p.IRI)}
	}
	// The code is unique: it is how people and the legacy workbooks name a pill.
	if p.Code != "" {
		if other, ok := b.codes[p.Code]; ok && other != p.IRI {
			return &ValidationError{Resource: p.Code, Field: "code", Msg: fmt.Sprintf("il codice %s compare due volte", p.Code)}
		}
		b.s.mu.RLock()
		existing := b.s.pillIRIByCode(b.ctx, p.Code)
		b.s.mu.RUnlock()
		if existing != "" && existing != p.IRI && !b.released[existing] {
			return &ValidationError{Resource: p.Code, Field: "code", Msg: fmt.Sprintf("il codice %s appartiene già a %s", p.Code, existing)}
		}
		b.codes[p.Code] = p.IRI
	}
	if err := b.touch(p.IRI); err != nil {
		return err
	}
	b.change.Pills = append(b.change.Pills, p.IRI)
	b.s.mu.RLock()
	oldLinks := b.s.pillLinks(b.ctx, p.IRI)
	b.s.mu.RUnlock()
	b.replace(p.IRI, ontology.GraphContent, nil, pillQuads(p))
	b.relink(p.IRI, oldLinks, p.Links)
	return nil
}

// removePillContent takes pill iri out of the content graph.
func (b *Batch) removePillContent(iri string) error {
	if err := b.touch(iri); err != nil {
		return err
	}
	b.s.mu.RLock()
	links := b.s.pillLinks(b.ctx, iri)
	code := ""
	for _, q := range b.s.quadsDirPred(b.ctx, quad.Subject, quad.IRI(iri), ontology.DCTIdentifier, ontology.GraphContent) {
		code = lex(q.Object)
	}
	b.s.mu.RUnlock()
	if code != "" {
		if b.released == nil {
			b.released = map[string]bool{}
		}
		b.released[iri] = true
	}
	b.change.DeletedPills = append(b.change.DeletedPills, iri)
	b.replace(iri, ontology.GraphContent, nil, nil)
	b.relink(iri, links, nil)
	return nil
}

// pillQuads is the RDF of a pill in the content graph (vocabularies/MAPPING.md, KB-5, KB-12).
func pillQuads(p *Pill) []quad.Quad {
	q := newQuads(p.IRI, ontology.GraphContent)
	q.iri(ontology.RDFType, ontology.KnowledgePill)
	q.iri(ontology.RDFType, ontology.SchemaQuestion)
	fieldQuads(q, p, false)
	return q.quads
}

// fieldQuads writes the fields of a pill on q's subject: the pill itself in the content graph,
// or (history) a version or an imported text in the history graph. Owned nodes are named after
// the subject (#answer, #form-N, #extra-N, and in the history #link-N, which keeps each
// version's link titles its own: in the content graph a link's title is rdfs:label on the link).
func fieldQuads(q *quadsOf, p *Pill, history bool) {
	subject := string(q.s)
	lang := p.Lang
	q.str(ontology.DCTIdentifier, p.Code)
	q.text(ontology.DCTTitle, p.Title, lang)
	q.text(ontology.SchemaText, p.Question, lang)
	if p.Answer != "" {
		// A named node rather than a blank node: it can be linked to, and replaced with the pill.
		a := subject + "#answer"
		q.iri(ontology.SchemaAcceptedAnswer, a)
		q.addOn(a, ontology.RDFType, quad.IRI(ontology.SchemaAnswer))
		q.addOn(a, ontology.SchemaText, text(p.Answer, lang))
	}
	for _, k := range p.Keywords {
		q.text(ontology.SchemaKeywords, strings.TrimSpace(k), lang)
	}
	for _, c := range p.Concepts {
		q.iri(ontology.DCTSubject, c)
	}
	q.iri(ontology.Department, p.Department)
	q.iri(ontology.CompetentOffice, p.Office)
	q.text(ontology.OfficeName, p.OfficeName, lang)
	for _, r := range p.LegalRefs {
		q.str(ontology.LegalReference, strings.TrimSpace(r))
	}
	// Links are a set: numbered in URL order, the order they are read back in.
	links := slices.Clone(p.Links)
	sort.SliceStable(links, func(i, j int) bool { return strings.TrimSpace(links[i].URL) < strings.TrimSpace(links[j].URL) })
	for i, l := range links {
		if !history {
			q.add(ontology.RDFSSeeAlso, urlValue(l.URL))
			continue
		}
		n := fmt.Sprintf("%s#link-%d", subject, i+1)
		q.iri(ontology.PillLink, n)
		q.addOn(n, ontology.RDFType, quad.IRI(ontology.SchemaWebPage))
		q.addOn(n, ontology.SchemaURL, urlValue(l.URL))
		if l.Title != "" {
			q.addOn(n, ontology.SchemaName, text(l.Title, lang))
		}
	}
	for i, f := range p.Forms {
		n := fmt.Sprintf("%s#form-%d", subject, i+1)
		q.iri(ontology.Form, n)
		q.addOn(n, ontology.RDFType, quad.IRI(ontology.SchemaDigitalDocument))
		q.addOn(n, ontology.SchemaURL, urlValue(f.URL))
		if f.Title != "" {
			q.addOn(n, ontology.SchemaName, text(f.Title, lang))
		}
	}
	for _, a := range p.Audience {
		q.text(ontology.SchemaAudience, strings.TrimSpace(a), lang)
	}
	if p.Status != "" {
		q.iri(ontology.ADMSStatus, p.Status.IRI())
	}
	if p.Version > 0 {
		q.add(ontology.VersionNumber, typed(fmt.Sprint(p.Version), ontology.XSDInteger))
	}
	if !p.Created.IsZero() {
		q.add(ontology.DCTCreated, dateTime(p.Created))
	}
	if !p.Modified.IsZero() {
		q.add(ontology.DCTModified, dateTime(p.Modified))
	}
	if p.Validated != nil {
		q.add(ontology.DCTDateAccepted, dateTime(*p.Validated))
	}
	if v := strings.TrimSpace(p.ValidatedBy); v != "" {
		// An agent IRI (a person of the directory, an account) or, failing that, the name as
		// the source wrote it: sp:validatedBy is an object property.
		if isAbsoluteIRI(v) {
			q.iri(ontology.ValidatedBy, v)
		} else {
			q.str(ontology.ValidatorName, v)
		}
	}
	if p.ReviewBy != nil {
		q.add(ontology.ReviewBy, date(*p.ReviewBy))
	}
	if p.ValidFrom != nil {
		q.add(ontology.SchemaValidFrom, dateOrTime(*p.ValidFrom))
	}
	if p.ValidUntil != nil {
		q.add(ontology.SchemaValidThrough, dateOrTime(*p.ValidUntil))
	}
	q.text(ontology.SKOSNote, p.Notes, lang)
	for i, f := range p.Extra {
		n := fmt.Sprintf("%s#extra-%d", subject, i+1)
		q.iri(ontology.ExtraField, n)
		q.addOn(n, ontology.FieldName, quad.String(f.Name))
		q.addOn(n, ontology.RDFValue, quad.String(f.Value))
	}
}

// PillHash is the fingerprint of what a pill says — its text and every field a source can give
// — and not of what the workflow owns (status, version, dates of creation, change and
// validation): two pills with the same hash say the same thing. Sets are compared as sets.
func PillHash(p *Pill) string {
	h := sha256.New()
	field := func(name string, vs ...string) {
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(vs))
		for _, v := range vs {
			fmt.Fprintf(h, "%d\x00%s\x00", len(v), v)
		}
	}
	set := func(vs []string) []string {
		out := make([]string, 0, len(vs))
		for _, v := range vs {
			out = append(out, strings.TrimSpace(v))
		}
		return sortedUnique(out)
	}
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	lang := p.Lang
	if lang == "" {
		lang = "it"
	}
	field("code", strings.TrimSpace(p.Code))
	field("title", p.Title)
	field("question", p.Question)
	field("answer", p.Answer)
	field("keywords", set(p.Keywords)...)
	field("lang", lang)
	field("concepts", set(p.Concepts)...)
	field("department", p.Department)
	field("office", p.Office)
	field("officeName", p.OfficeName)
	field("legalRefs", set(p.LegalRefs)...)
	links := func(ls []Link, ordered bool) []string {
		out := make([]string, len(ls))
		for i, l := range ls {
			out[i] = strings.TrimSpace(l.URL) + "\x00" + l.Title
		}
		if !ordered {
			out = sortedUnique(out)
		}
		return out
	}
	field("links", links(p.Links, false)...)
	field("forms", links(p.Forms, true)...)
	field("audience", set(p.Audience)...)
	field("validatedBy", strings.TrimSpace(p.ValidatedBy))
	field("reviewBy", day(p.ReviewBy))
	field("validFrom", day(p.ValidFrom))
	field("validUntil", day(p.ValidUntil))
	field("notes", p.Notes)
	var extra []string
	for _, f := range p.Extra {
		extra = append(extra, f.Name+"\x00"+f.Value)
	}
	field("extra", extra...)
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// urlValue is a link target: an IRI when it is one, else (a legacy cell such as
// "www.comune.it/modulo") an xsd:anyURI literal, kept rather than rejected.
func urlValue(u string) quad.Value {
	u = strings.TrimSpace(u)
	if isAbsoluteIRI(u) {
		return quad.IRI(u)
	}
	return typed(u, ontology.XSD+"anyURI")
}

// pillLinks returns the rdfs:seeAlso targets of a pill.
func (s *Store) pillLinks(ctx context.Context, iri string) []quad.Value {
	var out []quad.Value
	for _, q := range s.out(ctx, quad.IRI(iri), ontology.GraphContent) {
		if sameIRI(q.Predicate, ontology.RDFSSeeAlso) {
			out = append(out, q.Object)
		}
	}
	return out
}

// relink keeps the titles of web links (an rdfs:label on the link IRI in the content graph):
// a new title replaces the old one, and the label of a link no pill cites any more goes.
func (b *Batch) relink(pill string, old []quad.Value, links []Link) {
	b.s.mu.RLock()
	defer b.s.mu.RUnlock()
	g := ontology.GraphContent
	now := map[string]bool{}
	for _, l := range links {
		v, ok := urlValue(l.URL).(quad.IRI)
		if !ok {
			continue
		}
		now[string(v)] = true
		if l.Title == "" {
			continue
		}
		for _, q := range b.s.out(b.ctx, v, g) {
			if sameIRI(q.Predicate, ontology.RDFSLabel) {
				b.tx.removeStored(q)
			}
		}
		b.tx.add(quad.Quad{Subject: v, Predicate: quad.IRI(ontology.RDFSLabel), Object: quad.String(l.Title), Label: quad.IRI(g)})
	}
	for _, v := range old {
		i, ok := v.(quad.IRI)
		if !ok || now[string(i)] {
			continue
		}
		cited := false
		for _, q := range b.s.quadsDir(b.ctx, quad.Object, v, g) {
			if sameIRI(q.Predicate, ontology.RDFSSeeAlso) && !sameIRI(q.Subject, pill) {
				cited = true
				break
			}
		}
		if cited {
			continue
		}
		for _, q := range b.s.out(b.ctx, v, g) {
			if sameIRI(q.Predicate, ontology.RDFSLabel) {
				b.tx.removeStored(q)
			}
		}
	}
}

// Pill reads the pill with the given IRI.
func (s *Store) Pill(ctx context.Context, iri string) (*Pill, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.readPill(ctx, iri)
}

// PillByCode reads the pill with the given legacy code (dct:identifier).
func (s *Store) PillByCode(ctx context.Context, code string) (*Pill, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	iri := s.pillIRIByCode(ctx, strings.TrimSpace(code))
	if iri == "" {
		return nil, fmt.Errorf("pill %s: %w", code, ErrNotFound)
	}
	return s.readPill(ctx, iri)
}

// pillIRIByCode finds a pill by the object index of its code literal.
func (s *Store) pillIRIByCode(ctx context.Context, code string) string {
	if code == "" {
		return ""
	}
	for _, v := range s.subjects(ctx, ontology.DCTIdentifier, quad.String(code), ontology.GraphContent) {
		if s.hasType(ctx, v, ontology.KnowledgePill, ontology.GraphContent) {
			return iriOf(v)
		}
	}
	return ""
}

// readPill reads a pill hop by hop: its own quads, then those of each node it owns and the
// labels of its links — one index lookup per node.
func (s *Store) readPill(ctx context.Context, iri string) (*Pill, error) {
	g := ontology.GraphContent
	quads := s.out(ctx, quad.IRI(iri), g)
	isPill := false
	for _, q := range quads {
		if sameIRI(q.Predicate, ontology.RDFType) && sameIRI(q.Object, ontology.KnowledgePill) {
			isPill = true
		}
	}
	if !isPill {
		return nil, fmt.Errorf("pill %s: %w", iri, ErrNotFound)
	}
	follow := func(v quad.Value) []quad.Quad { return s.out(ctx, v, g) }
	p := pillFrom(iri, quads, follow)
	p.Links, p.Forms = SafeLinks(p.Links), SafeLinks(p.Forms) // links.go: never a javascript: link out
	return p, nil
}

// pillFrom builds a pill from the quads of its subject; follow returns the quads about another
// node: an owned node (answer, form, extra field, history link) or a web link (its title).
func pillFrom(iri string, quads []quad.Quad, follow func(quad.Value) []quad.Quad) *Pill {
	p := &Pill{IRI: iri}
	var titleLang, anyLang string
	type numbered struct {
		n int
		v any
	}
	var forms, extras, links []numbered
	for _, q := range quads {
		pred := iriOf(q.Predicate)
		v, lang := lexical(q.Object)
		if lang != "" && anyLang == "" {
			anyLang = lang
		}
		switch pred {
		case ontology.DCTIdentifier:
			p.Code = v
		case ontology.DCTTitle:
			p.Title, titleLang = v, lang
		case ontology.SchemaText:
			p.Question = v
		case ontology.SchemaAcceptedAnswer:
			for _, a := range follow(q.Object) {
				if sameIRI(a.Predicate, ontology.SchemaText) {
					p.Answer = lex(a.Object)
				}
			}
		case ontology.SchemaKeywords:
			p.Keywords = append(p.Keywords, v)
		case ontology.DCTSubject:
			p.Concepts = append(p.Concepts, v)
		case ontology.Department:
			p.Department = v
		case ontology.CompetentOffice:
			p.Office = v
		case ontology.OfficeName:
			p.OfficeName = v
		case ontology.LegalReference:
			p.LegalRefs = append(p.LegalRefs, v)
		case ontology.RDFSSeeAlso:
			l := Link{URL: v}
			switch q.Object.(type) {
			case quad.IRI, quad.BNode:
				for _, lq := range follow(q.Object) {
					if sameIRI(lq.Predicate, ontology.RDFSLabel) {
						l.Title = lex(lq.Object)
					}
				}
			}
			links = append(links, numbered{0, l})
		case ontology.PillLink, ontology.Form:
			f := Link{}
			for _, fq := range follow(q.Object) {
				switch iriOf(fq.Predicate) {
				case ontology.SchemaURL:
					f.URL = lex(fq.Object)
				case ontology.SchemaName:
					f.Title = lex(fq.Object)
				}
			}
			if pred == ontology.Form {
				forms = append(forms, numbered{ordinal(v), f})
			} else {
				links = append(links, numbered{ordinal(v), f})
			}
		case ontology.SchemaAudience:
			p.Audience = append(p.Audience, v)
		case ontology.ADMSStatus:
			p.Status = Status(strings.TrimPrefix(v, ontology.Status))
		case ontology.VersionNumber:
			p.Version = parseInt(q.Object)
		case ontology.DCTCreated:
			p.Created, _ = parseTime(q.Object)
		case ontology.DCTModified:
			p.Modified, _ = parseTime(q.Object)
		case ontology.DCTDateAccepted:
			p.Validated = timePtr(q.Object)
		case ontology.ValidatedBy, ontology.ValidatorName:
			if p.ValidatedBy == "" || pred == ontology.ValidatedBy {
				p.ValidatedBy = v
			}
		case ontology.ReviewBy:
			p.ReviewBy = timePtr(q.Object)
		case ontology.SchemaValidFrom:
			p.ValidFrom = timePtr(q.Object)
		case ontology.SchemaValidThrough:
			p.ValidUntil = timePtr(q.Object)
		case ontology.SKOSNote:
			p.Notes = v
		case ontology.ExtraField:
			f := Field{}
			for _, fq := range follow(q.Object) {
				switch iriOf(fq.Predicate) {
				case ontology.FieldName:
					f.Name = lex(fq.Object)
				case ontology.RDFValue:
					f.Value = lex(fq.Object)
				}
			}
			extras = append(extras, numbered{ordinal(v), f})
		}
	}
	p.Lang = titleLang
	if p.Lang == "" {
		p.Lang = anyLang
	}
	if p.Lang == "" {
		p.Lang = "it"
	}
	p.Keywords = sortedUnique(p.Keywords)
	p.Concepts = sortedUnique(p.Concepts)
	p.LegalRefs = sortedUnique(p.LegalRefs)
	p.Audience = sortedUnique(p.Audience)
	// Forms and extra fields keep the order they were written in: it is in their node IRIs.
	// Links are a set (rdfs:seeAlso): sorted by URL.
	sort.SliceStable(forms, func(i, j int) bool { return forms[i].n < forms[j].n })
	sort.SliceStable(extras, func(i, j int) bool { return extras[i].n < extras[j].n })
	for _, f := range forms {
		p.Forms = append(p.Forms, f.v.(Link))
	}
	for _, f := range extras {
		p.Extra = append(p.Extra, f.v.(Field))
	}
	for _, l := range links {
		p.Links = append(p.Links, l.v.(Link))
	}
	sort.SliceStable(p.Links, func(i, j int) bool { return p.Links[i].URL < p.Links[j].URL })
	return p
}

// ordinal is the number at the end of an owned node IRI (…#form-3 → 3), 0 when there is none.
func ordinal(iri string) int {
	i := strings.LastIndexByte(iri, '-')
	n := 0
	for _, r := range iri[i+1:] {
		if r < '0' || r > '9' {
			return 0
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// Pills lists pills, sorted by code (then IRI). It starts from the most selective index the
// filter allows — code, office, concept subtree, status, or the pill type — and never scans.
func (s *Store) Pills(ctx context.Context, f PillFilter) ([]Pill, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	heads, err := s.pillHeads(ctx, f)
	if err != nil {
		return nil, err
	}
	if f.Offset > 0 {
		if f.Offset >= len(heads) {
			return nil, nil
		}
		heads = heads[f.Offset:]
	}
	if f.Limit > 0 && len(heads) > f.Limit {
		heads = heads[:f.Limit]
	}
	out := make([]Pill, 0, len(heads))
	for _, h := range heads {
		p, err := s.readPill(ctx, h.IRI)
		if err != nil {
			return nil, err
		}
		if f.Viewer != nil {
			f.Viewer.Redact(p)
		}
		out = append(out, *p)
	}
	return out, nil
}

// CountPills is how many pills Pills would list without Limit and Offset, read from the
// pills' own statements only (a count of what a viewer may see costs no full reads).
func (s *Store) CountPills(ctx context.Context, f PillFilter) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	heads, err := s.pillHeads(ctx, f)
	return len(heads), err
}

// pillHeads are the pills f selects, sorted, as far as their own statements tell (pillHead).
func (s *Store) pillHeads(ctx context.Context, f PillFilter) ([]*Pill, error) {
	g := ontology.GraphContent
	var candidates []quad.Value
	switch {
	case f.Code != "":
		if iri := s.pillIRIByCode(ctx, strings.TrimSpace(f.Code)); iri != "" {
			candidates = []quad.Value{quad.IRI(iri)}
		}
	case f.Office != "":
		candidates = s.subjects(ctx, ontology.CompetentOffice, quad.IRI(f.Office), g)
	case f.Concept != "":
		seen := map[quad.Value]bool{}
		concepts := append([]string{f.Concept}, s.narrower(ctx, f.Concept, true)...)
		for _, c := range concepts {
			for _, v := range s.subjects(ctx, ontology.DCTSubject, quad.IRI(c), g) {
				if !seen[v] {
					seen[v] = true
					candidates = append(candidates, v)
				}
			}
		}
	case len(f.Status) == 1:
		candidates = s.subjects(ctx, ontology.ADMSStatus, quad.IRI(f.Status[0].IRI()), g)
	default:
		candidates = s.subjects(ctx, ontology.RDFType, quad.IRI(ontology.KnowledgePill), g)
	}

	var under map[string]bool
	if f.Concept != "" {
		under = map[string]bool{f.Concept: true}
		for _, c := range s.narrower(ctx, f.Concept, true) {
			under[c] = true
		}
	}
	// Filter and sort on the pill's own quads (one lookup each); read whole pills (answer,
	// forms, links: more lookups) only for the page returned.
	at := f.At
	if at.IsZero() {
		at = time.Now()
	}
	var heads []*Pill
	for _, v := range candidates {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := pillHead(iriOf(v), s.quadsDirPreds(ctx, quad.Subject, v, headPredicates, g))
		if p == nil || !pillMatches(p, f, under) {
			continue // not a pill (e.g. another resource citing the office), or filtered out
		}
		if f.Viewer != nil && !f.Viewer.Sees(p, at) {
			continue
		}
		heads = append(heads, p)
	}
	sort.Slice(heads, func(i, j int) bool {
		if heads[i].Code != heads[j].Code {
			return heads[i].Code < heads[j].Code
		}
		return heads[i].IRI < heads[j].IRI
	})
	return heads, nil
}

var headPredicates = []string{ontology.RDFType, ontology.DCTIdentifier, ontology.ADMSStatus, ontology.DCTSubject, ontology.CompetentOffice,
	ontology.SchemaValidFrom, ontology.SchemaValidThrough}

// pillHead is what filtering and sorting need of a pill, from its own quads; nil when they are
// not a pill's.
func pillHead(iri string, quads []quad.Quad) *Pill {
	p := &Pill{IRI: iri}
	isPill := false
	for _, q := range quads {
		v := lex(q.Object)
		switch iriOf(q.Predicate) {
		case ontology.RDFType:
			isPill = isPill || v == ontology.KnowledgePill
		case ontology.DCTIdentifier:
			p.Code = v
		case ontology.ADMSStatus:
			p.Status = Status(strings.TrimPrefix(v, ontology.Status))
		case ontology.DCTSubject:
			p.Concepts = append(p.Concepts, v)
		case ontology.CompetentOffice:
			p.Office = v
		case ontology.SchemaValidFrom:
			p.ValidFrom = timePtr(q.Object)
		case ontology.SchemaValidThrough:
			p.ValidUntil = timePtr(q.Object)
		}
	}
	if !isPill {
		return nil
	}
	return p
}

func pillMatches(p *Pill, f PillFilter, under map[string]bool) bool {
	if len(f.Status) > 0 {
		ok := false
		for _, st := range f.Status {
			ok = ok || p.Status == st
		}
		if !ok {
			return false
		}
	}
	if f.Code != "" && p.Code != strings.TrimSpace(f.Code) {
		return false
	}
	if f.Office != "" && p.Office != f.Office {
		return false
	}
	if under != nil {
		ok := false
		for _, c := range p.Concepts {
			ok = ok || under[c]
		}
		if !ok {
			return false
		}
	}
	return true
}
