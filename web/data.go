package web

import (
	"cmp"
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"

	"sportello/internal/role"
	"sportello/internal/textfold"
	"sportello/kb"
)

// This file gathers what pages and API share: visibility by role and the shapes built from the
// store (the concept tree with pill counts, the office tree).

// visible is the pill statuses role may read; nil means any.
func visible(who role.Role) []kb.Status {
	if who.SeesDrafts() {
		return nil
	}
	return []kb.Status{kb.StatusPublished}
}

func canSee(who role.Role, p *kb.Pill) bool {
	return who.SeesDrafts() || p.Status == kb.StatusPublished
}

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

// conceptTree builds the SKOS tree (KB-1) with pill counts for what role may read. It returns
// the top concepts and every node by IRI.
func (s *Server) conceptTree(ctx context.Context, who role.Role) ([]*conceptNode, map[string]*conceptNode, error) {
	concepts, err := s.store.Concepts(ctx)
	if err != nil {
		return nil, nil, err
	}
	pills, err := s.store.Pills(ctx, kb.PillFilter{Status: visible(who)})
	if err != nil {
		return nil, nil, err
	}
	byIRI := make(map[string]*conceptNode, len(concepts))
	for _, c := range concepts {
		byIRI[c.IRI] = &conceptNode{
			IRI: c.IRI, ID: localID(c.IRI), Notation: c.Notation, Label: c.Label("it"),
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
func (s *Server) findConcept(ctx context.Context, id string) (*kb.Concept, error) {
	if strings.Contains(id, ":") {
		return s.store.Concept(ctx, id)
	}
	cs, err := s.store.Concepts(ctx)
	if err != nil {
		return nil, err
	}
	for i := range cs {
		if localID(cs[i].IRI) == id {
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

// findPill resolves /schede/{code}: the legacy code, or the IRI's last segment for pills
// without one. A pill role may not read is reported as missing, so drafts do not leak.
func (s *Server) findPill(ctx context.Context, id string, who role.Role) (*kb.Pill, error) {
	p, err := s.store.PillByCode(ctx, id)
	if errors.Is(err, kb.ErrNotFound) {
		var all []kb.Pill
		all, err = s.store.Pills(ctx, kb.PillFilter{})
		if err != nil {
			return nil, err
		}
		err = kb.ErrNotFound
		for i := range all {
			if localID(all[i].IRI) == id || all[i].IRI == id {
				p, err = &all[i], nil
				break
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if !canSee(who, p) {
		return nil, kb.ErrNotFound
	}
	return p, nil
}

// findUnit resolves /rubrica/uffici/{id}: the IRI's last segment or the IRI.
func (s *Server) findUnit(ctx context.Context, id string) (*kb.Unit, error) {
	if strings.Contains(id, ":") {
		return s.store.Unit(ctx, id)
	}
	us, err := s.store.Units(ctx)
	if err != nil {
		return nil, err
	}
	for i := range us {
		if localID(us[i].IRI) == id {
			return &us[i], nil
		}
	}
	return nil, kb.ErrNotFound
}

// pillID is the id of a pill in URLs.
func pillID(p kb.Pill) string {
	if p.Code != "" {
		return p.Code
	}
	return localID(p.IRI)
}

func pillHref(p kb.Pill) string     { return "/schede/" + url.PathEscape(pillID(p)) }
func conceptHref(iri string) string { return "/concetti/" + url.PathEscape(localID(iri)) }
func unitHref(iri string) string    { return "/rubrica/uffici/" + url.PathEscape(localID(iri)) }

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
		byIRI[u.IRI] = &unitNode{Unit: u, ID: localID(u.IRI)}
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
