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
	second, err := SecondApproval(ctx, store, cfg.SecondApproval)
	if err != nil {
		return nil, nil, nil, err
	}
	wf.SetPolicy(kb.WorkflowPolicy{SecondApproval: second})
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
// of them or under a narrower concept, through any of a concept's parents. The branches are named
// once at start-up (an unknown name is an error), their descendants are looked up when a pill is
// signed, so a concept moved or merged into a branch in the browser counts at once. nil when spec
// is empty.
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
	}
	if len(branches) == 0 {
		return nil, nil
	}
	return func(p *kb.Pill) bool {
		// Walk up from the pill's concepts through every parent; bounded, since a tangle in
		// imported data must not hang a signature.
		seen := map[string]bool{}
		up := append([]string(nil), p.Concepts...)
		for len(up) > 0 && len(seen) < 4096 {
			iri := up[len(up)-1]
			up = up[:len(up)-1]
			if branches[iri] {
				return true
			}
			if seen[iri] {
				continue
			}
			seen[iri] = true
			if c, err := store.Concept(context.Background(), iri); err == nil {
				up = append(up, c.Parents()...)
			}
		}
		return false
	}, nil
}
