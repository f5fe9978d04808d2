package ingest

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sportello/fixtures/testenv"
	"sportello/kb"
)

// The shared corpus (../shared/corpus/README.md): 157 pills in 6 sheets with every kind of
// mess a hand-made workbook has, and the phone directory (65 rows, 56 offices).
func corpusPills(t testing.TB) string     { return testenv.Shared(t, "corpus/pillole-legacy.xlsx") }
func corpusDirectory(t testing.TB) string { return testenv.Shared(t, "corpus/rubrica.xlsx") }

func needCorpus(t *testing.T) {
	t.Helper()
	corpusPills(t)
	corpusDirectory(t)
}

// corpusCodes reads every pill code of the workbook straight from the cells, independently of
// the importer: the oracle of the end-to-end test.
func corpusCodes(t *testing.T) map[string]int {
	t.Helper()
	f, err := excelize.OpenFile(corpusPills(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	re := regexp.MustCompile(`^[A-Z]{3}-\d{3}$`)
	codes := map[string]int{}
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if len(r) > 0 && re.MatchString(strings.TrimSpace(r[0])) {
				codes[strings.TrimSpace(r[0])]++
			}
		}
	}
	return codes
}

func TestCorpusPills(t *testing.T) {
	needCorpus(t)
	ctx := context.Background()
	store := openStore(t)
	sum := importOK(t, store, corpusPills(t), Options{})

	codes := corpusCodes(t)
	if len(codes) != 157 {
		t.Fatalf("oracle: %d distinct codes in the workbook, the README says 157", len(codes))
	}
	if len(sum.Mappings) != 6 {
		t.Errorf("%d sheets mapped, want 6", len(sum.Mappings))
	}
	// 157 codes, one of them (ATP-009) on two rows; TRA-019 has no answer.
	if sum.Pills.Created != 156 || sum.Pills.Updated != 0 {
		t.Errorf("pills: %+v, want 156 created", sum.Pills)
	}
	pills := allPills(t, store)
	if len(pills) != 156 {
		t.Fatalf("%d pills in the store, want 156", len(pills))
	}
	got := map[string]bool{}
	for _, p := range pills {
		got[p.Code] = true
		if p.Status != kb.StatusDraft || p.Version != 1 {
			t.Errorf("%s: status %s version %d, want draft 1", p.Code, p.Status, p.Version)
		}
		if p.Answer == "" || p.Title == "" || p.Department == "" {
			t.Errorf("%s: missing title, answer or department: %+v", p.Code, p)
		}
	}
	for c := range codes {
		if c == "TRA-019" {
			continue
		}
		if !got[c] {
			t.Errorf("pill %s of the workbook is missing", c)
		}
	}

	// Problems, each by sheet and row.
	if p := findProblem(sum.Problems, "Formazione e Lavoro", 16, Error); p == nil || p.Code != "ATP-009" || !strings.Contains(p.Problem, "Attività Produttive") {
		t.Errorf("ATP-009 conflict not reported: %+v", sum.Problems)
	}
	if p := findProblem(sum.Problems, "Trasporti", 21, Error); p == nil || p.Code != "TRA-019" || !strings.Contains(p.Problem, "risposta mancante") {
		t.Errorf("TRA-019 without answer not reported: %+v", p)
	}
	for _, row := range []int{2, 19} {
		if p := findProblem(sum.Problems, "Tributi e Affari Generali", row, Info); p == nil || !strings.Contains(p.Problem, "sezione") {
			t.Errorf("section row %d not reported", row)
		}
	}
	if _, err := store.PillByCode(ctx, "TRA-019"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("TRA-019 imported without an answer (err %v)", err)
	}
	atp := pillByCode(t, store, "ATP-009")
	if dep, _ := store.Unit(ctx, atp.Department); dep == nil || dep.Name != "Attività Produttive" {
		t.Errorf("ATP-009 kept from the wrong sheet: department %v", dep)
	}

	// Fields of single pills.
	sal1 := pillByCode(t, store, "SAL-001")
	if sal1.Title != "Scelta del medico di medicina generale" || sal1.Question != "Come faccio a scegliere il medico di famiglia?" {
		t.Errorf("SAL-001 title/question: %q / %q", sal1.Title, sal1.Question)
	}
	if len(sal1.Keywords) != 5 || !has(sal1.Keywords, "MMG") {
		t.Errorf("SAL-001 keywords (split on ;): %q", sal1.Keywords)
	}
	if d := sal1.Modified.UTC().Format(time.DateOnly); d != "2021-02-15" {
		t.Errorf("SAL-001 date cell: %s, want 2021-02-15", d)
	}
	if d := pillByCode(t, store, "SAL-002").Modified.UTC().Format(time.DateOnly); d != "2013-03-12" {
		t.Errorf("SAL-002 date as text: %s, want 2013-03-12", d)
	}
	if sal1.ValidatedBy != "T. Spina" || len(sal1.LegalRefs) != 2 {
		t.Errorf("SAL-001 validated by %q, legal refs %q", sal1.ValidatedBy, sal1.LegalRefs)
	}
	if sal1.OfficeName != "Ufficio Assistenza Sanitaria di Base" {
		t.Errorf("SAL-001 office kept as text: %q", sal1.OfficeName)
	}
	if len(sal1.Concepts) != 2 {
		t.Fatalf("SAL-001 concepts: %q", sal1.Concepts)
	}
	cat, err := store.Concept(ctx, sal1.Concepts[0])
	if err != nil {
		t.Fatal(err)
	}
	sub, err := store.Concept(ctx, sal1.Concepts[1])
	if err != nil {
		t.Fatal(err)
	}
	if cat.Label("it") != "Assistenza sanitaria" || sub.Label("it") != "Medicina generale" || sub.Broader != cat.IRI {
		t.Errorf("SAL-001 taxonomy: %q > %q (broader %q)", cat.Label("it"), sub.Label("it"), sub.Broader)
	}
	atp1 := pillByCode(t, store, "ATP-001")
	if len(atp1.Keywords) != 6 {
		t.Errorf("ATP-001 keywords (split on ,): %q", atp1.Keywords)
	}
	if !hasExtra(atp1.Extra, "Modulistica", "Modello A - domanda; Allegato B - dichiarazione de minimis") {
		t.Errorf("ATP-001 forms without address not kept: %+v", atp1.Extra)
	}
	sal13 := pillByCode(t, store, "SAL-013")
	if len(sal13.Links) != 1 || sal13.Links[0].URL != "https://fse.regione.molisella.it/accesso" || sal13.Links[0].Title != "Portale FSE Molisella" {
		t.Errorf("SAL-013 hyperlink: %+v", sal13.Links)
	}
	sal4 := pillByCode(t, store, "SAL-004")
	if n := len([]rune(sal4.Answer)); n < 3000 || !strings.HasPrefix(sal4.Answer, "<p><b>Esenzione dal ticket per motivi di reddito</b><br>") {
		t.Errorf("SAL-004 long answer: %d characters, %.80q", n, sal4.Answer)
	}
	if !hasExtra(pillByCode(t, store, "TRI-001").Extra, "Sezione", "TRIBUTI REGIONALI") {
		t.Errorf("TRI-001 lost its section")
	}
	// The corpus has no € sign despite its README; the generated workbooks test it.
	var accents bool
	for _, p := range pills {
		accents = accents || strings.Contains(p.Answer, "à") && strings.Contains(p.Answer, "è")
		if strings.Contains(p.Answer, "&#") || strings.Contains(p.Answer, "\u0300") {
			t.Errorf("%s: answer not clean NFC text: %.120q", p.Code, p.Answer)
		}
	}
	if !accents {
		t.Error("accented letters lost")
	}

	// Idempotence: a second run changes nothing.
	again := importOK(t, store, corpusPills(t), Options{})
	if again.Pills.Unchanged != 156 || again.Pills.Created+again.Pills.Updated != 0 || again.Concepts.Created != 0 || again.Units.Created != 0 {
		t.Errorf("second import: pills %+v concepts %+v units %+v, want everything unchanged", again.Pills, again.Concepts, again.Units)
	}
}

