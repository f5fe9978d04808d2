package sparql

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxQueryLength and maxNesting bound the work the parser does for any input.
const (
	maxQueryLength = 1 << 20
	maxNesting     = 200
)

type parser struct {
	lx       lexer
	tok      token
	ahead    []token
	base     string
	prefixes map[string]string
	vt       *varTable
	bnodes   map[string]int // _:label of the pattern → hidden variable
	aggs     *[]*aggregate  // where aggregates may appear (nil elsewhere)
	depth    int
}

// Parse parses a SPARQL 1.1 query. base resolves relative IRIs when the query has no BASE.
func parse(src, base string) (q *query, err error) {
	if len(src) > maxQueryLength {
		return nil, &Error{Kind: ErrSyntax, Msg: "query longer than 1 MiB"}
	}
	if !utf8.ValidString(src) {
		return nil, &Error{Kind: ErrSyntax, Msg: "the query is not valid UTF-8 text"}
	}
	p := &parser{lx: lexer{src: src}, base: base, prefixes: map[string]string{}, vt: newVarTable(), bnodes: map[string]int{}}
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(parseFailure)
			if !ok {
				panic(r)
			}
			q, err = nil, pe.err
		}
	}()
	p.advance()
	q = p.query()
	if p.tok.kind != tEOF {
		p.fail("unexpected %s after the end of the query", p.tok)
	}
	return q, nil
}

type parseFailure struct{ err error }

func (p *parser) fail(format string, args ...any) {
	line, col := lineCol(p.lx.src, p.tok.pos)
	e := syntaxErr(format, args...).(*Error)
	e.Line, e.Col = line, col
	panic(parseFailure{e})
}

func (p *parser) advance() {
	if len(p.ahead) > 0 {
		p.tok = p.ahead[0]
		p.ahead = p.ahead[1:]
		return
	}
	t, err := p.lx.next()
	if err != nil {
		panic(parseFailure{err})
	}
	p.tok = t
}

func (p *parser) peek() token {
	if len(p.ahead) == 0 {
		t, err := p.lx.next()
		if err != nil {
			panic(parseFailure{err})
		}
		p.ahead = append(p.ahead, t)
	}
	return p.ahead[0]
}

func (p *parser) isPunct(s string) bool { return p.tok.kind == tPunct && p.tok.text == s }
func (p *parser) isKw(s string) bool    { return p.tok.kind == tKeyword && p.tok.text == s }

func (p *parser) acceptPunct(s string) bool {
	if p.isPunct(s) {
		p.advance()
		return true
	}
	return false
}

func (p *parser) acceptKw(s string) bool {
	if p.isKw(s) {
		p.advance()
		return true
	}
	return false
}

func (p *parser) expectPunct(s string) {
	if !p.acceptPunct(s) {
		p.fail("expected '%s', found %s", s, p.tok)
	}
}

func (p *parser) expectKw(s string) {
	if !p.acceptKw(s) {
		p.fail("expected %s, found %s", s, p.tok)
	}
}

func (p *parser) enter() {
	p.depth++
	if p.depth > maxNesting {
		p.fail("query nested more than %d levels", maxNesting)
	}
}

func (p *parser) leave() { p.depth-- }

// --- prologue and query forms ---------------------------------------------------------------

func (p *parser) query() *query {
	for {
		switch {
		case p.acceptKw("BASE"):
			if p.tok.kind != tIRI {
				p.fail("BASE needs an IRI")
			}
			p.base = p.resolve(p.tok.text)
			p.advance()
			continue
		case p.acceptKw("PREFIX"):
			if p.tok.kind != tPName || p.tok.local != "" {
				p.fail("PREFIX needs a prefix name such as ex:")
			}
			name := p.tok.text
			p.advance()
			if p.tok.kind != tIRI {
				p.fail("PREFIX %s: needs an IRI", name)
			}
			p.prefixes[name] = p.resolve(p.tok.text)
			p.advance()
			continue
		}
		break
	}
	q := &query{limit: -1, vars: p.vt}
	defer func() { q.base = p.base }()
	switch {
	case p.acceptKw("SELECT"):
		q.form = Select
		p.selectClause(q)
		p.datasetClauses(q)
		p.whereClause(q, true)
	case p.acceptKw("ASK"):
		q.form = Ask
		p.datasetClauses(q)
		p.whereClause(q, true)
	case p.acceptKw("CONSTRUCT"):
		q.form = Construct
		if p.isPunct("{") {
			q.template = p.constructTemplate()
			p.datasetClauses(q)
			p.whereClause(q, true)
		} else {
			p.datasetClauses(q)
			p.expectKw("WHERE")
			p.expectPunct("{")
			var ts []triple
			if !p.isPunct("}") {
				ts = p.triplesBlock(false)
			}
			p.expectPunct("}")
			q.template = ts
			q.where = &bgp{triples: ts}
		}
	case p.acceptKw("DESCRIBE"):
		q.form = Describe
		if p.acceptPunct("*") {
			q.star = true
		} else {
			for p.tok.kind == tVar || p.tok.kind == tIRI || p.tok.kind == tPName {
				q.describe = append(q.describe, p.varOrIRI())
			}
			if len(q.describe) == 0 {
				p.fail("DESCRIBE needs variables, IRIs or *")
			}
		}
		p.datasetClauses(q)
		if p.isKw("WHERE") || p.isPunct("{") {
			p.whereClause(q, true)
		} else {
			q.where = &bgp{}
		}
	case p.isKw("INSERT") || p.isKw("DELETE") || p.isKw("LOAD") || p.isKw("CLEAR") || p.isKw("DROP") ||
		p.isKw("CREATE") || p.isKw("ADD") || p.isKw("MOVE") || p.isKw("COPY") || p.isKw("WITH"):
		panic(parseFailure{unsupported("SPARQL Update (" + p.tok.text + "): this service only answers queries")})
	default:
		p.fail("expected SELECT, ASK, CONSTRUCT or DESCRIBE, found %s", p.tok)
	}
	p.solutionModifiers(q)
	if p.acceptKw("VALUES") {
		q.values = p.dataBlock()
	}
	p.finishQuery(q)
	return q
}

