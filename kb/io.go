package kb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/quad"

	"sportello/kb/rdf"
	"sportello/ontology"
)

// ImportOptions: Graph is the named graph to load into (empty: the graph each quad names, or
// the content graph for triples); File names the input in errors.
type ImportOptions struct {
	Graph string
	Base  string
	File  string
}

// Import loads an RDF document in one transaction: on a parse error nothing is written. It
// returns the number of statements read. Blank nodes get a fresh prefix on every import, so
// that two documents (or the same one imported twice) never merge their blank nodes.
func (s *Store) Import(ctx context.Context, r io.Reader, f rdf.Format, opt ImportOptions) (int, error) {
	var n int
	err := s.Update(ctx, func(b *Batch) error {
		var err error
		n, err = b.Import(r, f, opt)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Import queues an RDF document (see Store.Import); several documents in one batch are
// written all together or not at all.
func (b *Batch) Import(r io.Reader, f rdf.Format, opt ImportOptions) (int, error) {
	if opt.Graph != "" && !isAbsoluteIRI(opt.Graph) {
		return 0, fmt.Errorf("kb: import %s: graph %q is not an absolute IRI", name(opt.File), opt.Graph)
	}
	qr, err := rdf.NewReader(r, f, rdf.ReaderOptions{Base: opt.Base, File: opt.File})
	if err != nil {
		return 0, err
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
	// Parse everything first: a syntax error on the last line must leave the store untouched.
	var quads []quad.Quad
	for {
		if len(quads)%1024 == 0 {
			if err := b.ctx.Err(); err != nil {
				return 0, err
			}
		}
		q, err := qr.ReadQuad()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, err
		}
		if err := checkQuad(q); err != nil {
			return 0, &rdf.ParseError{File: opt.File, Msg: fmt.Sprintf("statement %d: %v", len(quads)+1, err)}
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
	for _, q := range quads {
		b.tx.AddQuad(q)
	}
	b.dirtyIdx = true
	b.change.Imported = b.change.Imported || len(quads) > 0
	return len(quads), nil
}

func name(file string) string {
	if file == "" {
		return "<input>"
	}
	return file
}

// checkQuad refuses statements RDF does not allow, which a lenient reader might let through.
func checkQuad(q quad.Quad) error {
	switch q.Subject.(type) {
	case quad.IRI, quad.BNode:
	default:
		return fmt.Errorf("subject %v is not an IRI or a blank node", q.Subject)
	}
	if _, ok := q.Predicate.(quad.IRI); !ok {
		return fmt.Errorf("predicate %v is not an IRI", q.Predicate)
	}
	if q.Object == nil {
		return errors.New("statement without object")
	}
	switch q.Label.(type) {
	case nil, quad.IRI, quad.BNode:
	default:
		return fmt.Errorf("graph %v is not an IRI or a blank node", q.Label)
	}
	return nil
}

// Export writes the whole store, or one named graph, in format f. Statements come sorted (by
// graph, subject, predicate, object) so that two exports of the same data are the same file.
// Syntaxes without named graphs get every triple once, the graph dropped; the others keep
// each statement's graph, so that a re-import puts it back where it was.
func (s *Store) Export(ctx context.Context, w io.Writer, f rdf.Format, g string) error {
	quads, err := s.exportQuads(ctx, g, !f.HasGraphs())
	if err != nil {
		return err
	}
	qw, err := rdf.NewWriter(w, f, rdf.WriterOptions{Prefixes: ontology.Prefixes})
	if err != nil {
		return err
	}
	for i, q := range quads {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				qw.Close()
				return err
			}
		}
		if err := qw.WriteQuad(q); err != nil {
			qw.Close()
			return fmt.Errorf("kb: export: %w", err)
		}
	}
	if err := qw.Close(); err != nil {
		return fmt.Errorf("kb: export: %w", err)
	}
	return nil
}

// exportQuads reads what an export writes. Reading every quad is what an export is for; it is
// the one place the store is walked whole (or one graph by the label index).
func (s *Store) exportQuads(ctx context.Context, g string, dropGraph bool) ([]quad.Quad, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	qs := s.h.QuadStore
	var it graph.Iterator
	if g != "" {
		ref := qs.ValueOf(quad.IRI(g))
		if ref == nil {
			return nil, nil
		}
		it = qs.QuadIterator(quad.Label, ref)
	} else {
		it = qs.QuadsAllIterator()
	}
	defer it.Close()
	var out []quad.Quad
	seen := map[quad.Quad]bool{}
	for it.Next(ctx) {
		q := qs.Quad(it.Result())
		if unsafeStatement(q) { // a javascript: link is not published (links.go)
			continue
		}
		if dropGraph {
			q.Label = nil
			if seen[q] {
				continue
			}
			seen[q] = true
		}
		out = append(out, q)
	}
	if err := it.Err(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	keys := make([][4]string, len(out))
	for i, q := range out {
		keys[i] = [4]string{sortKey(q.Label), sortKey(q.Subject), sortKey(q.Predicate), sortKey(q.Object)}
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool {
		ka, kb := keys[idx[a]], keys[idx[b]]
		for i := range ka {
			if ka[i] != kb[i] {
				return ka[i] < kb[i]
			}
		}
		return false
	})
	sorted := make([]quad.Quad, len(out))
	for i, j := range idx {
		sorted[i] = out[j]
	}
	return sorted, nil
}

// Stats counts what the store holds (`sportello stats`).
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	// Not exact: cayley's exact statistics count the nodes by walking all of them. The quad
	// count is exact either way (a counter kept by every write).
	st, err := s.h.QuadStore.Stats(ctx, false)
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

// sortKey orders IRIs by their text, so that <pill> comes before <pill#answer>.
func sortKey(v quad.Value) string {
	switch v := v.(type) {
	case nil:
		return ""
	case quad.IRI:
		return "1" + string(v)
	case quad.BNode:
		return "2" + string(v)
	}
	return "3" + quad.ToString(v)
}

// AddQuads queues statements as they are (blank nodes keep their labels), for code that builds
// RDF itself, such as the provenance of a workflow step. Statements without a graph go to the
// content graph. Nothing is queued if any statement is not valid RDF.
func (b *Batch) AddQuads(quads []quad.Quad) error {
	for i, q := range quads {
		if err := checkQuad(q); err != nil {
			return fmt.Errorf("kb: statement %d: %w", i+1, err)
		}
	}
	for _, q := range quads {
		if q.Label == nil {
			q.Label = quad.IRI(ontology.GraphContent)
		}
		b.tx.AddQuad(q)
	}
	if len(quads) > 0 {
		b.dirtyIdx = true
		b.change.Imported = true
	}
	return nil
}
