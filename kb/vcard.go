package kb

import (
	"context"
	"io"
	"strings"

	"github.com/emersion/go-vcard"
)

// ExportVCard writes offices and people as vCard 4.0 (RFC 6350, KB-5): one card per unit
// (KIND:group, or KIND:org for the Administration itself) and one per person
// (KIND:individual), UTF-8 as stored.
func (s *Store) ExportVCard(ctx context.Context, w io.Writer) error {
	units, err := s.Units(ctx)
	if err != nil {
		return err
	}
	people, err := s.People(ctx)
	if err != nil {
		return err
	}
	byIRI := map[string]Unit{}
	for _, u := range units {
		byIRI[u.IRI] = u
	}
	members := map[string][]string{}
	for _, p := range people {
		if p.Unit != "" {
			members[p.Unit] = append(members[p.Unit], p.IRI)
		}
	}
	enc := vcard.NewEncoder(w)
	for _, u := range units {
		c := newCard(u.IRI)
		kind := vcard.KindGroup
		if u.Kind == UnitOrganization {
			kind = vcard.KindOrganization
		}
		c.SetKind(kind)
		c.SetValue(vcard.FieldFormattedName, u.Name)
		c.SetValue(vcard.FieldOrganization, orgPath(byIRI, u.IRI))
		addPhones(c, u.Phones, "")
		addEmails(c, u.Emails, u.PEC)
		if u.Address != "" {
			c.AddAddress(&vcard.Address{
				Field:         &vcard.Field{Params: vcard.Params{vcard.ParamType: {vcard.TypeWork}}},
				StreetAddress: component(u.Address),
			})
		}
		var note []string
		if u.OpeningHours != "" {
			note = append(note, "Orari di apertura: "+u.OpeningHours)
		}
		if u.URP {
			note = append(note, "Ufficio Relazioni con il Pubblico (URP)")
		}
		if len(note) > 0 {
			c.SetValue(vcard.FieldNote, strings.Join(note, "\n"))
		}
		if u.URP {
			c.SetValue(vcard.FieldCategories, "URP")
		}
		for _, m := range members[u.IRI] {
			c.AddValue(vcard.FieldMember, m)
		}
		if err := enc.Encode(c); err != nil {
			return err
		}
	}
	for _, p := range people {
		if err := ctx.Err(); err != nil {
			return err
		}
		c := newCard(p.IRI)
		c.SetKind(vcard.KindIndividual)
		c.SetValue(vcard.FieldFormattedName, p.FullName())
		c.SetName(&vcard.Name{FamilyName: component(p.FamilyName), GivenName: component(p.GivenName)})
		if p.Unit != "" {
			c.SetValue(vcard.FieldOrganization, orgPath(byIRI, p.Unit))
		}
		if p.Role != "" {
			c.SetValue(vcard.FieldTitle, p.Role)
		}
		// The extension rides on the person's number or, failing that, on the unit's
		// switchboard number (RFC 3966 ;ext=), so that a phone can dial it (TEL-8).
		base := ""
		if len(p.Phones) > 0 {
			base = p.Phones[0]
		} else if u, ok := byIRI[p.Unit]; ok && len(u.Phones) > 0 {
			base = u.Phones[0]
		}
		addPhones(c, p.Phones, "")
		if p.Extension != "" {
			if base != "" {
				addPhones(c, []string{base}, p.Extension)
			} else {
				c.Add(vcard.FieldTelephone, &vcard.Field{
					Value:  p.Extension,
					Params: vcard.Params{vcard.ParamType: {vcard.TypeWork, vcard.TypeVoice}, vcard.ParamValue: {"text"}},
				})
			}
		}
		addEmails(c, p.Emails, p.PEC)
		if err := enc.Encode(c); err != nil {
			return err
		}
	}
	return nil
}

func newCard(iri string) vcard.Card {
	c := vcard.Card{}
	c.SetValue(vcard.FieldVersion, "4.0")
	c.SetValue(vcard.FieldProductID, "-//Sportello//Rubrica//IT")
	c.SetValue(vcard.FieldUID, iri)
	return c
}

// orgPath is the ORG value: the organisation, then each unit down to iri, separated by the
// semicolons of RFC 6350's structured value.
func orgPath(units map[string]Unit, iri string) string {
	var names []string
	seen := map[string]bool{}
	for cur := iri; cur != "" && !seen[cur]; {
		seen[cur] = true
		u, ok := units[cur]
		if !ok {
			break
		}
		names = append([]string{component(u.Name)}, names...)
		cur = u.Parent
	}
	return strings.Join(names, ";")
}

// component keeps a value inside its component of a structured property: go-vcard escapes
// commas and backslashes but not semicolons, which would split the component.
func component(s string) string { return strings.ReplaceAll(s, ";", ",") }

func addPhones(c vcard.Card, phones []string, ext string) {
	for _, p := range phones {
		v := telIRI(p)
		if ext != "" {
			v += ";ext=" + iriEscape(strings.TrimSpace(ext))
		}
		c.Add(vcard.FieldTelephone, &vcard.Field{
			Value:  v,
			Params: vcard.Params{vcard.ParamType: {vcard.TypeWork, vcard.TypeVoice}, vcard.ParamValue: {"uri"}},
		})
	}
}

func addEmails(c vcard.Card, emails []string, pec string) {
	for _, e := range emails {
		c.Add(vcard.FieldEmail, &vcard.Field{Value: e, Params: vcard.Params{vcard.ParamType: {vcard.TypeWork}}})
	}
	if pec != "" {
		// PEC (posta elettronica certificata) is legally binding mail: marked so that it is
		// never taken for an ordinary address.
		c.Add(vcard.FieldEmail, &vcard.Field{Value: pec, Params: vcard.Params{vcard.ParamType: {"pec"}}})
		c.SetValue("X-PEC", pec)
	}
}
