package ingest

// Offices and people the directory workbook no longer lists (KB-13): a directory import is the
// whole directory, so what the store holds and the workbook does not is news — someone left, an
// office closed or was renamed. Nothing is lost quietly: each one is a reported problem (the
// command exits 3); with Options.RetireMissing they are also retired, each with its history
// entry naming the importer. Retiring runs after the import's transaction has committed — people
// first, then offices from the leaves up, each one a transaction of kb.Store.RetirePerson /
// RetireUnit — because kb refuses to retire an office whose people the store still places in
// it; an office that cannot be retired (it still has people or sub-offices the workbook keeps)
// is reported and stays.

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"sportello/kb"
)

// missing lists what the store holds and this import's directory rows did not name: people
// not placed, and units that are neither written nor above a unit written (the organization
// and the departments the rows imply). Called inside the import's transaction, after the plan.
func (im *importer) missing() (units []kb.Unit, people []kb.Person) {
	keep := map[string]bool{}
	byIRI := map[string]*kb.Unit{}
	for i := range im.units {
		byIRI[im.units[i].IRI] = &im.units[i]
	}
	// A unit listed keeps its parents: the rows name an office, its department is implied.
	for iri := range im.listedUnits {
		for u := byIRI[iri]; u != nil && !keep[u.IRI]; u = byIRI[u.Parent] {
			keep[u.IRI] = true
		}
	}
	for _, p := range im.people {
		if im.listedPeople[p.IRI] {
			if u := byIRI[p.Unit]; u != nil {
				keep[u.IRI] = true
			}
		}
	}
	for _, u := range im.units {
		if !keep[u.IRI] && u.Kind != kb.UnitOrganization {
			units = append(units, u)
		}
	}
	for _, p := range im.people {
		if !im.listedPeople[p.IRI] {
			people = append(people, p)
		}
	}
	return units, people
}

// reportMissing adds a problem for each unit and person the workbook no longer lists, and
// remembers them for retireMissing.
func (im *importer) reportMissing() {
	units, people := im.missing()
	action := "lasciato in rubrica: verificare; --retire-missing lo ritira"
	if im.opt.RetireMissing {
		action = "ritirato dalla rubrica"
		if im.opt.DryRun {
			action = "sarebbe ritirato dalla rubrica"
		}
	}
	for _, p := range people {
		im.problem(Problem{File: im.sum.File, Severity: Warning,
			Problem: fmt.Sprintf("%s è in rubrica ma non nel file", p.FullName()), Action: action})
	}
	for _, u := range units {
		im.problem(Problem{File: im.sum.File, Severity: Warning,
			Problem: fmt.Sprintf("l'ufficio «%s» è in rubrica ma non nel file", u.Name), Action: action})
	}
	im.sum.Missing = len(units) + len(people)
	im.missingUnits, im.missingPeople = units, people
}

// retireMissing retires what reportMissing found, after the import committed. A retirement kb
// refuses becomes a problem; a store failure is returned.
func (im *importer) retireMissing() error {
	at := time.Now()
	for _, p := range im.missingPeople {
		if err := im.store.RetirePerson(im.ctx, p.IRI, im.opt.Actor, at); err != nil {
			if !isValidation(err) {
				return err
			}
			im.retireRefused(p.FullName(), err)
			continue
		}
		im.sum.Retired++
	}
	// Leaves first: a sub-office goes before the office above it.
	depth := func(u kb.Unit) int {
		n := 0
		for p := u.Parent; p != "" && n < 100; n++ {
			i := slices.IndexFunc(im.units, func(x kb.Unit) bool { return x.IRI == p })
			if i < 0 {
				break
			}
			p = im.units[i].Parent
		}
		return n
	}
	units := slices.Clone(im.missingUnits)
	slices.SortStableFunc(units, func(a, b kb.Unit) int { return depth(b) - depth(a) })
	for _, u := range units {
		if err := im.store.RetireUnit(im.ctx, u.IRI, im.opt.Actor, at); err != nil {
			if !isValidation(err) {
				return err
			}
			im.retireRefused("l'ufficio «"+u.Name+"»", err)
			continue
		}
		im.sum.Retired++
	}
	return nil
}

// retireRefused reports a retirement kb refused: an office that still has people or
// sub-offices the workbook keeps, or that pills name.
func (im *importer) retireRefused(what string, err error) {
	why := "ha ancora uffici dipendenti o persone elencati nel file"
	var ve *kb.ValidationError
	if errors.As(err, &ve) && ve.Field == "pills" {
		why = "è indicato da schede (" + ve.Msg + "): cambiare prima il loro ufficio"
	}
	im.problem(Problem{File: im.sum.File, Severity: Warning,
		Problem: fmt.Sprintf("non è stato possibile ritirare %s: %s", what, why),
		Action:  "lasciato in rubrica"})
}

func isValidation(err error) bool {
	var ve *kb.ValidationError
	return errors.As(err, &ve)
}
