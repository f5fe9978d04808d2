package knowledge

import (
	"cmp"
	"context"
	"slices"
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
	CloseMatch []string            `json:"closeMatch,omitempty"`
	PillCount  int                 `json:"pillCount"`
	Children   []*conceptNode      `json:"children,omitempty"`
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
			Broader: c.Broader, CloseMatch: c.CloseMatch,
		}
	}
	var top []*conceptNode
	for _, c := range concepts {
		n := byIRI[c.IRI]
		if p, ok := byIRI[c.Broader]; ok && c.Broader != c.IRI {
			p.Children = append(p.Children, n)
		} else {
			top = append(top, n)
		}
	}
	for _, p := range pills {
		seen := map[string]bool{}
		for _, ci := range p.Concepts {
			// Walk up to the top; the seen set also stops a cycle in bad data.
			for n := byIRI[ci]; n != nil && !seen[n.IRI]; n = byIRI[n.Broader] {
				seen[n.IRI] = true
				n.PillCount++
			}
		}
	}
	sortNodes(top)
	return top, byIRI, nil
}

func sortNodes(ns []*conceptNode) {
	slices.SortFunc(ns, func(a, b *conceptNode) int {
		if c := cmp.Compare(a.Notation, b.Notation); c != 0 {
			return c
		}
		return cmp.Compare(textfold.Fold(a.Label), textfold.Fold(b.Label))
	})
	for _, n := range ns {
		sortNodes(n.Children)
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
