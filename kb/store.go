package kb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/quad"

	"sportello/ontology"
)

// ErrNotFound is returned when an IRI or code names nothing in the store.
var ErrNotFound = errors.New("not found")

// Store is the knowledge graph: a cayley quad store whose quads carry their named graph as
// label. It is safe for concurrent use: reads share a lock, writes are serialised and each one
// is applied as a single cayley transaction.
type Store struct {
	qs graph.QuadStore
	kv *boltKV // the bolt database behind qs; nil for memstore

	// failAfterApply, in tests, fails a bolt write after both halves were applied and before
	// the commit, to check that nothing of it stays.
	failAfterApply func() error

	// mu guards the quad store itself: memstore is not safe for reading while writing, and a
	// bolt write must not interleave with the reads a Put does to compute its deletes.
	mu sync.RWMutex
	// wmu serialises writers for the whole read-compute-apply cycle of an Update, so that the
	// quads a Put deletes are exactly the quads present when it is applied.
	wmu sync.Mutex

	// lmu guards the label indexes behind ConceptByLabel and UnitByName, rebuilt lazily after
	// any write that may change labels or names.
	lmu    sync.Mutex
	labels *labelIndex
	// events are the national life events with the tree's mapping (portal.go), dropped with
	// labels; eventsGen counts the drops, so that a list computed across one is not kept.
	events    []LifeEvent
	eventsGen uint64

	refs sync.Map // named graph IRI → graph.Ref; cleared by every write

	// gen counts the committed writes (Generation): bumped by apply, the one place every write
	// goes through, and again once the OnChange hooks have followed a write.
	gen atomic.Uint64

	preds sync.Map // graph.Ref of a predicate → its IRI (references are never reused)

	hmu   sync.Mutex
	hooks []func(context.Context, Change)

	wfOnce sync.Once
	wf     *Workflow // the one writer of pills (Workflow)
}

// Open opens (creating if needed) the bolt-backed store in dir. The graph lives in dir/graph; a
// new graph is initialised and gets the ontology and the national vocabularies loaded.
func Open(dir string) (*Store, error) {
	k, qs, err := openBolt(filepath.Join(dir, "graph"))
	if err != nil {
		return nil, err
	}
	s := &Store{qs: qs, kv: k}
	if err := s.bootstrap(context.Background()); err != nil {
		qs.Close()
		return nil, err
	}
	return s, nil
}

// Exists reports whether dir holds a knowledge graph, for commands that should not create one
// by accident (an export from a mistyped --data).
func Exists(dir string) bool {
	_, err := os.Stat(boltFile(filepath.Join(dir, "graph")))
	return err == nil
}

