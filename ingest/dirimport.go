package ingest

import (
	"fmt"
	"strings"

	"sportello/internal/phone"
	"sportello/kb"
)

// genericWords say what kind of unit a name is, not which one: "Ufficio Tributi" and "Tributi"
// are the same office. Abbreviations are expanded first.
var genericWords = map[string]bool{
	"ufficio": true, "servizio": true, "settore": true, "sezione": true, "struttura": true,
	"dipartimento": true, "direzione": true, "area": true, "unita": true, "operativa": true,
	"organizzativa": true, "uo": true, "u": true, "o": true, "regionale": true, "regione": true,
	"di": true, "del": true, "della": true, "dei": true, "degli": true, "delle": true, "e": true,
	"ed": true, "per": true, "il": true, "lo": true, "la": true, "le": true, "gli": true, "i": true,
	"a": true, "al": true, "alla": true, "alle": true, "ai": true, "in": true, "con": true, "d": true,
	"l": true, "generale": false,
}

var abbreviations = map[string]string{
	"uff": "ufficio", "serv": "servizio", "dip": "dipartimento", "dipart": "dipartimento",
	"sett": "settore", "dir": "direzione", "sez": "sezione", "reg": "regionale", "amm": "amministrazione",
	"amministr": "amministrazione", "gen": "generale", "gen.li": "generali", "rel": "relazioni",
	"pubbl": "pubblico", "ass": "assistenza", "san": "sanitaria", "prot": "protocollo",
}

// unitWords are the significant words of a unit name.
func unitWords(name string) []string {
	var out []string
	for _, w := range strings.Fields(foldKey(name)) {
		if full, ok := abbreviations[w]; ok {
			w = full
		}
		if genericWords[w] {
			continue
		}
		out = append(out, w)
	}
	return out
}

// matchUnit finds the unit a name written in a workbook means (issue 3, point 4): the same
// name (case, accents and punctuation aside); else the same significant words ("Tributi" for
// "Ufficio Tributi"); else the one unit whose name holds every significant word written, each
// possibly abbreviated ("Ass. Sanitaria di Base"). Units of the wanted kind are tried first.
// An ambiguous name matches nothing: a wrong link is worse than none.
func matchUnit(units []kb.Unit, name string, kind kb.UnitKind) *kb.Unit {
	key := foldKey(name)
	if key == "" {
		return nil
	}
	words := unitWords(name)
	ordered := make([]*kb.Unit, 0, len(units))
	for i := range units {
		if units[i].Kind == kind {
			ordered = append(ordered, &units[i])
		}
	}
	others := len(ordered)
	for i := range units {
		if units[i].Kind != kind {
			ordered = append(ordered, &units[i])
		}
	}
	pass := func(match func(u *kb.Unit) bool) *kb.Unit {
		for _, group := range [][]*kb.Unit{ordered[:others], ordered[others:]} {
			var found *kb.Unit
			for _, u := range group {
				if match(u) {
					if found != nil && found.IRI != u.IRI {
						return nil
					}
					found = u
				}
			}
			if found != nil {
				return found
			}
		}
		return nil
	}
	if u := pass(func(u *kb.Unit) bool { return foldKey(u.Name) == key }); u != nil {
		return u
	}
	if len(words) == 0 {
		return nil
	}
	joined := strings.Join(words, " ")
	if u := pass(func(u *kb.Unit) bool { return strings.Join(unitWords(u.Name), " ") == joined }); u != nil {
		return u
	}
	return pass(func(u *kb.Unit) bool { return containsAllWords(unitWords(u.Name), words) })
}

