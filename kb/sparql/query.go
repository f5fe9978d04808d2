package sparql

import (
	"math/big"
	"strings"
)

// solutions runs the WHERE clause and the solution modifiers of a SELECT (or the pattern
// part of ASK, CONSTRUCT, DESCRIBE) and returns the rows, projected to vars. max (>0) stops
// the evaluation once that many rows are certain (no ORDER BY, grouping or DISTINCT blocks
// it); rows beyond max+1 are never produced.
func (ev *evaluator) solutions(q *query, g Term, max int64) (rows []solution, vars []int, ok bool) {
	vars = projectedVars(q)
	where := q.where
	if q.values != nil {
		where = &join{l: where, r: q.values}
	}
	streaming := !q.grouped && len(q.orderBy) == 0
	var stopAt int64 = -1
	if streaming && q.limit >= 0 {
		stopAt = q.offset + q.limit
	}
	if streaming && max > 0 && (stopAt < 0 || stopAt > q.offset+max+1) {
		stopAt = q.offset + max + 1
	}
	var seen map[string]bool
	if streaming && (q.distinct || q.reduced) {
		seen = map[string]bool{}
	}
	var n int64
	ok = ev.eval(where, ev.newSolution(), g, func(s solution) bool {
		if streaming {
			s = ev.project(q, s, g, vars)
			if seen != nil {
				k := s.key(vars)
				if seen[k] {
					return true
				}
				seen[k] = true
			}
		}
		rows = append(rows, s)
		n++
		if !ev.hold(1) {
			return false
		}
		return stopAt < 0 || n < stopAt
	})
	if ev.err != nil {
		return nil, nil, false
	}
	if !streaming {
		if q.grouped {
			rows = ev.group(q, rows, g)
			if ev.err != nil {
				return nil, nil, false
			}
		}
		if len(q.orderBy) > 0 {
			// ORDER BY sees the SELECT expressions (it may sort on an alias)
			for i, r := range rows {
				rows[i] = ev.extendSelect(q, r, g)
			}
			sortSolutions(rows, q.orderBy, ev)
		}
		for i, r := range rows {
			rows[i] = ev.project(q, r, g, vars)
		}
		if q.distinct || q.reduced {
			seen := map[string]bool{}
			out := rows[:0]
			for _, r := range rows {
				k := r.key(vars)
				if !seen[k] {
					seen[k] = true
					out = append(out, r)
				}
			}
			rows = out
		}
	}
	if q.offset > 0 {
		if q.offset >= int64(len(rows)) {
			rows = nil
		} else {
			rows = rows[q.offset:]
		}
	}
	if q.limit >= 0 && int64(len(rows)) > q.limit {
		rows = rows[:q.limit]
	}
	return rows, vars, true
}

// project evaluates the SELECT expressions (in order, each seeing the previous ones) and keeps
// only the projected variables.
func (ev *evaluator) project(q *query, s solution, g Term, vars []int) solution {
	s = ev.extendSelect(q, s, g)
	if q.form != Select {
		return s
	}
	out := ev.newSolution()
	for _, v := range vars {
		out[v] = s[v]
	}
	return out
}

// extendSelect binds the SELECT expressions' variables (once: a variable already bound is
// kept, so extending twice changes nothing).
func (ev *evaluator) extendSelect(q *query, s solution, g Term) solution {
	ev.solN++
	if q.form == Select && !q.star {
		for _, pr := range q.project {
			if pr.e == nil {
				continue
			}
			if s[pr.v].Bound() {
				continue
			}
			if v, ok := ev.evalExpr(pr.e, s, g); ok {
				s = s.clone()
				s[pr.v] = v
			}
		}
	}
	return s
}

// evalSubquery runs a subquery on its own; its rows bind only its projected variables.
func (ev *evaluator) evalSubquery(q *query, g Term) ([]solution, bool) {
	rows, _, ok := ev.solutions(q, g, 0)
	return rows, ok
}

type groupRows struct {
	key  solution
	rows []solution
}

