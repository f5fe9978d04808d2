package kb

import (
	"context"
	"errors"
	"fmt"

	"github.com/cayleygraph/quad"

	"sportello/ontology"
)

// ClearGraph queues the removal of every statement of named graph g, so that a batch can
// replace a graph whole in one transaction (a harvested source's graph: what the pages no
// longer say disappears with the new harvest). It reads the graph by the label index.
// Callers decide which graphs may be cleared; pills are never written this way (the workflow
// is their one writer).
func (b *Batch) ClearGraph(g string) error {
	if g == "" {
		return fmt.Errorf("kb: clear graph: no graph named")
	}
	b.s.mu.RLock()
	defer b.s.mu.RUnlock()
	qs := b.s.qs
	ref := qs.ValueOf(quad.IRI(g))
	if ref == nil {
		return nil
	}
	it := qs.QuadIterator(quad.Label, ref)
	defer it.Close()
	n := 0
	for it.Next(b.ctx) {
		b.tx.removeStored(qs.Quad(it.Result()))
		n++
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("kb: clear graph %s: %w", g, err)
	}
	if n > 0 {
		b.dirtyIdx = true
		b.change.Imported = true
	}
	return nil
}

// ErrOwnGraph refuses a statement written as it is into one of kb's own graphs: pills go
// through the workflow (the one writer), the tree and the directory through their typed writes.
var ErrOwnGraph = errors.New("kb: Sportello's own graphs are written through the workflow and the typed writes")

// AddQuads queues statements as they are into other named graphs than kb's own (a harvested
// source, an RDF document imported from a URL). Nothing is queued if any statement has no
// graph, is in one of kb's own graphs (ErrOwnGraph), or could not be written by some RDF
// syntax (UnwritableError).
func (b *Batch) AddQuads(quads []quad.Quad) error {
	for i, q := range quads {
		g, _ := q.Label.(quad.IRI)
		if g == "" || ownGraph(string(g)) {
			return fmt.Errorf("kb: statement %d in graph %v: %w", i+1, q.Label, ErrOwnGraph)
		}
		if err := checkWritable(q); err != nil {
			return fmt.Errorf("kb: statement %d: %w", i+1, err)
		}
	}
	for _, q := range quads {
		b.tx.add(q)
	}
	if len(quads) > 0 {
		b.dirtyIdx = true
		b.change.Imported = true
	}
	return nil
}

// ownGraph reports whether g is one of the graphs kb writes itself.
func ownGraph(g string) bool {
	switch g {
	case ontology.GraphOntology, ontology.GraphVocabulary, ontology.GraphTaxonomy, ontology.GraphContent,
		ontology.GraphDirectory, ontology.GraphHistory:
		return true
	}
	return false
}

// OwnGraph reports whether g is one of the graphs kb writes itself (the ontology, the
// vocabularies, the taxonomy, the content, the directory, the history): other packages refuse
// to write them as plain statements.
func OwnGraph(g string) bool { return ownGraph(g) }

// HasGraph reports whether named graph g holds at least one statement, as the store is before
// the batch: a Graph Store write tells "created" from "replaced" inside the transaction that
// writes, so that two writers cannot both create the graph.
func (b *Batch) HasGraph(g string) (bool, error) { return b.s.HasGraph(b.ctx, g) }

// HasGraph reports whether named graph g holds at least one statement.
func (s *Store) HasGraph(ctx context.Context, g string) (bool, error) {
	if g == "" {
		return false, nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ref := s.qs.ValueOf(quad.IRI(g))
	if ref == nil {
		return false, nil
	}
	it := s.qs.QuadIterator(quad.Label, ref)
	defer it.Close()
	ok := it.Next(ctx)
	if err := it.Err(); err != nil {
		return false, fmt.Errorf("kb: graph %s: %w", g, err)
	}
	return ok, nil
}
