package kb

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/cayleygraph/quad"

	"sportello/internal/textfold"
	"sportello/ontology"
)

// orgMemberOf is the short form of a membership, org:memberOf, which stores before the
// directory's memberships wrote: still read, never written.
const orgMemberOf = ontology.ORG + "memberOf"

// membershipIRI names the org:Membership that places a person in their unit: a node the person
// owns (<person#membership>), replaced and deleted with them. ORG's n-ary membership rather than
// the short org:memberOf, whose domain and range (foaf:Agent) a vCard individual and a CPV/COV
// office need not satisfy, and which cannot carry the role or its period.
func membershipIRI(person string) string { return person + "#membership" }

// PutUnit creates or replaces an organisational unit of the directory (KB-13) in one
// transaction. An empty IRI is minted from the name and written back; an empty Kind is an
// office.
func (s *Store) PutUnit(ctx context.Context, u *Unit) error {
	return s.Update(ctx, func(b *Batch) error { return b.PutUnit(u) })
}

// PutUnit queues the replacement of a unit (see Store.PutUnit).
func (b *Batch) PutUnit(u *Unit) error {
	u.Name = strings.TrimSpace(u.Name)
	bad := func(field, msg string, a ...any) error {
		name := u.IRI
		if name == "" {
			name = fmt.Sprintf("unit %q", u.Name)
		}
		return &ValidationError{Resource: name, Field: field, Msg: fmt.Sprintf(msg, a...)}
	}
	if u.Name == "" {
		return bad("name", "a unit needs a name")
	}
	if u.Kind == "" {
		u.Kind = UnitOffice
	}
	switch u.Kind {
	case UnitOrganization, UnitDepartment, UnitOffice:
	default:
		return bad("kind", "unknown kind %q", u.Kind)
	}
	if u.IRI != "" && !isAbsoluteIRI(u.IRI) {
		return bad("iri", "%q is not an absolute IRI", u.IRI)
	}
	if u.Parent != "" && !isAbsoluteIRI(u.Parent) {
		return bad("parent", "%q is not an absolute IRI", u.Parent)
	}
	if err := checkContacts(u.Phones, u.Emails, u.PEC, bad); err != nil {
		return err
	}
	if u.IRI == "" {
		u.IRI = UnitIRI(u.Name)
		for i := 2; b.taken(u.IRI); i++ {
			u.IRI = fmt.Sprintf("%s-%d", UnitIRI(u.Name), i)
		}
	}
	if u.Parent == u.IRI {
		return bad("parent", "a unit cannot be its own parent")
	}
	if err := b.touch(u.IRI); err != nil {
		return err
	}
	b.kinds[u.IRI] = ontology.ORGOrganizationalUnit
	b.dirtyIdx = true
	b.change.Units = append(b.change.Units, u.IRI)

	g := ontology.GraphDirectory
	q := newQuads(u.IRI, g)
	switch u.Kind {
	case UnitOrganization:
		q.iri(ontology.RDFType, ontology.ORGFormalOrganization)
		q.iri(ontology.RDFType, ontology.COVAPITPublicOrg)
	case UnitOffice:
		q.iri(ontology.RDFType, ontology.COVAPITOffice)
	}
	q.iri(ontology.RDFType, ontology.ORGOrganizationalUnit)
	q.iri(ontology.RDFType, ontology.VCardGroup)
	q.text(ontology.VCardFN, u.Name, "it")
	q.text(ontology.RDFSLabel, u.Name, "it")
	if u.Parent != "" {
		q.iri(ontology.ORGUnitOf, u.Parent)
		q.addOn(u.Parent, ontology.ORGHasUnit, quad.IRI(u.IRI))
	}
	if u.URP {
		q.add(ontology.URP, typed("true", ontology.XSDBoolean))
	}
	for _, p := range u.Phones {
		q.iri(ontology.VCardHasTelephone, telIRI(p))
	}
	for _, e := range u.Emails {
		q.iri(ontology.VCardHasEmail, mailtoIRI(e))
	}
	if u.PEC != "" {
		q.iri(ontology.PEC, mailtoIRI(u.PEC))
	}
	if a := strings.TrimSpace(u.Address); a != "" {
		n := u.IRI + "#address"
		q.iri(ontology.VCardHasAddress, n)
		q.addOn(n, ontology.RDFType, quad.IRI(ontology.VCard+"Address"))
		q.addOn(n, ontology.VCardStreetAddr, quad.String(a))
	}
	q.text(ontology.CVOpeningHours, strings.TrimSpace(u.OpeningHours), "it")

	b.s.mu.RLock()
	old, _ := b.s.readUnit(b.ctx, u.IRI)
	b.s.mu.RUnlock()
	if old != nil && old.Parent != "" {
		b.tx.remove(quad.Quad{Subject: quad.IRI(old.Parent), Predicate: quad.IRI(ontology.ORGHasUnit), Object: quad.IRI(u.IRI), Label: quad.IRI(g)})
	}
	// org:hasUnit quads on this unit belong to its sub-units: keep them.
	keep := func(x quad.Quad) bool { return sameIRI(x.Subject, u.IRI) && sameIRI(x.Predicate, ontology.ORGHasUnit) }
	b.replace(u.IRI, g, keep, q.quads)
	return nil
}

