package sparql

import (
	"context"
	"fmt"

	"github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/quad"
)

// Reasoning (package doc). The engine keeps in memory only the triples of a fixed set of
// schema and relation predicates — rdfs:subClassOf, subPropertyOf, domain, range, the SKOS
// semantic relations and mappings, owl:sameAs — with their graph, found by one pass over the
// store and dropped when the store changes. Instance triples are never copied: a triple
// pattern is rewritten at query time into lookups of the store (a union over sub-properties,
// sub-classes, and the properties whose domain or range gives a type), and the relation
// predicates are answered from the in-memory edges with their closures walked per query.
// Every edge goes through the query's dataset and visibility before it is used.

const (
	rdfsNS      = "http://www.w3.org/2000/01/rdf-schema#"
	skosNS      = "http://www.w3.org/2004/02/skos/core#"
	owlSameAs   = "http://www.w3.org/2002/07/owl#sameAs"
	rdfsSubClas = rdfsNS + "subClassOf"
	rdfsSubProp = rdfsNS + "subPropertyOf"
	rdfsDomain  = rdfsNS + "domain"
	rdfsRange   = rdfsNS + "range"
)

// MaxSchemaEdges bounds the memory of the entailment tables.
const MaxSchemaEdges = 2_000_000

// skosAxioms are the sub-property axioms of the SKOS reference (§8.6, §10.6).
var skosAxioms = [][2]string{
	{"broader", "broaderTransitive"}, {"narrower", "narrowerTransitive"},
	{"broaderTransitive", "semanticRelation"}, {"narrowerTransitive", "semanticRelation"},
	{"related", "semanticRelation"}, {"broadMatch", "broader"}, {"narrowMatch", "narrower"},
	{"relatedMatch", "related"}, {"exactMatch", "closeMatch"}, {"closeMatch", "mappingRelation"},
	{"broadMatch", "mappingRelation"}, {"narrowMatch", "mappingRelation"}, {"relatedMatch", "mappingRelation"},
	{"mappingRelation", "semanticRelation"},
}

var (
	skosInverse = map[string]string{
		skosNS + "broader": skosNS + "narrower", skosNS + "narrower": skosNS + "broader",
		skosNS + "broaderTransitive": skosNS + "narrowerTransitive", skosNS + "narrowerTransitive": skosNS + "broaderTransitive",
		skosNS + "broadMatch": skosNS + "narrowMatch", skosNS + "narrowMatch": skosNS + "broadMatch",
	}
	skosSymmetric = map[string]bool{
		skosNS + "related": true, skosNS + "relatedMatch": true, skosNS + "closeMatch": true, skosNS + "exactMatch": true,
	}
	skosTransitive = map[string]bool{
		skosNS + "broaderTransitive": true, skosNS + "narrowerTransitive": true, skosNS + "exactMatch": true,
	}
)

// skosRelations are the SKOS predicates answered from memory.
var skosRelations = func() map[string]bool {
	m := map[string]bool{}
	for _, a := range skosAxioms {
		m[skosNS+a[0]], m[skosNS+a[1]] = true, true
	}
	return m
}()

type edge struct {
	s, o  Term
	graph string
	sref  graph.Ref
	oref  graph.Ref
	lref  graph.Ref
}

// schema holds the edges of the schema and relation predicates.
type schema struct {
	edges map[string][]edge // predicate IRI → edges
}

// schemaPredicates are the predicates whose triples the schema keeps.
func schemaPredicates() []string {
	ps := []string{rdfsSubClas, rdfsSubProp, rdfsDomain, rdfsRange, owlSameAs}
	for p := range skosRelations {
		ps = append(ps, p)
	}
	return ps
}

