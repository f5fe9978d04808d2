package sparql

// The SPARQL algebra (SPARQL 1.1 §18) the parser produces and the evaluator runs. Variables
// are numbered slots of one table per query (subqueries included), so a solution is a []Term.

// QueryForm is SELECT, ASK, CONSTRUCT or DESCRIBE.
type QueryForm int

const (
	Select QueryForm = iota + 1
	Ask
	Construct
	Describe
)

func (f QueryForm) String() string {
	return [...]string{"", "SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}[f]
}

// slot is a pattern position: a variable (v >= 0) or a constant term.
type slot struct {
	v int
	t Term
}

func (s slot) isVar() bool { return s.v >= 0 }

func constSlot(t Term) slot { return slot{v: -1, t: t} }

// triple is a triple pattern; path is nil for a plain predicate (in p).
type triple struct {
	s, p, o slot
	path    path
}

type pattern interface{ isPattern() }

type (
	bgp      struct{ triples []triple }
	join     struct{ l, r pattern }
	leftJoin struct {
		l, r pattern
		cond expr // nil: true
	}
	filterP struct {
		conds []expr
		p     pattern
	}
	union  struct{ l, r pattern }
	minusP struct{ l, r pattern }
	graphP struct {
		g slot
		p pattern
	}
	extend struct {
		p pattern
		v int
		e expr
	}
	valuesP struct {
		vars []int
		rows [][]Term
	}
	subquery struct{ q *query }
)

func (bgp) isPattern()      {}
func (join) isPattern()     {}
func (leftJoin) isPattern() {}
func (filterP) isPattern()  {}
func (union) isPattern()    {}
func (minusP) isPattern()   {}
func (graphP) isPattern()   {}
func (extend) isPattern()   {}
func (valuesP) isPattern()  {}
func (subquery) isPattern() {}

// path is a property path (§9).
type path interface{ isPath() }

type (
	pLink   struct{ iri string }
	pInv    struct{ p path }
	pSeq    struct{ l, r path }
	pAlt    struct{ l, r path }
	pStar   struct{ p path } // p*
	pPlus   struct{ p path } // p+
	pOpt    struct{ p path } // p?
	pNegSet struct{ fwd, inv []string }
)

func (pLink) isPath()   {}
func (pInv) isPath()    {}
func (pSeq) isPath()    {}
func (pAlt) isPath()    {}
func (pStar) isPath()   {}
func (pPlus) isPath()   {}
func (pOpt) isPath()    {}
func (pNegSet) isPath() {}

// expr is an expression (§17).
type expr interface{ isExpr() }

type (
	eVar   struct{ v int }
	eConst struct{ t Term }
	eOr    struct{ l, r expr }
	eAnd   struct{ l, r expr }
	eNot   struct{ e expr }
	eCmp   struct {
		op   string // = != < > <= >=
		l, r expr
	}
	eArith struct {
		op   byte // + - * /
		l, r expr
	}
	eNeg  struct{ e expr }
	ePlus struct{ e expr }
	eIn   struct {
		e    expr
		list []expr
		not  bool
	}
	eCall struct { // built-in function, upper-case name
		name string
		args []expr
	}
	eFunc struct { // function by IRI: XSD casts
		iri  string
		args []expr
	}
	eExists struct {
		p   pattern
		not bool
	}
	eBound struct{ v int }
)

func (eVar) isExpr()    {}
func (eConst) isExpr()  {}
func (eOr) isExpr()     {}
func (eAnd) isExpr()    {}
func (eNot) isExpr()    {}
func (eCmp) isExpr()    {}
func (eArith) isExpr()  {}
func (eNeg) isExpr()    {}
func (ePlus) isExpr()   {}
func (eIn) isExpr()     {}
func (eCall) isExpr()   {}
func (eFunc) isExpr()   {}
func (eExists) isExpr() {}
func (eBound) isExpr()  {}

// aggregate is one aggregate of a grouped query; its value lands in slot v of each group's row.
type aggregate struct {
	name      string // COUNT SUM AVG MIN MAX GROUP_CONCAT SAMPLE
	distinct  bool
	arg       expr // nil for COUNT(*)
	separator string
	v         int
}

type projection struct {
	v int
	e expr // nil for a plain variable
}

type groupKey struct {
	e expr
	v int // slot the key is bound to (the variable itself, its AS name, or a hidden slot)
}

type orderKey struct {
	e    expr
	desc bool
}

// query is a parsed query or subquery.
type query struct {
	form      QueryForm
	star      bool
	project   []projection
	distinct  bool
	reduced   bool
	where     pattern
	grouped   bool // GROUP BY or aggregates present
	groupBy   []groupKey
	having    []expr
	aggs      []*aggregate
	orderBy   []orderKey
	limit     int64 // -1: none
	offset    int64
	values    *valuesP // trailing VALUES
	from      []string
	fromNamed []string
	template  []triple // CONSTRUCT
	describe  []slot   // DESCRIBE
	vars      *varTable
	base      string
}

// varTable numbers the variables of a query. Hidden variables (blank nodes of the pattern,
// aggregates, path intermediates) have names no query can write.
type varTable struct {
	names []string
	index map[string]int
}

func newVarTable() *varTable { return &varTable{index: map[string]int{}} }

func (vt *varTable) get(name string) int {
	if i, ok := vt.index[name]; ok {
		return i
	}
	vt.index[name] = len(vt.names)
	vt.names = append(vt.names, name)
	return len(vt.names) - 1
}

func (vt *varTable) fresh(prefix string) int {
	name := "." + prefix + itoa(len(vt.names))
	return vt.get(name)
}

func (vt *varTable) hidden(i int) bool { return len(vt.names[i]) > 0 && vt.names[i][0] == '.' }

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}