func checkContacts(phones, emails []string, pec string, bad func(field, msg string, a ...any) error) error {
	for _, p := range phones {
		if strings.TrimSpace(p) == "" {
			return bad("phones", "an empty phone number")
		}
	}
	for _, e := range append(append([]string(nil), emails...), pec) {
		if e != "" && !strings.Contains(e, "@") {
			return bad("emails", "%q is not an e-mail address", e)
		}
	}
	for _, e := range emails {
		if strings.TrimSpace(e) == "" {
			return bad("emails", "an empty e-mail address")
		}
	}
	return nil
}

// Unit reads an organisational unit.
func (s *Store) Unit(ctx context.Context, iri string) (*Unit, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.readUnit(ctx, iri)
}

func (s *Store) readUnit(ctx context.Context, iri string) (*Unit, error) {
	g := ontology.GraphDirectory
	quads := s.out(ctx, quad.IRI(iri), g)
	u := &Unit{IRI: iri, Kind: UnitDepartment}
	isUnit := false
	for _, q := range quads {
		v, _ := lexical(q.Object)
		switch iriOf(q.Predicate) {
		case ontology.RDFType:
			switch v {
			case ontology.ORGOrganizationalUnit:
				isUnit = true
			case ontology.ORGFormalOrganization:
				isUnit = true
				u.Kind = UnitOrganization
			case ontology.COVAPITOffice:
				if u.Kind != UnitOrganization {
					u.Kind = UnitOffice
				}
			}
		case ontology.VCardFN:
			u.Name = v
		case ontology.ORGUnitOf:
			u.Parent = v
		case ontology.URP:
			u.URP = parseBool(q.Object)
		case ontology.VCardHasTelephone:
			u.Phones = append(u.Phones, phoneOf(q.Object))
		case ontology.VCardHasEmail:
			u.Emails = append(u.Emails, emailOf(q.Object))
		case ontology.PEC:
			u.PEC = emailOf(q.Object)
		case ontology.VCardHasAddress:
			for _, a := range s.out(ctx, q.Object, g) {
				if sameIRI(a.Predicate, ontology.VCardStreetAddr) {
					u.Address = lex(a.Object)
				}
			}
		case ontology.CVOpeningHours:
			u.OpeningHours = v
		}
	}
	if !isUnit {
		return nil, fmt.Errorf("unit %s: %w", iri, ErrNotFound)
	}
	u.Phones = sortedUnique(u.Phones)
	u.Emails = sortedUnique(u.Emails)
	return u, nil
}

