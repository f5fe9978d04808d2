// Package web is Sportello's HTTP server, on echo v4: the middleware every request goes through
// (panic recovery, security headers, the session cookie and the CSRF check, the deny-by-default
// authorization), the error pages, and the one route table assembled from the parts:
// web/knowledge, web/editorial, web/tickets, web/public, web/contactcenter, web/reports,
// web/imports, web/accounts and web/semantic each declare their routes with the roles allowed to call them; web/webkit is the
// kit they share. Anything not declared is refused; testdata/routes.golden is the whole route ×
// role matrix, walked by a test.
//
// The rule: code that does not touch an HTTP request does not live under web/. Handlers read the
// request, call one domain method and render a page or JSON; the domains (kb, ingest,
// ticketing, telephony, contactcenter, accounts…) own the rules.
package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/accounts/accesslog"
	"sportello/audit"
	"sportello/harvest"
	"sportello/ingest"
	"sportello/internal/ratelimit"
	"sportello/kb"
	"sportello/kb/linkeddata"
	"sportello/kb/search"
	"sportello/ticketing"
	webaccounts "sportello/web/accounts"
	"sportello/web/auditlog"
	webcc "sportello/web/contactcenter"
	"sportello/web/editorial"
	"sportello/web/imports"
	"sportello/web/knowledge"
	"sportello/web/public"
	"sportello/web/reports"
	"sportello/web/semantic"
	"sportello/web/tickets"
	"sportello/web/webkit"
)

// Config configures a Server.
type Config struct {
	Addr    string // listen address, ":8080" by default
	DataDir string // the data folder, for components that keep files there
	// BaseURL is the public URL of the server ("https://sportello.example.it"), for canonical
	// links; empty: none.
	BaseURL string
	// Auth tells who is calling; nil: everyone is Anonymous until the login issue lands.
	Auth Authenticator
	// Logger receives request errors; nil: slog.Default().
	Logger *slog.Logger
	// TrustedProxies are the reverse proxies whose X-Forwarded-For or X-Real-IP names the
	// client (ParseTrustedProxies); empty: the peer is the client, and those headers are
	// ignored.
	TrustedProxies []netip.Prefix
	// RateLimits are the budgets of the anonymous endpoints by class (DefaultRateLimits);
	// nil: no limits.
	RateLimits RateLimits
	// AttachmentMaxBytes is the largest ticket attachment, for the uploads' body limit; 0: 10 MiB.
	AttachmentMaxBytes int64
	// MaxExports is how many RDF exports (/export/…) run at once, whoever asks; past it the
	// answer is 503 with Retry-After. 0: knowledge.DefaultMaxExports.
	MaxExports int
}

// Deps are the domain services the server serves: the knowledge base and the optional parts.
// Handlers treat a nil part as "not configured" and the pages that need it answer 404, so the
// server runs with whatever parts a deployment has.
type Deps struct {
	// Store is the knowledge base (required).
	Store *kb.Store
	// Telephony is the contact-center core (issue 7): operator console, supervisor view,
	// statistics, announcements and the CTI webhook. Nil: those pages answer 404.
	Telephony *webcc.Telephony
	// Search is the knowledge search index (issue 4): /cerca, /api/search, /sinonimi. Nil:
	// those pages answer 404. Keep it current with search.KeepIndexed.
	Search *search.Index
	// Learner holds the phrasings search learned from contacts: the pill page shows them to
	// publishers, validators and administrators, who remove an entry. Nil: not shown.
	Learner *search.Learner
	// Tickets is the CRM (issue 6): tickets, citizens, callbacks, the public request page.
	// Nil: those pages answer 404.
	Tickets *ticketing.Store
	// Workflow is the pill life cycle (issue 5): publisher workspace, validator queue, history
	// and their API. Nil: those pages answer 404.
	Workflow *kb.Workflow
	// AccessLog records signed-in reads of pills and serves the most-read report (issue 5,
	// KB-8). Nil: nothing is recorded and the report answers 404.
	AccessLog *accesslog.Log
	// Imports are the uploads and background jobs of the Excel import pages (issue 3); nil: the
	// server keeps its own under Config.DataDir.
	Imports *ingest.Jobs
	// Audit is the administrators' audit log (OPS-1): the server records the acts of its
	// audited routes and the exports there, and serves /amministrazione/registro. Nil: nothing
	// is recorded and the page answers 404.
	Audit *audit.Store
	// SLA is the service levels (issue 15): the statistics page, the monthly and bi-monthly
	// reports, the supervisor's charts of the day. Nil: those pages answer 404.
	SLA *reports.Service
	// LinkedData answers the SPARQL endpoint, the minted IRIs and the dataset description
	// (web/semantic); nil: the server makes one with the default limits and description.
	LinkedData *linkeddata.Service
	// Remote fetches RDF from the configured hosts for the administrators' import from a URL;
	// nil: that import answers 404.
	Remote *harvest.Fetcher
}

