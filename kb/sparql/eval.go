package sparql

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"
)

// solution is one row of variable bindings, indexed by variable slot; Unbound terms are unset.
type solution []Term

func (s solution) clone() solution { return append(solution(nil), s...) }

func (s solution) empty() bool {
	for _, t := range s {
		if t.Bound() {
			return false
		}
	}
	return true
}

// compatible reports whether two solutions agree on every variable both bind.
func compatible(a, b solution) bool {
	for i := range a {
		if a[i].Bound() && b[i].Bound() && a[i] != b[i] {
			return false
		}
	}
	return true
}

func merge(a, b solution) solution {
	out := a.clone()
	for i, t := range b {
		if t.Bound() {
			out[i] = t
		}
	}
	return out
}

func (s solution) key(vars []int) string {
	var b strings.Builder
	for _, v := range vars {
		t := s[v]
		b.WriteByte(byte('0' + t.Kind))
		b.WriteString(t.Value)
		b.WriteByte(0)
		b.WriteString(t.Lang)
		b.WriteByte(0)
		b.WriteString(t.Datatype)
		b.WriteByte(0)
	}
	return b.String()
}

func (s solution) fullKey() string {
	vars := make([]int, len(s))
	for i := range vars {
		vars[i] = i
	}
	return s.key(vars)
}

type cacheKey struct {
	p pattern
	g Term
}

// evaluator runs one query.
type evaluator struct {
	ctx     context.Context
	src     *source
	ent     *entailment // nil without reasoning
	nvars   int
	vt      *varTable
	now     time.Time
	err     error
	exists  int // > 0 inside EXISTS: substitution semantics everywhere (§18.6)
	cache   map[cacheKey][]solution
	held    int64 // solutions held in memory by materialising operators
	maxHeld int64
	bnodeN  int
	bnodeID string
	timeout time.Duration
	solN    int // solutions extended so far: BNODE(str) is new for each
	// zeroFromVar: the bound end of the path being matched came from a variable
	zeroFromVar bool
	base        string // base IRI of the query, for IRI()
}

func (ev *evaluator) fail(err error) bool {
	if ev.err == nil {
		ev.err = err
	}
	return false
}

// hold accounts for n solutions kept in memory and fails beyond the bound.
func (ev *evaluator) hold(n int) bool {
	ev.held += int64(n)
	if ev.maxHeld > 0 && ev.held > ev.maxHeld {
		return ev.fail(&Error{Kind: ErrTooBig, Msg: "intermediate results beyond the memory bound", Limit: ev.maxHeld})
	}
	return true
}

func (ev *evaluator) storeErr(err error) bool {
	if err == nil {
		return true
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return ev.fail(&Error{Kind: ErrTimeout, Msg: "time limit exceeded", Limit: int64(ev.timeout / time.Second)})
	}
	return ev.fail(&Error{Kind: ErrInternal, Msg: err.Error()})
}

func (ev *evaluator) newSolution() solution { return make(solution, ev.nvars) }

// substitutable reports whether evaluating pt with the bindings of an input solution
// substituted gives the join of the input with pt's own solutions. True for the patterns that
// have no filter scope of their own; the others are evaluated on their own and joined.
func substitutable(pt pattern) bool {
	switch x := pt.(type) {
	case *bgp, *valuesP:
		return true
	case *join:
		return substitutable(x.l) && substitutable(x.r)
	case *union:
		return substitutable(x.l) && substitutable(x.r)
	case *graphP:
		return substitutable(x.p)
	}
	return false
}