// Units lists the organisational units, parents before children and siblings by name.
func (s *Store) Units(ctx context.Context) ([]Unit, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.units(ctx)
}

func (s *Store) units(ctx context.Context) ([]Unit, error) {
	var all []Unit
	for _, v := range s.subjects(ctx, ontology.RDFType, quad.IRI(ontology.ORGOrganizationalUnit), ontology.GraphDirectory) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if u, err := s.readUnit(ctx, iriOf(v)); err == nil {
			all = append(all, *u)
		}
	}
	// Depth-first like the concept tree, so that an export or a listing reads as an org chart.
	return depthFirst(all, func(u Unit) (string, string, string) {
		return u.IRI, u.Parent, textfold.Fold(u.Name)
	}), nil
}

// UnitByName finds a unit by name, case- and accent-insensitively.
func (s *Store) UnitByName(ctx context.Context, name string) (*Unit, error) {
	idx, err := s.labelIndex(ctx)
	if err != nil {
		return nil, err
	}
	iri, ok := idx.units[textfold.Fold(strings.TrimSpace(name))]
	if !ok {
		return nil, fmt.Errorf("unit %q: %w", name, ErrNotFound)
	}
	return s.Unit(ctx, iri)
}

// PutPerson creates or replaces a person of the phone directory (KB-13, TEL-8) in one
// transaction. An empty IRI is minted from the name and written back.
func (s *Store) PutPerson(ctx context.Context, p *Person) error {
	return s.Update(ctx, func(b *Batch) error { return b.PutPerson(p) })
}

// PutPerson queues the replacement of a person (see Store.PutPerson).
func (b *Batch) PutPerson(p *Person) error {
	p.GivenName = strings.TrimSpace(p.GivenName)
	p.FamilyName = strings.TrimSpace(p.FamilyName)
	bad := func(field, msg string, a ...any) error {
		name := p.IRI
		if name == "" {
			name = fmt.Sprintf("person %q", p.FullName())
		}
		return &ValidationError{Resource: name, Field: field, Msg: fmt.Sprintf(msg, a...)}
	}
	if p.FullName() == "" {
		return bad("familyName", "a person needs a name")
	}
	if p.IRI != "" && !isAbsoluteIRI(p.IRI) {
		return bad("iri", "%q is not an absolute IRI", p.IRI)
	}
	if p.Unit != "" && !isAbsoluteIRI(p.Unit) {
		return bad("unit", "%q is not an absolute IRI", p.Unit)
	}
	if err := checkContacts(p.Phones, p.Emails, p.PEC, bad); err != nil {
		return err
	}
	if p.IRI == "" {
		p.IRI = PersonIRI(p.GivenName, p.FamilyName)
		for i := 2; b.taken(p.IRI); i++ {
			p.IRI = fmt.Sprintf("%s-%d", PersonIRI(p.GivenName, p.FamilyName), i)
		}
	}
	if err := b.touch(p.IRI); err != nil {
		return err
	}
	b.change.People = append(b.change.People, p.IRI)
	g := ontology.GraphDirectory
	q := newQuads(p.IRI, g)
	q.iri(ontology.RDFType, ontology.VCardIndividual)
	q.str(ontology.VCardFN, p.FullName())
	q.str(ontology.VCardGivenName, p.GivenName)
	q.str(ontology.VCardFamilyName, p.FamilyName)
	q.text(ontology.VCardRole, strings.TrimSpace(p.Role), "it")
	if p.Unit != "" {
		m := membershipIRI(p.IRI)
		q.iri(ontology.ORGHasMembership, m)
		q.addOn(m, ontology.RDFType, quad.IRI(ontology.ORGMembership))
		q.addOn(m, ontology.ORGMember, quad.IRI(p.IRI))
		q.addOn(m, ontology.ORGOrganization, quad.IRI(p.Unit))
	}
	q.str(ontology.Extension, strings.TrimSpace(p.Extension))
	for _, t := range p.Phones {
		q.iri(ontology.VCardHasTelephone, telIRI(t))
	}
	for _, e := range p.Emails {
		q.iri(ontology.VCardHasEmail, mailtoIRI(e))
	}
	if p.PEC != "" {
		q.iri(ontology.PEC, mailtoIRI(p.PEC))
	}
	b.replace(p.IRI, g, nil, q.quads)
	return nil
}

