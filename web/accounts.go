package web

import (
	"context"
	"fmt"
	"os"
	"time"

	"sportello/internal/sqldb"
	"sportello/kb"
	"sportello/web/accesslog"
	"sportello/web/auth"
)

// EnableAccounts wires issue 5 into s before it serves: local accounts and sessions in db, with
// the security settings of the environment (auth.ConfigFromEnv; SPORTELLO_TRUST_PROXY=1 behind a
// reverse proxy), the pill workflow and the access log (SPORTELLO_ACCESSLOG_RETENTION, e.g.
// 8760h; default a year). With demo it creates the demo accounts (auth.DemoAccounts). Expired
// sessions and reads past the retention are swept every hour until ctx ends.
func EnableAccounts(ctx context.Context, s *Server, db *sqldb.DB, demo bool) (*auth.Store, error) {
	// Settings first: a typo in the environment must stop the start before anything is written.
	cfg, err := auth.ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	var retention time.Duration
	if v := os.Getenv("SPORTELLO_ACCESSLOG_RETENTION"); v != "" {
		if retention, err = time.ParseDuration(v); err != nil || retention == 0 {
			return nil, fmt.Errorf("SPORTELLO_ACCESSLOG_RETENTION=%q: want a duration such as 8760h (negative: keep forever)", v)
		}
	}
	users, err := auth.New(ctx, db, cfg)
	if err != nil {
		return nil, err
	}
	if demo {
		created, err := auth.SeedDemo(ctx, users)
		if err != nil {
			return nil, err
		}
		if len(created) > 0 {
			s.log.Info("demo accounts created", "accounts", len(created), "password", auth.DemoPassword)
		}
	}
	wf, err := kb.NewWorkflow(ctx, s.store, db)
	if err != nil {
		return nil, err
	}
	reads, err := accesslog.New(ctx, db, retention)
	if err != nil {
		return nil, err
	}
	s.auth = &SessionAuth{Users: users, TrustProxy: os.Getenv("SPORTELLO_TRUST_PROXY") == "1"}
	s.SetWorkflow(wf)
	s.SetAccessLog(reads)
	go func() {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := users.Prune(ctx); err != nil {
					s.log.Warn("sessions sweep", "err", err)
				}
				if _, err := reads.Prune(ctx); err != nil {
					s.log.Warn("access log sweep", "err", err)
				}
			}
		}
	}()
	return users, nil
}
