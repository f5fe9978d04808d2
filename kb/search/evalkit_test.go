package search

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sportello/internal/textfold"
	"strings"
	"sync"
	"testing"

	"sportello/fixtures/testenv"
	"sportello/ingest"
	"sportello/kb"
)

// The evaluation kit (see the package doc, "How search is measured"). Sets are tab-separated
// files with the header `kind	query	expected	note`: expected holds pill codes, best first,
// `office:<name>` / `person:<Nome Cognome>` for the phone directory, or `-` when the knowledge
// base has no answer.

const (
	frozenDir = "testdata/frozen"
	devDir    = "testdata/dev"
)

// evalRow is one question of a set.
type evalRow struct {
	kind, query string
	want        []string // empty: unanswerable
}

// readSet reads a set file; a malformed row fails the test, naming the line.
func readSet(t testing.TB, path string) []evalRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []evalRow
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 || strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		cols := strings.Split(text, "\t")
		if len(cols) < 3 {
			t.Fatalf("%s:%d: want kind, query, expected", path, line)
		}
		r := evalRow{kind: cols[0], query: cols[1]}
		if e := strings.TrimSpace(cols[2]); e != "-" && e != "" {
			for _, w := range strings.Split(e, ",") {
				r.want = append(r.want, strings.TrimSpace(w))
			}
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// devRows turns the Go development sets into rows.
func devRows(kind string, qs []evalQuery) []evalRow {
	out := make([]evalRow, len(qs))
	for i, q := range qs {
		k := kind
		if q.want == nil {
			k = "unanswerable"
		}
		out[i] = evalRow{kind: k, query: q.q, want: q.want}
	}
	return out
}

// devSets are every development set: the Go lists and testdata/dev/*.tsv.
func devSets(t testing.TB) map[string][]evalRow {
	sets := map[string][]evalRow{
		"dev-eval":    devRows("dev", evalQueries),
		"dev-heldout": devRows("dev", heldOutQueries),
	}
	files, _ := filepath.Glob(filepath.Join(devDir, "*.tsv"))
	for _, f := range files {
		sets["dev-"+strings.TrimSuffix(filepath.Base(f), ".tsv")] = readSet(t, f)
	}
	return sets
}

// corpus is the knowledge base the sets were written for: the shared directory and the legacy
// workbook, imported as `sportello import` does (directory first, so that pills link their
// competent office), pills published.
var corpus struct {
	once  sync.Once
	store *kb.Store
	err   error
}

func loadCorpus(t testing.TB) *kb.Store {
	t.Helper()
	rubricaFile := testenv.Shared(t, "corpus/rubrica.xlsx")
	workbook := legacyWorkbook(t)
	corpus.once.Do(func() {
		ctx := context.Background()
		store, err := kb.OpenMemory()
		if err != nil {
			corpus.err = err
			return
		}
		if _, err := ingest.ImportFile(ctx, store, rubricaFile, ingest.Options{Kind: ingest.KindDirectory}); err != nil {
			corpus.err = fmt.Errorf("%s: %v", rubricaFile, err)
			return
		}
		if _, err := ingest.ImportFile(ctx, store, workbook, ingest.Options{Status: kb.StatusPublished}); err != nil {
			corpus.err = fmt.Errorf("%s: %v", workbook, err)
			return
		}
		corpus.store = store
	})
	if corpus.err != nil {
		t.Fatal(corpus.err)
	}
	return corpus.store
}

// corpusIndex builds an in-memory index of the corpus with the given learned phrasings.
func corpusIndex(t testing.TB, opts ...func(*Index)) *Index {
	t.Helper()
	store := loadCorpus(t)
	x, err := OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		o(x)
	}
	if err := x.Rebuild(context.Background(), store, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

// matches says whether hit h is one of the expected answers.
func matches(h Hit, want []string) bool {
	for _, w := range want {
		switch {
		case strings.HasPrefix(w, "office:"):
			if h.Kind == KindOffice && textfold.Fold(h.Title) == textfold.Fold(strings.TrimPrefix(w, "office:")) {
				return true
			}
		case strings.HasPrefix(w, "person:"):
			if h.Kind == KindPerson && textfold.Fold(h.Title) == textfold.Fold(strings.TrimPrefix(w, "person:")) {
				return true
			}
		default:
			if h.Kind == KindPill && h.Code == w {
				return true
			}
		}
	}
	return false
}

// outcome is what one question gave.
type outcome struct {
	row   evalRow
	rank  int // of the first right hit, 1-based; 0: not in the first 10
	sure  bool
	prob  float64
	feats []float64
	top   []string
}

func runSet(t testing.TB, x *Index, rows []evalRow) []outcome {
	t.Helper()
	ctx := context.Background()
	out := make([]outcome, len(rows))
	for i, r := range rows {
		resp, err := x.Search(ctx, r.query, Options{Limit: 10, Complete: true})
		if err != nil {
			t.Fatalf("%q: %v", r.query, err)
		}
		o := outcome{row: r, sure: resp.Sure, prob: resp.Probability, feats: resp.features}
		for j, h := range resp.Hits {
			if o.rank == 0 && len(r.want) > 0 && matches(h, r.want) {
				o.rank = j + 1
			}
			id := h.Code
			if h.Kind != KindPill {
				id = h.Kind + ":" + h.Title
			}
			o.top = append(o.top, id)
		}
		out[i] = o
	}
	return out
}

// figures are the measures of a set, or of one kind of question in it.
type figures struct {
	n, found5, sure, sureWrong int
	rr                         float64
	unans, unansSure           int
}

func (f *figures) add(o outcome) {
	if len(o.row.want) == 0 {
		f.unans++
		if o.sure {
			f.unansSure++
		}
		return
	}
	f.n++
	if o.rank > 0 && o.rank <= 5 {
		f.found5++
	}
	if o.rank > 0 {
		f.rr += 1 / float64(o.rank)
	}
	if o.sure {
		f.sure++
		if o.rank != 1 {
			f.sureWrong++
		}
	}
}

func (f figures) recall() float64 { return ratio(f.found5, f.n) }
func (f figures) mrr() float64 {
	if f.n == 0 {
		return 0
	}
	return f.rr / float64(f.n)
}
func (f figures) sureShare() float64      { return ratio(f.sure, f.n) }
func (f figures) sureWrongShare() float64 { return ratio(f.sureWrong, f.sure) }
func (f figures) unansQuiet() float64     { return ratio(f.unans-f.unansSure, f.unans) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// summarize returns the figures of the whole set and per kind.
func summarize(outs []outcome) (figures, map[string]*figures) {
	var all figures
	kinds := map[string]*figures{}
	for _, o := range outs {
		all.add(o)
		k := kinds[o.row.kind]
		if k == nil {
			k = &figures{}
			kinds[o.row.kind] = k
		}
		k.add(o)
	}
	return all, kinds
}

// report prints a set's figures (aggregate only: frozen sets never print their questions).
func report(name string, outs []outcome) figures {
	all, kinds := summarize(outs)
	testenv.Figure("search %s: answerable n=%d recall@5 %.3f MRR@10 %.3f; sure %.1f%% of answerable, %.1f%% of sure answers wrong (%d); unanswerable not sure %d/%d",
		name, all.n, all.recall(), all.mrr(), 100*all.sureShare(), 100*all.sureWrongShare(), all.sureWrong, all.unans-all.unansSure, all.unans)
	var names []string
	for k := range kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		f := kinds[k]
		if f.n > 0 {
			testenv.Figure("search %s · %-10s n=%3d recall@5 %.3f MRR@10 %.3f sure %5.1f%% sure-wrong %d",
				name, k, f.n, f.recall(), f.mrr(), 100*f.sureShare(), f.sureWrong)
		} else {
			testenv.Figure("search %s · %-10s n=%3d not sure %d/%d", name, k, f.unans, f.unans-f.unansSure, f.unans)
		}
	}
	for _, l := range calibration(outs) {
		testenv.Figure("search %s · calibration %s", name, l)
	}
	return all
}

// calibration bins the predicted probability that the best hit is right against how often it
// was right (unanswerable questions are never right).
func calibration(outs []outcome) []string {
	edges := []float64{0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0001}
	var lines []string
	for i := 0; i+1 < len(edges); i++ {
		var n, right int
		var sum float64
		for _, o := range outs {
			if o.prob >= edges[i] && o.prob < edges[i+1] {
				n++
				sum += o.prob
				if o.rank == 1 {
					right++
				}
			}
		}
		if n == 0 {
			continue
		}
		lines = append(lines, fmt.Sprintf("p in [%.1f,%.1f): n=%3d mean predicted %.2f observed %.2f",
			edges[i], math.Min(edges[i+1], 1), n, sum/float64(n), float64(right)/float64(n)))
	}
	return lines
}

// logMisses prints, for development sets only, the questions that went wrong.
func logMisses(t testing.TB, outs []outcome) {
	for _, o := range outs {
		switch {
		case len(o.row.want) == 0 && o.sure:
			t.Logf("UNANSWERABLE but sure (p=%.2f): %q → %v", o.prob, o.row.query, first(o.top, 3))
		case len(o.row.want) > 0 && o.sure && o.rank != 1:
			t.Logf("SURE but wrong (p=%.2f): %q → %v want %v", o.prob, o.row.query, first(o.top, 3), o.row.want)
		case len(o.row.want) > 0 && o.rank != 1:
			t.Logf("rank %d [%s]: %q → %v want %v", o.rank, o.row.kind, o.row.query, first(o.top, 3), o.row.want)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// withResources gives an index the Debian thesaurus and dictionary.
func withResources(t testing.TB) func(*Index) {
	r := loadDebianResources(t)
	return func(x *Index) { x.res = r }
}
