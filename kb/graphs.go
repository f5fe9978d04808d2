package kb

import (
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
	n := 0
	err := b.s.eachQuad(b.ctx, g, func(q quad.Quad) error {
		b.tx.removeStored(q)
		n++
		return nil
	})
	if err != nil {
		return fmt.Errorf("kb: clear graph %s: %w", g, err)
	}
	if n > 0 {
		b.dirtyIdx = true
		b.change.Imported = true
	}
	return nil
}

// AddQuads queues statements as they are (blank nodes keep their labels), for code that builds
// RDF of its own, such as a harvested source's graph. Each statement names its graph, which may
// be neither the content graph nor the history graph: those hold pills, whose one writer is the
// workflow. Nothing is queued if any statement is refused, or could not be written in every RDF
// syntax (rdf.Writable).
func (b *Batch) AddQuads(quads []quad.Quad) error {
	for i, q := range quads {
		switch g := iriOf(q.Label); g {
		case "":
			return fmt.Errorf("kb: statement %d: no graph named", i+1)
		case ontology.GraphContent, ontology.GraphHistory:
			return fmt.Errorf("kb: statement %d: the graph %s is written by the workflow only", i+1, g)
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
