package sparql

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/quad"

	"sportello/kb"
	"sportello/ontology"
)

// Entailment is the reasoning a query runs with (package doc, Reasoning).
type Entailment int

const (
	EntailNone Entailment = iota // the stored triples only
	EntailRDFS                   // rdfs:subClassOf, subPropertyOf, domain, range
	EntailSKOS                   // SKOS semantic relations and mappings
	EntailFull                   // RDFS + SKOS + owl:sameAs
)

// Entailments lists the names ParseEntailment accepts, for help texts.
var Entailments = []string{"none", "rdfs", "skos", "full"}

func (e Entailment) String() string { return Entailments[e] }

// ParseEntailment reads none, rdfs, skos or full.
func ParseEntailment(s string) (Entailment, error) {
	for i, n := range Entailments {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return Entailment(i), nil
		}
	}
	return 0, fmt.Errorf("unknown entailment %q (want one of %s)", s, strings.Join(Entailments, ", "))
}

// Visibility says what the caller may read; nil functions allow everything. The rules live in
// the caller (kb and web decide who sees what); the engine applies them to every quad it
// reads, entailed ones included.
type Visibility struct {
	// Graph reports whether the caller may read the named graph with this IRI ("" is the
	// store's unlabelled graph, which kb never writes).
	Graph func(iri string) bool
	// Resource reports whether the caller may read a resource, given its IRI without the
	// fragment (so <pill#answer> follows <pill>). A quad whose subject or object is not
	// readable is invisible: an unpublished pill and everything about it disappear.
	Resource func(iri string) bool
	// Statement reports whether the caller may read a statement of a readable resource, given
	// its graph, its subject (the full IRI, fragment included; "" for a blank node) and its
	// predicate: the internal fields of a pill the caller may read otherwise.
	Statement func(graph, subject, predicate string) bool
}

// Dataset is the RDF dataset of a query when the query has no FROM or FROM NAMED.
type Dataset struct {
	Default []string // graphs merged into the default graph ("" is the unlabelled graph)
	Named   []string // named graphs for GRAPH
	// Override makes this dataset replace the query's own FROM and FROM NAMED: the SPARQL 1.1
	// Protocol's default-graph-uri and named-graph-uri take precedence over the query's.
	Override bool
}

// Options are the limits and context of one query.
type Options struct {
	Timeout      time.Duration // 0: no limit other than ctx
	MaxRows      int           // result rows (or triples) beyond which the query fails; 0: no limit
	MaxSolutions int           // solutions held in memory at once; 0: DefaultMaxSolutions
	Dataset      *Dataset      // nil: every readable graph is both in the default graph and named
	Visibility   Visibility
	Entailment   Entailment
	Base         string // base IRI for relative IRIs of the query
}

// DefaultMaxSolutions bounds the memory of one query (about 100 bytes per bound variable).
const DefaultMaxSolutions = 1_000_000

// Result is the answer to a query.
type Result struct {
	Form    QueryForm
	Vars    []string    // SELECT: projected variable names, in order
	Rows    [][]Term    // SELECT: one row per solution, aligned with Vars (Unbound when unset)
	Boolean bool        // ASK
	Triples []quad.Quad // CONSTRUCT and DESCRIBE: the graph (nil labels)

	// Plan figures: index lookups by direction (subject, predicate, object, graph) and walks
	// of every quad the query made (tests check the plan rules with them).
	Lookups [4]int
	Scans   int
}

// Engine answers SPARQL queries over a cayley quad store. It is safe for concurrent use.
type Engine struct {
	view func(func(graph.QuadStore) error) error
	// known graphs are listed even before the first scan finds them (kb's own graphs).
	known []string

	mu      sync.Mutex
	graphs  []string // every graph label in the store, found by one scan; nil: not known
	schema  *schema  // entailment tables; nil: to be built
	changes int
}

// New returns an engine over the knowledge base. It follows the store's writes through
// OnChange to drop what it caches (the list of graphs, the entailment tables).
func New(s *kb.Store) *Engine {
	e := &Engine{view: s.View, known: []string{
		ontology.GraphOntology, ontology.GraphVocabulary, ontology.GraphTaxonomy,
		ontology.GraphContent, ontology.GraphDirectory, ontology.GraphHistory,
	}}
	s.OnChange(func(_ context.Context, c kb.Change) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.changes++
		if c.Imported {
			e.graphs = nil // an import may create graphs
		}
		if c.Imported || len(c.Concepts) > 0 || len(c.Deleted) > 0 {
			e.schema = nil // the hierarchy, mappings or schema may have changed
		}
	})
	return e
}

