package rdf

import (
	"hash/fnv"
	"slices"
	"strings"

	"github.com/cayleygraph/quad"
)

const xsdString = "http://www.w3.org/2001/XMLSchema#string"

// Isomorphic reports whether two RDF datasets are the same up to the renaming of blank nodes
// (RDF 1.1 Concepts, 3.6 and 4.3). Duplicate quads count once, as in a set. A literal's
// language tag is compared without regard to case, and "x"^^xsd:string equals the plain "x".
//
// The algorithm colours blank nodes by refinement (a node's colour is the hash of its old
// colour and of the quads around it, until the partition stops changing), then, where colours
// still tie, first tries pairing the tied nodes as they come and otherwise individualises one
// node against each candidate and recurses. Every complete
// candidate mapping is verified quad by quad, so hash collisions cannot make it wrong.
func Isomorphic(a, b []quad.Quad) bool {
	ga, gb := isoPrepare(a), isoPrepare(b)
	if len(ga.ground) != len(gb.ground) || len(ga.quads) != len(gb.quads) || len(ga.nodes) != len(gb.nodes) {
		return false
	}
	for k := range ga.ground {
		if _, ok := gb.ground[k]; !ok {
			return false
		}
	}
	if len(ga.nodes) == 0 {
		return true
	}
	ca := make([]uint64, len(ga.nodes))
	cb := make([]uint64, len(gb.nodes))
	return isoSearch(ga, gb, ca, cb)
}

// isoTerm is a term of a quad: a blank node (node >= 0) or a ground term by key.
type isoTerm struct {
	node int
	key  string
}

type isoGraph struct {
	ground map[string]struct{} // quads without blank nodes, by key
	quads  [][4]isoTerm        // quads with at least one blank node, deduplicated
	nodes  []string            // blank node labels; index is the node number
	set    map[[4]isoTerm]struct{}
}

func isoPrepare(qs []quad.Quad) *isoGraph {
	g := &isoGraph{ground: map[string]struct{}{}, set: map[[4]isoTerm]struct{}{}}
	ids := map[string]int{}
	for _, q := range qs {
		var t [4]isoTerm
		hasNode := false
		for i, v := range [4]quad.Value{q.Subject, q.Predicate, q.Object, q.Label} {
			if bn, ok := v.(quad.BNode); ok {
				id, ok := ids[string(bn)]
				if !ok {
					id = len(g.nodes)
					ids[string(bn)] = id
					g.nodes = append(g.nodes, string(bn))
				}
				t[i] = isoTerm{node: id}
				hasNode = true
				continue
			}
			t[i] = isoTerm{node: -1, key: isoKey(v)}
		}
		if !hasNode {
			g.ground[t[0].key+"\x00"+t[1].key+"\x00"+t[2].key+"\x00"+t[3].key] = struct{}{}
			continue
		}
		if _, dup := g.set[t]; !dup {
			g.set[t] = struct{}{}
			g.quads = append(g.quads, t)
		}
	}
	return g
}

// isoKey is a term's identity for comparison, with the normalisations Isomorphic documents.
func isoKey(v quad.Value) string {
	switch v := v.(type) {
	case nil:
		return ""
	case quad.IRI:
		return "I" + string(v)
	case quad.String:
		return "L" + string(v)
	case quad.LangString:
		return "G" + strings.ToLower(v.Lang) + "\x01" + string(v.Value)
	case quad.TypedString:
		if v.Type == xsdString {
			return "L" + string(v.Value)
		}
		return "T" + string(v.Type) + "\x01" + string(v.Value)
	}
	return "V" + v.String()
}

// isoRefine recolours the blank nodes of g until the number of colours stops growing.
func isoRefine(g *isoGraph, col []uint64) []uint64 {
	distinct := isoDistinct(col)
	for {
		sigs := make([][]uint64, len(col))
		for _, q := range g.quads {
			for pos, t := range q {
				if t.node < 0 {
					continue
				}
				h := fnv.New64a()
				h.Write([]byte{byte(pos)})
				for i, u := range q {
					switch {
					case u.node == t.node:
						h.Write([]byte{byte(i), 's'})
					case u.node >= 0:
						h.Write([]byte{byte(i), 'b'})
						h.Write(isoU64(col[u.node]))
					default:
						h.Write([]byte{byte(i), 'g'})
						h.Write([]byte(u.key))
						h.Write([]byte{0})
					}
				}
				sigs[t.node] = append(sigs[t.node], h.Sum64())
			}
		}
		next := make([]uint64, len(col))
		for n, s := range sigs {
			slices.Sort(s)
			h := fnv.New64a()
			h.Write(isoU64(col[n]))
			for _, x := range s {
				h.Write(isoU64(x))
			}
			next[n] = h.Sum64()
		}
		d := isoDistinct(next)
		col = next
		if d <= distinct {
			return col
		}
		distinct = d
	}
}

func isoDistinct(col []uint64) int {
	seen := map[uint64]struct{}{}
	for _, c := range col {
		seen[c] = struct{}{}
	}
	return len(seen)
}

func isoU64(x uint64) []byte {
	return []byte{byte(x), byte(x >> 8), byte(x >> 16), byte(x >> 24), byte(x >> 32), byte(x >> 40), byte(x >> 48), byte(x >> 56)}
}

func isoSearch(ga, gb *isoGraph, ca, cb []uint64) bool {
	ca, cb = isoRefine(ga, ca), isoRefine(gb, cb)
	// Refinement is the same function on both sides, so isomorphic graphs keep equal colour
	// multisets; a difference proves they are not.
	classA := map[uint64][]int{}
	for n, c := range ca {
		classA[c] = append(classA[c], n)
	}
	classB := map[uint64][]int{}
	for n, c := range cb {
		classB[c] = append(classB[c], n)
	}
	if len(classA) != len(classB) {
		return false
	}
	var pick uint64
	best := 0
	for c, ns := range classA {
		if len(classB[c]) != len(ns) {
			return false
		}
		if len(ns) > 1 && (best == 0 || len(ns) < best || len(ns) == best && c < pick) {
			pick, best = c, len(ns)
		}
	}
	// Pair the members of each class in order and check. With no ties left this is the only
	// candidate; with ties it is a guess that is right whenever the tied nodes are
	// interchangeable (the leaves of a star, the items of similar lists), which saves the
	// search below from individualising them one by one.
	m := make([]int, len(ca))
	for c, ns := range classA {
		for i, n := range ns {
			m[n] = classB[c][i]
		}
	}
	if isoVerify(ga, gb, m) {
		return true
	}
	if best == 0 {
		return false
	}
	x := classA[pick][0]
	h := fnv.New64a()
	h.Write(isoU64(pick))
	h.Write([]byte("individual"))
	mark := h.Sum64()
	for _, y := range classB[pick] {
		na, nb := slices.Clone(ca), slices.Clone(cb)
		na[x], nb[y] = mark, mark
		if isoSearch(ga, gb, na, nb) {
			return true
		}
	}
	return false
}

// isoVerify checks that the node mapping m carries every blank-node quad of ga onto one of gb.
// Both sides are deduplicated and of equal size, so injectivity makes this a bijection.
func isoVerify(ga, gb *isoGraph, m []int) bool {
	for _, q := range ga.quads {
		for i := range q {
			if q[i].node >= 0 {
				q[i].node = m[q[i].node]
			}
		}
		if _, ok := gb.set[q]; !ok {
			return false
		}
	}
	return true
}
