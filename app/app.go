// Package app builds a running Sportello from one Config: it opens the stores (the knowledge
// graph, the search index, the operational database), the domains on them (accounts and the
// approval workflow, tickets, the contact center, the import jobs, service levels) and the web
// server, and it owns the background jobs — one place starts them, stops them and waits for
// them at shutdown. `sportello serve` only turns its flags into a Config and calls New and Run.
//
// Background jobs, each a Run(ctx)-style function of its domain package: the accounts' session
// pruning and the access log's retention (accounts), the audit log's retention (audit), the TK-13 final reminders (ticketing), the
// ACD's deadlines, the CTI log's persister and the recordings' retention (telephony), the live
// push of the call events (contactcenter.Hub), the upload cleanup (ingest.Jobs), the
// heartbeats and the scheduled reports (sla). The search index follows the store through a
// change hook (search.KeepIndexed), not a goroutine.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"time"

	"sportello/accounts"
	"sportello/accounts/accesslog"
	"sportello/audit"
	"sportello/fixtures"
	"sportello/harvest"
	"sportello/ingest"
	"sportello/internal/fsperm"
	"sportello/internal/sqldb"
	"sportello/kb"
	"sportello/kb/linkeddata"
	"sportello/kb/search"
	"sportello/ticketing"
	"sportello/web"
	webcc "sportello/web/contactcenter"
)

// Config is everything a running Sportello is built from.
type Config struct {
	DataDir string // graph, index, SQLite database, attachments, recordings
	DB      string // operational database: "" for SQLite in DataDir, or postgres://…
	Addr    string // listen address of the web server (informational: the caller listens)
	BaseURL string // public URL, for canonical links
	Demo    bool   // load the demo data set when the knowledge base is empty

	Accounts       accounts.Config          // session lifetime, login throttling, password length
	Directory      accounts.DirectoryConfig // staff login through LDAP / Active Directory; URL empty: off
	AccessLogDays  int                      // how long the access log keeps reads; 0 means 365
	SecondApproval string                   // branches whose pills need two signatures (KB-12)
	Tickets        ticketing.Settings
	Telephony      TelephonyConfig
	// AuditRetention is how long the administrators' audit log keeps entries (OPS-1); 0 means
	// five years.
	AuditRetention time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client
	// (web.ParseTrustedProxies); empty: the peer is the client.
	TrustedProxies []netip.Prefix
	// RateLimits are the budgets of the anonymous endpoints (web.DefaultRateLimits); nil: none.
	RateLimits web.RateLimits
	// LinkedData is the dataset's description and the SPARQL endpoint's limits (kb/linkeddata);
	// the zero value takes the defaults. Its BaseURL is BaseURL.
	LinkedData linkeddata.Settings
	// MaxExports is how many RDF exports run at once (web.Config.MaxExports); 0: the default.
	MaxExports int
	// Thesaurus and Dictionary are the Italian language resources search expands queries with
	// (Debian mythes-it, hunspell-it); "" for none. Missing files are logged, not fatal.
	Thesaurus, Dictionary string

	Logger *slog.Logger
	// Auth tells the web server who is calling; nil: the sessions of the accounts. Tests set it
	// to call as a given role.
	Auth web.Authenticator
}

// DefaultConfig is the configuration of `sportello serve` without flags, on the data folder dir.
func DefaultConfig(dir string) Config {
	return Config{DataDir: dir, Addr: ":8080", AccessLogDays: 365, Tickets: ticketing.DefaultSettings(),
		Telephony: TelephonyConfig{Sample: 10 * time.Second}, AuditRetention: audit.DefaultRetention,
		RateLimits: web.DefaultRateLimits(), Thesaurus: search.DefaultThesaurus, Dictionary: search.DefaultDictionary}
}

// App is a running Sportello.
type App struct {
	cfg Config
	log *slog.Logger

	Store     *kb.Store
	DB        *sqldb.DB
	Index     *search.Index
	Users     *accounts.Store
	Workflow  *kb.Workflow
	Reads     *accesslog.Log
	Audit     *audit.Store
	Tickets   *ticketing.Store
	Telephony *webcc.Telephony // nil without telephony
	Imports   *ingest.Jobs
	// LinkedData answers SPARQL queries, the minted IRIs and the dataset description.
	LinkedData *linkeddata.Service
	// Remote fetches RDF from the allowed hosts (administrators' import from a URL).
	Remote *harvest.Fetcher
	Web    *web.Server

	tel     *telephonyPart
	sla     *slaPart
	smtp    *ticketing.SMTPServer
	jobs    []job
	closers []func() // what New opened, closed in reverse order
	run     *runner
}

