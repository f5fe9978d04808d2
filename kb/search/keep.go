package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"sportello/kb"
)

// Start opens the search index in dir for a running server (issue 4 §8): an index that is
// missing, corrupt, of another format or out of step with the store (a crash between a write and
// its index update, an import while the server was down) is rebuilt before the server listens,
// the log says which; from then on it follows every write of the store (KeepIndexed). The
// command-line tools (search, reindex) open their own index with Open and Sync.
func Start(ctx context.Context, dir string, store *kb.Store, log *slog.Logger, opts ...StartOption) (*Index, error) {
	if log == nil {
		log = slog.Default()
	}
	x, err := Open(dir)
	if err != nil {
		return nil, fmt.Errorf("open the search index in %s: %w", dir, err)
	}
	for _, o := range opts {
		o(x)
	}
	start := time.Now()
	state := x.State()
	var total int
	rebuilt, err := x.Sync(ctx, store, func(done, t int) { total = t })
	if err != nil {
		x.Close()
		return nil, fmt.Errorf("search index %s: %w", dir, err)
	}
	found := string(state)
	if rebuilt && state == StateOK {
		found = "out of step with the knowledge graph"
	}
	if rebuilt {
		log.Info("search index rebuilt", "dir", dir, "found", found, "documents", total,
			"took", time.Since(start).Round(time.Millisecond))
	} else {
		log.Info("search index up to date", "dir", dir, "found", found)
	}
	if n, err := x.SyncPages(ctx, store); err != nil {
		// The pages are a help beside the pills: the server starts without them.
		log.Error("harvested pages not indexed", "err", err)
	} else if n > 0 {
		log.Info("harvested pages indexed", "pages", n)
	}
	KeepIndexed(store, x, log)
	return x, nil
}

// StartOption sets up an index before Start checks it against the store.
type StartOption func(*Index)

// WithResources gives the index the Italian thesaurus and dictionary (LoadResources).
func WithResources(r *Resources) StartOption { return func(x *Index) { x.SetResources(r) } }

// WithPhrasings gives the index the phrasings learned from contacts: they are indexed with their
// pills, and the index is checked and rebuilt with them.
func WithPhrasings(src PhrasingSource) StartOption { return func(x *Index) { x.SetPhrasings(src) } }

// KeepIndexed makes the search index follow every committed write of the store at once (issue 4
// §8): pills created, edited, published or archived are re-read and re-indexed, deleted ones
// leave the index, offices and people follow the directory, and a change to the classification
// tree re-indexes the pills filed under the changed concepts (their labels are indexed with
// them, KB-6). An RDF import may have changed anything: the index is compared with the store and
// rebuilt if needed, and the harvested pages (pages.go) are read again.
//
// The hook cannot fail the write it follows, which is already committed: an index error is
// logged, and the index is put right by the Sync at the next start-up.
func KeepIndexed(store *kb.Store, x *Index, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	store.OnChange(func(ctx context.Context, ch kb.Change) {
		// The request that wrote may be over by now; the index must still be written.
		ctx = context.WithoutCancel(ctx)
		if err := applyChange(ctx, store, x, ch); err != nil {
			log.Error("search index update failed; it will be rebuilt at the next start", "err", err)
		}
		if ch.Imported { // a harvest, an import or a Graph Store write: the pages may have changed
			if _, err := x.SyncPages(ctx, store); err != nil {
				log.Error("harvested pages not indexed again", "err", err)
			}
		}
	})
}

// refresh reads one record again and indexes it, or drops it from the index when the write
// removed it.
func refresh[T any](ctx context.Context, x *Index, iri string,
	read func(context.Context, string) (*T, error), index func(*T) error) error {
	v, err := read(ctx, iri)
	switch {
	case errors.Is(err, kb.ErrNotFound):
		return x.Delete(iri)
	case err != nil:
		return err
	}
	return index(v)
}

// applyChange brings the index in step with one committed write.
func applyChange(ctx context.Context, store *kb.Store, x *Index, ch kb.Change) error {
	if ch.Imported {
		_, err := x.Sync(ctx, store, nil)
		return err
	}
	var errs []error
	if len(ch.Concepts) > 0 || len(ch.Deleted) > 0 {
		// Deleted may name concepts as well as units and people; reading the tree again is
		// cheap next to guessing.
		concepts, err := store.Concepts(ctx)
		if err != nil {
			return err
		}
		errs = append(errs, x.SetConcepts(concepts))
	}
	for _, iri := range ch.Deleted {
		errs = append(errs, x.Delete(iri))
	}
	for _, iri := range ch.DeletedPills {
		errs = append(errs, x.Delete(iri))
	}
	for _, iri := range ch.Units {
		errs = append(errs, refresh(ctx, x, iri, store.Unit, x.IndexUnit))
	}
	for _, iri := range ch.People {
		errs = append(errs, refresh(ctx, x, iri, store.Person, x.IndexPerson))
	}
	// Pills to read again: those written, and those filed under a changed concept or served
	// by a changed office (their concept labels and office name are indexed with them).
	pills := map[string]bool{}
	for _, iri := range ch.Pills {
		pills[iri] = true
	}
	var more []kb.Pill
	for _, c := range ch.Concepts {
		ps, err := store.Pills(ctx, kb.PillFilter{Concept: c})
		errs = append(errs, err)
		more = append(more, ps...)
	}
	for _, u := range ch.Units {
		ps, err := store.Pills(ctx, kb.PillFilter{Office: u})
		errs = append(errs, err)
		more = append(more, ps...)
	}
	for i := range more {
		if !pills[more[i].IRI] {
			pills[more[i].IRI] = true
			errs = append(errs, x.Index(&more[i]))
		}
	}
	for _, iri := range ch.Pills {
		errs = append(errs, refresh(ctx, x, iri, store.Pill, x.Index))
	}
	return errors.Join(errs...)
}
