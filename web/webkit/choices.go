package webkit

// Choices of the knowledge base for forms: concepts of the tree to pick, offices of the
// directory grouped by department.

import (
	"context"
	"slices"

	"sportello/i18n"
	"sportello/kb"
)

// ConceptChoice is a concept of the tree as a form offers it (the editor, a proposal from a
// ticket): indented under its parent.
type ConceptChoice struct {
	IRI     string
	Label   string
	Depth   int
	Checked bool
	// Also marks the further places of a concept with several parents (ConceptOutline).
	Also bool
}

// UnitGroup is a department with its offices, for the office picker's <optgroup>.
type UnitGroup struct {
	Label string
	Units []UnitChoice
}

type UnitChoice struct {
	IRI      string
	Name     string
	Selected bool
}

// ConceptChoices lists the tree, parents before children, with the pill's concepts checked.
func ConceptChoices(ctx context.Context, store *kb.Store, picked []string) ([]ConceptChoice, error) {
	all, err := store.Concepts(ctx)
	if err != nil {
		return nil, err
	}
	parent := make(map[string]string, len(all))
	for _, c := range all {
		parent[c.IRI] = c.Broader
	}
	depth := func(iri string) int {
		d := 0
		// Bounded: a cycle in a broken tree must not hang the page.
		for p := parent[iri]; p != "" && d < 16; p = parent[p] {
			d++
		}
		return d
	}
	out := make([]ConceptChoice, 0, len(all))
	for _, c := range all {
		out = append(out, ConceptChoice{IRI: c.IRI, Label: c.Label("it"), Depth: depth(c.IRI), Checked: slices.Contains(picked, c.IRI)})
	}
	return out, nil
}

// ConceptOutline lists the tree as the tree editor shows it: each concept under every one of
// its parents (SKOS allows several skos:broader), the further places marked Also. Depth and
// the number of entries are bounded: a tangle in imported data must not hang the page.
func ConceptOutline(ctx context.Context, store *kb.Store) ([]ConceptChoice, error) {
	all, err := store.Concepts(ctx) // parents before children, siblings by label
	if err != nil {
		return nil, err
	}
	known := make(map[string]bool, len(all))
	for _, c := range all {
		known[c.IRI] = true
	}
	kids := map[string][]kb.Concept{}
	var tops []kb.Concept
	for _, c := range all {
		linked := false
		for _, p := range c.Parents() {
			if known[p] && p != c.IRI {
				kids[p] = append(kids[p], c)
				linked = true
			}
		}
		if !linked {
			tops = append(tops, c)
		}
	}
	limit := 8*len(all) + 256
	out := make([]ConceptChoice, 0, len(all))
	placed := map[string]bool{}
	var walk func([]kb.Concept, int)
	walk = func(cs []kb.Concept, depth int) {
		for _, c := range cs {
			if len(out) >= limit {
				return
			}
			out = append(out, ConceptChoice{IRI: c.IRI, Label: c.Label("it"), Depth: depth, Also: placed[c.IRI]})
			placed[c.IRI] = true
			if depth < 16 {
				walk(kids[c.IRI], depth+1)
			}
		}
	}
	walk(tops, 0)
	return out, nil
}

// UnitChoices groups the directory's units by department, the pill's office selected.
func UnitChoices(ctx context.Context, store *kb.Store, office string) ([]UnitGroup, error) {
	units, err := store.Units(ctx)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, u := range units {
		names[u.IRI] = u.Name
	}
	var groups []UnitGroup
	index := map[string]int{}
	for _, u := range units {
		if u.Kind == kb.UnitOrganization {
			continue
		}
		key := u.IRI // a department heads its own group and can be the competent unit itself
		if u.Kind == kb.UnitOffice && u.Parent != "" {
			key = u.Parent
		}
		i, ok := index[key]
		if !ok {
			label := names[key]
			if label == "" {
				label = i18n.T("ed.noDepartment")
			}
			i = len(groups)
			index[key] = i
			groups = append(groups, UnitGroup{Label: label})
		}
		groups[i].Units = append(groups[i].Units, UnitChoice{IRI: u.IRI, Name: u.Name, Selected: u.IRI == office})
	}
	return groups, nil
}
