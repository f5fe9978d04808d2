package web

import (
	"net/http"
	"slices"
	"sportello/internal/role"
	"sportello/web/webkit"

	"github.com/labstack/echo/v4"
)

// routes is the routes table. Keep it sorted by area; every later page (login, editing,
// tickets, telephony, supervisor) adds its lines here with its own role list.
func (s *Server) routes() []webkit.Route {
	return []webkit.Route{
		// Health and assets.
		webkit.GET("/healthz", webkit.Everyone, s.healthz),
		webkit.GET("/static/*", webkit.Everyone, s.static),

		// Pages (Italian HTML).
		webkit.GET("/", webkit.Everyone, s.home),
		webkit.GET("/albero", webkit.Everyone, s.treePage),
		webkit.GET("/concetti/:id", webkit.Everyone, s.conceptPage),
		webkit.GET("/schede/:code", webkit.Everyone, s.pillPage),
		webkit.GET("/rubrica", webkit.Everyone, s.directoryPage),
		webkit.GET("/rubrica/uffici/:id", webkit.Everyone, s.unitPage),
		webkit.GET("/esporta", webkit.Everyone, s.exportPage),

		// Downloads (KB-11: full export at any time). Non-published pills are left out for the
		// roles that may not read them.
		webkit.GET("/export/:format", webkit.Everyone, s.export),

		// JSON API (web/API.md).
		webkit.GET("/api/concepts", webkit.Everyone, s.apiConcepts),
		webkit.GET("/api/concepts/:id", webkit.Everyone, s.apiConcept),
		webkit.GET("/api/pills", webkit.Everyone, s.apiPills),
		webkit.GET("/api/pills/:code", webkit.Everyone, s.apiPill),
		webkit.GET("/api/units", webkit.Everyone, s.apiUnits),
		webkit.GET("/api/units/:id", webkit.Everyone, s.apiUnit),
		webkit.GET("/api/people", webkit.Everyone, s.apiPeople),
		webkit.GET("/api/stats", webkit.Everyone, s.apiStats),
		webkit.GET("/api/whoami", webkit.Everyone, s.apiWhoami),

		// The other features' routes are in their own blocks (allRoutes below).
	}
}

// allRoutes is every route of the server: the table above and the blocks each feature declares
// beside its handlers (telephony, accounts and workflow, search, tickets, import), each route with
// its roles, like the table.
func (s *Server) allRoutes() []webkit.Route {
	return slices.Concat(s.routes(), s.routesOf("contactcenter"), s.routesOf("accounts"), s.routesOf("editorial"), s.searchRoutes(), s.routesOf("tickets"), s.routesOf("public"), s.routesOf("imports"))
}

// authorize is the deny-by-default middleware: it finds the route the router matched in the
// table and refuses the call unless the caller's role is listed. A path registered on echo
// without going through the table is refused too; unmatched paths fall through to 404/405.
func (s *Server) authorize(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, who := s.auth.Role(c.Request())
		if who == "" {
			who = role.Anonymous
		}
		webkit.SetCaller(c, user, who)
		rt, ok := s.table[c.Request().Method+" "+c.Path()]
		if !ok {
			if s.registered(c.Request().Method, c.Path()) {
				return webkit.Deny(who)
			}
			return next(c) // echo's 404 or 405
		}
		if !rt.Allows(who) {
			return webkit.Deny(who)
		}
		return next(c)
	}
}

// registered reports whether echo has a route for method and path, table or not.
func (s *Server) registered(method, path string) bool {
	for _, r := range s.echo.Routes() {
		if r.Method == method && r.Path == path {
			return true
		}
	}
	return false
}

// Authenticator tells who is calling. The login issue plugs in real sessions; DefaultAuth says
// everyone is Anonymous.
type Authenticator interface {
	Role(r *http.Request) (user string, who role.Role)
}

// DefaultAuth treats every caller as Anonymous.
type DefaultAuth struct{}

func (DefaultAuth) Role(*http.Request) (string, role.Role) { return "", role.Anonymous }

// search (issue 4): knowledge search, handlers in search.go. The pages need the Search component
// (without it they answer 404, /cerca says so), so they have their own block and their own role
// walk, TestSearchRoutesRoles, with an index configured. /cerca and /api/search are open to the
// public too for now: what each role finds is decided by searchOptions (operators and the
// public: published pills only).
func (s *Server) searchRoutes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/cerca", webkit.Everyone, s.searchPage),
		webkit.GET("/cerca/schede/:code", webkit.Everyone, s.searchPane),
		webkit.GET("/api/search", webkit.Everyone, s.apiSearch),
	}
}
