package knowledge

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"sportello/internal/textfold"
	"sportello/kb"
	"sportello/web/webkit"
)

// This file gathers what pages and API share: visibility by role and the shapes built from the
// store (the concept tree with pill counts, the office tree).

// conceptNode is a concept in the classification tree, with the number of pills filed under it
// or under any narrower concept (each pill counted once per branch).
type conceptNode struct {
	IRI        string              `json:"iri"`
	ID         string              `json:"id"`
	Notation   string              `json:"notation,omitempty"`
	Label      string              `json:"label"`
	PrefLabel  map[string]string   `json:"prefLabel"`
	AltLabels  map[string][]string `json:"altLabels,omitempty"`
	Definition string              `json:"definition,omitempty"`
	Broader    string              `json:"broader,omitempty"`
	// AlsoBroader are further parents: the node appears under each of them too.
	AlsoBroader []string       `json:"alsoBroader,omitempty"`
	CloseMatch  []string       `json:"closeMatch,omitempty"`
	PillCount   int            `json:"pillCount"`
	Children    []*conceptNode `json:"children,omitempty"`
	// DOMID tells apart the copies of a concept shown under several parents (one id per page).
	DOMID string `json:"-"`
}

// conceptTree builds the SKOS tree (KB-1) with pill counts for what viewer v may see. It
// returns the top concepts and every node by IRI.
func (h *Handlers) conceptTree(ctx context.Context, v kb.Viewer) ([]*conceptNode, map[string]*conceptNode, error) {
	concepts, err := h.store.Concepts(ctx)
	if err != nil {
		return nil, nil, err
	}
	pills, err := h.store.Pills(ctx, kb.PillFilter{Viewer: &v})
	if err != nil {
		return nil, nil, err
	}
	byIRI := make(map[string]*conceptNode, len(concepts))
	for _, c := range concepts {
		byIRI[c.IRI] = &conceptNode{
			IRI: c.IRI, ID: webkit.LocalID(c.IRI), Notation: c.Notation, Label: c.Label("it"),
			PrefLabel: c.PrefLabel, AltLabels: c.AltLabels, Definition: c.Definition,
			Broader: c.Broader, AlsoBroader: c.AlsoBroader, CloseMatch: c.CloseMatch,
		}
	}
	// Every parent links to the same node (SKOS allows several skos:broader); the walk below
	// turns the second and later places of a branch into copies, so that the page shows it
	// under each parent with its own element ids.
	var top []*conceptNode
	for _, c := range concepts {
		n := byIRI[c.IRI]
		linked := false
		for _, p := range c.Parents() {
			if pn, ok := byIRI[p]; ok && p != c.IRI {
				pn.Children = append(pn.Children, n)
				linked = true
			}
		}
		if !linked {
			top = append(top, n)
		}
	}
	for _, p := range pills {
		seen := map[string]bool{}
		up := slices.Clone(p.Concepts)
		// Walk up through every parent to the tops, each concept once per pill; the seen set
		// also stops a cycle in bad data.
		for len(up) > 0 {
			n := byIRI[up[len(up)-1]]
			up = up[:len(up)-1]
			if n == nil || seen[n.IRI] {
				continue
			}
			seen[n.IRI] = true
			n.PillCount++
			up = append(up, n.Broader)
			up = append(up, n.AlsoBroader...)
		}
	}
	sortNodes(top, 0)
	budget := 8*len(concepts) + 256 // copies are bounded: a tangle in imported data stays small
	ids := map[string]int{}
	seen := map[*conceptNode]bool{}
	var place func([]*conceptNode, int) []*conceptNode
	place = func(ns []*conceptNode, depth int) []*conceptNode {
		out := make([]*conceptNode, 0, len(ns))
		for _, n := range ns {
			if seen[n] {
				if budget <= 0 {
					continue
				}
				n = cloneNode(n, depth, &budget)
			}
			seen[n] = true
			id := webkit.LocalID(n.IRI)
			if ids[id]++; ids[id] > 1 {
				id += "-" + strconv.Itoa(ids[id])
			}
			n.DOMID = id
			if depth < maxTreeDepth {
				n.Children = place(n.Children, depth+1)
			} else {
				n.Children = nil
			}
			out = append(out, n)
		}
		return out
	}
	top = place(top, 0)
	return top, byIRI, nil
}

// maxTreeDepth bounds walks of the tree: a cycle in imported data must not hang a page.
const maxTreeDepth = 32