// schemaFor returns the entailment tables, built by one walk of the store when missing.
func (e *Engine) schemaFor(ctx context.Context, qs graph.QuadStore) (*schema, error) {
	e.mu.Lock()
	if e.schema != nil {
		sc := e.schema
		e.mu.Unlock()
		return sc, nil
	}
	e.mu.Unlock()
	want := map[graph.Ref]string{}
	for _, p := range schemaPredicates() {
		if r := qs.ValueOf(quad.IRI(p)); r != nil {
			want[r] = p
		}
	}
	sc := &schema{edges: map[string][]edge{}}
	if len(want) > 0 {
		it := allQuads(qs)
		n := 0
		for it.Next(ctx) {
			r := it.Result()
			p, ok := want[qs.QuadDirection(r, quad.Predicate)]
			if !ok {
				continue
			}
			n++
			if n > MaxSchemaEdges {
				it.Close()
				return nil, &Error{Kind: ErrTooBig, Msg: "too many schema and relation triples for reasoning", Limit: MaxSchemaEdges}
			}
			ed := edge{sref: qs.QuadDirection(r, quad.Subject), oref: qs.QuadDirection(r, quad.Object), lref: qs.QuadDirection(r, quad.Label)}
			ed.s, ed.o = FromQuad(qs.NameOf(ed.sref)), FromQuad(qs.NameOf(ed.oref))
			if ed.lref != nil {
				ed.graph = FromQuad(qs.NameOf(ed.lref)).Value
			}
			sc.edges[p] = append(sc.edges[p], ed)
		}
		err := it.Err()
		it.Close()
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			return nil, err
		}
	}
	e.mu.Lock()
	e.schema = sc
	e.mu.Unlock()
	return sc, nil
}

// entailment is the reasoning of one query: the schema seen through the query's dataset and
// visibility, with the relations it needed so far.
type entailment struct {
	regime Entailment
	schema *schema
	ready  bool
	rels   map[string]map[Term][]Term // entailed one-step relation per predicate (forward)
	inv    map[string]map[Term][]Term // the same, backward
	super  map[string][]string        // property → its super-properties (reflexive, transitive)
	sub    map[string][]string        // property → its sub-properties (reflexive, transitive)
	csuper map[Term][]Term            // class → super-classes (reflexive, transitive)
	csub   map[Term][]Term            // class → sub-classes
	domain map[string][]Term
	rng    map[string][]Term
	same   map[Term][]Term // owl:sameAs classes (members include the term itself)
}

func (en *entailment) rdfs() bool { return en.regime == EntailRDFS || en.regime == EntailFull }
func (en *entailment) skos() bool { return en.regime == EntailSKOS || en.regime == EntailFull }
func (en *entailment) owl() bool  { return en.regime == EntailFull }

// visible keeps the edges the query may use: in the default graph and readable.
func (en *entailment) visible(ev *evaluator, p string) []edge {
	var out []edge
	for _, e := range en.schema.edges[p] {
		if ev.src.inDefault(e.lref) && ev.src.resourceReadable(e.sref) && ev.src.resourceReadable(e.oref) &&
			(ev.src.vis.Statement == nil || ev.src.vis.Statement(e.graph, iriValue(e.s), p)) {
			out = append(out, e)
		}
	}
	return out
}

