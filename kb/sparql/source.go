package sparql

import (
	"context"
	"strings"
	"sync"

	"github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/quad"
)

// source reads quads from the cayley store for one query: it applies the dataset (default and
// named graphs) and the caller's visibility, and caches the store's references and values.
//
// Plan rule (package doc): a lookup with a bound subject walks the subject index, else one with
// a bound object the object index, else one with a bound predicate the predicate direction,
// and only a pattern with nothing bound walks every quad. Every other bound position is
// compared by reference before any value is read.
type source struct {
	qs  graph.QuadStore
	ctx context.Context
	vis Visibility

	// default graph: the union of defaultSet (graph IRIs; "" is the unlabelled graph), or of
	// every readable graph when defaultAll.
	defaultAll bool
	defaultSet map[string]bool
	// named graphs: namedList, or every readable labelled graph when namedAll.
	namedAll  bool
	namedList []Term

	termOf  map[graph.Ref]Term
	refOf   map[Term]graph.Ref
	noRef   map[Term]bool
	labelOK map[graph.Ref]bool
	resOK   map[graph.Ref]bool
	steps   int
	scans   int // full scans done (tests check the plan rule)
	lookups [4]int

	allGraphs func() ([]string, error) // every graph label in the store (cached by the engine)
}

func newSource(ctx context.Context, qs graph.QuadStore, vis Visibility) *source {
	return &source{
		qs: qs, ctx: ctx, vis: vis,
		termOf: map[graph.Ref]Term{}, refOf: map[Term]graph.Ref{}, noRef: map[Term]bool{},
		labelOK: map[graph.Ref]bool{}, resOK: map[graph.Ref]bool{},
	}
}

func (s *source) ref(t Term) graph.Ref {
	if r, ok := s.refOf[t]; ok {
		return r
	}
	if s.noRef[t] {
		return nil
	}
	r := s.qs.ValueOf(t.Quad())
	if r == nil {
		s.noRef[t] = true
		return nil
	}
	s.refOf[t] = r
	s.termOf[r] = t
	return r
}

func (s *source) term(r graph.Ref) Term {
	if r == nil {
		return Term{}
	}
	if t, ok := s.termOf[r]; ok {
		return t
	}
	t := FromQuad(s.qs.NameOf(r))
	s.termOf[r] = t
	return t
}

// graphReadable says whether the caller may read the graph with label reference r (nil: the
// unlabelled graph).
func (s *source) graphReadable(r graph.Ref) bool {
	ok, known := s.labelOK[r]
	if known {
		return ok
	}
	name := ""
	if r != nil {
		name = s.term(r).Value
	}
	ok = s.vis.Graph == nil || s.vis.Graph(name)
	s.labelOK[r] = ok
	return ok
}

// resourceReadable applies the caller's resource rule to an IRI (without its fragment: the
// nodes a pill owns, <pill#answer>, follow the pill).
func (s *source) resourceReadable(r graph.Ref) bool {
	if s.vis.Resource == nil || r == nil {
		return true
	}
	ok, known := s.resOK[r]
	if known {
		return ok
	}
	t := s.term(r)
	ok = true
	if t.Kind == IRI {
		doc, _, _ := strings.Cut(t.Value, "#")
		ok = s.vis.Resource(doc)
	}
	s.resOK[r] = ok
	return ok
}

// statementReadable applies the caller's statement rule (internal fields) to a quad's graph,
// subject and predicate references.
func (s *source) statementReadable(g, subj, pred graph.Ref) bool {
	if s.vis.Statement == nil {
		return true
	}
	gn, sn := "", ""
	if g != nil {
		gn = s.term(g).Value
	}
	if t := s.term(subj); t.Kind == IRI {
		sn = t.Value
	}
	return s.vis.Statement(gn, sn, s.term(pred).Value)
}

// inDefault says whether a quad with label reference r belongs to the default graph.
func (s *source) inDefault(r graph.Ref) bool {
	if !s.graphReadable(r) {
		return false
	}
	if s.defaultAll {
		return true
	}
	name := ""
	if r != nil {
		name = s.term(r).Value
	}
	return s.defaultSet[name]
}

// namedGraphs lists the named graphs of the dataset the caller may read.
func (s *source) namedGraphs() ([]Term, error) {
	if !s.namedAll {
		var out []Term
		for _, g := range s.namedList {
			if s.vis.Graph == nil || s.vis.Graph(g.Value) {
				out = append(out, g)
			}
		}
		return out, nil
	}
	names, err := s.allGraphs()
	if err != nil {
		return nil, err
	}
	var out []Term
	for _, n := range names {
		if n != "" && (s.vis.Graph == nil || s.vis.Graph(n)) {
			out = append(out, NewIRI(n))
		}
	}
	return out, nil
}