// Server serves Sportello over HTTP.
type Server struct {
	cfg   Config
	store *kb.Store
	pages *pageCache // the portal's rendered pages (cache.go)
	auth  Authenticator
	log   *slog.Logger
	echo  *echo.Echo
	table map[string]webkit.Route // "METHOD /path" → route, for authorize
	site  *webkit.Site
	deps  Deps
	parts map[string][]webkit.Route // each web subpackage's routes, by name

	limits     map[string]bodyLimit          // body limits by "METHOD /path" (limits.go)
	limiters   map[string]*ratelimit.Limiter // by rate-limit class (ratelimit.go)
	refusalLog *ratelimit.Limiter            // at most one log line a minute per kind of refusal
}

// New builds the server and its routes; it does not listen yet.
func New(cfg Config, d Deps) *Server {
	if cfg.Addr == "" {
		cfg.Addr = ":8080"
	}
	s := &Server{cfg: cfg, store: d.Store, deps: d, auth: cfg.Auth, log: cfg.Logger, table: map[string]webkit.Route{}, pages: newPageCache()}
	if s.auth == nil {
		s.auth = DefaultAuth{}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.site = webkit.NewSite(cfg.BaseURL, s.log, template.FuncMap{"contactHome": webcc.Home, "contactNotify": webcc.Notifies})
	if s.deps.Imports == nil {
		dir := filepath.Join(os.TempDir(), "sportello-import")
		if cfg.DataDir != "" {
			dir = filepath.Join(cfg.DataDir, "import")
		}
		s.deps.Imports = ingest.NewJobs(dir, s.store, s.log)
	}
	if s.deps.LinkedData == nil && s.store != nil {
		s.deps.LinkedData = linkeddata.New(s.store, linkeddata.Config{BaseURL: cfg.BaseURL}, linkeddata.Limits{})
	}
	var auth *webaccounts.Auth
	if sa, ok := s.auth.(*SessionAuth); ok && sa.Users != nil {
		auth = &webaccounts.Auth{Users: sa.Users, TrustProxy: sa.TrustProxy}
		if sa.TrustProxy && len(cfg.TrustedProxies) == 0 {
			// The old switch trusted X-Forwarded-For from any peer: keep its meaning.
			s.cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
		}
	}
	s.limits = s.bodyLimits()
	s.refusalLog = ratelimit.MustNew(ratelimit.Config{Burst: 1, Every: time.Minute, MaxKeys: 16})
	if lims, err := newLimiters(cfg.RateLimits); err != nil {
		s.log.Error("rate limits not applied", "err", err)
	} else {
		s.limiters = lims
	}
	// The supervisor's page (contact center) shows the service levels' charts of the day.
	cc, rp := webcc.New(s.site, s.deps.Telephony), reports.New(s.site, s.deps.SLA)
	cc.Today = rp.Today
	s.parts = map[string][]webkit.Route{
		"imports":       imports.New(s.site, s.deps.Imports).Routes(),
		"accounts":      webaccounts.New(s.site, auth, s.store, s.deps.AccessLog, s.log).Routes(),
		"contactcenter": cc.Routes(),
		"reports":       rp.Routes(),
		"tickets":       tickets.New(s.site, s.deps.Tickets, s.store, s.log).Routes(),
		"public":        public.New(s.site, s.store, s.deps.Tickets, s.legal(), s.log).WithSearch(s.deps.Search).Routes(),
		"auditlog":      auditlog.New(s.site, s.deps.Audit, s.log).Routes(),
		"editorial":     editorial.New(s.site, s.store, s.deps.Workflow, s.deps.Search, s.log).Routes(),
		"knowledge":     knowledge.New(s.site, s.store, s.deps.Search, cfg.MaxExports, s.log).WithLearner(s.deps.Learner).Routes(),
		"semantic":      semantic.New(s.site, s.deps.LinkedData, s.log).WithRemote(s.store, s.deps.Remote).Routes(),
	}

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = ipExtractor(s.cfg.TrustedProxies)
	e.Use(s.recoverPanics)
	e.Use(s.clientAddress) // the client's real address (client.go)
	e.Use(securityHeaders)
	e.Use(s.limitBodies) // body and query limits, temporary files removed (limits.go)
	e.Use(s.sessions)    // session cookie and CSRF check (issue 5, login.go)
	e.Use(s.authorize)
	e.Use(s.noStore)        // no cached copies of personal data (limits.go)
	e.Use(s.rateLimit)      // the public's budgets (ratelimit.go), before a kept page is answered
	e.Use(s.cacheAnonymous) // ETag and Cache-Control on the public pages, the portal's kept (cache.go)
	e.Use(s.auditActs)      // the audit log of administrative acts (auditwire.go)
	s.echo = e
	for _, rt := range s.allRoutes() {
		s.addRoute(rt)
	}
	return s
}

// routesOf is the routes of a web subpackage.
func (s *Server) routesOf(part string) []webkit.Route { return s.parts[part] }

// addRoute registers rt on echo and in the table authorize reads. A GET route answers HEAD
// too, with the same roles (net/http drops the body), so that link checkers and download
// managers work.
func (s *Server) addRoute(rt webkit.Route) {
	eh := rt.Handler
	s.echo.Add(rt.Method, rt.Path, eh)
	s.table[rt.Method+" "+rt.Path] = rt
	if rt.Method == http.MethodGet {
		s.echo.Add(http.MethodHead, rt.Path, eh)
		s.table[http.MethodHead+" "+rt.Path] = rt
	}
}

// Handler is the HTTP handler of the whole site.
func (s *Server) Handler() http.Handler { return s.echo }

// ListenAndServe listens on Config.Addr and serves until ctx is done, then shuts down
// gracefully.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is done, then lets requests in flight finish (up to 10 s).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    64 << 10, // cookies and a URL within MaxQueryBytes fit many times over
		// Exports of a large graph take a while; 5 minutes is generous for the demo scale.
		WriteTimeout: 5 * time.Minute,
		IdleTimeout:  2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("web: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// recoverPanics turns a panic in a handler into a logged 500, so one bad record cannot take the
// server down while operators are on the phone.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				err = webkit.Internal(fmt.Errorf("panic: %v\n%s", r, debug.Stack()))
			}
		}()
		return next(c)
	}
}

