package kb

// The export's walk of a bolt store. cayley's iterator over every quad resolves each quad and
// its values through separate lookups and transactions: 45k quads per CPU-second and a heap that
// grows with the store (766 MB at a million quads). An export is a read of everything, so here
// it reads cayley's key-value layout directly, in ONE bolt read transaction (a snapshot: writers
// go on meanwhile, and the store is exported as it was when the export started):
//
//   - the log bucket, in id order: every value (node) and every quad cayley ever wrote, a
//     sequential read of the file; quads deleted since are marked dead and skipped;
//   - values through a bounded cache: a value is written before the first quad that uses it, so
//     the cache is filled as the walk passes values; predicates and graphs are few and stay;
//   - a syntax without graphs writes a triple held in several graphs once: a bloom filter of
//     (subject, predicate, object) ids, sized from the store (at most 16 MB), says which triple
//     may have been written already, and only those are checked exactly, in the index by object.
//
// Statements come in the order they were written, which keeps a resource's statements together
// (each Put writes them in one go) — what Turtle, TriG and RDF/XML abbreviate. The layout is
// cayley v0.7.7's (data version 2, graph/kv/indexing.go); a store without the log or the object
// index (an older layout) is exported through cayley's iterator instead.

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/boltdb/bolt"
	"github.com/cayleygraph/cayley/graph/kv"
	"github.com/cayleygraph/cayley/graph/proto"
	"github.com/cayleygraph/quad"
	"github.com/cayleygraph/quad/pquads"
)

// errNoFastPath sends the export to cayley's iterator.
var errNoFastPath = errors.New("no subject index")

// valueCache maps value ids to values, bounded: two generations of at most valueCacheSize each.
type valueCache struct {
	cur, old map[uint64]quad.Value
}

const valueCacheSize = 1 << 15

func (c *valueCache) get(id uint64) (quad.Value, bool) {
	if v, ok := c.cur[id]; ok {
		return v, true
	}
	if v, ok := c.old[id]; ok {
		c.put(id, v)
		return v, true
	}
	return nil, false
}

func (c *valueCache) put(id uint64, v quad.Value) {
	if len(c.cur) >= valueCacheSize {
		c.old, c.cur = c.cur, make(map[uint64]quad.Value, valueCacheSize)
	}
	c.cur[id] = v
}

// objectIndex is the name of the bolt bucket of cayley's index by object, predicate, subject.
func objectIndex(tx *bolt.Tx) []byte {
	meta := tx.Bucket([]byte("meta"))
	if meta == nil {
		return nil
	}
	var indexes []kv.QuadIndex
	if err := json.Unmarshal(meta.Get([]byte("indexes")), &indexes); err != nil {
		return nil
	}
	for _, ind := range indexes {
		d := ind.Dirs
		if len(d) == 3 && d[0] == quad.Object && d[1] == quad.Predicate && d[2] == quad.Subject {
			name := []byte{d[0].Prefix(), d[1].Prefix(), d[2].Prefix()}
			if tx.Bucket(name) != nil {
				return name
			}
		}
	}
	return nil
}

// tripleBloom is a bloom filter of triples by their value ids.
type tripleBloom struct{ bits []uint64 }

func newTripleBloom(tx *bolt.Tx) *tripleBloom {
	var quads int64
	if meta := tx.Bucket([]byte("meta")); meta != nil {
		if v := meta.Get([]byte("size")); len(v) == 8 {
			quads = int64(binary.LittleEndian.Uint64(v))
		}
	}
	n := min(max(quads*10, 1<<16), 1<<27) // ~10 bits a triple: about 1% false positives
	return &tripleBloom{bits: make([]uint64, (n+63)/64)}
}

func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	return x ^ x>>33
}

// seen reports whether the triple may have been added before, and adds it.
func (b *tripleBloom) seen(s, p, o uint64) bool {
	h1 := mix(s*0x9e3779b97f4a7c15 ^ mix(p) ^ mix(o+0x632be59bd9b4e019))
	h2 := mix(h1) | 1
	m := uint64(len(b.bits) * 64)
	all := true
	for i := uint64(0); i < 4; i++ {
		bit := (h1 + i*h2) % m
		w, mask := bit/64, uint64(1)<<(bit%64)
		if b.bits[w]&mask == 0 {
			all = false
			b.bits[w] |= mask
		}
	}
	return all
}

// writtenBefore reports whether a live statement with q's subject, predicate and object, a
// smaller id and a graph kept(label) exists: the walk has written it already.
func writtenBefore(ops *bolt.Bucket, q *proto.Primitive, kept func(label uint64) bool, prim func(uint64, *proto.Primitive) (bool, error)) (bool, error) {
	var key [24]byte
	binary.BigEndian.PutUint64(key[0:], q.Object)
	binary.BigEndian.PutUint64(key[8:], q.Predicate)
	binary.BigEndian.PutUint64(key[16:], q.Subject)
	ids := ops.Get(key[:])
	var other proto.Primitive
	for len(ids) > 0 {
		id, w := binary.Uvarint(ids)
		if w <= 0 {
			return false, errors.New("kb: export: damaged index entry")
		}
		ids = ids[w:]
		if id >= q.ID {
			continue
		}
		ok, err := prim(id, &other)
		if err != nil {
			return false, err
		}
		if ok && !other.Deleted && other.Subject == q.Subject && other.Predicate == q.Predicate && other.Object == q.Object && kept(other.Label) {
			return true, nil
		}
	}
	return false, nil
}

