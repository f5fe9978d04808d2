package kb

// This file opens the quad store and applies writes to it atomically.
//
// cayley's key-value backends (bolt among them) mis-apply a transaction in which some node loses
// more statements than it gains while also gaining one: graphlog.SplitDeltas files such a node
// only under "decrement", and kv.ApplyDeltas then writes the statements that add it with that
// position left empty — a quad with a nil subject, predicate or object (cayley issue #885, still
// open upstream). Replacing a pill by a shorter version, or moving a property from many pills to
// one in a batch, is exactly that, and every export failed afterwards.
//
// The fix here is at the transaction boundary rather than in a fork of cayley: a write is applied
// as two ApplyDeltas calls — first every delete, then every add — so that no call both decrements
// and increments a node, and both calls run inside ONE bolt read-write transaction, committed once
// at the end. boltKV hands cayley's kv layer that shared transaction whenever it asks for a
// read-write one; cayley's Commit and Close on it do nothing, and the store commits (or rolls
// back) the whole write itself. A kill -9 at any moment leaves the bolt file before or after the
// write, never in between (bolt's copy-on-write commit). After a failed write the kv layer's
// in-memory caches (value LRU, bloom filters) may describe the rolled-back state, so the cayley
// quad store is reopened on the same file.

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/boltdb/bolt"
	"github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/cayley/graph/kv"
	"github.com/cayleygraph/cayley/graph/memstore"
	"github.com/cayleygraph/quad"
	hkv "github.com/hidal-go/hidalgo/kv"
	hbolt "github.com/hidal-go/hidalgo/kv/bolt"

	"sportello/internal/fsperm"
)

// boltKV is hidalgo's bolt database with a shared read-write transaction (see above).
type boltKV struct {
	db *hbolt.DB

	mu    sync.Mutex
	outer hkv.Tx // the write in progress, or nil
}

func (k *boltKV) Close() error { return k.db.Close() }

// Tx returns the shared transaction for read-write requests while a write is in progress.
func (k *boltKV) Tx(rw bool) (hkv.Tx, error) {
	k.mu.Lock()
	outer := k.outer
	k.mu.Unlock()
	if rw && outer != nil {
		return sharedTx{outer}, nil
	}
	return k.db.Tx(rw)
}

func (k *boltKV) begin() error {
	tx, err := k.db.Tx(true)
	if err != nil {
		return err
	}
	k.mu.Lock()
	k.outer = tx
	k.mu.Unlock()
	return nil
}

// end commits (or rolls back) the shared transaction.
func (k *boltKV) end(ctx context.Context, commit bool) error {
	k.mu.Lock()
	tx := k.outer
	k.outer = nil
	k.mu.Unlock()
	if tx == nil {
		return nil
	}
	if !commit {
		return tx.Close()
	}
	if err := tx.Commit(ctx); err != nil {
		tx.Close()
		return err
	}
	return nil
}

// sharedTx is the shared transaction as cayley sees it: its own Commit and Close are no-ops.
type sharedTx struct{ hkv.Tx }

func (sharedTx) Commit(context.Context) error { return nil }
func (sharedTx) Close() error                 { return nil }

// boltFile is where cayley's bolt backend keeps the graph (graph/kv/bolt uses the same name, so
// stores written before this file existed open unchanged).
func boltFile(dir string) string { return filepath.Join(dir, "indexes.bolt") }

// openBolt opens (creating if needed) the bolt quad store in dir. A file held by another
// process fails after 2 s instead of waiting forever.
func openBolt(dir string) (*boltKV, graph.QuadStore, error) {
	if err := fsperm.MkdirAll(dir); err != nil {
		return nil, nil, fmt.Errorf("kb: create %s: %w", dir, err)
	}
	// bolt opens its file 0644: create it private first, tighten an older one (internal/fsperm).
	if err := fsperm.Private(boltFile(dir)); err != nil {
		return nil, nil, fmt.Errorf("kb: create %s: %w", boltFile(dir), err)
	}
	db, err := hbolt.Open(boltFile(dir), &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, nil, fmt.Errorf("kb: %s is in use by another process (is sportello serve running?)", boltFile(dir))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("kb: open %s: %w", boltFile(dir), err)
	}
	k := &boltKV{db: db}
	if err := kv.Init(k, nil); err != nil && !errors.Is(err, graph.ErrDatabaseExists) {
		db.Close()
		return nil, nil, fmt.Errorf("kb: initialise graph in %s: %w", dir, err)
	}
	qs, err := newKVQuadStore(k)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("kb: open graph in %s: %w", dir, err)
	}
	return k, qs, nil
}