// cloneNode copies n and its branch, for a further parent, within budget nodes.
func cloneNode(n *conceptNode, depth int, budget *int) *conceptNode {
	*budget--
	c := *n
	c.Children = nil
	if depth < maxTreeDepth {
		for _, k := range n.Children {
			if *budget <= 0 {
				break
			}
			c.Children = append(c.Children, cloneNode(k, depth+1, budget))
		}
	}
	return &c
}

func sortNodes(ns []*conceptNode, depth int) {
	slices.SortFunc(ns, func(a, b *conceptNode) int {
		if c := cmp.Compare(a.Notation, b.Notation); c != 0 {
			return c
		}
		return cmp.Compare(textfold.Fold(a.Label), textfold.Fold(b.Label))
	})
	if depth >= maxTreeDepth {
		return
	}
	for _, n := range ns {
		sortNodes(n.Children, depth+1)
	}
}

// findConcept resolves the id used in URLs: the IRI's last segment, the notation or the IRI.
func (h *Handlers) findConcept(ctx context.Context, id string) (*kb.Concept, error) {
	if strings.Contains(id, ":") {
		return h.store.Concept(ctx, id)
	}
	cs, err := h.store.Concepts(ctx)
	if err != nil {
		return nil, err
	}
	for i := range cs {
		if webkit.LocalID(cs[i].IRI) == id {
			return &cs[i], nil
		}
	}
	for i := range cs {
		if cs[i].Notation != "" && cs[i].Notation == id {
			return &cs[i], nil
		}
	}
	return nil, kb.ErrNotFound
}

// breadcrumb is the path from the top concept down to n.
func breadcrumb(n *conceptNode, byIRI map[string]*conceptNode) []*conceptNode {
	var path []*conceptNode
	seen := map[string]bool{}
	for p := byIRI[n.Broader]; p != nil && !seen[p.IRI]; p = byIRI[p.Broader] {
		seen[p.IRI] = true
		path = append(path, p)
	}
	slices.Reverse(path)
	return path
}

// findUnit resolves /rubrica/uffici/{id}: the IRI's last segment or the IRI.
func (h *Handlers) findUnit(ctx context.Context, id string) (*kb.Unit, error) {
	if strings.Contains(id, ":") {
		return h.store.Unit(ctx, id)
	}
	us, err := h.store.Units(ctx)
	if err != nil {
		return nil, err
	}
	for i := range us {
		if webkit.LocalID(us[i].IRI) == id {
			return &us[i], nil
		}
	}
	return nil, kb.ErrNotFound
}

// unitNode is an organisational unit with its sub-units and people, for the directory tree.
type unitNode struct {
	kb.Unit
	ID       string      `json:"id"`
	People   []kb.Person `json:"people,omitempty"`
	Children []*unitNode `json:"children,omitempty"`
}

// unitTree builds the office tree with the people of each unit.
func unitTree(units []kb.Unit, people []kb.Person) ([]*unitNode, map[string]*unitNode) {
	byIRI := make(map[string]*unitNode, len(units))
	for _, u := range units {
		byIRI[u.IRI] = &unitNode{Unit: u, ID: webkit.LocalID(u.IRI)}
	}
	var top []*unitNode
	for _, u := range units {
		n := byIRI[u.IRI]
		if p, ok := byIRI[u.Parent]; ok && u.Parent != u.IRI {
			p.Children = append(p.Children, n)
		} else {
			top = append(top, n)
		}
	}
	for _, p := range people {
		if n, ok := byIRI[p.Unit]; ok {
			n.People = append(n.People, p)
		}
	}
	var sortRec func([]*unitNode)
	sortRec = func(ns []*unitNode) {
		slices.SortFunc(ns, func(a, b *unitNode) int { return cmp.Compare(textfold.Fold(a.Name), textfold.Fold(b.Name)) })
		for _, n := range ns {
			slices.SortFunc(n.People, comparePeople)
			sortRec(n.Children)
		}
	}
	sortRec(top)
	return top, byIRI
}

func comparePeople(a, b kb.Person) int {
	if c := cmp.Compare(textfold.Fold(a.FamilyName), textfold.Fold(b.FamilyName)); c != 0 {
		return c
	}
	return cmp.Compare(textfold.Fold(a.GivenName), textfold.Fold(b.GivenName))
}

func sortedUnits(units []kb.Unit) []kb.Unit {
	out := append([]kb.Unit(nil), units...)
	slices.SortFunc(out, func(a, b kb.Unit) int { return cmp.Compare(textfold.Fold(a.Name), textfold.Fold(b.Name)) })
	return out
}
