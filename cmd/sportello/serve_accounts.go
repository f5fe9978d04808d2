package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"sportello/internal/sqldb"
	"sportello/kb"
	"sportello/web"
	"sportello/web/accesslog"
	"sportello/web/auth"
)

// accountFlags are serve's settings of issue 5: how long the access log keeps reads (KB-8).
type accountFlags struct {
	retentionDays  *int
	secondApproval *string
}

func addAccountFlags(fs *flag.FlagSet) *accountFlags {
	return &accountFlags{
		retentionDays: fs.Int("access-log-days", 365, "days the access log keeps who read which pill (KB-8); older reads are deleted"),
		secondApproval: fs.String("second-approval", os.Getenv("SPORTELLO_SECOND_APPROVAL"),
			"classification branches whose pills need two signatures, URP and head of office (KB-12): comma-separated concept labels or IRIs (env SPORTELLO_SECOND_APPROVAL)"),
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
	cfg, err := auth.ConfigFromEnv(os.Getenv) // SPORTELLO_SESSION_TTL, SPORTELLO_LOGIN_MAX_FAILURES, …
	if err != nil {
		return nil, err
	}
	users, err := auth.New(ctx, db, cfg)
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	wf, err := kb.NewWorkflow(ctx, store, db)
	if err != nil {
		return nil, fmt.Errorf("workflow: %w", err)
	}
	second, err := secondApproval(ctx, store, *f.secondApproval)
	if err != nil {
		return nil, err
	}
	wf.SetPolicy(kb.WorkflowPolicy{SecondApproval: second})
	if *f.retentionDays < 1 {
		return nil, usagef("--access-log-days must be at least 1")
	}
	reads, err := accesslog.New(ctx, db, time.Duration(*f.retentionDays)*24*time.Hour)
	if err != nil {
		return nil, fmt.Errorf("access log: %w", err)
	}
	a := &accounts{users: users, workflow: wf, reads: reads}
	if err := a.prune(ctx, log); err != nil {
		return nil, err
	}
	go a.pruneHourly(ctx, log)
	if demo {
		created, err := auth.SeedDemo(ctx, users)
		if err != nil {
			return nil, err
		}
		if len(created) > 0 {
			log.Info("demo accounts created (see README)", "accounts", len(created), "password", auth.DemoPassword)
		}
	}
	return a, nil
}

// prune deletes expired sessions, old login failures and reads older than the retention.
func (a *accounts) prune(ctx context.Context, log *slog.Logger) error {
	if err := a.users.Prune(ctx); err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	n, err := a.reads.Prune(ctx)
	if err != nil {
		return fmt.Errorf("access log: %w", err)
	}
	if n > 0 {
		log.Info("access log: old reads deleted", "reads", n, "retention", a.reads.Retention())
	}
	return nil
}

func (a *accounts) pruneHourly(ctx context.Context, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.prune(ctx, log); err != nil && ctx.Err() == nil {
				log.Error("pruning sessions and access log", "err", err)
			}
		}
	}
}

// attach gives the server the workflow and the access log.
func (a *accounts) attach(srv *web.Server) {
	srv.Components.Workflow = a.workflow
	srv.Components.AccessLog = a.reads
}

// secondApproval returns the rule "this pill needs two signatures" for the branches listed in
// spec (labels, matched as the importer does, or IRIs): a pill filed under one of them or under
// a narrower concept. The branches are read once at start-up; nil when spec is empty.
func secondApproval(ctx context.Context, store *kb.Store, spec string) (func(*kb.Pill) bool, error) {
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
			return nil, usagef("--second-approval: no classification concept %q", name)
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