// eval calls yield for each solution of pt joined with the input solution in, in active graph g
// (Unbound: the default graph). It returns false when evaluation stopped (yield said so, or an
// error was recorded in ev.err).
func (ev *evaluator) eval(pt pattern, in solution, g Term, yield func(solution) bool) bool {
	if ev.err != nil {
		return false
	}
	if ev.exists == 0 && !substitutable(pt) && !in.empty() {
		return ev.joinIndependent(pt, in, g, yield)
	}
	switch x := pt.(type) {
	case *bgp:
		return ev.evalBGP(x, in, g, yield)
	case *join:
		return ev.eval(x.l, in, g, func(a solution) bool {
			return ev.eval(x.r, a, g, yield)
		})
	case *union:
		return ev.eval(x.l, in, g, yield) && ev.eval(x.r, in, g, yield)
	case *leftJoin:
		return ev.eval(x.l, in, g, func(a solution) bool {
			matched := false
			ok := ev.eval(x.r, a, g, func(b solution) bool {
				if x.cond != nil && !ev.ebvTrue(x.cond, b, g) {
					return true
				}
				matched = true
				return yield(b)
			})
			if !ok {
				return false
			}
			if !matched {
				return yield(a)
			}
			return true
		})
	case *filterP:
		return ev.eval(x.p, in, g, func(a solution) bool {
			for _, c := range x.conds {
				if !ev.ebvTrue(c, a, g) {
					return ev.err == nil
				}
			}
			return yield(a)
		})
	case *minusP:
		right, ok := ev.materialise(x.r, g)
		if !ok {
			return false
		}
		return ev.eval(x.l, in, g, func(a solution) bool {
			if err := ev.src.tick(); err != nil {
				return ev.storeErr(err)
			}
			for _, b := range right {
				if compatible(a, b) && sharesVar(a, b) {
					return true
				}
			}
			return yield(a)
		})
	case *graphP:
		return ev.evalGraph(x, in, yield)
	case *extend:
		return ev.eval(x.p, in, g, func(a solution) bool {
			ev.solN++
			val, ok := ev.evalExpr(x.e, a, g)
			if ev.err != nil {
				return false
			}
			if a[x.v].Bound() {
				if ok && val != a[x.v] {
					return true
				}
				return yield(a)
			}
			if !ok {
				return yield(a)
			}
			b := a.clone()
			b[x.v] = val
			return yield(b)
		})
	case *valuesP:
		for _, row := range x.rows {
			b := in.clone()
			ok := true
			for i, v := range x.vars {
				if !row[i].Bound() {
					continue
				}
				if b[v].Bound() && b[v] != row[i] {
					ok = false
					break
				}
				b[v] = row[i]
			}
			if ok && !yield(b) {
				return false
			}
		}
		return true
	case *subquery:
		rows, ok := ev.materialise(x, g)
		if !ok {
			return false
		}
		for _, b := range rows {
			if compatible(in, b) && !yield(merge(in, b)) {
				return false
			}
		}
		return true
	}
	return ev.fail(&Error{Kind: ErrInternal, Msg: "unknown pattern"})
}

func sharesVar(a, b solution) bool {
	for i := range a {
		if a[i].Bound() && b[i].Bound() {
			return true
		}
	}
	return false
}

// materialise evaluates pt on its own (no input bindings) once per active graph and keeps the
// solutions for the rest of the query.
func (ev *evaluator) materialise(pt pattern, g Term) ([]solution, bool) {
	k := cacheKey{pt, g}
	if rows, ok := ev.cache[k]; ok {
		return rows, true
	}
	var rows []solution
	var ok bool
	if sq, isSub := pt.(*subquery); isSub {
		rows, ok = ev.evalSubquery(sq.q, g)
	} else {
		saved := ev.exists
		ev.exists = 0
		ok = ev.eval(pt, ev.newSolution(), g, func(s solution) bool {
			rows = append(rows, s)
			return ev.hold(1)
		})
		ev.exists = saved
	}
	if !ok && ev.err != nil {
		return nil, false
	}
	if ev.cache == nil {
		ev.cache = map[cacheKey][]solution{}
	}
	ev.cache[k] = rows
	return rows, true
}

func (ev *evaluator) joinIndependent(pt pattern, in solution, g Term, yield func(solution) bool) bool {
	rows, ok := ev.materialise(pt, g)
	if !ok {
		return false
	}
	for _, b := range rows {
		if err := ev.src.tick(); err != nil {
			return ev.storeErr(err)
		}
		if compatible(in, b) && !yield(merge(in, b)) {
			return false
		}
	}
	return true
}

func (ev *evaluator) evalGraph(x *graphP, in solution, yield func(solution) bool) bool {
	gt := x.g.t
	if x.g.isVar() {
		gt = in[x.g.v]
	}
	if gt.Bound() {
		if !ev.src.isNamed(gt) {
			return true
		}
		return ev.eval(x.p, in, gt, func(s solution) bool {
			if x.g.isVar() && !s[x.g.v].Bound() {
				s = s.clone()
				s[x.g.v] = gt
			}
			return yield(s)
		})
	}
	graphs, err := ev.src.namedGraphs()
	if err != nil {
		return ev.storeErr(err)
	}
	for _, gn := range graphs {
		b := in.clone()
		b[x.g.v] = gn
		if !ev.eval(x.p, b, gn, yield) {
			return false
		}
	}
	return true
}

// --- basic graph patterns -------------------------------------------------------------------

// cost ranks a triple pattern for the join order given the variables already bound: lower is
// more selective (package doc, plan rules).
func cost(t triple, bound func(slot) bool) int {
	s, p, o := bound(t.s), bound(t.p), bound(t.o)
	if t.path != nil {
		switch {
		case s && o:
			return 1
		case s || o:
			return 3
		}
		return 9
	}
	switch {
	case s && o:
		return 0
	case s:
		return 1
	case o && p && t.p.t.Value == rdfType && !t.p.isVar():
		return 4 // (?, rdf:type, C) is a large list in a knowledge base
	case o:
		return 2
	case p:
		return 6
	}
	return 10
}