func containsAllWords(have, want []string) bool {
	for _, w := range want {
		ok := false
		for _, h := range have {
			if h == w || len(w) >= 3 && strings.HasPrefix(h, w) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// planDirectory turns the directory rows into departments, offices and people. One office
// may span several rows (one per person); its contacts are gathered from all of them: a phone
// or e-mail shared by several rows, or on a row without a person, belongs to the office, the
// others to the person on the row.
func (im *importer) planDirectory(recs []DirRecord) {
	type office struct {
		unit   kb.Unit
		dept   string
		first  DirRecord
		people []DirRecord
		counts map[string]int
	}
	var order []string
	offices := map[string]*office{}
	for _, r := range recs {
		key := foldKey(r.Department) + "|" + foldKey(r.Unit.Name)
		o, ok := offices[key]
		if !ok {
			o = &office{unit: r.Unit, dept: r.Department, first: r, counts: map[string]int{}}
			offices[key] = o
			order = append(order, key)
		}
		o.unit.URP = o.unit.URP || r.Unit.URP
		if o.unit.PEC == "" {
			o.unit.PEC = r.Unit.PEC
		}
		if o.unit.Address == "" {
			o.unit.Address = r.Unit.Address
		}
		if o.unit.OpeningHours == "" {
			o.unit.OpeningHours = r.Unit.OpeningHours
		}
		for _, c := range append(append([]string{}, r.Person.Phones...), r.Person.Emails...) {
			o.counts[c]++
		}
		hasPerson := r.Person.FullName() != ""
		if !hasPerson {
			o.unit.Phones = appendNew(o.unit.Phones, r.Person.Phones...)
			o.unit.Emails = appendNew(o.unit.Emails, r.Person.Emails...)
		}
		o.people = append(o.people, r)
	}
	for _, key := range order {
		o := offices[key]
		for _, r := range o.people {
			for _, c := range r.Person.Phones {
				if o.counts[c] > 1 {
					o.unit.Phones = appendNew(o.unit.Phones, c)
				}
			}
			for _, c := range r.Person.Emails {
				if o.counts[c] > 1 {
					o.unit.Emails = appendNew(o.unit.Emails, c)
				}
			}
		}
	}

	for _, key := range order {
		o := offices[key]
		rec := o.first
		parent := ""
		if o.dept != "" && foldKey(o.dept) != foldKey(o.unit.Name) {
			parent = im.dirUnit(kb.Unit{Name: o.dept, Kind: kb.UnitDepartment, Parent: im.organization()}, "", rec, true)
		} else if o.unit.Kind == kb.UnitDepartment {
			o.unit.Parent = im.organization()
		}
		if parent != "" {
			o.unit.Parent = parent
		}
		unitIRI := im.dirUnit(o.unit, parent, rec, false)
		for _, r := range o.people {
			if r.Person.FullName() == "" {
				continue
			}
			p := r.Person
			p.Unit = unitIRI
			p.Phones = removeAll(p.Phones, o.unit.Phones)
			p.Emails = removeAll(p.Emails, o.unit.Emails)
			im.dirPerson(p, r)
		}
	}
}

func appendNew(list []string, vs ...string) []string {
	for _, v := range vs {
		found := false
		for _, x := range list {
			if x == v {
				found = true
			}
		}
		if !found {
			list = append(list, v)
		}
	}
	return list
}

func removeAll(list, drop []string) []string {
	var out []string
	for _, v := range list {
		keep := true
		for _, d := range drop {
			if v == d {
				keep = false
			}
		}
		if keep {
			out = append(out, v)
		}
	}
	return out
}

// dirUnit plans a unit of the directory: the same unit (same name under the same parent) is
// updated in place, keeping its IRI. onlyEnsure plans a department named by the rows, which
// exists once whatever row names it.
func (im *importer) dirUnit(u kb.Unit, parent string, rec DirRecord, onlyEnsure bool) string {
	var old *kb.Unit
	for i := range im.units {
		x := &im.units[i]
		if x.Kind == u.Kind && foldKey(x.Name) == foldKey(u.Name) && (parent == "" || x.Parent == parent || x.Parent == "") {
			old = x
			break
		}
	}
	if old == nil && u.Kind == kb.UnitDepartment {
		old = matchUnit(im.units, u.Name, kb.UnitDepartment)
		if old != nil && old.Kind != kb.UnitDepartment {
			old = nil
		}
	}
	typ := string(u.Kind)
	action := Created
	if old != nil {
		if onlyEnsure {
			return old.IRI
		}
		if sameUnit(old, &u) {
			im.addItem(Item{Sheet: rec.Sheet, Row: rec.Row, Type: typ, Key: u.Name, Title: u.Name, Action: Unchanged, IRI: old.IRI})
			im.sum.Units.add(Unchanged)
			return old.IRI
		}
		u.IRI = old.IRI
		action = Updated
		*old = u
	} else {
		u.IRI = im.newUnitIRI(u.Name)
		im.units = append(im.units, u)
		if u.Kind == kb.UnitOffice {
			im.hasOffices = true
		}
	}
	idx := im.addItem(Item{Sheet: rec.Sheet, Row: rec.Row, Type: typ, Key: u.Name, Title: u.Name, Action: action, IRI: u.IRI})
	im.sum.Units.add(action)
	uu := u
	im.pending = append(im.pending, op{item: idx, fn: func(b *kb.Batch) error { x := uu; return b.PutUnit(&x) }})
	return u.IRI
}

func sameUnit(a, b *kb.Unit) bool {
	return a.Name == b.Name && a.Kind == b.Kind && a.Parent == b.Parent && a.URP == b.URP &&
		sameSet(phoneKeys(a.Phones), phoneKeys(b.Phones)) && sameSet(a.Emails, b.Emails) && a.PEC == b.PEC &&
		a.Address == b.Address && a.OpeningHours == b.OpeningHours
}

// dirPerson plans a person: the same name in the same office is updated in place.
func (im *importer) dirPerson(p kb.Person, rec DirRecord) {
	// The same name in the same office; else the only person of that name (who has moved to
	// another office), unless this import already placed them.
	var old *kb.Person
	var sameName []*kb.Person
	for i := range im.people {
		x := &im.people[i]
		if foldKey(x.FullName()) != foldKey(p.FullName()) {
			continue
		}
		sameName = append(sameName, x)
		if x.Unit == p.Unit || x.Unit == "" {
			old = x
			break
		}
	}
	if old == nil && len(sameName) == 1 && !im.placed[sameName[0].IRI] {
		old = sameName[0]
	}
	if im.placed == nil {
		im.placed = map[string]bool{}
	}
	defer func() { im.placed[p.IRI] = true }()
	action := Created
	if old != nil {
		if samePerson(old, &p) {
			p.IRI = old.IRI
			im.addItem(Item{Sheet: rec.Sheet, Row: rec.Row, Type: "person", Key: p.FullName(), Title: p.FullName(), Action: Unchanged, IRI: old.IRI})
			im.sum.People.add(Unchanged)
			return
		}
		p.IRI = old.IRI
		action = Updated
		*old = p
	} else {
		p.IRI = kb.PersonIRI(p.GivenName, p.FamilyName)
		for i := 2; im.personTaken(p.IRI); i++ {
			p.IRI = fmt.Sprintf("%s-%d", kb.PersonIRI(p.GivenName, p.FamilyName), i)
		}
		im.people = append(im.people, p)
	}
	idx := im.addItem(Item{Sheet: rec.Sheet, Row: rec.Row, Type: "person", Key: p.FullName(), Title: p.FullName(), Action: action, IRI: p.IRI})
	im.sum.People.add(action)
	pp := p
	im.queue = append(im.queue, op{item: idx, fn: func(b *kb.Batch) error { x := pp; return b.PutPerson(&x) }})
}

// phoneKeys compares phone numbers by phone.Key: the graph stores "0874 437 000" as
// tel:0874-437-000, and "+39 0874 437000" is the same number.
func phoneKeys(phones []string) []string {
	out := make([]string, len(phones))
	for i, p := range phones {
		out[i] = phone.Key(p)
	}
	return out
}

func (im *importer) personTaken(iri string) bool {
	for _, p := range im.people {
		if p.IRI == iri {
			return true
		}
	}
	return false
}

func samePerson(a, b *kb.Person) bool {
	return a.GivenName == b.GivenName && a.FamilyName == b.FamilyName && a.Role == b.Role &&
		a.Unit == b.Unit && a.Extension == b.Extension && sameSet(phoneKeys(a.Phones), phoneKeys(b.Phones)) &&
		sameSet(a.Emails, b.Emails) && a.PEC == b.PEC
}

// linkPendingOffices links the pills imported before the directory: a pill whose competent
// office was kept as text gets the office the directory now holds. Linking does not change
// what the pill says, so it is not a new version.
func (im *importer) linkPendingOffices() error {
	pills, err := im.store.Pills(im.ctx, kb.PillFilter{})
	if err != nil {
		return err
	}
	var todo []kb.Pill
	for _, p := range pills {
		if p.Office != "" || p.OfficeName == "" {
			continue
		}
		if u := matchUnit(im.units, p.OfficeName, kb.UnitOffice); u != nil {
			p.Office, p.OfficeName = u.IRI, ""
			todo = append(todo, p)
		}
	}
	for start := 0; start < len(todo); start += 500 {
		chunk := todo[start:min(start+500, len(todo))]
		err := im.store.Update(im.ctx, func(b *kb.Batch) error {
			for i := range chunk {
				if err := b.PutPill(&chunk[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("linking pills to offices: %w", err)
		}
	}
	im.sum.Linked = len(todo)
	return nil
}
