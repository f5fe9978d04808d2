package search

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"sportello/kb"
)

func TestItalianAnalyzer(t *testing.T) {
	x, err := OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for _, tc := range []struct{ in, want string }{
		{"dell'esenzione", "esenzion"},
		{"Dell’Esenzione", "esenzion"},    // typographic apostrophe
		{"università", "universit"},       // accents folded
		{"universita", "universit"},       // typed without accents
		{"perché più", ""},                // stop words, accented
		{"perche piu", ""},                // stop words, typed without accents
		{"case popolari", "case popolar"}, // the light stemmer keeps short words
		{"alloggi popolari", "allogg popolar"},
		{"alloggio popolare", "allogg popolar"}, // singular: same stems
		{"l'ISEE", "isee"},                      // elision, acronym
		{"Tessera Sanitaria", "tesser sanitar"},
	} {
		got := strings.Join(analyze(x.itAn, tc.in), " ")
		if got != tc.want {
			t.Errorf("analyze(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func date(s string) *time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return &d
}

// testKB is a small knowledge base: a concept tree, a directory and pills in every status.
func testKB() *memSource {
	return &memSource{
		concepts: []kb.Concept{
			{IRI: "c:abitare", PrefLabel: map[string]string{"it": "Abitare"}},
			{IRI: "c:casa", PrefLabel: map[string]string{"it": "Casa popolare"}, Broader: "c:abitare",
				AltLabels: map[string][]string{"it": {"alloggio sociale"}}, HiddenLabels: map[string][]string{"it": {"caseggiato pubblico"}}},
			{IRI: "c:salute", PrefLabel: map[string]string{"it": "Salute"}},
			{IRI: "c:medico", PrefLabel: map[string]string{"it": "Medicina generale"}, Broader: "c:salute"},
		},
		units: []kb.Unit{
			{IRI: "u:dip", Name: "Dipartimento Salute e Welfare", Kind: kb.UnitDepartment},
			{IRI: "u:casa", Name: "Ufficio Politiche Abitative", Kind: kb.UnitOffice, Parent: "u:dip", Phones: []string{"0874 437 500"}},
			{IRI: "u:asb", Name: "Ufficio Assistenza Sanitaria di Base", Kind: kb.UnitOffice, Parent: "u:dip"},
		},
		people: []kb.Person{
			{IRI: "p:petrecca", GivenName: "Maria", FamilyName: "Petrecca", Role: "Responsabile P.O.", Unit: "u:casa", Extension: "4312"},
			{IRI: "p:spina", GivenName: "Tommaso", FamilyName: "Spina", Role: "Funzionario medico", Unit: "u:asb", Extension: "5110"},
		},
		pills: []kb.Pill{
			{IRI: "pill:erp", Code: "SAL-028", Title: "Requisiti per l'assegnazione degli alloggi ERP",
				Question: "Come si fa la domanda di assegnazione?", Answer: "<p>La domanda si presenta al <b>Comune</b> con il bando.</p>",
				Concepts: []string{"c:casa"}, Department: "u:dip", Office: "u:casa", Status: kb.StatusPublished, Version: 1,
				Validated: date("2023-04-03")},
			{IRI: "pill:mmg", Code: "SAL-001", Title: "Scelta del medico di medicina generale",
				Question: "Come scelgo il medico?", Answer: "Allo sportello anagrafe assistiti del distretto.",
				Concepts: []string{"c:medico"}, Department: "u:dip", Office: "u:asb", Status: kb.StatusPublished, Version: 2},
			{IRI: "pill:draft", Code: "SAL-090", Title: "Contributo affitto morosità incolpevole (bozza)",
				Answer: "In preparazione.", Concepts: []string{"c:casa"}, Status: kb.StatusDraft},
			{IRI: "pill:retired", Code: "SAL-091", Title: "Contributo affitto 2019 archiviato",
				Answer: "Bando chiuso.", Concepts: []string{"c:casa"}, Status: kb.StatusRetired},
			{IRI: "pill:expired", Code: "SAL-092", Title: "Contributo affitto scaduto",
				Answer: "Bando chiuso.", Status: kb.StatusPublished, ValidUntil: date("2020-12-31")},
			{IRI: "pill:future", Code: "SAL-093", Title: "Contributo affitto futuro",
				Answer: "Bando in arrivo.", Status: kb.StatusPublished, ValidFrom: date("2099-01-01")},
		},
	}
}

func openTest(t *testing.T) (*Index, *memSource) {
	t.Helper()
	src := testKB()
	x, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	if _, err := x.Sync(context.Background(), src, nil); err != nil {
		t.Fatal(err)
	}
	return x, src
}

func codes(r *Response) []string {
	out := []string{}
	for _, h := range r.Hits {
		if h.Kind == KindPill {
			out = append(out, h.Code)
		}
	}
	return out
}

func iris(r *Response) []string {
	out := []string{}
	for _, h := range r.Hits {
		out = append(out, h.IRI)
	}
	return out
}

// TestVisibility: operators see published pills in their validity period only; publishers may
// include drafts; archived pills need IncludeRetired (issue 4 §7, KB-3).
func TestVisibility(t *testing.T) {
	x, _ := openTest(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		opt  Options
		want []string
	}{
		{"operator", Options{Complete: true}, []string{}},
		{"drafts", Options{Complete: true, IncludeDrafts: true}, []string{"SAL-090", "SAL-092", "SAL-093"}},
		{"retired", Options{Complete: true, IncludeDrafts: true, IncludeRetired: true}, []string{"SAL-090", "SAL-091", "SAL-092", "SAL-093"}},
	} {
		r, err := x.Search(ctx, "contributo affitto", tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		got := codes(r)
		sortStrings(got)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	// The expired pill was valid before its end date.
	r, err := x.Search(ctx, "contributo affitto scaduto", Options{Complete: true, Now: *date("2020-06-01")})
	if err != nil {
		t.Fatal(err)
	}
	if got := codes(r); len(got) == 0 || got[0] != "SAL-092" {
		t.Errorf("before ValidUntil: got %v", got)
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// TestConcepts: a query naming a concept finds pills filed under narrower concepts (skos:broader,
// transitive), also by alt and hidden labels; results carry facets and can be filtered (KB-6).
func TestConcepts(t *testing.T) {
	x, _ := openTest(t)
	ctx := context.Background()
	for _, q := range []string{"abitare", "alloggio sociale", "caseggiato pubblico", "case popolari"} {
		r, err := x.Search(ctx, q, Options{Complete: true, Kinds: []string{KindPill}})
		if err != nil {
			t.Fatal(err)
		}
		if got := codes(r); len(got) == 0 || got[0] != "SAL-028" {
			t.Errorf("%q: got %v, want SAL-028 first", q, got)
		}
	}
	r, err := x.Search(ctx, "domanda", Options{Complete: true, Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	var branches []string
	for _, f := range r.Facets[fBranch] {
		branches = append(branches, f.Label)
	}
	if !reflect.DeepEqual(branches, []string{"Abitare"}) {
		t.Errorf("branch facet labels = %v", branches)
	}
	r, err = x.Search(ctx, "come si sceglie", Options{Complete: true, Branch: "c:abitare"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range codes(r) {
		if c != "SAL-028" {
			t.Errorf("filter branch=c:abitare let %s through", c)
		}
	}
	r, err = x.Search(ctx, "medico", Options{Complete: true, Office: "u:asb", Kinds: []string{KindPill}})
	if err != nil {
		t.Fatal(err)
	}
	if got := codes(r); !reflect.DeepEqual(got, []string{"SAL-001"}) {
		t.Errorf("filter office: got %v", got)
	}
	if r.Hits[0].Office != "Ufficio Assistenza Sanitaria di Base" {
		t.Errorf("office = %q", r.Hits[0].Office)
	}
}

// TestDirectory: offices and people by name, role, office or extension (TEL-8, KB-13).
func TestDirectory(t *testing.T) {
	x, _ := openTest(t)
	ctx := context.Background()
	for _, tc := range []struct {
		q, complete string
		want        string
		kind        string
	}{
		{"4312", "y", "p:petrecca", KindPerson},
		{"431", "", "p:petrecca", KindPerson}, // as you type
		{"petrecca", "y", "p:petrecca", KindPerson},
		{"maria petreca", "y", "p:petrecca", KindPerson}, // typo
		{"politiche abitative", "y", "u:casa", KindOffice},
		{"funzionario medico", "y", "p:spina", KindPerson},
		{"0874 437 500", "y", "u:casa", KindOffice},
	} {
		r, err := x.Search(ctx, tc.q, Options{Complete: tc.complete != "", Kinds: []string{KindOffice, KindPerson}})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Hits) == 0 || r.Hits[0].IRI != tc.want || r.Hits[0].Kind != tc.kind {
			t.Errorf("%q: got %v, want %s first", tc.q, iris(r), tc.want)
			continue
		}
		if tc.kind == KindPerson && r.Hits[0].Extension == "" {
			t.Errorf("%q: no extension in %+v", tc.q, r.Hits[0])
		}
	}
	r, err := x.Search(ctx, "4312", Options{Complete: true})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Confident || r.Hits[0].Title != "Maria Petrecca" || r.Hits[0].Office != "Ufficio Politiche Abitative" {
		t.Errorf("extension: confident=%v first=%+v", r.Confident, r.Hits[0])
	}
}

// TestSynonyms: built-in list, administrators' list persisted in the index folder.
func TestSynonyms(t *testing.T) {
	dir := t.TempDir()
	src := testKB()
	x, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := x.Sync(ctx, src, nil); err != nil {
		t.Fatal(err)
	}
	r, err := x.Search(ctx, "medico di base", Options{Complete: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := codes(r); len(got) == 0 || got[0] != "SAL-001" {
		t.Errorf("medico di base: got %v", got)
	}
	r, _ = x.Search(ctx, "graduatoria sfratti", Options{Complete: true})
	if len(codes(r)) != 0 {
		t.Fatalf("before the synonym: %v", codes(r))
	}
	g, err := x.Synonyms().Add([]string{"graduatoria sfratti", "bando", " bando "})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Terms) != 2 {
		t.Errorf("duplicates kept: %v", g.Terms)
	}
	if _, err := x.Synonyms().Add([]string{"solo"}); err == nil {
		t.Error("a group of one term was accepted")
	}
	if err := x.Synonyms().Remove(x.Synonyms().List()[0].ID); err == nil {
		t.Error("a built-in group was removed")
	}
	r, _ = x.Search(ctx, "graduatoria sfratti", Options{Complete: true})
	if got := codes(r); len(got) == 0 || got[0] != "SAL-028" {
		t.Errorf("after adding the synonym: %v", got)
	}
	x.Close()

	x, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if x.State() != StateOK {
		t.Errorf("reopened index: state %s", x.State())
	}
	list := x.Synonyms().List()
	if last := list[len(list)-1]; last.Builtin || last.ID != g.ID {
		t.Fatalf("administrators' group not persisted: %+v", last)
	}
	if err := x.Synonyms().Remove(g.ID); err != nil {
		t.Fatal(err)
	}
	if err := x.Synonyms().Remove(g.ID); err == nil {
		t.Error("removing twice succeeded")
	}
}

// TestConfidence: a wrong pill read out is worse than none (issue 4 §5, TK-9).
func TestConfidence(t *testing.T) {
	x, _ := openTest(t)
	ctx := context.Background()
	for _, tc := range []struct {
		q    string
		want bool
	}{
		{"scelta del medico di famiglia", true},
		{"assegnazione alloggi erp", true},
		{"rinnovo del passaporto", false},
		{"medico per il passaporto", false},
		{"come faccio", false},
		{"", false},
	} {
		r, err := x.Search(ctx, tc.q, Options{Complete: true})
		if err != nil {
			t.Fatal(err)
		}
		if r.Confident != tc.want {
			t.Errorf("%q: confident=%v, want %v (hits %v)", tc.q, r.Confident, tc.want, iris(r))
		}
		if !r.Confident && r.Message != MessageNotConfident {
			t.Errorf("%q: message %q", tc.q, r.Message)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	x, _ := openTest(t)
	r, err := x.Search(context.Background(), "assegnazzione aloggi", Options{Complete: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Suggestion != "assegnazione alloggi" {
		t.Errorf("suggestion = %q", r.Suggestion)
	}
	r, _ = x.Search(context.Background(), "scelta medico", Options{Complete: true})
	if r.Suggestion != "" {
		t.Errorf("suggestion for a well-spelled query: %q", r.Suggestion)
	}
}

func TestHighlightsAndJSON(t *testing.T) {
	x, _ := openTest(t)
	r, err := x.Search(context.Background(), "domanda comune", Options{Complete: true, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Hits) != 1 {
		t.Fatalf("hits: %v", iris(r))
	}
	h := r.Hits[0]
	joined := strings.Join(h.Highlights, " ")
	if !strings.Contains(joined, "<mark>Comune</mark>") || strings.Contains(joined, "<b>") {
		t.Errorf("highlights %q: want marks on plain text", joined)
	}
	if h.Validated == nil || !h.Validated.Equal(*date("2023-04-03")) {
		t.Errorf("validated = %v", h.Validated)
	}
	b, _ := json.Marshal(r)
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, k := range []string{"confident", "hits", "suggestion"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	hit := m["hits"].([]any)[0].(map[string]any)
	for _, k := range []string{"code", "iri", "title", "score", "kind", "highlights"} {
		if _, ok := hit[k]; !ok {
			t.Errorf("hit JSON lacks %q: %s", k, b)
		}
	}
}

func TestPagination(t *testing.T) {
	x, _ := openTest(t)
	ctx := context.Background()
	all, err := x.Search(ctx, "contributo affitto bando", Options{Complete: true, IncludeDrafts: true, IncludeRetired: true, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var paged []string
	for off := 0; off < all.Total; off += 2 {
		r, err := x.Search(ctx, "contributo affitto bando", Options{Complete: true, IncludeDrafts: true, IncludeRetired: true, Limit: 2, Offset: off})
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, iris(r)...)
	}
	if !reflect.DeepEqual(paged, iris(all)) {
		t.Errorf("pages %v != one page %v", paged, iris(all))
	}
}

// TestFollowsWrites: the index follows each write at once (issue 4 §8).
func TestFollowsWrites(t *testing.T) {
	x, _ := openTest(t)
	ctx := context.Background()
	p := kb.Pill{IRI: "pill:new", Code: "TRI-100", Title: "Superbollo per auto potenti", Answer: "Si paga oltre 185 kW.", Status: kb.StatusDraft}
	if err := x.Index(&p); err != nil {
		t.Fatal(err)
	}
	find := func() []string {
		r, err := x.Search(ctx, "superbollo", Options{Complete: true})
		if err != nil {
			t.Fatal(err)
		}
		return codes(r)
	}
	if got := find(); len(got) != 0 {
		t.Errorf("draft visible to operators: %v", got)
	}
	p.Status = kb.StatusPublished
	x.Index(&p)
	if got := find(); !reflect.DeepEqual(got, []string{"TRI-100"}) {
		t.Errorf("after publishing: %v", got)
	}
	p.Status = kb.StatusRetired
	x.Index(&p)
	if got := find(); len(got) != 0 {
		t.Errorf("after archiving: %v", got)
	}
	x.Delete(p.IRI)
	r, _ := x.Search(ctx, "superbollo", Options{Complete: true, IncludeDrafts: true, IncludeRetired: true})
	if len(r.Hits) != 0 {
		t.Errorf("after delete: %v", iris(r))
	}
}

// TestSync: missing, stale and corrupt indexes are detected at start-up and rebuilt.
func TestSync(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := testKB()
	x, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if x.State() != StateMissing {
		t.Errorf("new index: state %s", x.State())
	}
	var calls, lastDone, lastTotal int
	rebuilt, err := x.Sync(ctx, src, func(done, total int) { calls++; lastDone, lastTotal = done, total })
	if err != nil || !rebuilt {
		t.Fatalf("missing index: rebuilt=%v err=%v", rebuilt, err)
	}
	want := len(src.pills) + len(src.units) + len(src.people)
	if calls == 0 || lastDone != want || lastTotal != want {
		t.Errorf("progress: %d calls, last %d/%d, want %d", calls, lastDone, lastTotal, want)
	}
	if rebuilt, _ = x.Sync(ctx, src, nil); rebuilt {
		t.Error("up-to-date index rebuilt")
	}
	// A write the index missed (a crash between the store and the index).
	src.pills[1].Title = "Scelta e revoca del medico di medicina generale"
	src.pills[1].Version++
	if rebuilt, _ = x.Sync(ctx, src, nil); !rebuilt {
		t.Error("stale index not rebuilt")
	}
	r, _ := x.Search(ctx, "revoca", Options{Complete: true})
	if got := codes(r); !reflect.DeepEqual(got, []string{"SAL-001"}) {
		t.Errorf("after rebuild: %v", got)
	}
	src.pills = src.pills[:len(src.pills)-1]
	if rebuilt, _ = x.Sync(ctx, src, nil); !rebuilt {
		t.Error("index with an extra pill not rebuilt")
	}
	x.Close()

	// Corrupt: garbage in bleve's files.
	files, _ := filepath.Glob(filepath.Join(dir, bleveDir, "*"))
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && !st.IsDir() {
			os.WriteFile(f, []byte("garbage"), 0o644)
		}
	}
	x, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if x.State() != StateCorrupt {
		t.Errorf("corrupt index: state %s", x.State())
	}
	if rebuilt, err = x.Sync(ctx, src, nil); err != nil || !rebuilt {
		t.Fatalf("corrupt index: rebuilt=%v err=%v", rebuilt, err)
	}
	r, _ = x.Search(ctx, "4312", Options{Complete: true})
	if len(r.Hits) == 0 || r.Hits[0].IRI != "p:petrecca" {
		t.Errorf("after rebuilding a corrupt index: %v", iris(r))
	}
}

// TestSearchAsYouType: the last, incomplete word matches as a prefix (issue 4 §1).
func TestSearchAsYouType(t *testing.T) {
	x, _ := openTest(t)
	ctx := context.Background()
	for _, q := range []string{"scelta del med", "scelta del medico di medic", "assegnazione allo"} {
		r, err := x.Search(ctx, q, Options{Kinds: []string{KindPill}})
		if err != nil {
			t.Fatal(err)
		}
		want := "SAL-001"
		if strings.HasPrefix(q, "assegnazione") {
			want = "SAL-028"
		}
		if got := codes(r); len(got) == 0 || got[0] != want {
			t.Errorf("%q: got %v, want %s first", q, got, want)
		}
	}
}

// TestOpenInUse: a second process (here a second opener) fails after the lock timeout with
// ErrInUse instead of waiting for ever, and never takes the held index for a corrupt one.
func TestOpenInUse(t *testing.T) {
	dir := t.TempDir()
	x, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if err := x.Rebuild(context.Background(), testKB(), nil); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	y, err := Open(dir)
	if err == nil {
		y.Close()
		t.Fatal("a held index opened twice")
	}
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("err = %v, want ErrInUse", err)
	}
	if d := time.Since(start); d < lockTimeout/2 || d > lockTimeout+5*time.Second {
		t.Errorf("failed after %s, want about %s", d, lockTimeout)
	}
	if r, err := x.Search(context.Background(), "casa popolare", Options{Complete: true}); err != nil || len(r.Hits) == 0 {
		t.Fatalf("the held index was damaged: %v, %v", r, err)
	}
}

// TestConceptWithSeveralParents: a pill filed under a concept with a further parent
// (kb.Concept.AlsoBroader) is found by that parent's words too; its branch stays the main
// parent's, and a cycle through further parents ends the walk (KB-1, KB-6).
func TestConceptWithSeveralParents(t *testing.T) {
	src := testKB()
	for i := range src.concepts {
		if src.concepts[i].IRI == "c:casa" {
			src.concepts[i].AlsoBroader = []string{"c:sovv"}
		}
	}
	src.concepts = append(src.concepts,
		kb.Concept{IRI: "c:sovv", PrefLabel: map[string]string{"it": "Edilizia sovvenzionata"}, Broader: "c:welfare"},
		kb.Concept{IRI: "c:welfare", PrefLabel: map[string]string{"it": "Interventi perequativi"}, AlsoBroader: []string{"c:casa"}})
	x, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	ctx := context.Background()
	if _, err := x.Sync(ctx, src, nil); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"edilizia sovvenzionata", "interventi perequativi", "abitare"} {
		r, err := x.Search(ctx, q, Options{Complete: true, Kinds: []string{KindPill}})
		if err != nil {
			t.Fatal(err)
		}
		if got := codes(r); len(got) == 0 || got[0] != "SAL-028" {
			t.Errorf("%q: got %v, want SAL-028 first", q, got)
		}
	}
	r, err := x.Search(ctx, "domanda", Options{Complete: true, Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	var branches []string
	for _, f := range r.Facets[fBranch] {
		branches = append(branches, f.Label)
	}
	if !reflect.DeepEqual(branches, []string{"Abitare"}) {
		t.Errorf("branch facet labels = %v, want the main parent's branch only", branches)
	}
}