// newKVQuadStore opens cayley's kv quad store without its bloom filters: they cost about 80 MB
// each (three more on an empty store) and a walk of the whole log at every start, for a check
// the indexes answer anyway (README, Benchmarks).
func newKVQuadStore(k *boltKV) (graph.QuadStore, error) {
	return kv.New(k, graph.Options{kv.OptNoBloom: true})
}

func openMemory() graph.QuadStore { return memstore.New() }

// applyDeltas writes dels and adds atomically (see the top of this file).
func (s *Store) applyDeltas(ctx context.Context, dels, adds []graph.Delta) error {
	opts := graph.IgnoreOpts{IgnoreDup: true, IgnoreMissing: true}
	if s.kv == nil {
		// memstore applies deltas one by one, in order, and never fails half-way on them.
		return s.qs.ApplyDeltas(append(dels, adds...), opts)
	}
	if err := s.kv.begin(); err != nil {
		return err
	}
	err := func() error {
		// One call each, not chunks: cayley sorts a call's index keys before it puts them, and
		// bolt inserts sorted keys cheaply; keys of later chunks land between earlier ones and
		// bolt moves its unsplit in-memory nodes at every insert (ten times slower at 10k rows).
		for _, part := range [][]graph.Delta{dels, adds} {
			if len(part) > 0 {
				if err := s.qs.ApplyDeltas(part, opts); err != nil {
					return err
				}
			}
		}
		if s.failAfterApply != nil {
			if err := s.failAfterApply(); err != nil {
				return err
			}
		}
		return s.kv.end(ctx, true)
	}()
	if err == nil {
		return nil
	}
	s.kv.end(ctx, false)
	// The kv layer may have cached values of the rolled-back transaction: start it afresh.
	if qs, rerr := newKVQuadStore(s.kv); rerr == nil {
		s.qs = qs
	} else {
		err = errors.Join(err, fmt.Errorf("kb: reopening the graph after a failed write: %w", rerr))
	}
	return err
}

// deltaSet collects the statements a write adds and removes. The last request for a statement
// wins; removing a statement read from the store and adding it back leaves it alone (neither
// call reaches cayley, whose duplicate adds would inflate its reference counts).
type deltaSet struct {
	state map[quad.Quad]uint8
	order []quad.Quad
}

const (
	wantAdd uint8 = 1 << iota
	wantDel
	stored // read from the store: it exists
)

func newDeltaSet() *deltaSet { return &deltaSet{state: map[quad.Quad]uint8{}} }

func (d *deltaSet) set(q quad.Quad, want uint8, known bool) {
	st, ok := d.state[q]
	if !ok {
		d.order = append(d.order, q)
	}
	st = st&stored | want
	if known {
		st |= stored
	}
	d.state[q] = st
}

// add asks for q to be in the store after the write.
func (d *deltaSet) add(q quad.Quad) { d.set(q, wantAdd, false) }

// remove asks for q not to be in the store after the write.
func (d *deltaSet) remove(q quad.Quad) { d.set(q, wantDel, false) }

// unadd takes back an earlier add of q, unless q is in the store and stays.
func (d *deltaSet) unadd(q quad.Quad) {
	st, ok := d.state[q]
	if !ok || st&wantAdd == 0 {
		return
	}
	if st&stored != 0 {
		return // it exists and was to stay: leave it
	}
	d.state[q] = st &^ wantAdd
}

// removeStored is remove for a statement read from the store.
func (d *deltaSet) removeStored(q quad.Quad) { d.set(q, wantDel, true) }

func (d *deltaSet) empty() bool { return len(d.order) == 0 }

// deltas returns what to delete and what to add.
func (d *deltaSet) deltas() (dels, adds []graph.Delta) {
	for _, q := range d.order {
		st := d.state[q]
		switch {
		case st&wantAdd != 0 && st&stored == 0:
			adds = append(adds, graph.Delta{Quad: q, Action: graph.Add})
		case st&wantDel != 0:
			dels = append(dels, graph.Delta{Quad: q, Action: graph.Delete})
		}
	}
	return dels, adds
}

// release drops the set's memory once its deltas are taken.
func (d *deltaSet) release() { d.state, d.order = nil, nil }
