package web

import (
	"net/http"
	"slices"
	"sportello/i18n"
	"sportello/internal/role"

	"github.com/labstack/echo/v4"
)

// staff is every signed-in role (role.Staff), for routes.
var staff = role.Staff

// everyone allows a route to every caller, signed in or not.
var everyone = role.All

// Route is one entry of the routes table: the only place where a path is bound to a handler, and
// where it says who may call it. A route with no roles is refused to everyone (deny by default).
type Route struct {
	Method  string
	Path    string // echo syntax: /schede/:code
	Roles   []role.Role
	Handler func(s *Server, c echo.Context) error
}

// Allows reports whether role may call the route.
func (rt Route) Allows(who role.Role) bool { return slices.Contains(rt.Roles, who) }

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

	// The other features' routes are in their own blocks (allRoutes below).
}

// allRoutes is every route of the server: the table above and the blocks each feature declares
// beside its handlers (telephony, accounts and workflow, search, tickets, import), each route with
// its roles, like the table.
func allRoutes() []Route {
	return slices.Concat(routes, ctiRoutes, accountRoutes(), searchRoutes, ticketRoutes, importRoutes)
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
		c.Set(ctxUser, user)
		c.Set(ctxRole, who)
		rt, ok := s.table[c.Request().Method+" "+c.Path()]
		if !ok {
			if s.registered(c.Request().Method, c.Path()) {
				return deny(who)
			}
			return next(c) // echo's 404 or 405
		}
		if !rt.Allows(who) {
			return deny(who)
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
func deny(who role.Role) error {
	if who == role.Anonymous {
		return &httpError{Status: http.StatusUnauthorized, Code: "unauthorized", Msg: i18n.T("err.unauthorized")}
	}
	return &httpError{Status: http.StatusForbidden, Code: "forbidden", Msg: i18n.T("err.forbidden")}
}

// Authenticator tells who is calling. The login issue plugs in real sessions; DefaultAuth says
// everyone is Anonymous.
type Authenticator interface {
	Role(r *http.Request) (user string, who role.Role)
}

// DefaultAuth treats every caller as Anonymous.
type DefaultAuth struct{}

func (DefaultAuth) Role(*http.Request) (string, role.Role) { return "", role.Anonymous }

// Context keys set by authorize.
const (
	ctxUser = "sportello.user"
	ctxRole = "sportello.role"
)

// roleOf is the caller's role as authorize resolved it.
func roleOf(c echo.Context) role.Role {
	if r, ok := c.Get(ctxRole).(role.Role); ok {
		return r
	}
	return role.Anonymous
}

// telephony (issue 7): the contact-center pages and API, handlers in telephony*.go. They need
// the Telephony component (without it they answer 404), so they have their own block and their
// own role walk, TestCTIRoutesRoles, with an ACD configured.
var (
	ctiConsole    = []role.Role{role.Operator, role.Backoffice, role.Level2, role.Supervisor} // the operator console
	ctiSupervisor = []role.Role{role.Supervisor, role.Administrator, role.Auditor}            // live view and SLA (TEL-3)
	ctiListeners  = []role.Role{role.Operator, role.Backoffice, role.Level2, role.Supervisor, role.Administrator, role.Auditor}
	ctiManagers   = []role.Role{role.Supervisor, role.Administrator} // may inject a demo call
	ctiAdmins     = []role.Role{role.Administrator}                  // announcements (TEL-5)
)

var ctiRoutes = []Route{
	{http.MethodGet, "/operatore", ctiConsole, (*Server).operatorPage},
	{http.MethodGet, "/supervisore", ctiSupervisor, (*Server).supervisorPage},
	{http.MethodGet, "/statistiche", ctiSupervisor, (*Server).statsPage},
	{http.MethodGet, "/annunci", ctiAdmins, (*Server).announcementsPage},
	{http.MethodPost, "/annunci", ctiAdmins, (*Server).announcementUpload},
	{http.MethodGet, "/annunci/backup", ctiAdmins, (*Server).announcementBackup},
	{http.MethodPost, "/annunci/ripristina", ctiAdmins, (*Server).announcementRestore},
	{http.MethodPost, "/annunci/attiva", ctiAdmins, (*Server).announcementActivate},
	{http.MethodPost, "/annunci/elimina", ctiAdmins, (*Server).announcementDelete},
	{http.MethodGet, "/annunci/file/:name", ctiAdmins, (*Server).announcementFile},

	{http.MethodGet, "/api/cti/events", ctiListeners, (*Server).ctiEvents},
	{http.MethodGet, "/api/cti/me", ctiConsole, (*Server).ctiMe},
	{http.MethodPost, "/api/cti/status", ctiConsole, (*Server).ctiStatus},
	{http.MethodPost, "/api/cti/answer", ctiConsole, (*Server).ctiAnswer},
	{http.MethodPost, "/api/cti/transfer", ctiConsole, (*Server).ctiTransfer},
	{http.MethodPost, "/api/cti/hangup", ctiConsole, (*Server).ctiHangup},
	{http.MethodPost, "/api/cti/callback", ctiConsole, (*Server).ctiCallback},
	{http.MethodGet, "/api/cti/directory", ctiConsole, (*Server).ctiDirectory},
	{http.MethodGet, "/api/cti/snapshot", ctiSupervisor, (*Server).ctiSnapshot},
	{http.MethodGet, "/api/cti/stats", ctiSupervisor, (*Server).ctiStats},
	{http.MethodGet, "/api/cti/queue_log", ctiSupervisor, (*Server).ctiQueueLog},
	{http.MethodGet, "/api/cti/erlang", ctiSupervisor, (*Server).ctiErlang},
	{http.MethodPost, "/api/cti/demo/call", ctiManagers, (*Server).ctiDemoCall},

	// Zammad's generic CTI webhook for an external PBX (TEL-1): machine to machine, so open to
	// every caller here and checked by the secret token in the path instead.
	{http.MethodPost, "/api/v1/cti/:token", everyone, (*Server).ctiZammad},
}

// search (issue 4): knowledge search, handlers in search.go. The pages need the Search component
// (without it they answer 404, /cerca says so), so they have their own block and their own role
// walk, TestSearchRoutesRoles, with an index configured. /cerca and /api/search are open to the
// public too for now: what each role finds is decided by searchOptions (operators and the
// public: published pills only).
var searchRoutes = []Route{
	{http.MethodGet, "/cerca", everyone, (*Server).searchPage},
	{http.MethodGet, "/cerca/schede/:code", everyone, (*Server).searchPane},
	{http.MethodGet, "/api/search", everyone, (*Server).apiSearch},
	{http.MethodGet, "/sinonimi", []role.Role{role.Administrator}, (*Server).synonymsPage},
	{http.MethodPost, "/sinonimi", []role.Role{role.Administrator}, (*Server).synonymsAdd},
	{http.MethodPost, "/sinonimi/elimina", []role.Role{role.Administrator}, (*Server).synonymsRemove},
	{http.MethodGet, "/api/synonyms", []role.Role{role.Administrator}, (*Server).apiSynonyms},
	{http.MethodPost, "/api/synonyms", []role.Role{role.Administrator}, (*Server).apiSynonymAdd},
	{http.MethodDelete, "/api/synonyms/:id", []role.Role{role.Administrator}, (*Server).apiSynonymRemove},
}

// tickets (issue 6): service requests, citizens and the first-call-resolution loop, handlers in
// tickets*.go. They need the Tickets component (without it they answer 404), so they have their
// own block and their own role walk, TestTicketRoutesRoles. /richiesta and /api/public/… are the
// citizen's public page (TK-18): anyone may file a request and read its status with the number
// and the email address given.
var (
	tkWorkers = []role.Role{role.Operator, role.Backoffice, role.Level2, role.Supervisor}                                   // act on tickets
	tkReaders = []role.Role{role.Operator, role.Backoffice, role.Level2, role.Supervisor, role.Administrator, role.Auditor} // read them
	tkFigures = []role.Role{role.Supervisor, role.Administrator, role.Auditor, role.Publisher, role.Validator}              // KB-10, C.4
	tkMergers = []role.Role{role.Backoffice, role.Level2, role.Supervisor, role.Administrator}                              // citizen merge
)

var ticketRoutes = []Route{
	{http.MethodGet, "/ticket", tkReaders, (*Server).ticketInboxPage},
	{http.MethodGet, "/ticket/nuovo", tkWorkers, (*Server).ticketNewPage},
	{http.MethodPost, "/ticket/nuovo", tkWorkers, (*Server).ticketNewForm},
	{http.MethodGet, "/ticket/indicatori", tkFigures, (*Server).ticketFiguresPage},
	{http.MethodGet, "/ticket/richiamate", tkReaders, (*Server).callbacksPage},
	{http.MethodPost, "/ticket/richiamate/:id/tentativo", tkWorkers, (*Server).callbackAttemptForm},
	{http.MethodGet, "/ticket/:number", tkReaders, (*Server).ticketPage},
	{http.MethodPost, "/ticket/:number/azione", tkWorkers, (*Server).ticketStepForm},
	{http.MethodPost, "/ticket/:number/allegati", tkWorkers, (*Server).ticketAttachForm},
	{http.MethodPost, "/ticket/:number/richiamate", tkWorkers, (*Server).ticketCallbackForm},
	{http.MethodPost, "/ticket/:number/proponi", tkWorkers, (*Server).ticketProposeForm},
	{http.MethodGet, "/lacune", tkFigures, (*Server).gapsPage},
	{http.MethodGet, "/cittadini", tkReaders, (*Server).citizensPage},
	{http.MethodGet, "/cittadini/:id", tkReaders, (*Server).citizenPage},
	{http.MethodPost, "/cittadini/:id/unisci", tkMergers, (*Server).citizenMergeForm},
	{http.MethodGet, "/richiesta", everyone, (*Server).publicRequestPage},
	{http.MethodPost, "/richiesta", everyone, (*Server).publicRequestForm},
	{http.MethodGet, "/richiesta/stato", everyone, (*Server).publicStatusPage},

	{http.MethodGet, "/api/tickets", tkReaders, (*Server).apiTickets},
	{http.MethodPost, "/api/tickets", tkWorkers, (*Server).apiTicketCreate},
	{http.MethodGet, "/api/tickets/export", tkReaders, (*Server).apiTicketsExport},
	{http.MethodGet, "/api/tickets/figures", tkFigures, (*Server).apiTicketFigures},
	{http.MethodGet, "/api/tickets/gaps", tkFigures, (*Server).apiTicketGaps},
	{http.MethodGet, "/api/tickets/:id", tkReaders, (*Server).apiTicket},
	{http.MethodPost, "/api/tickets/:id/steps", tkWorkers, (*Server).apiTicketStep},
	{http.MethodPost, "/api/tickets/:id/answer", tkWorkers, (*Server).apiTicketAnswer},
	{http.MethodPost, "/api/tickets/:id/escalate", tkWorkers, (*Server).apiTicketEscalate},
	{http.MethodPost, "/api/tickets/:id/propose", tkWorkers, (*Server).apiTicketPropose},
	{http.MethodGet, "/api/tickets/:id/attachments", tkReaders, (*Server).apiTicketAttachments},
	{http.MethodPost, "/api/tickets/:id/attachments", tkWorkers, (*Server).apiTicketAttach},
	{http.MethodGet, "/api/attachments/:id", tkReaders, (*Server).apiAttachment},
	{http.MethodGet, "/api/tickets/:id/callbacks", tkReaders, (*Server).apiTicketCallbacks},
	{http.MethodPost, "/api/tickets/:id/callbacks", tkWorkers, (*Server).apiCallbackSchedule},
	{http.MethodGet, "/api/callbacks/due", tkReaders, (*Server).apiCallbacksDue},
	{http.MethodPost, "/api/callbacks/:id/attempts", tkWorkers, (*Server).apiCallbackAttempt},
	{http.MethodGet, "/api/citizens", tkReaders, (*Server).apiCitizens},
	{http.MethodPost, "/api/citizens", tkWorkers, (*Server).apiCitizenCreate},
	{http.MethodGet, "/api/citizens/:id", tkReaders, (*Server).apiCitizen},
	{http.MethodPost, "/api/citizens/:id/merge", tkMergers, (*Server).apiCitizenMerge},
	{http.MethodPost, "/api/public/requests", everyone, (*Server).apiPublicSubmit},
	{http.MethodGet, "/api/public/status", everyone, (*Server).apiPublicStatus},
}
