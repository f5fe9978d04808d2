package kb

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/cayleygraph/quad"

	"sportello/internal/textfold"
	"sportello/ontology"
)

// PutConcept creates or replaces a concept of the classification tree (KB-1) in one
// transaction. An empty IRI is minted from the Italian label (or any label) and written back.
// The parent must exist and the tree must stay a tree: a concept cannot be its own ancestor.
func (s *Store) PutConcept(ctx context.Context, c *Concept) error {
	return s.Update(ctx, func(b *Batch) error { return b.PutConcept(c) })
}

// PutConcept queues the replacement of a concept (see Store.PutConcept).
func (b *Batch) PutConcept(c *Concept) error {
	label := c.Label("it")
	if c.IRI == "" {
		label = ""
		for _, l := range []string{c.PrefLabel["it"], c.PrefLabel["en"], c.Notation} {
			if strings.TrimSpace(l) != "" {
				label = l
				break
			}
		}
		if label == "" {
			for _, l := range c.PrefLabel {
				if strings.TrimSpace(l) != "" {
					label = l
					break
				}
			}
		}
	}
	bad := func(field, msg string, a ...any) error {
		name := c.IRI
		if name == "" {
			name = fmt.Sprintf("concept %q", label)
		}
		return &ValidationError{Resource: name, Field: field, Msg: fmt.Sprintf(msg, a...)}
	}
	nonEmpty := false
	for lang, l := range c.PrefLabel {
		if strings.TrimSpace(l) != "" {
			nonEmpty = true
		}
		if !validLang(lang) {
			return bad("prefLabel", "%q is not a language tag (label %q)", lang, l)
		}
	}
	if !nonEmpty {
		return bad("prefLabel", "a concept needs a label")
	}
	for _, m := range []map[string][]string{c.AltLabels, c.HiddenLabels} {
		for lang := range m {
			if !validLang(lang) {
				return bad("altLabels", "%q is not a language tag", lang)
			}
		}
	}
	if c.IRI != "" && !isAbsoluteIRI(c.IRI) {
		return bad("iri", "%q is not an absolute IRI", c.IRI)
	}
	if c.IRI == "" {
		c.IRI = ConceptIRI(label)
		for i := 2; b.taken(c.IRI); i++ {
			c.IRI = fmt.Sprintf("%s-%d", ConceptIRI(label), i)
		}
	}
	for _, m := range slices.Concat(c.CloseMatch, c.ExactMatch, c.NarrowMatch, c.BroadMatch) {
		if !isAbsoluteIRI(m) {
			return bad("closeMatch", "%q is not an absolute IRI", m)
		}
	}
	parents := sortedUnique(c.Parents())
	for _, p := range parents {
		if p == c.IRI {
			return bad("broader", "a concept cannot be its own parent")
		}
		if b.kinds[p] != ontology.SKOSConcept {
			b.s.mu.RLock()
			ok := b.s.hasType(b.ctx, quad.IRI(p), ontology.SKOSConcept, ontology.GraphTaxonomy)
			b.s.mu.RUnlock()
			if !ok {
				return bad("broader", "parent %s is not a concept of the tree", p)
			}
		}
	}
	// The tree is a directed acyclic graph: walk up from every parent through all their
	// parents, one indexed hop per concept and each concept once, looking for c itself.
	seen := map[string]bool{}
	up := slices.Clone(parents)
	for len(up) > 0 {
		p := up[len(up)-1]
		up = up[:len(up)-1]
		if p == c.IRI {
			return bad("broader", "%s would make the tree a cycle", strings.Join(parents, ", "))
		}
		if seen[p] {
			continue
		}
		seen[p] = true
		up = append(up, b.parentsOf(p)...)
	}
	// Broader is the first parent in IRI order, as a read gives it back.
	c.Broader, c.AlsoBroader = "", nil
	if len(parents) > 0 {
		c.Broader, c.AlsoBroader = parents[0], parents[1:]
		if len(c.AlsoBroader) == 0 {
			c.AlsoBroader = nil
		}
	}
	if err := b.touch(c.IRI); err != nil {
		return err
	}
	b.kinds[c.IRI] = ontology.SKOSConcept
	b.broader[c.IRI] = parents
	b.dirtyIdx = true
	b.change.Concepts = append(b.change.Concepts, c.IRI)

	g := ontology.GraphTaxonomy
	q := newQuads(c.IRI, g)
	q.iri(ontology.RDFType, ontology.SKOSConcept)
	q.iri(ontology.SKOSInScheme, TaxonomyScheme)
	for _, lang := range sortedKeys(c.PrefLabel) {
		q.text(ontology.SKOSPrefLabel, strings.TrimSpace(c.PrefLabel[lang]), lang)
	}
	for _, lang := range sortedKeys(c.AltLabels) {
		for _, l := range c.AltLabels[lang] {
			q.text(ontology.SKOSAltLabel, strings.TrimSpace(l), lang)
		}
	}
	for _, lang := range sortedKeys(c.HiddenLabels) {
		for _, l := range c.HiddenLabels[lang] {
			q.text(ontology.SKOSHiddenLabel, strings.TrimSpace(l), lang)
		}
	}
	q.str(ontology.SKOSNotation, c.Notation)
	q.text(ontology.SKOSDefinition, c.Definition, "it")
	for _, m := range c.CloseMatch {
		q.iri(ontology.SKOSCloseMatch, m)
	}
	for _, m := range c.ExactMatch {
		q.iri(ontology.SKOSExactMatch, m)
	}
	for _, m := range c.NarrowMatch {
		q.iri(ontology.SKOSNarrowMatch, m)
	}
	for _, m := range c.BroadMatch {
		q.iri(ontology.SKOSBroadMatch, m)
	}
	for _, p := range parents {
		q.iri(ontology.SKOSBroader, p)
		q.addOn(p, ontology.SKOSNarrower, quad.IRI(c.IRI))
	}
	if len(parents) == 0 {
		q.iri(ontology.SKOSTopConceptOf, TaxonomyScheme)
		q.addOn(TaxonomyScheme, ontology.SKOSHasTopConcept, quad.IRI(c.IRI))
	}

	// The concept's skos:narrower quads belong to its children: keep them. Its old parent's
	// narrower link, or the scheme's hasTopConcept, go (they are re-added when unchanged).
	b.s.mu.RLock()
	old, _ := b.s.readConcept(b.ctx, c.IRI)
	b.s.mu.RUnlock()
	if old != nil {
		for _, p := range old.Parents() {
			b.tx.remove(quad.Quad{Subject: quad.IRI(p), Predicate: quad.IRI(ontology.SKOSNarrower), Object: quad.IRI(c.IRI), Label: quad.IRI(g)})
		}
		if len(old.Parents()) == 0 {
			b.tx.remove(quad.Quad{Subject: quad.IRI(TaxonomyScheme), Predicate: quad.IRI(ontology.SKOSHasTopConcept), Object: quad.IRI(c.IRI), Label: quad.IRI(g)})
		}
	}
	keep := func(x quad.Quad) bool {
		return sameIRI(x.Subject, c.IRI) && sameIRI(x.Predicate, ontology.SKOSNarrower)
	}
	b.replace(c.IRI, g, keep, q.quads)
	return nil
}

