package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"sportello/fixtures"
	"sportello/internal/fsperm"
	"sportello/kb"
	"sportello/kb/search"
	"sportello/web"
)

func init() {
	register(&command{
		name:    "serve",
		summary: "run the web server (pages, JSON API, exports); --demo loads the demo data",
		usage:   "[--addr :8080] [--demo] [--base-url URL] [--data DIR] [--db DSN] [ticketing flags: --smtp-listen, --mail-relay, --sla-hours …]",
		run:     runServe,
	})
}

func runServe(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	defAddr := os.Getenv("SPORTELLO_ADDR")
	if defAddr == "" {
		defAddr = ":8080"
	}
	addr := fs.String("addr", defAddr, "listen address (env SPORTELLO_ADDR)")
	demo := fs.Bool("demo", false, "load the demo data set (Regione Valdoria) when the knowledge base is empty")
	baseURL := fs.String("base-url", os.Getenv("SPORTELLO_BASE_URL"), "public URL of the server, for absolute links (env SPORTELLO_BASE_URL)")
	data := dataFlag(fs)
	tickets := ticketFlags(fs)  // tickets (issue 6): --db and the ticketing settings
	phone := telephonyFlags(fs) // telephony (issue 7): --telephony, --cti-token, --cti-sample
	acct := addAccountFlags(fs) // accounts and workflow (issue 5): --access-log-days
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(fs.Output(), nil))

	if err := fsperm.MkdirAll(*data); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	// A data folder an older version left readable by others is made private at start-up.
	if n, err := fsperm.Tighten(*data); err != nil {
		return fmt.Errorf("data folder: %w", err)
	} else if n > 0 {
		log.Info("data folder made private to this user (files 0600, folders 0700)", "entries", n)
	}
	store, err := kb.Open(*data)
	if err != nil {
		return fmt.Errorf("open the knowledge base in %s: %w", *data, err)
	}
	defer store.Close()

	if *demo {
		if err := loadDemo(ctx, store, log); err != nil {
			return err
		}
	}

	// Listen before saying where: with --addr 127.0.0.1:0 the port is known only now.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	// The operational database (--db): accounts, workflow, access log, tickets.
	db, err := tickets.DB(*data)
	if err != nil {
		return err
	}
	defer db.Close()
	// accounts (issue 5): sessions decide every caller's role; the demo gets one account per role.
	acc, err := acct.start(ctx, db, store, *demo, log)
	if err != nil {
		return err
	}
	// search (issue 4): the index in DATA/index, checked and rebuilt if needed, then kept current.
	index, err := search.Start(ctx, indexDir(*data), store, log)
	if err != nil {
		return err
	}
	defer index.Close()
	// tickets (issue 6): the CRM on the operational database, with the demo requests under --demo.
	tk, stopTickets, err := tickets.start(ctx, db, *data, store, *demo, log)
	if err != nil {
		return err
	}
	defer stopTickets()
	// telephony (issue 7): the ACD and the contact-center pages, on the tickets when present.
	tel, err := phone.build(*demo, *data, store, tk, log)
	if err != nil {
		return err
	}
	if err := phone.start(ctx, tel); err != nil {
		return err
	}
	defer phone.stop() // the CTI log's final flush, before the database closes
	// service levels (issue 15): ACD, IVR and CTI heartbeats, the reports e-mailed on schedule.
	stopSLA, err := startSLA(ctx, db, tk, tel, phone, log)
	if err != nil {
		return err
	}
	defer stopSLA()
	srv := web.New(web.Config{Addr: *addr, DataDir: *data, BaseURL: *baseURL, Logger: log, Auth: web.NewSessionAuth(acc.users)},
		web.Deps{Store: store, Search: index, Tickets: tk, Workflow: acc.workflow, AccessLog: acc.reads, Telephony: tel})
	fmt.Fprintf(stdout, "Sportello: %s\n", serverURL(ln.Addr(), *baseURL))
	err = srv.Serve(ctx, ln)
	log.Info("server stopped")
	return err
}

// loadDemo loads the demo data set into an empty knowledge base; a knowledge base that already
// has pills is left alone, so that restarting with --demo never overwrites real work.
func loadDemo(ctx context.Context, store *kb.Store, log *slog.Logger) error {
	st, err := store.Stats(ctx)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if st.Pills > 0 {
		log.Info("demo: the knowledge base already has pills; not loading the demo", "pills", st.Pills)
		return nil
	}
	start := time.Now()
	if err := fixtures.Load(ctx, store); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	st, err = store.Stats(ctx)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	log.Info("demo loaded", "pills", st.Pills, "concepts", st.Concepts, "offices", st.Offices,
		"people", st.People, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// serverURL is the URL to open in a browser: the base URL when set, else the listen address
// with "localhost" for an unspecified host.
func serverURL(a net.Addr, base string) string {
	if base != "" {
		return base
	}
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String() + "/"
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}
