package kb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/cayleygraph/quad"

	"sportello/kb/rdf"
	"sportello/ontology"
)

// ImportOptions: Graph is the named graph to load into (empty: the graph each quad names, or
// the content graph for triples); File names the input in errors and in the pills' history;
// Actor is who imports (DefaultImportActor when empty); Publish publishes the pills the
// document describes at once (an administrator's explicit choice), instead of making drafts.
type ImportOptions struct {
	Graph   string
	Base    string
	File    string
	Actor   string
	Publish bool
}

// DefaultImportActor is the agent the history names for an RDF import nobody signed.
const DefaultImportActor = "importazione"

// RDFImport is what an RDF import did.
type RDFImport struct {
	Statements int            // statements read
	Pills      []ImportResult // one per pill the document describes, in IRI order
	// Skipped counts statements of a pill's history in a format this Sportello does not read
	// (the titles-only history of versions before the one writer): the pill's text is imported,
	// those statements are not.
	Skipped int
}

// Conflicts counts the pills whose text the import kept aside (ImportConflict).
func (r *RDFImport) Conflicts() int {
	n := 0
	for _, p := range r.Pills {
		if p.Outcome == ImportConflict {
			n++
		}
	}
	return n
}

// Import loads an RDF document in one transaction: on a parse error nothing is written. It
// returns the number of statements read. See Batch.ImportRDF for what happens to pills.
func (s *Store) Import(ctx context.Context, r io.Reader, f rdf.Format, opt ImportOptions) (int, error) {
	res, err := s.ImportRDF(ctx, r, f, opt)
	if err != nil {
		return 0, err
	}
	return res.Statements, nil
}