func (s *source) isNamed(g Term) bool {
	if g.Kind != IRI {
		return false
	}
	if s.vis.Graph != nil && !s.vis.Graph(g.Value) {
		return false
	}
	if s.namedAll {
		return true
	}
	for _, n := range s.namedList {
		if n == g {
			return true
		}
	}
	return false
}

// tick counts work and reports the context's error every 1024 steps.
func (s *source) tick() error {
	s.steps++
	if s.steps&1023 == 0 {
		return s.ctx.Err()
	}
	return nil
}

// match calls yield for each visible triple matching (sp, pp, op) in graph g (Unbound: the
// default graph). Unbound positions are wildcards. In the default graph a triple held by two
// graphs is yielded once (the default graph is their RDF merge).
func (s *source) match(sp, pp, op, g Term, yield func(st, pt, ot Term) bool) error {
	var want [4]graph.Ref
	for i, t := range [4]Term{sp, pp, op, g} {
		if t.Bound() {
			if want[i] = s.ref(t); want[i] == nil {
				return nil // a term the store has never seen matches nothing
			}
		}
	}
	if g.Bound() && !s.isNamed(g) {
		return nil
	}
	var it graph.Iterator
	switch {
	case want[0] != nil:
		it = s.qs.QuadIterator(quad.Subject, want[0])
		s.lookups[0]++
	case want[2] != nil:
		it = s.qs.QuadIterator(quad.Object, want[2])
		s.lookups[2]++
	case want[1] != nil:
		it = s.qs.QuadIterator(quad.Predicate, want[1])
		s.lookups[1]++
	case want[3] != nil:
		it = s.qs.QuadIterator(quad.Label, want[3])
		s.lookups[3]++
	default:
		it = allQuads(s.qs)
		s.scans++
	}
	defer it.Close()
	var seen map[[3]graph.Ref]bool
	if !g.Bound() && (s.defaultAll || len(s.defaultSet) > 1) {
		seen = map[[3]graph.Ref]bool{}
	}
	// Matches are resolved to values in batches: one read of the store for up to matchBatch
	// quads rather than one per value.
	batch := make([][4]graph.Ref, 0, matchBatch)
	stopped := false
	flush := func() error {
		var need []graph.Ref
		asked := map[graph.Ref]bool{}
		for _, q := range batch {
			for i := 0; i < 3; i++ {
				if want[i] != nil || q[i] == nil || asked[q[i]] {
					continue
				}
				if _, ok := s.termOf[q[i]]; !ok {
					asked[q[i]] = true
					need = append(need, q[i])
				}
			}
		}
		if len(need) > 0 {
			vals, err := graph.ValuesOf(s.ctx, s.qs, need)
			if err != nil {
				return err
			}
			for i, r := range need {
				s.termOf[r] = FromQuad(vals[i])
			}
		}
		for _, q := range batch {
			if !s.resourceReadable(q[0]) || !s.resourceReadable(q[2]) || !s.statementReadable(q[3], q[0], q[1]) {
				continue
			}
			if seen != nil {
				k := [3]graph.Ref{q[0], q[1], q[2]}
				if seen[k] {
					continue
				}
				seen[k] = true
			}
			st, pt, ot := sp, pp, op
			if want[0] == nil {
				st = s.term(q[0])
			}
			if want[1] == nil {
				pt = s.term(q[1])
			}
			if want[2] == nil {
				ot = s.term(q[2])
			}
			if !yield(st, pt, ot) {
				stopped = true
				break
			}
		}
		batch = batch[:0]
		return nil
	}
	for it.Next(s.ctx) {
		if err := s.tick(); err != nil {
			return err
		}
		r := it.Result()
		var q [4]graph.Ref
		ok := true
		for i, d := range quad.Directions {
			q[i] = s.qs.QuadDirection(r, d)
			if want[i] != nil && q[i] != want[i] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		if g.Bound() {
			if !s.graphReadable(q[3]) {
				continue
			}
		} else if !s.inDefault(q[3]) {
			continue
		}
		batch = append(batch, q)
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return err
			}
			if stopped {
				return nil
			}
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	return s.ctx.Err()
}

// matchBatch is how many matching quads are resolved to values at once.
const matchBatch = 256

// nodes calls yield for every subject and object of the active graph, once each (the
// zero-length paths of p* with both ends unbound need them). It walks every quad.
func (s *source) nodes(g Term, yield func(Term) bool) error {
	seen := map[Term]bool{}
	return s.match(Term{}, Term{}, Term{}, g, func(st, _, ot Term) bool {
		for _, t := range []Term{st, ot} {
			if !seen[t] {
				seen[t] = true
				if !yield(t) {
					return false
				}
			}
		}
		return true
	})
}

// allIterMu serialises the creation of whole-store iterators: memstore builds a shared copy of
// its index when one is created, which two readers must not do at once (bolt does not care).
var allIterMu sync.Mutex

func allQuads(qs graph.QuadStore) graph.Iterator {
	allIterMu.Lock()
	defer allIterMu.Unlock()
	return qs.QuadsAllIterator()
}
