package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"sportello/internal/sqldb"
	"sportello/kb"
	"sportello/ticketing"
)

// ticketWiring is the ticketing part of `sportello serve` (issue 6): the operational database
// (--db), the ticketing settings (email channel, SLA calendar, attachment limits), the store
// and the inbound SMTP listener.
type ticketWiring struct {
	fs       *flag.FlagSet
	dsn      *string // nil when another part of serve already defined --db
	settings ticketing.Settings
	db       *sqldb.DB
}

// ticketFlags adds the ticketing flags to serve's flag set. --db is shared with the accounts
// (issue 5): when it is already defined it is reused, not defined twice.
func ticketFlags(fs *flag.FlagSet) *ticketWiring {
	w := &ticketWiring{fs: fs}
	if fs.Lookup("db") == nil {
		w.dsn = dbFlag(fs)
	}
	w.settings.AddFlags(fs)
	return w
}

// dsnValue is --db as parsed.
func (w *ticketWiring) dsnValue() string {
	if w.dsn != nil {
		return *w.dsn
	}
	if f := w.fs.Lookup("db"); f != nil {
		return f.Value.String()
	}
	return os.Getenv("SPORTELLO_DB")
}

// DB opens the operational database once: empty --db is SQLite in the data folder,
// postgres://… is PostgreSQL. Other parts of serve may share it.
func (w *ticketWiring) DB(data string) (*sqldb.DB, error) {
	if w.db != nil {
		return w.db, nil
	}
	db, err := sqldb.Open(w.dsnValue(), data)
	if err != nil {
		return nil, fmt.Errorf("operational database: %w", err)
	}
	w.db = db
	return db, nil
}

// start opens the ticketing store on db (nil: the database of --db), starts the inbound email
// listener when --smtp-listen is set and, with --demo, fills an empty ticket database with the
// demo requests. The returned stop function closes what start opened.
func (w *ticketWiring) start(ctx context.Context, db *sqldb.DB, data string, store *kb.Store, demo bool, log *slog.Logger) (*ticketing.Store, func(), error) {
	var closers []func()
	stop := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	if db == nil {
		var err error
		if db, err = w.DB(data); err != nil {
			return nil, stop, err
		}
		closers = append(closers, func() { db.Close() })
	}
	cfg, err := w.settings.Config(data)
	if err != nil {
		stop()
		return nil, func() {}, err
	}
	cfg.Offices = ticketing.OfficesFromKB(store)
	cfg.Pills = store // the pills' forms in replies, their answers on the citizens' status page
	st, err := ticketing.Open(ctx, db, cfg)
	if err != nil {
		stop()
		return nil, func() {}, fmt.Errorf("ticketing: %w", err)
	}
	if demo {
		if err := seedTicketDemo(ctx, st, store); err != nil {
			stop()
			return nil, func() {}, err
		}
	}
	smtp, err := st.StartSMTP(w.settings)
	if err != nil {
		stop()
		return nil, func() {}, err
	}
	if smtp != nil {
		closers = append(closers, func() { smtp.Close() })
		log.Info("inbound email listening", "addr", w.settings.SMTPListen, "addresses", w.settings.SMTPAddresses)
	}
	// The ticketing timers (TK-13 final reminders) stop before the database closes.
	jobs, stopJobs := context.WithCancel(ctx)
	jobsDone := make(chan struct{})
	go func() { defer close(jobsDone); st.RunJobs(jobs, 0, log) }()
	closers = append(closers, func() { stopJobs(); <-jobsDone })
	log.Info("ticketing ready", "db", db.Dialect.String(), "mail", cfg.Mail != nil)
	return st, stop, nil
}

// seedTicketDemo gives the demo its requests (ticketing.SeedDemo) from the pills and offices of
// the demo knowledge base as stored, with their IRIs.
func seedTicketDemo(ctx context.Context, st *ticketing.Store, store *kb.Store) error {
	pills, err := store.Pills(ctx, kb.PillFilter{})
	if err != nil {
		return fmt.Errorf("ticket demo: %w", err)
	}
	units, err := store.Units(ctx)
	if err != nil {
		return fmt.Errorf("ticket demo: %w", err)
	}
	if err := ticketing.SeedDemo(ctx, st, pills, units); err != nil {
		return fmt.Errorf("ticket demo: %w", err)
	}
	return nil
}
