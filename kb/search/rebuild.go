package search

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	"go.etcd.io/bbolt"

	"sportello/internal/fsperm"

	"sportello/kb"
)

// Sync compares the index with the store and rebuilds it when it is missing, corrupt, of
// another schema, or out of step (a pill, office or person missing, extra or changed, e.g. after
// a crash between a store write and its index write). It reports whether it rebuilt.
func (x *Index) Sync(ctx context.Context, src Source, progress func(done, total int)) (bool, error) {
	fresh, err := x.upToDate(ctx, src)
	if err != nil {
		return false, err
	}
	if fresh && x.state == StateOK {
		return false, nil
	}
	return true, x.Rebuild(ctx, src, progress)
}

func (x *Index) upToDate(ctx context.Context, src Source) (bool, error) {
	pills, err := src.Pills(ctx, kb.PillFilter{})
	if err != nil {
		return false, err
	}
	concepts, err := src.Concepts(ctx)
	if err != nil {
		return false, err
	}
	units, err := src.Units(ctx)
	if err != nil {
		return false, err
	}
	people, err := src.People(ctx)
	if err != nil {
		return false, err
	}
	learned, err := x.allLearned(ctx)
	if err != nil {
		return false, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if v, _ := x.bi.GetInternal([]byte(keyConcepts)); len(concepts) > 0 && string(v) != conceptsHash(concepts) {
		return false, nil
	}
	n, err := x.bi.DocCount()
	if err != nil {
		return false, err
	}
	if int(n) != len(pills)+len(units)+len(people) {
		return false, nil
	}
	check := func(iri string, v any, extra ...string) bool {
		got, err := x.bi.GetInternal([]byte(keyDocPref + iri))
		return err == nil && string(got) == docKey(v, extra...)
	}
	for i := range pills {
		if !check(pills[i].IRI, &pills[i], learned[pills[i].IRI]) {
			return false, nil
		}
	}
	for i := range units {
		if !check(units[i].IRI, &units[i]) {
			return false, nil
		}
	}
	for i := range people {
		if !check(people[i].IRI, &people[i]) {
			return false, nil
		}
	}
	return true, nil
}

// Rebuild indexes everything in src into a new index beside the current one and swaps them
// when it is complete: searches keep working meanwhile, and a crash leaves the old index. Writes
// that arrive during a rebuild reach the old index only; the next Sync notices them.
func (x *Index) Rebuild(ctx context.Context, src Source, progress func(done, total int)) error {
	pills, err := src.Pills(ctx, kb.PillFilter{})
	if err != nil {
		return err
	}
	concepts, err := src.Concepts(ctx)
	if err != nil {
		return err
	}
	units, err := src.Units(ctx)
	if err != nil {
		return err
	}
	people, err := src.People(ctx)
	if err != nil {
		return err
	}
	learned, err := x.allLearned(ctx)
	if err != nil {
		return err
	}

	var nb bleve.Index
	newPath := ""
	if x.dir == "" {
		nb, err = bleve.NewMemOnly(newMapping())
	} else {
		newPath = filepath.Join(x.dir, bleveDir+".new")
		if err := os.RemoveAll(newPath); err != nil {
			return err
		}
		nb, err = newBleve(newPath)
	}
	if err != nil {
		return err
	}
	fail := func(err error) error {
		nb.Close()
		if newPath != "" {
			os.RemoveAll(newPath)
		}
		return err
	}

	// A scratch Index over the new bleve index computes the documents with the new tree and
	// directory.
	tmp := &Index{syn: x.syn, concepts: map[string]kb.Concept{}, units: map[string]kb.Unit{}}
	tmp.setBleve(nb)
	tmp.setConcepts(concepts)
	for _, u := range units {
		tmp.units[u.IRI] = u
	}
	topics := topicsOf(pills)
	total := len(pills) + len(units) + len(people)
	done := 0
	b := nb.NewBatch()
	flush := func(force bool) error {
		if b.Size() < batchOps && !force {
			return nil
		}
		if err := nb.Batch(b); err != nil {
			return err
		}
		b.Reset()
		if progress != nil {
			progress(done, total)
		}
		return ctx.Err()
	}
	for i := range units {
		u := &units[i]
		if err := b.Index(u.IRI, tmp.unitDoc(u, topics[u.IRI])); err != nil {
			return fail(fmt.Errorf("unit %s: %v", u.IRI, err))
		}
		b.SetInternal([]byte(keyDocPref+u.IRI), []byte(docKey(u)))
		done++
		if err := flush(false); err != nil {
			return fail(err)
		}
	}
	for i := range people {
		p := &people[i]
		if err := b.Index(p.IRI, tmp.personDoc(p)); err != nil {
			return fail(fmt.Errorf("person %s: %v", p.IRI, err))
		}
		b.SetInternal([]byte(keyDocPref+p.IRI), []byte(docKey(p)))
		done++
		if err := flush(false); err != nil {
			return fail(err)
		}
	}
	for i := range pills {
		p := &pills[i]
		if p.IRI == "" {
			continue
		}
		if err := b.Index(p.IRI, tmp.pillDoc(p, learned[p.IRI])); err != nil {
			return fail(fmt.Errorf("pill %s: %v", p.IRI, err))
		}
		b.SetInternal([]byte(keyDocPref+p.IRI), []byte(docKey(p, learned[p.IRI])))
		done++
		if err := flush(false); err != nil {
			return fail(err)
		}
	}
	b.SetInternal([]byte(keyConcepts), []byte(conceptsHash(concepts)))
	if err := flush(true); err != nil {
		return fail(err)
	}
	// One segment: searches read one dictionary and one posting list per term instead of one
	// per batch, and the files hold no superseded copies.
	if adv, err := nb.Advanced(); err == nil {
		if sc, ok := adv.(*scorch.Scorch); ok && x.dir != "" {
			// A force merge merges ten segments per task: repeat until one is left.
			for round := 0; round < 10 && rootSegments(sc) > 1; round++ {
				if err := sc.ForceMerge(ctx, &mergeplan.SingleSegmentMergePlanOptions); err != nil {
					return fail(fmt.Errorf("merge the new index: %w", err))
				}
			}
			waitMerged(ctx, sc)
		}
	}

	if x.dir != "" {
		if err := writeJSON(filepath.Join(x.dir, conceptsFile), concepts); err != nil {
			return fail(err)
		}
		if err := writeJSON(filepath.Join(x.dir, unitsFile), tmp.unitList()); err != nil {
			return fail(err)
		}
		if err := nb.Close(); err != nil {
			return fail(err)
		}
		if err := compactRoot(filepath.Join(newPath, "store", "root.bolt")); err != nil {
			return fail(fmt.Errorf("compact the new index: %w", err))
		}
	}

	x.mu.Lock()
	defer x.mu.Unlock()
	old := x.bi
	if x.dir == "" {
		old.Close()
		x.setBleve(nb)
	} else {
		path := filepath.Join(x.dir, bleveDir)
		old.Close()
		oldPath := path + ".old"
		os.RemoveAll(oldPath)
		if err := os.Rename(path, oldPath); err != nil && !os.IsNotExist(err) {
			return err
		}
		if err := os.Rename(newPath, path); err != nil {
			return err
		}
		os.RemoveAll(oldPath)
		bi, err := openBleve(path, false)
		if err != nil {
			return fmt.Errorf("search index %s: %v", path, err)
		}
		x.setBleve(bi)
	}
	x.concepts = tmp.concepts
	x.units = tmp.units
	x.state = StateOK
	return nil
}

// batchOps is the size of a rebuild batch in operations (two per document: the document and
// its fingerprint). Large batches make few, large segments for scorch to merge.
var batchOps = 4000

// allLearned is the learned field of every pill with phrasings.
func (x *Index) allLearned(ctx context.Context) (map[string]string, error) {
	x.mu.RLock()
	src, rule := x.phr, x.learnRule
	x.mu.RUnlock()
	if src == nil {
		return nil, nil
	}
	all, err := src.All(ctx)
	if err != nil {
		return nil, fmt.Errorf("learned phrasings: %w", err)
	}
	now := time.Now()
	out := make(map[string]string, len(all))
	for pill, ps := range all {
		out[pill] = joinLearned(rule.learnedText(ps, now))
	}
	return out, nil
}

// rootSegments is how many segments the index's current snapshot has.
func rootSegments(sc *scorch.Scorch) uint64 {
	m := sc.StatsMap()
	files, _ := m["TotFileSegmentsAtRoot"].(uint64)
	mem, _ := m["TotMemorySegmentsAtRoot"].(uint64)
	return files + mem
}

// waitMerged waits (two minutes at most) until scorch has persisted the merged segment and removed
// the batches' files: closed earlier, the index would keep them on disk beside the merge.
func waitMerged(ctx context.Context, sc *scorch.Scorch) {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if n, ok := sc.StatsMap()["CurOnDiskFiles"].(uint64); ok && n <= 2 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// compactRoot rewrites scorch's root.bolt without the free pages the rebuild's batches left
// (bolt files never shrink): tens of megabytes for a large rebuild, a few kilobytes after.
func compactRoot(path string) error {
	src, err := bbolt.Open(path, fsperm.File, &bbolt.Options{ReadOnly: true, Timeout: lockTimeout})
	if err != nil {
		return err
	}
	defer src.Close()
	tmp := path + ".compact"
	os.Remove(tmp)
	dst, err := bbolt.Open(tmp, fsperm.File, &bbolt.Options{Timeout: lockTimeout})
	if err != nil {
		return err
	}
	if err := bbolt.Compact(dst, src, 1<<20); err != nil {
		dst.Close()
		os.Remove(tmp)
		return err
	}
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	src.Close()
	return os.Rename(tmp, path)
}
