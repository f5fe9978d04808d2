package kb

import (
	"context"
	"fmt"

	"github.com/cayleygraph/quad"

	"sportello/ontology"
)

// DeleteConcept removes a concept of the classification tree in one transaction. A concept
// that still has narrower concepts or classifies pills is kept: the tree and the pills would
// point at nothing.
func (s *Store) DeleteConcept(ctx context.Context, iri string) error {
	return s.Update(ctx, func(b *Batch) error { return b.DeleteConcept(iri) })
}

// DeleteConcept queues the removal of a concept (see Store.DeleteConcept).
func (b *Batch) DeleteConcept(iri string) error {
	s := b.s
	s.mu.RLock()
	c := conceptFrom(iri, s.out(b.ctx, quad.IRI(iri), ontology.GraphTaxonomy))
	kids := s.narrower(b.ctx, iri, false)
	pills := s.subjects(b.ctx, ontology.DCTSubject, quad.IRI(iri), ontology.GraphContent)
	s.mu.RUnlock()
	if c == nil {
		return fmt.Errorf("concept %s: %w", iri, ErrNotFound)
	}
	if len(kids) > 0 {
		return &ValidationError{Resource: iri, Field: "narrower", Msg: fmt.Sprintf("the concept has %d narrower concepts: move or delete them first", len(kids))}
	}
	if len(pills) > 0 {
		return &ValidationError{Resource: iri, Field: "pills", Msg: fmt.Sprintf("the concept classifies %d pills: reclassify them first", len(pills))}
	}
	if err := b.touch(iri); err != nil {
		return err
	}
	g := quad.IRI(ontology.GraphTaxonomy)
	for _, p := range c.Parents() {
		b.tx.remove(quad.Quad{Subject: quad.IRI(p), Predicate: quad.IRI(ontology.SKOSNarrower), Object: quad.IRI(iri), Label: g})
	}
	if len(c.Parents()) == 0 {
		b.tx.remove(quad.Quad{Subject: quad.IRI(TaxonomyScheme), Predicate: quad.IRI(ontology.SKOSHasTopConcept), Object: quad.IRI(iri), Label: g})
	}
	b.change.Deleted = append(b.change.Deleted, iri)
	b.replace(iri, ontology.GraphTaxonomy, nil, nil)
	b.dirtyIdx = true
	return nil
}

// DeleteUnit removes an organisational unit in one transaction. A unit that still has
// sub-units or members is kept.
func (s *Store) DeleteUnit(ctx context.Context, iri string) error {
	return s.Update(ctx, func(b *Batch) error { return b.DeleteUnit(iri) })
}

// DeleteUnit queues the removal of a unit (see Store.DeleteUnit).
func (b *Batch) DeleteUnit(iri string) error {
	s := b.s
	s.mu.RLock()
	u, err := s.readUnit(b.ctx, iri)
	subs := s.subjects(b.ctx, ontology.ORGUnitOf, quad.IRI(iri), ontology.GraphDirectory)
	members := append(s.subjects(b.ctx, ontology.ORGOrganization, quad.IRI(iri), ontology.GraphDirectory),
		s.subjects(b.ctx, orgMemberOf, quad.IRI(iri), ontology.GraphDirectory)...)
	s.mu.RUnlock()
	if err != nil {
		return err
	}
	if len(subs) > 0 {
		return &ValidationError{Resource: iri, Field: "units", Msg: fmt.Sprintf("the unit has %d sub-units: move or delete them first", len(subs))}
	}
	if len(members) > 0 {
		return &ValidationError{Resource: iri, Field: "people", Msg: fmt.Sprintf("%d people work in the unit: move or delete them first", len(members))}
	}
	if err := b.touch(iri); err != nil {
		return err
	}
	if u.Parent != "" {
		b.tx.remove(quad.Quad{Subject: quad.IRI(u.Parent), Predicate: quad.IRI(ontology.ORGHasUnit), Object: quad.IRI(iri), Label: quad.IRI(ontology.GraphDirectory)})
	}
	b.change.Deleted = append(b.change.Deleted, iri)
	b.replace(iri, ontology.GraphDirectory, nil, nil)
	b.dirtyIdx = true
	return nil
}

// DeletePerson removes a person of the directory in one transaction.
func (s *Store) DeletePerson(ctx context.Context, iri string) error {
	return s.Update(ctx, func(b *Batch) error { return b.DeletePerson(iri) })
}

// DeletePerson queues the removal of a person (see Store.DeletePerson).
func (b *Batch) DeletePerson(iri string) error {
	b.s.mu.RLock()
	_, err := b.s.readPerson(b.ctx, iri)
	b.s.mu.RUnlock()
	if err != nil {
		return err
	}
	if err := b.touch(iri); err != nil {
		return err
	}
	b.change.Deleted = append(b.change.Deleted, iri)
	b.replace(iri, ontology.GraphDirectory, nil, nil)
	return nil
}
