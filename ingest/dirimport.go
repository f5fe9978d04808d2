package ingest

import (
	"errors"
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
func (im *importer) planDirectory(recs []DirRecord) error {
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
		var err error
		if o.dept != "" && foldKey(o.dept) != foldKey(o.unit.Name) {
			parent, err = im.dirUnit(kb.Unit{Name: o.dept, Kind: kb.UnitDepartment, Parent: im.organization()}, "", rec, true)
			if err != nil {
				return err
			}
		} else if o.unit.Kind == kb.UnitDepartment {
			o.unit.Parent = im.organization()
		}
		if parent != "" {
			o.unit.Parent = parent
		}
		// Hours are kept as written; those "aperto ora" cannot read are reported, once per office.
		if h := o.unit.Hours(); len(h.Problems) > 0 {
			im.problem(Problem{File: im.sum.File, Sheet: rec.Sheet, Row: rec.Row, Column: "orari", Severity: Warning,
				Problem: fmt.Sprintf("orari di «%s» non compresi: %s", o.unit.Name, strings.Join(h.Problems, "; ")),
				Action:  "orari conservati come testo; «aperto ora» non è mostrato per l'ufficio"})
		}
		unitIRI, err := im.dirUnit(o.unit, parent, rec, false)
		if err != nil {
			return err
		}
		if unitIRI == "" {
			continue // refused and reported: its people cannot be placed
		}
		for _, r := range o.people {
			if r.Person.FullName() == "" {
				continue
			}
			p := r.Person
			p.Unit = unitIRI
			p.Phones = removeAll(p.Phones, o.unit.Phones)
			p.Emails = removeAll(p.Emails, o.unit.Emails)
			if err := im.dirPerson(p, r); err != nil {
				return err
			}
		}
	}
	return nil
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

// dirUnit writes a unit of the directory: the same unit (same name under the same parent) is
// updated in place, keeping its IRI. onlyEnsure plans a department named by the rows, which
// exists once whatever row names it. A unit the knowledge base refuses is reported and "" is
// returned.
func (im *importer) dirUnit(u kb.Unit, parent string, rec DirRecord, onlyEnsure bool) (string, error) {
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
		im.listUnit(old.IRI)
		if onlyEnsure {
			return old.IRI, nil
		}
		if sameUnit(old, &u) {
			if _, done := im.items[old.IRI]; !done {
				im.addItem(Item{Sheet: rec.Sheet, Row: rec.Row, Type: typ, Key: u.Name, Title: u.Name, Action: Unchanged, IRI: old.IRI})
				im.sum.Units.add(Unchanged)
			}
			return old.IRI, nil
		}
		u.IRI = old.IRI
		action = Updated
	} else {
		u.IRI = im.newUnitIRI(u.Name)
	}
	uu := u
	if err := im.b.PutUnit(&uu); err != nil {
		var ve *kb.ValidationError
		if !errors.As(err, &ve) {
			return "", err
		}
		im.problem(Problem{File: im.sum.File, Sheet: rec.Sheet, Row: rec.Row, Severity: Error,
			Problem: fmt.Sprintf("la rubrica rifiuta l'ufficio %q: %s (campo %s)", u.Name, ve.Msg, ve.Field),
			Action:  "ufficio e persone della riga non importati"})
		im.sum.Units.add(Skipped)
		return "", nil
	}
	if old != nil {
		*old = u
	} else {
		im.units = append(im.units, u)
		if u.Kind == kb.UnitOffice {
			im.hasOffices = true
		}
	}
	im.listUnit(u.IRI)
	im.item(Item{Sheet: rec.Sheet, Row: rec.Row, Type: typ, Key: u.Name, Title: u.Name, Action: action, IRI: u.IRI}, &im.sum.Units)
	return u.IRI, nil
}

// item adds the summary line of a unit or person written, or — when the import writes it a
// second time (the last write wins) — updates the line it has.
func (im *importer) item(it Item, c *Counts) {
	if im.items == nil {
		im.items = map[string]int{}
	}
	if i, ok := im.items[it.IRI]; ok {
		if prev := im.sum.Items[i].Action; prev == Unchanged {
			c.Unchanged--
			c.add(it.Action)
			im.sum.Items[i].Action = it.Action
		}
		return
	}
	im.items[it.IRI] = im.addItem(it)
	c.add(it.Action)
}