func (p *parser) datasetClauses(q *query) {
	for p.acceptKw("FROM") {
		named := p.acceptKw("NAMED")
		iri := p.iri()
		if named {
			q.fromNamed = append(q.fromNamed, iri)
		} else {
			q.from = append(q.from, iri)
		}
	}
}

func (p *parser) selectClause(q *query) {
	if p.acceptKw("DISTINCT") {
		q.distinct = true
	} else if p.acceptKw("REDUCED") {
		q.reduced = true
	}
	if p.acceptPunct("*") {
		q.star = true
		return
	}
	aggs := []*aggregate{}
	saved := p.aggs
	p.aggs = &aggs
	defer func() { p.aggs = saved }()
	seen := map[int]bool{}
	for {
		switch {
		case p.tok.kind == tVar:
			v := p.vt.get(p.tok.text)
			p.advance()
			if seen[v] {
				p.fail("variable ?%s projected twice", p.vt.names[v])
			}
			seen[v] = true
			q.project = append(q.project, projection{v: v})
			continue
		case p.acceptPunct("("):
			e := p.expression()
			p.expectKw("AS")
			if p.tok.kind != tVar {
				p.fail("AS needs a variable")
			}
			v := p.vt.get(p.tok.text)
			p.advance()
			p.expectPunct(")")
			if seen[v] {
				p.fail("variable ?%s projected twice", p.vt.names[v])
			}
			seen[v] = true
			q.project = append(q.project, projection{v: v, e: e})
			continue
		}
		break
	}
	if len(q.project) == 0 {
		p.fail("SELECT needs variables, (expression AS ?var) or *")
	}
	q.aggs = append(q.aggs, aggs...)
}

func (p *parser) whereClause(q *query, top bool) {
	p.acceptKw("WHERE")
	if !p.isPunct("{") {
		p.fail("expected '{' to open the WHERE clause, found %s", p.tok)
	}
	q.where = p.groupGraphPattern()
}

func (p *parser) solutionModifiers(q *query) {
	aggs := []*aggregate{}
	saved := p.aggs
	p.aggs = &aggs
	defer func() { p.aggs = saved; q.aggs = append(q.aggs, aggs...) }()
	if p.acceptKw("GROUP") {
		p.expectKw("BY")
		q.grouped = true
		for {
			var k groupKey
			switch {
			case p.tok.kind == tVar:
				k = groupKey{e: eVar{p.vt.get(p.tok.text)}, v: p.vt.get(p.tok.text)}
				p.advance()
			case p.acceptPunct("("):
				p.aggs = nil
				e := p.expression()
				p.aggs = &aggs
				k = groupKey{e: e, v: -1}
				if p.acceptKw("AS") {
					if p.tok.kind != tVar {
						p.fail("AS needs a variable")
					}
					k.v = p.vt.get(p.tok.text)
					p.advance()
				} else if ev, ok := e.(eVar); ok {
					k.v = ev.v
				}
				p.expectPunct(")")
			case p.isCallStart() || p.tok.kind == tIRI || p.tok.kind == tPName:
				p.aggs = nil
				k = groupKey{e: p.primary(), v: -1}
				p.aggs = &aggs
			default:
				if len(q.groupBy) == 0 {
					p.fail("GROUP BY needs a variable or an expression")
				}
			}
			if k.e == nil {
				break
			}
			if k.v < 0 {
				k.v = p.vt.fresh("group")
			}
			q.groupBy = append(q.groupBy, k)
		}
	}
	if p.acceptKw("HAVING") {
		for {
			if p.isPunct("(") || p.isCallStart() || p.tok.kind == tIRI || p.tok.kind == tPName {
				q.having = append(q.having, p.constraint())
				continue
			}
			break
		}
		if len(q.having) == 0 {
			p.fail("HAVING needs a condition")
		}
	}
	if p.acceptKw("ORDER") {
		p.expectKw("BY")
		for {
			switch {
			case p.isKw("ASC") || p.isKw("DESC"):
				desc := p.tok.text == "DESC"
				p.advance()
				if !p.isPunct("(") {
					p.fail("%s needs an expression in brackets", map[bool]string{true: "DESC", false: "ASC"}[desc])
				}
				q.orderBy = append(q.orderBy, orderKey{e: p.bracketted(), desc: desc})
				continue
			case p.tok.kind == tVar:
				q.orderBy = append(q.orderBy, orderKey{e: eVar{p.vt.get(p.tok.text)}})
				p.advance()
				continue
			case p.isPunct("(") || p.isCallStart() || p.tok.kind == tIRI || p.tok.kind == tPName:
				q.orderBy = append(q.orderBy, orderKey{e: p.constraint()})
				continue
			}
			break
		}
		if len(q.orderBy) == 0 {
			p.fail("ORDER BY needs a condition")
		}
	}
	for i := 0; i < 2; i++ {
		switch {
		case p.acceptKw("LIMIT"):
			q.limit = p.nonNegative("LIMIT")
		case p.acceptKw("OFFSET"):
			q.offset = p.nonNegative("OFFSET")
		}
	}
	if len(aggs) > 0 {
		q.grouped = true
	}
}