// ImportRDF is Import with the details of what happened to each pill.
func (s *Store) ImportRDF(ctx context.Context, r io.Reader, f rdf.Format, opt ImportOptions) (*RDFImport, error) {
	var res *RDFImport
	err := s.Update(ctx, func(b *Batch) error {
		var err error
		res, err = b.ImportRDF(r, f, opt)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Import queues an RDF document (see Batch.ImportRDF) and returns the number of statements.
func (b *Batch) Import(r io.Reader, f rdf.Format, opt ImportOptions) (int, error) {
	res, err := b.ImportRDF(r, f, opt)
	if err != nil {
		return 0, err
	}
	return res.Statements, nil
}

// ImportRDF queues an RDF document; several documents in one batch are written all together
// or not at all. The whole document is parsed first: a syntax error on the last line writes
// nothing. Blank nodes get a fresh prefix on every import, so that two documents (or the same
// one imported twice) never merge their blank nodes.
//
// Pills are not written as statements: every pill the document describes (an sp:KnowledgePill
// of the content graph, or a pill whose versions the history graph holds) goes through the
// workflow, the one writer of pills:
//   - a pill with its whole history (an export of a Sportello store) the store does not know is
//     restored as it was: versions, steps, imports;
//   - a pill whose history the store already holds, up to what the document says, is left
//     alone (an older export imported again changes nothing);
//   - any other pill is an import of its text (Batch.ImportPill): unchanged, a new draft, or a
//     conflict kept aside when the pill was edited in Sportello since.
//
// A property of a pill that Sportello does not manage is refused with the import: it would be
// lost at the pill's next change.
func (b *Batch) ImportRDF(r io.Reader, f rdf.Format, opt ImportOptions) (*RDFImport, error) {
	if opt.Graph != "" && !isAbsoluteIRI(opt.Graph) {
		return nil, fmt.Errorf("kb: import %s: graph %q is not an absolute IRI", name(opt.File), opt.Graph)
	}
	if strings.TrimSpace(opt.Actor) == "" {
		opt.Actor = DefaultImportActor
	}
	quads, err := readDocument(b.ctx, r, f, opt)
	if err != nil {
		return nil, err
	}
	res := &RDFImport{Statements: len(quads)}
	doc := newDocIndex(quads)
	for _, iri := range doc.pills() {
		pr, err := b.importDocPill(doc, iri, opt, res)
		if err != nil {
			return nil, err
		}
		if pr != nil {
			res.Pills = append(res.Pills, *pr)
		}
	}
	for i, q := range quads {
		if !doc.used[i] {
			b.tx.add(q)
		}
	}
	b.dirtyIdx = true
	b.change.Imported = b.change.Imported || len(quads) > 0
	return res, nil
}

// readDocument parses a whole document, relabelling its blank nodes and placing its statements
// in their graphs.
func readDocument(ctx context.Context, r io.Reader, f rdf.Format, opt ImportOptions) ([]quad.Quad, error) {
	qr, err := rdf.NewReader(r, f, rdf.ReaderOptions{Base: opt.Base, File: opt.File})
	if err != nil {
		return nil, err
	}
	prefix := "i" + newID() + "_"
	bnodes := map[quad.BNode]quad.BNode{}
	relabel := func(v quad.Value) quad.Value {
		bn, ok := v.(quad.BNode)
		if !ok {
			return v
		}
		nb, ok := bnodes[bn]
		if !ok {
			nb = quad.BNode(fmt.Sprintf("%s%d", prefix, len(bnodes)+1))
			bnodes[bn] = nb
		}
		return nb
	}
	var quads []quad.Quad
	for {
		if len(quads)%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		q, err := qr.ReadQuad()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := rdf.Writable(q); err != nil {
			return nil, &rdf.ParseError{File: opt.File, Msg: fmt.Sprintf("statement %d: %v", len(quads)+1, err)}
		}
		q.Subject = relabel(q.Subject)
		q.Object = relabel(q.Object)
		switch {
		case opt.Graph != "":
			q.Label = quad.IRI(opt.Graph)
		case q.Label == nil:
			q.Label = quad.IRI(ontology.GraphContent)
		default:
			q.Label = relabel(q.Label)
		}
		quads = append(quads, q)
	}
	return quads, nil
}

// docIndex is a parsed document indexed by subject and object per graph, for reading pills and
// their records out of it as the store reads them out of itself.
type docIndex struct {
	quads  []quad.Quad
	bySub  map[[2]quad.Value][]int // (graph, subject) → statements
	byObj  map[[2]quad.Value][]int // (graph, object) → statements
	used   []bool                  // statements a pill took
	graphs []quad.Value            // the graphs the document holds
	// history: pill IRI → (graph, subject) of its versions, steps and imports
	history map[string][][2]quad.Value
}

func newDocIndex(quads []quad.Quad) *docIndex {
	d := &docIndex{quads: quads, bySub: map[[2]quad.Value][]int{}, byObj: map[[2]quad.Value][]int{}, used: make([]bool, len(quads))}
	seen := map[quad.Value]bool{}
	for i, q := range quads {
		if !seen[q.Label] {
			seen[q.Label] = true
			d.graphs = append(d.graphs, q.Label)
		}
		d.bySub[[2]quad.Value{q.Label, q.Subject}] = append(d.bySub[[2]quad.Value{q.Label, q.Subject}], i)
		d.byObj[[2]quad.Value{q.Label, q.Object}] = append(d.byObj[[2]quad.Value{q.Label, q.Object}], i)
	}
	d.history = map[string][][2]quad.Value{}
	for k := range d.bySub {
		s := iriOf(k[1])
		for _, mark := range []string{"/version/", "/activity/", "/import"} {
			if i := strings.LastIndex(s, mark); i > 0 {
				d.history[s[:i]] = append(d.history[s[:i]], k)
				break
			}
		}
	}
	return d
}

// out returns the statements about v in graph g, or in any graph when g is empty: a document in
// a syntax without graphs (or imported into one graph) brings a pill's history in that graph.
func (d *docIndex) out(v quad.Value, g string) []quad.Quad {
	var out []quad.Quad
	for _, i := range d.find(d.bySub, v, g) {
		out = append(out, d.quads[i])
	}
	return out
}

// into returns the statements whose object is v (see out).
func (d *docIndex) into(v quad.Value, g string) []quad.Quad {
	var out []quad.Quad
	for _, i := range d.find(d.byObj, v, g) {
		out = append(out, d.quads[i])
	}
	return out
}

func (d *docIndex) find(m map[[2]quad.Value][]int, v quad.Value, g string) []int {
	if g != "" {
		return m[[2]quad.Value{quad.IRI(g), v}]
	}
	var out []int
	for _, gr := range d.graphs {
		out = append(out, m[[2]quad.Value{gr, v}]...)
	}
	return out
}

// take marks the statements of subject v in graph g as a pill's.
func (d *docIndex) take(v quad.Value, g string) {
	for _, i := range d.bySub[[2]quad.Value{quad.IRI(g), v}] {
		d.used[i] = true
	}
}

// pills lists the pills the document describes: content-graph sp:KnowledgePills and pills whose
// versions the history graph holds, sorted.
func (d *docIndex) pills() []string {
	set := map[string]bool{}
	for _, q := range d.into(quad.IRI(ontology.KnowledgePill), ontology.GraphContent) {
		if sameIRI(q.Predicate, ontology.RDFType) {
			if iri := iriOf(q.Subject); iri != "" {
				set[iri] = true
			}
		}
	}
	for _, q := range d.into(quad.IRI(ontology.PillVersion), "") {
		if !sameIRI(q.Predicate, ontology.RDFType) {
			continue
		}
		for _, s := range d.out(q.Subject, "") {
			if sameIRI(s.Predicate, ontology.PROVSpecializationOf) {
				if iri := iriOf(s.Object); iri != "" {
					set[iri] = true
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for iri := range set {
		out = append(out, iri)
	}
	sort.Strings(out)
	return out
}

// pillPredicates are what a pill in the content graph may say; anything else is refused.
var pillPredicates = map[string]bool{
	ontology.RDFType: true, ontology.DCTIdentifier: true, ontology.DCTTitle: true, ontology.SchemaText: true,
	ontology.SchemaAcceptedAnswer: true, ontology.SchemaKeywords: true, ontology.DCTSubject: true,
	ontology.Department: true, ontology.CompetentOffice: true, ontology.OfficeName: true,
	ontology.LegalReference: true, ontology.RDFSSeeAlso: true, ontology.Form: true, ontology.SchemaAudience: true,
	ontology.ADMSStatus: true, ontology.VersionNumber: true, ontology.DCTCreated: true, ontology.DCTModified: true,
	ontology.DCTDateAccepted: true, ontology.ValidatedBy: true, ontology.ValidatorName: true, ontology.ReviewBy: true,
	ontology.SchemaValidFrom: true, ontology.SchemaValidThrough: true, ontology.SKOSNote: true, ontology.ExtraField: true,
}

// importDocPill takes pill iri out of the document and applies it through the workflow.
func (b *Batch) importDocPill(doc *docIndex, iri string, opt ImportOptions, res *RDFImport) (*ImportResult, error) {
	cg := ontology.GraphContent
	subj := quad.IRI(iri)
	own := doc.out(subj, cg)
	var content *Pill
	if len(own) > 0 {
		for _, q := range own {
			p := iriOf(q.Predicate)
			if !pillPredicates[p] {
				return nil, fmt.Errorf("kb: import %s: la scheda %s ha la proprietà <%s>, che Sportello non gestisce: verrebbe persa alla prossima modifica della scheda", name(opt.File), iri, p)
			}
			if p == ontology.RDFType && !sameIRI(q.Object, ontology.KnowledgePill) && !sameIRI(q.Object, ontology.SchemaQuestion) {
				return nil, fmt.Errorf("kb: import %s: la scheda %s è anche di tipo <%s>, che Sportello non gestisce", name(opt.File), iri, lex(q.Object))
			}
		}
		doc.take(subj, cg)
		follow := func(v quad.Value) []quad.Quad {
			quads := doc.out(v, cg)
			switch v.(type) {
			case quad.BNode:
				doc.take(v, cg)
			case quad.IRI:
				if isOwned(iri, iriOf(v)) {
					doc.take(v, cg)
				} else {
					// A web link: its title is the pill's; other statements about it stay.
					for _, i := range doc.bySub[[2]quad.Value{quad.IRI(cg), v}] {
						if sameIRI(doc.quads[i].Predicate, ontology.RDFSLabel) {
							doc.used[i] = true
						}
					}
				}
			}
			return quads
		}
		content = pillFrom(iri, own, follow)
	}
	// The pill's history in the document: its versions, steps and imports.
	var hist *PillRecord
	histStatements := 0
	for _, k := range doc.history[iri] {
		idx := doc.bySub[k]
		histStatements += len(idx)
		for _, i := range idx {
			doc.used[i] = true
		}
	}
	if histStatements > 0 {
		follow := func(v quad.Value) []quad.Quad { return doc.out(v, "") }
		r, err := recordFrom(iri, doc.into(subj, ""), follow)
		if err != nil {
			return nil, fmt.Errorf("kb: import %s: %w", name(opt.File), err)
		}
		if len(r.Versions) == 0 {
			res.Skipped += histStatements // an earlier format: titles only
		} else {
			hist = r
		}
	}
	if content == nil && hist == nil {
		return nil, nil
	}

	st, err := b.record(iri)
	known := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if hist != nil && !known {
		if content != nil {
			if g := hist.GraphPill(); g == nil || PillHash(g) != PillHash(content) {
				return nil, fmt.Errorf("kb: import %s: la scheda %s nel grafo dei contenuti non corrisponde alla sua storia", name(opt.File), iri)
			}
		}
		hist.Policy = b.s.Workflow().Policy()
		b.addRecord(iri, &recordState{cur: hist, replaceAll: true})
		out := &ImportResult{IRI: iri, Outcome: ImportCreated, Version: len(hist.Versions)}
		return out, nil
	}
	if hist != nil && known && historyIncluded(hist, st.cur) {
		return &ImportResult{IRI: iri, Outcome: ImportUnchanged}, nil
	}
	if content == nil {
		return nil, fmt.Errorf("kb: import %s: la storia della scheda %s non è quella che Sportello conosce, e il documento non ne dà il testo", name(opt.File), iri)
	}
	if known {
		if g := st.cur.GraphPill(); g != nil && PillHash(g) == PillHash(content) && (!opt.Publish || g.Status == StatusPublished) {
			return &ImportResult{IRI: iri, Outcome: ImportUnchanged}, nil
		}
	}
	c := *content
	c.Status, c.Version = "", 0
	return b.ImportPill(ImportRequest{Content: c, Actor: opt.Actor, Source: name(opt.File), Publish: opt.Publish})
}

// historyIncluded reports whether every version of a (a document's history) is in b (the
// store's) with the same text.
func historyIncluded(a, b *PillRecord) bool {
	for _, v := range a.Versions {
		w, err := b.Version(v.Number)
		if err != nil || PillHash(&v.Content) != PillHash(&w.Content) {
			return false
		}
	}
	return true
}

func name(file string) string {
	if file == "" {
		return "<input>"
	}
	return file
}

// checkWritable refuses a statement that some RDF syntax could not write (rdf.Writable): what
// the store holds must always export whole (KB-11).
func checkWritable(q quad.Quad) error {
	if err := rdf.Writable(q); err != nil {
		return &UnwritableError{Quad: q, Err: err}
	}
	return nil
}

// UnwritableError is a statement the store refuses because some RDF syntax could not write it.
type UnwritableError struct {
	Quad quad.Quad
	Err  error
}

func (e *UnwritableError) Error() string {
	return fmt.Sprintf("kb: statement %v %v %v refused: %v", short(e.Quad.Subject), short(e.Quad.Predicate), short(e.Quad.Object), e.Err)
}

func (e *UnwritableError) Unwrap() error { return e.Err }

// short is a term as an error message shows it: long literals are clipped.
func short(v quad.Value) string {
	if v == nil {
		return "<nil>"
	}
	s := v.String()
	if len(s) > 80 {
		s = s[:77] + "…"
	}
	return s
}

// Stats counts what the store holds (`sportello stats`).
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	// Not exact: cayley's exact statistics count the nodes by walking all of them. The quad
	// count is exact either way (a counter kept by every write).
	st, err := s.qs.Stats(ctx, false)
	if err != nil {
		return Stats{}, err
	}
	out := Stats{Triples: st.Quads.Size}
	out.Pills = len(s.subjects(ctx, ontology.RDFType, quad.IRI(ontology.KnowledgePill), ontology.GraphContent))
	out.Concepts = len(s.subjects(ctx, ontology.RDFType, quad.IRI(ontology.SKOSConcept), ontology.GraphTaxonomy))
	out.Offices = len(s.subjects(ctx, ontology.RDFType, quad.IRI(ontology.COVAPITOffice), ontology.GraphDirectory))
	out.People = len(s.subjects(ctx, ontology.RDFType, quad.IRI(ontology.VCardIndividual), ontology.GraphDirectory))
	return out, ctx.Err()
}
