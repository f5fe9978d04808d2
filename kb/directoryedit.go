package kb

// The directory kept in the browser (KB-13, KB-8 "record every change"): offices and people are
// created, changed and retired by a person, and each change is recorded in the history graph
// with who, when and what — the same prov:Activity a change to the classification tree leaves
// (recordConceptChange), written in the same transaction as the change itself.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cayleygraph/quad"

	"sportello/ontology"
)

// DirectoryChange is a recorded change to an office or a person: who, when, what.
type DirectoryChange struct {
	IRI    string    `json:"iri"`
	Actor  string    `json:"actor"`
	At     time.Time `json:"at"`
	Action string    `json:"action"` // Italian: "creazione", "modifica", "ritiro"
	Detail string    `json:"detail,omitempty"`
}

// Hours reads the unit's opening hours (ParseHours of its text).
func (u Unit) Hours() OpeningHours { return ParseHours(u.OpeningHours) }

// SaveUnit creates or changes an office (Batch.PutUnit) and records who did it, when and what
// changed, in one transaction. Opening hours that cannot be read whole are refused, so that
// "open now" holds for every office written in the browser (the import keeps and reports
// them instead). u.IRI is set for a new unit.
func (s *Store) SaveUnit(ctx context.Context, u *Unit, actor string, at time.Time) error {
	if err := needActor(u.IRI, actor); err != nil {
		return err
	}
	if h := u.Hours(); len(h.Problems) > 0 {
		return &ValidationError{Resource: u.IRI, Field: "openingHours", Msg: strings.Join(h.Problems, "; ")}
	}
	var old *Unit
	if u.IRI != "" {
		var err error
		if old, err = s.Unit(ctx, u.IRI); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return s.recorded(ctx, actor, at, func(b *Batch) (string, string, string, error) {
		err := b.PutUnit(u)
		return u.IRI, saveAction(old == nil), unitDiff(old, u, s.unitName(ctx)), err
	})
}

// RetireUnit takes an office out of the directory (Batch.DeleteUnit: refused while it has
// sub-units or people) and records who did it and when; the history keeps its name. An office
// that pills name as competent office or department is refused too (field "pills"): they would
// point at nothing.
func (s *Store) RetireUnit(ctx context.Context, iri, actor string, at time.Time) error {
	if err := needActor(iri, actor); err != nil {
		return err
	}
	u, err := s.Unit(ctx, iri)
	if err != nil {
		return err
	}
	if n := s.pillsCiting(ctx, iri); n > 0 {
		return &ValidationError{Resource: iri, Field: "pills", Msg: fmt.Sprintf("%d schede indicano l'ufficio", n)}
	}
	return s.recorded(ctx, actor, at, func(b *Batch) (string, string, string, error) {
		return iri, "ritiro", "«" + u.Name + "»", b.DeleteUnit(iri)
	})
}

// SavePerson creates or changes a person of the directory (Batch.PutPerson) and records who
// did it, when and what changed, in one transaction. p.IRI is set for a new person.
func (s *Store) SavePerson(ctx context.Context, p *Person, actor string, at time.Time) error {
	if err := needActor(p.IRI, actor); err != nil {
		return err
	}
	if p.Unit != "" {
		if _, err := s.Unit(ctx, p.Unit); err != nil {
			return &ValidationError{Resource: p.IRI, Field: "unit", Msg: "ufficio sconosciuto: " + p.Unit}
		}
	}
	var old *Person
	if p.IRI != "" {
		var err error
		if old, err = s.Person(ctx, p.IRI); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return s.recorded(ctx, actor, at, func(b *Batch) (string, string, string, error) {
		err := b.PutPerson(p)
		return p.IRI, saveAction(old == nil), personDiff(old, p, s.unitName(ctx)), err
	})
}

// RetirePerson takes a person out of the directory and records who did it and when.
func (s *Store) RetirePerson(ctx context.Context, iri, actor string, at time.Time) error {
	if err := needActor(iri, actor); err != nil {
		return err
	}
	p, err := s.Person(ctx, iri)
	if err != nil {
		return err
	}
	return s.recorded(ctx, actor, at, func(b *Batch) (string, string, string, error) {
		return iri, "ritiro", "«" + p.FullName() + "»", b.DeletePerson(iri)
	})
}

func needActor(resource, actor string) error {
	if strings.TrimSpace(actor) == "" {
		return &ValidationError{Resource: resource, Field: "actor", Msg: "manca chi fa la modifica"}
	}
	return nil
}

func saveAction(created bool) string {
	if created {
		return "creazione"
	}
	return "modifica"
}

// recorded runs write — which queues a change and says which resource it changed, how and what
// — and the history entry of that change, in one transaction; nothing is recorded when write
// fails.
func (s *Store) recorded(ctx context.Context, actor string, at time.Time, write func(b *Batch) (iri, action, detail string, err error)) error {
	return s.Update(ctx, func(b *Batch) error {
		iri, action, detail, err := write(b)
		if err != nil {
			return err
		}
		b.recordConceptChange(ConceptChange{Concept: iri, Actor: actor, At: at, Action: action, Detail: detail})
		return nil
	})
}

// DirectoryHistory lists the changes recorded for an office or a person, newest first; a
// retired one keeps its history.
func (s *Store) DirectoryHistory(ctx context.Context, iri string) ([]DirectoryChange, error) {
	cs, err := s.ConceptHistory(ctx, iri)
	out := make([]DirectoryChange, 0, len(cs))
	for _, c := range cs {
		out = append(out, DirectoryChange{IRI: iri, Actor: c.Actor, At: c.At, Action: c.Action, Detail: c.Detail})
	}
	return out, err
}

// unitName names a unit by its name for the history, or by its IRI when unknown.
func (s *Store) unitName(ctx context.Context) func(string) string {
	return func(iri string) string {
		if iri == "" {
			return "nessuno"
		}
		if u, err := s.Unit(ctx, iri); err == nil {
			return "«" + u.Name + "»"
		}
		return iri
	}
}

// DirectoryChanges lists the latest changes to the directory's offices and people (IRIs minted
// under Base unit/ and person/), newest first, at most limit; retired ones included: their page
// is gone, their history stays. It walks the history's activities once — an administrator's
// page, not an operator's.
func (s *Store) DirectoryChanges(ctx context.Context, limit int) ([]DirectoryChange, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	units, people := Base+"unit/", Base+"person/"
	var out []DirectoryChange
	for _, a := range s.subjects(ctx, ontology.RDFType, quad.IRI(ontology.PROVActivity), ontology.GraphHistory) {
		act := iriOf(a)
		i := strings.LastIndex(act, "/change/")
		if i < 0 || !strings.HasPrefix(act, units) && !strings.HasPrefix(act, people) {
			continue
		}
		c := s.readChange(ctx, a)
		out = append(out, DirectoryChange{IRI: act[:i], Actor: c.Actor, At: c.At, Action: c.Action, Detail: c.Detail})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, ctx.Err()
}

// fieldDiff collects "campo: «a» → «b»" for the fields that changed.
type fieldDiff []string

func (d *fieldDiff) str(what, a, b string) {
	if a != b {
		*d = append(*d, fmt.Sprintf("%s: «%s» → «%s»", what, a, b))
	}
}

func (d *fieldDiff) list(what string, a, b []string) {
	a, b = sortedUnique(slices.Clone(a)), sortedUnique(slices.Clone(b))
	if !slices.Equal(a, b) {
		*d = append(*d, fmt.Sprintf("%s: %s → %s", what, orNone(strings.Join(a, ", ")), orNone(strings.Join(b, ", "))))
	}
}

// unitDiff says in Italian what changed from old to u, for the history.
func unitDiff(old, u *Unit, name func(string) string) string {
	if old == nil {
		old = &Unit{}
	}
	var d fieldDiff
	d.str("nome", old.Name, u.Name)
	if old.Parent != u.Parent {
		d = append(d, "sotto "+name(u.Parent))
	}
	d.list("telefoni", storedPhones(old.Phones), storedPhones(u.Phones))
	d.list("e-mail", old.Emails, u.Emails)
	d.str("PEC", old.PEC, u.PEC)
	d.str("indirizzo", old.Address, strings.TrimSpace(u.Address))
	d.str("orari", old.OpeningHours, strings.TrimSpace(u.OpeningHours))
	if old.URP != u.URP {
		d = append(d, fmt.Sprintf("URP: %s", map[bool]string{true: "sì", false: "no"}[u.URP]))
	}
	return strings.Join(d, "; ")
}

// personDiff says in Italian what changed from old to p, for the history.
func personDiff(old, p *Person, name func(string) string) string {
	if old == nil {
		old = &Person{}
	}
	var d fieldDiff
	d.str("nome", old.FullName(), p.FullName())
	d.str("ruolo", old.Role, strings.TrimSpace(p.Role))
	if old.Unit != p.Unit {
		d = append(d, "ufficio: "+name(p.Unit))
	}
	d.str("interno", old.Extension, strings.TrimSpace(p.Extension))
	d.list("telefoni", storedPhones(old.Phones), storedPhones(p.Phones))
	d.list("e-mail", old.Emails, p.Emails)
	d.str("PEC", old.PEC, p.PEC)
	return strings.Join(d, "; ")
}

// storedPhones are phones as the store gives them back ("+39 0874 1" reads "+39-0874-1"), so
// that the history shows only real changes.
func storedPhones(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = phoneOf(quad.IRI(telIRI(p)))
	}
	return out
}

// pillsCiting counts the pills (as operators see them) whose competent office or department is
// unit iri.
func (s *Store) pillsCiting(ctx context.Context, iri string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	seen := map[string]bool{}
	for _, pred := range []string{ontology.CompetentOffice, ontology.Department} {
		for _, v := range s.subjects(ctx, pred, quad.IRI(iri), ontology.GraphContent) {
			seen[iriOf(v)] = true
		}
	}
	return len(seen)
}