// parentsOf is the parents of a concept as the batch will leave it.
func (b *Batch) parentsOf(iri string) []string {
	if p, ok := b.broader[iri]; ok {
		return p
	}
	b.s.mu.RLock()
	defer b.s.mu.RUnlock()
	var out []string
	for _, q := range b.s.quadsDirPred(b.ctx, quad.Subject, quad.IRI(iri), ontology.SKOSBroader, ontology.GraphTaxonomy) {
		if p := iriOf(q.Object); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Concept reads a concept of the classification tree or, failing that, of the national
// vocabularies (the targets of skos:closeMatch).
func (s *Store) Concept(ctx context.Context, iri string) (*Concept, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.readConcept(ctx, iri)
}

func (s *Store) readConcept(ctx context.Context, iri string) (*Concept, error) {
	for _, g := range []string{ontology.GraphTaxonomy, ontology.GraphVocabulary} {
		quads := s.out(ctx, quad.IRI(iri), g)
		if c := conceptFrom(iri, quads); c != nil {
			return c, nil
		}
	}
	return nil, fmt.Errorf("concept %s: %w", iri, ErrNotFound)
}

func conceptFrom(iri string, quads []quad.Quad) *Concept {
	isConcept := false
	c := &Concept{IRI: iri, PrefLabel: map[string]string{}}
	for _, q := range quads {
		v, lang := lexical(q.Object)
		switch iriOf(q.Predicate) {
		case ontology.RDFType:
			isConcept = isConcept || v == ontology.SKOSConcept
		case ontology.SKOSPrefLabel:
			c.PrefLabel[lang] = v
		case ontology.SKOSAltLabel:
			if c.AltLabels == nil {
				c.AltLabels = map[string][]string{}
			}
			c.AltLabels[lang] = append(c.AltLabels[lang], v)
		case ontology.SKOSHiddenLabel:
			if c.HiddenLabels == nil {
				c.HiddenLabels = map[string][]string{}
			}
			c.HiddenLabels[lang] = append(c.HiddenLabels[lang], v)
		case ontology.SKOSBroader:
			c.AlsoBroader = append(c.AlsoBroader, v)
		case ontology.SKOSNarrowMatch:
			c.NarrowMatch = append(c.NarrowMatch, v)
		case ontology.SKOSBroadMatch:
			c.BroadMatch = append(c.BroadMatch, v)
		case ontology.SKOSCloseMatch:
			c.CloseMatch = append(c.CloseMatch, v)
		case ontology.SKOSExactMatch:
			c.ExactMatch = append(c.ExactMatch, v)
		case ontology.SKOSNotation:
			c.Notation = v
		case ontology.SKOSDefinition:
			if c.Definition == "" || lang == "it" {
				c.Definition = v
			}
		}
	}
	if !isConcept {
		return nil
	}
	for lang, l := range c.AltLabels {
		c.AltLabels[lang] = sortedUnique(l)
	}
	for lang, l := range c.HiddenLabels {
		c.HiddenLabels[lang] = sortedUnique(l)
	}
	c.CloseMatch = sortedUnique(c.CloseMatch)
	c.ExactMatch = sortedUnique(c.ExactMatch)
	c.NarrowMatch = sortedUnique(c.NarrowMatch)
	c.BroadMatch = sortedUnique(c.BroadMatch)
	if ps := sortedUnique(c.AlsoBroader); len(ps) > 0 {
		c.Broader, c.AlsoBroader = ps[0], ps[1:]
	}
	if len(c.AlsoBroader) == 0 {
		c.AlsoBroader = nil
	}
	return c
}

// Concepts lists the concepts of the classification tree, parents before children and
// siblings by label.
func (s *Store) Concepts(ctx context.Context) ([]Concept, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.concepts(ctx)
}

func (s *Store) concepts(ctx context.Context) ([]Concept, error) {
	var all []Concept
	for _, v := range s.subjects(ctx, ontology.RDFType, quad.IRI(ontology.SKOSConcept), ontology.GraphTaxonomy) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if c := conceptFrom(iriOf(v), s.out(ctx, v, ontology.GraphTaxonomy)); c != nil {
			all = append(all, *c)
		}
	}
	return treeOrder(all), nil
}

// treeOrder sorts concepts depth-first: each parent, then its children by Italian label.
// Concepts whose parent is missing are treated as top concepts.
func treeOrder(all []Concept) []Concept {
	return depthFirst(all, func(c Concept) (string, string, string) {
		return c.IRI, c.Broader, textfold.Fold(c.Label("it"))
	})
}

// depthFirst orders a forest depth-first, each parent before its children and siblings by
// sort key then IRI; node gives the IRI, parent IRI and sort key of an element. Elements whose
// parent is missing are roots, and those caught in a cycle (possible only through imported
// RDF) still appear, at the end. Both the concept tree and the org chart read this way.
func depthFirst[T any](all []T, node func(T) (iri, parent, key string)) []T {
	known := map[string]bool{}
	for _, e := range all {
		iri, _, _ := node(e)
		known[iri] = true
	}
	children := map[string][]T{}
	for _, e := range all {
		_, parent, _ := node(e)
		if !known[parent] {
			parent = ""
		}
		children[parent] = append(children[parent], e)
	}
	for _, es := range children {
		sort.Slice(es, func(i, j int) bool {
			ii, _, ki := node(es[i])
			ij, _, kj := node(es[j])
			if ki != kj {
				return ki < kj
			}
			return ii < ij
		})
	}
	out := make([]T, 0, len(all))
	seen := map[string]bool{}
	var walk func(parent string)
	walk = func(parent string) {
		for _, e := range children[parent] {
			iri, _, _ := node(e)
			if seen[iri] {
				continue
			}
			seen[iri] = true
			out = append(out, e)
			walk(iri)
		}
	}
	walk("")
	for _, e := range all {
		if iri, _, _ := node(e); !seen[iri] {
			seen[iri] = true
			out = append(out, e)
		}
	}
	return out
}

// ConceptByLabel finds a concept by any of its labels (pref, alt or hidden, any language),
// case- and accent-insensitively. A preferred label wins over a synonym.
func (s *Store) ConceptByLabel(ctx context.Context, label string) (*Concept, error) {
	idx, err := s.labelIndex(ctx)
	if err != nil {
		return nil, err
	}
	iri, ok := idx.concepts[textfold.Fold(strings.TrimSpace(label))]
	if !ok {
		return nil, fmt.Errorf("concept %q: %w", label, ErrNotFound)
	}
	return s.Concept(ctx, iri)
}

// Narrower returns the IRIs below iri (transitively when asked), without scanning the store:
// it follows skos:narrower one indexed hop per concept, breadth first, siblings sorted.
func (s *Store) Narrower(ctx context.Context, iri string, transitive bool) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.narrower(ctx, iri, transitive), ctx.Err()
}

