package kb

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cayleygraph/quad"

	"sportello/internal/htmltext"
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
// field. Nothing of the resource (or of its batch) is written.
type ValidationError struct {
	Resource string // IRI, code or name of what was being written
	Field    string
	Msg      string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("kb: %s: field %s: %s", e.Resource, e.Field, e.Msg)
}

// PutPill creates or replaces a pill in one transaction. An empty IRI is minted from the code
// (or a new id) and written back into p; so are the defaults (language "it", status draft,
// version 1, created and modified now).
func (s *Store) PutPill(ctx context.Context, p *Pill) error {
	return s.Update(ctx, func(b *Batch) error { return b.PutPill(p) })
}

// PutPill queues the replacement of a pill (see Store.PutPill).
func (b *Batch) PutPill(p *Pill) error {
	if err := b.preparePill(p); err != nil {
		return err
	}
	if err := b.touch(p.IRI); err != nil {
		return err
	}
	if p.Code != "" {
		b.codes[p.Code] = p.IRI
	}
	b.change.Pills = append(b.change.Pills, p.IRI)

	b.s.mu.RLock()
	oldLinks := b.s.pillLinks(b.ctx, p.IRI)
	b.s.mu.RUnlock()
	b.replace(p.IRI, ontology.GraphContent, nil, pillQuads(p))
	b.relink(p.IRI, oldLinks, p.Links)
	return nil
}

// preparePill fills in defaults and the IRI, and validates p against the store.
func (b *Batch) preparePill(p *Pill) error {
	name := p.IRI
	if name == "" {
		name = p.Code
	}
	if name == "" {
		name = "pill " + fmt.Sprintf("%q", p.Title)
	}
	bad := func(field, msg string, a ...any) error {
		return &ValidationError{Resource: name, Field: field, Msg: fmt.Sprintf(msg, a...)}
	}
	p.Code = strings.TrimSpace(p.Code)
	if strings.TrimSpace(p.Title) == "" && strings.TrimSpace(p.Question) == "" {
		return bad("title", "a pill needs a title or a question")
	}
	if p.Status == "" {
		p.Status = StatusDraft
	}
	if !p.Status.Valid() {
		return bad("status", "unknown status %q", p.Status)
	}
	if p.Lang != "" && !validLang(p.Lang) {
		return bad("lang", "%q is not a language tag", p.Lang)
	}
	if p.Version < 0 {
		return bad("version", "negative version %d", p.Version)
	}
	if p.IRI != "" && !isAbsoluteIRI(p.IRI) {
		return bad("iri", "%q is not an absolute IRI", p.IRI)
	}
	for _, c := range p.Concepts {
		if !isAbsoluteIRI(c) {
			return bad("concepts", "%q is not an absolute IRI", c)
		}
	}
	for field, v := range map[string]string{"department": p.Department, "office": p.Office} {
		if v != "" && !isAbsoluteIRI(v) {
			return bad(field, "%q is not an absolute IRI", v)
		}
	}
	for i, l := range append(append([]Link(nil), p.Links...), p.Forms...) {
		if strings.TrimSpace(l.URL) == "" {
			field := "links"
			if i >= len(p.Links) {
				field = "forms"
			}
			return bad(field, "a link without URL (title %q)", l.Title)
		}
	}
	for _, f := range p.Extra {
		if strings.TrimSpace(f.Name) == "" {
			return bad("extra", "a field without a name (value %q)", f.Value)
		}
	}

	// The code is unique: it is how people and the legacy workbooks name a pill.
	if p.Code != "" {
		if other, ok := b.codes[p.Code]; ok && other != p.IRI {
			return bad("code", "code %s is used twice in this batch", p.Code)
		}
		b.s.mu.RLock()
		existing := b.s.pillIRIByCode(b.ctx, p.Code)
		b.s.mu.RUnlock()
		switch {
		case p.IRI == "" && existing != "":
			p.IRI = existing
		case p.IRI != "" && existing != "" && existing != p.IRI:
			return bad("code", "code %s already belongs to %s", p.Code, existing)
		}
	}
	if p.IRI == "" {
		if p.Code != "" {
			p.IRI = PillIRI(p.Code)
		} else {
			p.IRI = Base + "pill/" + newID()
		}
	}
	// The one answer policy, whoever writes the pill (editor, importer, API, demo, tickets).
	p.Answer = htmltext.Sanitize(p.Answer)
	if p.Lang == "" {
		p.Lang = "it"
	}
	if p.Version == 0 {
		p.Version = 1
	}
	now := time.Now().UTC().Truncate(time.Second)
	if p.Created.IsZero() {
		p.Created = now
	}
	if p.Modified.IsZero() {
		p.Modified = p.Created
	}
	return nil
}

