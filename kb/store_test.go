package kb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"sportello/kb/rdf"
	"sportello/ontology"
)

func memStore(t testing.TB) *Store {
	t.Helper()
	s, err := OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// testTree builds Salute > Prenotazioni and Abitare; it returns their IRIs.
func testTree(t testing.TB, s *Store) (salute, cup, abitare string) {
	t.Helper()
	ctx := context.Background()
	cs := []*Concept{
		{PrefLabel: map[string]string{"it": "Salute", "en": "Health"}, Notation: "SAL",
			CloseMatch: []string{ontology.LifeEventScheme + "/5"}},
		{PrefLabel: map[string]string{"it": "Prenotazioni sanitarie", "en": "Health bookings"},
			AltLabels: map[string][]string{"it": {"CUP"}}, HiddenLabels: map[string][]string{"it": {"prenotazzioni"}}},
		{PrefLabel: map[string]string{"it": "Abitare", "en": "Housing"}, Definition: "Casa, residenza, utenze."},
	}
	for i, c := range cs {
		if i == 1 {
			c.Broader = cs[0].IRI
		}
		if err := s.PutConcept(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	return cs[0].IRI, cs[1].IRI, cs[2].IRI
}

func day(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func fullPill(concept, office string) *Pill {
	validated := time.Date(2025, 3, 4, 10, 30, 0, 0, time.UTC)
	return &Pill{
		Code:     "SAL-012",
		Title:    "Prenotare una visita specialistica",
		Question: "Come prenoto una visita con l'impegnativa del medico?",
		Answer:   "<p>Chiami il CUP all'800 123 456 o usi il sito. Il ticket è di 36,15 €.</p>",
		Keywords: []string{"visita", "CUP", "prenotazione"},
		Lang:     "it",
		Concepts: []string{concept},
		Office:   office, OfficeName: "Ufficio Prenotazioni",
		LegalRefs: []string{"L.R. 12/2013 art. 4", "D.Lgs. 124/1998"},
		Links:     []Link{{URL: "https://www.regione.example/cup", Title: "Il CUP regionale"}, {URL: "www.legacy.example/x"}},
		Forms:     []Link{{URL: "https://www.regione.example/modulo-b.pdf", Title: "Modulo B"}, {URL: "https://www.regione.example/modulo-a.pdf", Title: "Modulo A"}},
		Audience:  []string{"cittadini"},
		Status:    StatusPublished, Version: 3,
		Created:   time.Date(2024, 1, 2, 9, 0, 0, 0, time.UTC),
		Modified:  time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC),
		Validated: &validated, ValidatedBy: "Dott.ssa Maria Rossi",
		ReviewBy: day(2026, 1, 31), ValidFrom: day(2024, 1, 1), ValidUntil: day(2026, 12, 31),
		Notes: "Verificare gli orari d'estate.",
		Extra: []Field{{Name: "Colonna Z", Value: "valore à"}, {Name: "Area", Value: "Sanità"}},
	}
}

// TestPillRoundTrip: every field of a pill survives PutPill → Pill (KB-12).
func TestPillRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := memStore(t)
	_, cup, _ := testTree(t, s)
	u := &Unit{Name: "Ufficio Prenotazioni"}
	if err := s.PutUnit(ctx, u); err != nil {
		t.Fatal(err)
	}
	p := fullPill(cup, u.IRI)
	if err := putPill(ctx, s, p); err != nil {
		t.Fatal(err)
	}
	if p.IRI != Base+"pill/SAL-012" {
		t.Fatalf("minted IRI %q", p.IRI)
	}
	got, err := s.Pill(ctx, p.IRI)
	if err != nil {
		t.Fatal(err)
	}
	want := *fullPill(cup, u.IRI)
	want.IRI = p.IRI
	want.Version = 1 // the workflow numbers versions: the first one Sportello holds
	want.Keywords = []string{"CUP", "prenotazione", "visita"}
	want.LegalRefs = []string{"D.Lgs. 124/1998", "L.R. 12/2013 art. 4"}
	want.Links = []Link{{URL: "https://www.regione.example/cup", Title: "Il CUP regionale"}, {URL: "www.legacy.example/x"}}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("read back\n got %+v\nwant %+v", *got, want)
	}
	byCode, err := s.PillByCode(ctx, "SAL-012")
	if err != nil || byCode.IRI != p.IRI {
		t.Fatalf("PillByCode: %v, %v", byCode, err)
	}
}

// TestPutReplaces: a second edit of the open version leaves no trace of the first one's values
// or owned nodes in the content graph; a deletion empties it (the history keeps the versions).
func TestPutReplaces(t *testing.T) {
	ctx := context.Background()
	s := memStore(t)
	_, cup, abitare := testTree(t, s)
	p := fullPill(cup, "")
	p.Status = StatusDraft
	if err := putPill(ctx, s, p); err != nil {
		t.Fatal(err)
	}
	q := &Pill{IRI: p.IRI, Code: p.Code, Title: "Nuovo titolo", Answer: "Breve.", Concepts: []string{abitare},
		Forms: []Link{{URL: "https://x.example/f.pdf"}}, Created: p.Created, Modified: p.Modified}
	if err := putPill(ctx, s, q); err != nil {
		t.Fatal(err)
	}
	got, err := s.Pill(ctx, p.IRI)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Nuovo titolo" || len(got.Keywords) != 0 || len(got.Extra) != 0 || len(got.Forms) != 1 ||
		got.Concepts[0] != abitare || got.Status != StatusDraft || got.Version != 1 || got.Notes != "" {
		t.Errorf("not replaced: %+v", got)
	}
	var buf bytes.Buffer
	if err := s.Export(ctx, &buf, rdf.NQuads, ontology.GraphContent); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"#extra-1", "#form-2", "Il CUP regionale", "visita"} {
		if strings.Contains(buf.String(), gone) {
			t.Errorf("content graph still holds %q:\n%s", gone, buf.String())
		}
	}
	if err := deletePill(ctx, s, p.IRI); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pill(ctx, p.IRI); !errors.Is(err, ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	buf.Reset()
	s.Export(ctx, &buf, rdf.NQuads, ontology.GraphContent)
	if buf.Len() != 0 {
		t.Errorf("content graph not empty after delete:\n%s", buf.String())
	}
	r, err := s.Workflow().Record(ctx, p.IRI)
	if err != nil || !r.Deleted || len(r.Versions) != 1 || r.Versions[0].Content.Title != "Nuovo titolo" {
		t.Errorf("history after delete: %+v, %v", r, err)
	}
}

// TestFailedWritesLeaveNothing: a Put that fails validation, a batch with one bad resource and
// an import with a syntax error on its last line write nothing.
func TestFailedWritesLeaveNothing(t *testing.T) {
	ctx := context.Background()
	s := memStore(t)
	_, cup, _ := testTree(t, s)
	before, _ := s.Stats(ctx)
	cases := []struct {
		name string
		do   func() error
	}{
		{"no title", func() error { return putPill(ctx, s, &Pill{Code: "X-1", Answer: "a"}) }},
		{"bad status", func() error { return putPill(ctx, s, &Pill{Title: "t", Status: "approved"}) }},
		{"bad language tag", func() error { return putPill(ctx, s, &Pill{Title: "t", Lang: "it it"}) }},
		{"label without language", func() error {
			return s.PutConcept(ctx, &Concept{PrefLabel: map[string]string{"": "Senza lingua"}})
		}},
		{"relative concept", func() error { return putPill(ctx, s, &Pill{Title: "t", Concepts: []string{"salute"}}) }},
		{"cycle", func() error {
			c, _ := s.Concept(ctx, cup)
			parent, _ := s.Concept(ctx, c.Broader)
			parent.Broader = cup
			return s.PutConcept(ctx, parent)
		}},
		{"missing parent", func() error {
			return s.PutConcept(ctx, &Concept{PrefLabel: map[string]string{"it": "Orfano"}, Broader: Base + "concept/nessuno"})
		}},
		{"batch with one bad pill", func() error {
			return s.Update(ctx, func(b *Batch) error {
				if err := b.putTestPill(&Pill{Code: "OK-1", Title: "buona"}); err != nil {
					return err
				}
				return b.putTestPill(&Pill{Code: "KO-1"})
			})
		}},
		{"duplicate code in batch", func() error {
			return s.Update(ctx, func(b *Batch) error {
				if err := b.putTestPill(&Pill{Code: "D-1", Title: "uno"}); err != nil {
					return err
				}
				return b.putTestPill(&Pill{Code: "D-1", IRI: Base + "pill/altro", Title: "due"})
			})
		}},
		{"syntax error on last line", func() error {
			doc := "<http://a.example/s> <http://a.example/p> \"uno\"@it .\n" +
				"<http://a.example/s> <http://a.example/p> \"due\" .\n" +
				"<http://a.example/s> <http://a.example/p> \"tre .\n"
			_, err := s.Import(ctx, strings.NewReader(doc), rdf.NTriples, ImportOptions{File: "rotto.nt"})
			var pe *rdf.ParseError
			if err != nil && !errors.As(err, &pe) {
				t.Errorf("import error is %T, not *rdf.ParseError: %v", err, err)
			}
			if err != nil && !strings.Contains(err.Error(), "rotto.nt:3") {
				t.Errorf("error does not name file and line: %v", err)
			}
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.do(); err == nil {
				t.Fatal("no error")
			}
			after, _ := s.Stats(ctx)
			if after != before {
				t.Errorf("stats changed: %+v → %+v", before, after)
			}
		})
	}
}

// TestTaxonomy: the tree is written with broader and narrower, walked without scanning, and
// labels are found case- and accent-insensitively (KB-1).
func TestTaxonomy(t *testing.T) {
	ctx := context.Background()
	s := memStore(t)
	salute, cup, abitare := testTree(t, s)
	leaf := &Concept{PrefLabel: map[string]string{"it": "Ticket e esenzioni"}, Broader: cup}
	if err := s.PutConcept(ctx, leaf); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Narrower(ctx, salute, false); !reflect.DeepEqual(got, []string{cup}) {
		t.Errorf("Narrower(salute) = %v", got)
	}
	if got, _ := s.Narrower(ctx, salute, true); !reflect.DeepEqual(got, []string{cup, leaf.IRI}) {
		t.Errorf("Narrower(salute, transitive) = %v", got)
	}
	// Re-putting the parent keeps its children.
	c, _ := s.Concept(ctx, salute)
	c.PrefLabel["en"] = "Healthcare"
	if err := s.PutConcept(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Narrower(ctx, salute, true); len(got) != 2 {
		t.Errorf("children lost after re-put: %v", got)
	}
	// Moving a concept moves its narrower link.
	l, _ := s.Concept(ctx, leaf.IRI)
	l.Broader = abitare
	if err := s.PutConcept(ctx, l); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Narrower(ctx, cup, false); len(got) != 0 {
		t.Errorf("old parent still lists the moved concept: %v", got)
	}
	if got, _ := s.Narrower(ctx, abitare, false); !reflect.DeepEqual(got, []string{leaf.IRI}) {
		t.Errorf("new parent = %v", got)
	}
	for _, label := range []string{"SALUTE", "healthcare", "cup", "Prenotazzioni", "  prenotazioni   SANITARIE ", "sal"} {
		got, err := s.ConceptByLabel(ctx, label)
		if err != nil {
			t.Errorf("ConceptByLabel(%q): %v", label, err)
			continue
		}
		if label != "cup" && !strings.Contains(strings.ToLower(label), "prenot") && got.IRI != salute {
			t.Errorf("ConceptByLabel(%q) = %s", label, got.IRI)
		}
	}
	if _, err := s.ConceptByLabel(ctx, "nessuno"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown label: %v", err)
	}
	all, _ := s.Concepts(ctx)
	var order []string
	for _, c := range all {
		order = append(order, c.Label("it"))
	}
	if want := []string{"Abitare", "Ticket e esenzioni", "Salute", "Prenotazioni sanitarie"}; !reflect.DeepEqual(order, want) {
		t.Errorf("Concepts order %v, want %v", order, want)
	}
	// A vocabulary concept is readable (closeMatch targets), not listed in the tree.
	if _, err := s.Concept(ctx, ontology.LifeEventScheme+"/5"); err != nil {
		t.Errorf("life event concept: %v", err)
	}
}

// TestPillsFilter: lists by status, concept subtree, office and code, with paging.
func TestPillsFilter(t *testing.T) {
	ctx := context.Background()
	s := memStore(t)
	salute, cup, abitare := testTree(t, s)
	office := &Unit{Name: "Ufficio Casa"}
	if err := s.PutUnit(ctx, office); err != nil {
		t.Fatal(err)
	}
	pills := []*Pill{
		{Code: "A-1", Title: "uno", Concepts: []string{cup}, Status: StatusPublished},
		{Code: "A-2", Title: "due", Concepts: []string{salute}, Status: StatusDraft},
		{Code: "A-3", Title: "tre", Concepts: []string{abitare}, Office: office.IRI, Status: StatusPublished},
		{Code: "A-4", Title: "quattro", Status: StatusRetired},
	}
	err := s.Update(ctx, func(b *Batch) error {
		for _, p := range pills {
			if err := b.putTestPill(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		f    PillFilter
		want []string
	}{
		{PillFilter{}, []string{"A-1", "A-2", "A-3", "A-4"}},
		{PillFilter{Status: []Status{StatusPublished}}, []string{"A-1", "A-3"}},
		{PillFilter{Status: []Status{StatusPublished, StatusDraft}}, []string{"A-1", "A-2", "A-3"}},
		{PillFilter{Concept: salute}, []string{"A-1", "A-2"}},
		{PillFilter{Concept: salute, Status: []Status{StatusDraft}}, []string{"A-2"}},
		{PillFilter{Office: office.IRI}, []string{"A-3"}},
		{PillFilter{Code: "A-4"}, []string{"A-4"}},
		{PillFilter{Code: "Z-9"}, nil},
		{PillFilter{Limit: 2, Offset: 1}, []string{"A-2", "A-3"}},
		{PillFilter{Offset: 9}, nil},
	}
	for _, c := range cases {
		got, err := s.Pills(ctx, c.f)
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, p := range got {
			codes = append(codes, p.Code)
		}
		if !reflect.DeepEqual(codes, c.want) {
			t.Errorf("Pills(%+v) = %v, want %v", c.f, codes, c.want)
		}
	}
	// A code belongs to one pill.
	err = putPill(ctx, s, &Pill{IRI: Base + "pill/altro", Code: "A-1", Title: "copia"})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "code" {
		t.Errorf("duplicate code: %v", err)
	}
	// Without IRI, the code finds the existing pill: an update, not a duplicate.
	upd := &Pill{Code: "A-1", Title: "uno bis"}
	if err := putPill(ctx, s, upd); err != nil || upd.IRI != pills[0].IRI {
		t.Errorf("update by code: %v, IRI %s", err, upd.IRI)
	}
}

// TestDirectory: units and people round-trip, units are found by name (KB-13).
func TestDirectory(t *testing.T) {
	ctx := context.Background()
	s := memStore(t)
	root := &Unit{Name: "Regione Valdoria", Kind: UnitOrganization, Phones: []string{"0874 4291"}}
	if err := s.PutUnit(ctx, root); err != nil {
		t.Fatal(err)
	}
	dep := &Unit{Name: "Dipartimento Salute", Kind: UnitDepartment, Parent: root.IRI}
	if err := s.PutUnit(ctx, dep); err != nil {
		t.Fatal(err)
	}
	urp := &Unit{Name: "Ufficio Relazioni con il Pubblico", Kind: UnitOffice, Parent: dep.IRI, URP: true,
		Phones: []string{"+39 0874 429 100"}, Emails: []string{"urp@regione.example"}, PEC: "urp@pec.regione.example",
		Address: "Via Genova 11, 86100 Città", OpeningHours: "lun-ven 9:00-13:00; mar e gio 15:00-17:00"}
	if err := s.PutUnit(ctx, urp); err != nil {
		t.Fatal(err)
	}
	got, err := s.Unit(ctx, urp.IRI)
	if err != nil {
		t.Fatal(err)
	}
	want := *urp
	want.Phones = []string{"+39-0874-429-100"} // spaces become RFC 3966 separators
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("unit\n got %+v\nwant %+v", *got, want)
	}
	if u, err := s.UnitByName(ctx, "ufficio relazioni con il PUBBLICO"); err != nil || u.IRI != urp.IRI {
		t.Errorf("UnitByName: %v %v", u, err)
	}
	p := &Person{GivenName: "Niccolò", FamilyName: "D'Angelo", Role: "Responsabile", Unit: urp.IRI, Extension: "4312",
		Emails: []string{"n.dangelo@regione.example"}}
	if err := s.PutPerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	if p.IRI != Base+"person/niccolo-d-angelo" {
		t.Errorf("person IRI %s", p.IRI)
	}
	gp, err := s.Person(ctx, p.IRI)
	if err != nil || !reflect.DeepEqual(*gp, *p) {
		t.Errorf("person\n got %+v\nwant %+v (%v)", gp, p, err)
	}
	// The person is in the unit through an org:Membership, never the short org:memberOf.
	dir := string(mustExport(t, s, rdf.NQuads, ontology.GraphDirectory))
	for _, want := range []string{
		"<" + p.IRI + "> <" + ontology.ORGHasMembership + "> <" + p.IRI + "#membership>",
		"<" + p.IRI + "#membership> <" + ontology.ORGOrganization + "> <" + urp.IRI + ">",
		"<" + p.IRI + "#membership> <" + ontology.ORGMember + "> <" + p.IRI + ">",
	} {
		if !strings.Contains(dir, want) {
			t.Errorf("directory lacks %s", want)
		}
	}
	if strings.Contains(dir, "memberOf") {
		t.Error("directory still writes org:memberOf")
	}
	// A namesake gets a new IRI, never the first one's.
	twin := &Person{GivenName: "Niccolò", FamilyName: "D'Angelo"}
	if err := s.PutPerson(ctx, twin); err != nil || twin.IRI == p.IRI {
		t.Errorf("namesake: %v, %s", err, twin.IRI)
	}
	// Re-putting the department keeps its sub-units.
	dep.Name = "Dipartimento Salute e Welfare"
	if err := s.PutUnit(ctx, dep); err != nil {
		t.Fatal(err)
	}
	units, _ := s.Units(ctx)
	var names []string
	for _, u := range units {
		names = append(names, u.Name)
	}
	if want := []string{"Regione Valdoria", "Dipartimento Salute e Welfare", "Ufficio Relazioni con il Pubblico"}; !reflect.DeepEqual(names, want) {
		t.Errorf("units %v", names)
	}
	st, _ := s.Stats(ctx)
	if st.Offices != 1 || st.People != 2 {
		t.Errorf("stats %+v", st)
	}
}

// TestOpenBolt: the bolt store is created, initialised once, and keeps data across opens.
func TestOpenBolt(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	st0, _ := s.Stats(ctx)
	if st0.Triples == 0 {
		t.Fatal("a new store has no ontology")
	}
	p := &Pill{Code: "B-1", Title: "Persistente", Answer: "Sì, è così."}
	if err := putPill(ctx, s, p); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.PillByCode(ctx, "B-1")
	if err != nil || got.Answer != "Sì, è così." {
		t.Fatalf("after reopen: %+v %v", got, err)
	}
	st1, _ := s.Stats(ctx)
	if st1.Pills != 1 || st1.Triples <= st0.Triples {
		t.Errorf("stats after reopen %+v (fresh %+v): ontology loaded twice or pill lost", st1, st0)
	}
	if _, err := filepath.Glob(filepath.Join(dir, "graph", "*")); err != nil {
		t.Fatal(err)
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Avere un figlio":          "avere-un-figlio",
		"Città e Comunità":         "citta-e-comunita",
		"  Ufficio  Tributi — IMU": "ufficio-tributi-imu",
		"Ärzte/Straße":             "arzte-strasse",
		"L'Aquila":                 "l-aquila",
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Slug("—"); len(got) != 16 {
		t.Errorf("Slug of nothing = %q, want a random id", got)
	}
	if got := PillIRI("SAL 012/a"); got != Base+"pill/SAL%20012%2Fa" {
		t.Errorf("PillIRI = %s", got)
	}
}

// TestOnChange: hooks hear of every committed write, and of nothing that failed.
func TestOnChange(t *testing.T) {
	ctx := context.Background()
	s := memStore(t)
	var got []Change
	s.OnChange(func(_ context.Context, c Change) { got = append(got, c) })
	p := &Pill{Code: "H-1", Title: "uno"}
	if err := putPill(ctx, s, p); err != nil {
		t.Fatal(err)
	}
	putPill(ctx, s, &Pill{Code: "H-2"}) // fails validation
	if err := deletePill(ctx, s, p.IRI); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(ctx, strings.NewReader("<http://a.example/s> <http://a.example/p> \"x\" .\n"), rdf.NTriples, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []Change{{Pills: []string{p.IRI}}, {DeletedPills: []string{p.IRI}}, {Imported: true}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("changes %+v, want %+v", got, want)
	}
}

// TestDeletes: concepts, units and people go without a trace, unless something still needs them.
func TestDeletes(t *testing.T) {
	ctx := context.Background()
	s := memStore(t)
	fresh, _ := s.Stats(ctx)
	salute, cup, abitare := testTree(t, s)
	root := &Unit{Name: "Regione", Kind: UnitOrganization}
	office := &Unit{Name: "Ufficio Casa"}
	person := &Person{GivenName: "Ada", FamilyName: "Neri"}
	pill := &Pill{Code: "DEL-1", Title: "x", Concepts: []string{abitare}}
	steps := []struct {
		name    string
		do      func() error
		wantErr bool
	}{
		{"put unit", func() error { return s.PutUnit(ctx, root) }, false},
		{"put office", func() error { office.Parent = root.IRI; return s.PutUnit(ctx, office) }, false},
		{"put person", func() error { person.Unit = office.IRI; return s.PutPerson(ctx, person) }, false},
		{"put pill", func() error { return putPill(ctx, s, pill) }, false},
		{"concept with children", func() error { return s.DeleteConcept(ctx, salute) }, true},
		{"concept with pills", func() error { return s.DeleteConcept(ctx, abitare) }, true},
		{"unit with sub-units", func() error { return s.DeleteUnit(ctx, root.IRI) }, true},
		{"unit with members", func() error { return s.DeleteUnit(ctx, office.IRI) }, true},
		{"leaf concept", func() error { return s.DeleteConcept(ctx, cup) }, false},
		{"top concept", func() error { return s.DeleteConcept(ctx, salute) }, false},
		{"pill", func() error { return deletePill(ctx, s, pill.IRI) }, false},
		{"concept now free", func() error { return s.DeleteConcept(ctx, abitare) }, false},
		{"person", func() error { return s.DeletePerson(ctx, person.IRI) }, false},
		{"office", func() error { return s.DeleteUnit(ctx, office.IRI) }, false},
		{"root", func() error { return s.DeleteUnit(ctx, root.IRI) }, false},
		{"gone", func() error { return s.DeleteUnit(ctx, root.IRI) }, true},
	}
	for _, st := range steps {
		if err := st.do(); (err != nil) != st.wantErr {
			t.Fatalf("%s: error %v, want error %v", st.name, err, st.wantErr)
		}
	}
	// Back to a fresh store but for the history, which keeps the deleted pill's versions: every
	// other quad written above is gone.
	got, _ := s.Stats(ctx)
	hist := bytes.Count(mustExport(t, s, rdf.NQuads, ontology.GraphHistory), []byte("\n"))
	if got.Triples-int64(hist) != fresh.Triples || got.Pills+got.Concepts+got.Offices+got.People != 0 {
		t.Errorf("stats %+v (%d in the history), fresh store %+v", got, hist, fresh)
	}
}

// TestConcurrentUse: readers and writers at once (the web server does this) see whole pills
// only: a Put is one transaction, never half visible. Run it with -race.
func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	s := memStore(t)
	_, cup, _ := testTree(t, s)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				p := &Pill{Code: fmt.Sprintf("C-%d", i), Title: fmt.Sprintf("versione %d", w), Answer: fmt.Sprintf("risposta %d", w),
					Keywords: []string{fmt.Sprintf("k%d", w)}, Concepts: []string{cup}}
				if err := putPill(ctx, s, p); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	for r := 0; r < 3; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				ps, err := s.Pills(ctx, PillFilter{Concept: cup})
				if err != nil {
					errs <- err
					return
				}
				for _, p := range ps {
					// Title, answer and keyword come from the same writer, or the Put was torn.
					w := strings.TrimPrefix(p.Title, "versione ")
					if p.Answer != "risposta "+w || len(p.Keywords) != 1 || p.Keywords[0] != "k"+w {
						errs <- fmt.Errorf("torn pill %+v", p)
						return
					}
				}
				if _, err := s.ConceptByLabel(ctx, "cup"); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if st, _ := s.Stats(ctx); st.Pills != 20 {
		t.Errorf("%d pills, want 20 (one per code)", st.Pills)
	}
}

// FuzzSlug: any name gives a non-empty slug of lower-case ASCII letters, digits and single
// inner hyphens, which is safe in an IRI path.
func FuzzSlug(f *testing.F) {
	for _, s := range []string{"Avere un figlio", "Città", "—", "", "a--b", "Ärzte/Straße", "日本", "x\x00y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Slug(s)
		if got == "" || strings.HasPrefix(got, "-") || strings.HasSuffix(got, "-") || strings.Contains(got, "--") {
			t.Fatalf("Slug(%q) = %q", s, got)
		}
		for _, r := range got {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				t.Fatalf("Slug(%q) = %q has %q", s, got, r)
			}
		}
		if !isAbsoluteIRI(ConceptIRI(s)) || !isAbsoluteIRI(PillIRI(s)) {
			t.Fatalf("IRIs minted from %q are not absolute IRIs", s)
		}
	})
}
