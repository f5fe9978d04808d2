package kb

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/emersion/go-vcard"
)

// TestExportVCard: offices and people as vCard 4.0 (KB-5): kinds, names, the extension on the
// office's number, PEC apart from e-mail, address and opening hours, UTF-8 intact.
func TestExportVCard(t *testing.T) {
	ctx := context.Background()
	s := memStore(t)
	root := &Unit{Name: "Regione Valdoria", Kind: UnitOrganization}
	office := &Unit{Name: "Ufficio Tributi; IMU e TARI", Phones: []string{"0544 956100"}, PEC: "tributi@pec.example",
		Address: "Via Garibaldi 3, Montebruno", OpeningHours: "lun-ven 9-12\nmar 15-17", URP: true}
	person := &Person{GivenName: "Niccolò", FamilyName: "Àlvarez", Role: "Funzionaria", Extension: "4312",
		Emails: []string{"n.alvarez@example.org"}}
	if err := s.PutUnit(ctx, root); err != nil {
		t.Fatal(err)
	}
	office.Parent = root.IRI
	if err := s.PutUnit(ctx, office); err != nil {
		t.Fatal(err)
	}
	person.Unit = office.IRI
	if err := s.PutPerson(ctx, person); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.ExportVCard(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	dec := vcard.NewDecoder(&buf)
	cards := map[string]vcard.Card{}
	for {
		c, err := dec.Decode()
		if err != nil {
			break
		}
		cards[c.PreferredValue(vcard.FieldFormattedName)] = c
	}
	if len(cards) != 3 {
		t.Fatalf("%d cards: %v", len(cards), cards)
	}
	o := cards["Ufficio Tributi; IMU e TARI"]
	p := cards["Niccolò Àlvarez"]
	checks := []struct {
		what, got, want string
	}{
		{"org kind", string(cards["Regione Valdoria"].Kind()), "org"},
		{"office kind", string(o.Kind()), "group"},
		{"office ORG", o.Value(vcard.FieldOrganization), "Regione Valdoria;Ufficio Tributi, IMU e TARI"},
		{"office PEC", o.Value("X-PEC"), "tributi@pec.example"},
		{"office address", o.Address().StreetAddress, "Via Garibaldi 3, Montebruno"},
		{"office member", o.Value(vcard.FieldMember), person.IRI},
		{"person kind", string(p.Kind()), "individual"},
		{"person N", p.Name().FamilyName + "|" + p.Name().GivenName, "Àlvarez|Niccolò"},
		{"person title", p.Value(vcard.FieldTitle), "Funzionaria"},
		{"person email", p.Value(vcard.FieldEmail), "n.alvarez@example.org"},
		{"person TEL", p.Value(vcard.FieldTelephone), "tel:0544-956100;ext=4312"},
		{"version", p.Value(vcard.FieldVersion), "4.0"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if note := o.Value(vcard.FieldNote); !strings.Contains(note, "mar 15-17") || !strings.Contains(note, "URP") {
		t.Errorf("office NOTE %q", note)
	}
	if tel := p.Get(vcard.FieldTelephone); !tel.Params.HasType("work") || !tel.Params.HasType("voice") {
		t.Errorf("TEL params %v", tel.Params)
	}
}
