package accounts

// Where each role starts (after signing in) and the administration's home page. The audit log's
// page is web/auditlog's.

import (
	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/role"
	"sportello/web/webkit"
)

// StartPage is where a role lands after signing in: the operator at the desk, back office and
// level 2 at their queues, the publisher in the workspace, the validator at the queue to
// validate, the supervisor at the live view, administrators and auditors at the
// administration's home. The public keeps the home page.
func StartPage(r role.Role) string {
	switch r {
	case role.Operator:
		return "/operatore"
	case role.Backoffice:
		return "/ticket"
	case role.Level2:
		return "/ticket/uffici"
	case role.Publisher:
		return "/redazione"
	case role.Validator:
		return "/validazione"
	case role.Supervisor:
		return "/supervisore"
	case role.Administrator, role.Auditor:
		return "/amministrazione"
	}
	return "/"
}

var (
	adminReaders = []role.Role{role.Administrator, role.Auditor}
)

func (h *Handlers) adminRoutes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/amministrazione", adminReaders, h.adminHome),
	}
}

// adminLink is an entry of the administration's home.
type adminLink struct {
	Href, Title, Text string
	ID                string
}

// adminHome links what administrators manage; auditors see what they may read.
func (h *Handlers) adminHome(c echo.Context) error {
	admin := webkit.RoleOf(c) == role.Administrator
	var links []adminLink
	add := func(ok bool, id, href, key string) {
		if ok {
			links = append(links, adminLink{Href: href, Title: i18n.T("admin." + key), Text: i18n.T("admin." + key + ".text"), ID: id})
		}
	}
	add(true, "adm-utenti", "/amministrazione/utenti", "users")
	add(true, "adm-uffici", "/amministrazione/uffici", "offices")
	add(true, "adm-risposte", "/amministrazione/risposte", "canned")
	add(admin, "adm-sinonimi", "/sinonimi", "synonyms")
	add(admin, "adm-annunci", "/annunci", "announcements")
	add(admin, "adm-importa", "/importa", "imports")
	add(true, "adm-registro", "/amministrazione/registro", "audit") // web/auditlog
	add(true, "adm-validazione", "/validazione", "validation")
	return h.pages.Render(c, "admin", webkit.PageData{Title: i18n.T("admin.title"), Nav: "admin", Data: links})
}