// order sorts the triples of a BGP: repeatedly the cheapest one given the variables bound so
// far (by the input and by the triples already placed), ties kept in query order.
func order(ts []triple, in solution) []triple {
	boundVars := map[int]bool{}
	for i, t := range in {
		if t.Bound() {
			boundVars[i] = true
		}
	}
	isBound := func(s slot) bool { return !s.isVar() || boundVars[s.v] }
	rest := append([]triple(nil), ts...)
	out := make([]triple, 0, len(ts))
	for len(rest) > 0 {
		best, bc := 0, 1<<30
		for i, t := range rest {
			if c := cost(t, isBound); c < bc {
				best, bc = i, c
			}
		}
		t := rest[best]
		out = append(out, t)
		rest = append(rest[:best], rest[best+1:]...)
		for _, s := range []slot{t.s, t.p, t.o} {
			if s.isVar() {
				boundVars[s.v] = true
			}
		}
	}
	return out
}

func (ev *evaluator) evalBGP(b *bgp, in solution, g Term, yield func(solution) bool) bool {
	if len(b.triples) == 0 {
		return yield(in)
	}
	ts := b.triples
	if len(ts) > 1 {
		ts = order(ts, in)
	}
	return ev.matchAll(ts, in, g, yield)
}

func (ev *evaluator) matchAll(ts []triple, sol solution, g Term, yield func(solution) bool) bool {
	if len(ts) == 0 {
		return yield(sol)
	}
	t := ts[0]
	return ev.matchTriple(t, sol, g, func(s solution) bool {
		return ev.matchAll(ts[1:], s, g, yield)
	})
}

func (s solution) value(sl slot) Term {
	if sl.isVar() {
		return s[sl.v]
	}
	return sl.t
}

// bindSlot binds sl to t in sol (copying sol on first change); false when it conflicts.
func bindSlot(sol solution, copied *bool, sl slot, t Term) (solution, bool) {
	if !sl.isVar() {
		return sol, sl.t == t
	}
	if sol[sl.v].Bound() {
		return sol, sol[sl.v] == t
	}
	if !*copied {
		sol = sol.clone()
		*copied = true
	}
	sol[sl.v] = t
	return sol, true
}

func (ev *evaluator) matchTriple(t triple, sol solution, g Term, yield func(solution) bool) bool {
	st, ot := sol.value(t.s), sol.value(t.o)
	if t.path != nil {
		// a zero-length path from a term bound by another pattern needs the term in the
		// graph, as when the path is evaluated on its own and joined (values_and_path)
		saved := ev.zeroFromVar
		ev.zeroFromVar = (t.s.isVar() && st.Bound()) || (t.o.isVar() && ot.Bound())
		defer func() { ev.zeroFromVar = saved }()
		return ev.evalPath(t.path, st, ot, g, func(a, b Term) bool {
			copied := false
			s, ok := bindSlot(sol, &copied, t.s, a)
			if !ok {
				return true
			}
			s, ok = bindSlot(s, &copied, t.o, b)
			if !ok {
				return true
			}
			return yield(s)
		})
	}
	pt := sol.value(t.p)
	if (st.Bound() && st.Kind == Literal) || (pt.Bound() && pt.Kind != IRI) {
		return true
	}
	stopped := false
	err := ev.matchStore(st, pt, ot, g, func(a, p, b Term) bool {
		copied := false
		s, ok := bindSlot(sol, &copied, t.s, a)
		if ok {
			s, ok = bindSlot(s, &copied, t.p, p)
		}
		if ok {
			s, ok = bindSlot(s, &copied, t.o, b)
		}
		if !ok {
			return true
		}
		if !yield(s) {
			stopped = true
			return false
		}
		return true
	})
	if err != nil {
		return ev.storeErr(err)
	}
	return !stopped && ev.err == nil
}

// matchStore matches one triple pattern against the store, or against the entailed graph
// when reasoning is on (only in the default graph).
func (ev *evaluator) matchStore(s, p, o, g Term, yield func(s, p, o Term) bool) error {
	if ev.ent != nil && !g.Bound() {
		return ev.ent.match(ev, s, p, o, yield)
	}
	return ev.src.match(s, p, o, g, yield)
}

// --- ordering helpers -----------------------------------------------------------------------

func sortSolutions(rows []solution, keys []orderKey, ev *evaluator) {
	vals := make([][]Term, len(rows))
	for i, r := range rows {
		vals[i] = make([]Term, len(keys))
		for j, k := range keys {
			if t, ok := ev.evalExpr(k.e, r, Term{}); ok {
				vals[i][j] = t
			}
		}
	}
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		for j, k := range keys {
			c := compareTerms(vals[idx[a]][j], vals[idx[b]][j])
			if c != 0 {
				if k.desc {
					return c > 0
				}
				return c < 0
			}
		}
		return false
	})
	sorted := make([]solution, len(rows))
	for i, j := range idx {
		sorted[i] = rows[j]
	}
	copy(rows, sorted)
}