// Person reads a person of the directory.
func (s *Store) Person(ctx context.Context, iri string) (*Person, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.readPerson(ctx, iri)
}

func (s *Store) readPerson(ctx context.Context, iri string) (*Person, error) {
	p := &Person{IRI: iri}
	isPerson := false
	var fn string
	for _, q := range s.out(ctx, quad.IRI(iri), ontology.GraphDirectory) {
		v, _ := lexical(q.Object)
		switch iriOf(q.Predicate) {
		case ontology.RDFType:
			isPerson = isPerson || v == ontology.VCardIndividual
		case ontology.VCardFN:
			fn = v
		case ontology.VCardGivenName:
			p.GivenName = v
		case ontology.VCardFamilyName:
			p.FamilyName = v
		case ontology.VCardRole:
			p.Role = v
		case orgMemberOf:
			if p.Unit == "" {
				p.Unit = v
			}
		case ontology.ORGHasMembership:
			for _, m := range s.out(ctx, q.Object, ontology.GraphDirectory) {
				if sameIRI(m.Predicate, ontology.ORGOrganization) {
					p.Unit = iriOf(m.Object)
				}
			}
		case ontology.Extension:
			p.Extension = v
		case ontology.VCardHasTelephone:
			p.Phones = append(p.Phones, phoneOf(q.Object))
		case ontology.VCardHasEmail:
			p.Emails = append(p.Emails, emailOf(q.Object))
		case ontology.PEC:
			p.PEC = emailOf(q.Object)
		}
	}
	if !isPerson {
		return nil, fmt.Errorf("person %s: %w", iri, ErrNotFound)
	}
	if p.GivenName == "" && p.FamilyName == "" {
		p.FamilyName = fn // imported vCard data may have only the formatted name
	}
	p.Phones = sortedUnique(p.Phones)
	p.Emails = sortedUnique(p.Emails)
	return p, nil
}

// People lists the people of the directory, by family then given name.
func (s *Store) People(ctx context.Context) ([]Person, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Person
	for _, v := range s.subjects(ctx, ontology.RDFType, quad.IRI(ontology.VCardIndividual), ontology.GraphDirectory) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if p, err := s.readPerson(ctx, iriOf(v)); err == nil {
			out = append(out, *p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if x, y := textfold.Fold(a.FamilyName), textfold.Fold(b.FamilyName); x != y {
			return x < y
		}
		if x, y := textfold.Fold(a.GivenName), textfold.Fold(b.GivenName); x != y {
			return x < y
		}
		return a.IRI < b.IRI
	})
	return out, nil
}

// Matches reports whether the folded query q (textfold.Fold) is in the person's name, role,
// extension, phone, e-mail or PEC, or in unitName, their office's (KB-13: the directory is
// searched by any of these).
func (p Person) Matches(q, unitName string) bool {
	fields := []string{p.FullName(), p.FamilyName + " " + p.GivenName, p.Role, p.Extension, unitName, p.PEC}
	fields = append(fields, p.Phones...)
	return anyFolded(q, append(fields, p.Emails...))
}

// Matches reports whether the folded query q is in the office's name, address, PEC, phone or
// e-mail.
func (u Unit) Matches(q string) bool {
	fields := append([]string{u.Name, u.Address, u.PEC}, u.Phones...)
	return anyFolded(q, append(fields, u.Emails...))
}

func anyFolded(q string, fields []string) bool {
	for _, f := range fields {
		if f != "" && strings.Contains(textfold.Fold(f), q) {
			return true
		}
	}
	return false
}