func (p *parser) nonNegative(what string) int64 {
	if p.tok.kind != tInteger {
		p.fail("%s needs a whole number", what)
	}
	n, err := strconv.ParseInt(p.tok.text, 10, 64)
	if err != nil {
		p.fail("%s too large", what)
	}
	p.advance()
	return n
}

// finishQuery checks the projection rules of grouped queries (§11.4).
func (p *parser) finishQuery(q *query) {
	if q.form == Select && q.where != nil {
		in := scopeVars(q.where)
		for _, pr := range q.project {
			if pr.e != nil && in[pr.v] {
				p.fail("SELECT assigns ?%s AS, which the WHERE clause already binds", p.vt.names[pr.v])
			}
		}
	}
	if len(q.aggs) > 0 {
		q.grouped = true
	}
	if q.form != Select || !q.grouped {
		return
	}
	if q.star {
		p.fail("SELECT * is not allowed with GROUP BY or aggregates")
	}
	keys := map[int]bool{}
	for _, k := range q.groupBy {
		keys[k.v] = true
	}
	for _, a := range q.aggs {
		keys[a.v] = true
	}
	for _, pr := range q.project {
		if pr.e == nil {
			if !keys[pr.v] {
				p.fail("?%s is projected but neither grouped nor aggregated", p.vt.names[pr.v])
			}
			continue
		}
		bad := -1
		walkVars(pr.e, func(v int) {
			if !keys[v] && bad < 0 {
				bad = v
			}
		})
		if bad >= 0 {
			p.fail("?%s is used in a SELECT expression but neither grouped nor aggregated", p.vt.names[bad])
		}
		keys[pr.v] = true
	}
}

// walkVars calls fn for each variable an expression reads outside aggregates and EXISTS.
func walkVars(e expr, fn func(int)) {
	switch e := e.(type) {
	case eVar:
		fn(e.v)
	case eBound:
		fn(e.v)
	case eOr:
		walkVars(e.l, fn)
		walkVars(e.r, fn)
	case eAnd:
		walkVars(e.l, fn)
		walkVars(e.r, fn)
	case eNot:
		walkVars(e.e, fn)
	case eCmp:
		walkVars(e.l, fn)
		walkVars(e.r, fn)
	case eArith:
		walkVars(e.l, fn)
		walkVars(e.r, fn)
	case eNeg:
		walkVars(e.e, fn)
	case ePlus:
		walkVars(e.e, fn)
	case eIn:
		walkVars(e.e, fn)
		for _, x := range e.list {
			walkVars(x, fn)
		}
	case eCall:
		for _, x := range e.args {
			walkVars(x, fn)
		}
	case eFunc:
		for _, x := range e.args {
			walkVars(x, fn)
		}
	}
}

// --- graph patterns ---------------------------------------------------------------------------

