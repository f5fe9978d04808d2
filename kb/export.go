package kb

import (
	"context"
	"fmt"
	"io"

	"github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/quad"

	"sportello/kb/rdf"
	"sportello/ontology"
)

// Export writes the whole store, or one named graph g, in format f (KB-11). Syntaxes without
// named graphs get every triple once, the graph dropped; the others keep each statement's
// graph, so that a re-import puts it back where it was.
func (s *Store) Export(ctx context.Context, w io.Writer, f rdf.Format, g string) error {
	qw, err := rdf.NewWriter(w, f, rdf.WriterOptions{Prefixes: ontology.Prefixes})
	if err != nil {
		return err
	}
	dropGraph := !f.HasGraphs()
	var seen map[quad.Quad]bool
	if dropGraph {
		seen = map[quad.Quad]bool{}
	}
	n := 0
	err = s.eachQuad(ctx, g, func(q quad.Quad) error {
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if dropGraph {
			q.Label = nil
			if seen[q] {
				return nil
			}
			seen[q] = true
		}
		if err := qw.WriteQuad(q); err != nil {
			return fmt.Errorf("kb: export: %w", err)
		}
		return nil
	})
	if err != nil {
		qw.Close()
		return err
	}
	if err := qw.Close(); err != nil {
		return fmt.Errorf("kb: export: %w", err)
	}
	return nil
}

// eachQuad calls fn with every statement of the store, or of named graph g. Reading every
// statement is what an export is for: it is the one place the store is walked whole.
func (s *Store) eachQuad(ctx context.Context, g string, fn func(quad.Quad) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	qs := s.qs
	var it graph.Iterator
	if g != "" {
		ref := qs.ValueOf(quad.IRI(g))
		if ref == nil {
			return nil
		}
		it = qs.QuadIterator(quad.Label, ref)
	} else {
		it = qs.QuadsAllIterator()
	}
	defer it.Close()
	for it.Next(ctx) {
		if err := fn(qs.Quad(it.Result())); err != nil {
			return err
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	return ctx.Err()
}
