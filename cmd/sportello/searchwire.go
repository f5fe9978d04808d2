package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"sportello/kb"
	"sportello/kb/search"
	"sportello/web"
)

// startSearch opens the search index of the data folder for `sportello serve` (issue 4 §8):
// an index that is missing, corrupt, of another format or out of step with the store (a crash
// between a write and its index update, an import while the server was down) is rebuilt before
// the server listens, and from then on it follows every write of the store (web.KeepIndexed).
// `sportello search` and `reindex` open their own index (openIndex in search.go), because they
// open the store themselves.
func startSearch(ctx context.Context, data string, store *kb.Store, log *slog.Logger) (*search.Index, error) {
	dir := indexDir(data)
	x, err := search.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("open the search index in %s: %w", dir, err)
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
	if rebuilt && state == search.StateOK {
		found = "out of step with the knowledge graph"
	}
	if rebuilt {
		log.Info("search index rebuilt", "dir", dir, "found", found, "documents", total,
			"took", time.Since(start).Round(time.Millisecond))
	} else {
		log.Info("search index up to date", "dir", dir, "found", found)
	}
	web.KeepIndexed(store, x, log)
	return x, nil
}
