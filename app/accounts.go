package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"sportello/accounts"
	"sportello/accounts/accesslog"
	"sportello/audit"
	"sportello/internal/sqldb"
	"sportello/kb"
)

// openAccounts opens the accounts (issue 5) on db: users and sessions, the administrators' audit
// log that records their changes, the directory login when configured, the pill life cycle with
// the second-approval branches, and the access log; under demo it creates the demo accounts
// (one per role, password accounts.DemoPassword) that do not exist yet. The jobs prune expired
// sessions and old reads every hour.
func openAccounts(ctx context.Context, cfg Config, db *sqldb.DB, store *kb.Store, trail *audit.Store, log *slog.Logger) (*accounts.Store, *kb.Workflow, *accesslog.Log, []job, error) {
	users, err := accounts.New(ctx, db, cfg.Accounts)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("accounts: %w", err)
	}
	users.UseAudit(trail)
	dir, err := accounts.NewDirectory(cfg.Directory, log)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if dir != nil {
		users.UseDirectory(dir)
		log.Info("staff login through the directory", "url", cfg.Directory.URL)
	}
	wf, reads, jobs, err := openWorkflow(ctx, cfg, db, store, users, log)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return users, wf, reads, jobs, nil
}

// openWorkflow opens the pill life cycle and the access log beside the accounts, and seeds the
// demo accounts under demo.
func openWorkflow(ctx context.Context, cfg Config, db *sqldb.DB, store *kb.Store, users *accounts.Store, log *slog.Logger) (*kb.Workflow, *accesslog.Log, []job, error) {
	wf, err := kb.NewWorkflow(ctx, store, db)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("workflow: %w", err)
	}
	if wf.Policy.SecondApproval, err = SecondApproval(ctx, store, cfg.SecondApproval); err != nil {
		return nil, nil, nil, err
	}
	days := cfg.AccessLogDays
	if days == 0 {
		days = 365
	}
	if days < 1 {
		return nil, nil, nil, fmt.Errorf("the access log must keep reads for at least one day")
	}
	reads, err := accesslog.New(ctx, db, time.Duration(days)*24*time.Hour)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("access log: %w", err)
	}
	if cfg.Demo {
		created, err := accounts.SeedDemo(ctx, users)
		if err != nil {
			return nil, nil, nil, err
		}
		if len(created) > 0 {
			log.Info("demo accounts created (see README)", "accounts", len(created), "password", accounts.DemoPassword)
		}
	}
	jobs := []job{
		{"sessions", func(ctx context.Context) error { return users.RunPrune(ctx, time.Hour, log) }},
		{"access log", func(ctx context.Context) error { return reads.RunPrune(ctx, time.Hour, log) }},
	}
	return wf, reads, jobs, nil
}

// SecondApproval returns the workflow policy "this pill needs two signatures" (KB-12) for the
// branches listed in spec (labels, matched as the importer does, or IRIs): a pill filed under one
// of them or under a narrower concept. The branches are read once at start-up; nil when spec is
// empty.
func SecondApproval(ctx context.Context, store *kb.Store, spec string) (func(*kb.Pill) bool, error) {
	branches := map[string]bool{}
	for _, name := range strings.Split(spec, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		c, err := store.Concept(ctx, name)
		if err != nil {
			c, err = store.ConceptByLabel(ctx, name)
		}
		if err != nil {
			return nil, fmt.Errorf("second approval: no classification concept %q", name)
		}
		branches[c.IRI] = true
		below, err := store.Narrower(ctx, c.IRI, true)
		if err != nil {
			return nil, err
		}
		for _, iri := range below {
			branches[iri] = true
		}
	}
	if len(branches) == 0 {
		return nil, nil
	}
	return func(p *kb.Pill) bool {
		for _, c := range p.Concepts {
			if branches[c] {
				return true
			}
		}
		return false
	}, nil
}