func (p *parser) groupGraphPattern() pattern {
	p.enter()
	defer p.leave()
	p.expectPunct("{")
	if p.isKw("SELECT") {
		sq := p.subSelect()
		p.expectPunct("}")
		return sq
	}
	var (
		g       pattern
		filters []expr
		cur     *bgp // the triples block being filled
	)
	add := func(x pattern) {
		cur = nil
		if g == nil {
			g = x
			return
		}
		g = &join{l: g, r: x}
	}
	for !p.isPunct("}") {
		switch {
		case p.acceptKw("OPTIONAL"):
			r := p.groupGraphPattern()
			var cond expr
			if f, ok := r.(*filterP); ok {
				r, cond = f.p, andAll(f.conds)
			}
			if g == nil {
				g = &bgp{}
			}
			g, cur = &leftJoin{l: g, r: r, cond: cond}, nil
		case p.acceptKw("MINUS"):
			r := p.groupGraphPattern()
			if g == nil {
				g = &bgp{}
			}
			g, cur = &minusP{l: g, r: r}, nil
		case p.acceptKw("GRAPH"):
			s := p.varOrIRI()
			add(&graphP{g: s, p: p.groupGraphPattern()})
		case p.acceptKw("SERVICE"):
			panic(parseFailure{unsupported("SERVICE (federated queries)")})
		case p.acceptKw("FILTER"):
			filters = append(filters, p.constraint())
		case p.acceptKw("BIND"):
			p.expectPunct("(")
			e := p.expression()
			p.expectKw("AS")
			if p.tok.kind != tVar {
				p.fail("BIND needs AS ?variable")
			}
			v := p.vt.get(p.tok.text)
			p.advance()
			p.expectPunct(")")
			if g == nil {
				g = &bgp{}
			}
			if scopeVars(g)[v] {
				p.fail("BIND assigns ?%s, which is already used before it in the group", p.vt.names[v])
			}
			g, cur = &extend{p: g, v: v, e: e}, nil
		case p.acceptKw("VALUES"):
			add(p.dataBlock())
		case p.isPunct("{"):
			l := p.groupGraphPattern()
			for p.acceptKw("UNION") {
				l = &union{l: l, r: p.groupGraphPattern()}
			}
			add(l)
		default:
			before := p.tok.pos
			ts := p.triplesBlock(true)
			if len(ts) == 0 && p.tok.pos == before {
				p.fail("unexpected %s in a group pattern", p.tok)
			}
			if cur != nil {
				cur.triples = append(cur.triples, ts...)
			} else {
				b := &bgp{triples: ts}
				add(b)
				cur = b
			}
			continue
		}
		p.acceptPunct(".")
	}
	p.advance()
	if g == nil {
		g = &bgp{}
	}
	if len(filters) > 0 {
		g = &filterP{conds: filters, p: g}
	}
	return g
}

func andAll(es []expr) expr {
	e := es[0]
	for _, x := range es[1:] {
		e = eAnd{e, x}
	}
	return e
}

func (p *parser) subSelect() pattern {
	p.expectKw("SELECT")
	q := &query{form: Select, limit: -1, vars: p.vt}
	p.selectClause(q)
	p.whereClause(q, false)
	p.solutionModifiers(q)
	if p.acceptKw("VALUES") {
		q.values = p.dataBlock()
	}
	p.finishQuery(q)
	return &subquery{q: q}
}

// scopeVars is the set of variables in scope of a pattern (§18.2.1).
func scopeVars(pt pattern) map[int]bool {
	out := map[int]bool{}
	var walk func(pattern)
	walk = func(pt pattern) {
		switch x := pt.(type) {
		case *bgp:
			for _, t := range x.triples {
				for _, s := range []slot{t.s, t.p, t.o} {
					if s.isVar() {
						out[s.v] = true
					}
				}
			}
		case *join:
			walk(x.l)
			walk(x.r)
		case *leftJoin:
			walk(x.l)
			walk(x.r)
		case *union:
			walk(x.l)
			walk(x.r)
		case *minusP:
			walk(x.l)
		case *filterP:
			walk(x.p)
		case *graphP:
			if x.g.isVar() {
				out[x.g.v] = true
			}
			walk(x.p)
		case *extend:
			walk(x.p)
			out[x.v] = true
		case *valuesP:
			for _, v := range x.vars {
				out[v] = true
			}
		case *subquery:
			for _, v := range projectedVars(x.q) {
				out[v] = true
			}
		}
	}
	walk(pt)
	return out
}

// orderedVars lists the visible variables of a pattern in order of first appearance, for
// SELECT *.
func orderedVars(pt pattern, vt *varTable) []int {
	in := scopeVars(pt)
	var out []int
	for i := range vt.names {
		if in[i] && !vt.hidden(i) {
			out = append(out, i)
		}
	}
	return out
}

func projectedVars(q *query) []int {
	if q.star {
		return orderedVars(q.where, q.vars)
	}
	out := make([]int, len(q.project))
	for i, pr := range q.project {
		out[i] = pr.v
	}
	return out
}

func (p *parser) dataBlock() *valuesP {
	vb := &valuesP{}
	if p.tok.kind == tVar {
		vb.vars = []int{p.vt.get(p.tok.text)}
		p.advance()
		p.expectPunct("{")
		for !p.acceptPunct("}") {
			vb.rows = append(vb.rows, []Term{p.dataValue()})
		}
		return vb
	}
	p.expectPunct("(")
	for p.tok.kind == tVar {
		vb.vars = append(vb.vars, p.vt.get(p.tok.text))
		p.advance()
	}
	p.expectPunct(")")
	p.expectPunct("{")
	for !p.acceptPunct("}") {
		p.expectPunct("(")
		var row []Term
		for !p.acceptPunct(")") {
			row = append(row, p.dataValue())
		}
		if len(row) != len(vb.vars) {
			p.fail("VALUES row has %d values for %d variables", len(row), len(vb.vars))
		}
		vb.rows = append(vb.rows, row)
	}
	return vb
}

