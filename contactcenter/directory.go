package contactcenter

import (
	"context"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"sportello/internal/phone"
	"sportello/internal/textfold"
	"sportello/kb"
	"sportello/telephony"
	"sportello/ticketing"
)

// Caller is a record whose phone number is the caller's: a citizen of the ticketing system, or
// a person or office of the directory (TEL-2, TEL-8).
type Caller struct {
	Kind      string // "citizen", "person" or "unit"
	Name      string
	Role      string
	Unit      string // the person's office, the citizen's organisation
	Extension string
	Phone     string // the number that matched, as written in the record
	CitizenID int64  // Kind citizen
	UnitIRI   string // Kind unit: the office; Kind person: the person's office
}

// CallerFinder finds the records of a caller's number.
type CallerFinder interface {
	Callers(ctx context.Context, number string) []Caller
}

// Directory is the caller lookup of the directory: every number and extension of the offices
// and people of the knowledge base → who answers to it, so that a ringing call costs one map
// lookup instead of a read of the whole directory. It is loaded once and kept current through
// kb.Store.OnChange: a write that touches an office or a person (or an RDF import) reloads it.
// The transfer targets of the operator's console are searched here too.
type Directory struct {
	store *kb.Store
	log   *slog.Logger

	mu     sync.RWMutex
	byKey  map[string][]Caller
	units  []kb.Unit
	people []kb.Person
	names  map[string]string // unit IRI → name
}

// NewDirectory loads the directory of store and follows its writes.
func NewDirectory(ctx context.Context, store *kb.Store, log *slog.Logger) (*Directory, error) {
	if log == nil {
		log = slog.Default()
	}
	d := &Directory{store: store, log: log}
	if err := d.load(ctx); err != nil {
		return nil, err
	}
	store.OnChange(func(ctx context.Context, ch kb.Change) {
		if len(ch.Units)+len(ch.People)+len(ch.Deleted) == 0 && !ch.Imported {
			return
		}
		// The write is committed; the request that made it may be over.
		if err := d.load(context.WithoutCancel(ctx)); err != nil {
			d.log.Error("contactcenter: directory reload failed; caller lookup keeps the previous directory", "err", err)
		}
	})
	return d, nil
}

// load reads the directory and rebuilds the number index.
func (d *Directory) load(ctx context.Context) error {
	units, err := d.store.Units(ctx)
	if err != nil {
		return err
	}
	people, err := d.store.People(ctx)
	if err != nil {
		return err
	}
	names := make(map[string]string, len(units))
	byKey := map[string][]Caller{}
	// Offices first, then people, each once per number: the order the console lists them in.
	for _, u := range units {
		names[u.IRI] = u.Name
		seen := map[string]bool{}
		for _, ph := range u.Phones {
			if k := phone.Key(ph); k != "" && !seen[k] {
				seen[k] = true
				byKey[k] = append(byKey[k], Caller{Kind: "unit", Name: u.Name, Phone: ph, UnitIRI: u.IRI})
			}
		}
	}
	for _, p := range people {
		seen := map[string]bool{}
		add := func(number string) {
			if k := phone.Key(number); k != "" && !seen[k] {
				seen[k] = true
				byKey[k] = append(byKey[k], Caller{Kind: "person", Name: p.FullName(), Role: p.Role, Unit: names[p.Unit],
					Extension: p.Extension, Phone: number, UnitIRI: p.Unit})
			}
		}
		for _, ph := range p.Phones {
			add(ph)
		}
		// A call from inside the Administration shows the extension.
		if p.Extension != "" {
			add(p.Extension)
		}
	}
	d.mu.Lock()
	d.byKey, d.units, d.people, d.names = byKey, units, people, names
	d.mu.Unlock()
	return nil
}

// Callers returns the offices and people whose phone or extension is number (phone.Key).
func (d *Directory) Callers(_ context.Context, number string) []Caller {
	k := phone.Key(number)
	if k == "" {
		return nil
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	return append([]Caller(nil), d.byKey[k]...)
}

// Target is somewhere the operator can transfer a call to (TEL-8).
type Target struct {
	Kind      string // person or unit
	Name      string
	Role      string
	Unit      string
	Extension string // the extension, or the first phone number
}

// Targets searches the transfer targets with an extension or a phone: the offices by name,
// address, phone or e-mail, then the people by name, role, office, extension, phone or e-mail
// (kb.Person.Matches); q is matched accent- and case-insensitively. At most limit targets.
func (d *Directory) Targets(q string, limit int) []Target {
	q = textfold.Fold(strings.TrimSpace(q))
	d.mu.RLock()
	defer d.mu.RUnlock()
	var people []Target
	for _, p := range d.people {
		ext := p.Extension
		if ext == "" && len(p.Phones) > 0 {
			ext = p.Phones[0]
		}
		if ext == "" || q != "" && !p.Matches(q, d.names[p.Unit]) {
			continue
		}
		people = append(people, Target{Kind: "person", Name: p.FullName(), Role: p.Role, Unit: d.names[p.Unit], Extension: ext})
	}
	sort.Slice(people, func(i, j int) bool { return people[i].Name < people[j].Name })
	var offices []Target
	for _, u := range d.units {
		if len(u.Phones) == 0 || q != "" && !u.Matches(q) {
			continue
		}
		offices = append(offices, Target{Kind: "unit", Name: u.Name, Extension: u.Phones[0]})
	}
	sort.Slice(offices, func(i, j int) bool { return offices[i].Name < offices[j].Name })
	out := append(offices, people...)
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// Citizens is the caller lookup of the ticketing system: the citizen records with the
// caller's number (an indexed query).
type Citizens struct{ Store *ticketing.Store }

// Callers returns the citizens whose phone is number.
func (c Citizens) Callers(ctx context.Context, number string) []Caller {
	found, err := c.Store.FindCitizen(ctx, number)
	if err != nil {
		return nil
	}
	var out []Caller
	for _, ct := range found {
		out = append(out, Caller{Kind: "citizen", Name: ct.Name, Phone: number, CitizenID: ct.ID, Unit: ct.Organisation})
	}
	return out
}

// Colleague is an operator of the contact center a call can be transferred to, with the
// capacity they work in (level 2 is where escalations go) and whether they are free now.
type Colleague struct {
	ID        string
	Name      string
	Extension string
	Capacity  ticketing.Capacity // "" when unknown
	Status    telephony.Status
	State     telephony.State
}

// Colleagues lists the operators other than self with an extension whose name, id or
// extension matches q (accents and case ignored; every one when q is empty): level 2 first,
// then by name.
func Colleagues(ctx context.Context, caps Capacities, ops []telephony.OperatorSnapshot, self, q string) []Colleague {
	q = textfold.Fold(strings.TrimSpace(q))
	var out []Colleague
	for _, o := range ops {
		if o.ID == self || o.Extension == "" {
			continue
		}
		if q != "" && !strings.Contains(textfold.Fold(o.Name+" "+o.ID+" "+o.Extension), q) {
			continue
		}
		c := Colleague{ID: o.ID, Name: o.Name, Extension: o.Extension, Status: o.Status, State: o.State}
		if caps != nil {
			c.Capacity = caps.Capacity(ctx, o.ID)
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		li, lj := out[i].Capacity == ticketing.AsLevel2, out[j].Capacity == ticketing.AsLevel2
		if li != lj {
			return li
		}
		return out[i].Name < out[j].Name
	})
	return out
}