// pillQuads is the RDF of a pill (vocabularies/MAPPING.md, KB-5, KB-12).
func pillQuads(p *Pill) []quad.Quad {
	q := newQuads(p.IRI, ontology.GraphContent)
	lang := p.Lang
	q.iri(ontology.RDFType, ontology.KnowledgePill)
	q.iri(ontology.RDFType, ontology.SchemaQuestion)
	q.str(ontology.DCTIdentifier, p.Code)
	q.text(ontology.DCTTitle, p.Title, lang)
	q.text(ontology.SchemaText, p.Question, lang)
	if p.Answer != "" {
		// A named node rather than a blank node: it can be linked to, and replaced with the pill.
		a := p.IRI + "#answer"
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
	for _, l := range p.Links {
		q.add(ontology.RDFSSeeAlso, urlValue(l.URL))
	}
	for i, f := range p.Forms {
		n := fmt.Sprintf("%s#form-%d", p.IRI, i+1)
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
	q.iri(ontology.ADMSStatus, p.Status.IRI())
	q.add(ontology.VersionNumber, typed(fmt.Sprint(p.Version), ontology.XSDInteger))
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
		if isAbsoluteIRI(v) {
			q.iri(ontology.ValidatedBy, v)
		} else {
			q.str(ontology.ValidatedBy, v)
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
		n := fmt.Sprintf("%s#extra-%d", p.IRI, i+1)
		q.iri(ontology.ExtraField, n)
		q.addOn(n, ontology.FieldName, quad.String(f.Name))
		q.addOn(n, ontology.RDFValue, quad.String(f.Value))
	}
	return q.quads
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
	p := &Pill{IRI: iri}
	var titleLang, anyLang string
	type numbered struct {
		n int
		v any
	}
	var forms, extras []numbered
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
			for _, a := range s.out(ctx, q.Object, g) {
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
			if _, ok := q.Object.(quad.IRI); ok {
				for _, lq := range s.out(ctx, q.Object, g) {
					if sameIRI(lq.Predicate, ontology.RDFSLabel) {
						l.Title = lex(lq.Object)
					}
				}
			}
			p.Links = append(p.Links, l)
		case ontology.Form:
			f := Link{}
			for _, fq := range s.out(ctx, q.Object, g) {
				switch iriOf(fq.Predicate) {
				case ontology.SchemaURL:
					f.URL = lex(fq.Object)
				case ontology.SchemaName:
					f.Title = lex(fq.Object)
				}
			}
			forms = append(forms, numbered{ordinal(v), f})
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
		case ontology.ValidatedBy:
			p.ValidatedBy = v
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
			for _, fq := range s.out(ctx, q.Object, g) {
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
	sort.Slice(p.Links, func(i, j int) bool { return p.Links[i].URL < p.Links[j].URL })
	// Forms and extra fields keep the order they were written in: it is in their node IRIs.
	sort.SliceStable(forms, func(i, j int) bool { return forms[i].n < forms[j].n })
	sort.SliceStable(extras, func(i, j int) bool { return extras[i].n < extras[j].n })
	for _, f := range forms {
		p.Forms = append(p.Forms, f.v.(Link))
	}
	for _, f := range extras {
		p.Extra = append(p.Extra, f.v.(Field))
	}
	p.Links, p.Forms = SafeLinks(p.Links), SafeLinks(p.Forms) // links.go: never a javascript: link out
	return p, nil
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
	var heads []*Pill
	for _, v := range candidates {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := pillHead(iriOf(v), s.quadsDirPreds(ctx, quad.Subject, v, headPredicates, g))
		if p == nil || !pillMatches(p, f, under) {
			continue // not a pill (e.g. another resource citing the office), or filtered out
		}
		heads = append(heads, p)
	}
	sort.Slice(heads, func(i, j int) bool {
		if heads[i].Code != heads[j].Code {
			return heads[i].Code < heads[j].Code
		}
		return heads[i].IRI < heads[j].IRI
	})
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
		out = append(out, *p)
	}
	return out, nil
}

var headPredicates = []string{ontology.RDFType, ontology.DCTIdentifier, ontology.ADMSStatus, ontology.DCTSubject, ontology.CompetentOffice}

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

// DeletePill removes a pill and the nodes it owns in one transaction.
func (s *Store) DeletePill(ctx context.Context, iri string) error {
	return s.Update(ctx, func(b *Batch) error { return b.DeletePill(iri) })
}

// DeletePill queues the removal of a pill (see Store.DeletePill).
func (b *Batch) DeletePill(iri string) error {
	b.s.mu.RLock()
	_, err := b.s.readPill(b.ctx, iri)
	links := b.s.pillLinks(b.ctx, iri)
	b.s.mu.RUnlock()
	if err != nil {
		return err
	}
	if err := b.touch(iri); err != nil {
		return err
	}
	b.change.DeletedPills = append(b.change.DeletedPills, iri)
	b.replace(iri, ontology.GraphContent, nil, nil)
	b.relink(iri, links, nil)
	return nil
}
