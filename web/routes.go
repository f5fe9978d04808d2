package web

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"sportello/internal/role"
	"sportello/web/webkit"
)

// routes are the server's own: the health check and the assets of every part.
func (s *Server) routes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/healthz", webkit.Everyone, s.healthz),
		webkit.GET("/static/*", webkit.Everyone, s.static),
	}
}

// allRoutes is every route of the server: its own and each part's (web/knowledge, editorial,
// tickets, public, contactcenter, reports, imports, accounts, auditlog), each route with the roles it
// allows. This is the one route table.
func (s *Server) allRoutes() []webkit.Route {
	return slices.Concat(s.routes(), s.routesOf("knowledge"), s.routesOf("contactcenter"), s.routesOf("reports"), s.routesOf("accounts"), s.routesOf("editorial"), s.routesOf("tickets"), s.routesOf("public"), s.routesOf("imports"), s.routesOf("auditlog"), s.routesOf("semantic"))
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