// NewQuadStore returns an engine over a bare cayley quad store (tests, benchmarks). The caller
// must not write while a query runs, and must call Invalidate after writing.
func NewQuadStore(qs graph.QuadStore) *Engine {
	return &Engine{view: func(fn func(graph.QuadStore) error) error { return fn(qs) }}
}

// Invalidate drops everything the engine caches about the store's content.
func (e *Engine) Invalidate() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.graphs, e.schema = nil, nil
}

// allGraphs lists the labels of the store (one scan, then cached until an import).
func (e *Engine) allGraphs(ctx context.Context, qs graph.QuadStore) ([]string, error) {
	e.mu.Lock()
	if e.graphs != nil {
		g := e.graphs
		e.mu.Unlock()
		return g, nil
	}
	e.mu.Unlock()
	seen := map[string]bool{}
	for _, k := range e.known {
		seen[k] = true
	}
	labels := map[graph.Ref]bool{}
	it := allQuads(qs)
	for it.Next(ctx) {
		labels[qs.QuadDirection(it.Result(), quad.Label)] = true
	}
	err := it.Err()
	it.Close()
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	for r := range labels {
		if r != nil {
			if iri, ok := qs.NameOf(r).(quad.IRI); ok {
				seen[string(iri)] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for g := range seen {
		out = append(out, g)
	}
	sort.Strings(out)
	e.mu.Lock()
	e.graphs = out
	e.mu.Unlock()
	return out, nil
}

// Query parses and runs a query. Every failure is an *Error.
func (e *Engine) Query(ctx context.Context, src string, opt Options) (*Result, error) {
	q, err := parse(src, opt.Base)
	if err != nil {
		return nil, err
	}
	if opt.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opt.Timeout)
		defer cancel()
	}
	var res *Result
	err = e.view(func(qs graph.QuadStore) error {
		var err error
		res, err = e.run(ctx, qs, q, opt)
		return err
	})
	if err != nil {
		if _, ok := err.(*Error); !ok {
			err = &Error{Kind: ErrInternal, Msg: err.Error()}
		}
		return nil, err
	}
	return res, nil
}

// Parse checks a query's syntax without running it.
func Parse(src string) error {
	_, err := parse(src, "")
	return err
}

func (e *Engine) run(ctx context.Context, qs graph.QuadStore, q *query, opt Options) (*Result, error) {
	src := newSource(ctx, qs, opt.Visibility)
	src.allGraphs = func() ([]string, error) { return e.allGraphs(ctx, qs) }
	switch {
	case (opt.Dataset == nil || !opt.Dataset.Override) && (len(q.from) > 0 || len(q.fromNamed) > 0):
		src.defaultSet = map[string]bool{}
		for _, g := range q.from {
			src.defaultSet[g] = true
		}
		for _, g := range q.fromNamed {
			src.namedList = append(src.namedList, NewIRI(g))
		}
	case opt.Dataset != nil:
		src.defaultSet = map[string]bool{}
		for _, g := range opt.Dataset.Default {
			src.defaultSet[g] = true
		}
		for _, g := range opt.Dataset.Named {
			src.namedList = append(src.namedList, NewIRI(g))
		}
	default:
		src.defaultAll, src.namedAll = true, true
	}
	ev := &evaluator{
		ctx: ctx, src: src, nvars: len(q.vars.names), vt: q.vars, now: time.Now(),
		maxHeld: int64(opt.MaxSolutions), timeout: opt.Timeout,
		base:    q.base,
		bnodeID: fmt.Sprintf("q%x", time.Now().UnixNano()&0xffffffff),
	}
	if ev.maxHeld == 0 {
		ev.maxHeld = DefaultMaxSolutions
	}
	if opt.Entailment != EntailNone {
		sc, err := e.schemaFor(ctx, qs)
		if err != nil {
			ev.storeErr(err)
			return nil, ev.err
		}
		ev.ent = &entailment{regime: opt.Entailment, schema: sc}
	}
	res := &Result{Form: q.form}
	max := int64(opt.MaxRows)
	switch q.form {
	case Select:
		rows, vars, ok := ev.solutions(q, Term{}, max)
		if !ok {
			return nil, ev.err
		}
		if max > 0 && int64(len(rows)) > max {
			return nil, &Error{Kind: ErrTooManyRows, Msg: fmt.Sprintf("more than %d result rows", max), Limit: max}
		}
		for _, v := range vars {
			res.Vars = append(res.Vars, q.vars.names[v])
		}
		res.Rows = make([][]Term, len(rows))
		for i, r := range rows {
			row := make([]Term, len(vars))
			for j, v := range vars {
				row[j] = r[v]
			}
			res.Rows[i] = row
		}
	case Ask:
		q.limit = 1
		rows, _, ok := ev.solutions(q, Term{}, 0)
		if !ok {
			return nil, ev.err
		}
		res.Boolean = len(rows) > 0
	case Construct:
		rows, _, ok := ev.solutions(q, Term{}, 0)
		if !ok {
			return nil, ev.err
		}
		res.Triples = ev.construct(q, rows)
	case Describe:
		rows, _, ok := ev.solutions(q, Term{}, 0)
		if !ok {
			return nil, ev.err
		}
		res.Triples = ev.describe(q, rows)
		if ev.err != nil {
			return nil, ev.err
		}
	}
	res.Lookups, res.Scans = src.lookups, src.scans
	if max > 0 && int64(len(res.Triples)) > max {
		return nil, &Error{Kind: ErrTooManyRows, Msg: fmt.Sprintf("more than %d triples", max), Limit: max}
	}
	return res, nil
}

// construct instantiates the template for each solution (§16.2): a triple with an unbound
// variable or an invalid term is left out; template blank nodes are new for each solution.
func (ev *evaluator) construct(q *query, rows []solution) []quad.Quad {
	var out []quad.Quad
	seen := map[[3]Term]bool{}
	for i, r := range rows {
		bn := map[int]Term{}
		val := func(s slot) Term {
			if !s.isVar() {
				return s.t
			}
			if t := r[s.v]; t.Bound() {
				return t
			}
			if q.vars.hidden(s.v) {
				b, ok := bn[s.v]
				if !ok {
					b = NewBlank(fmt.Sprintf("%sc%d_%d", ev.bnodeID, i, s.v))
					bn[s.v] = b
				}
				return b
			}
			return Term{}
		}
		for _, t := range q.template {
			s, p, o := val(t.s), val(t.p), val(t.o)
			if !s.Bound() || !p.Bound() || !o.Bound() || s.Kind == Literal || p.Kind != IRI {
				continue
			}
			k := [3]Term{s, p, o}
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, quad.Quad{Subject: s.Quad(), Predicate: p.Quad(), Object: o.Quad()})
		}
	}
	return out
}

