package linkeddata

import (
	"context"
	"strings"
	"sync"
	"time"

	"sportello/kb"
	"sportello/kb/sparql"
	"sportello/ontology"
)

// HarvestGraph is the prefix of the named graphs that harvested sources fill, one per source:
// public web pages of the Administration, so public here too.
const HarvestGraph = ontology.GraphHarvest

// publicGraph reports whether every viewer may read graph g whole (the content graph is read
// pill by pill).
func publicGraph(g string) bool {
	switch g {
	case ontology.GraphOntology, ontology.GraphVocabulary, ontology.GraphTaxonomy, ontology.GraphDirectory:
		return true
	}
	return strings.HasPrefix(g, HarvestGraph)
}

// gate keeps which pills the public may see, so that the SPARQL engine's visibility functions
// are map look-ups: they run while the engine holds the store's read lock, where reading a pill
// again could deadlock behind a waiting writer. The set is computed on first use, dropped on
// every write of the store, and computed again when the next validity bound passes.
type gate struct {
	store *kb.Store
	now   func() time.Time

	mu      sync.Mutex
	pills   map[string]bool // every pill IRI → the public sees it now
	expires time.Time       // the next validity bound after the set was computed
}

func newGate(s *kb.Store) *gate {
	g := &gate{store: s, now: time.Now}
	s.OnChange(func(context.Context, kb.Change) {
		g.mu.Lock()
		g.pills = nil
		g.mu.Unlock()
	})
	return g
}

// published returns the pill map for the current time.
func (g *gate) published(ctx context.Context) (map[string]bool, error) {
	now := g.now()
	g.mu.Lock()
	if g.pills != nil && (g.expires.IsZero() || now.Before(g.expires)) {
		m := g.pills
		g.mu.Unlock()
		return m, nil
	}
	g.mu.Unlock()
	all, err := g.store.Pills(ctx, kb.PillFilter{})
	if err != nil {
		return nil, err
	}
	m := make(map[string]bool, len(all))
	var next time.Time
	for i := range all {
		p := &all[i]
		m[p.IRI] = kb.Anonymous.Sees(p, now) // kb's one visibility rule
		for _, b := range []*time.Time{p.ValidFrom, p.ValidUntil} {
			if b != nil && b.After(now) && (next.IsZero() || b.Before(next)) {
				next = *b
			}
		}
	}
	g.mu.Lock()
	g.pills, g.expires = m, next
	g.mu.Unlock()
	return m, nil
}

// visibility is kb's visibility rule (kb.Viewer) as the SPARQL engine applies it: the graphs v
// may read, the pills v may see (and the nodes they own, <pill#answer>), the internal fields v
// may not read (kb.InternalStatement).
func (g *gate) visibility(ctx context.Context, v kb.Viewer) (sparql.Visibility, error) {
	if v.Drafts {
		return sparql.Visibility{}, nil // everything, the history included
	}
	pills, err := g.published(ctx)
	if err != nil {
		return sparql.Visibility{}, err
	}
	vis := sparql.Visibility{
		Graph: func(iri string) bool { return iri == ontology.GraphContent || publicGraph(iri) },
		Resource: func(iri string) bool {
			seen, isPill := pills[iri]
			return !isPill || seen
		},
	}
	if !v.Internal {
		vis.Statement = func(graph, subject, predicate string) bool {
			return graph != ontology.GraphContent || !kb.InternalStatement(subject, predicate)
		}
	}
	return vis, nil
}
