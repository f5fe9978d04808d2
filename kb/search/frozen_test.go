package search

import (
	"path/filepath"
	"sportello/fixtures/testenv"
	"testing"
)

// The frozen sets (testdata/frozen/README.md) were written by someone who saw only the pills and
// the directory. They report; they never tune: nothing here prints a question or its result,
// only aggregate figures. Floors sit just below what was measured, so that a regression fails.

// frozenFloor is what a frozen set must keep.
type frozenFloor struct {
	recall, mrr     float64
	sure            float64 // share of answerable questions answered "sure"
	sureWrong       float64 // highest share of sure answers that are wrong
	unansweredQuiet float64 // share of unanswerable questions not sure
}

func checkFloor(t *testing.T, f figures, floor frozenFloor) {
	t.Helper()
	if f.recall() < floor.recall {
		t.Errorf("recall@5 = %.3f, want ≥ %.3f", f.recall(), floor.recall)
	}
	if f.mrr() < floor.mrr {
		t.Errorf("MRR@10 = %.3f, want ≥ %.3f", f.mrr(), floor.mrr)
	}
	if f.sureShare() < floor.sure {
		t.Errorf("sure on %.3f of answerable questions, want ≥ %.3f", f.sureShare(), floor.sure)
	}
	if f.sureWrongShare() > floor.sureWrong {
		t.Errorf("%.3f of sure answers wrong, want ≤ %.3f", f.sureWrongShare(), floor.sureWrong)
	}
	if f.unansQuiet() < floor.unansweredQuiet {
		t.Errorf("unanswerable not sure %.3f, want ≥ %.3f", f.unansQuiet(), floor.unansweredQuiet)
	}
}

// TestFrozenA measures test-a on the shared corpus.
func TestFrozenA(t *testing.T) {
	x := corpusIndex(t, withResources(t))
	f := report("frozen test-a", runSet(t, x, readSet(t, filepath.Join(frozenDir, "test-a.tsv"))))
	// Measured at the end of the change that introduced the model, on main with the one writer:
	// recall@5 0.852, MRR@10 0.717, sure on 17.0 % of answerable questions with none wrong,
	// 45/45 unanswerable not sure.
	checkFloor(t, f, frozenFloor{recall: 0.84, mrr: 0.70, sure: 0.15, sureWrong: 0.05, unansweredQuiet: 0.95})
}

// TestFrozenB measures test-b, which stayed sealed until the lead measured it at the end of the
// change (2026-12-03): recall@5 0.909, MRR@10 0.770, sure on 23.9 % of answerable questions
// with 3 of 42 sure answers wrong (7.1 %, above the goal's 5 %), 44/45 unanswerable not sure.
// It now guards against regressions like test-a; it prints aggregates only, and the next change
// of ranking or confidence needs a new blind set to report on.
func TestFrozenB(t *testing.T) {
	x := corpusIndex(t, withResources(t))
	f := report("frozen test-b", runSet(t, x, readSet(t, filepath.Join(frozenDir, "test-b.tsv"))))
	checkFloor(t, f, frozenFloor{recall: 0.90, mrr: 0.76, sure: 0.23, sureWrong: 0.08, unansweredQuiet: 0.97})
}

// TestDev measures the development sets and lists what went wrong in them: these are the sets
// to tune on.
func TestDev(t *testing.T) {
	x := corpusIndex(t, withResources(t))
	sets := devSets(t)
	var all []outcome
	for _, name := range sortedKeys(sets) {
		outs := runSet(t, x, sets[name])
		report(name, outs)
		logMisses(t, outs)
		all = append(all, outs...)
	}
	f := report("dev (all)", all)
	// Floors against regressions on the sets the code was tuned on; not figures to report.
	checkFloor(t, f, frozenFloor{recall: 0.95, mrr: 0.89, sure: 0.55, sureWrong: 0.03, unansweredQuiet: 0.95})
}

// TestDevVariants measures each language resource on and off on the development sets: a
// resource is kept only when it helps there (and is confirmed on test-a at a milestone).
func TestDevVariants(t *testing.T) {
	sets := devSets(t)
	var rows []evalRow
	for _, name := range sortedKeys(sets) {
		if name != "dev-citizens" {
			rows = append(rows, sets[name]...)
		}
	}
	rows = append(rows, sets["dev-citizens"]...)
	res := loadDebianResources(t)
	for _, v := range []struct {
		name string
		res  *Resources
		tune tuning
	}{
		{"no resources", nil, tuning{}},
		{"dictionary forms", res, tuning{lemmas: true, lemmaWeight: 0.5}},
		{"thesaurus", res, tuning{thesaurus: true, thesWeight: 0.3, maxThes: 6}},
		{"both, fuzzy always", res, func() tuning { t := defaultTuning; t.fuzzyUnknownOnly = false; return t }()},
		{"both", res, defaultTuning},
	} {
		x := corpusIndex(t, func(x *Index) { x.res, x.tune = v.res, v.tune })
		outs := runSet(t, x, rows)
		all, _ := summarize(outs)
		fresh, _ := summarize(outs[len(outs)-len(sets["dev-citizens"]):])
		testenv.Figure("search dev variant %-16s n=%d recall@5 %.3f MRR@10 %.3f; dev-citizens alone recall@5 %.3f MRR@10 %.3f",
			v.name, all.n, all.recall(), all.mrr(), fresh.recall(), fresh.mrr())
	}
}