func closure(start Term, next map[Term][]Term) []Term {
	seen := map[Term]bool{start: true}
	out := []Term{start}
	for i := 0; i < len(out); i++ {
		for _, n := range next[out[i]] {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

// prepare builds the per-query tables from the visible edges.
func (en *entailment) prepare(ev *evaluator) {
	if en.ready {
		return
	}
	en.ready = true
	en.rels, en.inv = map[string]map[Term][]Term{}, map[string]map[Term][]Term{}
	en.super, en.sub = map[string][]string{}, map[string][]string{}
	en.csuper, en.csub = map[Term][]Term{}, map[Term][]Term{}
	en.domain, en.rng = map[string][]Term{}, map[string][]Term{}
	en.same = map[Term][]Term{}

	// property hierarchy: the data's rdfs:subPropertyOf (RDFS) and the SKOS axioms (SKOS)
	up := map[Term][]Term{}
	down := map[Term][]Term{}
	addSP := func(a, b Term) {
		up[a] = append(up[a], b)
		down[b] = append(down[b], a)
	}
	if en.rdfs() {
		for _, e := range en.visible(ev, rdfsSubProp) {
			addSP(e.s, e.o)
		}
	}
	if en.skos() {
		for _, a := range skosAxioms {
			addSP(NewIRI(skosNS+a[0]), NewIRI(skosNS+a[1]))
		}
	}
	for p := range up {
		for _, x := range closure(p, up) {
			en.super[p.Value] = append(en.super[p.Value], x.Value)
		}
	}
	for p := range down {
		for _, x := range closure(p, down) {
			en.sub[p.Value] = append(en.sub[p.Value], x.Value)
		}
	}
	if en.rdfs() {
		cu, cd := map[Term][]Term{}, map[Term][]Term{}
		for _, e := range en.visible(ev, rdfsSubClas) {
			cu[e.s] = append(cu[e.s], e.o)
			cd[e.o] = append(cd[e.o], e.s)
		}
		for c := range cu {
			en.csuper[c] = closure(c, cu)
		}
		for c := range cd {
			en.csub[c] = closure(c, cd)
		}
		for _, e := range en.visible(ev, rdfsDomain) {
			en.domain[e.s.Value] = append(en.domain[e.s.Value], e.o)
		}
		for _, e := range en.visible(ev, rdfsRange) {
			en.rng[e.s.Value] = append(en.rng[e.s.Value], e.o)
		}
	}
	if en.owl() {
		adj := map[Term][]Term{}
		for _, e := range en.visible(ev, owlSameAs) {
			adj[e.s] = append(adj[e.s], e.o)
			adj[e.o] = append(adj[e.o], e.s)
		}
		for t := range adj {
			if _, done := en.same[t]; !done {
				cls := closure(t, adj)
				for _, m := range cls {
					en.same[m] = cls
				}
			}
		}
	}
}

func (en *entailment) supers(p string) []string {
	if s, ok := en.super[p]; ok {
		return s
	}
	return []string{p}
}

func (en *entailment) subs(p string) []string {
	if s, ok := en.sub[p]; ok {
		return s
	}
	return []string{p}
}

func (en *entailment) superClasses(c Term) []Term {
	if s, ok := en.csuper[c]; ok {
		return s
	}
	return []Term{c}
}

func (en *entailment) subClasses(c Term) []Term {
	if s, ok := en.csub[c]; ok {
		return s
	}
	return []Term{c}
}

// inMemory reports whether a predicate is answered from the in-memory edges.
func (en *entailment) inMemory(p string) bool {
	switch {
	case en.skos() && skosRelations[p]:
		return true
	case en.rdfs() && (p == rdfsSubClas || p == rdfsSubProp):
		return true
	case en.owl() && p == owlSameAs:
		return true
	}
	return false
}

// relation returns the entailed one-step relation of an in-memory predicate (forward and
// backward): its own edges, those of its sub-properties, the inverse property's edges turned
// round, and both directions of a symmetric one. Transitive ones are walked by memMatch.
func (en *entailment) relation(ev *evaluator, p string) (map[Term][]Term, map[Term][]Term) {
	if r, ok := en.rels[p]; ok {
		return r, en.inv[p]
	}
	fwd, bwd := map[Term][]Term{}, map[Term][]Term{}
	add := func(a, b Term) {
		fwd[a] = append(fwd[a], b)
		bwd[b] = append(bwd[b], a)
	}
	for _, q := range en.subs(p) {
		if !en.inMemory(q) && q != p {
			continue
		}
		sym := (en.skos() && (skosSymmetric[q] || skosSymmetric[p])) || q == owlSameAs
		for _, e := range en.visible(ev, q) {
			add(e.s, e.o)
			if sym {
				add(e.o, e.s)
			}
		}
		if inv, ok := skosInverse[q]; ok && en.skos() {
			for _, iq := range en.subs(inv) {
				for _, e := range en.visible(ev, iq) {
					add(e.o, e.s)
				}
			}
		}
	}
	en.rels[p], en.inv[p] = fwd, bwd
	return fwd, bwd
}

// memMatch answers (s, p, o) for an in-memory predicate.
func (en *entailment) memMatch(ev *evaluator, s Term, p string, o Term, yield func(s, p, o Term) bool) bool {
	fwd, bwd := en.relation(ev, p)
	trans := (en.skos() && skosTransitive[p]) || (en.rdfs() && (p == rdfsSubClas || p == rdfsSubProp)) || p == owlSameAs
	pt := NewIRI(p)
	from := func(a Term, next map[Term][]Term, emit func(Term) bool) bool {
		if !trans {
			for _, b := range next[a] {
				if !emit(b) {
					return false
				}
			}
			return true
		}
		seen := map[Term]bool{}
		queue := append([]Term(nil), next[a]...)
		for len(queue) > 0 {
			b := queue[0]
			queue = queue[1:]
			if seen[b] {
				continue
			}
			seen[b] = true
			if !emit(b) {
				return false
			}
			queue = append(queue, next[b]...)
		}
		return true
	}
	switch {
	case s.Bound():
		return from(s, fwd, func(b Term) bool {
			if o.Bound() && b != o {
				return true
			}
			return yield(s, pt, b)
		})
	case o.Bound():
		return from(o, bwd, func(a Term) bool { return yield(a, pt, o) })
	}
	for a := range fwd {
		if !from(a, fwd, func(b Term) bool { return yield(a, pt, b) }) {
			return false
		}
	}
	return true
}

// match yields the entailed triples matching (s, p, o) in the default graph, each once.
func (en *entailment) match(ev *evaluator, s, p, o Term, yield func(s, p, o Term) bool) error {
	en.prepare(ev)
	seen := map[[3]Term]bool{}
	stopped := false
	emit := func(a, b, c Term) bool {
		if stopped {
			return false
		}
		k := [3]Term{a, b, c}
		if seen[k] {
			return true
		}
		seen[k] = true
		if len(seen) > int(ev.maxHeld) && ev.maxHeld > 0 {
			ev.hold(int(ev.maxHeld) + 1)
			stopped = true
			return false
		}
		if !yield(a, b, c) {
			stopped = true
			return false
		}
		return true
	}
	if !en.owl() || len(en.same) == 0 {
		return en.matchPlain(ev, s, p, o, emit)
	}
	// owl:sameAs: a bound term stands for its whole class; a free position yields every member
	members := func(t Term) []Term {
		if m, ok := en.same[t]; ok {
			return m
		}
		return []Term{t}
	}
	ss, os := []Term{s}, []Term{o}
	if s.Bound() {
		ss = members(s)
	}
	if o.Bound() {
		os = members(o)
	}
	for _, s1 := range ss {
		for _, o1 := range os {
			err := en.matchPlain(ev, s1, p, o1, func(a, b, c Term) bool {
				as, cs := []Term{a}, []Term{c}
				if s.Bound() {
					as = []Term{s}
				} else {
					as = members(a)
				}
				if o.Bound() {
					cs = []Term{o}
				} else if c.Kind != Literal {
					cs = members(c)
				}
				for _, x := range as {
					for _, y := range cs {
						if !emit(x, b, y) {
							return false
						}
					}
				}
				return true
			})
			if err != nil || stopped {
				return err
			}
		}
	}
	return nil
}

// matchPlain applies the RDFS and SKOS rules (no owl:sameAs).
func (en *entailment) matchPlain(ev *evaluator, s, p, o Term, emit func(s, p, o Term) bool) error {
	if p.Bound() {
		return en.matchPred(ev, s, p.Value, o, emit)
	}
	// any predicate: the stored triples with their super-properties, the in-memory
	// relations, and the entailed types
	stopped := false
	err := ev.src.match(s, Term{}, o, Term{}, func(a, b, c Term) bool {
		if en.inMemory(b.Value) {
			return true
		}
		for _, q := range en.supers(b.Value) {
			if en.inMemory(q) {
				continue
			}
			if !emit(a, NewIRI(q), c) {
				stopped = true
				return false
			}
		}
		return true
	})
	if err != nil || stopped {
		return err
	}
	for _, q := range schemaPredicates() {
		if en.inMemory(q) {
			if !en.memMatch(ev, s, q, o, emit) {
				return nil
			}
		}
	}
	if en.rdfs() {
		return en.matchType(ev, s, o, emit)
	}
	return nil
}

func (en *entailment) matchPred(ev *evaluator, s Term, p string, o Term, emit func(s, p, o Term) bool) error {
	if en.inMemory(p) {
		en.memMatch(ev, s, p, o, emit)
		return nil
	}
	if p == rdfType && en.rdfs() {
		return en.matchType(ev, s, o, emit)
	}
	pt := NewIRI(p)
	for _, q := range en.subs(p) {
		stopped := false
		err := ev.src.match(s, NewIRI(q), o, Term{}, func(a, _, c Term) bool {
			if !emit(a, pt, c) {
				stopped = true
				return false
			}
			return true
		})
		if err != nil || stopped {
			return err
		}
	}
	return nil
}

// matchType answers (s, rdf:type, c) with rdfs2, rdfs3, rdfs7 and rdfs9: stated types and
// their super-classes, and the types the domain and range of the properties give.
func (en *entailment) matchType(ev *evaluator, s, c Term, emit func(s, p, o Term) bool) error {
	typ := NewIRI(rdfType)
	stopped := false
	give := func(x Term, classes []Term) bool {
		if x.Kind == Literal {
			return true
		}
		for _, k := range classes {
			for _, sup := range en.superClasses(k) {
				if c.Bound() && sup != c {
					continue
				}
				if !emit(x, typ, sup) {
					stopped = true
					return false
				}
			}
		}
		return true
	}
	// stated types: with a bound class, its sub-classes are looked up by the object index
	if c.Bound() {
		for _, k := range en.subClasses(c) {
			err := ev.src.match(s, typ, k, Term{}, func(a, _, _ Term) bool { return give(a, []Term{c}) })
			if err != nil || stopped {
				return err
			}
		}
	} else {
		err := ev.src.match(s, typ, Term{}, Term{}, func(a, _, k Term) bool { return give(a, []Term{k}) })
		if err != nil || stopped {
			return err
		}
	}
	// types from domains and ranges: the properties (and their sub-properties) concerned
	for _, pair := range []struct {
		m       map[string][]Term
		subject bool
	}{{en.domain, true}, {en.rng, false}} {
		for prop, classes := range pair.m {
			if c.Bound() {
				hit := false
				for _, k := range classes {
					for _, sup := range en.superClasses(k) {
						hit = hit || sup == c
					}
				}
				if !hit {
					continue
				}
			}
			if prop == rdfType {
				continue // rdf:type's own domain would recurse; RDFS gives it rdfs:Resource only
			}
			var a, b Term
			if pair.subject {
				a = s
			} else {
				b = s
			}
			err := en.matchPred(ev, a, prop, b, func(x, _, y Term) bool {
				if pair.subject {
					return give(x, classes)
				}
				return give(y, classes)
			})
			if err != nil || stopped {
				return err
			}
		}
	}
	return nil
}

func (en *entailment) String() string { return fmt.Sprintf("entailment(%s)", en.regime) }

// iriValue is t's IRI, or "" when t is not an IRI (the Statement rule's subject).
func iriValue(t Term) string {
	if t.Kind == IRI {
		return t.Value
	}
	return ""
}
