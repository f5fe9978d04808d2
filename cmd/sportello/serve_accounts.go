package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"sportello/internal/sqldb"
	"sportello/kb"
	"sportello/web"
	"sportello/web/accesslog"
	"sportello/web/auth"
)

// accountFlags are serve's settings of issue 5: how long the access log keeps reads (KB-8).
type accountFlags struct {
	retentionDays *int
}

func addAccountFlags(fs *flag.FlagSet) *accountFlags {
	return &accountFlags{
		retentionDays: fs.Int("access-log-days", 365, "days the access log keeps who read which pill (KB-8); older reads are deleted"),
	}
}

// accounts is issue 5 in a running server: local accounts and sessions, the pill life cycle,
// and the access log, all on the operational database.
type accounts struct {
	users    *auth.Store
	workflow *kb.Workflow
	reads    *accesslog.Log
}

// start opens the three on db; under --demo it creates the demo accounts (one per role, password
// auth.DemoPassword) that do not exist yet.
func (f *accountFlags) start(ctx context.Context, db *sqldb.DB, store *kb.Store, demo bool, log *slog.Logger) (*accounts, error) {
	users, err := auth.New(ctx, db, auth.Config{})
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	wf, err := kb.NewWorkflow(ctx, store, db)
	if err != nil {
		return nil, fmt.Errorf("workflow: %w", err)
	}
	if *f.retentionDays < 1 {
		return nil, usagef("--access-log-days must be at least 1")
	}
	reads, err := accesslog.New(ctx, db, time.Duration(*f.retentionDays)*24*time.Hour)
	if err != nil {
		return nil, fmt.Errorf("access log: %w", err)
	}
	if n, err := reads.Prune(ctx); err != nil {
		return nil, fmt.Errorf("access log: %w", err)
	} else if n > 0 {
		log.Info("access log: old reads deleted", "reads", n, "days", *f.retentionDays)
	}
	if demo {
		created, err := auth.SeedDemo(ctx, users)
		if err != nil {
			return nil, err
		}
		if len(created) > 0 {
			log.Info("demo accounts created (see README)", "accounts", len(created), "password", auth.DemoPassword)
		}
	}
	return &accounts{users: users, workflow: wf, reads: reads}, nil
}

// attach gives the server the workflow and the access log.
func (a *accounts) attach(srv *web.Server) {
	srv.SetWorkflow(a.workflow)
	srv.SetAccessLog(a.reads)
}
