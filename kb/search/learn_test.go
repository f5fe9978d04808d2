package search

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sportello/fixtures/testenv"
	"sportello/internal/sqldb"
	"sportello/kb"
)

func newPhrasingStore(t testing.TB) *PhrasingStore {
	t.Helper()
	db, err := sqldb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := NewPhrasingStore(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPhrasingStore(t *testing.T) {
	ctx := context.Background()
	s := newPhrasingStore(t)
	ps, err := s.Add(ctx, "urn:p:1", []string{
		"la tassa della macchina",
		"La tassa della  macchina", // the same, once
		"  ",
		"mi chiamo Mario, mario.rossi@example.org, 333 123 4567, RSSMRA80A01H501U",
	}, Solved, "ticket:1")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 {
		t.Fatalf("stored %d phrasings, want 2: %+v", len(ps), ps)
	}
	if got := ps[1].Text; strings.ContainsAny(got, "@0123456789") || strings.Contains(got, "RSSMRA") {
		t.Errorf("personal data kept: %q", got)
	}
	if _, err := s.Add(ctx, "urn:p:1", []string{"x"}, Evidence("liked"), ""); err == nil {
		t.Error("unknown evidence accepted")
	}
	if _, err := s.Add(ctx, "urn:p:1", make([]string, maxTextsPerCall+1), Solved, ""); err == nil {
		t.Error("too many texts accepted")
	}
	list, err := s.List(ctx, "urn:p:1")
	if err != nil || len(list) != 2 || list[0].ID != ps[1].ID {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if _, err := s.Remove(ctx, ps[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Remove(ctx, ps[0].ID); err != ErrNoPhrasing {
		t.Errorf("second Remove: %v, want ErrNoPhrasing", err)
	}
	all, err := s.All(ctx)
	if err != nil || len(all["urn:p:1"]) != 1 {
		t.Errorf("All = %v, %v", all, err)
	}
}

func TestLearnRule(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	ph := func(text string, ev Evidence, age time.Duration) Phrasing {
		return Phrasing{Text: text, Evidence: ev, Created: now.Add(-age)}
	}
	r := defaultLearnRule
	for _, tc := range []struct {
		name string
		ps   []Phrasing
		want string
	}{
		{"one contact teaches no sure word", []Phrasing{ph("la tassa della macchina", Solved, 0)}, ""},
		{"two contacts teach their common words", []Phrasing{
			ph("tassa macchina", Solved, 0), ph("la tassa della moto", Solved, 0)}, "tassa tassa"},
		{"opened counts less", []Phrasing{
			ph("tassa", Opened, 0), ph("tassa", Opened, 0)}, "tassa"},
		{"old evidence fades", []Phrasing{
			ph("tassa", Opened, 2*HalfLife), ph("tassa", Opened, 2*HalfLife)}, ""},
		{"repetitions are bounded", []Phrasing{
			ph("tassa", Solved, 0), ph("tassa", Solved, 0), ph("tassa", Solved, 0), ph("tassa", Solved, 0), ph("tassa", Solved, 0)},
			"tassa tassa tassa"},
		{"fillers are not learned", []Phrasing{
			ph("buongiorno vorrei sapere", Solved, 0), ph("buongiorno vorrei sapere", Solved, 0)}, ""},
	} {
		if got, _ := r.learnedText(tc.ps, now); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestLearnFollowsIndex: what is learned is searchable at once, survives a rebuild (it is read
// back from the store), and goes when a publisher removes it.
func TestLearnFollowsIndex(t *testing.T) {
	ctx := context.Background()
	src := testKB()
	x, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	store := newPhrasingStore(t)
	x.SetPhrasings(store)
	if err := x.Rebuild(ctx, src, nil); err != nil {
		t.Fatal(err)
	}
	pill := src.pills[0]
	l := &Learner{Store: store, Index: x, Pill: func(_ context.Context, iri string) (*kb.Pill, error) {
		for i := range src.pills {
			if src.pills[i].IRI == iri {
				return &src.pills[i], nil
			}
		}
		return nil, kb.ErrNotFound
	}}
	const word = "zumpappero" // a word nothing in the base holds
	find := func() bool {
		r, err := x.Search(ctx, word, Options{IncludeDrafts: true, Complete: true})
		if err != nil {
			t.Fatal(err)
		}
		return len(r.Hits) > 0 && r.Hits[0].IRI == pill.IRI
	}
	first, err := l.Learn(ctx, pill.IRI, []string{"il " + word + " della regione"}, Solved, "ticket:1")
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := x.Search(ctx, word, Options{IncludeDrafts: true, Complete: true}); r.Sure {
		t.Fatal("one contact made a sure answer")
	}
	ps, err := l.Learn(ctx, pill.IRI, []string{word}, Solved, "ticket:2")
	if err != nil {
		t.Fatal(err)
	}
	if !find() {
		t.Fatal("two contacts did not teach the index")
	}
	if rebuilt, err := x.Sync(ctx, src, nil); err != nil || rebuilt {
		t.Fatalf("Sync after learning: rebuilt %v, %v", rebuilt, err)
	}
	if err := x.Rebuild(ctx, src, nil); err != nil {
		t.Fatal(err)
	}
	if !find() {
		t.Fatal("learning lost by a rebuild")
	}
	for _, p := range append(first, ps...) {
		if _, err := l.Forget(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	if find() {
		t.Fatal("a removed phrasing still counts")
	}
}

// TestLearning measures learning from use on the frozen learning sets: learn-eval before and
// after the learn-feed phrasings are fed as operators would (each as a contact solved with its
// pill, through the domain API).
func TestLearning(t *testing.T) {
	ctx := context.Background()
	store := loadCorpus(t)
	phr := newPhrasingStore(t)
	x := corpusIndex(t, withResources(t), func(x *Index) { x.phr = phr })
	eval := readSet(t, filepath.Join(frozenDir, "learn-eval.tsv"))
	before := report("learn-eval before learning", runSet(t, x, eval))

	pills, err := store.Pills(ctx, kb.PillFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]string{}
	for _, p := range pills {
		byCode[p.Code] = p.IRI
	}
	l := &Learner{Store: phr, Index: x, Pill: store.Pill}
	feed := readSet(t, filepath.Join(frozenDir, "learn-feed.tsv"))
	for i, r := range feed {
		iri := byCode[r.want[0]]
		if iri == "" {
			t.Fatalf("learn-feed row %d: no pill %s", i+2, r.want[0])
		}
		if _, err := l.Learn(ctx, iri, []string{r.query}, Solved, fmt.Sprintf("feed:%d", i+2)); err != nil {
			t.Fatal(err)
		}
	}
	after := report("learn-eval after learning", runSet(t, x, eval))
	testenv.Figure("search learning: %d phrasings fed for %d pills; learn-eval recall@5 %.3f → %.3f, MRR@10 %.3f → %.3f",
		len(feed), len(byCodeOf(feed)), before.recall(), after.recall(), before.mrr(), after.mrr())
	if after.recall() < before.recall() || after.mrr() < before.mrr() {
		t.Errorf("learning made search worse: recall %.3f → %.3f, MRR %.3f → %.3f", before.recall(), after.recall(), before.mrr(), after.mrr())
	}
	if after.unansQuiet() < before.unansQuiet() {
		t.Errorf("learning made unanswerable questions sure: %.3f → %.3f", before.unansQuiet(), after.unansQuiet())
	}
}

func byCodeOf(rows []evalRow) map[string]bool {
	out := map[string]bool{}
	for _, r := range rows {
		out[r.want[0]] = true
	}
	return out
}

// TestDevLearning measures learning variants on development data only: the development
// questions of one set are fed as solved contacts, the others measured before and after.
func TestDevLearning(t *testing.T) {
	ctx := context.Background()
	store := loadCorpus(t)
	pills, err := store.Pills(ctx, kb.PillFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]string{}
	for _, p := range pills {
		byCode[p.Code] = p.IRI
	}
	sets := devSets(t)
	feed := append(append([]evalRow(nil), sets["dev-eval"]...), sets["dev-citizens"]...)
	eval := sets["dev-heldout"]
	for _, v := range []struct {
		name string
		rule learnRule
	}{
		{"min 1", learnRule{minContacts: 1, halfLife: HalfLife}},
		{"min 2", learnRule{minContacts: 2, halfLife: HalfLife}},
	} {
		phr := newPhrasingStore(t)
		x := corpusIndex(t, withResources(t), func(x *Index) { x.phr = phr; x.learnRule = v.rule })
		before, _ := summarize(runSet(t, x, eval))
		l := &Learner{Store: phr, Index: x, Pill: store.Pill}
		n := 0
		for _, r := range feed {
			if len(r.want) == 0 || byCode[r.want[0]] == "" {
				continue
			}
			n++
			if _, err := l.Learn(ctx, byCode[r.want[0]], []string{r.query}, Solved, ""); err != nil {
				t.Fatal(err)
			}
		}
		outs := runSet(t, x, eval)
		after, _ := summarize(outs)
		testenv.Figure("search dev learning %-8s fed %d: recall@5 %.3f → %.3f MRR@10 %.3f → %.3f, unanswerable not sure %d → %d",
			v.name, n, before.recall(), after.recall(), before.mrr(), after.mrr(), before.unans-before.unansSure, after.unans-after.unansSure)
	}
}