func (p *parser) dataValue() Term {
	if p.acceptKw("UNDEF") {
		return Term{}
	}
	switch p.tok.kind {
	case tIRI, tPName:
		return NewIRI(p.iri())
	case tString, tInteger, tDecimal, tDouble:
		return p.literal()
	case tKeyword:
		if p.isKw("TRUE") || p.isKw("FALSE") {
			return p.literal()
		}
	case tPunct:
		if p.isPunct("+") || p.isPunct("-") {
			return p.literal()
		}
	}
	p.fail("expected a value in VALUES, found %s", p.tok)
	return Term{}
}

func (p *parser) constructTemplate() []triple {
	p.expectPunct("{")
	var ts []triple
	for !p.acceptPunct("}") {
		before := p.tok.pos
		ts = append(ts, p.triplesBlock(false)...)
		if p.tok.pos == before {
			p.fail("unexpected %s in the CONSTRUCT template", p.tok)
		}
	}
	return ts
}

// triplesBlock parses TriplesSameSubject(Path) ('.' TriplesSameSubject(Path)?)*; paths are
// allowed when paths is set (WHERE), not in CONSTRUCT templates.
func (p *parser) triplesBlock(paths bool) []triple {
	var out []triple
	for {
		before := len(out)
		subj, ok := p.subjectNode(&out, paths)
		if !ok {
			break
		}
		emptyList := len(out) > before // [ … ] and ( … ) subjects with content may stand alone
		if p.isPunct(".") || p.isPunct("}") {
			if !emptyList {
				p.fail("expected a predicate, found %s", p.tok)
			}
		} else {
			p.propertyList(subj, &out, paths)
		}
		if !p.acceptPunct(".") {
			break
		}
	}
	return out
}

// subjectNode reads the subject of a triples block; ok is false when none starts here.
func (p *parser) subjectNode(out *[]triple, paths bool) (slot, bool) {
	switch p.tok.kind {
	case tVar, tIRI, tPName, tBlank, tString, tInteger, tDecimal, tDouble:
		return p.graphNode(out, paths), true
	case tKeyword:
		if p.isKw("TRUE") || p.isKw("FALSE") {
			return p.graphNode(out, paths), true
		}
	case tPunct:
		if p.isPunct("[") || p.isPunct("(") || p.isPunct("+") || p.isPunct("-") {
			return p.graphNode(out, paths), true
		}
	}
	return slot{}, false
}

func (p *parser) propertyList(subj slot, out *[]triple, paths bool) {
	for {
		if p.isPunct(".") || p.isPunct("]") || p.isPunct("}") || p.tok.kind == tEOF {
			return
		}
		var (
			pred   slot
			pth    path
			isSlot bool
		)
		if p.tok.kind == tVar {
			pred, isSlot = slot{v: p.vt.get(p.tok.text)}, true
			p.advance()
		} else if paths {
			pth = p.path()
			if l, ok := pth.(pLink); ok {
				pred, isSlot = constSlot(NewIRI(l.iri)), true
			}
		} else {
			pred, isSlot = p.verbIRI(), true
		}
		for {
			obj := p.graphNode(out, paths)
			if isSlot {
				*out = append(*out, triple{s: subj, p: pred, o: obj})
			} else {
				p.addPath(subj, pth, obj, out)
			}
			if !p.acceptPunct(",") {
				break
			}
		}
		if !p.acceptPunct(";") {
			return
		}
		for p.acceptPunct(";") {
		}
	}
}

func (p *parser) verbIRI() slot {
	if p.acceptKw("a") {
		return constSlot(NewIRI(rdfType))
	}
	return constSlot(NewIRI(p.iri()))
}

// addPath adds a path triple, expanding sequences and inverses of links into plain triples
// with hidden variables (§18.2.2.4) so that the planner can order them.
func (p *parser) addPath(s slot, pt path, o slot, out *[]triple) {
	switch x := pt.(type) {
	case pLink:
		*out = append(*out, triple{s: s, p: constSlot(NewIRI(x.iri)), o: o})
	case pInv:
		if l, ok := x.p.(pLink); ok {
			*out = append(*out, triple{s: o, p: constSlot(NewIRI(l.iri)), o: s})
			return
		}
		*out = append(*out, triple{s: s, p: slot{v: -1}, path: pt, o: o})
	case pSeq:
		mid := slot{v: p.vt.fresh("path")}
		p.addPath(s, x.l, mid, out)
		p.addPath(mid, x.r, o, out)
	default:
		*out = append(*out, triple{s: s, p: slot{v: -1}, path: pt, o: o})
	}
}