func sameUnit(a, b *kb.Unit) bool {
	return a.Name == b.Name && a.Kind == b.Kind && a.Parent == b.Parent && a.URP == b.URP &&
		sameSet(phoneKeys(a.Phones), phoneKeys(b.Phones)) && sameSet(a.Emails, b.Emails) && a.PEC == b.PEC &&
		a.Address == b.Address && a.OpeningHours == b.OpeningHours
}

// dirPerson writes a person: the same name in the same office is updated in place.
func (im *importer) dirPerson(p kb.Person, rec DirRecord) error {
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
	action := Created
	if old != nil {
		p.IRI = old.IRI
		im.placed[p.IRI] = true
		im.listPerson(p.IRI)
		if samePerson(old, &p) {
			if _, done := im.items[old.IRI]; !done {
				im.item(Item{Sheet: rec.Sheet, Row: rec.Row, Type: "person", Key: p.FullName(), Title: p.FullName(), Action: Unchanged, IRI: old.IRI}, &im.sum.People)
			}
			return nil
		}
		action = Updated
	} else {
		p.IRI = kb.PersonIRI(p.GivenName, p.FamilyName)
		for i := 2; im.personTaken(p.IRI); i++ {
			p.IRI = fmt.Sprintf("%s-%d", kb.PersonIRI(p.GivenName, p.FamilyName), i)
		}
	}
	pp := p
	if err := im.b.PutPerson(&pp); err != nil {
		var ve *kb.ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		im.problem(Problem{File: im.sum.File, Sheet: rec.Sheet, Row: rec.Row, Severity: Error,
			Problem: fmt.Sprintf("la rubrica rifiuta %s: %s (campo %s)", p.FullName(), ve.Msg, ve.Field),
			Action:  "persona non importata"})
		im.sum.People.add(Skipped)
		return nil
	}
	im.placed[p.IRI] = true
	im.listPerson(p.IRI)
	if old != nil {
		*old = p
	} else {
		im.people = append(im.people, p)
	}
	im.item(Item{Sheet: rec.Sheet, Row: rec.Row, Type: "person", Key: p.FullName(), Title: p.FullName(), Action: action, IRI: p.IRI}, &im.sum.People)
	return nil
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

// linkPendingOffices links the pills whose competent office was kept as text — imported before
// the directory, or earlier in this workbook — to the office the directory now holds. Linking
// does not change what the pill says, so it is not a new version (kb.Batch.LinkOffice).
func (im *importer) linkPendingOffices() error {
	pills, err := im.store.Pills(im.ctx, kb.PillFilter{})
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	link := func(iri, name string) error {
		if seen[iri] {
			return nil
		}
		seen[iri] = true
		u := matchUnit(im.units, name, kb.UnitOffice)
		if u == nil {
			return nil
		}
		ok, err := im.b.LinkOffice(iri, name, u.IRI, im.opt.Actor)
		if ok {
			im.sum.Linked++
		}
		return err
	}
	// Pills of this import first (the batch holds them), then those already in the store.
	for _, it := range im.sum.Items {
		if it.Type != "pill" || it.IRI == "" {
			continue
		}
		r, err := im.b.Record(it.IRI)
		if err != nil {
			continue
		}
		for _, v := range r.Versions {
			if v.Content.OfficeName != "" && v.Content.Office == "" {
				if err := link(it.IRI, v.Content.OfficeName); err != nil {
					return err
				}
				break
			}
		}
	}
	for _, p := range pills {
		if p.Office != "" || p.OfficeName == "" {
			continue
		}
		if err := link(p.IRI, p.OfficeName); err != nil {
			return err
		}
	}
	return nil
}

// listUnit and listPerson remember that the rows named a unit or a person (see missing).
func (im *importer) listUnit(iri string) {
	if im.listedUnits == nil {
		im.listedUnits = map[string]bool{}
	}
	im.listedUnits[iri] = true
}

func (im *importer) listPerson(iri string) {
	if im.listedPeople == nil {
		im.listedPeople = map[string]bool{}
	}
	im.listedPeople[iri] = true
}