// group partitions rows by the GROUP BY keys, computes the aggregates and applies HAVING. Each
// output row binds the key variables and the aggregates' hidden variables.
func (ev *evaluator) group(q *query, rows []solution, g Term) []solution {
	var groups []*groupRows
	index := map[string]*groupRows{}
	keyVars := make([]int, len(q.groupBy))
	for i, k := range q.groupBy {
		keyVars[i] = k.v
	}
	for _, r := range rows {
		key := ev.newSolution()
		for _, k := range q.groupBy {
			if v, ok := ev.evalExpr(k.e, r, g); ok {
				key[k.v] = v
			}
		}
		ks := key.key(keyVars)
		gr := index[ks]
		if gr == nil {
			gr = &groupRows{key: key}
			index[ks] = gr
			groups = append(groups, gr)
		}
		gr.rows = append(gr.rows, r)
	}
	if len(groups) == 0 && len(q.groupBy) == 0 {
		groups = []*groupRows{{key: ev.newSolution()}}
	}
	var out []solution
	for _, gr := range groups {
		s := gr.key
		for _, a := range q.aggs {
			if v, ok := ev.aggregate(a, gr.rows, g); ok {
				s[a.v] = v
			}
		}
		// the key's variables also keep their value in the row (GROUP BY ?x binds ?x)
		keep := true
		for _, h := range q.having {
			if !ev.ebvTrue(h, s, g) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, s)
		}
	}
	return out
}

func (ev *evaluator) aggregate(a *aggregate, rows []solution, g Term) (Term, bool) {
	if a.name == "COUNT" && a.arg == nil {
		if !a.distinct {
			return intTerm(int64(len(rows))), true
		}
		seen := map[string]bool{}
		for _, r := range rows {
			seen[r.fullKey()] = true
		}
		return intTerm(int64(len(seen))), true
	}
	var vals []Term
	var seen map[Term]bool
	if a.distinct {
		seen = map[Term]bool{}
	}
	hadErr := false
	for _, r := range rows {
		v, ok := ev.evalExpr(a.arg, r, g)
		if !ok {
			hadErr = true
			continue
		}
		if seen != nil {
			if seen[v] {
				continue
			}
			seen[v] = true
		}
		vals = append(vals, v)
	}
	switch a.name {
	case "COUNT":
		return intTerm(int64(len(vals))), true
	case "SAMPLE":
		if len(vals) == 0 {
			return Term{}, false
		}
		return vals[0], true
	case "SUM", "AVG":
		if hadErr {
			return Term{}, false
		}
		sum := number{k: nInteger, r: new(big.Rat)}.term()
		for _, v := range vals {
			var ok bool
			if sum, ok = arith('+', sum, v); !ok {
				return Term{}, false
			}
		}
		if a.name == "SUM" {
			return sum, true
		}
		if len(vals) == 0 {
			return intTerm(0), true
		}
		return arith('/', sum, intTerm(int64(len(vals))))
	case "MIN", "MAX":
		if len(vals) == 0 {
			return Term{}, false
		}
		best := vals[0]
		for _, v := range vals[1:] {
			c := compareTerms(v, best)
			if (a.name == "MIN" && c < 0) || (a.name == "MAX" && c > 0) {
				best = v
			}
		}
		return best, true
	case "GROUP_CONCAT":
		if hadErr {
			return Term{}, false
		}
		parts := make([]string, len(vals))
		lang, same := "", true
		for i, v := range vals {
			s, ok := stringArg(v)
			if !ok {
				if v.Kind == Literal || v.Kind == IRI {
					s = v.Value
				} else {
					return Term{}, false
				}
			}
			if i == 0 {
				lang = v.Lang
			} else if v.Lang != lang {
				same = false
			}
			parts[i] = s
		}
		_ = same // the result is a simple literal, whatever the tags (agg-groupconcat-04)
		return str(strings.Join(parts, a.separator)), true
	}
	return Term{}, false
}