func TestCorpusDirectory(t *testing.T) {
	needCorpus(t)
	ctx := context.Background()
	store := openStore(t)
	importOK(t, store, corpusPills(t), Options{})
	sum := importOK(t, store, corpusDirectory(t), Options{})
	if sum.Rows != 65 {
		t.Errorf("%d directory rows read, want 65", sum.Rows)
	}
	units, err := store.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	offices := 0
	byName := map[string]kb.Unit{}
	for _, u := range units {
		if u.Kind == kb.UnitOffice {
			offices++
			byName[u.Name] = u
		}
	}
	if offices != 56 {
		t.Errorf("%d offices, want 56", offices)
	}
	// Oracle: the rows that name a person, read straight from the cells.
	f, err := excelize.OpenFile(corpusDirectory(t))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Rubrica")
	f.Close()
	named := 0
	for _, r := range rows[1:] {
		if len(r) > 4 && strings.TrimSpace(r[3]+r[4]) != "" {
			named++
		}
	}
	people, err := store.People(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(people) != named || named == 65 {
		t.Errorf("%d people, want %d (rows with a name)", len(people), named)
	}
	urp := byName["URP - Ufficio Relazioni con il Pubblico"]
	if !urp.URP || urp.PEC != "urp@cert.regione.molisella.it" || !strings.Contains(urp.Address, "Piazza Vittorio Veneto 1") || urp.OpeningHours == "" || urp.Parent == "" {
		t.Errorf("URP office: %+v", urp)
	}
	if dep, _ := store.Unit(ctx, urp.Parent); dep == nil || dep.Name != "Presidenza e Affari Generali" || dep.Kind != kb.UnitDepartment {
		t.Errorf("URP department: %+v", dep)
	}
	if !has(urp.Emails, "urp@regione.molisella.it") {
		t.Errorf("URP shared e-mail not on the office: %q", urp.Emails)
	}
	var lucia *kb.Person
	for i := range people {
		if people[i].FullName() == "Lucia Santoianni" {
			lucia = &people[i]
		}
	}
	if lucia == nil || lucia.Extension != "7000" || lucia.Unit != urp.IRI || lucia.Role != "Responsabile P.O." || len(lucia.Phones) != 1 {
		t.Errorf("Lucia Santoianni: %+v", lucia)
	}
	// The pills imported before the directory are now linked to their offices.
	if sum.Linked == 0 {
		t.Error("no pill linked to its office")
	}
	sal1 := pillByCode(t, store, "SAL-001")
	if u := byName["Ufficio Assistenza Sanitaria di Base"]; sal1.Office != u.IRI || sal1.OfficeName != "" {
		t.Errorf("SAL-001 office %q (%q), want %q", sal1.Office, sal1.OfficeName, u.IRI)
	}

	// Re-import updates in place: nothing changes, the same IRIs.
	again := importOK(t, store, corpusDirectory(t), Options{})
	if again.Units.Created+again.Units.Updated+again.People.Created+again.People.Updated != 0 {
		t.Errorf("second directory import: units %+v people %+v", again.Units, again.People)
	}
	pills := importOK(t, store, corpusPills(t), Options{})
	if pills.Pills.Unchanged != 156 {
		t.Errorf("pills after the directory: %+v, want 156 unchanged", pills.Pills)
	}
	for _, p := range pills.Problems {
		if strings.Contains(p.Problem, "non trovato nella rubrica") {
			t.Errorf("office not linked: %v", p)
		}
	}
}

func TestCorpusStrictAndDryRun(t *testing.T) {
	needCorpus(t)
	store := openStore(t)
	sum, err := ImportFile(context.Background(), store, corpusPills(t), Options{Strict: true})
	if !errors.Is(err, ErrRefused) || sum == nil || !sum.Refused {
		t.Fatalf("strict import of the corpus: %v, want refused", err)
	}
	if n := len(allPills(t, store)); n != 0 {
		t.Errorf("strict refusal wrote %d pills", n)
	}
	if cs, _ := store.Concepts(context.Background()); len(cs) != 0 {
		t.Errorf("strict refusal wrote %d concepts", len(cs))
	}
	dry := importOK(t, store, corpusPills(t), Options{DryRun: true})
	if dry.Pills.Created != 156 || !dry.DryRun {
		t.Errorf("dry run: %+v", dry.Pills)
	}
	if n := len(allPills(t, store)); n != 0 {
		t.Errorf("dry run wrote %d pills", n)
	}
}

func has(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func hasExtra(fs []kb.Field, name, value string) bool {
	for _, f := range fs {
		if f.Name == name && f.Value == value {
			return true
		}
	}
	return false
}