// New opens and builds everything cfg describes; nothing runs in the background yet (Start).
// On error what was opened is closed again.
func New(ctx context.Context, cfg Config) (*App, error) {
	a := &App{cfg: cfg, log: cfg.Logger}
	if a.log == nil {
		a.log = slog.Default()
	}
	if err := a.open(ctx); err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

// open builds what cfg describes, recording in closers what must be closed.
func (a *App) open(ctx context.Context) (err error) {
	cfg := a.cfg
	if err := fsperm.MkdirAll(cfg.DataDir); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	// A data folder an older version left readable by others is made private at start-up.
	if n, err := fsperm.Tighten(cfg.DataDir); err != nil {
		return fmt.Errorf("data folder: %w", err)
	} else if n > 0 {
		a.log.Info("data folder made private to this user (files 0600, folders 0700)", "entries", n)
	}
	if a.Store, err = kb.Open(cfg.DataDir); err != nil {
		return fmt.Errorf("open the knowledge base in %s: %w", cfg.DataDir, err)
	}
	a.closers = append(a.closers, func() { a.Store.Close() })
	if cfg.Demo {
		if err := LoadDemo(ctx, a.Store, a.log); err != nil {
			return err
		}
	}
	// The operational database: accounts, workflow, access log, tickets, the CTI log.
	if a.DB, err = sqldb.Open(cfg.DB, cfg.DataDir); err != nil {
		return fmt.Errorf("operational database: %w", err)
	}
	a.closers = append(a.closers, func() { a.DB.Close() })
	// accounts (issue 5): sessions decide every caller's role; the demo gets one account per role.
	var jobs []job
	// the administrators' audit log (OPS-1), pruned daily by the retention; the accounts record
	// their acts there themselves, the web server the other administrative acts.
	if a.Audit, jobs, err = openAudit(ctx, a.DB, cfg.AuditRetention, a.log); err != nil {
		return err
	}
	a.jobs = append(a.jobs, jobs...)
	if a.Users, a.Workflow, a.Reads, jobs, err = openAccounts(ctx, cfg, a.DB, a.Store, a.Audit, a.log); err != nil {
		return err
	}
	a.jobs = append(a.jobs, jobs...)
	// search (issue 4): the index in DATA/index, checked and rebuilt if needed, then kept current.
	// The language resources and the phrasings learned from contacts (operational database)
	// are part of what the index is searched and rebuilt with.
	lang, err := search.LoadResources(cfg.Thesaurus, cfg.Dictionary)
	if err != nil {
		a.log.Warn("search: language resource missing; searching without it", "err", err)
	}
	a.log.Info("search language resources", "loaded", lang.Describe())
	phrasings, err := search.NewPhrasingStore(ctx, a.DB)
	if err != nil {
		return fmt.Errorf("search: learned phrasings: %w", err)
	}
	if a.Index, err = search.Start(ctx, IndexDir(cfg.DataDir), a.Store, a.log,
		search.WithResources(lang), search.WithPhrasings(phrasings)); err != nil {
		return err
	}
	a.closers = append(a.closers, func() { a.Index.Close() })
	// tickets (issue 6): the CRM on the operational database, with the demo requests under demo.
	if a.Tickets, a.smtp, jobs, err = openTickets(ctx, a.DB, cfg.Tickets, cfg.DataDir, a.Store, a.Users, cfg.Demo, a.log); err != nil {
		return err
	}
	if a.smtp != nil {
		a.closers = append(a.closers, func() { a.smtp.Close() })
	}
	a.jobs = append(a.jobs, jobs...)
	// telephony (issue 7): the ACD and the contact-center pages, on the tickets.
	a.tel = &telephonyPart{cfg: cfg.Telephony}
	if a.Telephony, err = a.tel.build(cfg.Demo, cfg.DataDir, a.Store, a.Tickets, a.Users, a.log); err != nil {
		return err
	}
	// service levels (issue 15): figures and reports on the CTI log (Sportello's calls and the
	// PBX's imported queue_log), the tickets and the heartbeats.
	if a.sla, err = openSLA(ctx, a.DB, a.Tickets, a.Telephony); err != nil {
		return err
	}
	// imports (issue 3): the uploads of the import pages and their background jobs.
	a.Imports = ingest.NewJobs(filepath.Join(cfg.DataDir, "import"), a.Store, a.log)
	a.jobs = append(a.jobs, job{"imports", a.Imports.Run})
	// SPARQL, Linked Data and the dataset description (issue 20).
	ldcfg := cfg.LinkedData.Dataset
	ldcfg.BaseURL = cfg.BaseURL
	a.LinkedData = linkeddata.New(a.Store, ldcfg, cfg.LinkedData.Limits)
	// Remote sources (issue 20): RDF from a URL for administrators, scheduled harvesting.
	rm := cfg.LinkedData.Remote
	a.Remote = &harvest.Fetcher{AllowHosts: rm.AllowHosts, MaxBytes: rm.MaxBytes, Timeout: rm.Timeout}
	if len(rm.Sources) > 0 {
		sched := &harvest.Schedule{Store: a.Store, Fetcher: a.Remote, Every: rm.Every, Report: func(r harvest.Report, err error) {
			if err != nil {
				a.log.Error("harvest failed", "source", r.Source, "err", err)
				return
			}
			a.log.Info("harvest done", "source", r.Source, "pages", r.Pages, "with_data", r.WithData, "statements", r.Statements, "problems", len(r.Problems))
			for _, p := range r.Problems {
				a.log.Warn("harvest: page left out", "source", r.Source, "problem", p)
			}
		}}
		for _, src := range rm.Sources {
			sched.Sources = append(sched.Sources, harvest.Source{Name: src.Name, Sitemap: src.Sitemap, MaxPages: src.MaxPages})
		}
		a.jobs = append(a.jobs, job{"harvest", sched.Run})
	}
	auth := cfg.Auth
	if auth == nil {
		auth = web.NewSessionAuth(a.Users)
	}
	a.Web = web.New(web.Config{Addr: cfg.Addr, DataDir: cfg.DataDir, BaseURL: cfg.BaseURL, Logger: a.log, Auth: auth,
		TrustedProxies: cfg.TrustedProxies, RateLimits: cfg.RateLimits, AttachmentMaxBytes: cfg.Tickets.AttachmentMB << 20,
		MaxExports: cfg.MaxExports},
		web.Deps{Store: a.Store, Search: a.Index, Tickets: a.Tickets, Workflow: a.Workflow, AccessLog: a.Reads,
			Telephony: a.Telephony, Imports: a.Imports, Audit: a.Audit, SLA: a.sla.service(a.Telephony, a.log),
			LinkedData: a.LinkedData, Remote: a.Remote})
	return nil
}

// Start starts the media layer and every background job, until Stop.
func (a *App) Start(ctx context.Context) error {
	if a.run != nil {
		return errors.New("app: already started")
	}
	a.run = newRunner(ctx, a.log)
	jobs, err := a.tel.start(a.run.ctx, a.Telephony)
	if err != nil {
		a.run.stop()
		return err
	}
	if a.tel.adapter != nil {
		a.closers = append(a.closers, func() { a.tel.adapter.Close() })
	}
	// service levels (issue 15): ACD, IVR and CTI heartbeats, the reports e-mailed on schedule.
	sj := slaJobs(a.sla, a.DB, a.Telephony, a.tel, a.log)
	for _, j := range append(append(a.jobs, jobs...), sj...) {
		a.run.start(j)
	}
	return nil
}

// Stop stops the jobs, waits for them, and closes everything New opened: the operators are
// logged out while the CTI log is still saved, the jobs end (the persister's last flush), and
// only then the listeners, the index and the databases close.
func (a *App) Stop() {
	if a.run != nil {
		a.tel.beforeStop()
		a.run.stop()
		a.run = nil
	}
	a.close()
}

func (a *App) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

// Run starts the jobs, serves the web server on ln until ctx ends (requests in flight finish,
// up to 10 s), then stops everything.
func (a *App) Run(ctx context.Context, ln net.Listener) error {
	if err := a.Start(ctx); err != nil {
		a.close()
		return err
	}
	defer a.Stop()
	err := a.Web.Serve(ctx, ln)
	a.log.Info("server stopped")
	return err
}

// IndexDir is the search index's folder in the data folder.
func IndexDir(data string) string { return filepath.Join(data, "index") }

// LoadDemo loads the demo data set into an empty knowledge base; a knowledge base that already
// has pills is left alone, so that restarting with the demo never overwrites real work.
func LoadDemo(ctx context.Context, store *kb.Store, log *slog.Logger) error {
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
