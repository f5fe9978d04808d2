package ingest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sportello/kb"
)

// TestHeaderDetection runs the detection on workbooks laid out in the ways hand-made ones are.
func TestHeaderDetection(t *testing.T) {
	pillRow := []any{"X-001", "Titolo", "Domanda?", "Risposta lunga", "a; b", "Cat", "Ufficio Tributi"}
	tests := []struct {
		name       string
		sheet      sheetSpec
		kind       Kind
		headerRows []int
		want       map[string]Field // column letter → field
	}{
		{
			name: "plain",
			sheet: sheetSpec{rows: [][]any{
				{"Codice", "Titolo", "Domanda", "Risposta", "Parole chiave", "Categoria", "Ufficio competente"}, pillRow}},
			kind: KindPills, headerRows: []int{1},
			want: map[string]Field{"A": FCode, "B": FTitle, "C": FQuestion, "D": FAnswer, "E": FKeywords, "F": FCategory, "G": FOffice},
		},
		{
			name: "title rows, a note and an empty row above",
			sheet: sheetSpec{rows: [][]any{
				{"REGIONE - Pillole di conoscenza del contact center, revisione 2024 (uso interno, non diffondere)"},
				{"Documento ad uso interno"},
				{},
				{"Cod.", "Titolo", "Domanda frequente", "Risposta/Testo", "Keywords", "Area", "Struttura competente"},
				pillRow},
				merges: [][2]string{{"A1", "G1"}}},
			kind: KindPills, headerRows: []int{4},
			want: map[string]Field{"A": FCode, "D": FAnswer, "E": FKeywords, "F": FCategory, "G": FOffice},
		},
		{
			name: "two-row header with merged groups",
			sheet: sheetSpec{rows: [][]any{
				{"Codice", "Contenuto", nil, nil, "Classificazione", nil, "Riferimenti"},
				{nil, "Titolo", "Domanda frequente", "Risposta", "Parole chiave", "Categoria", "Ufficio"},
				pillRow},
				merges: [][2]string{{"A1", "A2"}, {"B1", "D1"}, {"E1", "F1"}}},
			kind: KindPills, headerRows: []int{1, 2},
			want: map[string]Field{"A": FCode, "B": FTitle, "C": FQuestion, "D": FAnswer, "E": FKeywords, "F": FCategory, "G": FOffice},
		},
		{
			name: "other column order and capitals",
			sheet: sheetSpec{rows: [][]any{
				{"RISPOSTA", "NOTE", "TITOLO", "COD", "DATA AGG.", "NORMATIVA", "LINK UTILI", "COLONNA STRANA"},
				{"r", "n", "t", "c", "01/01/2020", "L. 1/2000", "https://x.it", "boh"}}},
			kind: KindPills, headerRows: []int{1},
			want: map[string]Field{"A": FAnswer, "B": FNotes, "C": FTitle, "D": FCode, "E": FUpdated, "F": FLegal, "G": FLink, "H": FExtra},
		},
		{
			name: "answer and description",
			sheet: sheetSpec{rows: [][]any{
				{"N°", "Codice", "Titolo", "Descrizione", "Risposta", "Data", "Data agg."},
				{1, "X-1", "T", "breve", "lunga", "01/01/2020", "02/02/2020"}}},
			kind: KindPills, headerRows: []int{1},
			want: map[string]Field{"A": FExtra, "B": FCode, "D": FExtra, "E": FAnswer, "G": FUpdated},
		},
		{
			name: "English headers",
			sheet: sheetSpec{rows: [][]any{
				{"Code", "Title", "Question", "Answer", "Keywords", "Category", "Subcategory", "Competent office", "Legal references", "Forms", "Last update", "Validated by", "Notes"},
				pillRow}},
			kind: KindPills, headerRows: []int{1},
			want: map[string]Field{"A": FCode, "D": FAnswer, "G": FSubcategory, "H": FOffice, "I": FLegal, "J": FForms, "K": FUpdated, "L": FValidatedBy, "M": FNotes},
		},
		{
			name: "directory",
			sheet: sheetSpec{rows: [][]any{
				{"Rubrica telefonica 2024"},
				{"Dipartimento", "Ufficio", "URP", "Nominativo", "Qualifica", "Int.", "Tel.", "E-mail", "PEC", "Indirizzo", "Orario"},
				{"Salute", "Ufficio Ticket", "No", "Mario Rossi", "Funzionario", 7001, "0874 1", "m@r.it", "p@pec.it", "Via Roma 1", "9-13"}}},
			kind: KindDirectory, headerRows: []int{2},
			want: map[string]Field{"A": FDepartment, "B": FUnit, "C": FURP, "D": FFullName, "E": FRole, "F": FExtension, "G": FPhone, "H": FEmail, "I": FPEC, "J": FAddress, "K": FHours},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.sheet.name = "Foglio"
			path := writeWorkbook(t, "h.xlsx", tt.sheet)
			ms, problems, err := ShowMapping(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != 1 {
				t.Fatalf("%d mappings, problems %v", len(ms), problems)
			}
			m := ms[0]
			if m.Kind != tt.kind || !equalInts(m.HeaderRows, tt.headerRows) {
				t.Errorf("kind %s header %v, want %s %v\n%s", m.Kind, m.HeaderRows, tt.kind, tt.headerRows, m)
			}
			if len(m.Preview) != 1 || len(m.Preview[0]) != len(m.Columns) {
				t.Errorf("preview %q, want the one data row", m.Preview)
			}
			for col, f := range tt.want {
				i, _ := excelize.ColumnNameToNumber(col)
				got := Field("(none)")
				for _, c := range m.Columns {
					if c.Index == i-1 {
						got = c.Field
					}
				}
				if got != f {
					t.Errorf("column %s → %s, want %s\n%s", col, got, f, m)
				}
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// messyWorkbook has, on two sheets with different headers, every kind of mess the importer
// must survive.
func messyWorkbook(t *testing.T, answer string) string {
	long := strings.Repeat("Testo molto lungo. ", 600) // > MaxCellChars
	return writeWorkbook(t, "messy.xlsx",
		sheetSpec{name: "Tributi",
			rows: [][]any{
				{"Pillole Tributi"},
				{"Codice", "Titolo", "Risposta", "Parole chiave", "Categoria", "Sottocategoria", "Ufficio competente", "Data agg.", "Link", "Colonna libera"},
				{"T-1", "Bollo auto", answer, "bollo; auto, tassa", "Tributi", "Bollo", "Ufficio Tributi", "12 marzo 2013", "Portale bollo", "x1"},
				{},
				{"TASSE REGIONALI"},
				{"T-2", "IRAP", "L'IRAP costa 16,00 € <script>alert(1)</script>", "irap", "Tributi", "IRAP", "Tributi", 44242, "https://irap.example.it", ""},
				{"T-3", "Senza risposta", "", "x", "Tributi", "", "", "", "", ""},
				{"T-4", "Data strana", "Risposta.", "", "Tributi", "", "", "da definire", "", ""},
				{"T-5", "Lunga", long, "", "Tributi", "", "", "", "", ""},
				{"T-1", "Bollo auto bis", "Un altro testo", "", "", "", "", "", "", ""},
				{"Codice", "Titolo", "Risposta", "Parole chiave", "Categoria", "Sottocategoria", "Ufficio competente", "Data agg.", "Link", "Colonna libera"},
				{nil, "Senza codice", "Risposta senza codice.", "", "", "", "", "", "", ""},
			},
			merges: [][2]string{{"A1", "J1"}, {"A5", "J5"}},
			links:  map[string]string{"I3": "https://bollo.example.it"},
			styles: map[string]string{"H6": "dd/mm/yyyy"},
		},
		sheetSpec{name: "Salute",
			rows: [][]any{
				{"Answer", "Title", "Code", "Keywords"},
				{"Città e perché: 5 €", "Ticket", "S-1", "ticket"},
				{"Ripetuto", "Ticket", "T-2", ""},
			},
		})
}

func TestMessyWorkbook(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	// An office the competent-office column names in another way.
	if err := store.PutUnit(ctx, &kb.Unit{Name: "Ufficio Tributi", Kind: kb.UnitOffice}); err != nil {
		t.Fatal(err)
	}
	path := messyWorkbook(t, "Si paga:\n- online\n- in banca")
	sum := importOK(t, store, path, Options{})
	if sum.Pills.Created != 6 { // T-1, T-2, T-4, T-5, the row without code, S-1
		t.Errorf("pills %+v, want 6 created; problems:\n%s", sum.Pills, problemText(sum.Problems))
	}
	wantProblems := []struct {
		sheet string
		row   int
		sev   Severity
		text  string
	}{
		{"Tributi", 5, Info, "sezione"},
		{"Tributi", 7, Error, "risposta mancante"},
		{"Tributi", 8, Warning, "data non riconosciuta"},
		{"Tributi", 9, Warning, "troppo lunga"},
		{"Tributi", 10, Error, "già usato in riga 3"},
		{"Tributi", 11, Info, "intestazione ripetuta"},
		{"Tributi", 12, Warning, "senza codice"},
		{"Salute", 3, Error, "T-2 già usato in foglio \"Tributi\" riga 6"},
	}
	for _, w := range wantProblems {
		if p := findProblem(sum.Problems, w.sheet, w.row, w.sev); p == nil || !strings.Contains(p.Problem, w.text) {
			t.Errorf("%s row %d: want a %s %q, got %+v", w.sheet, w.row, w.sev, w.text, p)
		}
	}

	t1 := pillByCode(t, store, "T-1")
	if t1.Answer != "<p>Si paga:</p><ul><li>online</li><li>in banca</li></ul>" {
		t.Errorf("T-1 answer %q", t1.Answer)
	}
	if got := t1.Modified.Format(time.DateOnly); got != "2013-03-12" {
		t.Errorf("T-1 date %s", got)
	}
	if len(t1.Links) != 1 || t1.Links[0].URL != "https://bollo.example.it" || t1.Links[0].Title != "Portale bollo" {
		t.Errorf("T-1 links %+v", t1.Links)
	}
	if !hasExtra(t1.Extra, "Colonna libera", "x1") {
		t.Errorf("T-1 unmapped column dropped: %+v", t1.Extra)
	}
	if u, _ := store.UnitByName(ctx, "Ufficio Tributi"); u == nil || t1.Office != u.IRI {
		t.Errorf("T-1 office %q %q not linked", t1.Office, t1.OfficeName)
	}
	t2 := pillByCode(t, store, "T-2")
	if t2.Answer != "<p>L'IRAP costa 16,00 €</p>" || t2.Modified.Format(time.DateOnly) != "2021-02-15" {
		t.Errorf("T-2 answer %q date %s", t2.Answer, t2.Modified)
	}
	if t2.Office == "" || !hasExtra(t2.Extra, "Sezione", "TASSE REGIONALI") {
		t.Errorf("T-2 office %q (\"Tributi\" for \"Ufficio Tributi\"), extra %+v", t2.Office, t2.Extra)
	}
	if len(t2.Links) != 1 || t2.Links[0].URL != "https://irap.example.it" {
		t.Errorf("T-2 links %+v", t2.Links)
	}
	if s1 := pillByCode(t, store, "S-1"); s1.Answer != "<p>Città e perché: 5 €</p>" {
		t.Errorf("S-1 answer %q", s1.Answer)
	}
	if t5 := pillByCode(t, store, "T-5"); len([]rune(t5.Answer)) < MaxCellChars {
		t.Errorf("T-5 long answer cut to %d characters", len([]rune(t5.Answer)))
	}

	// Import twice: nothing changes, not even the pill without a code.
	again := importOK(t, store, path, Options{})
	if again.Pills.Unchanged != 6 || again.Pills.Created+again.Pills.Updated != 0 {
		t.Errorf("second import %+v", again.Pills)
	}
	// A changed row changes the draft the last import made: nothing was published, nobody
	// edited it, so it stays version 1 (reimport_test.go has the published and edited cases).
	changed := messyWorkbook(t, "Si paga online.")
	third := importOK(t, store, changed, Options{})
	if third.Pills.Updated != 1 || third.Pills.Unchanged != 5 || third.Pills.Created != 0 {
		t.Errorf("after a change %+v", third.Pills)
	}
	v2 := pillByCode(t, store, "T-1")
	if v2.IRI != t1.IRI || v2.Version != t1.Version || v2.Answer != "<p>Si paga online.</p>" || !v2.Created.Equal(t1.Created) {
		t.Errorf("changed draft: %s v%d %q (was %s v%d)", v2.IRI, v2.Version, v2.Answer, t1.IRI, t1.Version)
	}
	if n := len(allPills(t, store)); n != 6 {
		t.Errorf("%d pills after the update, want 6 (no duplicate)", n)
	}
}

func problemText(ps []Problem) string {
	var b strings.Builder
	WriteProblems(&b, ps)
	return b.String()
}

func TestStrictAndDryRun(t *testing.T) {
	ctx := context.Background()
	clean := writeWorkbook(t, "clean.xlsx", sheetSpec{name: "Pillole", rows: [][]any{
		{"Codice", "Titolo", "Risposta", "Categoria"},
		{"C-1", "Uno", "Risposta uno", "Cat"},
		{"C-2", "Due", "Risposta due", "Cat"},
	}})
	bad := writeWorkbook(t, "bad.xlsx", sheetSpec{name: "Pillole", rows: [][]any{
		{"Codice", "Titolo", "Risposta", "Categoria"},
		{"C-1", "Uno", "Risposta uno", "Cat"},
		{"C-2", "Due", "", "Cat"},
	}})

	store := openStore(t)
	sum, err := ImportFile(ctx, store, bad, Options{Strict: true})
	if err == nil || !sum.Refused || !strings.Contains(err.Error(), "bad.xlsx") {
		t.Fatalf("strict on a bad workbook: %v", err)
	}
	if n := len(allPills(t, store)); n != 0 {
		t.Errorf("strict refusal wrote %d pills", n)
	}
	dry := importOK(t, store, clean, Options{DryRun: true})
	if dry.Pills.Created != 2 || dry.Concepts.Created != 1 || dry.Units.Created != 1 {
		t.Errorf("dry run plan %+v %+v %+v", dry.Pills, dry.Concepts, dry.Units)
	}
	if n := len(allPills(t, store)); n != 0 {
		t.Errorf("dry run wrote %d pills", n)
	}
	if cs, _ := store.Concepts(ctx); len(cs) != 0 {
		t.Errorf("dry run wrote %d concepts", len(cs))
	}
	strict := importOK(t, store, clean, Options{Strict: true, Status: kb.StatusPublished})
	if strict.Pills.Created != 2 || len(allPills(t, store)) != 2 {
		t.Errorf("strict on a clean workbook: %+v", strict.Pills)
	}
	if p := pillByCode(t, store, "C-1"); p.Status != kb.StatusPublished {
		t.Errorf("status %s, want published", p.Status)
	}
	// The default imports the good rows.
	def := importOK(t, openStore(t), bad, Options{})
	if def.Pills.Created != 1 || findProblem(def.Problems, "Pillole", 3, Error) == nil {
		t.Errorf("default mode %+v %v", def.Pills, def.Problems)
	}
}

func TestMappingFile(t *testing.T) {
	path := writeWorkbook(t, "m.xlsx", sheetSpec{name: "Strano", rows: [][]any{
		{"Colonna 1", "Colonna 2", "Colonna 3", "Note"},
		{"Z-1", "Titolo", "Testo della scheda", "nota"},
	}})
	if ms, problems, _ := ShowMapping(path, Options{}); len(ms) != 0 || len(problems) != 1 {
		t.Fatalf("unrecognised sheet: mappings %v problems %v", ms, problems)
	}
	mf, err := ParseMappingFile("map.txt", strings.NewReader(`# mapping
[strano]
header = 1
Colonna 1 = code
@B = title
colonna 3 = answer
Note = ignore
`))
	if err != nil {
		t.Fatal(err)
	}
	store := openStore(t)
	sum := importOK(t, store, path, Options{Mapping: mf})
	if sum.Pills.Created != 1 {
		t.Fatalf("%+v %v", sum.Pills, sum.Problems)
	}
	p := pillByCode(t, store, "Z-1")
	if p.Title != "Titolo" || p.Answer != "<p>Testo della scheda</p>" || p.Notes != "" || len(p.Extra) != 0 {
		t.Errorf("mapped pill %+v", p)
	}

	for _, bad := range []struct{ text, want string }{
		{"code = x", "map.txt:1: a setting before"},
		{"[A]\nColonna = colore", "map.txt:2: unknown field"},
		{"[A]\nheader = 2-4", "map.txt:2: header"},
		{"[A]\n@1 = code", "map.txt:2:"},
		{"[A]\n[a]", "map.txt:2: sheet"},
		{"[A]\nsenza uguale", "map.txt:2: expected"},
	} {
		if _, err := ParseMappingFile("map.txt", strings.NewReader(bad.text)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ParseMappingFile(%q) = %v, want %q", bad.text, err, bad.want)
		}
	}
}

func TestProblemReportXLSX(t *testing.T) {
	ps := []Problem{{File: "a.xlsx", Sheet: "S", Row: 3, Column: "B (Titolo)", Code: "X-1", Severity: Error, Problem: "risposta mancante", Action: "riga non importata"}}
	var b strings.Builder
	if err := WriteProblems(&b, ps); err != nil || !strings.Contains(b.String(), "risposta mancante") {
		t.Fatalf("table: %v %q", err, b.String())
	}
	path := t.TempDir() + "/r.xlsx"
	var buf writerFile
	if err := WriteProblemsXLSX(&buf, ps); err != nil {
		t.Fatal(err)
	}
	if err := buf.save(path); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("Problemi")
	if len(rows) != 2 || rows[1][2] != "3" || rows[1][6] != "risposta mancante" {
		t.Errorf("report rows %q", rows)
	}
}

func FuzzParseMappingFile(f *testing.F) {
	for _, s := range []string{"[Salute]\nheader = 3\nCod. = code\n@K = updated\n", "[*]\nkind = skip", "x", "[a]\nheader = 1-2", "\ufeff[b]\n# c\nNote = ignore"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		mf, err := ParseMappingFile("m.txt", strings.NewReader(s))
		if err == nil && mf == nil {
			t.Error("no mapping and no error")
		}
		if err != nil && !strings.HasPrefix(err.Error(), "m.txt") {
			t.Errorf("error %q does not name the file", err)
		}
	})
}

// One sheet for every department, a category written once for a block of rows (merged down),
// and dates in American and month/year form.
func TestDepartmentColumnAndMergedBlocks(t *testing.T) {
	ctx := context.Background()
	path := writeWorkbook(t, "one.xlsx", sheetSpec{name: "Tutte le pillole",
		rows: [][]any{
			{"Dipartimento", "Categoria", "Codice", "Titolo", "Risposta", "Data"},
			{"Salute", "Esenzioni", "A-1", "Uno", "Risposta uno", "03/2013"},
			{"Salute", nil, "A-2", "Due", "Risposta due", "03/25/2013"},
			{"Trasporti", nil, "A-3", "Tre", "Risposta tre", ""},
			{"Trasporti", "Abbonamenti", "A-4", "Quattro", "Risposta quattro", ""},
		},
		merges: [][2]string{{"B2", "B4"}},
	})
	store := openStore(t)
	sum := importOK(t, store, path, Options{})
	if sum.Pills.Created != 4 || len(sum.Problems) != 0 {
		t.Fatalf("%+v\n%s", sum.Pills, problemText(sum.Problems))
	}
	a3 := pillByCode(t, store, "A-3")
	a1 := pillByCode(t, store, "A-1")
	if len(a3.Concepts) != 1 || len(a1.Concepts) != 1 || a3.Concepts[0] != a1.Concepts[0] {
		t.Errorf("merged category not given to the whole block: %q %q %q", a1.Concepts, pillByCode(t, store, "A-2").Concepts, a3.Concepts)
	}
	if dep, _ := store.Unit(ctx, a3.Department); dep == nil || dep.Name != "Trasporti" || dep.Kind != kb.UnitDepartment {
		t.Errorf("A-3 department %+v", dep)
	}
	if a1.Modified.Format(time.DateOnly) != "2013-03-01" || pillByCode(t, store, "A-2").Modified.Format(time.DateOnly) != "2013-03-25" {
		t.Errorf("dates %s", a1.Modified)
	}
	if a4 := pillByCode(t, store, "A-4"); len(a4.Concepts) != 1 || a4.Concepts[0] == a1.Concepts[0] {
		t.Errorf("A-4 concepts %q", a4.Concepts)
	}
}

func TestGeneratedDirectory(t *testing.T) {
	ctx := context.Background()
	dir := func(secondOffice string) string {
		return writeWorkbook(t, "rubrica.xlsx", sheetSpec{name: "Uffici", rows: [][]any{
			{"Elenco uffici"},
			{"Direzione", "Servizio", "Cognome e nome", "Qualifica", "Int.", "Tel.", "E-mail", "PEC", "Indirizzo", "Orario"},
			{"Finanze", "Ufficio Bollo", "ROSSI Mario", "Funzionario", 7101, "0874 101", "bollo@example.it", "bollo@pec.example.it", "Via Roma 1", "9-13"},
			{"Finanze", "Ufficio Bollo", "Verdi Anna", "Istruttore", 7102, "0874 102", "bollo@example.it", "", "", ""},
			{"Finanze", "Ufficio Bollo", nil, nil, nil, "0874 100", "", "", "", ""},
			{"Finanze", secondOffice, "Bianchi Luca", "Dirigente", 7200, "", "luca.bianchi@example.it; non-valida", "", "", ""},
			{"URP", "URP - Sportello unico", nil, nil, nil, "0874 000", "urp@example.it", "", "", "8-14"},
		}})
	}
	store := openStore(t)
	sum := importOK(t, store, dir("Ufficio IRAP"), Options{})
	if sum.People.Created != 3 || sum.Units.Created != 5 { // 3 offices + 2 departments
		t.Fatalf("people %+v units %+v\n%s", sum.People, sum.Units, problemText(sum.Problems))
	}
	if p := findProblem(sum.Problems, "Uffici", 6, Warning); p == nil || !strings.Contains(p.Problem, "non-valida") {
		t.Errorf("invalid e-mail not reported: %v", sum.Problems)
	}
	bollo, err := store.UnitByName(ctx, "Ufficio Bollo")
	if err != nil {
		t.Fatal(err)
	}
	if bollo.PEC != "bollo@pec.example.it" || !has(bollo.Emails, "bollo@example.it") || len(bollo.Phones) != 1 || bollo.Address != "Via Roma 1" {
		t.Errorf("office contacts gathered from its rows: %+v", bollo)
	}
	urp, _ := store.UnitByName(ctx, "URP - Sportello unico")
	if urp == nil || !urp.URP {
		t.Errorf("URP flag from the name: %+v", urp)
	}
	people, _ := store.People(ctx)
	var mario, luca kb.Person
	for _, p := range people {
		switch p.FamilyName {
		case "ROSSI":
			mario = p
		case "Bianchi":
			luca = p
		}
	}
	if mario.GivenName != "Mario" || mario.Extension != "7101" || mario.Unit != bollo.IRI || len(mario.Emails) != 0 || len(mario.Phones) != 1 {
		t.Errorf("Mario Rossi: %+v", mario)
	}
	if luca.GivenName != "Luca" || !has(luca.Emails, "luca.bianchi@example.it") {
		t.Errorf("Luca Bianchi (family name first): %+v", luca)
	}
	// Luca moves to another office: the same person is updated, not duplicated.
	again := importOK(t, store, dir("Ufficio Contenzioso"), Options{})
	if again.People.Updated != 1 || again.People.Created != 0 || again.People.Unchanged != 2 {
		t.Errorf("after a move: %+v", again.People)
	}
	people, _ = store.People(ctx)
	if len(people) != 3 {
		t.Errorf("%d people after the move, want 3", len(people))
	}
}