// boltEach calls fn with every live statement of graph g (every graph when empty), in slices of
// consecutive statements (a subject's, where the log keeps them together) that fn must not
// keep. With triples, a statement held in several graphs comes once, without its graph. keep,
// when set, filters statements before a triple held in several graphs is reduced to one
// (a viewer must not lose it to a copy in a graph it may not read); it is called with s.mu held
// for reading.
func (s *Store) boltEach(ctx context.Context, g string, triples bool, keep func(quad.Quad) bool, fn func([]quad.Quad) error) error {
	s.mu.RLock()
	k := s.kv
	s.mu.RUnlock()
	if k == nil {
		return errNoFastPath
	}
	db := k.db.DB()
	return db.View(func(tx *bolt.Tx) error {
		log := tx.Bucket([]byte("log"))
		if log == nil {
			return errNoFastPath
		}
		cache := &valueCache{cur: map[uint64]quad.Value{}, old: map[uint64]quad.Value{}}
		var key [8]byte
		prim := func(id uint64, p *proto.Primitive) (bool, error) {
			binary.BigEndian.PutUint64(key[:], id)
			raw := log.Get(key[:])
			if raw == nil {
				return false, nil
			}
			*p = proto.Primitive{}
			if err := p.Unmarshal(raw); err != nil {
				return false, fmt.Errorf("kb: export: quad %d: %w", id, err)
			}
			return true, nil
		}
		var node proto.Primitive
		value := func(id uint64) (quad.Value, error) {
			if id == 0 {
				return nil, nil
			}
			if v, ok := cache.get(id); ok {
				return v, nil
			}
			ok, err := prim(id, &node)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, fmt.Errorf("kb: export: value %d is missing", id)
			}
			v, err := pquads.UnmarshalValue(node.Value)
			if err != nil {
				return nil, fmt.Errorf("kb: export: value %d: %w", id, err)
			}
			cache.put(id, v)
			return v, nil
		}
		var onlyGraph uint64
		if g != "" {
			found := false
			// The graph's id: any quad of it would tell, but the value bucket maps values to ids.
			h := quad.HashOf(quad.IRI(g))
			if vb := tx.Bucket([]byte{'v', h[0], h[1]}); vb != nil {
				if raw := vb.Get(h); len(raw) > 0 {
					onlyGraph, _ = binary.Uvarint(raw)
					found = onlyGraph != 0
				}
			}
			if !found {
				return nil // no such graph: nothing to write
			}
		}

		// Triples held in several graphs: a bloom filter of (subject, predicate, object) ids
		// says which may have been written already; only those are checked, exactly, in the
		// index by object (the live statement of the smallest id is the one written).
		var bloom *tripleBloom
		var ops *bolt.Bucket
		if triples {
			name := objectIndex(tx)
			if name == nil {
				return errNoFastPath
			}
			bloom, ops = newTripleBloom(tx), tx.Bucket(name)
		}
		var (
			p     proto.Primitive
			n     int
			group []quad.Quad
			prev  uint64
		)
		flush := func() error {
			if len(group) == 0 {
				return nil
			}
			err := fn(group)
			group = group[:0]
			return err
		}
		c := log.Cursor()
		for kk, raw := c.First(); kk != nil; kk, raw = c.Next() {
			if n++; n%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			p = proto.Primitive{}
			if err := p.Unmarshal(raw); err != nil {
				return fmt.Errorf("kb: export: primitive %x: %w", kk, err)
			}
			if p.IsNode() {
				if v, err := pquads.UnmarshalValue(p.Value); err == nil {
					cache.put(p.ID, v)
				}
				continue
			}
			if p.Deleted || onlyGraph != 0 && p.Label != onlyGraph {
				continue
			}
			var vals [4]quad.Value
			for i, ref := range [4]uint64{p.Subject, p.Predicate, p.Object, p.Label} {
				var err error
				if vals[i], err = value(ref); err != nil {
					return err
				}
			}
			out := quad.Quad{Subject: vals[0], Predicate: vals[1], Object: vals[2], Label: vals[3]}
			if unsafeStatement(out) { // a javascript: link is not published (links.go)
				continue
			}
			if keep != nil {
				s.mu.RLock()
				ok := s.qs != nil && keep(out)
				s.mu.RUnlock()
				if !ok {
					continue
				}
			}
			if triples {
				if bloom.seen(p.Subject, p.Predicate, p.Object) {
					// Written already if a live copy with a smaller id (in the walk's order)
					// was kept.
					written, err := writtenBefore(ops, &p, func(label uint64) bool {
						if keep == nil {
							return true
						}
						g, err := value(label)
						if err != nil {
							return false
						}
						s.mu.RLock()
						defer s.mu.RUnlock()
						return s.qs != nil && keep(quad.Quad{Subject: out.Subject, Predicate: out.Predicate, Object: out.Object, Label: g})
					}, prim)
					if err != nil {
						return err
					}
					if written {
						continue
					}
				}
				out.Label = nil
			}
			// Statements go out a subject at a time where the log keeps them together.
			if p.Subject != prev && len(group) > 0 {
				if err := flush(); err != nil {
					return err
				}
			}
			prev = p.Subject
			group = append(group, out)
			if len(group) >= 1024 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return flush()
	})
}