// securityHeaders keeps pages self-contained: no script or style from anywhere else, and
// nothing that lets another site frame the operator's screen.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		hdr := c.Response().Header()
		hdr.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "same-origin")
		hdr.Set("X-Frame-Options", "DENY")
		return next(c)
	}
}

// handleError renders every error: JSON {"error", "code"} under /api/ and for /healthz, an
// Italian HTML page elsewhere.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	he := webkit.As(err)
	req := c.Request()
	switch {
	case he.Code == "busy":
		// A gate full (webkit.Gate) is load, not a failure: a warning a minute at most.
		s.refused(c, "busy")
	case he.Status >= 500:
		s.log.Error("request failed", "method", req.Method, "path", req.URL.Path, "status", he.Status, "client", webkit.ClientAddr(req), "err", err)
	}
	if he.Status == http.StatusUnauthorized {
		// No login page yet: the later login issue will name its scheme here.
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="sportello"`)
	}
	if req.Method == http.MethodHead {
		_ = c.NoContent(he.Status)
		return
	}
	if webkit.WantsJSON(req) {
		_ = c.JSON(he.Status, map[string]string{"error": he.Msg, "code": he.Code})
		return
	}
	_ = s.site.RenderError(c, he)
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// staticFiles serves the embedded assets: webkit's and each part's, under /static/.
var staticFiles = webkit.StaticHandler(webkit.Static(), knowledge.Static(), imports.Static(), webcc.Static(), tickets.Static(), reports.Static(), editorial.Static(), public.Static())

func (s *Server) static(c echo.Context) error {
	// Assets are embedded and change only with the binary; an hour keeps pages quick without
	// pinning old CSS after an upgrade. A vendored design system's files name their version
	// in the path (public.ItaliaPath): a new version is a new URL, so they are kept a year.
	if strings.HasPrefix(c.Request().URL.Path, public.ItaliaPath+"/") {
		c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	}
	return staticFiles(c)
}

// legal is what the privacy notice and the accessibility statement name: the Administration
// that publishes the data (the dataset description's publisher, configured with
// --linked-data) and its contact address.
func (s *Server) legal() public.Config {
	if s.deps.LinkedData == nil {
		return public.Config{}
	}
	c := s.deps.LinkedData.Config()
	return public.Config{Controller: c.Publisher.Name, Contact: c.ContactEmail}
}
