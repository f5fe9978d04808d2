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