// OpenMemory opens an empty in-memory store (cayley memstore), for tests. Like a new bolt
// store it holds the ontology and the vocabularies.
func OpenMemory() (*Store, error) {
	s := &Store{qs: openMemory()}
	if err := s.bootstrap(context.Background()); err != nil {
		s.qs.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the store; with bolt it releases the file lock.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.qs == nil {
		return nil
	}
	err := s.qs.Close()
	s.qs = nil
	return err
}

// QuadStore exposes the underlying cayley quad store for read-only uses the typed API does not
// cover (the SPARQL endpoint, reasoning). Callers must not write through it: writes bypass the
// store's locking and transaction rules.
func (s *Store) QuadStore() graph.QuadStore { return s.qs }

// View runs fn with the quad store under the store's read lock, for read-only engines that
// walk quads directly (the SPARQL engine): writes wait until fn returns. fn must not write
// through the quad store.
func (s *Store) View(fn func(graph.QuadStore) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.qs == nil {
		return errors.New("kb: store is closed")
	}
	return fn(s.qs)
}

// apply writes a batch's statements atomically: every one or none. Each added statement is
// checked first (checkWritable): the store holds only what every RDF syntax can write.
func (s *Store) apply(ctx context.Context, d *deltaSet) error {
	if d.empty() {
		return nil
	}
	dels, adds := d.deltas()
	d.release() // a big import's map of statements is not needed any more: free it before cayley and bolt need their share
	for _, a := range adds {
		if err := checkWritable(a.Quad); err != nil {
			return err
		}
	}
	if len(dels)+len(adds) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.qs == nil {
		return errors.New("kb: store is closed")
	}
	s.refs.Clear() // a graph emptied and filled again may get a new reference
	if err := s.applyDeltas(ctx, dels, adds); err != nil {
		return fmt.Errorf("kb: write: %w", err)
	}
	// Still under the write lock: a reader that sees the new statements sees the new number.
	s.gen.Add(1)
	return nil
}

// Generation is a number that changes with every committed write and only then: what is
// computed from the store (the portal's pages and counts, their ETags) stays valid while it
// holds. It is bumped when a write is applied and again after the OnChange hooks ran, so that
// what follows the store (the search index) is in step with the second number.
func (s *Store) Generation() uint64 { return s.gen.Load() }

// The read helpers below follow the no-scan rule (package doc): each is one indexed lookup of
// the quads around one node. They must be called with s.mu held for reading.

// quadsDir returns the quads whose direction d is v, in graph g (any graph when g is empty).
// Quads of other graphs are dropped by their label's reference before any value is read; of
// the rest only the values not already known are read — not v itself, nor the graph, nor
// predicates seen before — in one batch (one bolt read transaction).
func (s *Store) quadsDir(ctx context.Context, d quad.Direction, v quad.Value, g string) []quad.Quad {
	return s.quadsDirPred(ctx, d, v, "", g)
}

// quadsDirPred is quadsDir keeping only predicate pred (any when empty), compared by reference
// before anything is read.
func (s *Store) quadsDirPred(ctx context.Context, d quad.Direction, v quad.Value, pred, g string) []quad.Quad {
	if pred == "" {
		return s.quadsDirPreds(ctx, d, v, nil, g)
	}
	return s.quadsDirPreds(ctx, d, v, []string{pred}, g)
}

// quadsDirPreds is quadsDir keeping only the predicates preds (any when nil).
func (s *Store) quadsDirPreds(ctx context.Context, d quad.Direction, v quad.Value, preds []string, g string) []quad.Quad {
	qs := s.qs
	ref := qs.ValueOf(v)
	if ref == nil {
		return nil
	}
	var gref graph.Ref
	if g != "" {
		if gref = s.graphRef(g); gref == nil {
			return nil
		}
	}
	var prefs map[graph.Ref]string
	if preds != nil {
		prefs = map[graph.Ref]string{}
		for _, p := range preds {
			if r := s.graphRef(p); r != nil {
				prefs[r] = p
			}
		}
		if len(prefs) == 0 {
			return nil
		}
	}
	it := qs.QuadIterator(d, ref)
	defer it.Close()
	var (
		refs   [][4]graph.Ref
		need   []graph.Ref
		needed = map[graph.Ref]bool{}
	)
	for it.Next(ctx) {
		r := it.Result()
		var q [4]graph.Ref
		for i, dir := range quad.Directions {
			q[i] = qs.QuadDirection(r, dir)
		}
		if gref != nil && q[3] != gref {
			continue
		}
		if _, ok := prefs[q[1]]; prefs != nil && !ok {
			continue
		}
		refs = append(refs, q)
		for i, x := range q {
			if x == nil || quad.Directions[i] == d || (i == 3 && gref != nil) || (i == 1 && prefs != nil) || needed[x] {
				continue
			}
			if _, ok := s.preds.Load(x); ok && i == 1 {
				continue
			}
			needed[x] = true
			need = append(need, x)
		}
	}
	if len(refs) == 0 {
		return nil
	}
	vals, err := graph.ValuesOf(ctx, qs, need)
	if err != nil {
		return nil
	}
	known := make(map[graph.Ref]quad.Value, len(need))
	for i, x := range need {
		known[x] = vals[i]
	}
	out := make([]quad.Quad, 0, len(refs))
	for _, q := range refs {
		var vq [4]quad.Value
		for i, x := range q {
			switch {
			case x == nil:
			case quad.Directions[i] == d:
				vq[i] = v
			case i == 3 && gref != nil:
				vq[i] = quad.IRI(g)
			case i == 1 && prefs != nil:
				vq[i] = quad.IRI(prefs[x])
			case i == 1 && known[x] == nil:
				p, _ := s.preds.Load(x)
				vq[i], _ = p.(quad.Value)
			default:
				vq[i] = known[x]
			}
		}
		if vq[1] != nil && known[q[1]] != nil {
			// References are never reused for another value, so predicates (a few dozen
			// in all) can be remembered for the life of the store.
			s.preds.Store(q[1], vq[1])
		}
		out = append(out, quad.Quad{Subject: vq[0], Predicate: vq[1], Object: vq[2], Label: vq[3]})
	}
	return out
}

// graphRef is the store's reference of an IRI that names a graph or a predicate, cached until
// the next write.
func (s *Store) graphRef(g string) graph.Ref {
	if r, ok := s.refs.Load(g); ok {
		return r.(graph.Ref)
	}
	r := s.qs.ValueOf(quad.IRI(g))
	if r != nil {
		s.refs.Store(g, r)
	}
	return r
}

// out returns the quads with subject v in graph g.
func (s *Store) out(ctx context.Context, v quad.Value, g string) []quad.Quad {
	return s.quadsDir(ctx, quad.Subject, v, g)
}

// subjects returns the subjects of (?, p, o) in graph g, sorted and without repeats, by the
// object index of o.
func (s *Store) subjects(ctx context.Context, p string, o quad.Value, g string) []quad.Value {
	seen := map[quad.Value]bool{}
	var out []quad.Value
	for _, q := range s.quadsDirPred(ctx, quad.Object, o, p, g) {
		if seen[q.Subject] {
			continue
		}
		seen[q.Subject] = true
		out = append(out, q.Subject)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// hasType reports whether (v, rdf:type, class) is in graph g.
func (s *Store) hasType(ctx context.Context, v quad.Value, class, g string) bool {
	for _, q := range s.out(ctx, v, g) {
		if sameIRI(q.Predicate, ontology.RDFType) && sameIRI(q.Object, class) {
			return true
		}
	}
	return false
}

// hasOntology reports whether the ontology graph holds the ontology header, by the object
// index of owl:Ontology (bolt has no index by graph: asking for a graph's quads walks them all).
func (s *Store) hasOntology(ctx context.Context) bool {
	return len(s.subjects(ctx, ontology.RDFType, quad.IRI(ontology.OWLOntology), ontology.GraphOntology)) > 0
}

func sameIRI(v quad.Value, iri string) bool {
	i, ok := v.(quad.IRI)
	return ok && string(i) == iri
}

// Batch collects writes that an Update applies as one transaction: all of them or none.
// Reads inside a batch see the store as it was before the batch (plus what the batch itself
// needs for its own checks, such as codes and concepts it already holds).
type Batch struct {
	s   *Store
	ctx context.Context
	tx  *deltaSet

	touched  map[string]bool        // IRIs written by this batch
	added    map[string][]quad.Quad // graph + subject → what its last replace added
	codes    map[string]string      // pill code → IRI within the batch
	broader  map[string][]string    // concept → parents, for concepts written by this batch
	kinds    map[string]string      // IRI → class written by this batch (concept, unit)
	change   Change                 // what the batch writes, for OnChange
	dirtyIdx bool

	records     map[string]*recordState // pills' records read and changed by the batch's steps
	recordOrder []string
	released    map[string]bool // pills taken out of the content graph: their codes are free
}

// Update runs fn with a Batch and applies everything fn wrote in one cayley transaction. If fn
// returns an error, nothing is written. fn must not call Update itself.
func (s *Store) Update(ctx context.Context, fn func(b *Batch) error) error {
	change, err := s.update(ctx, fn)
	if err != nil {
		return err
	}
	s.notify(ctx, change)
	return nil
}

func (s *Store) update(ctx context.Context, fn func(b *Batch) error) (Change, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	b := &Batch{
		s: s, ctx: ctx, tx: newDeltaSet(),
		touched: map[string]bool{}, codes: map[string]string{},
		broader: map[string][]string{}, kinds: map[string]string{},
	}
	if err := fn(b); err != nil {
		return Change{}, err
	}
	if err := b.flushRecords(); err != nil {
		return Change{}, err
	}
	if err := ctx.Err(); err != nil {
		return Change{}, err
	}
	// What the batch kept to compute its writes goes before the writes are applied.
	b.records, b.added, b.touched = nil, nil, nil
	if err := s.apply(ctx, b.tx); err != nil {
		return Change{}, err
	}
	if b.dirtyIdx {
		s.invalidateLabels()
	}
	return b.change.dedup(), nil
}

// Change tells what a committed write touched, so that what follows the store (the search
// index, live pages) can follow it without reading everything again.
type Change struct {
	Pills        []string `json:"pills,omitempty"` // IRIs written
	DeletedPills []string `json:"deletedPills,omitempty"`
	Concepts     []string `json:"concepts,omitempty"`
	Units        []string `json:"units,omitempty"`
	People       []string `json:"people,omitempty"`
	Deleted      []string `json:"deleted,omitempty"`  // concepts, units and people removed
	Imported     bool     `json:"imported,omitempty"` // an RDF import: anything may have changed
}

// dedup lists each IRI once (a batch may write a resource twice: the last write wins).
func (c Change) dedup() Change {
	for _, l := range []*[]string{&c.Pills, &c.DeletedPills, &c.Concepts, &c.Units, &c.People, &c.Deleted} {
		seen := map[string]bool{}
		out := (*l)[:0:0]
		for _, iri := range *l {
			if !seen[iri] {
				seen[iri] = true
				out = append(out, iri)
			}
		}
		if len(out) == 0 {
			out = nil
		}
		*l = out
	}
	return c
}

func (c Change) empty() bool {
	return len(c.Pills)+len(c.DeletedPills)+len(c.Concepts)+len(c.Units)+len(c.People)+len(c.Deleted) == 0 && !c.Imported
}

// OnChange registers fn to be called after every committed write, outside the store's locks
// (fn may read the store, and may write to it, which calls fn again).
func (s *Store) OnChange(fn func(ctx context.Context, c Change)) {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	s.hooks = append(s.hooks, fn)
}

func (s *Store) notify(ctx context.Context, c Change) {
	if c.empty() {
		return
	}
	s.hmu.Lock()
	hooks := append([]func(context.Context, Change){}, s.hooks...)
	s.hmu.Unlock()
	for _, fn := range hooks {
		fn(ctx, c)
	}
	s.gen.Add(1) // the search index and the like have followed: what was built before is old
}

// touch records that the batch writes iri.
func (b *Batch) touch(iri string) error {
	b.touched[iri] = true
	return nil
}

// taken reports whether iri already names something in the store or in the batch.
func (b *Batch) taken(iri string) bool {
	if b.touched[iri] {
		return true
	}
	b.s.mu.RLock()
	defer b.s.mu.RUnlock()
	return len(b.s.out(b.ctx, quad.IRI(iri), "")) > 0
}

// replace queues the replacement of subject's quads in graph g by add: the old quads (except
// those keep accepts) and the quads of the nodes subject owns (IRIs subject#…) are deleted.
// Quads both removed and added cancel out inside the transaction. Writing the same subject
// again in a batch replaces what the batch added for it before: the last write wins.
func (b *Batch) replace(subject, g string, keep func(quad.Quad) bool, add []quad.Quad) {
	key := g + " " + subject
	for _, q := range b.added[key] {
		b.tx.unadd(q)
	}
	b.s.mu.RLock()
	old := b.s.owned(b.ctx, subject, g)
	b.s.mu.RUnlock()
	for _, q := range old {
		if keep != nil && keep(q) {
			continue
		}
		b.tx.removeStored(q)
	}
	for _, q := range add {
		b.tx.add(q)
	}
	if b.added == nil {
		b.added = map[string][]quad.Quad{}
	}
	b.added[key] = add
}

// owned returns subject's quads in graph g and those of the nodes it owns.
func (s *Store) owned(ctx context.Context, subject, g string) []quad.Quad {
	quads := s.out(ctx, quad.IRI(subject), g)
	n := len(quads)
	for _, q := range quads[:n] {
		if o, ok := q.Object.(quad.IRI); ok && isOwned(subject, string(o)) {
			quads = append(quads, s.out(ctx, o, g)...)
		}
	}
	return quads
}

// isOwned reports whether node is one of subject's own nodes (subject#answer, subject#form-1…).
func isOwned(subject, node string) bool {
	return len(node) > len(subject)+1 && node[:len(subject)] == subject && node[len(subject)] == '#'
}
