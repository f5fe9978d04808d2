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
	"strconv"
	"strings"
	"syscall"
	"time"

	"sportello/accounts"
	"sportello/app"
	"sportello/kb/linkeddata"
	"sportello/telephony/media"
	"sportello/ticketing"
	"sportello/web"
	"sportello/web/knowledge"
)

func init() {
	register(&command{
		name:    "serve",
		summary: "run the web server (pages, JSON API, exports); --demo loads the demo data",
		usage:   "[--addr :8080] [--demo] [--base-url URL] [--data DIR] [--db DSN] [ticketing flags: --smtp-listen, --mail-relay, --sla-hours …] [--ldap-url URL --ldap-roles … (staff login through LDAP)]",
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
	dsn := dbFlag(fs)
	var tickets ticketing.Settings
	tickets.AddFlags(fs) // tickets (issue 6): the e-mail channel, the SLA calendar, attachments
	// telephony (issue 7)
	telFile := fs.String("telephony", os.Getenv("SPORTELLO_TELEPHONY"),
		"telephony configuration (JSON: queues, operators, calendar); with --demo and no file, the demo's (env SPORTELLO_TELEPHONY)")
	ctiToken := fs.String("cti-token", os.Getenv("SPORTELLO_CTI_TOKEN"),
		"secret of the Zammad CTI webhook /api/v1/cti/TOKEN for an external PBX; empty: webhook off (env SPORTELLO_CTI_TOKEN)")
	ctiSample := fs.Duration("cti-sample", 10*time.Second, "sampling interval of the supervisor's waiting history")
	sipFile := fs.String("sip", os.Getenv("SPORTELLO_SIP"),
		"SIP configuration (JSON: listen address, queue numbers, phone accounts), or \"demo\" for the demo's on 127.0.0.1:5060; empty: no SIP (env SPORTELLO_SIP)")
	prompts := fs.String("prompts", os.Getenv("SPORTELLO_PROMPTS"),
		"folder of the Italian IVR prompts (Debian package asterisk-core-sounds-it-wav); default the SIP configuration's \"prompts\", else "+media.DefaultPromptsDir+" (env SPORTELLO_PROMPTS)")
	// accounts and workflow (issue 5)
	accessLogDays := fs.Int("access-log-days", 365, "days the access log keeps who read which pill (KB-8); older reads are deleted")
	secondApproval := fs.String("second-approval", os.Getenv("SPORTELLO_SECOND_APPROVAL"),
		"classification branches whose pills need two signatures, URP and head of office (KB-12): comma-separated concept labels or IRIs (env SPORTELLO_SECOND_APPROVAL)")
	// hardening (issue 14): the client's address behind a proxy, the public's budgets, the audit log
	trusted := fs.String("trusted-proxy", os.Getenv("SPORTELLO_TRUSTED_PROXY"),
		"reverse proxies whose X-Forwarded-For/X-Real-IP names the client: addresses or CIDR ranges, comma-separated; empty: the peer is the client (env SPORTELLO_TRUSTED_PROXY)")
	rates := map[string]*string{}
	for _, rc := range web.RateClasses {
		env := "SPORTELLO_RATE_" + strings.ToUpper(rc.Name)
		def := rc.Default
		if v := os.Getenv(env); v != "" {
			def = v
		}
		rates[rc.Name] = fs.String("rate-"+rc.Name, def, "budget per client address of "+rc.Help+
			", as N/PERIOD (20/1h, 10/s) or off (env "+env+")")
	}
	defRetention := os.Getenv("SPORTELLO_AUDIT_RETENTION")
	if defRetention == "" {
		defRetention = "5y"
	}
	retention := fs.String("audit-retention", defRetention,
		"how long the audit log of administrative acts keeps entries: 5y, 1825d, 8760h (env SPORTELLO_AUDIT_RETENTION)")
	maxExports := fs.Int("max-exports", knowledge.DefaultMaxExports,
		"RDF exports (/export/…) running at once, whoever asks; past it the answer is 503 with Retry-After")
	var directory accounts.DirectoryConfig
	directory.AddFlags(fs) // staff login through the Region's LDAP / Active Directory (optional)
	ldFile := fs.String("linked-data", os.Getenv("SPORTELLO_LINKED_DATA"),
		"dataset description for the open-data catalogues (DCAT-AP_IT, VoID) and SPARQL limits (JSON: title, publisher, license, themes, sparql.timeout, sparql.maxRows); empty: the defaults (env SPORTELLO_LINKED_DATA)")
	lang := addLanguageFlags(fs) // search: --thesaurus, --dictionary
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *accessLogDays < 1 {
		return usagef("--access-log-days must be at least 1")
	}
	if *maxExports < 1 {
		return usagef("--max-exports must be at least 1")
	}
	if *ctiSample <= 0 {
		return usagef("--cti-sample must be positive")
	}
	var ld linkeddata.Settings
	if *ldFile != "" {
		var err error
		if ld, err = linkeddata.LoadSettings(*ldFile); err != nil {
			return err
		}
	}
	acc, err := accounts.ConfigFromEnv(os.Getenv) // SPORTELLO_SESSION_TTL, SPORTELLO_LOGIN_MAX_FAILURES, …
	if err != nil {
		return err
	}
	proxies, err := web.ParseTrustedProxies(*trusted)
	if err != nil {
		return usagef("--trusted-proxy: %v", err)
	}
	limits := web.RateLimits{}
	for name, spec := range rates {
		cfg, on, err := web.ParseRateLimit(*spec)
		if err != nil {
			return usagef("--rate-%s: %v", name, err)
		}
		if on {
			limits[name] = cfg
		}
	}
	keep, err := parseRetention(*retention)
	if err != nil {
		return usagef("--audit-retention: %v", err)
	}
	directory.BindPassword = os.Getenv(accounts.EnvLDAPBindPassword)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(fs.Output(), nil))
	a, err := app.New(ctx, app.Config{DataDir: *data, DB: *dsn, Addr: *addr, BaseURL: *baseURL, Demo: *demo,
		Accounts: acc, Directory: directory, AccessLogDays: *accessLogDays, SecondApproval: *secondApproval, Tickets: tickets,
		TrustedProxies: proxies, RateLimits: limits, AuditRetention: keep, MaxExports: *maxExports,
		Telephony: app.TelephonyConfig{File: *telFile, CTIToken: *ctiToken, Sample: *ctiSample, SIP: *sipFile, Prompts: *prompts},
		Thesaurus: *lang.thesaurus, Dictionary: *lang.dictionary,
		LinkedData: ld, Logger: log})
	if err != nil {
		return err
	}
	// Listen before saying where: with --addr 127.0.0.1:0 the port is known only now.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		a.Stop()
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	fmt.Fprintf(stdout, "Sportello: %s\n", serverURL(ln.Addr(), *baseURL))
	return a.Run(ctx, ln)
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

// parseRetention reads a retention as administrators write it: years ("5y"), days ("1825d") or
// a Go duration ("8760h"); at least one day.
func parseRetention(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	switch {
	case strings.HasSuffix(s, "y") || strings.HasSuffix(s, "d"):
		n, err := strconv.Atoi(s[:len(s)-1])
		days := n
		if strings.HasSuffix(s, "y") {
			days = n * 365
		}
		if err != nil || n < 1 || days > 100*365 {
			return 0, fmt.Errorf("%q: want years (5y), days (1825d) or hours (8760h), at most 100 years", s)
		}
		d = time.Duration(days) * 24 * time.Hour
	default:
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q: want years (5y), days (1825d) or hours (8760h)", s)
		}
	}
	if d < 24*time.Hour || d > 100*365*24*time.Hour {
		return 0, fmt.Errorf("%q: the retention must be between one day and 100 years", s)
	}
	return d, nil
}
