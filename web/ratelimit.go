package web

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/ratelimit"
	"sportello/internal/role"
	"sportello/web/webkit"
)

// Rate limits on what the public can call without signing in: filing a request, looking one
// up, searching, downloading the open-data exports, and any other anonymous form (the portal's
// feedback). Each class has a budget per client address (ratelimit.AddressKey: IPv4 address or
// IPv6 /64), a token bucket of internal/ratelimit; past it the answer is 429 with Retry-After
// and an Italian message. Signed-in staff are not limited: they are accountable and behind
// the login's own throttle. Login (its own throttle, accounts) and the PBX's CTI webhook (a
// secret in the URL, bursts of events) are not counted.

// Rate-limit classes: the names of the settings (--rate-NAME, SPORTELLO_RATE_NAME).
const (
	RateRequests = "requests" // filing a request: /richiesta, POST /api/public/requests
	RateStatus   = "status"   // looking a request up: /richiesta/stato, /api/public/status
	RateSearch   = "search"   // /cerca, /servizi/cerca, /api/search
	RateExport   = "export"   // /export/{format}
	RateSPARQL   = "sparql"   // /sparql: each query may run up to the endpoint's time limit
	RateWrites   = "writes"   // any other anonymous POST, PUT or DELETE (feedback)
)

// RateClasses lists the classes with their default budgets, as ratelimit.ParseConfig reads
// them. A citizen files a request or two and checks it a few times; a burst of searches while
// reading is normal; the exports are whole files, downloaded now and then.
var RateClasses = []struct{ Name, Default, Help string }{
	{RateRequests, "20/1h", "public requests filed (/richiesta, POST /api/public/requests)"},
	{RateStatus, "30/10m", "status look-ups of a request (/richiesta/stato, /api/public/status)"},
	{RateSearch, "60/1m", "anonymous searches (/cerca, /servizi/cerca, /api/search)"},
	{RateExport, "20/1h", "anonymous downloads of the open-data exports (/export/…)"},
	{RateSPARQL, "60/10m", "anonymous SPARQL queries (/sparql)"},
	{RateWrites, "30/10m", "any other anonymous form or API call that changes something (feedback)"},
}

// RateLimits are the budgets by class; a class absent is not limited.
type RateLimits map[string]ratelimit.Config

// DefaultRateLimits are the budgets of RateClasses.
func DefaultRateLimits() RateLimits {
	out := RateLimits{}
	for _, rc := range RateClasses {
		cfg, err := ratelimit.ParseConfig(rc.Default)
		if err != nil {
			panic(err) // written above
		}
		out[rc.Name] = cfg
	}
	return out
}

// ParseRateLimit reads one class's setting: a budget as ratelimit.ParseConfig reads it
// ("20/1h", "10/s"), or "off". ok is false for "off".
func ParseRateLimit(spec string) (cfg ratelimit.Config, ok bool, err error) {
	switch strings.ToLower(strings.TrimSpace(spec)) {
	case "off", "no", "0":
		return ratelimit.Config{}, false, nil
	}
	cfg, err = ratelimit.ParseConfig(spec)
	return cfg, err == nil, err
}

// rateRoutes are the routes of each class; HEAD counts as GET. Anonymous unsafe requests on
// other routes are RateWrites unless rateExempt.
var rateRoutes = map[string]string{
	"POST /richiesta":           RateRequests,
	"POST /api/public/requests": RateRequests,
	"GET /richiesta/stato":      RateStatus,
	"GET /api/public/status":    RateStatus,
	"GET /cerca":                RateSearch,
	"GET /servizi/cerca":        RateSearch,
	"GET /api/search":           RateSearch,
	"GET /export/:format":       RateExport,
	"GET /sparql":               RateSPARQL,
	"POST /sparql":              RateSPARQL,
}

// rateExempt are anonymous unsafe routes with a protection of their own.
var rateExempt = map[string]bool{
	"POST /accedi": true, "POST /api/login": true, // the login throttle
	"POST /esci": true, "POST /api/logout": true, // ends the caller's own session
	"POST /api/v1/cti/:token": true, // the PBX, authenticated by the secret in the URL
}

// rateClass is the class of a request by route, or "".
func rateClass(method, path string) string {
	if method == http.MethodHead {
		method = http.MethodGet
	}
	key := method + " " + path
	if c, ok := rateRoutes[key]; ok {
		return c
	}
	if webkit.Unsafe(method) && !rateExempt[key] {
		return RateWrites
	}
	return ""
}

// newLimiters builds a limiter per configured class.
func newLimiters(rl RateLimits) (map[string]*ratelimit.Limiter, error) {
	out := map[string]*ratelimit.Limiter{}
	names := make([]string, 0, len(rl))
	for n := range rl {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		l, err := ratelimit.New(rl[n])
		if err != nil {
			return nil, fmt.Errorf("limite %s: %w", n, err)
		}
		out[n] = l
	}
	return out, nil
}

// rateLimit is the middleware: after authorize, so the caller's role is known and what the
// gate refuses is not counted.
func (s *Server) rateLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if len(s.limiters) == 0 || webkit.RoleOf(c) != role.Anonymous || webkit.FromContext(c.Request().Context()) != nil {
			return next(c)
		}
		class := rateClass(c.Request().Method, c.Path())
		l := s.limiters[class]
		if l == nil {
			return next(c)
		}
		ok, wait := l.Allow(ratelimit.AddressKey(webkit.ClientAddr(c.Request())))
		if ok {
			return next(c)
		}
		secs := ratelimit.RetryAfterSeconds(wait)
		c.Response().Header().Set("Retry-After", secs)
		s.refused(c, "rate limit", "class", class)
		n, _ := strconv.Atoi(secs)
		return &webkit.HTTPError{Status: http.StatusTooManyRequests, Code: "rate_limited", Msg: i18n.N("err.rateLimited", n)}
	}
}
