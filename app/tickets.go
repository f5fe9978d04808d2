package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"sportello/accounts"
	"sportello/internal/sqldb"
	"sportello/kb"
	"sportello/ticketing"
)

// openTickets opens the ticketing store on db (issue 6) with the settings, fills an empty ticket
// database with the demo requests under demo, and starts the inbound e-mail listener when the
// settings ask for one. It returns the store, the listener (nil: off) and the ticketing job (the
// TK-13 final reminders).
func openTickets(ctx context.Context, db *sqldb.DB, settings ticketing.Settings, data string, store *kb.Store, users *accounts.Store, demo bool, log *slog.Logger) (*ticketing.Store, *ticketing.SMTPServer, []job, error) {
	cfg, err := settings.Config(data)
	if err != nil {
		return nil, nil, nil, err
	}
	cfg.Offices = ticketing.OfficesFromKB(store)
	if users != nil {
		cfg.Users = userDirectory{users} // office members are told of assignments at their address (TK-15)
	}
	cfg.Pills = store // the pills' forms in replies, their answers on the citizens' status page
	st, err := ticketing.Open(ctx, db, cfg)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("ticketing: %w", err)
	}
	if demo {
		if err := seedTicketDemo(ctx, st, store); err != nil {
			return nil, nil, nil, err
		}
	}
	smtp, err := st.StartSMTP(settings)
	if err != nil {
		return nil, nil, nil, err
	}
	if smtp != nil {
		log.Info("inbound email listening", "addr", settings.SMTPListen, "addresses", settings.SMTPAddresses)
	}
	log.Info("ticketing ready", "db", db.Dialect.String(), "mail", cfg.Mail != nil)
	return st, smtp, []job{{"ticket reminders", func(ctx context.Context) error { st.RunJobs(ctx, 0, log); return nil }}}, nil
}

// userDirectory gives ticketing the accounts' e-mail addresses, with its own not-found error.
type userDirectory struct{ users *accounts.Store }

func (d userDirectory) UserEmail(ctx context.Context, name string) (string, error) {
	addr, err := d.users.UserEmail(ctx, name)
	if errors.Is(err, accounts.ErrNotFound) {
		return "", ticketing.ErrNotFound
	}
	return addr, err
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