func (s *Store) narrower(ctx context.Context, iri string, transitive bool) []string {
	var out []string
	seen := map[string]bool{iri: true}
	queue := []string{iri}
	for len(queue) > 0 && ctx.Err() == nil {
		cur := queue[0]
		queue = queue[1:]
		var kids []string
		for _, q := range s.quadsDirPred(ctx, quad.Subject, quad.IRI(cur), ontology.SKOSNarrower, ontology.GraphTaxonomy) {
			if k := iriOf(q.Object); k != "" && !seen[k] {
				seen[k] = true
				kids = append(kids, k)
			}
		}
		sort.Strings(kids)
		out = append(out, kids...)
		if transitive {
			queue = append(queue, kids...)
		}
	}
	return out
}

// labelIndex maps folded labels and names to IRIs. It is built from the typed lists (indexed
// reads of a few hundred resources) and dropped after every write that may change it.
type labelIndex struct {
	concepts map[string]string
	units    map[string]string
}

func (s *Store) invalidateLabels() {
	s.lmu.Lock()
	s.labels = nil
	s.events = nil
	s.eventsGen++
	s.lmu.Unlock()
}

func (s *Store) labelIndex(ctx context.Context) (*labelIndex, error) {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	if s.labels != nil {
		return s.labels, nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	concepts, err := s.concepts(ctx)
	if err != nil {
		return nil, err
	}
	units, err := s.units(ctx)
	if err != nil {
		return nil, err
	}
	idx := &labelIndex{concepts: map[string]string{}, units: map[string]string{}}
	// Lower priority first, so that preferred labels overwrite synonyms; within a priority the
	// first concept in tree order wins.
	set := func(m map[string]string, label, iri string, seen map[string]bool) {
		k := textfold.Fold(strings.TrimSpace(label))
		if k == "" || seen[k] {
			return
		}
		seen[k] = true
		m[k] = iri
	}
	for _, pass := range []func(Concept) []string{
		func(c Concept) []string { return flatten(c.HiddenLabels) },
		func(c Concept) []string { return flatten(c.AltLabels) },
		func(c Concept) []string { return append([]string{c.Notation}, values(c.PrefLabel)...) },
	} {
		seen := map[string]bool{}
		for _, c := range concepts {
			for _, l := range pass(c) {
				set(idx.concepts, l, c.IRI, seen)
			}
		}
	}
	seen := map[string]bool{}
	for _, u := range units {
		set(idx.units, u.Name, u.IRI, seen)
	}
	s.labels = idx
	return idx, nil
}

func flatten(m map[string][]string) []string {
	var out []string
	for _, k := range sortedKeys(m) {
		out = append(out, m[k]...)
	}
	return out
}

func values(m map[string]string) []string {
	var out []string
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}
