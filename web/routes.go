package web

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
)

// Role is what a caller may do (KB-8: differentiated access levels with a workflow between user
// types). The login issue will map users to roles; until then every caller is Anonymous.
type Role string

const (
	Anonymous     Role = "anonymous"     // the public: published pills, directory, exports
	Administrator Role = "administrator" // configuration, users
	Publisher     Role = "publisher"     // writes pills (KB-14)
	Validator     Role = "validator"     // approves pills (KB-12, KB-14)
	Operator      Role = "operator"      // front office, level 1
	Backoffice    Role = "backoffice"    // back office (TK-10)
	Level2        Role = "level2"        // second level (TK-10, TK-11)
	Supervisor    Role = "supervisor"    // queues and SLA figures (TEL-3)
	Auditor       Role = "auditor"       // reads everything, changes nothing (OPS-1)
)

// Roles lists every role, Anonymous first.
var Roles = []Role{Anonymous, Administrator, Publisher, Validator, Operator, Backoffice, Level2, Supervisor, Auditor}

// staff is every signed-in role.
var staff = Roles[1:]

// everyone allows a route to every caller, signed in or not.
var everyone = Roles

// SeesDrafts reports whether the role may read pills that are not published: the people who
// write, approve or audit them. Operators read to citizens "all and only what the sheet says"
// (KB-12), so they see published pills only, like the public.
func (r Role) SeesDrafts() bool {
	switch r {
	case Administrator, Publisher, Validator, Auditor:
		return true
	}
	return false
}

// Route is one entry of the routes table: the only place where a path is bound to a handler, and
// where it says who may call it. A route with no roles is refused to everyone (deny by default).
type Route struct {
	Method  string
	Path    string // echo syntax: /schede/:code
	Roles   []Role
	Handler func(s *Server, c echo.Context) error
}

// Allows reports whether role may call the route.
func (rt Route) Allows(role Role) bool { return slices.Contains(rt.Roles, role) }

// routes is the routes table. Keep it sorted by area; every later page (login, editing,
// tickets, telephony, supervisor) adds its lines here with its own role list.
var routes = []Route{
	// Health and assets.
	{http.MethodGet, "/healthz", everyone, (*Server).healthz},
	{http.MethodGet, "/static/*", everyone, (*Server).static},

	// Pages (Italian HTML).
	{http.MethodGet, "/", everyone, (*Server).home},
	{http.MethodGet, "/albero", everyone, (*Server).treePage},
	{http.MethodGet, "/concetti/:id", everyone, (*Server).conceptPage},
	{http.MethodGet, "/schede/:code", everyone, (*Server).pillPage},
	{http.MethodGet, "/rubrica", everyone, (*Server).directoryPage},
	{http.MethodGet, "/rubrica/uffici/:id", everyone, (*Server).unitPage},
	{http.MethodGet, "/esporta", everyone, (*Server).exportPage},

	// Downloads (KB-11: full export at any time). Non-published pills are left out for the
	// roles that may not read them.
	{http.MethodGet, "/export/:format", everyone, (*Server).export},

	// JSON API (web/API.md).
	{http.MethodGet, "/api/concepts", everyone, (*Server).apiConcepts},
	{http.MethodGet, "/api/concepts/:id", everyone, (*Server).apiConcept},
	{http.MethodGet, "/api/pills", everyone, (*Server).apiPills},
	{http.MethodGet, "/api/pills/:code", everyone, (*Server).apiPill},
	{http.MethodGet, "/api/units", everyone, (*Server).apiUnits},
	{http.MethodGet, "/api/units/:id", everyone, (*Server).apiUnit},
	{http.MethodGet, "/api/people", everyone, (*Server).apiPeople},
	{http.MethodGet, "/api/stats", everyone, (*Server).apiStats},
	{http.MethodGet, "/api/whoami", everyone, (*Server).apiWhoami},

	// Search (issue 4, kb/search): the operator's search page and its API go here, e.g.
	//   {http.MethodGet, "/cerca", staff, (*Server).searchPage},
	//   {http.MethodGet, "/api/search", staff, (*Server).apiSearch},
	// with the index held by Server as an optional component (see Components).
}

// authorize is the deny-by-default middleware: it finds the route the router matched in the
// table and refuses the call unless the caller's role is listed. A path registered on echo
// without going through the table is refused too; unmatched paths fall through to 404/405.
func (s *Server) authorize(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, role := s.auth.Role(c.Request())
		if role == "" {
			role = Anonymous
		}
		c.Set(ctxUser, user)
		c.Set(ctxRole, role)
		rt, ok := s.table[c.Request().Method+" "+c.Path()]
		if !ok {
			if s.registered(c.Request().Method, c.Path()) {
				return deny(role)
			}
			return next(c) // echo's 404 or 405
		}
		if !rt.Allows(role) {
			return deny(role)
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

// deny is 401 for a caller who has not signed in (signing in may help) and 403 otherwise.
func deny(role Role) error {
	if role == Anonymous {
		return &httpError{Status: http.StatusUnauthorized, Code: "unauthorized", Msg: msg("err.unauthorized")}
	}
	return &httpError{Status: http.StatusForbidden, Code: "forbidden", Msg: msg("err.forbidden")}
}

// Authenticator tells who is calling. The login issue plugs in real sessions; DefaultAuth says
// everyone is Anonymous.
type Authenticator interface {
	Role(r *http.Request) (user string, role Role)
}

// DefaultAuth treats every caller as Anonymous.
type DefaultAuth struct{}

func (DefaultAuth) Role(*http.Request) (string, Role) { return "", Anonymous }

// Context keys set by authorize.
const (
	ctxUser = "sportello.user"
	ctxRole = "sportello.role"
)

// roleOf is the caller's role as authorize resolved it.
func roleOf(c echo.Context) Role {
	if r, ok := c.Get(ctxRole).(Role); ok {
		return r
	}
	return Anonymous
}
