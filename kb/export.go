package kb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/quad"

	"sportello/kb/rdf"
	"sportello/ontology"
)

// Export writes the whole store, or one named graph g, in format f (KB-11): everything, as the
// Administration owns it. Syntaxes without named graphs get every triple once, the graph
// dropped; the others keep each statement's graph, so that a re-import puts it back where it
// was.
func (s *Store) Export(ctx context.Context, w io.Writer, f rdf.Format, g string) error {
	return s.ExportView(ctx, w, f, ExportOptions{Graph: g})
}

// ExportOptions select what an export writes.
type ExportOptions struct {
	Graph string // one named graph; empty: every graph
	// Viewer, when set, writes only what it may see (the visibility rule, visibility.go):
	// without Drafts, the content graph holds only the pills it sees and no other graph but the
	// taxonomy, the directory, the ontology and the vocabularies is written — never the
	// history; without Internal, the pills' internal fields are left out. nil writes everything.
	Viewer *Viewer
	At     time.Time // when the viewer looks (validity periods); now when zero
	// Triples writes the statements without their graph even in a syntax with named graphs
	// (JSON-LD): one graph's document, as the Graph Store Protocol reads it.
	Triples bool
}

// ExportView writes what opt selects in format f (see Export, ExportOptions).
func (s *Store) ExportView(ctx context.Context, w io.Writer, f rdf.Format, opt ExportOptions) error {
	g := opt.Graph
	keep := s.exportFilter(ctx, opt)
	qw, err := rdf.NewWriter(w, f, rdf.WriterOptions{Prefixes: ontology.Prefixes})
	if err != nil {
		return err
	}
	dropGraph := !f.HasGraphs() || opt.Triples
	write := func(q quad.Quad) error {
		if err := qw.WriteQuad(q); err != nil {
			return fmt.Errorf("kb: export: %w", err)
		}
		return nil
	}
	err = s.boltEach(ctx, g, dropGraph, keep, func(group []quad.Quad) error {
		for _, q := range group {
			if err := write(q); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errNoFastPath) {
		err = s.eachExport(ctx, g, dropGraph, keep, write)
	}
	if err != nil {
		qw.Close()
		return err
	}
	if err := qw.Close(); err != nil {
		return fmt.Errorf("kb: export: %w", err)
	}
	return nil
}

// eachExport is the export's walk through cayley's iterator (memstore, and bolt stores without
// the subject index): fine for the small stores of tests, it remembers every triple to write a
// triple held in several graphs once.
func (s *Store) eachExport(ctx context.Context, g string, dropGraph bool, keep func(quad.Quad) bool, write func(quad.Quad) error) error {
	var seen map[quad.Quad]bool
	if dropGraph {
		seen = map[quad.Quad]bool{}
	}
	n := 0
	return s.eachQuad(ctx, g, func(q quad.Quad) error {
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if unsafeStatement(q) { // a javascript: link is not published (links.go)
			return nil
		}
		if keep != nil && !keep(q) {
			return nil
		}
		if dropGraph {
			q.Label = nil
			if seen[q] {
				return nil
			}
			seen[q] = true
		}
		return write(q)
	})
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

// publicGraphs are the graphs every viewer may read whole.
var publicGraphs = map[string]bool{
	ontology.GraphOntology: true, ontology.GraphVocabulary: true, ontology.GraphTaxonomy: true, ontology.GraphDirectory: true,
}

// exportFilter is the visibility rule as a filter of statements (nil: keep everything). It is
// called with s.mu held for reading, as eachQuad holds it; each pill is looked up once.
func (s *Store) exportFilter(ctx context.Context, opt ExportOptions) func(quad.Quad) bool {
	v := opt.Viewer
	if v == nil || *v == Editorial {
		return nil
	}
	at := opt.At
	if at.IsZero() {
		at = time.Now()
	}
	content := ontology.GraphContent
	pills := map[string]bool{} // pill IRI → the viewer sees it
	pillSeen := func(iri string) (isPill, seen bool) {
		if seen, ok := pills[iri]; ok {
			return true, seen
		}
		p := pillHead(iri, s.quadsDirPreds(ctx, quad.Subject, quad.IRI(iri), headPredicates, content))
		if p == nil {
			return false, false
		}
		pills[iri] = v.Sees(p, at)
		return true, pills[iri]
	}
	links := map[quad.Value]bool{} // a web link's title goes out with a pill the viewer sees
	return func(q quad.Quad) bool {
		g := iriOf(q.Label)
		switch {
		case publicGraphs[g]:
			return true
		case g != content:
			return v.Drafts
		}
		subj := iriOf(q.Subject)
		if subj == "" {
			return v.Drafts // a blank node of imported data: not a pill's
		}
		owner := subj
		if i := strings.IndexByte(subj, '#'); i > 0 {
			if isPill, _ := pillSeen(subj[:i]); isPill {
				owner = subj[:i] // a node the pill owns (<pill#answer>, <pill#extra-1>)
			}
		}
		isPill, seen := pillSeen(owner)
		if isPill {
			if !seen {
				return false
			}
			if !v.Internal && InternalStatement(subj, iriOf(q.Predicate)) {
				return false
			}
			return true
		}
		// A web link's title: out when a pill the viewer sees cites the link.
		if sameIRI(q.Predicate, ontology.RDFSLabel) {
			if ok, done := links[q.Subject]; done {
				return ok
			}
			ok := false
			for _, c := range s.quadsDirPred(ctx, quad.Object, q.Subject, ontology.RDFSSeeAlso, content) {
				if _, seen := pillSeen(iriOf(c.Subject)); seen {
					ok = true
					break
				}
			}
			links[q.Subject] = ok
			return ok
		}
		return v.Drafts
	}
}
