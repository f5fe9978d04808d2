package ingest

import (
	"fmt"
	"regexp"
	"strings"

	"sportello/kb"
)

var (
	splitContactsRE = regexp.MustCompile(`\s*[;,\n]\s*`)
	emailRE         = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// dirRow reads one row of a phone directory (issue 3, point 7). A row names an office and,
// usually, one person in it; rows without a person carry the office's own contacts.
func (s *sheetScan) dirRow(r Row) error {
	if s.isRepeatedHeader(r) {
		s.report(Problem{Row: r.Num, Severity: Info, Problem: "intestazione ripetuta", Action: "riga saltata"})
		return nil
	}
	dept := oneLine(s.value(r, FDepartment))
	unit := oneLine(s.value(r, FUnit))
	if unit == "" && dept != "" && !s.personIn(r) {
		if n, first := distinctValues(r); n == 1 {
			s.report(Problem{Row: r.Num, Severity: Info, Problem: fmt.Sprintf("riga di sezione: %q", first), Action: "riga saltata"})
			return nil
		}
	}
	if unit == "" {
		unit = dept
	}
	if unit == "" {
		s.report(Problem{Row: r.Num, Column: s.column(FUnit), Severity: Error, Problem: "riga senza ufficio né dipartimento",
			Action: "riga non importata"})
		return nil
	}
	rec := DirRecord{Sheet: s.m.Sheet, Row: r.Num, Department: dept}
	rec.Unit = kb.Unit{Name: unit, Kind: kb.UnitOffice, URP: s.urp(r, unit),
		Address: oneLine(s.value(r, FAddress)), OpeningHours: oneLine(s.value(r, FHours))}
	if unit == dept {
		rec.Unit.Kind = kb.UnitDepartment
	}
	rec.Person.GivenName = oneLine(s.value(r, FGivenName))
	rec.Person.FamilyName = oneLine(s.value(r, FFamilyName))
	if full := oneLine(s.value(r, FFullName)); full != "" && rec.Person.GivenName == "" && rec.Person.FamilyName == "" {
		familyFirst := strings.Contains(foldKey(s.columnHeader(s.m.col(FFullName))), "cognome e nome")
		rec.Person.GivenName, rec.Person.FamilyName = splitFullName(full, familyFirst)
	}
	rec.Person.Role = oneLine(s.value(r, FRole))
	rec.Person.Extension = extension(r.cell(s.m.col(FExtension)))
	rec.Person.Phones = splitContacts(s.value(r, FPhone))
	for _, e := range splitContacts(s.value(r, FEmail)) {
		e = strings.TrimPrefix(strings.ToLower(e), "mailto:")
		if !emailRE.MatchString(e) {
			s.report(Problem{Row: r.Num, Column: s.column(FEmail), Severity: Warning,
				Problem: fmt.Sprintf("indirizzo email non valido: %q", e), Action: "indirizzo non importato"})
			continue
		}
		rec.Person.Emails = append(rec.Person.Emails, e)
	}
	if pec := strings.TrimPrefix(strings.ToLower(oneLine(s.value(r, FPEC))), "mailto:"); pec != "" {
		if ps := splitContacts(pec); len(ps) > 0 && emailRE.MatchString(ps[0]) {
			rec.Unit.PEC = ps[0]
		} else {
			s.report(Problem{Row: r.Num, Column: s.column(FPEC), Severity: Warning,
				Problem: fmt.Sprintf("PEC non valida: %q", pec), Action: "PEC non importata"})
		}
	}
	if s.opt.Dir != nil {
		return s.opt.Dir(rec)
	}
	return nil
}

func (s *sheetScan) personIn(r Row) bool {
	for _, f := range []Field{FGivenName, FFamilyName, FFullName} {
		if s.value(r, f) != "" {
			return true
		}
	}
	return false
}

// urp reads the URP flag: a yes-like cell, or an office named as an URP when the sheet has no
// such column.
func (s *sheetScan) urp(r Row, unit string) bool {
	if s.m.has(FURP) {
		switch foldKey(s.value(r, FURP)) {
		case "si", "sì", "s", "x", "yes", "y", "true", "vero", "1", "urp":
			return true
		}
		return false
	}
	k := " " + foldKey(unit) + " "
	return strings.Contains(k, " urp ") || strings.Contains(k, "relazioni con il pubblico")
}

// extension reads an internal number, which Excel often stores as a number ("7000" shown, 7000
// stored, or 7000.0 from a formula).
func extension(c Cell) string {
	v := oneLine(c.Value)
	if c.Number {
		v = strings.TrimSuffix(c.Raw, ".0")
	}
	return strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(v), "int."), "int ")
}

func splitContacts(s string) []string {
	var out []string
	for _, p := range splitContactsRE.Split(oneLine(strings.ReplaceAll(cleanText(s), "\n", ";")), -1) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// splitFullName splits "Mario Rossi" (or "ROSSI Mario", family first) at the last (first)
// space; compound surnames written in capitals are recognised as the family name.
func splitFullName(full string, familyFirst bool) (given, family string) {
	words := strings.Fields(full)
	if len(words) < 2 {
		return "", full
	}
	var caps, rest []string
	for _, w := range words {
		if w == strings.ToUpper(w) && strings.ToUpper(w) != strings.ToLower(w) && len(w) > 1 {
			caps = append(caps, w)
		} else {
			rest = append(rest, w)
		}
	}
	if len(caps) > 0 && len(rest) > 0 {
		return strings.Join(rest, " "), strings.Join(caps, " ")
	}
	if familyFirst {
		return strings.Join(words[1:], " "), words[0]
	}
	return strings.Join(words[:len(words)-1], " "), words[len(words)-1]
}