// describe returns, for each resource named or bound, its triples in the default graph, and
// those of the blank nodes they lead to (a concise bounded description).
func (ev *evaluator) describe(q *query, rows []solution) []quad.Quad {
	var todo []Term
	for _, d := range q.describe {
		if !d.isVar() {
			todo = append(todo, d.t)
		}
	}
	vars := []int{}
	if q.star {
		vars = orderedVars(q.where, q.vars)
	} else {
		for _, d := range q.describe {
			if d.isVar() {
				vars = append(vars, d.v)
			}
		}
	}
	for _, r := range rows {
		for _, v := range vars {
			if r[v].Bound() {
				todo = append(todo, r[v])
			}
		}
	}
	var out []quad.Quad
	done := map[Term]bool{}
	for len(todo) > 0 {
		t := todo[0]
		todo = todo[1:]
		if done[t] || t.Kind == Literal {
			continue
		}
		done[t] = true
		err := ev.matchStore(t, Term{}, Term{}, Term{}, func(s, p, o Term) bool {
			out = append(out, quad.Quad{Subject: s.Quad(), Predicate: p.Quad(), Object: o.Quad()})
			if o.Kind == Blank {
				todo = append(todo, o)
			}
			return ev.hold(1)
		})
		if err != nil {
			ev.storeErr(err)
			return nil
		}
	}
	return out
}
