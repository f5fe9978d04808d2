package sparql

// Property paths (§9, §18.4). Link, inverse, sequence and alternative paths have bag
// semantics; p*, p+ and p? give each pair of ends once. Closures are breadth-first walks from
// the bound end, one indexed lookup per node reached; with both ends unbound they start from
// every node of the active graph.

// evalPath calls yield with each (start, end) pair of path pt; s and o are the bound ends
// (Unbound when free).
func (ev *evaluator) evalPath(pt path, s, o, g Term, yield func(a, b Term) bool) bool {
	if ev.err != nil {
		return false
	}
	switch x := pt.(type) {
	case pLink:
		stopped := false
		err := ev.matchStore(s, NewIRI(x.iri), o, g, func(a, _, b Term) bool {
			if !yield(a, b) {
				stopped = true
				return false
			}
			return true
		})
		if err != nil {
			return ev.storeErr(err)
		}
		return !stopped && ev.err == nil
	case pInv:
		return ev.evalPath(x.p, o, s, g, func(a, b Term) bool { return yield(b, a) })
	case pAlt:
		return ev.evalPath(x.l, s, o, g, yield) && ev.evalPath(x.r, s, o, g, yield)
	case pSeq:
		if !s.Bound() && o.Bound() {
			return ev.evalPath(x.r, Term{}, o, g, func(m, b Term) bool {
				return ev.evalPath(x.l, Term{}, m, g, func(a, _ Term) bool { return yield(a, b) })
			})
		}
		return ev.evalPath(x.l, s, Term{}, g, func(a, m Term) bool {
			return ev.evalPath(x.r, m, o, g, func(_, b Term) bool { return yield(a, b) })
		})
	case pNegSet:
		return ev.evalNegSet(x, s, o, g, yield)
	case pOpt:
		return ev.closure(x.p, s, o, g, true, false, yield)
	case pStar:
		return ev.closure(x.p, s, o, g, true, true, yield)
	case pPlus:
		return ev.closure(x.p, s, o, g, false, true, yield)
	}
	return ev.fail(&Error{Kind: ErrInternal, Msg: "unknown path"})
}

func (ev *evaluator) evalNegSet(x pNegSet, s, o, g Term, yield func(a, b Term) bool) bool {
	excluded := func(list []string, p Term) bool {
		for _, iri := range list {
			if p.Value == iri {
				return true
			}
		}
		return false
	}
	stopped := false
	run := func(list []string, a, b Term, inv bool) bool {
		err := ev.matchStore(a, Term{}, b, g, func(x, p, y Term) bool {
			if excluded(list, p) {
				return true
			}
			if inv {
				x, y = y, x
			}
			if !yield(x, y) {
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
	// !(a|^b): forward links other than a, and inverse links other than b; a set with only
	// inverse members has no forward part and vice versa.
	if len(x.fwd) > 0 || len(x.inv) == 0 {
		if !run(x.fwd, s, o, false) {
			return false
		}
	}
	if len(x.inv) > 0 {
		return run(x.inv, o, s, true)
	}
	return true
}

// closure evaluates p? (zero, !more), p* (zero, more) and p+ (!zero, more) with set semantics.
func (ev *evaluator) closure(p path, s, o, g Term, zero, more bool, yield func(a, b Term) bool) bool {
	switch {
	case s.Bound():
		return ev.reach(p, s, o, g, zero, more, false, func(b Term) bool { return yield(s, b) })
	case o.Bound():
		return ev.reach(p, o, s, g, zero, more, true, func(a Term) bool { return yield(a, o) })
	}
	// both ends free: walk from every node (zero-length paths need them all), or from every
	// start of p when zero-length paths are not wanted.
	var starts []Term
	seen := map[Term]bool{}
	collect := func(t Term) bool {
		if !seen[t] {
			seen[t] = true
			starts = append(starts, t)
		}
		return ev.hold(1)
	}
	if zero {
		if err := ev.src.nodes(g, collect); err != nil {
			return ev.storeErr(err)
		}
	} else if !ev.evalPath(p, Term{}, Term{}, g, func(a, _ Term) bool { return collect(a) }) {
		return false
	}
	if ev.err != nil {
		return false
	}
	for _, a := range starts {
		if !ev.reach(p, a, Term{}, g, zero, more, false, func(b Term) bool { return yield(a, b) }) {
			return false
		}
	}
	return true
}

// reach yields the distinct nodes reachable from start through p (backwards when inv),
// including start itself when zero; when target is bound only it is yielded, once.
func (ev *evaluator) reach(p path, start, target, g Term, zero, more, inv bool, yield func(Term) bool) bool {
	visited := map[Term]bool{}
	stopped := false // the consumer asked to stop
	// emit reports whether the walk goes on: it ends when the target is found.
	emit := func(t Term) bool {
		if target.Bound() {
			if t == target {
				stopped = !yield(t)
				return false
			}
			return true
		}
		if !yield(t) {
			stopped = true
			return false
		}
		return true
	}
	step := func(from Term, fn func(Term) bool) bool {
		if inv {
			return ev.evalPath(p, Term{}, from, g, func(a, _ Term) bool { return fn(a) })
		}
		return ev.evalPath(p, from, Term{}, g, func(_, b Term) bool { return fn(b) })
	}
	if zero && (!ev.zeroFromVar || ev.inGraph(start, g)) {
		visited[start] = true
		if !emit(start) {
			return !stopped && ev.err == nil
		}
	}
	frontier := []Term{start}
	walking := true
	for walking && len(frontier) > 0 {
		var next []Term
		for _, n := range frontier {
			step(n, func(b Term) bool {
				if visited[b] {
					return true
				}
				visited[b] = true
				if ev.maxHeld > 0 && int64(len(visited)) > ev.maxHeld {
					ev.hold(int(ev.maxHeld) + 1)
					walking = false
					return false
				}
				if !emit(b) {
					walking = false
					return false
				}
				next = append(next, b)
				return true
			})
			if !walking || ev.err != nil {
				break
			}
		}
		if !more {
			break
		}
		frontier = next
	}
	return !stopped && ev.err == nil
}

// inGraph reports whether t is a subject or object of the active graph.
func (ev *evaluator) inGraph(t, g Term) bool {
	found := false
	for _, pos := range [2]int{0, 2} {
		s, o := t, Term{}
		if pos == 2 {
			s, o = Term{}, t
		}
		err := ev.matchStore(s, Term{}, o, g, func(_, _, _ Term) bool {
			found = true
			return false
		})
		if err != nil {
			ev.storeErr(err)
			return false
		}
		if found {
			return true
		}
	}
	return false
}
