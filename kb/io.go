package kb

import (
	"context"
	"errors"
	"fmt"
	"io"

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
		if err := rdf.Writable(q); err != nil {
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
		b.tx.add(q)
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

// AddQuads queues statements as they are (blank nodes keep their labels), for code that builds
// RDF itself, such as the provenance of a workflow step. Statements without a graph go to the
// content graph. Nothing is queued if any statement is not valid RDF.
func (b *Batch) AddQuads(quads []quad.Quad) error {
	for i, q := range quads {
		if err := checkWritable(q); err != nil {
			return fmt.Errorf("kb: statement %d: %w", i+1, err)
		}
	}
	for _, q := range quads {
		if q.Label == nil {
			q.Label = quad.IRI(ontology.GraphContent)
		}
		b.tx.add(q)
	}
	if len(quads) > 0 {
		b.dirtyIdx = true
		b.change.Imported = true
	}
	return nil
}
