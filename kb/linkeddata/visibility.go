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

// Viewer is what a caller may see (REQUIREMENTS KB-3, KB-8, KB-12).
//
// TODO(integrity): this is kb.Viewer (kb/visibility.go on the integrity branch) — Drafts and
// Internal mean the same there. When integrity lands on main, replace this type by kb.Viewer,
// Sees by kb.Viewer.Sees and internalField by kb's internal-field rule, and delete them here.
type Viewer struct {
	Drafts   bool // pills not published or outside their validity period, and the history graph
	Internal bool // internal fields of pills: notes, legacy columns, who validated
}

var (
	Anonymous = Viewer{}                             // the public
	Staff     = Viewer{Internal: true}               // operators and back office
	Editorial = Viewer{Drafts: true, Internal: true} // publishers, validators, administrators
)

// sees is the one visibility rule of a pill: published and inside its validity period, or
// anything for a viewer of drafts. (TODO(integrity): kb.Viewer.Sees.)
func (v Viewer) sees(p *kb.Pill, at time.Time) bool {
	if v.Drafts {
		return true
	}
	if p.Status != kb.StatusPublished {
		return false
	}
	if p.ValidFrom != nil && at.Before(*p.ValidFrom) {
		return false
	}
	return p.ValidUntil == nil || at.Before(*p.ValidUntil)
}

// internalField reports whether a statement of a pill in the content graph is an internal field
// (TODO(integrity): kb's internalPredicate, to be exported).
func internalField(subject, predicate string) bool {
	switch predicate {
	case ontology.SKOSNote, ontology.ExtraField, ontology.ValidatedBy, ontology.NS + "validatorName":
		return true // validatorName: integrity's ontology.ValidatorName
	}
	return strings.Contains(subject, "#extra-")
}

// HarvestGraph is the prefix of the named graphs that harvested sources fill, one per source:
// public web pages of the Administration, so public here too.
const HarvestGraph = "https://w3id.org/sportello/graph/harvest/"

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
		m[p.IRI] = Anonymous.sees(p, now)
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

// visibility is viewer v's rule as the SPARQL engine applies it: the graphs v may read, the pills
// v may see (and the nodes they own, <pill#answer>), the internal fields v may not read.
func (g *gate) visibility(ctx context.Context, v Viewer) (sparql.Visibility, error) {
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
			return graph != ontology.GraphContent || !internalField(subject, predicate)
		}
	}
	return vis, nil
}