func (p *parser) path() path {
	p.enter()
	defer p.leave()
	l := p.pathSeq()
	for p.acceptPunct("|") {
		l = pAlt{l, p.pathSeq()}
	}
	return l
}

func (p *parser) pathSeq() path {
	l := p.pathEltOrInverse()
	for p.acceptPunct("/") {
		l = pSeq{l, p.pathEltOrInverse()}
	}
	return l
}

func (p *parser) pathEltOrInverse() path {
	if p.acceptPunct("^") {
		return pInv{p.pathElt()}
	}
	return p.pathElt()
}

func (p *parser) pathElt() path {
	var prim path
	switch {
	case p.acceptKw("a"):
		prim = pLink{rdfType}
	case p.tok.kind == tIRI || p.tok.kind == tPName:
		prim = pLink{p.iri()}
	case p.acceptPunct("!"):
		prim = p.negatedSet()
	case p.acceptPunct("("):
		prim = p.path()
		p.expectPunct(")")
	default:
		p.fail("expected a property or a path, found %s", p.tok)
	}
	switch {
	case p.acceptPunct("*"):
		return pStar{prim}
	case p.acceptPunct("+"):
		return pPlus{prim}
	case p.acceptPunct("?"):
		return pOpt{prim}
	}
	return prim
}

func (p *parser) negatedSet() path {
	var ns pNegSet
	one := func() {
		inv := p.acceptPunct("^")
		var iri string
		if p.acceptKw("a") {
			iri = rdfType
		} else {
			iri = p.iri()
		}
		if inv {
			ns.inv = append(ns.inv, iri)
		} else {
			ns.fwd = append(ns.fwd, iri)
		}
	}
	if p.acceptPunct("(") {
		if !p.acceptPunct(")") {
			one()
			for p.acceptPunct("|") {
				one()
			}
			p.expectPunct(")")
		}
	} else {
		one()
	}
	return ns
}

// graphNode reads a term, a blank node property list [ … ] or a collection ( … ); the
// triples these imply are appended to out.
func (p *parser) graphNode(out *[]triple, paths bool) slot {
	switch {
	case p.tok.kind == tVar:
		v := p.vt.get(p.tok.text)
		p.advance()
		return slot{v: v}
	case p.tok.kind == tBlank:
		name := p.tok.text
		p.advance()
		if v, ok := p.bnodes[name]; ok {
			return slot{v: v}
		}
		v := p.vt.fresh("b_" + name + "_")
		p.bnodes[name] = v
		return slot{v: v}
	case p.acceptPunct("["):
		b := slot{v: p.vt.fresh("anon")}
		if !p.acceptPunct("]") {
			p.propertyList(b, out, paths)
			p.expectPunct("]")
		}
		return b
	case p.acceptPunct("("):
		if p.acceptPunct(")") {
			return constSlot(NewIRI(rdfNil))
		}
		var items []slot
		for !p.acceptPunct(")") {
			if p.tok.kind == tEOF {
				p.fail("unterminated collection")
			}
			items = append(items, p.graphNode(out, paths))
		}
		head := slot{v: p.vt.fresh("list")}
		cur := head
		for i, it := range items {
			*out = append(*out, triple{s: cur, p: constSlot(NewIRI(rdfFirst)), o: it})
			next := constSlot(NewIRI(rdfNil))
			if i < len(items)-1 {
				next = slot{v: p.vt.fresh("list")}
			}
			*out = append(*out, triple{s: cur, p: constSlot(NewIRI(rdfRest)), o: next})
			cur = next
		}
		return head
	case p.tok.kind == tIRI || p.tok.kind == tPName:
		return constSlot(NewIRI(p.iri()))
	}
	return constSlot(p.literal())
}

func (p *parser) varOrIRI() slot {
	if p.tok.kind == tVar {
		v := p.vt.get(p.tok.text)
		p.advance()
		return slot{v: v}
	}
	return constSlot(NewIRI(p.iri()))
}

// iri reads an IRI reference or a prefixed name and returns the absolute IRI.
func (p *parser) iri() string {
	switch p.tok.kind {
	case tIRI:
		s := p.resolve(p.tok.text)
		p.advance()
		return s
	case tPName:
		ns, ok := p.prefixes[p.tok.text]
		if !ok {
			p.fail("prefix %s: is not declared", p.tok.text)
		}
		s := ns + p.tok.local
		p.advance()
		return s
	}
	p.fail("expected an IRI, found %s", p.tok)
	return ""
}

func (p *parser) resolve(ref string) string { return resolveIRI(p.base, ref) }

// resolveIRI resolves a reference against a base IRI (RFC 3986, through net/url).
func resolveIRI(base, ref string) string {
	if base == "" || strings.Contains(ref, ":") && !strings.HasPrefix(ref, ":") && isScheme(ref[:strings.Index(ref, ":")]) {
		return ref
	}
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return b.ResolveReference(r).String()
}

func isScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(isAlpha(c) || isDigit(c) || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// literal reads an RDF literal, a number (with an optional sign) or a boolean.
func (p *parser) literal() Term {
	switch p.tok.kind {
	case tString:
		lex := p.tok.text
		p.advance()
		if p.tok.kind == tLang {
			lang := p.tok.text
			p.advance()
			return NewLiteral(lex, lang, "")
		}
		if p.acceptPunct("^^") {
			return NewLiteral(lex, "", p.iri())
		}
		return str(lex)
	case tInteger, tDecimal, tDouble:
		return p.number("")
	case tKeyword:
		if p.isKw("TRUE") || p.isKw("FALSE") {
			b := p.tok.text == "TRUE"
			p.advance()
			return boolTerm(b)
		}
	case tPunct:
		if p.isPunct("+") || p.isPunct("-") {
			sign := p.tok.text
			p.advance()
			if p.tok.kind != tInteger && p.tok.kind != tDecimal && p.tok.kind != tDouble {
				p.fail("expected a number after '%s'", sign)
			}
			return p.number(sign)
		}
	}
	p.fail("expected a term, found %s", p.tok)
	return Term{}
}

func (p *parser) number(sign string) Term {
	dt := map[tokKind]string{tInteger: xsdInteger, tDecimal: xsdDecimal, tDouble: xsdDouble}[p.tok.kind]
	t := NewLiteral(sign+p.tok.text, "", dt)
	p.advance()
	return t
}

// --- expressions --------------------------------------------------------------------------------

// isCallStart reports whether the token starts a built-in call (a constraint of HAVING,
// ORDER BY or GROUP BY).
func (p *parser) isCallStart() bool {
	if p.tok.kind != tKeyword {
		return false
	}
	_, ok := builtins[p.tok.text]
	return ok || aggregateNames[p.tok.text] || p.tok.text == "BOUND" || p.tok.text == "EXISTS" || p.tok.text == "NOT"
}

func (p *parser) constraint() expr {
	if p.isPunct("(") {
		return p.bracketted()
	}
	return p.primary()
}

func (p *parser) bracketted() expr {
	p.expectPunct("(")
	e := p.expression()
	p.expectPunct(")")
	return e
}

func (p *parser) expression() expr {
	p.enter()
	defer p.leave()
	l := p.andExpr()
	for p.acceptPunct("||") {
		l = eOr{l, p.andExpr()}
	}
	return l
}

func (p *parser) andExpr() expr {
	l := p.relational()
	for p.acceptPunct("&&") {
		l = eAnd{l, p.relational()}
	}
	return l
}

func (p *parser) relational() expr {
	l := p.additive()
	for _, op := range []string{"=", "!=", "<=", ">=", "<", ">"} {
		if p.acceptPunct(op) {
			return eCmp{op: op, l: l, r: p.additive()}
		}
	}
	not := false
	if p.isKw("NOT") && p.peek().kind == tKeyword && p.peek().text == "IN" {
		p.advance()
		not = true
	}
	if p.acceptKw("IN") {
		return eIn{e: l, list: p.argList(), not: not}
	}
	if not {
		p.fail("expected IN after NOT")
	}
	return l
}

func (p *parser) additive() expr {
	l := p.multiplicative()
	for {
		switch {
		case p.acceptPunct("+"):
			l = eArith{'+', l, p.multiplicative()}
		case p.acceptPunct("-"):
			l = eArith{'-', l, p.multiplicative()}
		default:
			return l
		}
	}
}

func (p *parser) multiplicative() expr {
	l := p.unary()
	for {
		switch {
		case p.acceptPunct("*"):
			l = eArith{'*', l, p.unary()}
		case p.acceptPunct("/"):
			l = eArith{'/', l, p.unary()}
		default:
			return l
		}
	}
}

func (p *parser) unary() expr {
	switch {
	case p.acceptPunct("!"):
		return eNot{p.unary()}
	case p.acceptPunct("-"):
		return eNeg{p.unary()}
	case p.acceptPunct("+"):
		return ePlus{p.unary()}
	}
	return p.primary()
}

func (p *parser) argList() []expr {
	p.expectPunct("(")
	var args []expr
	if p.acceptPunct(")") {
		return args
	}
	for {
		args = append(args, p.expression())
		if p.acceptPunct(")") {
			return args
		}
		p.expectPunct(",")
	}
}

// builtins maps each built-in function to its number of arguments (min, max; -1: any).
var builtins = map[string][2]int{
	"STR": {1, 1}, "LANG": {1, 1}, "LANGMATCHES": {2, 2}, "DATATYPE": {1, 1}, "IRI": {1, 1}, "URI": {1, 1},
	"BNODE": {0, 1}, "RAND": {0, 0}, "ABS": {1, 1}, "CEIL": {1, 1}, "FLOOR": {1, 1}, "ROUND": {1, 1},
	"CONCAT": {0, -1}, "SUBSTR": {2, 3}, "STRLEN": {1, 1}, "REPLACE": {3, 4}, "UCASE": {1, 1}, "LCASE": {1, 1},
	"ENCODE_FOR_URI": {1, 1}, "CONTAINS": {2, 2}, "STRSTARTS": {2, 2}, "STRENDS": {2, 2}, "STRBEFORE": {2, 2},
	"STRAFTER": {2, 2}, "YEAR": {1, 1}, "MONTH": {1, 1}, "DAY": {1, 1}, "HOURS": {1, 1}, "MINUTES": {1, 1},
	"SECONDS": {1, 1}, "TIMEZONE": {1, 1}, "TZ": {1, 1}, "NOW": {0, 0}, "UUID": {0, 0}, "STRUUID": {0, 0},
	"MD5": {1, 1}, "SHA1": {1, 1}, "SHA256": {1, 1}, "SHA384": {1, 1}, "SHA512": {1, 1}, "COALESCE": {0, -1},
	"IF": {3, 3}, "STRLANG": {2, 2}, "STRDT": {2, 2}, "SAMETERM": {2, 2}, "ISIRI": {1, 1}, "ISURI": {1, 1},
	"ISBLANK": {1, 1}, "ISLITERAL": {1, 1}, "ISNUMERIC": {1, 1}, "REGEX": {2, 3},
}

var aggregateNames = map[string]bool{"COUNT": true, "SUM": true, "MIN": true, "MAX": true, "AVG": true, "SAMPLE": true, "GROUP_CONCAT": true}

func (p *parser) primary() expr {
	switch p.tok.kind {
	case tPunct:
		if p.isPunct("(") {
			return p.bracketted()
		}
	case tVar:
		v := p.vt.get(p.tok.text)
		p.advance()
		return eVar{v}
	case tIRI, tPName:
		iri := p.iri()
		if p.isPunct("(") {
			args := p.argList()
			return eFunc{iri: iri, args: args}
		}
		return eConst{NewIRI(iri)}
	case tString, tInteger, tDecimal, tDouble:
		return eConst{p.literal()}
	case tKeyword:
		name := p.tok.text
		switch {
		case name == "TRUE" || name == "FALSE":
			return eConst{p.literal()}
		case name == "BOUND":
			p.advance()
			p.expectPunct("(")
			if p.tok.kind != tVar {
				p.fail("BOUND needs a variable")
			}
			v := p.vt.get(p.tok.text)
			p.advance()
			p.expectPunct(")")
			return eBound{v}
		case name == "EXISTS":
			p.advance()
			return eExists{p: p.groupGraphPattern()}
		case name == "NOT":
			p.advance()
			p.expectKw("EXISTS")
			return eExists{p: p.groupGraphPattern(), not: true}
		case aggregateNames[name]:
			return p.aggregateCall()
		}
		if ar, ok := builtins[name]; ok {
			p.advance()
			var args []expr
			if (name == "NOW" || name == "RAND" || name == "UUID" || name == "STRUUID" || name == "BNODE") && p.isPunct("(") && p.peek().kind == tPunct && p.peek().text == ")" {
				p.advance()
				p.advance()
			} else {
				args = p.argList()
			}
			if len(args) < ar[0] || (ar[1] >= 0 && len(args) > ar[1]) {
				p.fail("%s takes %s arguments, not %d", name, arity(ar), len(args))
			}
			if name == "URI" {
				name = "IRI"
			}
			if name == "ISURI" {
				name = "ISIRI"
			}
			return eCall{name: name, args: args}
		}
		p.fail("unknown function %s", name)
	}
	p.fail("expected an expression, found %s", p.tok)
	return nil
}

func arity(a [2]int) string {
	switch {
	case a[1] < 0:
		return "at least " + strconv.Itoa(a[0])
	case a[0] == a[1]:
		return strconv.Itoa(a[0])
	}
	return strconv.Itoa(a[0]) + "-" + strconv.Itoa(a[1])
}

func (p *parser) aggregateCall() expr {
	name := p.tok.text
	if p.aggs == nil {
		p.fail("aggregate %s is allowed only in SELECT, HAVING and ORDER BY", name)
	}
	p.advance()
	p.expectPunct("(")
	a := &aggregate{name: name}
	a.distinct = p.acceptKw("DISTINCT")
	saved := p.aggs
	p.aggs = nil // no nested aggregates
	if name == "COUNT" && p.acceptPunct("*") {
	} else {
		a.arg = p.expression()
	}
	p.aggs = saved
	if name == "GROUP_CONCAT" {
		a.separator = " "
		if p.acceptPunct(";") {
			p.expectKw("SEPARATOR")
			p.expectPunct("=")
			if p.tok.kind != tString {
				p.fail("SEPARATOR needs a string")
			}
			a.separator = p.tok.text
			p.advance()
		}
	}
	p.expectPunct(")")
	a.v = p.vt.fresh("agg")
	*p.aggs = append(*p.aggs, a)
	return eVar{a.v}
}
