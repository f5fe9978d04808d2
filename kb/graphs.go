package kb

import (
	"fmt"

	"github.com/cayleygraph/quad"
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
	qs := b.s.h.QuadStore
	ref := qs.ValueOf(quad.IRI(g))
	if ref == nil {
		return nil
	}
	it := qs.QuadIterator(quad.Label, ref)
	defer it.Close()
	n := 0
	for it.Next(b.ctx) {
		b.tx.RemoveQuad(qs.Quad(it.Result()))
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
