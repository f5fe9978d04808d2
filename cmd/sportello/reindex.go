package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"sportello/app"
	"sportello/audit"
	"sportello/internal/sqldb"
	"sportello/kb"
	"sportello/kb/search"
)

func init() {
	register(&command{
		name:    "reindex",
		summary: "rebuild the search index from the knowledge graph and the learned phrasings, with a progress bar",
		usage:   "[--data DIR] [--db DSN]",
		run:     runReindex,
	})
}

func runReindex(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	data := dataFlag(fs)
	dsn := dbFlag(fs) // where the audit log records the rebuild
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if !kb.Exists(*data) {
		return fmt.Errorf("%s: no knowledge graph here (import data or run sportello serve first)", *data)
	}
	store, err := kb.Open(*data)
	if err != nil {
		return err
	}
	defer store.Close()
	x, err := search.Open(app.IndexDir(*data))
	if err != nil {
		return err
	}
	defer x.Close()
	// The phrasings learned from contacts (operational database) are indexed with their pills.
	db, err := sqldb.Open(*dsn, *data)
	if err != nil {
		return err
	}
	defer db.Close()
	phr, err := search.NewPhrasingStore(context.Background(), db)
	if err != nil {
		return err
	}
	x.SetPhrasings(phr)
	start := time.Now()
	bar := newProgressBar(fs.Output())
	var total int
	err = x.Rebuild(context.Background(), store, func(done, t int) {
		total = t
		bar.update(done, t)
	})
	bar.done()
	if err != nil {
		return err
	}
	took := time.Since(start).Round(time.Millisecond)
	fmt.Fprintf(stdout, "indexed %d documents in %s\n", total, took)
	return recordCLI(fs, *dsn, *data, audit.Reindex, "indice di ricerca", fmt.Sprintf("%d documenti indicizzati in %s", total, took))
}
