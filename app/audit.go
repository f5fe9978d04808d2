package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"sportello/audit"
	"sportello/internal/sqldb"
)

// openAudit opens the administrators' audit log (OPS-1) on db with the retention (0: five
// years). Its job removes the entries older than the retention once a day, the first time at
// start-up, and records that it did in the log itself.
func openAudit(ctx context.Context, db *sqldb.DB, retention time.Duration, log *slog.Logger) (*audit.Store, []job, error) {
	st, err := audit.Open(ctx, db, audit.Config{Retention: retention})
	if err != nil {
		return nil, nil, fmt.Errorf("audit log: %w", err)
	}
	run := func(ctx context.Context) error { return runPrune(ctx, st, 24*time.Hour, log) }
	return st, []job{{"audit retention", run}}, nil
}

// runPrune prunes at once and then every interval until ctx ends.
func runPrune(ctx context.Context, st *audit.Store, every time.Duration, log *slog.Logger) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := st.Prune(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("audit log: retention", "err", err)
		case n > 0:
			log.Info("audit log: old entries removed", "entries", n, "retention_days", int(st.Retention().Hours()/24))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
